"""Records → RDF: one named graph per record, with provenance, and a way back to the records.

A finding on a triple is told to the curator in record words (file, line, key). The index that
makes this possible is built lazily: the full build emits quads only, and when a finding needs a
location, the one record it is about is built again with indexing on (builds are deterministic).
``build`` never validates; it only reports what it cannot build (a post in a unit the record
does not have).

Why one module of ~800 lines: the renovation changes it from two sides at once (typed records
here, IRIs minted by one module elsewhere), so it stays whole until both have landed. Its seams
are marked: the way back from a node to its record (``Where``, ``RecordIndex``, ``BuiltGraph``),
the emitter, and one function per record kind and per kind of item; the first and the consortium
items are the parts to move out (``build/index.py``, ``build/consortium.py``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from pyoxigraph import Literal, NamedNode, Quad, Triple

from consortia_kg import iris
from consortia_kg.errors import Problem
from consortia_kg.records.fieldtypes import DateValue
from consortia_kg.records.load import RecordSet
from consortia_kg.records.model import (
    Committee,
    Consortium,
    Item,
    Located,
    Organisation,
    Record,
    Source,
    SteeringCommittee,
    WorkingGroup,
)
from consortia_kg.vocab import (
    CKG,
    DCTERMS,
    FOAF,
    ORG,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    XSD,
)

__all__ = ["BuiltGraph", "RecordIndex", "Where", "build_graph", "build_record"]


@dataclass(frozen=True)
class Where:
    """A place in a record: what a finding about a node or a triple points the curator to."""

    file: str
    line: int
    key: str
    value: str = ""


@dataclass
class RecordIndex:
    """Where each node and triple of one record was written."""

    #: subject IRI → where the node was written (or first mentioned)
    nodes: dict[str, Where] = field(default_factory=dict)
    #: (subject IRI, predicate IRI) → [(object as N-Triples, where)]
    values: dict[tuple[str, str], list[tuple[str, Where]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: (subject IRI, object as N-Triples) → where the triple was written, whatever the predicate
    objects: dict[tuple[str, str], Where] = field(default_factory=dict)
    #: (subject IRI, record key's last part) → where that key was written
    keyed: dict[tuple[str, str], Where] = field(default_factory=dict)

    def add(self, s: str, p: str, o: str, where: Where) -> None:
        """Remember where one triple came from."""
        self.values[(s, p)].append((o, where))
        self.objects.setdefault((s, o), where)
        self.nodes.setdefault(s, where)
        if where.key:
            self.keyed.setdefault((s, where.key.rsplit(".", 1)[-1]), where)


@dataclass
class BuiltGraph:
    """The quads of every record, and the way back from a node to the record that wrote it."""

    base: str
    quads: list[Quad] = field(default_factory=list)
    #: named graph IRI → record
    graphs: dict[str, Record] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    version: str = ""
    _indexes: dict[str, RecordIndex] = field(default_factory=dict, repr=False)
    #: (number of quads read, subject without a record of its own → graphs that mention it)
    _mentioned: tuple[int, dict[str, list[str]]] | None = field(default=None, repr=False)

    def record_of(self, iri: str) -> Record | None:
        """Return the record whose build mints ``iri`` (its thing, items, or graph)."""
        owner = iris.record_of_iri(self.base, iri)
        return self.graphs.get(iris.record_graph(self.base, *owner)) if owner else None

    def index_of(self, record: Record) -> RecordIndex:
        """Build one record again with indexing on (cached)."""
        graph = iris.record_graph(self.base, record.kind, record.slug)
        if graph not in self._indexes:
            index = RecordIndex()
            scratch = BuiltGraph(base=self.base)
            build_record(scratch, record, self.base, index)
            self._indexes[graph] = index
        return self._indexes[graph]

    def _mentions(self, subject: str) -> list[Record]:
        """Records that say something about ``subject`` (for a node without its own record).

        One pass over the quads maps every such subject to its graphs, the first time a finding
        needs it (again only when quads were added): a look-up per finding, not a scan.
        """
        if self._mentioned is None or self._mentioned[0] != len(self.quads):
            owned: dict[str, bool] = {}
            found: defaultdict[str, set[str]] = defaultdict(set)
            for quad in self.quads:
                node = quad.subject
                if not isinstance(node, NamedNode):
                    continue
                iri = node.value
                own = owned.get(iri)
                if own is None:
                    own = owned[iri] = self.record_of(iri) is not None
                if not own and isinstance(quad.graph_name, NamedNode):
                    found[iri].add(quad.graph_name.value)
            self._mentioned = (len(self.quads), {s: sorted(g) for s, g in found.items()})
        graphs = self._mentioned[1].get(subject, [])
        return [self.graphs[g] for g in graphs if g in self.graphs]

    def _indexes_for(self, subject: str) -> list[RecordIndex]:
        owner = self.record_of(subject)
        records = [owner] if owner is not None else self._mentions(subject)
        return [self.index_of(r) for r in records]

    def where(self, subject: str, predicate: str = "", obj: str = "") -> Where | None:
        """Find where a node, or one of its values, was written."""
        indexes = self._indexes_for(subject)
        for index in indexes:
            if obj and not predicate and (subject, obj) in index.objects:
                return index.objects[(subject, obj)]
            if predicate:
                candidates = index.values.get((subject, predicate), [])
                for written, place in candidates:
                    if not obj or written == obj:
                        return place
                if candidates:
                    return candidates[0][1]
        for index in indexes:
            if subject in index.nodes:
                return index.nodes[subject]
        return None

    def where_key(self, subject: str, key: str) -> Where | None:
        """Find where ``key`` was written on the node ``subject``."""
        for index in self._indexes_for(subject):
            if (subject, key) in index.keyed:
                return index.keyed[(subject, key)]
        return None

    def has_values(self, subject: str, predicate: str) -> bool:
        """Return True when a record wrote some value of ``predicate`` on ``subject``."""
        return any((subject, predicate) in i.values for i in self._indexes_for(subject))

    def has_object(self, subject: str, obj: str) -> bool:
        """Return True when a record wrote a triple from ``subject`` to ``obj``."""
        return any((subject, obj) in i.objects for i in self._indexes_for(subject))

    def triples(self) -> list[Triple]:
        """Return the merged graph's triples, deduplicated and sorted."""
        return sorted({q.triple for q in self.quads}, key=str)


