"""One ``skos:prefLabel`` per language for every organisation imported from the real ROR sample.

ROR gives several ``label`` names in one language (the sample has records with two Turkish
labels); SKOS allows one preferred label per language. The build makes ROR's display name the
preferred label of its language, the first ``label`` of each other language its preferred label,
and every other name an ``skos:altLabel`` (issue 12, part 5).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from consortia_kg.cli.main import main
from consortia_kg.pipeline import load_and_build

PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
ACRONYM = "https://w3id.org/consortia-kg/ontology#acronym"
SAME_AS = "http://www.w3.org/2004/02/skos/core#exactMatch"


@pytest.fixture(scope="module")
def ror_names(
    ror_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """Every ROR record of the sample, imported and built: ROR id → its names in ROR and in RDF."""
    data = tmp_path_factory.mktemp("ror-labels") / "data"
    data.mkdir()
    result = CliRunner().invoke(main, ["import", "ror", str(ror_file), "--data", str(data), "-q"])
    assert result.exit_code == 0, result.output
    run = load_and_build(data)
    assert run.built is not None
    node_of: dict[str, str] = {}
    names: dict[str, list[tuple[str, str, str | None]]] = {}
    for quad in run.built.quads:
        s, p, o = quad.subject.value, quad.predicate.value, quad.object
        if p == SAME_AS and o.value.startswith("https://ror.org/"):
            node_of[o.value] = s
        elif p in (PREF, ALT, ACRONYM):
            names.setdefault(s, []).append((p, o.value, getattr(o, "language", None)))
    out = {}
    for line in ror_file.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        out[record["id"]] = {"ror": record["names"], "rdf": names[node_of[record["id"]]]}
    return out


def test_at_most_one_preferred_label_per_language(ror_names: dict[str, dict[str, Any]]) -> None:
    several = 0
    for ror, names in ror_names.items():
        in_ror = Counter(
            n.get("lang") for n in names["ror"] if {"label", "ror_display"} & set(n["types"])
        )
        several += any(count > 1 for count in in_ror.values())
        preferred = Counter(lang for p, _, lang in names["rdf"] if p == PREF)
        assert all(count == 1 for count in preferred.values()), (ror, names["rdf"])
    assert several > 0, "the sample no longer has a record with two labels in one language"


def test_the_display_name_is_preferred_and_every_name_is_kept(
    ror_names: dict[str, dict[str, Any]],
) -> None:
    for ror, names in ror_names.items():
        rdf = {(p, value, lang) for p, value, lang in names["rdf"]}
        for name in names["ror"]:
            value, lang = name["value"].strip(), name.get("lang") or None
            said = {p for p, v, language in rdf if (v, language) == (value, lang)}
            if "ror_display" in name["types"]:
                assert PREF in said, (ror, name)
            if {"label", "alias"} & set(name["types"]):
                assert said & {PREF, ALT}, (ror, name)
            if "acronym" in name["types"]:
                assert ACRONYM in said, (ror, name)
            assert not {PREF, ALT} <= said, f"{ror}: {value!r} is both preferred and alternative"


def test_a_second_label_in_the_display_names_language_is_an_alternative(
    ror_names: dict[str, dict[str, Any]],
) -> None:
    # Every record where ROR gives a `label` in the display name's language besides it
    checked = 0
    for ror, names in ror_names.items():
        display = next(n for n in names["ror"] if "ror_display" in n["types"])
        lang = display.get("lang") or None
        others = [
            n["value"].strip()
            for n in names["ror"]
            if "label" in n["types"]
            and "ror_display" not in n["types"]
            and (n.get("lang") or None) == lang
        ]
        for other in others:
            assert (ALT, other, lang) in names["rdf"], (ror, other)
            assert (PREF, other, lang) not in names["rdf"], (ror, other)
            checked += 1
    assert checked > 0, "the sample no longer has such a record"
