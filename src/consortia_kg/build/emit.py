"""The emitter every record builder writes through: typed values in, quads (and locations) out.

Also the pieces the record builders share: literals for dates and years, a record's labels and
identifiers, an item's source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from pyoxigraph import Literal, NamedNode, Quad

from consortia_kg import iris
from consortia_kg.build.index import RecordIndex, Where
from consortia_kg.records.fieldtypes import DateValue
from consortia_kg.records.model import (
    Consortium,
    Item,
    Located,
    Organisation,
    Record,
)
from consortia_kg.vocab import (
    CKG,
    DCTERMS,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    XSD,
)

if TYPE_CHECKING:  # the graph module builds through the emitter: a type, not an import
    from consortia_kg.build.graph import BuiltGraph

__all__ = [
    "RDF_TYPE",
    "XSD_INTEGER",
    "Emitter",
    "ckg",
    "date_literal",
    "emit_implementations",
    "emit_item_source",
    "emit_labels",
    "first_of_each",
    "iri_node",
    "is_segment",
    "source_node",
    "value_of",
    "year_literal",
]


XSD_INTEGER = NamedNode(XSD + "integer")
RDF_TYPE = NamedNode(RDF + "type")


def iri_node(value: str) -> NamedNode:
    """Return the IRI written in a record as a node."""
    return NamedNode(value)


V = TypeVar("V")
ItemT = TypeVar("ItemT", bound=Item)


def value_of(located: Located[V] | None) -> V | None:
    """Return the plain value of a field, or None when absent."""
    return None if located is None else located.value


def ckg(name: str) -> NamedNode:
    """Return a term of our ontology."""
    return NamedNode(CKG + name)


class Emitter:
    """Adds quads for one record; with an index, also remembers where each came from."""

    def __init__(
        self, out: BuiltGraph, record: Record, graph: NamedNode, index: RecordIndex | None
    ) -> None:
        self.out, self.record, self.graph, self.index = out, record, graph, index
        self.quads = out.quads
        self.emitted_once: set[str] = set()

    def where(self, located: Located[object] | Item | None) -> Where:
        """Return where a value stands in the record (file, line, key)."""
        if located is None:
            return Where(self.record.file, 1, "")
        value = located.value if isinstance(located, Located) else ""
        return Where(self.record.file, located.line, located.key, str(value))

    def node(
        self, subject: NamedNode, at: Located[object] | Item | None, *types: NamedNode
    ) -> None:
        """Type a node, remembering where in the record it comes from."""
        if self.index is not None:
            self.index.nodes.setdefault(subject.value, self.where(at))
        for rdf_type in types:
            self.add(subject, RDF_TYPE, rdf_type, at)

    def add(
        self,
        s: NamedNode,
        p: NamedNode,
        o: NamedNode | Literal,
        at: Located[object] | Item | None = None,
    ) -> None:
        """Add one triple to the record's graph (and to its index, when indexing)."""
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
        """Add a plain literal, when the record has the value."""
        if located is not None:
            self.add(s, p, Literal(located.value), located)

    def iri(self, s: NamedNode, p: NamedNode, located: Located[str] | None) -> None:
        """Add an IRI the record names, when it has one."""
        if located is not None:
            self.add(s, p, iri_node(located.value), located)

    def date(self, s: NamedNode, p: NamedNode, located: Located[DateValue] | None) -> None:
        """Add a date (xsd:date, gYearMonth or gYear by its precision)."""
        if located is not None:
            self.add(s, p, date_literal(located.value), located)

    def count(self, s: NamedNode, p: NamedNode, located: Located[int] | None) -> None:
        """Add a non-negative count as xsd:integer."""
        if located is not None:
            self.add(s, p, Literal(str(located.value), datatype=XSD_INTEGER), located)

    def term(self, s: NamedNode, p: NamedNode, located: Located[str] | None, prefix: str) -> None:
        """Add a term of one of our vocabularies (``ckg:<prefix>-<value>``)."""
        if located is not None:
            self.add(s, p, ckg(f"{prefix}-{located.value}"), located)


def date_literal(value: DateValue) -> Literal:
    """Type a date at the precision it was written."""
    return Literal(value.lexical, datatype=NamedNode(XSD + value.xsd_type))


def year_literal(year: int) -> Literal:
    """Type a year as ``xsd:gYear``."""
    return Literal(f"{year:04d}", datatype=NamedNode(XSD + "gYear"))


def source_node(base: str, slug: str) -> NamedNode:
    """Return the node of a source record."""
    return NamedNode(iris.source_iri(base, slug))


def emit_item_source(
    emit: Emitter, node: NamedNode, located: Located[str] | None, base: str
) -> None:
    """Say which source an item comes from (``dcterms:source``)."""
    if located is not None:
        emit.add(node, NamedNode(DCTERMS + "source"), source_node(base, located.value), located)


def emit_labels(emit: Emitter, node: NamedNode, item: Organisation | Consortium) -> None:
    """Add what names and identifies an organisation or a consortium."""
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


def first_of_each(
    items: Iterable[ItemT], identity: Callable[[ItemT], Located[str] | None]
) -> list[ItemT]:
    """Skip repeated ids: the record format reports them, and one IRI cannot be two items."""
    seen: set[str | None] = set()
    kept = []
    for it in items:
        key = value_of(identity(it))
        if key is None or key not in seen:
            kept.append(it)
            seen.add(key)
    return kept


def is_segment(text: str) -> bool:
    """Return True when ``text`` can stand as one segment of an IRI path."""
    return bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", text))


def emit_implementations(
    emit: Emitter,
    owner: NamedNode,
    item: Organisation | Consortium,
    base: str,
    default_consortium: str | None,
) -> None:
    """Add the implementations of standards an organisation or a consortium runs."""
    for impl in first_of_each(item.implementations, lambda it: it.id):
        slug = value_of(impl.id)
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
        if standard is not None and owner_iri is not None and is_segment(standard.value):
            target = NamedNode(iris.standard_iri(owner_iri, standard.value))
            emit.add(node, ckg("implementsStandard"), target, standard)
        emit_item_source(emit, node, impl.source, base)