_XSD_INT = NamedNode(XSD + "integer")
_A = NamedNode(RDF + "type")


def _iri(value: str) -> NamedNode:
    return NamedNode(value)


V = TypeVar("V")
ItemT = TypeVar("ItemT", bound=Item)


def _value(located: Located[V] | None) -> V | None:
    """Return the plain value of a field, or None when absent."""
    return None if located is None else located.value


def ckg(name: str) -> NamedNode:
    """Return a term of our ontology."""
    return NamedNode(CKG + name)


class _Emitter:
    """Adds quads for one record; with an index, also remembers where each came from."""

    def __init__(
        self, out: BuiltGraph, record: Record, graph: NamedNode, index: RecordIndex | None
    ) -> None:
        self.out, self.record, self.graph, self.index = out, record, graph, index
        self.quads = out.quads
        self.emitted_once: set[str] = set()

    def where(self, located: Located[object] | Item | None) -> Where:
        if located is None:
            return Where(self.record.file, 1, "")
        value = located.value if isinstance(located, Located) else ""
        return Where(self.record.file, located.line, located.key, str(value))

    def node(
        self, subject: NamedNode, at: Located[object] | Item | None, *types: NamedNode
    ) -> None:
        if self.index is not None:
            self.index.nodes.setdefault(subject.value, self.where(at))
        for rdf_type in types:
            self.add(subject, _A, rdf_type, at)

    def add(
        self,
        s: NamedNode,
        p: NamedNode,
        o: NamedNode | Literal,
        at: Located[object] | Item | None = None,
    ) -> None:
        self.quads.append(Quad(s, p, o, self.graph))
        if self.index is not None:
            self.index.add(s.value, p.value, str(o), self.where(at))

    def once(self, key: str) -> bool:
        """Return True the first time ``key`` is seen in this record (shared concept nodes)."""
        if key in self.emitted_once:
            return False
        self.emitted_once.add(key)
        return True

    def text(self, s: NamedNode, p: NamedNode, located: Located[str] | None) -> None:
        if located is not None:
            self.add(s, p, Literal(located.value), located)

    def iri(self, s: NamedNode, p: NamedNode, located: Located[str] | None) -> None:
        if located is not None:
            self.add(s, p, _iri(located.value), located)

    def date(self, s: NamedNode, p: NamedNode, located: Located[DateValue] | None) -> None:
        if located is not None:
            self.add(s, p, date_literal(located.value), located)

    def count(self, s: NamedNode, p: NamedNode, located: Located[int] | None) -> None:
        if located is not None:
            self.add(s, p, Literal(str(located.value), datatype=_XSD_INT), located)

    def term(self, s: NamedNode, p: NamedNode, located: Located[str] | None, prefix: str) -> None:
        if located is not None:
            self.add(s, p, ckg(f"{prefix}-{located.value}"), located)


