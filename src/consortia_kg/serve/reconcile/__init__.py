"""The W3C Entity Reconciliation API (0.2) over the served graph: what it says, without HTTP.

OpenRefine and other clients of the community group's API
(https://reconciliation-api.github.io/specs/0.2/) match a spreadsheet's names against our
organisations and consortia, curated records and registry organisations alike. The matching is
the engine's (:class:`consortia_kg.reconcile.Reconciler`); this package holds the protocol, one
module a part, and :mod:`..views.reconcile` puts it on HTTP:

- ``terms``: the types, properties and limits, and :class:`ReconcileError` (a 400);
- ``countries``: a country given by code or name → its ISO code;
- ``entities``: the engine filled once a version, from the server's index (names, acronyms,
  labels, identifiers: the names are scanned once for both) and :data:`FACTS_QUERY` (places,
  ROR/Wikidata links);
- ``queries``: a batch read (every mistake naming its query and the fix) and answered;
- ``extension``: data extension (``extend=``);
- ``service``: the manifest, suggest, preview, and how answers are written (JSONP).

An entity's id is its IRI without the base (``organisation/edu-caltech``): the identifier space
is the base IRI, and the view template is the entity's page on this server.
"""

from .countries import resolve_country
from .entities import FACTS_QUERY, build_reconciler
from .extension import extend, homepage_query, parse_extend, propose_properties
from .queries import Parsed, answer, parse_batch
from .service import (
    bounded_int,
    callback_name,
    dumps,
    manifest,
    preview_html,
    suggest_entities,
    suggest_properties,
    suggest_types,
)
from .terms import (
    DEFAULT_LIMIT,
    EXTEND_PROPERTIES,
    IDENTIFIER_SCHEMES,
    MAX_BATCH,
    MAX_EXTEND,
    MAX_LIMIT,
    MAX_TEXT,
    PREVIEW_SIZE,
    PROPERTIES,
    TYPES,
    ReconcileError,
    ReconType,
)

__all__ = [
    "DEFAULT_LIMIT",
    "EXTEND_PROPERTIES",
    "FACTS_QUERY",
    "IDENTIFIER_SCHEMES",
    "MAX_BATCH",
    "MAX_EXTEND",
    "MAX_LIMIT",
    "MAX_TEXT",
    "PREVIEW_SIZE",
    "PROPERTIES",
    "TYPES",
    "Parsed",
    "ReconType",
    "ReconcileError",
    "answer",
    "bounded_int",
    "build_reconciler",
    "callback_name",
    "dumps",
    "extend",
    "homepage_query",
    "manifest",
    "parse_batch",
    "parse_extend",
    "preview_html",
    "propose_properties",
    "resolve_country",
    "suggest_entities",
    "suggest_properties",
    "suggest_types",
]
