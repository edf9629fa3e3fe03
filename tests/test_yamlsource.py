"""Strict YAML reading: every way a record file can be unreadable gives a clear, located error."""

from __future__ import annotations

from pathlib import Path

import pytest

from consortia_kg.records.yamlsource import (
    MAX_RECORD_BYTES,
    Mapping,
    Scalar,
    Sequence,
    parse_yaml,
    read_yaml,
)


@pytest.mark.parametrize(
    ("raw", "line", "message"),
    [
        (b"id: x\n\tname: y\n", 2, "a tab is used for indentation"),
        (b"id: x\nname: a\nname: b\n", 3, "the key 'name' appears twice (first at line 2)"),
        (b"id: x\nname: [unclosed\n", 3, "broken YAML"),
        (b"id: x\nname: 'truncated\n", 3, "broken YAML"),
        (b"", 1, "the file is empty"),
        (b"   \n\n", 1, "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", 3, "this is a binary file, not YAML text"),
        (b"id: x\nname: caf\xe9\n", 2, "byte 0xe9 is not UTF-8"),
        (b"id: x\n---\nid: y\n", 1, "the file holds 2 YAML documents; a record is exactly one"),
        (b"- id: x\n", 1, "a record must be a mapping of keys to values"),
        (b"just some words\n", 1, "a record must be a mapping of keys to values"),
        (b"id: &a x\nname: *a\n", 2, "YAML aliases (*name) are not allowed in records"),
        (b"base: &b {x: 1}\nother:\n  <<: *b\n", 3, "merge keys (<<) are not allowed in records"),
        (b"id: !python/object x\n", 1, "the tag !python/object is not allowed in records"),
        (b"id: x\n? [a, b]\n: c\n", 2, "a key must be a plain word"),
    ],
)
def test_unreadable_record_is_located(raw: bytes, line: int, message: str) -> None:
    root, problems = parse_yaml(raw, "data/consortia/x.yaml")
    assert root is None
    assert len(problems) == 1
    problem = problems[0]
    assert problem.fatal
    assert problem.file == "data/consortia/x.yaml"
    assert problem.line == line
    assert problem.message.startswith(message)


def test_bom_and_crlf_are_accepted() -> None:
    root, problems = parse_yaml(b"\xef\xbb\xbfid: x\r\nname: Y\r\n", "f.yaml")
    assert problems == []
    assert isinstance(root, Mapping)
    assert root.items["name"] == Scalar("Y", 2)


@pytest.mark.parametrize(
    ("written", "kept"),
    [("NO", "NO"), ("012345", "012345"), ("12:30", "12:30"), ("yes", "yes"), ("1e3", "1e3"),
     ("0x1F", "0x1F"), ("2016-05-24", "2016-05-24"), ("~", "~"), ("'quoted'", "quoted")],
)  # fmt: skip
def test_scalars_stay_strings(written: str, kept: str) -> None:
    root, problems = parse_yaml(f"value: {written}\n".encode(), "f.yaml")
    assert problems == []
    assert isinstance(root, Mapping)
    value = root.items["value"]
    assert isinstance(value, Scalar)
    assert value.text == kept


def test_every_value_remembers_its_line() -> None:
    root, _ = parse_yaml(b"id: x\nlist:\n  - a\n  - b: c\n", "f.yaml")
    assert isinstance(root, Mapping)
    seq = root.items["list"]
    assert isinstance(seq, Sequence)
    assert [node.line for node in seq.items] == [3, 4]
    assert root.key_lines == {"id": 1, "list": 2}


def test_oversized_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.write(b"id: huge\nnotes:\n")
        handle.write(b"  - " + b"x" * 1000 + b"\n")
        handle.truncate(50 * 1024 * 1024)
    root, problems = read_yaml(path, "huge.yaml")
    assert root is None
    assert problems[0].message == (
        f"the file is 50.0 MiB; a record may be at most {MAX_RECORD_BYTES // 1024 // 1024} MiB"
    )


def test_unreadable_path_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    root, problems = read_yaml(tmp_path / "missing.yaml", "missing.yaml")
    assert root is None
    assert problems[0].message.startswith("cannot read the file")
