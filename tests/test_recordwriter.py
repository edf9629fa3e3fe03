"""The record writer: canonical YAML that reads back through records.parse_record unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consortia_kg.records import KINDS, SCHEMAS
from consortia_kg.records.writer import (
    WIDTH,
    canonical,
    read_record_text,
    render_record,
    update_record_text,
)
from helpers.paths import DATA

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


# --- updating a file in place ------------------------------------------------------------------

GA4GH = DATA / "consortia" / "ga4gh.yaml"


@pytest.mark.parametrize(("kind", "path"), REAL_RECORDS, ids=[p.name for _, p in REAL_RECORDS])
def test_an_unchanged_record_keeps_its_text(kind: str, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    values = read_record_text(text, kind, str(path))
    assert update_record_text(kind, text, values, "a header") == text


def test_only_the_changed_keys_are_rewritten_and_comments_stay() -> None:
    text = GA4GH.read_text(encoding="utf-8")
    values = read_record_text(text, "consortium", "ga4gh")
    changed = {**values, "year_launched": "2014", "homepage": None, "year_ended": "2020"}
    changed["posts"] = values["posts"][:1]
    updated = update_record_text("consortium", text, changed)
    assert read_record_text(updated, "consortium", "t") == canonical("consortium", changed)
    lines = text.splitlines()
    homepage = lines.index('homepage: "https://ga4gh.org"')
    posts = lines.index("posts:")
    expected = [
        *lines[: lines.index('year_launched: "2013"')],
        'year_launched: "2014"',
        'year_ended: "2020"',  # a new key, in the record format's order
        *lines[lines.index('year_launched: "2013"') + 1 : homepage - 2],  # homepage: gone, with
        *lines[homepage + 1 : posts],  # the two comment lines above it
        "posts:",
        *lines[posts + 1 : posts + 5],  # the first post, as it was written
        *lines[lines.index("contacts:") - 1 :],
    ]
    assert updated.splitlines() == expected


def test_the_writers_own_header_is_written_anew_and_a_curators_is_kept() -> None:
    record = {"id": "x", "name": "X", "sources": ["s"]}
    ours = render_record("organisation", record, "Organisation record written by `consortia-kg`")
    assert update_record_text("organisation", ours, {**record, "acronym": "XX"}, "new header") == (
        '# new header\nid: "x"\nname: "X"\nacronym: "XX"\nsources: ["s"]\n'
    )
    theirs = '# Written by hand.\n\n# the slug\nid: "x"\nname: "X"\nsources: ["s"]\n# the end\n'
    assert update_record_text("organisation", theirs, {**record, "acronym": "XX"}, "new") == (
        '# Written by hand.\n\n# the slug\nid: "x"\nname: "X"\nacronym: "XX"\nsources: ["s"]\n'
        "# the end\n"
    )


@pytest.mark.parametrize(
    "old",
    [
        'id: "x"\r\nname: "X"\r\nsources: ["s"]\r\n',  # CRLF
        '\ufeffid: "x"\nname: "X"\nsources: ["s"]\n',  # a byte order mark
        'id: "x"\nname: "X"\nsources: ["s"]\ncolour: "red"\n',  # does not read as a record
    ],
)
def test_a_file_that_cannot_be_updated_in_place_is_written_whole(old: str) -> None:
    record = {"id": "x", "name": "Y", "sources": ["s"]}
    assert update_record_text("organisation", old, record, "c") == render_record(
        "organisation", record, "c"
    )


def test_a_file_without_a_header_gets_none() -> None:
    text = 'id: "x"\nname: "X"\nsources: ["s"]\n'
    record = read_record_text(text, "organisation", "t")
    assert update_record_text("organisation", text, record, "a header") == text
    assert update_record_text("organisation", text, {**record, "name": "Y"}, "a header") == (
        text.replace('"X"', '"Y"')
    )
