"""Read one YAML record file strictly, keeping every value's line.

Every scalar stays a string here (the record schema parses years, dates and counts itself), so
YAML 1.1's silent conversions (``NO`` → false, ``012345`` → 5349, ``12:30`` → 750) cannot happen.
Duplicate keys, aliases, merge keys, custom tags, tabs, several documents and non-UTF-8 bytes are
refused with the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from consortia_kg.errors import Problem

__all__ = ["MAX_RECORD_BYTES", "Mapping", "Node", "Scalar", "Sequence", "parse_yaml", "read_yaml"]

#: A record is a page of text; anything bigger is a mistake (or an attack), not a record.
MAX_RECORD_BYTES = 2 * 1024 * 1024

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
        documents = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        what = exc.problem or "the YAML cannot be read"
        if exc.context:
            what = f"{exc.context}, {what}"
        return None, [_fatal(display, line, f"broken YAML: {what}", "fix the syntax at that line")]
    except yaml.YAMLError as exc:
        return None, [_fatal(display, 0, f"broken YAML: {exc}", "fix the syntax")]
    documents = [d for d in documents if d is not None]
    if len(documents) != 1:
        return None, [
            _fatal(
                display,
                1,
                f"the file holds {len(documents)} YAML documents; a record is exactly one",
                "keep one record per file and remove the '---' separators",
            )
        ]
    try:
        root = _convert(documents[0], set())
    except _Refused as exc:
        line = _first_alias_line(text) if exc.message.startswith("YAML aliases") else exc.line
        return None, [_fatal(display, line or exc.line, exc.message, exc.fix)]
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


def _convert(node: yaml.Node, seen: set[int]) -> Node:
    line = node.start_mark.line + 1
    if id(node) in seen:
        raise _Refused(
            line, "YAML aliases (*name) are not allowed in records", "write the value out"
        )
    seen.add(id(node))
    if node.tag and not node.tag.startswith(_STANDARD_TAG):
        raise _Refused(line, f"the tag {node.tag} is not allowed in records", "remove the tag")
    if isinstance(node, yaml.ScalarNode):
        is_null = node.tag == _STANDARD_TAG + "null" and node.style is None
        return Scalar(str(node.value), line, is_null=is_null)
    if isinstance(node, yaml.SequenceNode):
        return Sequence(line, [_convert(item, seen) for item in node.value])
    assert isinstance(node, yaml.MappingNode)
    mapping = Mapping(line)
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            raise _Refused(key_line, "a key must be a plain word", "write the key as text")
        key = str(key_node.value)
        if key == "<<":
            raise _Refused(key_line, "merge keys (<<) are not allowed in records", "write keys out")
        if key in mapping.items:
            first = mapping.key_lines[key]
            raise _Refused(
                key_line,
                f"the key {key!r} appears twice (first at line {first})",
                "keep one of them",
            )
        mapping.items[key] = _convert(value_node, seen)
        mapping.key_lines[key] = key_line
    return mapping


def _first_alias_line(text: str) -> int:
    """Find where an alias is used (the composed tree only knows where its anchor is)."""
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) and event.start_mark is not None:
            return int(event.start_mark.line) + 1
    return 0


def _fatal(display: str, line: int, message: str, fix: str) -> Problem:
    return Problem(display, line, "", message, fix=fix, why="the record cannot be read", fatal=True)
