"""docs/records.md and the record schema in code say the same thing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from consortia_kg.records import KINDS, Schema

DOC = (Path(__file__).resolve().parent.parent / "docs" / "records.md").read_text()


def _section(folder: str) -> str:
    start = DOC.index(f"## `data/{folder}/<slug>.yaml`")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end != -1 else None]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_key_is_documented_and_no_other(kind: str) -> None:
    folder, schema = KINDS[kind]
    section = _section(folder)
    documented = set()
    for row in re.findall(r"^\| `([a-z0-9_]+)`(?: / `([a-z0-9_]+)`)? \|", section, flags=re.M):
        documented.update(k for k in row if k)
    main_table = _first_table_keys(section)
    assert {f.name for f in schema.fields} == main_table
    assert main_table <= documented


def _first_table_keys(section: str) -> set[str]:
    """Keys of the record's own table (the first table in its section)."""
    table = section.split("\n\n| key |", 1)[1].split("\n\n", 1)[0]
    keys = set()
    for line in table.splitlines():
        match = re.match(r"^\| `([a-z0-9_]+)`(?: / `([a-z0-9_]+)`)? \|", line)
        if match:
            keys.update(k for k in match.groups() if k)
    return keys


def test_documented_terms_match_the_schema() -> None:
    from consortia_kg.records import schema as records

    for name in ("STATUS_TERMS", "SCOPES", "LEGAL_STATUSES", "FUNDING_KINDS", "INITIATOR_TYPES"):
        for term in getattr(records, name):
            assert f"`{term}`" in DOC, (name, term)


def test_schema_type_exists() -> None:
    assert all(isinstance(schema, Schema) for _, schema in KINDS.values())
