"""`consortia-kg import ga4gh-registry`: the GA4GH registry's SQL dump → records."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from consortia_kg.cli import main
from consortia_kg.errors import Severity
from consortia_kg.pipeline import validate_data
from consortia_kg.recordwriter import read_record_text

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
DUMP = ROOT.parent / "shared" / "data" / "ga4gh-registry-prd-dataset.sql"
SQL = DUMP.read_text(encoding="utf-8")


def _data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    return data


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _read(path: Path, kind: str) -> dict[str, Any]:
    return read_record_text(path.read_text(encoding="utf-8"), kind, str(path))


def _errors(data: Path) -> list[str]:
    return [f"{p.file} {p.key} {p.message}" for p in validate_data(data).problems
            if p.severity == Severity.VIOLATION]  # fmt: skip


def test_the_dump_reproduces_the_organisation_records(tmp_path: Path) -> None:
    data = _data(tmp_path)
    hand = {p.stem: _read(p, "organisation") for p in (data / "organisations").glob("*.yaml")}
    shutil.rmtree(data / "organisations")
    result = _run("import", "ga4gh-registry", str(DUMP), "--data", str(data), "--force")
    assert result.exit_code == 0, result.output
    made = {p.stem: _read(p, "organisation") for p in (data / "organisations").glob("*.yaml")}
    assert sorted(made) == sorted(hand)
    for slug, record in made.items():
        # the same facts; the importer adds one note with the implementation columns that have
        # no record key yet (software version, environment, times, CURIE prefix)
        extra = [n for n in record["notes"] if n not in hand[slug]["notes"]]
        assert {**record, "notes": hand[slug]["notes"]} == hand[slug], slug
        assert all(n.startswith("GA4GH registry implementation details") for n in extra)
    assert "com.dnastack.wes.demo: software version 1.0.0, environment demo" in " ".join(
        made["com-dnastack"]["notes"]
    )
    assert "mailto:" not in "".join(p.read_text() for p in (data / "organisations").iterdir())
    assert _errors(data) == []


def test_the_dump_into_the_real_data_adds_standards_and_is_idempotent(tmp_path: Path) -> None:
    data = _data(tmp_path)
    hand = _read(data / "consortia" / "ga4gh.yaml", "consortium")
    before = _snapshot(data)
    result = _run("import", "ga4gh-registry", str(DUMP), "--data", str(data))
    assert result.exit_code == 1  # existing records would change (new notes): --force needed
    assert _snapshot(data) == before
    result = _run("import", "ga4gh-registry", str(DUMP), "--data", str(data), "--force")
    assert result.exit_code == 0, result.output
    merged = _read(data / "consortia" / "ga4gh.yaml", "consortium")
    for key in set(hand) - {"notes"}:
        assert merged[key] == hand[key], key
    standards = [n for n in merged["notes"] if n.startswith("GA4GH registry standard ")]
    assert len(standards) == 25
    assert any(n.startswith("GA4GH registry standard drs (no record key yet): name: Data "
                            "Repository Service; category: API; status: Approved; work stream: "
                            "org.ga4gh.workstream.cloud; abbreviation: DRS") for n in standards)  # fmt: skip
    assert not (data / "sources" / "ga4gh-registry-prd-dataset.yaml").exists()  # reused by sha256
    assert _errors(data) == []
    once = _snapshot(data)
    result = _run("import", "ga4gh-registry", str(DUMP), "--data", str(data))
    assert result.exit_code == 0, result.output
    assert "0 new, 0 changed, 16 unchanged" in result.stderr
    assert _snapshot(data) == once


def test_an_empty_data_folder_gets_the_consortium_too(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    result = _run("import", "ga4gh-registry", str(DUMP), "--data", str(data))
    assert result.exit_code == 0, result.output
    ga4gh = _read(data / "consortia" / "ga4gh.yaml", "consortium")
    assert (ga4gh["acronym"], ga4gh["homepage"], ga4gh["status"]) == (
        "GA4GH", "https://ga4gh.org", "active",
    )  # fmt: skip
    assert ga4gh["notes"][0].startswith("GA4GH registry: this record was created from the")
    assert [g["id"] for g in ga4gh["working_groups"]] == [
        "lsg", "discovery", "cloud", "duri", "gks", "clinpheno", "rews", "dsws",
    ]  # fmt: skip
    assert _errors(data) == []


BAD: list[tuple[str, str, str]] = [
    ("empty", "", "{file}:1: the file is empty"),
    ("arbitrary text", "hello there\n", "{file}:1: not an INSERT statement: 'hello there'"),
    ("a page", "Global Alliance\n\nAt a Glance\n", "{file}:1: not an INSERT statement"),
    ("json", '{"id": "x"}\n', "{file}:1: this looks like JSON, not a SQL dump"),
    ("truncated", SQL[: SQL.index("'https://www.ebi.ac.uk/')")],
     "{file}:6: the INSERT statement is cut short"),
    ("truncated in a value", SQL[: SQL.index("'https://www.ebi.ac.uk/')") + 9],
     "{file}:6: a quoted value is never closed (the file is cut?)"),
    ("cut after values", SQL[: SQL.index(");", SQL.index("uk.ac.ebi"))],
     "{file}:6: the INSERT statement is cut short"),
    ("unknown table", "INSERT INTO ga4gh_schema.person VALUES ('a');\n",
     "{file}:1: table 'person' is not one of the registry's tables"),
    ("wrong columns", "INSERT INTO ga4gh_schema.organization VALUES ('a', 'b');\n",
     "{file}:1: organization row has 2 values; the table has 4 columns"),
    ("no ga4gh", "INSERT INTO ga4gh_schema.organization VALUES ('a', 'b', NULL, 'https://a');\n",
     "{file}:1: the dump has no organization 'org.ga4gh'"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "content", "message"), BAD, ids=[c for c, _, _ in BAD])
def test_bad_input_exits_2_naming_file_and_line_and_writes_nothing(
    tmp_path: Path, case: str, content: str, message: str
) -> None:
    data = _data(tmp_path)
    bad = tmp_path / "bad.sql"
    bad.write_text(content, encoding="utf-8")
    before = _snapshot(data)
    result = _run("import", "ga4gh-registry", str(bad), "--data", str(data))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: " + message.format(file=bad)), result.stderr
    assert _snapshot(data) == before


def test_sql_quotes_and_nulls_are_read() -> None:
    from consortia_kg.importers.ga4gh_registry import parse_dump

    dump = parse_dump(
        "-- a comment\nINSERT INTO ga4gh_schema.organization VALUES\n"
        "  ('org.x', 'The world''s ''best''', NULL, 'https://x.org');\n",
        "t.sql",
    )
    assert dump.rows["organization"] == [
        {"id": "org.x", "name": "The world's 'best'", "short_name": None, "url": "https://x.org"}
    ]