def date_literal(value: DateValue) -> Literal:
    """Type a date at the precision it was written."""
    return Literal(value.lexical, datatype=NamedNode(XSD + value.xsd_type))


def year_literal(year: int) -> Literal:
    """Type a year as ``xsd:gYear``."""
    return Literal(f"{year:04d}", datatype=NamedNode(XSD + "gYear"))


def build_graph(records: RecordSet, base: str) -> BuiltGraph:
    """Turn every record into quads in its own named graph."""
    out = BuiltGraph(base=base, version=records.digest())
    for record in records:
        build_record(out, record, base, None)
    return out


def build_record(out: BuiltGraph, record: Record, base: str, index: RecordIndex | None) -> None:
    """Add one record's quads to ``out`` (and, with an index, where each came from)."""
    graph = NamedNode(iris.record_graph(base, record.kind, record.slug))
    out.graphs[graph.value] = record
    emit = _Emitter(out, record, graph, index)
    _provenance(emit, record, base)
    item = record.item
    if isinstance(item, Source):
        _source(emit, record, item, base)
    elif isinstance(item, Organisation):
        _organisation(emit, record, item, base)
    else:
        _consortium(emit, record, item, base)


def _provenance(emit: _Emitter, record: Record, base: str) -> None:
    g = emit.graph
    emit.node(g, record.item, NamedNode(PROV + "Entity"))
    emit.add(g, ckg("recordFile"), Literal(record.source_path))
    emit.add(g, ckg("contentHash"), Literal("sha256:" + record.sha256))
    emit.add(
        g,
        NamedNode(DCTERMS + "subject"),
        NamedNode(iris.record_iri(base, record.kind, record.slug)),
    )
    for source in () if isinstance(record.item, Source) else record.item.sources:
        emit.add(g, NamedNode(PROV + "wasDerivedFrom"), _source_iri(base, source.value), source)
    if record.kind == "source":  # a source's record is derived from the document it describes
        emit.add(g, NamedNode(PROV + "wasDerivedFrom"), _source_iri(base, record.slug), record.item)


def _source_iri(base: str, slug: str) -> NamedNode:
    return NamedNode(iris.source_iri(base, slug))


def _item_source(emit: _Emitter, node: NamedNode, located: Located[str] | None, base: str) -> None:
    if located is not None:
        emit.add(node, NamedNode(DCTERMS + "source"), _source_iri(base, located.value), located)


def _labels(emit: _Emitter, node: NamedNode, item: Organisation | Consortium) -> None:
    emit.text(node, NamedNode(RDFS + "label"), item.name)
    emit.text(node, NamedNode(SCHEMA + "name"), item.name)
    emit.text(node, ckg("acronym"), item.acronym)
    for alias in item.aliases:
        emit.add(node, NamedNode(SKOS + "altLabel"), Literal(alias.value), alias)
    emit.iri(node, NamedNode(SCHEMA + "url"), item.homepage)
    emit.iri(node, NamedNode(SKOS + "exactMatch"), item.ror)
    wikidata = item.wikidata
    if wikidata is not None:
        target = NamedNode("http://www.wikidata.org/entity/" + wikidata.value)
        emit.add(node, NamedNode(SKOS + "exactMatch"), target, wikidata)
    for note in item.notes:
        emit.add(node, NamedNode(SKOS + "note"), Literal(note.value), note)


