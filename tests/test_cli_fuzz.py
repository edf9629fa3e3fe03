"""Fuzzing the CLI with hypothesis: whatever a user feeds it, the exit-code contract holds.

Generated records (record shapes with random values, broken YAML, wrong types), catalogue
pages for ``import page``, partner lists for ``import table``, CORDIS files for ``import
cordis`` and JSON for ``import ror``. For every input: no traceback, exit 0, 1 or 2, and when
the command fails, the data folder and the outputs are byte for byte what they were.

Commands run in-process (click's runner); each test keeps to a few seconds
(``max_examples`` below), so the whole file takes well under a minute.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import string
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from consortia_kg.cli.main import main
from consortia_kg.records import KINDS, SCHEMAS
from consortia_kg.registries.cordis_files import ORGANISATION_COLUMNS, PROJECT_COLUMNS
from helpers.paths import VALID, missing_shared_data, shared_data_folder

#: ../shared/data, whose CORDIS and ROR files seed the realistic inputs (else made-up ones only).
SHARED = None if missing_shared_data() else shared_data_folder()

#: Examples per test; set CONSORTIA_KG_FUZZ_EXAMPLES (e.g. 2000) for a longer hunt.
FUZZ = settings(
    max_examples=int(os.environ.get("CONSORTIA_KG_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- running a command and checking the contract ------------------------------------------------


def run(*args: object) -> Result:
    """Run the CLI in-process; an exception that escapes is kept in the result, not raised."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _validate_after(result: Result, data: Path) -> None:
    """What an import wrote, validate reads (and judges) without a crash."""
    if result.exit_code == 0:
        assert_contract(run("validate", "--data", data, "-q"))


def assert_contract(result: Result, *unchanged: tuple[Path, dict[str, bytes]]) -> None:
    """No traceback, exit 0/1/2; on failure each (folder, snapshot) is as it was."""
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not escaped, repr(result.exception)
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output)
    event(f"exit {result.exit_code}")  # --hypothesis-show-statistics: how far inputs get
    if result.exit_code != 0:
        for folder, before in unchanged:
            assert snapshot(folder) == before, f"{folder} changed though the command failed"


@contextmanager
def data_folder() -> Iterator[Path]:
    """A fresh copy of the valid fixture, per example (hypothesis reruns the test body)."""
    with tempfile.TemporaryDirectory(prefix="ckg-fuzz-") as scratch:
        target = Path(scratch) / "data"
        shutil.copytree(VALID, target)
        yield target


# --- records ------------------------------------------------------------------------------------

#: Strings a curator (or a converter) may well write: YAML 1.1 traps, slugs of the fixture's
#: records, IRIs, dates in several forms, terms of the schema.
TRICKY = [
    "", "~", "null", "NO", "yes", "012345", "12:30", "1e3", "0x1F", ".inf", "2013", "2016-05-24",
    "05/24/2016", "2016-13-45", "-1", "70", "true", "active", "international", "coordinator",
    "demo-consortium", "alpha-institute", "beta-university", "demo-source", "demo-registry",
    "https://ror.org/02catss52", "ror:02catss52", "http://x.org/a b", "javascript:alert(1)",
    "https://[x.org/", "http://x.org/%zz", "http://x.org:abc/", "http://[::1]/", "http://x/#a#b",
    "Q42", "x" * 300, "é\u0301", "\u202e", "a\nb", "- item", "key: value", "[", "{", "&a", "*a",
]  # fmt: skip

