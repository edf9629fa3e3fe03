"""From triples to what a page shows: facts with readable names, links only to http(s) IRIs.

Every value is handed to the templates as data (text, an href or none); the templates escape
every text (Jinja's autoescape), and an href is made only for an http(s) IRI, so nothing from
the data can become markup or a ``javascript:`` link.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from consortia_kg.iris import parse_record_graph
from consortia_kg.vocab import CKG, DCTERMS, FOAF, ORG, PREFIXES, PROV, RDF, RDFS, SCHEMA, SKOS, XSD

from .index import LABEL_PREDICATES, EntityIndex

__all__ = ["INCOMING_CAP", "Doc", "Linker", "Value", "schema_org", "solutions_table"]

_HTTP = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)


@dataclass(frozen=True)
class Value:
    """One value as a page shows it: its text, a link (or none) and a small note."""

    text: str
    href: str | None = None
    note: str = ""
    #: the full IRI, shown as a tooltip
    iri: str = ""
    long: bool = False


class Linker:
    """Turns IRIs into links: things under the base to this server, others as they are."""

    def __init__(
        self, base: str, prefix: str, index: EntityIndex, term_labels: dict[str, str]
    ) -> None:
        self.base, self.prefix, self.index, self.term_labels = base, prefix, index, term_labels
        self._curies = sorted(
            [(p, ns) for p, ns in PREFIXES.items()] + [("kg", base)], key=lambda kv: -len(kv[1])
        )

    def local(self, iri: str) -> str | None:
        """Return this server's path for an IRI under the base (or an ontology/shapes term)."""
        if iri.startswith(self.base):
            return self.prefix + iri[len(self.base) :]
        for namespace, page in ((CKG, "ontology"), (_SHAPES, "shapes")):
            if iri.startswith(namespace):
                return f"{self.prefix}{page}#{iri[len(namespace) :]}"
        if iri in (CKG.rstrip("#"), _SHAPES.rstrip("#")):
            return self.prefix + iri.rsplit("/", 1)[-1]
        return None

    def curie(self, iri: str) -> str:
        """Return ``prefix:local`` when a known namespace fits, else the IRI."""
        for prefix, namespace in self._curies:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return iri

    def name(self, iri: str) -> str:
        """Return a readable name for an IRI: its label if known, else a CURIE."""
        label = self.index.label(iri) or self.term_labels.get(iri)
        return label if label else self.curie(iri)

    def iri_value(self, iri: str, label: str | None = None) -> Value:
        """Return an IRI as a link: to this server for our things, else the IRI if http(s)."""
        href = self.local(iri)
        if href is None and _HTTP.match(iri):
            href = iri
        text = label or self.index.label(iri) or self.term_labels.get(iri)
        if text is None:
            text = self.curie(iri)
        return Value(text, href, iri=iri)

    def term(self, term: Any, labels: dict[str, str] | None = None) -> Value:
        """Return any RDF term as a value."""
        if isinstance(term, ox.NamedNode):
            return self.iri_value(term.value, (labels or {}).get(term.value))
        if isinstance(term, ox.Literal):
            note = ""
            if term.language:
                note = term.language
            elif term.datatype.value not in (XSD + "string", XSD + "integer"):
                note = self.curie(term.datatype.value)
            return Value(term.value, note=note, long=len(term.value) > 140 or "\n" in term.value)
        return Value(str(term))

    def predicate(self, iri: str) -> Value:
        """Return a predicate with its ontology label when it has one."""
        label = self.term_labels.get(iri)
        return Value(label or self.curie(iri), self.local(iri) or iri, iri=iri)


_SHAPES = "https://w3id.org/consortia-kg/shapes#"

#: The order facts are listed in: these first, the rest by name.
_ORDER = [
    RDF + "type",
    RDFS + "label",
    SCHEMA + "name",
    SKOS + "prefLabel",
    DCTERMS + "title",
    CKG + "acronym",
    SKOS + "altLabel",
    CKG + "status",
    DCTERMS + "description",
    DCTERMS + "abstract",
    ORG + "purpose",
    SCHEMA + "foundingDate",
    CKG + "yearEnded",
    DCTERMS + "date",
    SCHEMA + "startDate",
    SCHEMA + "endDate",
    SCHEMA + "url",
]


@dataclass
class Fact:
    """A predicate and its values on one subject."""

    predicate: Value
    values: list[Value]


