"""Write a record (a plain dict) as canonical, human-editable YAML, and read one back as a dict.

The text is what a curator would write by hand: keys in the order of the record format
(``records.SCHEMAS``), every scalar double-quoted (so YAML 1.1 cannot read ``NO``, ``012345`` or
``12:30`` as anything but text), long prose folded at :data:`WIDTH` columns, short lists of
scalars in flow style. The same dict always gives the same bytes, so a re-import is idempotent
and a diff shows only what changed. :func:`render_record` checks that the text reads back through
``records.parse.parse_record`` to the same values, and raises ``ValueError`` (a bug) when it
does not.

:func:`update_record_text` changes an existing file as little as it can: the top-level keys whose
values stay the same keep their text, and every comment above a key stays with it, so a record a
curator wrote and commented by hand keeps its comments and layout when an import updates it.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping as MappingABC
from typing import Any

from consortia_kg.records.fieldtypes import DateValue
from consortia_kg.records.model import Item, Located
from consortia_kg.records.parse import parse_record
from consortia_kg.records.schema import SCHEMAS, Field, Schema
from consortia_kg.records.yamlsource import parse_yaml

__all__ = [
    "WIDTH",
    "canonical",
    "item_to_dict",
    "read_record_text",
    "render_record",
    "update_record_text",
]

#: Lines are folded to at most this many columns where the text allows it.
WIDTH = 99

#: Characters a YAML reader refuses, or reads as a line break, inside a scalar: escaped.
_NEEDS_ESCAPE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def render_record(kind: str, record: MappingABC[str, Any], comment: str = "") -> str:
    """Return ``record`` (a ``kind`` record as plain values) as YAML text.

    ``comment`` becomes ``#`` lines at the top. Values may be strings, ints, bools, lists and
    dicts; every key must exist in the record format, and every text must already be trimmed.
    """
    schema = SCHEMAS[kind]
    lines = _comment_lines(comment)
    _mapping(schema, record, 0, lines, first_prefix="")
    text = "\n".join(lines) + "\n"
    try:
        back = read_record_text(text, kind, "<rendered record>")
    except ValueError as exc:
        raise ValueError(
            f"the {kind} record {record.get('id')!r} does not read back: {exc}"
        ) from None
    if back != canonical(kind, record):
        raise ValueError(f"the {kind} record {record.get('id')!r} does not read back unchanged")
    return text


def update_record_text(
    kind: str, old_text: str, record: MappingABC[str, Any], comment: str = ""
) -> str:
    """Return ``old_text`` (an existing record file) changed to hold ``record``, and no more.

    A top-level key whose value is unchanged keeps its lines as written; a changed key is
    rendered anew; a new key is rendered in its place in the record format's order; a key
    ``record`` no longer has goes. The comment lines above a key stay above it (they go with a
    removed key), and so do the file's header and trailing comments, except a header this
    module wrote itself (``comment`` replaces it); a file without a header gets none. A file
    that cannot be updated so (it does not read, has CRLF line ends or a byte order mark), or
    whose update would not read back as ``record``, is rendered whole by :func:`render_record`.
    """
    schema = SCHEMAS[kind]
    new = canonical(kind, record)
    try:
        old = read_record_text(old_text, kind, "<existing record>")
    except ValueError:
        old = None
    root, _ = parse_yaml(old_text.encode(), "<existing record>")
    if old is None or root is None or "\r" in old_text or old_text.startswith("\ufeff"):
        return render_record(kind, record, comment)
    lines = old_text.split("\n")
    if lines[-1] == "":
        lines.pop()
    starts = sorted((line - 1, key) for key, line in root.key_lines.items())
    # each key's lines: from the comments (and blank lines) above it to the line before the next
    # key's comments; the lines before the first key and its comments are the file's header
    blocks: dict[str, tuple[list[str], list[str]]] = {}
    ends = [start for start, _ in starts[1:]] + [len(lines)]
    header_end = starts[0][0] if starts else len(lines)
    lead_start = header_end
    trailing: list[str] = []
    for (start, key), end in zip(starts, ends, strict=True):
        body_end = end
        while body_end > start + 1 and _is_comment_or_blank(lines[body_end - 1]):
            body_end -= 1
        blocks[key] = (lines[lead_start:start], lines[start:body_end])
        lead_start = body_end
        if end == len(lines):
            trailing = lines[body_end:]
    header = lines[:header_end]
    header, first_lead = _split_header(header)
    if starts:
        first_key = starts[0][1]
        blocks[first_key] = (first_lead, blocks[first_key][1])
    out = header
    if header and header[0].startswith(f"# {kind.capitalize()} record written by"):
        out = _comment_lines(comment)  # this module's own header: written anew
    for spec in schema.fields:
        if spec.name not in new:
            continue
        lead, body = blocks.get(spec.name, ([], []))
        if spec.name in old and old[spec.name] == new[spec.name] and body:
            out.extend(lead + body)
        else:
            rendered: list[str] = []
            _mapping(schema, {spec.name: new[spec.name]}, 0, rendered, first_prefix="")
            out.extend(lead + rendered)
    out.extend(trailing)
    text = "\n".join(out) + "\n"
    try:
        back = read_record_text(text, kind, "<updated record>")
    except ValueError:
        back = None
    return text if back == new else render_record(kind, record, comment)


def _comment_lines(comment: str) -> list[str]:
    return [
        f"# {part}".rstrip()
        for line in comment.splitlines()
        for part in (textwrap.wrap(line, WIDTH - 2, break_on_hyphens=False) or [""])
    ]


def _is_comment_or_blank(line: str) -> bool:
    """A blank line or a comment at the left margin: it belongs with the key below it."""
    return not line.strip() or line.startswith("#")


def _split_header(header: list[str]) -> tuple[list[str], list[str]]:
    """Split the lines above the first key: the file's header, and the first key's own comment.

    The header is the first run of comment lines and the blank line after it; what follows that
    blank line is the key's.
    """
    for index, line in enumerate(header):
        if not line.strip():
            return header[: index + 1], header[index + 1 :]
    return header, []


def read_record_text(text: str, kind: str, display: str) -> dict[str, Any]:
    """Parse record text and return its values as plain data; ``ValueError`` on any problem."""
    root, problems = parse_yaml(text.encode(), display)
    if root is None:
        raise ValueError("; ".join(p.message for p in problems))
    item, problems = parse_record(root, SCHEMAS[kind], display)
    if problems:
        raise ValueError("; ".join(f"{p.key}: {p.message}" for p in problems))
    return item_to_dict(SCHEMAS[kind], item)


def item_to_dict(schema: Schema, item: Item) -> dict[str, Any]:
    """Return a parsed record (or item) as plain data: strings, lists and dicts, in schema order."""
    out: dict[str, Any] = {}
    for spec in schema.fields:
        # the one place a record is read by key: the schema drives a generic copy
        value = getattr(item, spec.name)
        if value is None or value == ():
            continue
        out[spec.name] = _plain(spec, value)
    return out


def canonical(kind: str, record: MappingABC[str, Any]) -> dict[str, Any]:
    """Return ``record`` as :func:`item_to_dict` would read it back: every scalar a string."""
    return _canonical_mapping(SCHEMAS[kind], record)


# --- plain values ------------------------------------------------------------------------------


def _plain(spec: Field, value: tuple[Located[object] | Item, ...] | Located[object] | Item) -> Any:
    if isinstance(value, tuple):
        return [_plain_one(spec, v) for v in value]
    if isinstance(value, Located) and spec.none_or_list:
        return "none"
    return _plain_one(spec, value)


def _plain_one(spec: Field, value: Located[object] | Item) -> Any:
    if isinstance(value, Item):
        assert spec.schema is not None
        return item_to_dict(spec.schema, value)
    return _scalar_text(value.value)


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, DateValue):
        return value.lexical
    return str(value)


def _canonical_mapping(schema: Schema, record: MappingABC[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in record:
        if schema.field(key) is None:
            raise ValueError(f"{key!r} is not a key of a {schema.name} record")
    for spec in schema.fields:
        value = record.get(spec.name)
        if value is None or (isinstance(value, list | dict) and not value):
            continue
        if spec.none_or_list and value == "none":
            out[spec.name] = "none"
        elif spec.many:
            out[spec.name] = [_canonical_one(spec, v) for v in value]
        else:
            out[spec.name] = _canonical_one(spec, value)
    return out


def _canonical_one(spec: Field, value: Any) -> Any:
    if spec.schema is not None:
        return _canonical_mapping(spec.schema, value)
    return _scalar_text(value)


# --- YAML text ---------------------------------------------------------------------------------


def _mapping(
    schema: Schema, record: MappingABC[str, Any], indent: int, lines: list[str], first_prefix: str
) -> None:
    """Append ``record``'s keys; the first line starts with ``first_prefix`` (e.g. ``- ``)."""
    pad = " " * indent
    first = True
    for key in record:
        if schema.field(key) is None:
            raise ValueError(f"{key!r} is not a key of a {schema.name} record")
    for spec in schema.fields:
        value = record.get(spec.name)
        if value is None or (isinstance(value, list | dict) and not value):
            continue
        lead = (pad[: -len(first_prefix)] + first_prefix) if first and first_prefix else pad
        first = False
        head = f"{lead}{spec.name}:"
        if spec.none_or_list and value == "none":
            lines.append(f"{head} {_quoted('none')}")
        elif spec.many:
            _list(spec, value, head, indent, lines)
        elif spec.schema is not None:
            lines.append(head)
            _mapping(spec.schema, value, indent + 2, lines, first_prefix="")
        else:
            lines.extend(_scalar(head, _scalar_text(value), indent))


