"""The IRIs the graph mints, with labels and types: for lookups, lists, search, helpful 404s.

At 12,000 consortia the graph has some 200,000 subjects, most of them nameless parts (a
membership, a location). The index holds the things with a name and the top-level things
(``consortium/x``, ``graph/...``); a part it does not hold is looked up in the store when
asked for (:meth:`EntityIndex.add` remembers it then). The home page's counts are counted
over every subject, parts included.
"""

from __future__ import annotations

import functools
import heapq
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

#: The kinds of IRI only the VoID file mints (its dataset and partitions, the dumps, the endpoint).
_VOID_KINDS = ("dataset", "dumps", "sparql")

#: How a page names an identifier scheme (``pic:999988230`` is "PIC 999988230").
_SCHEMES = {"pic": "PIC", "gepris": "GEPRIS", "cordis-rcn": "CORDIS RCN", "ror": "ROR"}

#: The kinds of thing the home page counts, singular and plural.
COUNT_NAMES = {
    "consortia": "consortium",
    "organisations": "organisation",
    "sources": "source",
    "working groups": "working group",
    "standards": "standard",
    "standard implementations": "standard implementation",
    "memberships": "membership",
}

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
    #: True for things of the store that the VoID file describes too (a subset's graph)
    in_void: bool = False
    #: the thing's ``dcterms:identifier`` values (``pic:999988230``)
    identifiers: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """Return the best name, else the identifier it is known by (``PIC 9``), else the path."""
        for predicate in LABEL_PREDICATES:
            values = self.labels.get(predicate)
            if values:
                return sorted(values)[0]
        known_by = self.known_by
        if known_by is not None:
            return f"{known_by[0]} {known_by[1]}"
        return self.path

    @property
    def named(self) -> bool:
        """Return True when the data gives the thing a name."""
        return any(self.labels.get(p) for p in LABEL_PREDICATES)

    @property
    def known_by(self) -> tuple[str, str] | None:
        """Return (scheme, value) of the identifier a nameless thing is known by, if any."""
        if self.named or not self.identifiers:
            return None
        scheme, _, value = sorted(self.identifiers)[0].partition(":")
        return (_SCHEMES.get(scheme, scheme.upper()), value) if value else None

    @property
    def names(self) -> list[str]:
        """Return every name search matches (identifiers too: ``pic:999988230``)."""
        return [v for p in NAME_PREDICATES for v in self.labels.get(p, [])] + self.identifiers

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
        #: class IRI → how many subjects have it (every subject, parts included)
        self.class_counts: Counter[str] = Counter()
        self._by_kind: dict[str, list[Entity]] = {}
        self._names: list[tuple[Entity, str]] | None = None
        self._sort_names: dict[str, str] = {}
        self._kinds: list[str] | None = None

    def add(self, iri: str, predicate: str | None = None, value: str | None = None) -> Entity:
        """Remember ``iri`` (and one fact that names or types it)."""
        entity = self.entities.get(iri)
        if entity is None:
            entity = Entity(iri, iri[len(self.base) :])
            self.entities[iri] = entity
        if predicate == RDF + "type" and value is not None and value not in entity.types:
            entity.types.append(value)
        elif predicate == DCTERMS + "identifier" and value is not None:
            if value not in entity.identifiers:
                entity.identifiers.append(value)
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
        """Return how many things of each counted kind the graph holds (as the store counts)."""
        return [(name, self.class_counts[cls]) for cls, name in COUNTED if self.class_counts[cls]]

    def records(self, kind: str) -> list[Entity]:
        """Return the things of one record kind (``consortium``...), by name; computed once."""
        found = self._by_kind.get(kind)
        if found is None:
            found = sorted(
                (e for e in self.entities.values() if e.kind == kind and e.is_record),
                key=lambda e: (e.label.casefold(), e.path),
            )
            self._by_kind[kind] = found
        return found

    def kinds(self) -> list[str]:
        """Return the kinds of IRI the graph mints (for a 404's hint); computed once."""
        if self._kinds is None:
            self._kinds = sorted({e.kind for e in self.entities.values() if not e.void})
        return self._kinds

    def search(self, text: str, limit: int = 50) -> list[Entity]:
        """Find things by name, acronym or alias: exact, then prefix, then words, then fuzzy."""
        from rapidfuzz import fuzz, process

        needle = " ".join(text.casefold().split())
        if not needle:
            return []
        if self._names is None:  # normalised once: search reads every name each time
            self._names = [
                (e, " ".join(n.casefold().split()))
                for e in self.entities.values()
                if not e.void
                for n in e.names
            ]
            self._sort_names = {e.iri: e.label.casefold() for e, _ in self._names}
        names = self._names
        best: dict[int, int] = {}  # position of an entity's first name → its best rank
        first: dict[str, int] = {}
        for position, (entity, hay) in enumerate(names):
            if needle not in hay:
                continue
            if hay == needle:
                rank = 0
            elif hay.startswith(needle):
                rank = 1
            elif any(word.startswith(needle) for word in hay.split()):
                rank = 2
            else:
                rank = 3
            at = first.setdefault(entity.iri, position)
            best[at] = min(best.get(at, 9), rank)
        if len(needle) >= 4:
            # one pass in C over every name (a Python call per name took 0.6 s at 60,000)
            for _, _, position in process.extract_iter(
                needle, [hay for _, hay in names], scorer=fuzz.partial_ratio, score_cutoff=85
            ):
                at = first.setdefault(names[position][0].iri, position)
                best.setdefault(at, 4)
        scored: list[tuple[int, int, str, Entity]] = []
        for at, rank in best.items():
            entity = names[at][0]
            order = _RECORD_ORDER.get(entity.kind, 9) if entity.is_record else 9
            scored.append((rank, order, self._sort_names[entity.iri], entity))
        scored = heapq.nsmallest(limit, scored, key=lambda item: item[:3])
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
        """Add (subject, predicate, value) facts about IRIs under the base.

        With ``void``, the facts come from the VoID file: a thing only it mints (the dataset,
        a partition, a dump) is described by it alone; another (a subset's graph, a source) is
        marked as described by both.
        """
        for subject, predicate, value in triples:
            if subject.startswith(self.base) and len(subject) > len(self.base):
                entity = self.add(subject, predicate, value)
                if void and entity.kind in _VOID_KINDS:
                    entity.void = True
                elif void:
                    entity.in_void = True
