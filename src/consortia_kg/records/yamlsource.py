"""Read one YAML record file strictly, keeping every value's line.

Every scalar stays a string here (the record schema parses years, dates and counts itself), so
YAML 1.1's silent conversions (``NO`` → false, ``012345`` → 5349, ``12:30`` → 750) cannot happen.
Duplicate keys, aliases, merge keys, custom tags, tabs, several documents and non-UTF-8 bytes are
refused with the file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from consortia_kg.errors import Problem

__all__ = [
    "MAX_DEPTH",
    "MAX_RECORD_BYTES",
    "Mapping",
    "Node",
    "Scalar",
    "Sequence",
    "parse_yaml",
    "read_yaml",
]

#: A record is a page of text; anything bigger is a mistake (or an attack), not a record.
MAX_RECORD_BYTES = 2 * 1024 * 1024

#: How deep lists and mappings may nest: a record needs a handful of levels; the cap keeps
#: a pathological file (``[[[[...]]]]``) from exhausting the stack of whatever walks the tree
#: (libyaml stops at 1,000; the pure-Python parser has no limit).
MAX_DEPTH = 50

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STANDARD_TAG = "tag:yaml.org,2002:"


@dataclass(frozen=True)
class Scalar:
    """A scalar value as written, with its 1-based line."""

    text: str
    line: int
    is_null: bool = False


@dataclass
class Mapping:
    """A mapping whose keys are strings; values keep their own lines."""

    line: int
    items: dict[str, Node] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class Sequence:
    """A list of nodes."""

    line: int
    items: list[Node] = field(default_factory=list)


Node = Scalar | Mapping | Sequence


class _Refused(Exception):
    def __init__(self, line: int, message: str, fix: str) -> None:
        super().__init__(message)
        self.line, self.message, self.fix = line, message, fix


def read_yaml(path: Path, display: str) -> tuple[Mapping | None, list[Problem]]:
    """Read ``path`` (shown to the curator as ``display``) into a ``Mapping``, or say why not."""
    try:
        size = path.stat().st_size
        if size > MAX_RECORD_BYTES:
            mib = size / 1024 / 1024
            return None, [
                _fatal(
                    display,
                    0,
                    f"the file is {mib:.1f} MiB; a record may be at most "
                    f"{MAX_RECORD_BYTES // 1024 // 1024} MiB",
                    "split it, or check that this is really a record file",
                )
            ]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [_fatal(display, 0, f"cannot read the file: {exc.strerror}", "check the path")]
    return parse_yaml(raw, display)


def parse_yaml(raw: bytes, display: str) -> tuple[Mapping | None, list[Problem]]:
    """Parse a record's bytes; see ``read_yaml``."""
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return None, [
            _fatal(display, line, "this is a binary file, not YAML text", "save it as UTF-8 text")
        ]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            _fatal(
                display,
                line,
                f"byte 0x{raw[exc.start]:02x} is not UTF-8",
                "save the file as UTF-8",
            )
        ]
    if not text.strip():
        return None, [
            _fatal(display, 1, "the file is empty", "write the record, or delete the file")
        ]
    for number, line_text in enumerate(text.splitlines(), start=1):
        indent = line_text[: len(line_text) - len(line_text.lstrip(" \t"))]
        if "\t" in indent:
            return None, [
                _fatal(
                    display,
                    number,
                    "a tab is used for indentation",
                    "indent with spaces (YAML does not allow tabs)",
                )
            ]
    try:
        documents = _documents(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        what = exc.problem or "the YAML cannot be read"
        if exc.context:
            what = f"{exc.context}, {what}"
        return None, [_fatal(display, line, f"broken YAML: {what}", "fix the syntax at that line")]
    except yaml.YAMLError as exc:
        return None, [_fatal(display, 0, f"broken YAML: {exc}", "fix the syntax")]
    except _Refused as exc:
        return None, [_fatal(display, exc.line, exc.message, exc.fix)]
    if len(documents) != 1:
        return None, [
            _fatal(
                display,
                1,
                f"the file holds {len(documents)} YAML documents; a record is exactly one",
                "keep one record per file and remove the '---' separators",
            )
        ]
    root = documents[0]
    if not isinstance(root, Mapping):
        return None, [
            _fatal(
                display,
                1,
                "a record must be a mapping of keys to values",
                "start the file with 'id: <slug>'",
            )
        ]
    return root, []


#: Plain scalars YAML 1.1 reads as null (only ``is_null`` tells; the text stays as written).
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})