def _list(spec: Field, values: list[Any], head: str, indent: int, lines: list[str]) -> None:
    if spec.schema is not None:
        lines.append(head)
        for value in values:
            _mapping(spec.schema, value, indent + 4, lines, first_prefix="- ")
        return
    texts = [_scalar_text(v) for v in values]
    flow = f"{head} [{', '.join(_quoted(t) for t in texts)}]"
    if len(flow) <= WIDTH and all("\n" not in t for t in texts):
        lines.append(flow)
        return
    lines.append(head)
    for text in texts:
        lines.extend(_scalar(" " * (indent + 2) + "-", text, indent + 2))


def _scalar(head: str, text: str, indent: int) -> list[str]:
    """Return the lines of ``head value``: quoted on one line, or folded when long prose."""
    quoted = f"{head} {_quoted(text)}"
    if (len(quoted) <= WIDTH and "\n" not in text) or not _foldable(text):
        return [quoted]
    return [f"{head} >-", *_folded(text, indent + 2)]


def _quoted(text: str) -> str:
    escaped = "".join(_ESCAPES.get(ch, ch) for ch in text)
    escaped = _NEEDS_ESCAPE.sub(_escape_char, escaped)
    return f'"{escaped}"'


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return (
        f"\\x{code:02x}"
        if code <= 0xFF
        else f"\\u{code:04x}"
        if code <= 0xFFFF
        else f"\\U{code:08x}"
    )


def _foldable(text: str) -> bool:
    """Return True when a folded block (``>-``) reads back as exactly ``text``."""
    if _NEEDS_ESCAPE.search(text) or "\t" in text or "\r" in text or text != text.strip():
        return False
    # every line starts and ends with a visible character: no "more-indented" lines
    return " " in text and all(line == line.strip() for line in text.split("\n"))


def _folded(text: str, indent: int) -> list[str]:
    """Fold ``text``: one newline in the value is one empty line in the block."""
    pad = " " * indent
    out: list[str] = []
    blank_run = 0
    for paragraph in text.split("\n"):
        if not paragraph:
            blank_run += 1
            continue
        if out:
            out.extend([""] * (blank_run + 1))
        blank_run = 0
        out.extend(pad + line for line in _wrap(paragraph, WIDTH - indent))
    return out


def _wrap(paragraph: str, width: int) -> list[str]:
    """Break at single spaces only, so that folding turns each break back into that space."""
    words = re.split(r"(?<=\S) (?=\S)", paragraph)
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return lines