def _source(emit: _Emitter, record: Record, item: Source, base: str) -> None:
    s = NamedNode(iris.source_iri(base, record.slug))
    emit.node(s, item, NamedNode(PROV + "Entity"), ckg("SourceDocument"))
    emit.text(s, NamedNode(DCTERMS + "title"), item.title)
    emit.text(s, NamedNode(RDFS + "label"), item.title)
    emit.term(s, ckg("sourceKind"), item.kind, "source")
    emit.text(s, NamedNode(DCTERMS + "publisher"), item.publisher)
    emit.iri(s, NamedNode(SCHEMA + "url"), item.url)
    emit.date(s, NamedNode(DCTERMS + "modified"), item.date)
    emit.iri(s, NamedNode(DCTERMS + "license"), item.licence)
    emit.text(s, ckg("localCopy"), item.copy)
    emit.text(s, ckg("sha256"), item.sha256)
    emit.text(s, NamedNode(DCTERMS + "description"), item.description)


_RELATIONSHIPS = {
    "parent": "parentOrganisation",
    "child": "childOrganisation",
    "related": "relatedOrganisation",
    "successor": "successor",
    "predecessor": "predecessor",
}


_NAME_PROPERTY = {
    "ror_display": NamedNode(SKOS + "prefLabel"),
    "label": NamedNode(SKOS + "prefLabel"),
    "alias": NamedNode(SKOS + "altLabel"),
    "acronym": NamedNode(CKG + "acronym"),
}


def _organisation(emit: _Emitter, record: Record, item: Organisation, base: str) -> None:
    o = NamedNode(iris.organisation_iri(base, record.slug))
    emit.node(o, item, NamedNode(ORG + "FormalOrganization"), NamedNode(SCHEMA + "Organization"))
    _labels(emit, o, item)
    for label in item.labels:
        value, lang = _value(label.value), _value(label.lang)
        if value is None:
            continue
        literal = Literal(value, language=lang) if lang else Literal(value)
        kinds = {k.value for k in label.types} or {"label"}
        for kind in sorted(kinds):
            emit.add(o, _NAME_PROPERTY[kind], literal, label)
    for domain in item.domains:
        emit.add(o, ckg("domain"), Literal(domain.value), domain)
    for org_type in item.types:
        emit.add(o, ckg("organisationType"), ckg(f"orgtype-{org_type.value}"), org_type)
    emit.term(o, ckg("status"), item.status, "status")
    established = item.established
    if established is not None:
        emit.add(
            o, NamedNode(SCHEMA + "foundingDate"), year_literal(established.value), established
        )
    for link in item.links:
        emit.add(o, NamedNode(RDFS + "seeAlso"), _iri(link.value), link)
    for ident in item.identifiers:
        emit.add(
            o,
            NamedNode(DCTERMS + "identifier"),
            Literal(f"{_value(ident.scheme)}:{_value(ident.value)}"),
            ident.value,
        )
    for index, location in enumerate(item.locations, start=1):
        place = NamedNode(iris.location_iri(o.value, index))
        emit.add(o, NamedNode(SCHEMA + "location"), place, location)
        emit.node(place, location, NamedNode(SCHEMA + "Place"))
        emit.text(place, NamedNode(SCHEMA + "addressLocality"), location.city)
        emit.text(place, NamedNode(SCHEMA + "addressRegion"), location.region)
        emit.text(place, NamedNode(SCHEMA + "addressCountry"), location.country_code)
        emit.text(place, NamedNode(SCHEMA + "name"), location.country)
        geonames = location.geonames_id
        if geonames is not None:
            emit.add(place, ckg("geonamesId"), Literal(str(geonames.value)), geonames)
            emit.add(
                place,
                NamedNode(RDFS + "seeAlso"),
                NamedNode(f"https://sws.geonames.org/{geonames.value}/"),
                geonames,
            )
    for rel in item.relationships:
        rel_type = _value(rel.type)
        target_slug, ror = rel.organisation, rel.ror
        if rel_type is None:
            continue
        if target_slug is not None:
            target = NamedNode(iris.organisation_iri(base, target_slug.value))
            emit.add(o, ckg(_RELATIONSHIPS[rel_type]), target, target_slug)
        elif ror is not None:
            emit.add(o, ckg(_RELATIONSHIPS[rel_type]), NamedNode(ror.value), ror)
    _implementations(emit, o, item, base, default_consortium=None)


def _first_of_each(
    items: Iterable[ItemT], identity: Callable[[ItemT], Located[str] | None]
) -> list[ItemT]:
    """Skip repeated ids: the record format reports them, and one IRI cannot be two items."""
    seen: set[str | None] = set()
    kept = []
    for it in items:
        key = _value(identity(it))
        if key is None or key not in seen:
            kept.append(it)
            seen.add(key)
    return kept


