"""Records → RDF: one named graph per record, with provenance.

``build_graph`` builds every record; ``build_record`` one (the streamed build calls it in worker
processes). A source and an organisation are built here, a consortium in ``consortium``; what
they share is in ``emit``, the way back from a node to its record in ``index``. ``build`` never
validates; it only reports what it cannot build (a post in a unit the record does not have).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Quad, Triple

from consortia_kg import iris
from consortia_kg.build.consortium import build_consortium
from consortia_kg.build.emit import (
    Emitter,
    ckg,
    emit_implementations,
    emit_labels,
    iri_node,
    source_node,
    value_of,
    year_literal,
)
from consortia_kg.build.index import RecordIndex, Where
from consortia_kg.errors import Problem
from consortia_kg.records.load import RecordSet
from consortia_kg.records.model import (
    Label,
    Organisation,
    Record,
    Source,
)
from consortia_kg.vocab import (
    CKG,
    DCTERMS,
    ORG,
    PROV,
    RDFS,
    SCHEMA,
    SKOS,
)

__all__ = ["BuiltGraph", "RecordIndex", "Where", "build_graph", "build_record"]


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
    emit = Emitter(out, record, graph, index)
    _provenance(emit, record, base)
    item = record.item
    if isinstance(item, Source):
        _source(emit, record, item, base)
    elif isinstance(item, Organisation):
        _organisation(emit, record, item, base)
    else:
        build_consortium(emit, record, item, base)


def _provenance(emit: Emitter, record: Record, base: str) -> None:
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
        emit.add(g, NamedNode(PROV + "wasDerivedFrom"), source_node(base, source.value), source)
    if record.kind == "source":  # a source's record is derived from the document it describes
        emit.add(g, NamedNode(PROV + "wasDerivedFrom"), source_node(base, record.slug), record.item)


def _source(emit: Emitter, record: Record, item: Source, base: str) -> None:
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


_PREF_LABEL, _ALT_LABEL = NamedNode(SKOS + "prefLabel"), NamedNode(SKOS + "altLabel")


def _name_properties(labels: tuple[Label, ...]) -> list[tuple[NamedNode, Literal, Label]]:
    """Each name of ``labels`` as the triples it makes: one ``skos:prefLabel`` per language.

    SKOS allows one preferred label per language tag (integrity condition S14) and none that is
    also an alternative label (S13). ROR gives several ``label`` names in one language (24 of
    the 477 sample records), so: the ``ror_display`` name is the preferred label of its language
    (or of no language); in every other language the first ``label`` is, and every other
    ``label`` and ``alias`` is an ``skos:altLabel``. An ``acronym`` is ``ckg:acronym`` too.
    No language counts as one more language here.
    """
    named: list[tuple[Label, Literal, set[str]]] = []
    for label in labels:
        value, lang = value_of(label.value), value_of(label.lang)
        if value is not None:
            literal = Literal(value, language=lang) if lang else Literal(value)
            named.append((label, literal, {k.value for k in label.types} or {"label"}))
    preferred: dict[str | None, Literal] = {}
    for kind in ("ror_display", "label"):  # the display name first, then ROR's order
        for _, literal, kinds in named:
            if kind in kinds:
                preferred.setdefault(literal.language, literal)
    out: list[tuple[NamedNode, Literal, Label]] = []
    for label, literal, kinds in named:
        if preferred.get(literal.language) == literal:
            out.append((_PREF_LABEL, literal, label))
        elif kinds & {"ror_display", "label", "alias"}:
            out.append((_ALT_LABEL, literal, label))
        if "acronym" in kinds:
            out.append((NamedNode(CKG + "acronym"), literal, label))
    return out


def _organisation(emit: Emitter, record: Record, item: Organisation, base: str) -> None:
    o = NamedNode(iris.organisation_iri(base, record.slug))
    emit.node(o, item, NamedNode(ORG + "FormalOrganization"), NamedNode(SCHEMA + "Organization"))
    emit_labels(emit, o, item)
    for predicate, literal, label in _name_properties(item.labels):
        emit.add(o, predicate, literal, label)
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
        emit.add(o, NamedNode(RDFS + "seeAlso"), iri_node(link.value), link)
    for ident in item.identifiers:
        emit.add(
            o,
            NamedNode(DCTERMS + "identifier"),
            Literal(f"{value_of(ident.scheme)}:{value_of(ident.value)}"),
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
        rel_type = value_of(rel.type)
        target_slug, ror = rel.organisation, rel.ror
        if rel_type is None:
            continue
        if target_slug is not None:
            target = NamedNode(iris.organisation_iri(base, target_slug.value))
            emit.add(o, ckg(_RELATIONSHIPS[rel_type]), target, target_slug)
        elif ror is not None:
            emit.add(o, ckg(_RELATIONSHIPS[rel_type]), NamedNode(ror.value), ror)
    emit_implementations(emit, o, item, base, default_consortium=None)
