"""Reconciliation: identifiers, normalised names, fuzzy scores, thresholds, likely duplicates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from consortia_kg.cli.main import main
from consortia_kg.errors import Severity
from consortia_kg.reconcile import (
    ACRONYM_SCORE,
    ASK_SCORE,
    DUPLICATE_SCORE,
    LINK_SCORE,
    Match,
    Query,
    Reconciler,
    entity_from_record,
    find_likely_duplicates,
    likely_duplicate_pairs,
    normalise_name,
)
from consortia_kg.records import load_records
from consortia_kg.records.writer import render_record
from helpers.paths import DATA, RECORDS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("European Bioinformatics Institute", "european bioinformatics institute"),
        ("  EUROPEAN   bioinformatics\tinstitute ", "european bioinformatics institute"),
        ("Children's Hospital of Philadelphia", "childrens hospital of philadelphia"),
        ("Children’s Hospital of Philadelphia", "childrens hospital of philadelphia"),
        ("Global Alliance for Genomics & Health", "global alliance for genomics and health"),
        ("The Global Alliance for Genomics and Health", "global alliance for genomics and health"),
        ("Biogéochimie des Écosystèmes Forestiers", "biogeochimie des ecosystemes forestiers"),
        ("CSC - IT Center for Science Ltd.", "csc it center for science ltd"),
        ("Universität Straße", "universitat strasse"),
        ("The", "the"),
        ("", ""),
    ],
)
def test_normalise_name(raw: str, normal: str) -> None:
    assert normalise_name(raw) == normal


class _Index:
    """Records by slug, matched as importers match them."""

    def __init__(self) -> None:
        self.reconciler = Reconciler()

    def add(self, slug: str, record: dict[str, object]) -> None:
        self.reconciler.add(entity_from_record(slug, "organisation", record))

    def match(self, name: str = "", *, ror: str = "", wikidata: str = "",
              identifiers: tuple[tuple[str, str], ...] = (), floor: float = 60,
              country: str = "") -> list[Match]:  # fmt: skip
        ids = (
            *identifiers,
            *(("ror", ror),) * bool(ror),
            *(("wikidata", wikidata),) * bool(wikidata),
        )
        return self.reconciler.match(Query(name, country=country, identifiers=ids), floor=floor)


def _index() -> _Index:
    index = _Index()
    index.add(
        "uk-ac-ebi",
        {
            "name": "European Bioinformatics Institute",
            "acronym": "EBI",
            "aliases": ["EMBL-EBI"],
            "labels": [{"value": "Institut européen de bioinformatique", "lang": "fr"}],
            "ror": "https://ror.org/02catss52",
            "wikidata": "Q1341845",
            "identifiers": [{"scheme": "ga4gh-registry", "value": "uk.ac.ebi"}],
        },
    )
    index.add("eu-crg", {"name": "Centre for Genomic Regulation", "acronym": "CRG"})
    index.add("ecrin", {"name": "European Clinical Research Infrastructure Network (ECRIN)"})
    index.add(
        "other-ebi",
        {"name": "European Bioinformatics Institute", "ror": "https://ror.org/0abcdef12"},
    )
    return index


@pytest.mark.parametrize(
    ("query", "kw", "slug", "score", "reason"),
    [
        ("", {"ror": "https://ror.org/02catss52"}, "uk-ac-ebi", 100, "same ROR id"),
        ("", {"wikidata": "Q1341845"}, "uk-ac-ebi", 100, "same Wikidata id"),
        ("", {"identifiers": (("ga4gh-registry", "uk.ac.ebi"),)}, "uk-ac-ebi", 100,
         "same ga4gh-registry id"),
        ("embl ebi", {}, "uk-ac-ebi", 100, "same alias"),
        ("Institut Européen de Bioinformatique", {}, "uk-ac-ebi", 100, "same label"),
        ("centre for genomic regulation.", {}, "eu-crg", 100, "same name"),
        ("Centre for Genomic Regulation (CRG)", {}, "eu-crg", 100, "same name"),
        ("CRG", {}, "eu-crg", ACRONYM_SCORE, "same acronym"),
        ("Center for Genomic Regulation", {}, "eu-crg", None, "similar name"),
        ("ECRIN", {}, "ecrin", ACRONYM_SCORE, "same acronym"),  # bracketed in a stored name
    ],
)  # fmt: skip
def test_match_finds_the_record(
    query: str, kw: dict[str, object], slug: str, score: float | None, reason: str
) -> None:
    best = _index().match(query, **kw)[0]  # type: ignore[arg-type]
    assert (best.slug, best.reason) == (slug, reason)
    if score is not None:
        assert best.score == score
    else:
        assert LINK_SCORE <= best.score < 100  # fuzzy: high, but never a perfect 100
    assert best.certain == (score == 100)  # only an identical id or name links by itself


def test_different_ror_ids_are_never_candidates() -> None:
    found = _index().match("European Bioinformatics Institute", ror="https://ror.org/02catss52")
    assert [c.slug for c in found] == ["uk-ac-ebi"]


def test_scores_fall_with_distance_and_respect_the_floor() -> None:
    found = _index().match("Centre for Genome Research", floor=0)
    assert found[0].slug == "eu-crg"
    assert ASK_SCORE > found[0].score > 50
    assert _index().match("Completely unrelated words") == []
    assert _index().match("") == []


def _write(folder: Path, slug: str, record: dict[str, object]) -> None:
    (folder / "organisations").mkdir(parents=True, exist_ok=True)
    text = render_record("organisation", {"id": slug, "sources": ["s"], **record})
    (folder / "organisations" / f"{slug}.yaml").write_text(text, encoding="utf-8")


def test_likely_duplicates_are_warnings_with_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, "crg", {"name": "Centre for Genomic Regulation"})
    _write(tmp_path, "crg-2", {"name": "Center for Genomic Regulation"})
    _write(tmp_path, "embl", {"name": "EMBL", "aliases": ["European Molecular Biology Lab."]})
    _write(tmp_path, "embl-2", {"name": "European Molecular Biology Lab"})
    _write(tmp_path, "h1", {"name": "Hospital San Agustín", "ror": "https://ror.org/02jpxve44"})
    _write(tmp_path, "h2", {"name": "Hospital San Agustin", "ror": "https://ror.org/05sqaff46"})
    _write(tmp_path, "unrelated", {"name": "Completely Different Institute"})
    problems = find_likely_duplicates(load_records(tmp_path))
    assert [(Path(p.file).name, p.line, p.key, p.severity) for p in problems] == [
        ("crg-2.yaml", 2, "name", Severity.WARNING),
        ("embl-2.yaml", 2, "name", Severity.WARNING),
    ]
    assert problems[0].message.startswith('may be the same organisation as "crg": ')
    assert "similar name (score" in problems[0].message
    assert "the same name" in problems[1].message
    assert all(p.fix and p.why and p.shape == "likely duplicate" for p in problems)


def test_the_real_data_has_no_likely_duplicates() -> None:
    assert find_likely_duplicates(load_records(DATA)) == []


def test_duplicate_threshold_is_documented_between_ask_and_link() -> None:
    assert ASK_SCORE < DUPLICATE_SCORE < LINK_SCORE


def test_cli_reconcile_table_and_json(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    runner = CliRunner()
    result = runner.invoke(
        main, ["reconcile", "Center for Genomic Regulation", "--data", str(data)]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["score", "slug", "name", "(why)"]  # and a `certain` column
    assert lines[1].split()[1] == "eu-crg"
    assert "similar name" in lines[1]
    result = runner.invoke(
        main,
        ["reconcile", "CRG", "--data", str(data), "--format", "json", "--limit", "1"],
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [
        {
            "slug": "eu-crg", "kind": "organisation", "name": "Centre for Genomic Regulation",
            "score": 90.0, "certain": False, "reason": "same acronym", "matched": "CRG",
            "evidence": [],
        }
    ]  # fmt: skip
    result = runner.invoke(
        main, ["reconcile", "Global Alliance", "--kind", "consortium", "--data", str(data)]
    )
    assert "ga4gh" in result.stdout and "same alias" in result.stdout
    result = runner.invoke(main, ["reconcile", "Nothing Like It Anywhere", "--data", str(data)])
    assert result.exit_code == 0
    assert result.stdout.startswith('no organisation record matches "Nothing Like It Anywhere"')


def test_cli_reconcile_bad_input_exits_2(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["reconcile", "  ", "--data", str(DATA)])
    assert result.exit_code == 2
    assert "error: the name is empty" in result.stderr
    result = runner.invoke(main, ["reconcile", "x", "--data", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "is not a folder of records" in result.stderr


def test_typed_labels_match_as_what_they_are() -> None:
    index = _Index()
    index.add(
        "0001j6c19",
        {
            "name": "Biogéochimie des écosystèmes forestiers",
            "labels": [
                {"value": "BEF", "lang": "fr", "types": ["acronym"]},
                {"value": "Forest Ecosystems", "types": ["alias"]},
                {"value": "Biogéochimie des écosystèmes forestiers", "lang": "fr",
                 "types": ["label", "ror_display"]},
            ],
        },
    )  # fmt: skip
    (acronym,) = index.match("BEF")
    assert (acronym.score, acronym.reason) == (ACRONYM_SCORE, "same acronym")  # not a name: 90
    (alias,) = index.match("forest ecosystems")
    assert (alias.score, alias.reason, alias.matched) == (100, "same alias", "Forest Ecosystems")


# --- likely duplicates at scale: blocking ----------------------------------------------------


def _all_pairs(records: dict[str, dict[str, object]]) -> set[tuple[str, str]]:
    """Every pair scored (the definition blocking must reproduce), on names only."""
    from rapidfuzz import fuzz, process

    slugs = sorted(records)
    names = [str(records[s]["name"]) for s in slugs]
    texts = [normalise_name(name) for name in names]
    pairs = set()
    for a, text in enumerate(texts):
        if len(text) < 5:
            continue
        for _, _, b in process.extract(text, texts, scorer=fuzz.token_sort_ratio,
                                       score_cutoff=DUPLICATE_SCORE, limit=None):  # fmt: skip
            # one name, case aside, is the shapes' error: not a likely duplicate
            if a < b and len(texts[b]) >= 5 and names[a].lower() != names[b].lower():
                pairs.add((slugs[a], slugs[b]))
    return pairs


def _typo(text: str, n: int) -> str:
    """A deterministic slip in one word: a letter dropped, doubled or swapped, or a word added."""
    words = text.split()
    at = n % len(words)
    word, i = words[at], (n // 7) % max(len(words[at]) - 1, 1)
    kind = n % 4
    if kind == 0 and len(word) > 3:
        word = word[:i] + word[i + 1 :]
    elif kind == 1:
        word = word[:i] + word[i] + word[i:]
    elif kind == 2:
        word = word[:i] + word[i + 1 : i + 2] + word[i] + word[i + 2 :]
    else:
        return text + " Ltd"
    return " ".join([*words[:at], word, *words[at + 1 :]])


def test_blocking_finds_every_pair_all_pairs_scoring_finds_in_ror_names(
    ror_lines: list[str],
) -> None:
    # every name of the 477 ROR records (labels too), and a slip in every fifth one
    names = sorted({n["value"].strip() for line in ror_lines
                    for n in json.loads(line)["names"]})  # fmt: skip
    names += [_typo(name, n) for n, name in enumerate(names) if n % 5 == 0]
    records: dict[str, dict[str, object]] = {f"o{n:05d}": {"name": v} for n, v in enumerate(names)}
    expected = _all_pairs(records)
    assert len(expected) > 300  # the slips, and ROR's own near-twins
    assert {(p.first, p.second) for p in likely_duplicate_pairs(records)} == expected


def test_a_slip_in_a_name_among_many_like_it_is_found() -> None:
    # 2,100 "University of …", each two letters from any other (too far apart to be duplicates),
    # too many to pair by any shared word or by "of university": the slips are found all the same
    stems = [a + b + c + d for a in "bdfgklmnprstvz" for b in "aeiou" for c in "lmnrstx"
             for d in "aeiou"][:2100]  # fmt: skip
    records: dict[str, dict[str, object]] = {
        f"u{n:04d}": {"name": f"University of {(w + w).capitalize()}"} for n, w in enumerate(stems)
    }
    assert len(records) == 2100 and records["u0000"] == {"name": "University of Balabala"}
    records["x-slip"] = {"name": "Universty of Balabala"}  # a letter dropped in the common word
    records["y-slip"] = {"name": "University of Balabbala"}  # a letter doubled in the rare one
    found = {(p.first, p.second, p.score) for p in likely_duplicate_pairs(records)}
    assert {(a, b) for a, b, _ in found} == {("u0000", "x-slip"), ("u0000", "y-slip")}
    assert all(DUPLICATE_SCORE <= score < 100 for _, _, score in found)


def test_a_word_added_to_a_name_of_common_words_is_found() -> None:
    # every word of "Institute of Technology" is in 252 names: too common to pair by
    stems = [a + b + c + d for a in "bdfgklmnprstvz" for b in "aeiou" for c in "lmnrstx"
             for d in "aeiou"][:250]  # fmt: skip
    records: dict[str, dict[str, object]] = {
        f"i{n:03d}": {"name": f"Institute of Technology {(w * 4).capitalize()}"}
        for n, w in enumerate(stems)
    }
    records["itech"] = {"name": "Institute of Technology"}
    records["itech-ltd"] = {"name": "Institute of Technology Ltd."}
    assert [(p.first, p.second) for p in likely_duplicate_pairs(records)] == [
        ("itech", "itech-ltd")
    ]


def test_registry_ids_and_the_shapes_keep_apart_what_blocking_brings_together() -> None:
    records: dict[str, dict[str, object]] = {
        "a": {"name": "Hospital San Agustin", "ror": "https://ror.org/02jpxve44"},
        "b": {"name": "Hospital San Agustín", "ror": "https://ror.org/05sqaff46"},
        "c": {"name": "Hospital San-Agustin", "wikidata": "Q1"},
        "d": {"name": "Hospital San Agustin.", "wikidata": "Q2"},
        "e": {"name": "Hospital San Agustinn"},
        "f": {"name": "HOSPITAL SAN AGUSTIN"},  # a's name: the shapes' error, not a warning
    }
    pairs = [(p.first, p.second, p.score) for p in likely_duplicate_pairs(records)]
    assert [(a, b) for a, b, _ in pairs] == [
        ("a", "c"), ("a", "d"), ("a", "e"), ("b", "c"), ("b", "d"), ("b", "e"), ("b", "f"),
        ("c", "e"), ("c", "f"), ("d", "e"), ("d", "f"), ("e", "f"),
    ]  # fmt: skip
    assert {s for a, b, s in pairs if "e" not in (a, b)} == {100.0}


def test_cli_validate_warns_about_two_near_identical_organisations(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    path = data / "organisations" / "eu-crg-2.yaml"
    _write(data, "eu-crg-2", {"name": "Center for Genomic Regulation"})
    (data / "sources" / "s.yaml").write_text(
        'id: "s"\ntitle: "A test"\nkind: "other"\nurl: "https://example.org/"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["validate", "--data", str(data), "-q"])
    assert result.exit_code == 0, result.output  # a warning, not an error
    assert result.stdout == (
        f'{path}:2 name: may be the same organisation as "eu-crg": "Center for Genomic '
        'Regulation" and "Centre for Genomic Regulation" are a similar name (score 97) [warning]\n'
        "  why: two records for one organisation split its memberships and links\n"
        "  fix: merge the two records (keep one, list the other's names under `aliases`), or "
        "tell them apart with `ror:` or `wikidata:` ids or a more precise name\n"
        "\n"
        f"1 warning in 1 file ({RECORDS + 2} records read)\n"  # eu-crg-2 and s
    )
    result = CliRunner().invoke(
        main, ["validate", "--data", str(data), "-q", "--warnings-as-errors"]
    )
    assert result.exit_code == 1