def _implementations(
    emit: _Emitter,
    owner: NamedNode,
    item: Organisation | Consortium,
    base: str,
    default_consortium: str | None,
) -> None:
    for impl in _first_of_each(item.implementations, lambda it: it.id):
        slug = _value(impl.id)
        if slug is None:
            continue
        node = NamedNode(iris.implementation_iri(owner.value, slug))
        emit.add(owner, ckg("runsImplementation"), node, impl)
        emit.node(node, impl, ckg("StandardImplementation"))
        emit.text(node, NamedNode(RDFS + "label"), impl.name)
        emit.text(node, NamedNode(DCTERMS + "description"), impl.description)
        consortium = impl.consortium
        if consortium is not None:
            target = NamedNode(iris.consortium_iri(base, consortium.value))
            emit.add(node, ckg("standardOf"), target, consortium)
        elif default_consortium is not None:
            emit.add(node, ckg("standardOf"), NamedNode(default_consortium), impl)
        emit.text(node, ckg("standard"), impl.standard)
        emit.text(node, ckg("standardVersion"), impl.standard_version)
        emit.term(node, ckg("implementationCategory"), impl.category, "impl")
        emit.iri(node, NamedNode(SCHEMA + "url"), impl.url)
        emit.iri(node, NamedNode(SCHEMA + "documentation"), impl.documentation)
        emit.text(node, NamedNode(SCHEMA + "softwareVersion"), impl.software_version)
        emit.text(node, ckg("environment"), impl.environment)
        emit.text(node, ckg("curiePrefix"), impl.curie_prefix)
        emit.date(node, NamedNode(DCTERMS + "created"), impl.created)
        emit.date(node, NamedNode(DCTERMS + "modified"), impl.updated)
        standard = impl.standard
        owner_iri = (
            iris.consortium_iri(base, consortium.value)
            if consortium is not None
            else default_consortium
        )
        if standard is not None and owner_iri is not None and _is_segment(standard.value):
            target = NamedNode(iris.standard_iri(owner_iri, standard.value))
            emit.add(node, ckg("implementsStandard"), target, standard)
        _item_source(emit, node, impl.source, base)


def _consortium(emit: _Emitter, record: Record, item: Consortium, base: str) -> None:
    c = NamedNode(iris.consortium_iri(base, record.slug))
    emit.node(c, item, ckg("Consortium"))
    _labels(emit, c, item)
    emit.term(c, ckg("status"), item.status, "status")
    launched = item.year_launched
    if launched is not None:
        emit.add(c, NamedNode(SCHEMA + "foundingDate"), year_literal(launched.value), launched)
    ended = item.year_ended
    if ended is not None:
        emit.add(c, ckg("yearEnded"), year_literal(ended.value), ended)
    emit.term(c, ckg("initiatorType"), item.initiator_type, "initiator")
    founder = item.initiating_organisation
    if founder is not None:
        target = NamedNode(iris.organisation_iri(base, founder.value))
        emit.add(c, NamedNode(SCHEMA + "founder"), target, founder)
    participants = item.participating_organisations
    if participants is not None:
        node = NamedNode(iris.participant_count_iri(c.value))
        emit.add(c, ckg("participantCount"), node, participants)
        emit.node(node, participants, NamedNode(SCHEMA + "QuantitativeValue"))
        emit.count(node, NamedNode(SCHEMA + "value"), participants.count)
        emit.date(node, NamedNode(DCTERMS + "date"), participants.as_of)
        _item_source(emit, node, participants.source, base)
    _disease_focus(emit, c, item, base)
    emit.term(c, ckg("geographicScope"), item.scope, "scope")
    emit.text(c, NamedNode(SCHEMA + "location"), item.location)
    emit.text(c, NamedNode(DCTERMS + "description"), item.description)
    emit.text(c, NamedNode(ORG + "purpose"), item.mission)
    for index, activity in enumerate(item.activities, start=1):
        node = NamedNode(iris.activity_iri(c.value, index))
        emit.add(c, ckg("activity"), node, activity)
        emit.node(node, activity, ckg("MissionActivity"))
        emit.text(node, NamedNode(RDFS + "label"), activity.name)
        emit.text(node, NamedNode(DCTERMS + "description"), activity.description)
        emit.add(node, NamedNode(SCHEMA + "position"), Literal(str(index), datatype=_XSD_INT))
    emit.text(c, ckg("history"), item.history)
    for index, event in enumerate(item.events, start=1):
        node = NamedNode(iris.event_iri(c.value, index))
        emit.add(c, ckg("event"), node, event)
        emit.node(node, event, ckg("HistoryEvent"))
        emit.date(node, NamedNode(DCTERMS + "date"), event.date)
        emit.text(node, NamedNode(DCTERMS + "description"), event.description)
        _item_source(emit, node, event.source, base)
    emit.text(c, ckg("governance"), item.governance)
    emit.term(c, ckg("legalStatus"), item.legal_status, "legal")
    for kind in item.funding:
        emit.add(c, ckg("fundingKind"), ckg(f"funding-{kind.value}"), kind)
    emit.text(c, ckg("patientEngagement"), item.patient_engagement)
    emit.text(c, ckg("dataSharing"), item.data_sharing)
    units = _governance_units(emit, c, item, base)
    _posts(emit, c, item, units, base)
    for host in item.host_institutions:
        org_slug = host.organisation
        if org_slug is None:
            continue
        target = NamedNode(iris.organisation_iri(base, org_slug.value))
        emit.add(c, ckg("hostInstitution"), target, org_slug)
        emit.add(target, _A, ckg("HostInstitution"), org_slug)
    _members(emit, c, item, base)
    _contacts(emit, c, item, base)
    _standards(emit, c, item, units, base)
    _implementations(emit, c, item, base, default_consortium=c.value)
    last = item.last_updated
    emit.date(c, ckg("lastUpdated"), last)