scalars = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=20),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
)
KEYS = [
    *sorted({f.name for schema in SCHEMAS.values() for f in schema.fields}),
    "value", "lang", "types", "organisation", "role", "since", "until", "public", "title", "url",
    "name", "kind", "unknown_key",
]  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def record_texts(draw: st.DrawFn) -> tuple[str, str, str]:
    """(kind folder, file slug, YAML text) of a record-shaped, or broken, file."""
    kind = draw(st.sampled_from(sorted(KINDS)))
    folder, schema = KINDS[kind]
    names = [f.name for f in schema.fields]
    if draw(st.booleans()):  # a real record of the fixture with a few keys changed or dropped
        seed = draw(st.sampled_from(sorted((VALID / folder).glob("*.yaml"))))
        slug = seed.stem
        fields = yaml.safe_load(seed.read_text(encoding="utf-8"))
        for _ in range(draw(st.integers(1, 3))):
            key = draw(st.sampled_from(names))
            if draw(st.integers(0, 3)) == 0:
                fields.pop(key, None)
            else:
                fields[key] = draw(values)
    else:  # made up from the record's keys
        slug = draw(st.sampled_from(["fuzzed", "alpha-institute", "demo-source", "Bad_Slug"]))
        fields = draw(st.dictionaries(st.sampled_from(names), values, max_size=8))
        if draw(st.booleans()):
            fields = {"id": slug, **fields}
    text = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)
    mode = draw(st.sampled_from(["as dumped", "mutated", "cut", "raw"]))
    if mode == "mutated":
        for _ in range(draw(st.integers(1, 5))):
            at = draw(st.integers(0, len(text)))
            text = (
                text[:at] + draw(st.sampled_from(list(":-[]{}#&*!|>'\"%@`\t\n ,?\\"))) + text[at:]
            )
    elif mode == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif mode == "raw":
        text = draw(st.text(alphabet=string.printable + "é€\u00a0\ufeff", max_size=200))
    return folder, slug, text


@FUZZ
@given(record=record_texts())
def test_any_record_keeps_validate_and_build_to_the_contract(
    record: tuple[str, str, str],
) -> None:
    folder, slug, text = record
    with data_folder() as data:
        (data / folder / f"{slug}.yaml").write_text(text, encoding="utf-8")
        out = data.parent / "dist"
        before = snapshot(data)
        result = run("validate", "--data", data, "-q")
        assert_contract(result, (data, before))
        if result.exit_code == 0:
            assert result.stdout.strip(), "a report, even when empty"
        built = run("build", "--data", data, "-o", out, "--no-store", "-q")
        assert_contract(built, (data, before), (out, {}))
        assert (built.exit_code == 0) == (result.exit_code == 0), (result.output, built.output)


@FUZZ
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_as_a_record_file(raw: bytes) -> None:
    with data_folder() as data:
        (data / "consortia" / "fuzzed.yaml").write_bytes(raw)
        before = snapshot(data)
        assert_contract(run("validate", "--data", data, "-q"), (data, before))


# --- import page --------------------------------------------------------------------------------

SECTIONS = [
    "At a Glance", "Consortium History", "Structure & Governance", "Mission", "Funding",
    "Data Sharing", "Patient Engagement", "Contact Information", "Participating Organizations",
    "Working Groups", "Steering Committee",
]  # fmt: skip
PAGE_LINES = [
    "  • Status: Active Consortium", "  • Year Launched: 2013", "  • Year Launched: 20l3",
    "  • Initiating Organization: 70 Participating Organizations", "  • No disease focus",
    "  • Location: International", "  • Location: ", "Website: https://example.org/",
    "Email: someone@example.org", "Phone: +1 555", "Chair: Jane Doe (Alpha Institute)",
    "<html><body><h1>x</h1>", "</td></tr>", "&nbsp;&amp;", "Alpha Institute", "",
]  # fmt: skip


#: The catalogue pages of the fixtures (tests/fixtures/pages/README.md says where they are from).
PAGES = sorted((VALID.parent / "pages").glob("*.txt"))


@st.composite
def pages(draw: st.DrawFn) -> str:
    """Text copied from a catalogue page: a fixture page with lines dropped, repeated, added or
    changed, or one made up of a title, known and unknown sections and odd lines."""
    some_line = st.sampled_from(PAGE_LINES + SECTIONS) | st.text(max_size=60)
    if draw(st.booleans()):
        lines = draw(st.sampled_from(PAGES)).read_text(encoding="utf-8").splitlines()
        for _ in range(draw(st.integers(1, 6))):
            at = draw(st.integers(0, len(lines)))
            change = draw(st.sampled_from(["drop", "repeat", "add", "cut"]))
            if change == "drop" and at < len(lines):
                del lines[at]
            elif change == "repeat" and at < len(lines):
                lines.insert(at, lines[at])
            elif change == "add":
                lines.insert(at, draw(some_line))
            elif change == "cut" and at < len(lines):
                lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
        return "\n".join(lines)
    lines = [draw(st.sampled_from(["Demo Consortium", "", "<!doctype html>", "Ω"]))]
    for _ in range(draw(st.integers(0, 8))):
        lines.append(draw(st.sampled_from(SECTIONS) | st.text(max_size=30)))
        lines.extend(draw(st.lists(some_line, max_size=5)))
    return "\n".join(lines)


