"""A ROR record that is a consortium → a consortium record (``import ror --consortium``).

ROR registers some consortia as organisations (The UniProt Consortium, EarthScope Consortium).
Imported as organisations they could not have members or working groups; named with
``--consortium ROR_ID`` they become ``data/consortia/<slug>.yaml`` instead. What maps:

- ``ror_display`` → ``name``; the first acronym → ``acronym``; every other ``label`` and
  ``alias`` → ``aliases`` (in ROR's order, once each);
- ``status``: ROR's ``active`` → ``active``, ``inactive`` → ``inactive`` (:data:`STATUS`). ROR's
  ``withdrawn`` has no consortium status: such a record is refused (exit 2);
- ``established`` → ``year_launched``; the first website → ``homepage``; ``ror``; the preferred
  Wikidata id → ``wikidata``;
- the first location → ``location`` as "city, region, country" (the parts ROR gives);
- the ROR file's source record → ``sources``.

The consortium format has no ``types``, ``domains``, ``identifiers`` (GRID, ISNI, FundRef) or
``relationships``: those are not kept. Other imported organisations that ROR relates to the
consortium keep the link as its ROR IRI.
"""

from __future__ import annotations

import re
from typing import Any

from consortia_kg.records.plain import ConsortiumFields
from consortia_kg.records.schema import STATUS_TERMS

__all__ = ["CONSORTIUM_KEYS", "STATUS", "consortium_fields", "looks_like_consortium"]

#: The keys of a consortium record that a ROR import is the authority for.
CONSORTIUM_KEYS = frozenset(
    {
        "name", "acronym", "aliases", "status", "year_launched", "homepage", "ror", "wikidata",
        "location",
    }
)  # fmt: skip
#: ROR's status → a consortium's (``STATUS_TERMS``); ROR's ``withdrawn`` has none.
STATUS = {"active": "active", "inactive": "inactive"}
assert set(STATUS.values()) <= set(STATUS_TERMS)

#: A name that says "consortium" (English; ROR's display names are mostly English).
_CONSORTIUM_WORD = re.compile(r"\bconsortium\b", re.IGNORECASE)


def looks_like_consortium(data: dict[str, Any]) -> bool:
    """Return True when one of the ROR record's names says it is a consortium."""
    return any(_CONSORTIUM_WORD.search(str(n["value"])) for n in data["names"])


def consortium_fields(
    data: dict[str, Any], name: str, wikidata: str | None, source: str
) -> ConsortiumFields:
    """Map one ROR record (checked by ``read_ror``) onto consortium keys.

    ``name`` is its ``ror_display`` name and ``wikidata`` its preferred Wikidata id. The caller
    has checked that ROR's status maps (:data:`STATUS`).
    """
    names = data["names"]
    out: ConsortiumFields = {"name": name}
    acronyms = [n["value"].strip() for n in names if "acronym" in n["types"]]
    if acronyms:
        out["acronym"] = acronyms[0]
    aliases: list[str] = []
    for n in names:
        value = n["value"].strip()
        if {"label", "alias"} & set(n["types"]) and value != name and value not in aliases:
            aliases.append(value)
    if aliases:
        out["aliases"] = aliases
    out["status"] = STATUS[data["status"]]
    if data["established"] is not None:
        out["year_launched"] = str(data["established"])
    websites = [link["value"].strip() for link in data["links"] if link["type"] == "website"]
    if websites:
        out["homepage"] = websites[0]
    out["ror"] = data["id"]
    if wikidata:
        out["wikidata"] = wikidata
    if data["locations"]:
        details = data["locations"][0]["geonames_details"]
        keys = ("name", "country_subdivision_name", "country_name")
        parts = [str(details[k]).strip() for k in keys if details.get(k)]
        if parts:
            out["location"] = ", ".join(parts)
    out["sources"] = [source]
    return out
