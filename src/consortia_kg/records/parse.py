"""Parse a record's YAML tree against its schema into the typed classes of ``model``.

Problems are collected, never raised: a curator sees every one at once. A value that does not
parse is left out (its field stays ``None`` or its list shorter) after its problem is noted.
"""

from __future__ import annotations

import difflib
from typing import Any

from consortia_kg.errors import Problem
from consortia_kg.records import fieldtypes as t
from consortia_kg.records.model import Item, Located
from consortia_kg.records.schema import Field, Schema
from consortia_kg.records.yamlsource import Mapping, Node, Scalar, Sequence

__all__ = ["parse_record"]

#: what a field parses into: a value, a nested item, or a list of either
Parsed = Located[Any] | Item | tuple[Located[Any] | Item, ...]


def parse_record(root: Mapping, schema: Schema, file: str) -> tuple[Item, list[Problem]]:
    """Parse a record's top mapping against its schema."""
    problems: list[Problem] = []
    item = _parse_mapping(root, schema, "", file, problems, root.line)
    return item, problems


def _parse_mapping(
    node: Mapping, schema: Schema, prefix: str, file: str, problems: list[Problem], line: int
) -> Item:
    values: dict[str, Parsed] = {}
    for key, value in node.items.items():
        key_line = node.key_lines[key]
        spec = schema.field(key)
        if spec is None:
            known = [f.name for f in schema.fields]
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            fix = f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(known)}"
            problems.append(
                Problem(
                    file, key_line, prefix + key, f"not a key of a {schema.name} record",
                    why="a record only holds the keys of the record format (docs/records.md)",
                    fix=fix, shape="record format",
                )
            )  # fmt: skip
            continue
        parsed = _parse_field(value, spec, prefix + key, file, problems, key_line)
        if parsed is not None:
            values[key] = parsed
    for spec in schema.fields:
        if spec.required and spec.name not in node.items:
            problems.append(
                Problem(
                    file, node.line, prefix + spec.name,
                    f"is missing from this {schema.name}",
                    why=f"every {schema.name} needs `{spec.name}` (docs/records.md)",
                    fix=f"add `{spec.name}: <{spec.type_name}>`", shape="record format",
                )
            )  # fmt: skip
    return schema.cls(line=line, key=prefix.rstrip("."), **values)


def _parse_field(
    node: Node, spec: Field, key: str, file: str, problems: list[Problem], key_line: int
) -> Parsed | None:
    if spec.none_or_list and isinstance(node, Scalar) and node.text.strip() == "none":
        return Located("none", node.line, key)
    if spec.many:
        if not isinstance(node, Sequence):
            problems.append(
                _bad(file, node.line, key, "must be a list",
                     "write one `- value` line per entry")
            )  # fmt: skip
            return None
        out = []
        for index, element in enumerate(node.items):
            parsed = _parse_one(element, spec, f"{key}[{index + 1}]", file, problems, 0)
            if parsed is not None:
                out.append(parsed)
        _check_unique(out, spec, file, problems)
        return tuple(out)
    # a single nested mapping points at `key:`, not at its first sub-key
    return _parse_one(node, spec, key, file, problems, key_line)


def _parse_one(
    node: Node, spec: Field, key: str, file: str, problems: list[Problem], key_line: int
) -> Located[Any] | Item | None:
    if spec.schema is not None:
        if not isinstance(node, Mapping):
            fields = ", ".join(f.name for f in spec.schema.fields[:3])
            problems.append(
                _bad(file, node.line, key, "must be a mapping",
                     f"write its keys ({fields}, …) on indented lines")
            )  # fmt: skip
            return None
        line = key_line or node.line
        return _parse_mapping(node, spec.schema, key + ".", file, problems, line)
    if not isinstance(node, Scalar):
        problems.append(
            _bad(file, node.line, key, "must be a single value, not a "
                 f"{'list' if isinstance(node, Sequence) else 'mapping'}", "write one value")
        )  # fmt: skip
        return None
    if node.is_null or not node.text.strip():
        problems.append(_bad(file, node.line, key, "is empty", "write a value or remove the key"))
        return None
    raw = node.text
    try:
        if spec.terms:
            value: object = _parse_term(raw, spec.terms)
        elif spec.ref:
            value = t.parse_slug(raw.strip())
        else:
            value = (spec.type or t.TEXT).parse(raw)
    except t.FieldError as exc:
        problems.append(_bad(file, node.line, key, exc.message, exc.fix))
        return None
    return Located(value, node.line, key)


def _check_unique(
    parsed: list[Located[Any] | Item], spec: Field, file: str, problems: list[Problem]
) -> None:
    """Items of a list are told apart by ``id`` (or the member's ``organisation``)."""
    if spec.schema is None:
        return
    identity = "id" if spec.schema.field("id") else "organisation" if spec.name == "members" else ""
    if not identity:
        return
    seen: dict[object, Located[object]] = {}
    for element in parsed:
        located = getattr(element, identity) if isinstance(element, Item) else None
        if located is None:
            continue
        first = seen.setdefault(located.value, located)
        if first is not located:
            message = f'"{located.value}" is listed twice (first at line {first.line})'
            problems.append(
                _bad(file, located.line, located.key, message, "keep one entry; merge the two")
            )


def _parse_term(raw: str, terms: tuple[str, ...]) -> str:
    text = raw.strip()
    if text in terms:
        return text
    close = difflib.get_close_matches(text.lower().replace(" ", "-"), terms, n=1, cutoff=0.5)
    hint = f"did you mean `{close[0]}`? " if close else ""
    raise t.FieldError(
        f'"{raw}" is not one of the allowed words', f"{hint}use one of: {', '.join(terms)}"
    )


def _bad(file: str, line: int, key: str, message: str, fix: str) -> Problem:
    return Problem(
        file, line, key, message, why="the value does not fit the record format (docs/records.md)",
        fix=fix, shape="record format",
    )  # fmt: skip
