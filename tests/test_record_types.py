"""The record format's tables and the typed record classes name the same keys, alike.

``records.schema`` says how each key is parsed; ``records.model`` says, for the type checker, what
the parse gives. Both are written by hand, so this test is what keeps them from drifting: every
field of every schema is an attribute of its class with the cardinality and value type the parse
produces, and the class has no attribute the schema lacks.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator

import pytest

from consortia_kg.records import fieldtypes as t
from consortia_kg.records import model, plain
from consortia_kg.records.schema import KINDS, Field, Schema


def _schemas() -> Iterator[Schema]:
    """Every schema, records and the items nested in them, once each."""
    seen: set[int] = set()
    stack = [schema for _, schema in KINDS.values()]
    while stack:
        schema = stack.pop()
        if id(schema) in seen:
            continue
        seen.add(id(schema))
        yield schema
        stack.extend(f.schema for f in schema.fields if f.schema is not None)


SCHEMAS = sorted(_schemas(), key=lambda s: s.name)


def _value_type(spec: Field) -> object:
    """The type the parse gives one value of ``spec``."""
    if spec.schema is not None:
        return spec.schema.cls
    if spec.terms or spec.ref:
        return model.Located[str]
    parse = (spec.type or t.TEXT).parse
    return model.Located[typing.get_type_hints(parse)["return"]]


def _expected(spec: Field) -> object:
    one = _value_type(spec)
    if spec.none_or_list:
        return model.Located[str] | tuple[one, ...]  # the word `none`, or the list
    if spec.many:
        return tuple[one, ...]
    return one | None


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.name)
def test_every_field_is_a_typed_attribute(schema: Schema) -> None:
    hints = typing.get_type_hints(schema.cls)
    for spec in schema.fields:
        assert spec.name in hints, f"{schema.cls.__name__} lacks `{spec.name}`"
        assert hints[spec.name] == _expected(spec), (schema.name, spec.name)


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.name)
def test_no_attribute_beyond_the_schema(schema: Schema) -> None:
    own = {f.name for f in dataclasses.fields(schema.cls)} - {"line", "key"}
    assert own == {f.name for f in schema.fields}


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.name)
def test_absent_fields_default_to_empty(schema: Schema) -> None:
    item = schema.cls(line=1, key="")
    for spec in schema.fields:
        assert getattr(item, spec.name) == (() if spec.many else None), spec.name


def test_every_item_class_is_used_by_one_schema() -> None:
    used = {s.cls for s in SCHEMAS}
    defined = {
        cls
        for cls in vars(model).values()
        if isinstance(cls, type) and issubclass(cls, model.Item) and cls is not model.Item
    }
    assert used == defined


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.name)
def test_plain_form_has_the_schema_keys(schema: Schema) -> None:
    """records.plain (what importers produce) keys each mapping as the schema does."""
    fields = getattr(plain, f"{schema.cls.__name__}Fields")
    hints = typing.get_type_hints(fields)
    assert set(hints) == {f.name for f in schema.fields}
    for spec in schema.fields:
        one = (
            getattr(plain, f"{spec.schema.cls.__name__}Fields") if spec.schema is not None else str
        )
        if spec.none_or_list:
            expected: object = str | list[str] | None
        elif spec.many:
            expected = list[one]
        else:
            expected = one | None
        assert hints[spec.name] == expected, (schema.name, spec.name)
