"""Every IRI the graph mints, with its label and types: for lookups, search and helpful 404s."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from consortia_kg.iris import RECORD_KINDS, IriParts, parse_path
from consortia_kg.vocab import CKG, DCTERMS, FOAF, ORG, RDF, RDFS, SCHEMA, SKOS

__all__ = ["LABEL_PREDICATES", "NAME_PREDICATES", "Entity", "EntityIndex"]

#: Predicates whose value names a thing, best first.
LABEL_PREDICATES = (
    RDFS + "label",
    SKOS + "prefLabel",
    SCHEMA + "name",
    DCTERMS + "title",
    FOAF + "name",
)
#: Every predicate search looks at.
NAME_PREDICATES = (*LABEL_PREDICATES, SKOS + "altLabel", CKG + "acronym")

#: The kinds of thing the home page counts, in its order.
COUNTED = (
    (CKG + "Consortium", "consortia"),
    (ORG + "FormalOrganization", "organisations"),
    (CKG + "SourceDocument", "sources"),
    (CKG + "WorkingGroup", "working groups"),
    (CKG + "Standard", "standards"),
    (CKG + "StandardImplementation", "standard implementations"),
    (ORG + "Membership", "memberships"),
)

#: Kinds that stand for a whole record, in the order search ranks them (first).
_RECORD_ORDER = {kind: order for order, kind in enumerate(RECORD_KINDS)}


@dataclass
class Entity:
    """A thing under the base IRI."""

    iri: str
    #: the IRI without the base (``consortium/ga4gh``)
    path: str
    labels: dict[str, list[str]] = field(default_factory=dict)
    types: list[str] = field(default_factory=list)
    #: True for things described only by the VoID file (the dataset, its partitions, dumps)
    void: bool = False

    @property
    def label(self) -> str:
        """Return the best name of the thing, or its last path segments."""
        for predicate in LABEL_PREDICATES:
            values = self.labels.get(predicate)
            if values:
                return sorted(values)[0]
        return self.path

    @property
    def names(self) -> list[str]:
        """Return every name search matches."""
        return [v for p in NAME_PREDICATES for v in self.labels.get(p, [])]

    @functools.cached_property
    def parts(self) -> IriParts | None:
        """Return what the IRI names (None for a path the layout does not mint); read once."""
        return parse_path(self.path)

    @property
    def kind(self) -> str:
        """Return the first path segment (consortium, organisation, source, graph, ...)."""
        if self.parts is None:
            return self.path.split("/", 1)[0]
        return "graph" if self.parts.graph else self.parts.kind

    @property
    def is_record(self) -> bool:
        """Return True for a consortium, organisation or source (a record of its own)."""
        return self.parts is not None and self.parts.is_record


class EntityIndex:
    """IRIs under one base, with what search and pages need to name them."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.entities: dict[str, Entity] = {}

    def add(self, iri: str, predicate: str | None = None, value: str | None = None) -> Entity:
        """Remember ``iri`` (and one fact that names or types it)."""
        entity = self.entities.get(iri)
        if entity is None:
            entity = Entity(iri, iri[len(self.base) :])
            self.entities[iri] = entity
        if predicate == RDF + "type" and value is not None and value not in entity.types:
            entity.types.append(value)
        elif predicate is not None and value is not None:
            values = entity.labels.setdefault(predicate, [])
            if value not in values:
                values.append(value)
        return entity

    def get(self, iri: str) -> Entity | None:
        """Return the thing with this IRI, if the graph mints it."""
        return self.entities.get(iri)

    def label(self, iri: str) -> str | None:
        """Return the name of a thing under the base, if known."""
        entity = self.entities.get(iri)
        return entity.label if entity is not None else None

    def counts(self) -> list[tuple[str, int]]:
        """Return how many things of each counted kind the graph holds."""
        by_type: Counter[str] = Counter()
        for entity in self.entities.values():
            if not entity.void:
                by_type.update(entity.types)
        return [(name, by_type[cls]) for cls, name in COUNTED if by_type[cls]]

    def search(self, text: str, limit: int = 50) -> list[Entity]:
        """Find things by name, acronym or alias: exact, then prefix, then words, then fuzzy."""
        from rapidfuzz import fuzz

        needle = " ".join(text.casefold().split())
        if not needle:
            return []
        scored: list[tuple[int, int, str, Entity]] = []
        for entity in self.entities.values():
            if entity.void or not entity.names:
                continue
            best = 99
            for name in entity.names:
                hay = " ".join(name.casefold().split())
                if hay == needle:
                    rank = 0
                elif hay.startswith(needle):
                    rank = 1
                elif any(word.startswith(needle) for word in hay.split()):
                    rank = 2
                elif needle in hay:
                    rank = 3
                elif len(needle) >= 4 and fuzz.partial_ratio(needle, hay) >= 85:
                    rank = 4
                else:
                    continue
                best = min(best, rank)
            if best < 99:
                order = _RECORD_ORDER.get(entity.kind, 9) if entity.is_record else 9
                scored.append((best, order, entity.label.casefold(), entity))
        scored.sort(key=lambda item: item[:3])
        return [item[3] for item in scored[:limit]]

    def suggest(self, path: str, limit: int = 5) -> list[Entity]:
        """Return the things whose path (or name) is closest to ``path``: for a 404."""
        from rapidfuzz import fuzz, process

        candidates = {e.iri: e.path for e in self.entities.values()}
        found = process.extract(path, candidates, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
        by_path = [self.entities[key] for _, _, key in found]
        last = path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
        by_name = self.search(last, limit) if len(last) >= 3 else []
        out: list[Entity] = []
        for entity in by_path + by_name:
            if entity not in out:
                out.append(entity)
        return out[:limit]

    def extend(self, triples: Iterable[tuple[str, str, str]], void: bool = False) -> None:
        """Add (subject, predicate, value) facts about IRIs under the base."""
        for subject, predicate, value in triples:
            if subject.startswith(self.base) and len(subject) > len(self.base):
                entity = self.add(subject, predicate, value)
                entity.void = entity.void or void
