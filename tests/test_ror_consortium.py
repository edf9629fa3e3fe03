"""`import ror --consortium ROR_ID`: a ROR record that is a consortium → a consortium record.

The real ROR sample (SOURCES.md section 2) holds The UniProt Consortium and EarthScope Consortium
as ROR organisations (issue 12, part 5).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from consortia_kg.cli.main import main
from consortia_kg.errors import Severity
from consortia_kg.pipeline import validate_data
from consortia_kg.records.writer import read_record_text

UNIPROT = "https://ror.org/017yq1n41"
EARTHSCOPE = "https://ror.org/04danrt76"


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _ror_records(ror_file: Path) -> dict[str, dict[str, Any]]:
    lines = ror_file.read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}


def _records(data: Path, kind: str) -> dict[str, dict[str, Any]]:
    folder = data / {"consortium": "consortia", "organisation": "organisations"}[kind]
    return {
        p.stem: read_record_text(p.read_text(encoding="utf-8"), kind, str(p))
        for p in sorted(folder.glob("*.yaml"))
    }


@pytest.fixture(scope="module")
def imported(ror_file: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """The whole sample imported into an empty folder with the two consortia named."""
    data = tmp_path_factory.mktemp("ror-consortia") / "data"
    data.mkdir()
    result = _run(
        "import", "ror", ror_file, "--data", data, "-q",
        "--consortium", UNIPROT, "--consortium", EARTHSCOPE.rsplit("/", 1)[1],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return data, result


def test_named_records_become_consortium_records(
    imported: tuple[Path, Result], ror_file: Path
) -> None:
    data, _ = imported
    ror = _ror_records(ror_file)
    consortia = {r["ror"]: r for r in _records(data, "consortium").values()}
    assert sorted(consortia) == [UNIPROT, EARTHSCOPE]
    for ror_id, record in consortia.items():
        source = ror[ror_id]
        display = next(n["value"] for n in source["names"] if "ror_display" in n["types"])
        website = next(link["value"] for link in source["links"] if link["type"] == "website")
        assert record["name"] == display
        assert record["homepage"] == website
        assert record["status"] == source["status"]  # both are active in the sample
        assert record["year_launched"] == str(source["established"])
        place = source["locations"][0]["geonames_details"]
        assert record["location"].startswith(place["name"] + ", ")
        assert record["location"].endswith(", " + place["country_name"])
        wikidata = [e["preferred"] for e in source["external_ids"] if e["type"] == "wikidata"]
        assert record.get("wikidata") == (wikidata[0] if wikidata else None)
        others = [n["value"] for n in source["names"] if n["value"] != display]
        assert record["aliases"] == [n for n in others if n not in record.get("acronym", "")]
        assert record["sources"] == ["ror-records-v2-0"]
    organisations = _records(data, "organisation")
    assert not {UNIPROT, EARTHSCOPE} & {o.get("ror") for o in organisations.values()}
    # an organisation ROR relates to a consortium links to it by its ROR IRI
    links = [
        rel
        for o in organisations.values()
        for rel in o.get("relationships", [])
        if rel["ror"] in (UNIPROT, EARTHSCOPE)
    ]
    assert links and all("organisation" not in rel for rel in links)


def test_the_import_validates_and_a_reimport_changes_nothing(
    imported: tuple[Path, Result], ror_file: Path
) -> None:
    data, _ = imported
    run = validate_data(data)
    assert [p for p in run.problems if p.severity == Severity.VIOLATION] == []
    before = {p: p.read_bytes() for p in sorted(data.rglob("*.yaml"))}
    again = _run("import", "ror", ror_file, "--data", data, "-q", "--consortium", UNIPROT,
                 "--consortium", EARTHSCOPE)  # fmt: skip
    assert again.exit_code == 0, again.output
    assert " 0 new, 0 changed," in again.stderr
    assert {p: p.read_bytes() for p in sorted(data.rglob("*.yaml"))} == before


def test_records_named_consortium_are_listed_as_candidates(
    tmp_path: Path, ror_file: Path, imported: tuple[Path, Result]
) -> None:
    result = _run("import", "ror", ror_file, "--data", tmp_path, "--dry-run", "-q")
    assert result.exit_code == 0, result.output
    noted = [line for line in result.stderr.splitlines() if "looks like a consortium" in line]
    ror = _ror_records(ror_file)
    named = {line.split("ROR record ", 1)[1].split(" ", 1)[0] for line in noted}
    assert {UNIPROT, EARTHSCOPE} <= named
    assert all(any("onsortium" in n["value"] for n in ror[r]["names"]) for r in named)
    assert f"use --consortium {UNIPROT}" in result.stderr
    # the ones imported as consortia are not listed again
    _, with_flag = imported
    assert UNIPROT not in with_flag.stderr and EARTHSCOPE not in with_flag.stderr


def test_an_organisation_record_with_the_consortiums_ror_id_is_reported(
    tmp_path: Path, ror_file: Path
) -> None:
    line = json.dumps(_ror_records(ror_file)[UNIPROT])
    one = tmp_path / "uniprot.jsonl"
    one.write_text(line + "\n", encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    assert _run("import", "ror", one, "--data", data, "-q").exit_code == 0
    result = _run("import", "ror", one, "--data", data, "-q", "--consortium", UNIPROT)
    assert result.exit_code == 0, result.output
    assert (
        f"warning: organisation record 017yq1n41 has the ROR id {UNIPROT} of the consortium"
        in result.stderr
    )
    assert (data / "consortia" / "the-uniprot-consortium.yaml").is_file()


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("not-a-ror", "--consortium 'not-a-ror' is not a ROR id"),
        ("https://ror.org/0000aaa00", "has no ROR record with this id"),
    ],
)
def test_a_bad_consortium_option_exits_2_and_writes_nothing(
    tmp_path: Path, ror_file: Path, value: str, says: str
) -> None:
    result = _run("import", "ror", ror_file, "--data", tmp_path, "--consortium", value)
    assert result.exit_code == 2, result.output
    assert says in result.stderr and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_withdrawn_ror_record_is_not_imported_as_a_consortium(
    tmp_path: Path, ror_file: Path
) -> None:
    record = _ror_records(ror_file)[EARTHSCOPE]
    record["status"] = "withdrawn"  # no record of the sample is withdrawn: made from a real one
    changed = tmp_path / "withdrawn.jsonl"
    changed.write_text(json.dumps(record) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    result = _run("import", "ror", changed, "--data", data, "--consortium", EARTHSCOPE)
    assert result.exit_code == 2, result.output
    assert "withdrawn.jsonl:1" in result.stderr and "is withdrawn" in result.stderr
    assert list(data.iterdir()) == []