@dataclass
class Part:
    """A node minted under the page's thing (a working group, a membership, ...)."""

    iri: str
    anchor: str
    title: Value
    facts: list[Fact] = field(default_factory=list)


class Doc:
    """The triples of one document, indexed for the page that shows them."""

    def __init__(self, triples: Iterable[ox.Triple], linker: Linker) -> None:
        self.linker = linker
        self.triples = sorted(set(triples), key=str)
        self.out: dict[str, dict[str, list[Any]]] = {}
        self.into: dict[str, list[tuple[str, str]]] = {}
        for t in self.triples:
            subject = t.subject.value if isinstance(t.subject, ox.NamedNode) else str(t.subject)
            self.out.setdefault(subject, {}).setdefault(t.predicate.value, []).append(t.object)
            if isinstance(t.object, ox.NamedNode):
                self.into.setdefault(t.object.value, []).append((subject, t.predicate.value))
        self.labels = {
            s: sorted(str(v.value) for v in preds[p])[0]
            for s, preds in self.out.items()
            for p in reversed(LABEL_PREDICATES)
            if preds.get(p)
        }

    def values(self, subject: str, predicate: str) -> list[Any]:
        """Return the objects of (subject, predicate)."""
        return self.out.get(subject, {}).get(predicate, [])

    def text(self, subject: str, predicate: str) -> str | None:
        """Return one literal or IRI value as text (the smallest, for stability)."""
        values = self.values(subject, predicate)
        return sorted(str(v.value) for v in values)[0] if values else None

    def types(self, subject: str) -> list[str]:
        """Return the classes of a subject."""
        return [t.value for t in self.values(subject, RDF + "type")]

    def label(self, iri: str) -> str:
        """Return the best name of ``iri`` from the document or the index."""
        return self.labels.get(iri) or self.linker.name(iri)

    def facts(self, subject: str, skip: Iterable[str] = ()) -> list[Fact]:
        """Return every fact on ``subject`` (but ``skip``), in reading order."""
        skipped = set(skip)
        predicates = [p for p in self.out.get(subject, {}) if p not in skipped]
        rank = {p: i for i, p in enumerate(_ORDER)}
        predicates.sort(key=lambda p: (rank.get(p, len(rank)), self.linker.predicate(p).text))
        facts = []
        for predicate in predicates:
            values = sorted(self.out[subject][predicate], key=lambda v: str(v))
            facts.append(
                Fact(
                    self.linker.predicate(predicate),
                    [self.linker.term(v, self.labels) for v in values],
                )
            )
        return facts

    def parts(self, thing: str) -> list[str]:
        """Return the subjects minted under ``thing`` (its parts), sorted by position or name."""
        prefix = thing.rstrip("/") + "/"
        found = [s for s in self.out if s.startswith(prefix)]

        def key(iri: str) -> tuple[int, str, str]:
            position = self.text(iri, SCHEMA + "position")
            number = int(position) if position and position.isdigit() else 10**6
            return (number, self.text(iri, DCTERMS + "date") or "", self.label(iri).casefold())

        return sorted(found, key=key)

    def part(self, iri: str, thing: str, skip: Iterable[str] = ()) -> Part:
        """Return a part with its facts, anchored by its path under ``thing``."""
        anchor = iri[len(thing.rstrip("/")) + 1 :] if iri.startswith(thing) else iri
        title = self.linker.iri_value(iri, self.labels.get(iri) or anchor)
        return Part(iri, anchor.replace("/", "-"), title, self.facts(iri, skip))

    def incoming(self, thing: str, exclude_parts_of: str = "") -> list[tuple[Value, Value]]:
        """Return (subject, predicate) pairs pointing at ``thing`` from outside it."""
        rows = []
        for subject, predicate in sorted(self.into.get(thing, [])):
            if exclude_parts_of and subject.startswith(exclude_parts_of.rstrip("/") + "/"):
                continue
            rows.append(
                (
                    self.linker.iri_value(subject, self.labels.get(subject)),
                    self.linker.predicate(predicate),
                )
            )
        return rows


#: Most triples pointing at its thing a document holds (a registry snapshot is the source of
#: every one of its 170,000 things); an organisation in 981 H2020 projects is pointed at by
#: 1,962, so every organisation's document stays whole. The rest are a SPARQL query away.
INCOMING_CAP = 5_000