def _is_segment(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", text))


def _standards(
    emit: _Emitter, c: NamedNode, item: Consortium, units: dict[str, NamedNode], base: str
) -> None:
    """A consortium's standards, each developed by one of its working groups, with versions."""
    for standard in _first_of_each(item.standards, lambda it: it.id):
        slug = _value(standard.id)
        if slug is None:
            continue
        node = NamedNode(iris.standard_iri(c.value, slug))
        emit.add(c, ckg("publishesStandard"), node, standard)
        emit.node(node, standard, ckg("Standard"))
        emit.add(node, ckg("standardOf"), c, standard)
        emit.text(node, NamedNode(RDFS + "label"), standard.name)
        emit.text(node, ckg("acronym"), standard.acronym)
        emit.term(node, ckg("standardCategory"), standard.category, "category")
        emit.term(node, ckg("releaseStatus"), standard.status, "release")
        emit.text(node, NamedNode(DCTERMS + "abstract"), standard.summary)
        emit.text(node, NamedNode(DCTERMS + "description"), standard.description)
        emit.iri(node, NamedNode(SCHEMA + "documentation"), standard.documentation)
        emit.text(node, ckg("artifact"), standard.artifact)
        group = standard.working_group
        if group is not None:
            if group.value in units:
                emit.add(node, ckg("developedBy"), units[group.value], group)
            else:
                emit.out.problems.append(
                    Problem(
                        emit.record.file, group.line, group.key,
                        f'"{group.value}" is not a working group of this consortium',
                        why="a standard is developed by a working group listed in the same record",
                        fix="use the id of one of its working_groups", shape="record format",
                    )
                )  # fmt: skip
        for version in _first_of_each(standard.versions, lambda it: it.id):
            vslug = _value(version.id)
            if vslug is None:
                continue
            vnode = NamedNode(iris.standard_version_iri(node.value, vslug))
            emit.add(node, ckg("hasVersion"), vnode, version)
            emit.node(vnode, version, ckg("StandardVersion"))
            emit.add(vnode, ckg("versionOf"), node, version)
            emit.text(vnode, NamedNode(SCHEMA + "version"), version.version)
            emit.term(vnode, ckg("releaseStatus"), version.status, "release")
            emit.iri(vnode, NamedNode(SCHEMA + "documentation"), version.documentation)
        _item_source(emit, node, standard.source, base)


def _disease_focus(emit: _Emitter, c: NamedNode, item: Consortium, base: str) -> None:
    focus = item.disease_focus
    if isinstance(focus, Located):  # the word `none`
        emit.add(c, ckg("diseaseFocus"), ckg("NoDiseaseFocus"), focus)
        return
    for disease in focus:
        node = NamedNode(iris.disease_iri(base, disease.value))
        emit.add(c, ckg("diseaseFocus"), node, disease)
        if not emit.once(node.value):
            continue
        emit.add(node, _A, NamedNode(SKOS + "Concept"), disease)
        emit.add(node, NamedNode(SKOS + "prefLabel"), Literal(disease.value), disease)
        emit.add(node, NamedNode(SKOS + "inScheme"), ckg("DiseaseFocusScheme"), disease)


def _governance_units(
    emit: _Emitter, c: NamedNode, item: Consortium, base: str
) -> dict[str, NamedNode]:
    """Emit the steering committee, working groups and committees; return them by id."""
    units: dict[str, NamedNode] = {}
    unit_of, has_unit = NamedNode(ORG + "unitOf"), NamedNode(ORG + "hasUnit")

    def unit(
        node: NamedNode, it: SteeringCommittee | WorkingGroup | Committee, rdf_type: NamedNode
    ) -> None:
        emit.add(c, has_unit, node, it)
        emit.node(node, it, rdf_type, NamedNode(ORG + "OrganizationalUnit"))
        emit.add(node, unit_of, c, it)
        emit.text(node, NamedNode(RDFS + "label"), it.name)
        if not isinstance(it, SteeringCommittee):  # a steering committee has no acronym
            emit.text(node, ckg("acronym"), it.acronym)
        emit.text(node, NamedNode(DCTERMS + "description"), it.description)
        emit.count(node, ckg("memberCount"), it.member_count)
        _item_source(emit, node, it.source, base)

    steering = item.steering_committee
    if steering is not None:
        node = NamedNode(iris.steering_committee_iri(c.value))
        unit(node, steering, ckg("SteeringCommittee"))
        emit.text(node, ckg("selection"), steering.selection)
        units["steering-committee"] = node
    for group in _first_of_each(item.working_groups, lambda it: it.id):
        slug = _value(group.id)
        if slug is not None:
            node = NamedNode(iris.working_group_iri(c.value, slug))
            unit(node, group, ckg("WorkingGroup"))
            registry_id = group.registry_id
            if registry_id is not None:
                emit.add(
                    node, NamedNode(DCTERMS + "identifier"),
                    Literal(f"ga4gh-registry:{registry_id.value}"), registry_id,
                )  # fmt: skip
            units.setdefault(slug, node)
    for committee in _first_of_each(item.committees, lambda it: it.id):
        slug = _value(committee.id)
        if slug is not None:
            node = NamedNode(iris.committee_iri(c.value, slug))
            unit(node, committee, ckg("Committee"))
            emit.term(node, ckg("committeeKind"), committee.kind, "committee")
            units.setdefault(slug, node)
    return units


def _posts(
    emit: _Emitter, c: NamedNode, item: Consortium, units: dict[str, NamedNode], base: str
) -> None:
    for post in _first_of_each(item.posts, lambda it: it.id):
        slug = _value(post.id)
        if slug is None:
            continue
        node = NamedNode(iris.post_iri(c.value, slug))
        emit.node(node, post, NamedNode(ORG + "Post"))
        emit.text(node, NamedNode(RDFS + "label"), post.title)
        emit.text(node, NamedNode(DCTERMS + "description"), post.description)
        for ref, predicate in (
            (post.unit, ORG + "postIn"),
            (post.appointed_by, CKG + "appointedBy"),
        ):
            if ref is None:
                if predicate == ORG + "postIn":  # a post without a unit is in the consortium
                    emit.add(node, NamedNode(predicate), c, post)
                continue
            if ref.value not in units:
                emit.out.problems.append(
                    Problem(
                        emit.record.file, ref.line, ref.key,
                        f'"{ref.value}" is not a unit of this consortium',
                        why="a post belongs to the steering committee, a working group or a "
                        "committee listed in the same record",
                        fix="use steering-committee or the id of one of its working_groups or "
                        "committees" + (f" ({', '.join(sorted(units))})" if units else ""),
                        shape="record format",
                    )
                )  # fmt: skip
                continue
            emit.add(node, NamedNode(predicate), units[ref.value], ref)
        holder = post.holder
        if holder is not None and _value(holder.public) is True:
            person = NamedNode(iris.post_holder_iri(node.value))
            emit.add(node, NamedNode(ORG + "heldBy"), person, holder)
            emit.node(person, holder, NamedNode(FOAF + "Person"))
            emit.text(person, NamedNode(FOAF + "name"), holder.name)
        _item_source(emit, node, post.source, base)


def _members(emit: _Emitter, c: NamedNode, item: Consortium, base: str) -> None:
    """A membership is its own node (ORG), dated with schema:startDate/endDate.

    ORG's memberDuring would add an OWL-Time interval and instants: five more nodes' worth of
    triples per membership, which at CORDIS scale is most of the graph, for no fact more.
    """
    for member in _first_of_each(item.members, lambda m: m.organisation):
        org_slug = member.organisation
        if org_slug is None:
            continue
        o = NamedNode(iris.organisation_iri(base, org_slug.value))
        m = NamedNode(iris.membership_iri(c.value, org_slug.value))
        emit.add(c, _HAS_MEMBER, o, org_slug)
        emit.add(o, _MEMBER_OF, c, org_slug)
        emit.add(o, _A, _MEMBER_ORGANISATION, org_slug)
        emit.node(m, member, _MEMBERSHIP)
        emit.add(m, _MEMBER, o, org_slug)
        emit.add(m, _ORGANIZATION, c, member)
        role = member.role
        if role is not None:
            r = NamedNode(iris.role_iri(base, role.value))
            emit.add(m, _ROLE, r, role)
            if emit.once(r.value):
                emit.add(r, _A, _CONCEPT, role)
                emit.add(r, _PREF_LABEL, Literal(role.value), role)
                emit.add(r, _IN_SCHEME, _ROLE_SCHEME, role)
        emit.date(m, _START_DATE, member.start)
        emit.date(m, _END_DATE, member.end)
        _item_source(emit, m, member.source, base)


_HAS_MEMBER = NamedNode(ORG + "hasMember")
_MEMBER_OF = NamedNode(ORG + "memberOf")
_MEMBER_ORGANISATION = NamedNode(CKG + "MemberOrganization")
_MEMBERSHIP = NamedNode(ORG + "Membership")
_MEMBER = NamedNode(ORG + "member")
_ORGANIZATION = NamedNode(ORG + "organization")
_ROLE = NamedNode(ORG + "role")
_CONCEPT = NamedNode(SKOS + "Concept")
_PREF_LABEL = NamedNode(SKOS + "prefLabel")
_IN_SCHEME = NamedNode(SKOS + "inScheme")
_ROLE_SCHEME = NamedNode(CKG + "RoleScheme")
_START_DATE = NamedNode(SCHEMA + "startDate")
_END_DATE = NamedNode(SCHEMA + "endDate")

_CONTACT_PROPERTY = {"phone": "telephone", "email": "email", "fax": "faxNumber", "web": "url"}


def _contacts(emit: _Emitter, c: NamedNode, item: Consortium, base: str) -> None:
    for index, contact in enumerate(item.contacts, start=1):
        is_person = _value(contact.person) is True
        public = _value(contact.public)
        if is_person and public is not True:
            continue  # personal data never reaches a dump unless the record marks it public
        kind, value = _value(contact.kind), contact.value
        if kind is None or value is None:
            continue
        node = NamedNode(iris.contact_iri(c.value, index))
        emit.add(c, NamedNode(SCHEMA + "contactPoint"), node, contact)
        emit.node(node, contact, NamedNode(SCHEMA + "ContactPoint"))
        obj = _iri(value.value) if kind == "web" else Literal(value.value)
        emit.add(node, NamedNode(SCHEMA + _CONTACT_PROPERTY[kind]), obj, value)
        emit.text(node, NamedNode(SCHEMA + "contactType"), contact.label)
        _item_source(emit, node, contact.source, base)
    address = item.address
    if address is not None:
        node = NamedNode(iris.address_iri(c.value))
        emit.add(c, NamedNode(SCHEMA + "address"), node, address)
        emit.node(node, address, NamedNode(SCHEMA + "PostalAddress"))
        emit.text(node, NamedNode(SCHEMA + "name"), address.name)
        street = address.street
        if street:
            lines = "\n".join(str(line.value) for line in street)
            emit.add(node, NamedNode(SCHEMA + "streetAddress"), Literal(lines), street[0])
        for located, prop in (
            (address.locality, "addressLocality"),
            (address.region, "addressRegion"),
            (address.postal_code, "postalCode"),
            (address.country, "addressCountry"),
        ):
            emit.text(node, NamedNode(SCHEMA + prop), located)
        _item_source(emit, node, address.source, base)
