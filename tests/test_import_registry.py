"""`consortia-kg import ga4gh-registry`: the GA4GH registry's SQL dump → records."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from consortia_kg.cli.main import main
from consortia_kg.errors import Severity
from consortia_kg.importers.ga4gh_registry import COLUMNS
from consortia_kg.pipeline import validate_data
from consortia_kg.records.writer import read_record_text
from helpers.deferred import resolve
from helpers.paths import DATA

ROOT = Path(__file__).resolve().parents[1]


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


#: Implementation keys the hand-written organisation records do not have (the registry's
#: implementation columns that had no record key when they were written).
DETAILS = ("software_version", "environment", "curie_prefix", "created", "updated")
TIMES = "GA4GH registry implementation timestamps (`created` and `updated` keep the date): "


def _without_details(record: dict[str, Any]) -> dict[str, Any]:
    out = dict(record)
    if "implementations" in record:
        out["implementations"] = [
            {k: v for k, v in impl.items() if k not in DETAILS}
            for impl in record["implementations"]
        ]
    out["notes"] = [n for n in record["notes"] if not n.startswith(TIMES)]
    return out


#: Identifier schemes hand-added to the records from other sources than the dump (the CORDIS
#: PICs of CRG and CSC, cited from the CORDIS 2017 organisations table).
OTHER_SCHEMES = ("pic", "gepris")


def _dump_facts(record: dict[str, Any]) -> dict[str, Any]:
    """The record without what other sources than the GA4GH dump added to it."""
    out = dict(record)
    kept = [i for i in record.get("identifiers", []) if i["scheme"] not in OTHER_SCHEMES]
    if kept:
        out["identifiers"] = kept
    else:
        out.pop("identifiers", None)
    out["sources"] = [s for s in record["sources"] if s.startswith("ga4gh-registry")]
    return out


def test_the_dump_reproduces_the_organisation_records(tmp_path: Path, registry_dump: Path) -> None:
    data = _data(tmp_path)
    hand = {
        p.stem: _dump_facts(_read(p, "organisation"))
        for p in (data / "organisations").glob("*.yaml")
    }
    shutil.rmtree(data / "organisations")
    result = _run("import", "ga4gh-registry", str(registry_dump), "--data", str(data), "--force")
    assert result.exit_code == 0, result.output
    made = {p.stem: _read(p, "organisation") for p in (data / "organisations").glob("*.yaml")}
    assert sorted(made) == sorted(hand)
    for slug, record in made.items():
        # the same facts, plus the implementation columns that now have record keys
        assert _without_details(record) == hand[slug], slug
    wes = next(
        i for i in made["com-dnastack"]["implementations"] if i["id"] == "com-dnastack-wes-demo"
    )
    assert {k: wes[k] for k in DETAILS if k in wes} == {
        "software_version": "1.0.0", "environment": "demo",
        "created": "2020-09-14", "updated": "2020-09-14",
    }  # fmt: skip
    (drs,) = made["gov-nih-nhlbi-biodatacatalyst"]["implementations"]
    assert (drs["curie_prefix"], drs["software_version"]) == ("dg.4503", "2.12.0")
    # the time of day has no record key: the timestamps are kept verbatim, in one note
    assert made["com-dnastack"]["notes"][1] == TIMES + (
        "com.dnastack.wes.demo: created_at 2020-09-14 18:45:21+00, updated_at 2020-09-14 "
        "18:45:21+00; com.dnastack.search: created_at 2020-09-14 18:41:09+00, updated_at "
        "2020-09-14 18:41:09+00"
    )
    assert "(no record key yet)" not in "".join(str(r) for r in made.values())
    assert "mailto:" not in "".join(p.read_text() for p in (data / "organisations").iterdir())
    assert _errors(data) == []


def _blocks(text: str) -> dict[str, str]:
    """The text of each top-level key of a record file, with the comments above it."""
    parts = re.split(r"(?m)^(?=(?:#.*\n)*[a-z_]+:)", text)
    return {m.group(1): p for p in parts if (m := re.search(r"(?m)^([a-z_]+):", p))}


def _changed_old_lines(diff: str) -> list[int]:
    """The lines of the old file a unified diff removes, or inserts before."""
    changed, line = [], 0
    for text in diff.splitlines():
        hunk = re.match(r"@@ -(\d+)", text)
        if hunk:
            line = int(hunk.group(1))
        elif text.startswith(("---", "+++")):
            continue
        elif text.startswith("-"):
            changed.append(line)
            line += 1
        elif text.startswith("+"):
            changed.append(line)
        else:
            line += 1
    return changed


def test_the_dump_into_the_real_data_changes_no_standard_and_no_comment(
    tmp_path: Path, registry_dump: Path
) -> None:
    data = _data(tmp_path)
    path = data / "consortia" / "ga4gh.yaml"
    hand_text = path.read_text(encoding="utf-8")
    hand = _read(path, "consortium")
    before = _snapshot(data)
    result = _run("import", "ga4gh-registry", str(registry_dump), "--data", str(data))
    assert result.exit_code == 1  # existing records would change (new keys): --force needed
    assert _snapshot(data) == before
    result = _run("import", "ga4gh-registry", str(registry_dump), "--data", str(data), "--dry-run")
    assert result.exit_code == 0
    changed = _changed_old_lines(result.stdout[result.stdout.index(f"--- {path}\n") :])
    lines = hand_text.splitlines()
    standards = (lines.index("standards:") + 1, lines.index("implementations:") + 1)
    assert changed and not [n for n in changed if standards[0] <= n < standards[1]]
    result = _run("import", "ga4gh-registry", str(registry_dump), "--data", str(data), "--force")
    assert result.exit_code == 0, result.output
    merged = _read(path, "consortium")
    assert merged["standards"] == hand["standards"]  # what the record says is what the dump says
    assert _without_details(merged) == hand
    # the file changed only in the two keys whose values did, and kept every comment
    old, new = _blocks(hand_text), _blocks(path.read_text(encoding="utf-8"))
    assert [k for k in old if old[k] != new[k]] == ["implementations", "notes"]
    assert [c for c in hand_text.splitlines() if c.startswith("#")] == [
        c for c in path.read_text(encoding="utf-8").splitlines() if c.startswith("#")
    ]
    assert not (data / "sources" / "ga4gh-registry-prd-dataset.yaml").exists()  # reused by sha256
    assert _errors(data) == []
    once = _snapshot(data)
    result = _run("import", "ga4gh-registry", str(registry_dump), "--data", str(data))
    assert result.exit_code == 0, result.output
    assert "0 new, 0 changed, 16 unchanged" in result.stderr
    assert _snapshot(data) == once


def test_ga4gh_yaml_describes_every_standard_of_the_dump_as_sqlite_reads_it(
    registry_sql: str,
) -> None:
    # an independent reading of the dump: SQLite runs its INSERT statements
    db = sqlite3.connect(":memory:")
    db.execute("ATTACH ':memory:' AS ga4gh_schema")
    for table, columns in COLUMNS.items():
        db.execute(f"CREATE TABLE ga4gh_schema.{table} ({', '.join(columns)})")
    db.executescript(registry_sql)
    record = _read(DATA / "consortia" / "ga4gh.yaml", "consortium")
    groups = {g["registry_id"]: g["id"] for g in record["working_groups"]}
    words = {"FileFormat": "file-format", "API": "api", "Schema": "schema", "Policy": "policy"}
    expected = []
    for row in db.execute(
        "SELECT s.id, s.name, s.abbreviation, c.category, r.status, s.summary, s.description, "
        "s.documentation_url, s.artifact, s.work_stream_id FROM ga4gh_schema.standard s "
        "JOIN ga4gh_schema.standard_category c ON c.id = s.standard_category_id "
        "JOIN ga4gh_schema.release_status r ON r.id = s.release_status_id ORDER BY s.rowid"
    ).fetchall():
        versions = db.execute(
            "SELECT v.version_number, r.status, v.documentation_url "
            "FROM ga4gh_schema.standard_version v "
            "JOIN ga4gh_schema.release_status r ON r.id = v.release_status_id "
            "WHERE v.standard_id = ? ORDER BY v.rowid",
            (row[0],),
        ).fetchall()
        standard = dict(zip(("id", "name", "acronym", "category", "status", "summary",
                             "description", "documentation", "artifact"), row, strict=False))  # fmt: skip
        standard.update(category=words[row[3]], status=row[4].lower(), working_group=groups[row[9]])
        standard["versions"] = [
            {"id": v.replace(".", "-"), "version": v, "status": s.lower(), "documentation": d}
            for v, s, d in versions
        ]
        standard["source"] = "ga4gh-registry-prd"
        expected.append({k: v for k, v in standard.items() if v is not None})
    assert len(expected) == 25 and sum(len(s["versions"]) for s in expected) == 30
    assert record["standards"] == expected


def test_an_empty_data_folder_gets_the_consortium_too(tmp_path: Path, registry_dump: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    result = _run("import", "ga4gh-registry", str(registry_dump), "--data", str(data))
    assert result.exit_code == 0, result.output
    ga4gh = _read(data / "consortia" / "ga4gh.yaml", "consortium")
    assert (ga4gh["acronym"], ga4gh["homepage"], ga4gh["status"]) == (
        "GA4GH", "https://ga4gh.org", "active",
    )  # fmt: skip
    assert ga4gh["notes"][0].startswith("GA4GH registry: this record was created from the")
    assert [g["id"] for g in ga4gh["working_groups"]] == [
        "lsg", "discovery", "cloud", "duri", "gks", "clinpheno", "rews", "dsws",
    ]  # fmt: skip
    assert len(ga4gh["standards"]) == 25
    assert {s["working_group"] for s in ga4gh["standards"]} <= {"lsg", "discovery", "cloud", "duri",
                                                                "gks", "clinpheno", "rews", "dsws"}  # fmt: skip
    drs = next(s for s in ga4gh["standards"] if s["id"] == "drs")
    assert (drs["acronym"], drs["category"], drs["status"], drs["working_group"]) == (
        "DRS", "api", "approved", "cloud",
    )  # fmt: skip
    assert [(v["id"], v["version"]) for v in drs["versions"]] == [("1-0-0", "1.0.0"),
                                                                  ("1-1-0", "1.1.0")]  # fmt: skip
    problems = [p for p in validate_data(data).problems if p.severity != Severity.INFO]
    # every implementation's standard is described: only the page's facts are missing
    assert [p.message for p in problems] == ["the consortium has no description"]


def test_work_streams_keep_the_slugs_of_the_record(tmp_path: Path, registry_dump: Path) -> None:
    data = _data(tmp_path)
    path = data / "consortia" / "ga4gh.yaml"
    # a curator named the Cloud work stream's group "cloud-ws": its standards follow
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace('  - id: "cloud"\n', '  - id: "cloud-ws"\n')
        .replace('working_group: "cloud"', 'working_group: "cloud-ws"'),
        encoding="utf-8",
    )
    before = _read(path, "consortium")
    result = _run("import", "ga4gh-registry", str(registry_dump), "--data", str(data), "--force")
    assert result.exit_code == 0, result.output
    after = _read(path, "consortium")
    assert [g["id"] for g in after["working_groups"]] == [g["id"] for g in before["working_groups"]]
    assert after["standards"] == before["standards"]
    assert {s["id"] for s in after["standards"] if s["working_group"] == "cloud-ws"} == {
        "drs", "trs", "wes",
    }  # fmt: skip
    assert _errors(data) == []


#: A row whose content needs an outside file is a function of the fixtures it names.
BAD: list[tuple[str, str | Callable[..., str], str]] = [
    ("empty", "", "{file}:1: the file is empty"),
    ("arbitrary text", "hello there\n", "{file}:1: not an INSERT statement: 'hello there'"),
    ("a page", "Global Alliance\n\nAt a Glance\n", "{file}:1: not an INSERT statement"),
    ("json", '{"id": "x"}\n', "{file}:1: this looks like JSON, not a SQL dump"),
    ("truncated", lambda registry_sql: registry_sql[: registry_sql.index("'https://www.ebi.ac.uk/')")],
     "{file}:6: the INSERT statement is cut short"),
    ("truncated in a value", lambda registry_sql: registry_sql[: registry_sql.index("'https://www.ebi.ac.uk/')") + 9],
     "{file}:6: a quoted value is never closed (the file is cut?)"),
    ("cut after values", lambda registry_sql: registry_sql[: registry_sql.index(");", registry_sql.index("uk.ac.ebi"))],
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
    tmp_path: Path,
    case: str,
    content: str | Callable[..., str],
    message: str,
    request: pytest.FixtureRequest,
) -> None:
    data = _data(tmp_path)
    bad = tmp_path / "bad.sql"
    bad.write_text(resolve(content, request), encoding="utf-8")
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
