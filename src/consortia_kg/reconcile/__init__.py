"""Reconciliation: which organisation or consortium a name (with its ids and place) means.

Proposals a curator decides, and likely duplicates among records, live here too.

- ``names``: names and identifiers as compared (normalised, acronyms pulled out);
- ``engine``: the blocked matcher (:class:`Reconciler`), scores and the *certain* rule;
- ``records``: records as the engine's entities;
- ``review``: the review file of proposals and the curators' decisions;
- ``duplicates``: likely duplicate organisation records (a ``validate`` warning).

Importers (``importers.plan.Workspace.find``), ``consortia-kg reconcile``, the build's links
across sources (``build.links``) and the server's ``/reconcile`` all use :class:`Reconciler`.
"""

from consortia_kg.reconcile.duplicates import (
    DUPLICATE_SCORE,
    DuplicatePair,
    find_likely_duplicates,
    likely_duplicate_pairs,
)
from consortia_kg.reconcile.engine import (
    ACRONYM_SCORE,
    ASK_SCORE,
    COUNTRY_CONFLICT_CAP,
    LINK_SCORE,
    SHOW_SCORE,
    Entity,
    Match,
    Query,
    Reconciler,
)
from consortia_kg.reconcile.names import normalise_identifier, normalise_name
from consortia_kg.reconcile.records import entity_from_record, record_identifiers

__all__ = [
    "ACRONYM_SCORE",
    "ASK_SCORE",
    "COUNTRY_CONFLICT_CAP",
    "DUPLICATE_SCORE",
    "LINK_SCORE",
    "SHOW_SCORE",
    "DuplicatePair",
    "Entity",
    "Match",
    "Query",
    "Reconciler",
    "entity_from_record",
    "find_likely_duplicates",
    "likely_duplicate_pairs",
    "normalise_identifier",
    "normalise_name",
    "record_identifiers",
]