def document_query(iri: str, base: str, graph: str | None, describe_pointing: bool = True) -> str:
    """Return the CONSTRUCT that gathers a thing's document.

    The thing's own triples; the triples of the nodes minted under it (from its record's graph
    when it has one, and those it links to or that point at it: a registry consortium's
    memberships, a snapshot's files); the names and sources of the nodes of other sources linked
    to it (``skos:exactMatch``); the record graph's provenance; the triples pointing at
    it, with the whole description of the pointing nodes that are parts of another thing (a
    membership, an implementation), so that an organisation's page can show its roles and
    dates (only with ``describe_pointing``: a record's thing; a role or a snapshot is pointed
    at by tens of thousands of things, and its page names them). Pointing triples are capped at
    :data:`INCOMING_CAP`; ``dcterms:source`` (a source and every fact it gave) brings no
    description.
    """
    thing = str(ox.NamedNode(iri))
    under = str(ox.Literal(iri.rstrip("/") + "/"))
    base_literal = str(ox.Literal(base))
    source = str(ox.NamedNode(DCTERMS + "source"))
    exact, label = str(ox.NamedNode(SKOS + "exactMatch")), str(ox.NamedNode(RDFS + "label"))
    # the pointing triples, capped first: filtering all 170,000 of a snapshot's took 2 s
    pointing = f"{{ SELECT ?s ?q WHERE {{ ?s ?q {thing} }} LIMIT {INCOMING_CAP} }}"
    unions = [
        f"{{ VALUES ?s {{ {thing} }} ?s ?p ?o }}",
        f"{{ {pointing} BIND(?q AS ?p) BIND({thing} AS ?o) }}",
        # parts pointing at it from another graph (a registry consortium's memberships)
        f"{{ {pointing} FILTER(isIRI(?s) && STRSTARTS(STR(?s), {under})) ?s ?p ?o }}",
        # parts it links to (a snapshot's files, an organisation's locations)
        f"{{ {thing} ?q ?s . FILTER(isIRI(?s) && STRSTARTS(STR(?s), {under})) ?s ?p ?o }}",
    ]
    # the nodes of other sources linked to it (graph/links): their names and their sources
    unions.append(
        f"{{ {thing} {exact} ?s . FILTER(isIRI(?s) && STRSTARTS(STR(?s), {base_literal})) "
        f"VALUES ?p {{ {source} {label} }} ?s ?p ?o }}"
    )
    if describe_pointing:
        unions.append(f"""{{ {pointing}
    FILTER(?q != {source} && isIRI(?s) && STRSTARTS(STR(?s), {base_literal})
      && !STRSTARTS(STR(?s), {under}))
    FILTER(REGEX(SUBSTR(STR(?s), {len(base) + 1}), "^[^/]+/[^/]+/"))
    ?s ?p ?o }}""")
    if graph is not None:
        g = str(ox.NamedNode(graph))
        unions.append(f"{{ GRAPH {g} {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?s), {under})) }}")
        unions.append(f"{{ VALUES ?s {{ {g} }} GRAPH {g} {{ ?s ?p ?o }} }}")
    return "CONSTRUCT { ?s ?p ?o } WHERE {\n  " + "\n  UNION ".join(unions) + "\n}\n"


def void_document(iri: str, void: list[ox.Triple]) -> list[ox.Triple]:
    """Return what the VoID file says about ``iri``, its parts and what they point to."""
    by_subject: dict[str, list[ox.Triple]] = {}
    for t in void:
        if isinstance(t.subject, ox.NamedNode):
            by_subject.setdefault(t.subject.value, []).append(t)
    seen: set[str] = set()
    todo = [s for s in by_subject if s == iri or s.startswith(iri.rstrip("/") + "/")]
    out: list[ox.Triple] = []
    for _ in range(3):
        next_round: list[str] = []
        for subject in todo:
            if subject in seen:
                continue
            seen.add(subject)
            for t in by_subject.get(subject, []):
                out.append(t)
                if isinstance(t.object, ox.NamedNode) and t.object.value in by_subject:
                    next_round.append(t.object.value)
        todo = next_round
    return out


# --- schema.org JSON-LD embedded in pages ----------------------------------------------------

