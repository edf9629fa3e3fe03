"""Data extension: the values of some properties of reconciled entities (``extend=``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from consortia_kg.reconcile import Reconciler
from consortia_kg.vocab import SCHEMA

from .terms import (
    EXTEND_PROPERTIES,
    MAX_EXTEND,
    MAX_TEXT,
    TYPES,
    ReconcileError,
    kind_of_type,
)

__all__ = ["extend", "homepage_query", "parse_extend", "propose_properties"]


def parse_extend(text: str) -> tuple[list[str], list[str]]:
    """Read a data extension query (``extend=``) into entity ids and property ids."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ReconcileError(
            f"extend is not JSON: {exc}",
            hint='send extend={"ids": ["organisation/…"], "properties": [{"id": "country"}]}',
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("ids"), list):
        raise ReconcileError(
            'extend must be {"ids": [...], "properties": [{"id": ...}]}',
            hint='send extend={"ids": ["organisation/…"], "properties": [{"id": "country"}]}',
        )
    ids, properties = raw["ids"], raw.get("properties")
    if not all(isinstance(i, str) and len(i) <= MAX_TEXT for i in ids):
        raise ReconcileError("extend: every id must be a string, as a reconciliation answer gives")
    if len(ids) > MAX_EXTEND:
        raise ReconcileError(
            f"extend: {len(ids)} ids; this service extends at most {MAX_EXTEND} at once",
            hint=f"send at most {MAX_EXTEND} ids a request",
        )
    if not isinstance(properties, list) or not all(
        isinstance(p, Mapping) and isinstance(p.get("id"), str) for p in properties
    ):
        raise ReconcileError('extend: properties must be a list of {"id": "…"}')
    pids = [str(p["id"]) for p in properties]
    unknown = [pid for pid in pids if pid not in EXTEND_PROPERTIES]
    if unknown:
        raise ReconcileError(
            f"extend: {unknown[0]!r} is not a property this service extends with",
            hint="use one of: " + ", ".join(EXTEND_PROPERTIES),
        )
    return ids, pids


def homepage_query(iris: Iterable[str]) -> str:
    """Return the SELECT of the homepages (``schema:url``) of ``iris`` (IRIs the graph mints)."""
    values = " ".join(f"<{iri}>" for iri in sorted(set(iris)))
    return f"SELECT ?s ?url WHERE {{ VALUES ?s {{ {values} }} ?s <{SCHEMA}url> ?url }}"


def extend(
    reconciler: Reconciler,
    ids: list[str],
    pids: list[str],
    homepages: Mapping[str, list[str]],
) -> dict[str, Any]:
    """Return the data extension answer: each id's values of each property, as strings."""
    rows: dict[str, dict[str, list[dict[str, str]]]] = {}
    for ident in ids:
        kind = ident.partition("/")[0]
        entity = reconciler.get(kind, ident) if kind in TYPES else None
        row: dict[str, list[str]] = {pid: [] for pid in pids}
        if entity is not None:
            ids_by_scheme: dict[str, list[str]] = {}
            for scheme, value in sorted(entity.identifiers):
                ids_by_scheme.setdefault(scheme, []).append(value)
            for pid in pids:
                if pid == "country":
                    row[pid] = sorted(entity.countries)
                elif pid == "city":
                    row[pid] = sorted(entity.cities)
                elif pid == "acronym":
                    row[pid] = list(entity.acronyms)
                elif pid == "homepage":
                    row[pid] = sorted(homepages.get(ident, ()))
                else:
                    row[pid] = ids_by_scheme.get(pid, [])
        rows[ident] = {pid: [{"str": v} for v in values] for pid, values in row.items()}
    return {"meta": [{"id": pid, "name": EXTEND_PROPERTIES[pid]} for pid in pids], "rows": rows}


def propose_properties(type_id: str, limit: int) -> dict[str, Any]:
    """Return the properties data extension offers for a type (both types have the same)."""
    kind = kind_of_type(type_id, "type")
    return {
        "type": TYPES[kind].id,
        "properties": [{"id": p, "name": n} for p, n in EXTEND_PROPERTIES.items()][:limit],
        "limit": limit,
    }
