"""What the reconciliation service speaks of: its types, properties and limits, and its errors.

Every other module of the service reads these tables; the manifest, the suggest services and
the data extension's proposals list them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from consortia_kg.vocab import CKG, ORG

__all__ = [
    "DEFAULT_LIMIT",
    "EXTEND_PROPERTIES",
    "IDENTIFIER_SCHEMES",
    "MAX_BATCH",
    "MAX_EXTEND",
    "MAX_LIMIT",
    "MAX_TEXT",
    "PREVIEW_SIZE",
    "PROPERTIES",
    "TYPES",
    "ReconType",
    "ReconcileError",
    "kind_of_type",
    "outside_id",
]

#: At most this many queries in one batch (OpenRefine sends 10; the manifest's ``batchSize``).
MAX_BATCH = 100
#: At most this many characters in a query's name or a property's value.
MAX_TEXT = 500
#: Candidates per query when the query sets no ``limit``, and the most it may ask for.
DEFAULT_LIMIT, MAX_LIMIT = 5, 25
#: At most this many entities in one data extension request (OpenRefine sends 10 or so).
MAX_EXTEND = 200
#: The preview card's size in pixels (width, height), as the manifest tells clients.
PREVIEW_SIZE = (400, 160)


@dataclass(frozen=True)
class ReconType:
    """A type the service reconciles against: the class IRI every such thing has in the graph."""

    kind: str
    id: str
    name: str
    description: str

    def as_dict(self) -> dict[str, str]:
        """Return the type as the API writes it (``{"id", "name"}``)."""
        return {"id": self.id, "name": self.name}


#: The types, by record kind (the first segment of an entity's id).
TYPES: dict[str, ReconType] = {
    "organisation": ReconType(
        "organisation",
        ORG + "FormalOrganization",
        "Organisation",
        "a curated organisation record or a registry's organisation (CORDIS, GEPRIS, ELIXIR)",
    ),
    "consortium": ReconType(
        "consortium",
        CKG + "Consortium",
        "Consortium",
        "a curated consortium record, a CORDIS project or an NFDI consortium",
    ),
}

#: Identifier schemes a query may give as a property (the engine compares them normalised).
IDENTIFIER_SCHEMES = {
    "ror": "ROR id",
    "wikidata": "Wikidata id",
    "pic": "PIC (EU Participant Identification Code)",
    "gepris": "GEPRIS institution number",
    "grid": "GRID id",
    "isni": "ISNI",
    "fundref": "FundRef (Crossref Funder Registry) id",
    "ga4gh-registry": "GA4GH registry id",
}

#: Every property a query may name in ``properties`` (``pid``): id → (name, description).
PROPERTIES: dict[str, tuple[str, str]] = {
    "country": ("Country", "an ISO 3166 two- or three-letter code, or the country's name"),
    "city": ("City", "the city of one of the organisation's locations"),
    "acronym": ("Acronym", "the organisation's or consortium's acronym"),
    **{scheme: (label, f"the {label}: same id, certain match") for scheme, label in
       IDENTIFIER_SCHEMES.items()},
}  # fmt: skip

#: What data extension (``extend=``) adds to a reconciled column: id → name. The homepage is read
#: from the store; the rest is the engine's entity.
EXTEND_PROPERTIES: dict[str, str] = {
    "country": "Country (ISO 3166 code)",
    "city": "City",
    "acronym": "Acronym",
    "homepage": "Homepage",
    **{scheme: label for scheme, label in IDENTIFIER_SCHEMES.items()},
}

_ROR = re.compile(r"^(?:https?://)?(?:www\.)?ror\.org/[0-9a-z]{9}$", re.IGNORECASE)
_WIKIDATA = re.compile(r"^(?:https?://(?:www\.)?wikidata\.org/(?:wiki|entity)/)?(Q\d+)$", re.I)


class ReconcileError(ValueError):
    """A request the service cannot answer: what is wrong, and how to fix it (a 400)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def kind_of_type(value: object, where: str) -> str:
    """Return the kind a query's type names (its IRI, a CURIE or the plain word)."""
    text = str(value).strip()
    folded = text.casefold()
    for kind, rtype in TYPES.items():
        curie = rtype.id.replace(ORG, "org:").replace(CKG, "ckg:")
        if folded in {rtype.id.casefold(), curie.casefold(), kind, rtype.name.casefold()}:
            return kind
    if folded == "organization":
        return "organisation"
    known = ", ".join(f"{t.id} ({t.name})" for t in TYPES.values())
    raise ReconcileError(
        f"{where}: type {text!r} is not a type this service reconciles against",
        hint=f"use one of {known}, or leave the type out to match both",
    )


def outside_id(iri: str) -> tuple[str, str] | None:
    """Return (scheme, value) for a ROR or Wikidata IRI the graph links a thing to."""
    if _ROR.match(iri):
        return ("ror", iri)
    found = _WIKIDATA.match(iri)
    return ("wikidata", found.group(1)) if found else None