_SCHEMA_TYPES = {
    CKG + "Consortium": "Consortium",
    ORG + "FormalOrganization": "Organization",
    CKG + "SourceDocument": "CreativeWork",
    CKG + "WorkingGroup": "Organization",
    CKG + "Committee": "Organization",
    CKG + "SteeringCommittee": "Organization",
    CKG + "Standard": "CreativeWork",
    CKG + "StandardImplementation": "SoftwareApplication",
    FOAF + "Person": "Person",
    SCHEMA + "Place": "Place",
}


def schema_org(doc: Doc, iri: str, local_url: Callable[[str], str]) -> str:
    """Return the schema.org description of ``iri`` as JSON-LD safe to put in a <script>.

    Its context is inline (``@vocab``), so reading it never loads a remote context.
    """
    types = doc.types(iri)
    kind = next((_SCHEMA_TYPES[t] for t in types if t in _SCHEMA_TYPES), "Thing")
    node: dict[str, Any] = {
        "@context": {"@vocab": "https://schema.org/"},
        "@type": kind,
        "@id": iri,
        "name": doc.label(iri),
        "url": local_url(iri),
    }
    alternates = sorted(
        {str(v.value) for p in (CKG + "acronym", SKOS + "altLabel") for v in doc.values(iri, p)}
    )
    if alternates:
        node["alternateName"] = alternates
    for key, predicate in (
        ("description", DCTERMS + "description"),
        ("foundingDate", SCHEMA + "foundingDate"),
        ("dateModified", CKG + "lastUpdated"),
    ):
        value = doc.text(iri, predicate)
        if value:
            node[key] = value
    same = sorted(
        str(v.value)
        for p in (SKOS + "exactMatch", SCHEMA + "url")
        for v in doc.values(iri, p)
        if isinstance(v, ox.NamedNode) and _HTTP.match(v.value)
    )
    if same:
        node["sameAs"] = same
    members = []
    for membership in doc.parts(iri):
        if ORG + "Membership" not in doc.types(membership):
            continue
        org = doc.text(membership, ORG + "member")
        if org:
            role: dict[str, Any] = {
                "@type": "OrganizationRole",
                "member": {"@type": "Organization", "@id": org, "name": doc.label(org)},
            }
            for key, predicate in (
                ("startDate", SCHEMA + "startDate"),
                ("endDate", SCHEMA + "endDate"),
            ):
                value = doc.text(membership, predicate)
                if value:
                    role[key] = value
            role_iri = doc.text(membership, ORG + "role")
            if role_iri:
                role["roleName"] = doc.label(role_iri)
            members.append(role)
    if members:
        node["member"] = members
    member_of = [
        {"@type": "Consortium", "@id": c.value, "name": doc.label(c.value)}
        for c in doc.values(iri, ORG + "memberOf")
        if isinstance(c, ox.NamedNode)
    ]
    if member_of:
        node["memberOf"] = member_of
    sources = sorted(
        {
            str(s.value)
            for g in doc.out
            if parse_record_graph(doc.linker.base, g) is not None
            for s in doc.values(g, PROV + "wasDerivedFrom")
        }
    )
    if sources:
        node["isBasedOn"] = sources
    text = json.dumps(node, ensure_ascii=False, indent=1, sort_keys=True)
    # nothing in a value may close the <script> element or open a comment
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --- SPARQL results as a table ---------------------------------------------------------------


def solutions_table(payload: bytes, linker: Linker) -> tuple[list[str], list[list[Value]]]:
    """Return the columns and rows of SPARQL JSON results (an ASK answer is one cell)."""
    doc = json.loads(payload)
    if "boolean" in doc:
        return ["ask"], [[Value("true" if doc["boolean"] else "false")]]
    columns: list[str] = list(doc["head"].get("vars", []))
    rows = []
    for binding in doc["results"]["bindings"]:
        row = []
        for column in columns:
            cell = binding.get(column)
            if cell is None:
                row.append(Value(""))
            elif cell["type"] == "uri":
                row.append(linker.iri_value(cell["value"]))
            elif cell["type"] == "literal":
                note = cell.get("xml:lang") or (
                    linker.curie(cell["datatype"])
                    if cell.get("datatype") not in (None, XSD + "string", XSD + "integer")
                    else ""
                )
                row.append(Value(cell["value"], note=note, long=len(cell["value"]) > 140))
            else:
                row.append(Value(str(cell.get("value", ""))))
        rows.append(row)
    return columns, rows
