"""Records (as plain data, the YAML's shape) as entities the engine matches against."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from consortia_kg.reconcile.engine import Entity

__all__ = ["entity_from_record", "record_identifiers"]


def record_identifiers(record: Mapping[str, Any]) -> frozenset[tuple[str, str]]:
    """Every identifier a record carries: ``ror``, ``wikidata`` and ``identifiers`` items."""
    ids = {(str(i.get("scheme")), str(i.get("value"))) for i in record.get("identifiers") or []}
    for scheme in ("ror", "wikidata"):
        if record.get(scheme):
            ids.add((scheme, str(record[scheme])))
    return frozenset(ids)


def entity_from_record(slug: str, kind: str, record: Mapping[str, Any]) -> Entity:
    """Return the entity for the ``kind`` record ``slug`` (``record`` as plain data)."""
    labels: list[str] = []
    acronyms = [str(record["acronym"])] if record.get("acronym") else []
    aliases = [str(a) for a in record.get("aliases") or []]
    for label in record.get("labels") or []:
        value, types = str(label.get("value", "")), set(label.get("types") or ())
        if types == {"acronym"}:  # an acronym only: matched as one (short, often shared)
            acronyms.append(value)
        elif types == {"alias"}:
            aliases.append(value)
        else:
            labels.append(value)
    locations = record.get("locations") or []
    countries = {str(loc["country_code"]) for loc in locations if loc.get("country_code")}
    cities = {str(loc["city"]) for loc in locations if loc.get("city")}
    return Entity(
        slug,
        kind,
        str(record.get("name") or slug),
        names=tuple(aliases),
        labels=tuple(labels),
        acronyms=tuple(acronyms),
        identifiers=record_identifiers(record),
        countries=frozenset(countries),
        cities=frozenset(cities),
        source=", ".join(str(s) for s in record.get("sources") or []),
    )
