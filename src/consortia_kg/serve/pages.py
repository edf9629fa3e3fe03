"""HTML pages for people: the home page, a page per thing, the vocabularies, dumps and queries.

Pages are rendered from Jinja templates in ``templates/`` with autoescape on: no text from the
data is ever written as markup. The stylesheet and the query page's script are our own files in
``static/``; nothing is loaded from another site.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from jinja2 import Environment, FileSystemLoader, select_autoescape

from consortia_kg.iris import owner_iri, record_graph_of
from consortia_kg.query.named import NamedQuery
from consortia_kg.vocab import CKG, DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SKOS

from .config import ServeConfig
from .display import INCOMING_CAP, Doc, Fact, Linker, Part, Value, schema_org
from .generation import Generation
from .licences import Subset

__all__ = ["Link", "Site", "Vocabulary"]

_HERE = Path(__file__).resolve().parent
SH = "http://www.w3.org/ns/shacl#"
SHAPES_NS = "https://w3id.org/consortia-kg/shapes#"


@dataclass(frozen=True)
class Link:
    """A link to another representation or page."""

    name: str
    media_type: str
    href: str


@dataclass
class Section:
    """A titled block of an entity page."""

    title: str
    anchor: str
    text: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[Value]] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    #: rows before paging (a page shows at most PAGE_SIZE of them)
    total: int = 0


#: Kinds of part, in the order an entity page shows them: (classes, title, anchor).
_PART_GROUPS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    ((CKG + "MissionActivity",), "Activities", "activities"),
    ((CKG + "HistoryEvent",), "History", "history"),
    (
        (CKG + "SteeringCommittee", CKG + "Committee", ORG + "Post", FOAF + "Person"),
        "Governance",
        "governance",
    ),
    ((CKG + "WorkingGroup",), "Working groups", "working-groups"),
    ((CKG + "Standard", CKG + "StandardVersion"), "Standards", "standards"),
    ((CKG + "StandardImplementation",), "Implementations", "implementations"),
    ((SCHEMA + "ContactPoint", SCHEMA + "PostalAddress"), "Contacts and address", "contacts"),
    ((SCHEMA + "Place",), "Locations", "locations"),
    ((DCAT + "Distribution",), "Files", "files"),
)

#: Most rows a table of an entity page shows at once (members, consortia, pointing things);
#: ``?page=2`` shows the next ones. An organisation in 981 projects stays a fast page.
PAGE_SIZE = 100

_KIND_LABELS = {
    "consortium": "Consortium",
    "organisation": "Organisation",
    "source": "Source document",
    "graph": "Record graph",
    "role": "Role",
    "disease": "Disease focus",
    "dataset": "Dataset description",
    "dumps": "Dump file",
    "registry": "Registry snapshot",
    "programme-part": "Programme part",
}

_VOCAB_GROUPS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "ontology": (
        (OWL + "Class", "Classes", "classes"),
        (OWL + "ObjectProperty", "Object properties", "object-properties"),
        (OWL + "DatatypeProperty", "Data properties", "data-properties"),
        (OWL + "AnnotationProperty", "Annotation properties", "annotation-properties"),
        (SKOS + "ConceptScheme", "Concept schemes", "concept-schemes"),
        (SKOS + "Concept", "Concepts", "concepts"),
    ),
    "shapes": (
        (SH + "NodeShape", "Node shapes", "node-shapes"),
        (SH + "PropertyShape", "Property shapes", "property-shapes"),
        (SH + "SPARQLConstraint", "SPARQL constraints", "sparql-constraints"),
        (OWL + "AnnotationProperty", "Annotation properties", "annotation-properties"),
    ),
}


#: Readable names of the other vocabularies' predicates the pages show most.
_COMMON_LABELS = {
    RDF + "type": "type",
    RDFS + "label": "name",
    RDFS + "seeAlso": "see also",
    SCHEMA + "name": "name (schema.org)",
    SKOS + "altLabel": "also known as",
    SKOS + "prefLabel": "preferred name",
    SKOS + "note": "notes",
    SKOS + "exactMatch": "same as",
    DCTERMS + "description": "description",
    DCTERMS + "abstract": "summary",
    DCTERMS + "title": "title",
    DCTERMS + "source": "source",
    DCTERMS + "identifier": "identifier",
    DCTERMS + "date": "date",
    DCTERMS + "modified": "last modified",
    DCTERMS + "created": "created",
    DCTERMS + "publisher": "publisher",
    DCTERMS + "license": "licence",
    DCTERMS + "subject": "about",
    ORG + "purpose": "mission",
    ORG + "member": "member",
    ORG + "memberOf": "member of",
    ORG + "hasMember": "has member",
    ORG + "organization": "consortium",
    ORG + "role": "role",
    ORG + "hasUnit": "has unit",
    ORG + "unitOf": "unit of",
    ORG + "postIn": "post in",
    ORG + "heldBy": "held by",
    SCHEMA + "foundingDate": "founded",
    SCHEMA + "startDate": "from",
    SCHEMA + "endDate": "until",
    SCHEMA + "url": "homepage",
    SCHEMA + "documentation": "documentation",
    SCHEMA + "location": "location",
    SCHEMA + "founder": "founder",
    SCHEMA + "value": "value",
    SCHEMA + "position": "position",
    SCHEMA + "telephone": "telephone",
    SCHEMA + "email": "e-mail",
    SCHEMA + "contactType": "contact type",
    SCHEMA + "contactPoint": "contact",
    SCHEMA + "address": "address",
    SCHEMA + "addressLocality": "city",
    SCHEMA + "addressRegion": "region",
    SCHEMA + "addressCountry": "country",
    SCHEMA + "streetAddress": "street",
    SCHEMA + "postalCode": "postal code",
    PROV + "wasDerivedFrom": "derived from",
    "http://creativecommons.org/ns#attributionName": "attribution",
    FOAF + "name": "name",
}


@dataclass
class Vocabulary:
    """The ontology or the shapes: the file, its triples, and where it is served."""

    name: str
    path: Path
    iri: str
    namespace: str
    content: bytes
    triples: list[ox.Triple]
    modified: float

    @classmethod
    def load(cls, name: str, path: Path, iri: str, namespace: str) -> Vocabulary:
        """Read a Turtle file of ours."""
        content = path.read_bytes()
        triples = list(ox.parse(content, format=ox.RdfFormat.TURTLE))
        return cls(name, path, iri, namespace, content, triples, path.stat().st_mtime)


def _http_date(seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(int(seconds), tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class Site:
    """Renders every page; knows the templates, the vocabularies and the named queries."""

    def __init__(self, config: ServeConfig, queries: list[NamedQuery]) -> None:
        from consortia_kg.paths import ontology_file, shapes_file

        self.config = config
        self.prefix = config.prefix
        self.queries = queries
        self.env = Environment(
            loader=FileSystemLoader(str(_HERE / "templates")),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.vocabularies = {
            "ontology": Vocabulary.load("ontology", ontology_file(), CKG.rstrip("#"), CKG),
            "shapes": Vocabulary.load("shapes", shapes_file(), SHAPES_NS.rstrip("#"), SHAPES_NS),
        }
        self.term_labels: dict[str, str] = dict(_COMMON_LABELS)
        for vocabulary in self.vocabularies.values():
            for t in vocabulary.triples:
                if (
                    t.predicate.value in (RDFS + "label", SKOS + "prefLabel")
                    and isinstance(t.subject, ox.NamedNode)
                    and isinstance(t.object, ox.Literal)
                    and t.object.language in ("", "en")
                ):
                    self.term_labels.setdefault(t.subject.value, t.object.value)

    def linker(self, generation: Generation) -> Linker:
        """Return the link maker for one generation's base and index."""
        return Linker(generation.base, self.prefix, generation.index, self.term_labels)

    def render(self, template: str, generation: Generation | None, **context: Any) -> str:
        """Render a template with what every page shows (navigation, version)."""
        context.setdefault("alternates", [])
        context.setdefault("schema_org", "")
        context.setdefault("q", "")
        if generation is not None:
            context.setdefault("version", generation.version)
            context.setdefault("built", _http_date(generation.built_at))
            if "credits" not in context:
                context["credits"] = [Value(line) for line in generation.licensing.summary()]
        return self.env.get_template(template).render(prefix=self.prefix, **context)

    # --- entities ----------------------------------------------------------------------------

    def entity(
        self,
        generation: Generation,
        iri: str,
        triples: Iterable[ox.Triple],
        alternates: list[Link],
        subsets: list[Subset] | None = None,
        page: int = 1,
    ) -> str:
        """Render the page of one thing from its document's triples.

        ``subsets`` are the graphs its facts come from (their licences and attributions);
        ``page`` is the page of its long tables (members, consortia, what points to it).
        """
        linker = self.linker(generation)
        doc = Doc(triples, linker)
        entity = generation.index.get(iri)
        kind = entity.kind if entity is not None else iri.rsplit("/", 2)[-2]
        parts = doc.parts(iri)
        part_set = set(parts)
        sections: list[Section] = []
        governance = doc.text(iri, CKG + "governance") or ""

        memberships = [p for p in parts if ORG + "Membership" in doc.types(p)]
        if memberships:
            sections.append(self._members(doc, memberships, ORG + "member", "Members", "members"))
        joined = [
            s
            for s, p in doc.into.get(iri, [])
            if p == ORG + "member" and ORG + "Membership" in doc.types(s)
        ]
        if joined:
            sections.append(
                self._members(
                    doc, sorted(set(joined)), ORG + "organization", "Consortia", "consortia"
                )
            )
        same = self._same_elsewhere(doc, iri, generation)
        if same is not None:
            sections.append(same)
        led_or_joined = _working_groups_of(doc, iri)
        if led_or_joined:
            sections.append(self._working_groups(doc, led_or_joined))
        shown: set[str] = set(memberships)
        for classes, title, anchor in _PART_GROUPS:
            group = [p for p in parts if p not in shown and set(doc.types(p)) & set(classes)]
            text = governance if anchor == "governance" else ""
            if group or text:
                shown.update(group)
                sections.append(
                    Section(title, anchor, text=text, parts=[doc.part(p, iri) for p in group])
                )
        others = [p for p in parts if p not in shown]
        if others:
            sections.append(
                Section("Other details", "details", parts=[doc.part(p, iri) for p in others])
            )
        implemented = [
            s for s, p in doc.into.get(iri, []) if p == CKG + "standardOf" and s not in part_set
        ]
        if implemented:
            sections.append(self._implementations(doc, sorted(set(implemented))))
        graph = record_graph_of(generation.base, iri)
        if graph is not None and graph in doc.out:
            sections.append(
                Section(
                    "Sources and record",
                    "record",
                    parts=[doc.part(graph, graph)],
                )
            )
        subsets = subsets or []
        if subsets:
            sections.append(self._provenance(linker, subsets))
        incoming = doc.incoming(iri, exclude_parts_of=iri)
        pages = max(
            [1, -(-len(incoming) // PAGE_SIZE)]
            + [-(-s.total // PAGE_SIZE) for s in sections if s.total]
        )
        start = (min(page, pages) - 1) * PAGE_SIZE
        for section in sections:
            if section.total:
                section.rows = section.rows[start : start + PAGE_SIZE]
        skip = {CKG + "governance"}
        if memberships:
            skip.add(ORG + "hasMember")  # the Members table shows them, a page at a time
        if joined:
            skip.add(ORG + "memberOf")  # the Consortia table shows them, a page at a time
        for predicate, values in doc.out.get(iri, {}).items():
            if values and all(isinstance(v, ox.NamedNode) and v.value in part_set for v in values):
                skip.add(predicate)
        heading = doc.label(iri)
        acronym = doc.text(iri, CKG + "acronym")
        if acronym and acronym != heading:
            heading = f"{heading} ({acronym})"
        note = ""
        known_by = entity.known_by if entity is not None and not doc.labels.get(iri) else None
        if known_by is not None:
            givers = [s.attribution or s.title for s in subsets if s.registry] or ["its source"]
            note = (
                f"Known by {known_by[0]} only ({' and '.join(givers)} gives no name for it): "
                f"{known_by[0]} {known_by[1]}."
            )
        credits = [
            Value(s.credit, linker.local(s.sources[0].iri if s.sources else s.graph))
            for s in subsets
            if s.registry
        ]
        records = [s for s in subsets if not s.registry]
        if len(records) == 1:
            credits.append(Value(records[0].credit, linker.local(records[0].graph)))
        elif records:  # a consortium's page shows its members' records too: one line for all
            names = " / ".join(sorted({s.licence_name or "licence not stated" for s in records}))
            credits.append(
                Value(f"Facts from {len(records)} curated records, {names}", "#provenance")
            )

        def local_url(thing: str) -> str:
            return linker.local(thing) or thing

        return self.render(
            "entity.html",
            generation,
            title=doc.label(iri),
            heading=heading,
            iri=iri,
            kind=kind,
            kind_label=_KIND_LABELS.get(kind, kind.replace("-", " ").capitalize()),
            main_facts=doc.facts(iri, skip),
            sections=sections,
            incoming=incoming[start : start + PAGE_SIZE],
            incoming_total=len(incoming),
            page=min(page, pages),
            pages=pages,
            incoming_cap=INCOMING_CAP,
            note=note,
            alternates=alternates,
            schema_org=schema_org(doc, iri, local_url),
            **({"credits": credits} if credits else {}),
        )

    def _provenance(self, linker: Linker, subsets: list[Subset]) -> Section:
        """Where the page's facts come from: each graph's licence, attribution and sources."""
        rows = []
        for s in subsets:
            where = s.sources[0].iri if s.registry and s.sources else s.graph
            taken = "; ".join(
                f"{src.title} ({src.licence_name or 'licence not stated'})"
                for src in s.sources
                if not s.registry
            )
            rows.append(
                [
                    linker.iri_value(where, s.title),
                    linker.iri_value(s.licence, s.licence_name)
                    if s.licence
                    else Value("not stated"),
                    Value(s.attribution),
                    Value(taken),
                ]
            )
        return Section(
            "Where these facts come from",
            "provenance",
            columns=["facts from", "licence", "attribution", "taken from"],
            rows=rows,
        )

    def _members(
        self, doc: Doc, memberships: list[str], who: str, title: str, anchor: str
    ) -> Section:
        rows = []
        for membership in sorted(memberships, key=lambda m: doc.label(doc.text(m, who) or m)):
            row = []
            for predicate in (who, ORG + "role", SCHEMA + "startDate", SCHEMA + "endDate"):
                values = doc.values(membership, predicate)
                row.append(doc.linker.term(values[0], doc.labels) if values else Value(""))
            sources = doc.values(membership, DCTERMS + "source")
            row.append(doc.linker.term(sources[0], doc.labels) if sources else Value(""))
            rows.append(row)
        first = "organisation" if who == ORG + "member" else "consortium"
        return Section(
            title,
            anchor,
            columns=[first, "role", "from", "until", "source"],
            rows=rows,
            total=len(rows),
        )

    def _same_elsewhere(self, doc: Doc, iri: str, generation: Generation) -> Section | None:
        """The nodes of other sources that are the same organisation (``graph/links``).

        Only our own nodes: an external IRI (ROR, GEPRIS) shows among the facts as "same as".
        """
        rows = []
        for node in doc.values(iri, SKOS + "exactMatch"):
            if not isinstance(node, ox.NamedNode) or generation.index.get(node.value) is None:
                continue
            sources = [
                doc.linker.term(s, doc.labels) for s in doc.values(node.value, DCTERMS + "source")
            ]
            record = record_graph_of(generation.base, node.value)
            if record is not None and record in generation.graphs:
                sources.append(doc.linker.iri_value(record, "curated record"))
            name = doc.linker.iri_value(node.value, doc.labels.get(node.value))
            rows.append([name, sources[0] if sources else Value("")])
        if not rows:
            return None
        rows.sort(key=lambda row: (row[1].text.casefold(), row[0].text.casefold()))
        return Section(
            "The same organisation in other sources",
            "same-elsewhere",
            text="Each source keeps its own node; these links say they are one organisation.",
            columns=["organisation", "source"],
            rows=rows,
        )

    def _working_groups(self, doc: Doc, groups: dict[str, str]) -> Section:
        """The working groups an organisation leads or takes part in, with their consortia."""
        rows = []
        for group, role in sorted(groups.items(), key=lambda g: doc.label(g[0]).casefold()):
            consortium = doc.text(group, ORG + "unitOf")
            rows.append(
                [
                    doc.linker.iri_value(group, doc.labels.get(group)),
                    doc.linker.iri_value(consortium, doc.labels.get(consortium))
                    if consortium
                    else Value(""),
                    Value(role),
                ]
            )
        return Section(
            "Working groups",
            "working-groups",
            columns=["working group", "consortium", "role"],
            rows=rows,
            total=len(rows),
        )

    def _implementations(self, doc: Doc, implementations: list[str]) -> Section:
        rows = []
        for iri in implementations:
            owner = owner_iri(doc.linker.base, iri) or ""
            rows.append(
                [
                    doc.linker.iri_value(iri, doc.labels.get(iri)),
                    doc.linker.iri_value(owner),
                    Value(doc.text(iri, CKG + "standard") or ""),
                    doc.linker.term(doc.values(iri, CKG + "implementationCategory")[0], doc.labels)
                    if doc.values(iri, CKG + "implementationCategory")
                    else Value(""),
                ]
            )
        return Section(
            "Implementations of its standards",
            "implemented-by",
            columns=["implementation", "run by", "standard", "category"],
            rows=rows,
        )

    # --- vocabularies --------------------------------------------------------------------------

    def vocabulary(self, generation: Generation, name: str, alternates: list[Link]) -> str:
        """Render the ontology or the shapes as a readable page, one section per kind of term."""
        vocabulary = self.vocabularies[name]
        linker = self.linker(generation)
        doc = Doc(vocabulary.triples, linker)
        blanks: dict[str, dict[str, list[Any]]] = {
            s: preds for s, preds in doc.out.items() if s.startswith("_:")
        }
        groups = []
        placed: set[str] = set()
        for cls, title, anchor in _VOCAB_GROUPS[name]:
            terms = []
            for subject in sorted(doc.out):
                if subject in placed or subject.startswith("_:"):
                    continue
                if cls in doc.types(subject):
                    placed.add(subject)
                    terms.append(self._term(doc, subject, vocabulary, blanks))
            if terms:
                groups.append({"title": title, "anchor": anchor, "terms": terms})
        rest = [
            self._term(doc, s, vocabulary, blanks)
            for s in sorted(doc.out)
            if s not in placed
            and not s.startswith("_:")
            and s != vocabulary.iri
            and s != vocabulary.namespace
        ]
        if rest:
            groups.append({"title": "Other terms", "anchor": "other", "terms": rest})
        head = vocabulary.iri if vocabulary.iri in doc.out else vocabulary.namespace
        title = doc.text(head, DCTERMS + "title") or doc.text(head, RDFS + "label") or name
        return self.render(
            "vocabulary.html",
            generation,
            title=title,
            heading=title,
            iri=vocabulary.iri,
            kind_label="Ontology" if name == "ontology" else "SHACL shapes",
            intro=doc.facts(head),
            groups=groups,
            alternates=alternates,
        )

    def _term(
        self,
        doc: Doc,
        subject: str,
        vocabulary: Vocabulary,
        blanks: dict[str, dict[str, list[Any]]],
    ) -> dict[str, Any]:
        anchor = subject.split("#", 1)[1] if "#" in subject else subject.rsplit("/", 1)[-1]
        facts = doc.facts(subject)
        subs: list[list[Fact]] = []
        for fact in facts:
            for index, value in enumerate(fact.values):
                if value.text.startswith("_:") or (value.iri == "" and value.text in blanks):
                    items = _list_items(value.text, blanks)
                    if items is not None:
                        fact.values[index] = Value(
                            ", ".join(doc.linker.term(i, doc.labels).text for i in items)
                        )
                    else:
                        fact.values[index] = Value(f"({fact.predicate.text}, below)")
                        subs.append(doc.facts(value.text))
        return {
            "anchor": anchor,
            "title": doc.labels.get(subject) or anchor,
            "curie": doc.linker.curie(subject),
            "facts": facts,
            "subs": subs,
        }

    # --- other pages -----------------------------------------------------------------------------

    def config_json(self, generation: Generation) -> str:
        """Return what the query page's script needs, safe inside a <script> element."""
        text = json.dumps(
            {"base": generation.base, "prefix": self.prefix, "endpoint": self.prefix + "sparql"}
        )
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _working_groups_of(doc: Doc, organisation: str) -> dict[str, str]:
    """Working group → ``lead`` or ``member``, for the groups that name ``organisation``."""
    groups: dict[str, str] = {}
    for subject, predicate in doc.into.get(organisation, []):
        if predicate == CKG + "leadOrganisation":
            groups[subject] = "lead"
        elif predicate == CKG + "participatingOrganisation":
            groups.setdefault(subject, "member")
    return groups


def _list_items(node: str, blanks: dict[str, dict[str, list[Any]]]) -> list[Any] | None:
    """Return the members of an RDF list starting at blank node ``node``, or None."""
    items: list[Any] = []
    current = node
    for _ in range(10_000):
        preds = blanks.get(current)
        if preds is None or RDF + "first" not in preds:
            return None
        items.append(preds[RDF + "first"][0])
        rest = preds.get(RDF + "rest", [None])[0]
        if isinstance(rest, ox.NamedNode) and rest.value == RDF + "nil":
            return items
        if rest is None:
            return None
        current = str(rest)
    return None
