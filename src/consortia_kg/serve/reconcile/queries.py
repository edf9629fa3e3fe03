"""Reconciliation queries: a batch read (each mistake named by its query) and answered."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from consortia_kg.reconcile import Match, Query, Reconciler

from .countries import resolve_country
from .terms import (
    DEFAULT_LIMIT,
    IDENTIFIER_SCHEMES,
    MAX_BATCH,
    MAX_LIMIT,
    MAX_TEXT,
    PROPERTIES,
    TYPES,
    ReconcileError,
    kind_of_type,
    outside_id,
)

__all__ = ["Parsed", "answer", "parse_batch", "value_text"]

_QUERY_KEYS = frozenset({"query", "type", "limit", "properties", "type_strict"})


@dataclass(frozen=True)
class Parsed:
    """One query of a batch, read: what the engine is asked, how many answers, and an own id."""

    query: Query
    limit: int
    #: kinds the query allows (None: every kind)
    kinds: frozenset[str] | None = None
    #: an entity id given as the query text (``organisation/x`` or its IRI)
    own_id: str = ""


def value_text(value: object, where: str) -> str:
    """Return a property value as text: a string, a number, or an entity's id."""
    if isinstance(value, Mapping):
        value = value.get("id", "")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ReconcileError(f'{where}: a value must be a string, a number or {{"id": …}}')
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if len(text) > MAX_TEXT:
        raise ReconcileError(
            f"{where}: the value is {len(text)} characters long; this service reads at most "
            f"{MAX_TEXT}",
            hint="send a shorter value",
        )
    return text.strip()


def _identifier_in(text: str) -> tuple[str, str] | None:
    """Return (scheme, value) when a query's text is an identifier (``pic:999…``, a ROR IRI)."""
    outside = outside_id(text)
    if outside is not None:
        return outside
    scheme, sep, value = text.partition(":")
    if sep and scheme.casefold() in IDENTIFIER_SCHEMES and value.strip():
        return (scheme.casefold(), value.strip())
    return None


def _one_query(raw: object, where: str, base: str) -> Parsed:
    if not isinstance(raw, Mapping):
        raise ReconcileError(f"{where}: a query must be a JSON object", hint='{"query": "…"}')
    unknown = sorted(set(raw) - _QUERY_KEYS)
    if unknown:
        raise ReconcileError(
            f"{where}: {', '.join(map(repr, unknown))} is not a field of a reconciliation query",
            hint="a query has query, type, limit, properties and type_strict",
        )
    name = raw.get("query")
    properties = raw.get("properties")
    if name is None and not properties:
        raise ReconcileError(
            f"{where}: the query has neither a query string nor properties",
            hint='give "query": "a name", or properties such as [{"pid": "ror", "v": "…"}]',
        )
    if name is not None and not isinstance(name, str):
        raise ReconcileError(f"{where}: query must be a string")
    text = value_text(name or "", f"{where}.query")
    limit = raw.get("limit", DEFAULT_LIMIT)
    if (
        isinstance(limit, bool)
        or not isinstance(limit, int | float)
        or limit < 1
        or (isinstance(limit, float) and not limit.is_integer())
    ):
        raise ReconcileError(f"{where}: limit must be a positive whole number, not {limit!r}")
    types = raw.get("type")
    type_list = [types] if isinstance(types, str) else types if isinstance(types, list) else None
    if types is not None and type_list is None:
        raise ReconcileError(f"{where}: type must be a type id or a list of them")
    kinds = frozenset(kind_of_type(t, f"{where}.type") for t in type_list or ())
    fields = _properties(properties, where)
    own_id = ""
    if text.startswith(base) and text[len(base) :].partition("/")[0] in TYPES:
        own_id = text[len(base) :]
    elif text.partition("/")[0] in TYPES and "/" in text and " " not in text:
        own_id = text
    identifiers = list(fields["identifiers"])
    found = _identifier_in(text) if not own_id else None
    if found is not None:
        identifiers.append(found)
    query = Query(
        name=text,
        acronym=fields["acronym"],
        country=fields["country"],
        city=fields["city"],
        identifiers=tuple(identifiers),
        kind=next(iter(kinds)) if len(kinds) == 1 else None,
    )
    return Parsed(query, min(int(limit), MAX_LIMIT), kinds or None, own_id)