@FUZZ
@given(page=pages(), slug=st.sampled_from(["", "", "", "demo-consortium", "new-one", "Bad Slug"]))
def test_any_page_keeps_import_page_to_the_contract(page: str, slug: str) -> None:
    with data_folder() as data:
        source = data.parent / "page.txt"
        source.write_text(page, encoding="utf-8")
        before = snapshot(data)
        args = ["import", "page", source, "--data", data, "-y", "-q"]
        result = run(*args, *(["--id", slug] if slug else []))
        assert_contract(result, (data, before))
        _validate_after(result, data)


# --- import table -------------------------------------------------------------------------------

PARTNER_HEADERS = ["Partner name", "Short name", "Country", "Role", "Website", "Start date"]
cells = st.sampled_from([*TRICKY, "ES", "UK", "Finland", "beneficiary", "2021-01"]) | st.text(
    max_size=15
)


def _table(rows: list[list[str]], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue()


@FUZZ
@given(
    headers=st.permutations(PARTNER_HEADERS).map(list) | st.lists(cells, max_size=6),
    rows=st.lists(st.lists(cells, max_size=7), max_size=6),
    delimiter=st.sampled_from([";", ",", "\t"]),
    extension=st.sampled_from(["csv", "tsv", "txt"]),
)
def test_any_partner_list_keeps_import_table_to_the_contract(
    headers: list[str], rows: list[list[str]], delimiter: str, extension: str
) -> None:
    with data_folder() as data:
        source = data.parent / f"partners.{extension}"
        source.write_text(_table([headers, *rows], delimiter), encoding="utf-8")
        before = snapshot(data)
        result = run(
            "import", "table", "demo-consortium", "--partners", source, "--data", data, "-y", "-q"
        )
        assert_contract(result, (data, before))
        _validate_after(result, data)


# --- import cordis ------------------------------------------------------------------------------


@cache
def _cordis_seed() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Two projects of ../shared/data/cordis-sample (CORDIS, CC BY 4.0) and their partners."""
    assert SHARED is not None
    folder = SHARED / "cordis-sample"
    projects = json.loads((folder / "project.json").read_text(encoding="utf-8"))[:2]
    ids = {str(p["id"]) for p in projects}
    rows = json.loads((folder / "organization.json").read_text(encoding="utf-8"))
    return projects, [r for r in rows if str(r["projectID"]) in ids][:12]


def _cell(value: Any) -> str:
    return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


@st.composite
def cordis_files(draw: st.DrawFn) -> tuple[str, str]:
    """(projects, organisations) as CORDIS's quoted ``;`` CSV: real rows with some cells
    changed, or made-up rows, with now and then a column gone or the file cut short."""
    if SHARED is not None and draw(st.booleans()):
        tables = []
        for rows in _cordis_seed():
            columns = list(rows[0])
            if draw(st.integers(0, 3)) == 0:
                columns.remove(draw(st.sampled_from(columns)))
            body = [[_cell(row.get(c)) for c in columns] for row in rows]
            for _ in range(draw(st.integers(0, 3))):
                row = draw(st.sampled_from(body))
                row[draw(st.integers(0, len(row) - 1))] = draw(cells)
            buffer = io.StringIO()
            csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL).writerows([columns, *body])
            tables.append(buffer.getvalue())
        return tables[0], tables[1]

    def table(columns: tuple[str, ...]) -> str:
        kept = [c for c in columns if draw(st.integers(0, 9))]  # now and then a column is gone
        rows = draw(st.lists(st.lists(cells, min_size=len(kept), max_size=len(kept)), max_size=4))
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL)
        writer.writerows([kept, *rows])
        text = buffer.getvalue()
        if draw(st.integers(0, 4)) == 0:  # cut short, a quote left open
            text = text[: draw(st.integers(0, len(text)))]
        return text

    return table(PROJECT_COLUMNS), table(ORGANISATION_COLUMNS)


@FUZZ
@given(files=cordis_files())
def test_any_cordis_files_keep_import_cordis_to_the_contract(files: tuple[str, str]) -> None:
    with data_folder() as data:
        projects, organisations = data.parent / "project.csv", data.parent / "organization.csv"
        projects.write_text(files[0], encoding="utf-8")
        organisations.write_text(files[1], encoding="utf-8")
        before = snapshot(data)
        result = run(
            "import", "cordis", projects, organisations, "--id", "cordis-fuzz",
            "--taken", "2026-01-01", "--data", data, "-q",
        )  # fmt: skip
        assert_contract(result, (data, before))
        _validate_after(result, data)


# --- import ror ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(TRICKY) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)


@st.composite
def ror_records(draw: st.DrawFn) -> dict[str, Any]:
    """A ROR v2-shaped record whose values are sometimes right, sometimes anything."""

    def field(right: st.SearchStrategy[Any]) -> Any:
        return draw(right | json_values)

    record = {
        "id": field(st.sampled_from(["https://ror.org/02catss52", "https://ror.org/0abcdef12"])),
        "names": field(
            st.just([{"value": "Fuzz Institute", "types": ["ror_display", "label"], "lang": None}])
        ),
        "status": field(st.sampled_from(["active", "inactive", "withdrawn"])),
        "types": field(st.just(["education"])),
        "established": field(st.integers(1000, 2100)),
        "locations": field(
            st.just([{"geonames_id": 1, "geonames_details": {"country_code": "FI", "name": "x"}}])
        ),
        "links": field(st.just([{"type": "website", "value": "https://example.org/"}])),
        "external_ids": field(st.just([])),
        "relationships": field(st.just([])),
        "domains": field(st.just([])),
        "admin": field(st.just({})),
    }
    return {k: v for k, v in record.items() if draw(st.integers(0, 9))}


@cache
def _ror_seed() -> list[Any]:
    """The first 20 records of ../shared/data/ror-records-v2.0.jsonl (ROR, CC0)."""
    assert SHARED is not None
    lines = (SHARED / "ror-records-v2.0.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:20]]


def _mutated(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with one place somewhere inside it replaced by any JSON (or dropped)."""
    if isinstance(value, dict) and value and draw(st.integers(0, 3)):
        key = draw(st.sampled_from(sorted(value)))
        if draw(st.integers(0, 4)) == 0:
            return {k: v for k, v in value.items() if k != key}
        return {**value, key: _mutated(draw, value[key])}
    if isinstance(value, list) and value and draw(st.integers(0, 3)):
        at = draw(st.integers(0, len(value) - 1))
        return [*value[:at], _mutated(draw, value[at]), *value[at + 1 :]]
    return draw(json_values)


@st.composite
def ror_bodies(draw: st.DrawFn) -> str:
    """A JSON list of ROR records: real ones with a few places changed, or made-up ones."""
    if SHARED is not None and draw(st.booleans()):
        records = draw(st.lists(st.sampled_from(_ror_seed()), min_size=1, max_size=3))
        for _ in range(draw(st.integers(0, 3))):
            at = draw(st.integers(0, len(records) - 1))
            records[at] = _mutated(draw, records[at])
        return json.dumps(records)
    return json.dumps(draw(st.lists(ror_records(), max_size=3)))


@FUZZ
@given(
    body=ror_bodies() | json_values.map(json.dumps) | st.text(max_size=100),
    suffix=st.sampled_from([".json", ".jsonl"]),
)
def test_any_json_keeps_import_ror_to_the_contract(body: str, suffix: str) -> None:
    with data_folder() as data:
        source = data.parent / f"ror{suffix}"
        if suffix == ".jsonl" and body.startswith("["):
            body = "\n".join(json.dumps(r) for r in json.loads(body))
        source.write_text(body, encoding="utf-8")
        before = snapshot(data)
        result = run("import", "ror", source, "--data", data, "-y", "-q")
        assert_contract(result, (data, before))
        _validate_after(result, data)


# --- a few through a real process ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "id: fuzzed\nname: [unclosed\n",
        "id: fuzzed\nname: " + "[" * 5000 + "]" * 5000 + "\n",
        "\ufeff\x00binary",
    ],
)
def test_a_broken_record_through_python_m(text: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    data = tmp_path / "data"
    shutil.copytree(VALID, data)
    (data / "consortia" / "fuzzed.yaml").write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "consortia_kg", "validate", "--data", str(data), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "consortia/fuzzed.yaml" in done.stdout
