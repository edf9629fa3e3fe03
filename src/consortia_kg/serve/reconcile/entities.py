"""The reconciliation engine over the served graph: its organisations and consortia, once a version.

Names, acronyms, labels and identifiers come from the server's index (one scan of the names
serves both); places and ROR/Wikidata links from :data:`FACTS_QUERY`.
"""

from __future__ import annotations

from collections.abc import Iterable

from consortia_kg.reconcile import Entity, Reconciler
from consortia_kg.vocab import CKG, RDFS, SCHEMA, SKOS

from .. import index
from .terms import TYPES, outside_id

__all__ = ["FACTS_QUERY", "build_reconciler"]

#: Places and outside links of organisations and consortia; their names and identifiers come from
#: the server's index (one scan of the names serves both). Rows are (subject, predicate, value).
FACTS_QUERY = (
    f"SELECT ?s ?p ?v WHERE {{ {{ ?s <{SKOS}exactMatch> ?v BIND(<{SKOS}exactMatch> AS ?p) }} "
    f"UNION {{ VALUES ?p {{ <{SCHEMA}addressCountry> <{SCHEMA}addressLocality> }} "
    f"?s <{SCHEMA}location> ?place . ?place ?p ?v }} }}"
)


def build_reconciler(things: Iterable[index.Entity], facts: Iterable[list[str]]) -> Reconciler:
    """Return the engine over every organisation and consortium among the index's ``things``.

    ``facts`` are :data:`FACTS_QUERY`'s rows. An entity's name is the one its pages show; its
    other ``rdfs:label``/``schema:name`` values and ``skos:prefLabel`` are labels, its
    ``skos:altLabel`` aliases.
    """
    countries: dict[str, set[str]] = {}
    cities: dict[str, set[str]] = {}
    links: dict[str, set[tuple[str, str]]] = {}
    for subject, predicate, value in facts:
        if predicate == SCHEMA + "addressCountry":
            countries.setdefault(subject, set()).add(value.upper())
        elif predicate == SCHEMA + "addressLocality":
            cities.setdefault(subject, set()).add(value)
        elif (outside := outside_id(value)) is not None:
            links.setdefault(subject, set()).add(outside)
    entities = []
    for thing in things:
        if thing.void or not thing.is_record or thing.kind not in TYPES:
            continue
        labels = thing.labels
        name = thing.label
        others = {
            v
            for p in (RDFS + "label", SCHEMA + "name", SKOS + "prefLabel")
            for v in labels.get(p, ())
        }
        identifiers = {
            (scheme, value)
            for scheme, _, value in (i.partition(":") for i in thing.identifiers)
            if value
        }
        entities.append(
            Entity(
                thing.path,
                thing.kind,
                name,
                names=tuple(sorted(set(labels.get(SKOS + "altLabel", ())))),
                labels=tuple(sorted(others - {name})),
                acronyms=tuple(sorted(set(labels.get(CKG + "acronym", ())))),
                identifiers=frozenset(identifiers | links.get(thing.iri, set())),
                countries=frozenset(countries.get(thing.iri, ())),
                cities=frozenset(cities.get(thing.iri, ())),
            )
        )
    return Reconciler(entities)