def _checked_tag(tag: str | None, line: int) -> None:
    if tag and tag != "!" and not tag.startswith(_STANDARD_TAG):
        raise _Refused(line, f"the tag {tag} is not allowed in records", "remove the tag")


def _documents(text: str) -> list[Node]:
    """Build our tree straight from the parser's events.

    PyYAML's composer and its implicit-type resolver would cost three times the parse, and we
    keep every scalar as text anyway. The first refusal (alias, tag, key) is raised only once
    the whole text has parsed, so a syntax error further down is reported first, as before.
    """
    documents: list[Node] = []
    #: open containers, each with the key (and its line) waiting for its value
    stack: list[tuple[Mapping | Sequence, list[Any]]] = []
    refused: _Refused | None = None

    def attach(node: Node, line: int) -> None:
        if not stack:
            documents.append(node)
            return
        parent, pending = stack[-1]
        if isinstance(parent, Sequence):
            parent.items.append(node)
        elif pending:
            key, key_line = pending
            parent.items[key] = node
            parent.key_lines[key] = key_line
            pending.clear()
        else:
            if not isinstance(node, Scalar):
                raise _Refused(line, "a key must be a plain word", "write the key as text")
            key = node.text
            if key == "<<":
                raise _Refused(line, "merge keys (<<) are not allowed in records", "write keys out")
            if key in parent.items:
                first = parent.key_lines[key]
                raise _Refused(
                    line,
                    f"the key {key!r} appears twice (first at line {first})",
                    "keep one of them",
                )
            pending.extend((key, line))

    events: Iterator[Any] = yaml.parse(text, Loader=_Loader)
    for event in events:
        if refused is not None:
            continue  # only look for syntax errors now
        try:
            kind = type(event)
            if kind is yaml.ScalarEvent:
                line = event.start_mark.line + 1
                _checked_tag(event.tag, line)
                plain = event.style is None
                is_null = plain and (
                    (event.tag is None and event.value in _NULLS)
                    or event.tag == _STANDARD_TAG + "null"
                )
                attach(Scalar(event.value, line, is_null=is_null), line)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                line = event.start_mark.line + 1
                if stack and isinstance(stack[-1][0], Mapping) and not stack[-1][1]:
                    raise _Refused(line, "a key must be a plain word", "write the key as text")
                _checked_tag(event.tag, line)
                if len(stack) >= MAX_DEPTH:
                    raise _Refused(
                        line,
                        f"lists and mappings are nested deeper than {MAX_DEPTH} levels",
                        "a record nests a few levels; check the brackets and the indentation",
                    )
                container: Mapping | Sequence = (
                    Mapping(line) if kind is yaml.MappingStartEvent else Sequence(line)
                )
                stack.append((container, []))
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                done, _ = stack.pop()
                attach(done, done.line)
            elif kind is yaml.AliasEvent:
                raise _Refused(
                    event.start_mark.line + 1,
                    "YAML aliases (*name) are not allowed in records",
                    "write the value out",
                )
        except _Refused as exc:
            refused = exc
    if refused is not None:
        raise refused
    return documents


def _fatal(display: str, line: int, message: str, fix: str) -> Problem:
    return Problem(display, line, "", message, fix=fix, why="the record cannot be read", fatal=True)
