"""The record writer: canonical YAML that reads back through records.parse_record unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consortia_kg.records import KINDS, SCHEMAS
from consortia_kg.recordwriter import WIDTH, canonical, read_record_text, render_record

DATA = Path(__file__).resolve().parents[1] / "data"
REAL_RECORDS = sorted(
    (kind, path) for kind, (folder, _) in KINDS.items() for path in (DATA / folder).glob("*.yaml")
)


@pytest.mark.parametrize(("kind", "path"), REAL_RECORDS, ids=[p.name for _, p in REAL_RECORDS])
def test_every_real_record_renders_and_reads_back(kind: str, path: Path) -> None:
    values = read_record_text(path.read_text(encoding="utf-8"), kind, str(path))
    text = render_record(kind, values)
    assert read_record_text(text, kind, "rendered") == values
    assert render_record(kind, read_record_text(text, kind, "again")) == text  # a fixed point


def test_keys_follow_the_schema_order_and_lines_fit() -> None:
    record = {"sources": ["s"], "name": "Example", "id": "example", "acronym": "EX"}
    text = render_record("organisation", record)
    keys = [line.split(":")[0] for line in text.splitlines() if not line.startswith((" ", "#"))]
    order = [f.name for f in SCHEMAS["organisation"].fields]
    assert keys == sorted(keys, key=order.index) == ["id", "name", "acronym", "sources"]
    long = {**record, "notes": ["word " * 80 + "end"]}
    assert all(len(line) <= WIDTH for line in render_record("organisation", long).splitlines())


YAML_11_TRAPS = [
    "NO", "no", "yes", "Off", "on", "~", "null", "Null", "true", "FALSE", "012345", "0x1F",
    "1e3", "12:30", "2013-06", ".inf", "-.nan", "- item", "key: value", "#hash", "a #b",
    "'single'", '"double"', "[flow]", "{map}", "&anchor", "*alias", "!tag", "%directive", "@at",
    "`tick", "| pipe", "> fold", "?", "back\\slash", "tab\there", "é ü 漢字 😀",
    "control\x01char", "line\u2028sep", "nel\x85nel", "bom\ufeffin",
]  # fmt: skip


@pytest.mark.parametrize("value", YAML_11_TRAPS)
def test_scalars_yaml_11_could_misread_stay_text(value: str) -> None:
    record = {"id": "x", "name": value, "aliases": [value], "sources": ["s"], "notes": [value]}
    text = render_record("organisation", record)
    back = read_record_text(text, "organisation", "t")
    assert back["name"] == back["aliases"][0] == back["notes"][0] == value


@pytest.mark.parametrize(
    "text",
    [
        "one paragraph " * 12,
        "first paragraph " * 8 + "\nsecond paragraph " * 8,
        "a\n\nb " * 30,
        "• bullet one\n• bullet two " * 10,
        "double  spaces  " * 10,
        "ends with colon: " * 10 + "to:",
    ],
)
def test_long_prose_folds_and_reads_back(text: str) -> None:
    text = text.strip()
    record = {"id": "x", "name": "X", "status": "active", "sources": ["s"], "mission": text}
    rendered = render_record("consortium", record)
    assert read_record_text(rendered, "consortium", "t")["mission"] == text


def test_values_are_written_as_text_of_their_type() -> None:
    record = {
        "id": "x", "name": "X", "status": "active", "year_launched": 2013,
        "participating_organisations": {"count": 70, "as_of": "2016-05-24"},
        "contacts": [{"kind": "phone", "value": "0123", "person": False}],
        "disease_focus": "none", "sources": ["s"],
    }  # fmt: skip
    text = render_record("consortium", record)
    assert 'year_launched: "2013"' in text
    assert 'person: "false"' in text
    assert 'disease_focus: "none"' in text
    assert read_record_text(text, "consortium", "t") == canonical("consortium", record)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"id": "x", "name": "X", "sources": ["s"], "colour": "red"}, "'colour' is not a key"),
        ({"id": "x", "name": " padded ", "sources": ["s"]}, "does not read back unchanged"),
        ({"id": "x", "name": "X", "sources": ["s"], "established": "12"}, "does not read back"),
    ],
)
def test_a_record_that_would_not_read_back_is_refused(
    record: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        render_record("organisation", record)


@settings(max_examples=200, deadline=None)
@given(
    name=st.text(min_size=1).filter(lambda s: s.strip() == s and s),
    notes=st.lists(st.text(min_size=1).map(str.strip).filter(bool), max_size=4),
)
def test_any_text_reads_back_unchanged(name: str, notes: list[str]) -> None:
    record = {"id": "x", "name": name, "sources": ["s"], "notes": notes}
    text = render_record("organisation", record)
    assert read_record_text(text, "organisation", "t") == canonical("organisation", record)
    assert render_record("organisation", record) == text