def _properties(raw: object, where: str) -> dict[str, Any]:
    """Read ``properties`` into the engine's fields (of a place or an acronym, the first value)."""
    out: dict[str, Any] = {"acronym": "", "country": "", "city": "", "identifiers": []}
    if raw is None:
        return out
    if not isinstance(raw, list):
        raise ReconcileError(f'{where}: properties must be a list of {{"pid", "v"}} objects')
    for position, item in enumerate(raw):
        at = f"{where}.properties[{position}]"
        if not isinstance(item, Mapping) or "pid" not in item or "v" not in item:
            raise ReconcileError(f'{at}: a property is {{"pid": "…", "v": …}}')
        pid = str(item["pid"]).strip()
        if pid not in PROPERTIES:
            raise ReconcileError(
                f"{at}: {pid!r} is not a property this service knows",
                hint="use one of: " + ", ".join(PROPERTIES),
            )
        values = item["v"] if isinstance(item["v"], list) else [item["v"]]
        texts = [t for t in (value_text(v, f"{at}.v") for v in values) if t]
        if pid in IDENTIFIER_SCHEMES:
            out["identifiers"].extend((pid, t) for t in texts)
        elif pid == "country" and texts and not out["country"]:
            code = resolve_country(texts[0])
            if code is None:
                raise ReconcileError(
                    f"{at}: {texts[0]!r} is not a country this service knows",
                    hint="give its ISO 3166 two-letter code (DE, GB, FR…)",
                )
            out["country"] = code
        elif texts and not out[pid]:
            out[pid] = texts[0]
    return out


def parse_batch(text: str, base: str) -> list[tuple[str, Parsed]]:
    """Read a query batch (the ``queries`` parameter's JSON) into (key, query) pairs."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ReconcileError(
            f"queries is not JSON: {exc}",
            hint='send queries={"q0": {"query": "a name"}} (URL-encoded)',
        ) from None
    if not isinstance(raw, dict):
        raise ReconcileError(
            "queries must be a JSON object of queries by key",
            hint='{"q0": {"query": "a name"}, "q1": …}',
        )
    if len(raw) > MAX_BATCH:
        raise ReconcileError(
            f"the batch holds {len(raw)} queries; this service answers at most {MAX_BATCH} at once",
            hint=f"send batches of at most {MAX_BATCH} (the manifest's batchSize)",
        )
    return [(str(key), _one_query(value, str(key), base)) for key, value in raw.items()]


def _candidate(reconciler: Reconciler, match: Match) -> dict[str, Any]:
    entity = reconciler.get(match.kind, match.key)
    rtype = TYPES[match.kind]
    place = ""
    if entity is not None and (entity.countries or entity.cities):
        place = ", ".join([*sorted(entity.cities), *sorted(entity.countries)])
    why = "; ".join([match.reason, *match.evidence]) if match.reason else "; ".join(match.evidence)
    description = " · ".join(part for part in (rtype.name, place, why) if part)
    return {
        "id": match.key,
        "name": match.name,
        "description": description,
        "score": round(match.score, 1),
        "match": match.certain,
        "type": [rtype.as_dict()],
    }


def answer(reconciler: Reconciler, parsed: Parsed) -> list[dict[str, Any]]:
    """Return one query's candidates, best first, in the API's form."""
    if parsed.own_id:
        kind, _, _ = parsed.own_id.partition("/")
        entity = reconciler.get(kind, parsed.own_id)
        if entity is None or (parsed.kinds is not None and kind not in parsed.kinds):
            return []
        own = Match(entity.key, kind, entity.name, 100.0, True, "same id", entity.key)
        return [_candidate(reconciler, own)]
    return [
        _candidate(reconciler, m)
        for m in reconciler.match(parsed.query, limit=parsed.limit)
        if parsed.kinds is None or m.kind in parsed.kinds
    ]
