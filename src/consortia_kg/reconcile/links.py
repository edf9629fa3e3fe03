"""Links across sources: one organisation known to two sources, said with ``skos:exactMatch``.

Each source keeps its own node (a CORDIS PIC, a GEPRIS institution, an ELIXIR institute, a curated
record): its facts stay in its own named graph under its own licence, and a wrong link is one
statement to reject, not two sources' facts fused into one node. The links live in their own
graph, ``graph/links`` (CC0, the build's own finding), in both directions, so that
``?a skos:exactMatch ?b`` finds them from either side. A curated record that names a registry's
identifier (``identifiers: [{scheme: pic, …}]``) *is* that registry's node instead: that is a
curator's decision, not a link (docs/reconciliation.md).

The organisations are read back from the N-Quads every source's build made (names, acronyms,
identifiers, country and city), and each is matched against the others with the reconciliation
engine. A link is made for a *certain* match (the same identifier, or the same name with no
country conflict; a name of one short word is never enough) and for a proposal a curator
accepted in
``data/review.yaml``; a rejected one is not made; the others are counted as proposals
(``consortia-kg review --links`` writes them into the review file).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from consortia_kg import iris
from consortia_kg.errors import plural
from consortia_kg.reconcile import ASK_SCORE, Entity, Match, Query, Reconciler, normalise_name
from consortia_kg.reconcile.engine import SHORT_NAME
from consortia_kg.reconcile.review import Proposal, Review
from consortia_kg.vocab import CKG, DCTERMS, ORG, RDF, RDFS, SCHEMA, SKOS

__all__ = ["PROPOSAL_SCORE", "LinkReport", "find_links", "link_nquads", "organisations_in"]

#: A link that is not certain is proposed to curators from this score up (names, not acronyms).
PROPOSAL_SCORE = 90.0

_TYPE = RDF + "type"
_NAMES = (RDFS + "label", SCHEMA + "name", SKOS + "prefLabel", SKOS + "altLabel")
_ACRONYM = CKG + "acronym"
_IDENTIFIER = DCTERMS + "identifier"
_EXACT = SKOS + "exactMatch"
_LOCATION = SCHEMA + "location"
_COUNTRY = SCHEMA + "addressCountry"
_CITY = SCHEMA + "addressLocality"
_ORGANISATIONS = {ORG + "FormalOrganization", ORG + "Organization", SCHEMA + "Organization",
                  CKG + "MemberOrganization", CKG + "HostInstitution"}  # fmt: skip
#: Typed so, a node is not an organisation to link (a consortium, a unit, a working group).
_NOT_ORGANISATIONS = {CKG + "Consortium", ORG + "OrganizationalUnit", CKG + "WorkingGroup"}


_PREDICATES = (_TYPE, *_NAMES, _ACRONYM, _IDENTIFIER, _EXACT, _LOCATION, _COUNTRY, _CITY)


def _wanted(nquads: bytes, base: str) -> bytes:
    """The lines that may say an organisation's (or its place's) name, type, id or country.

    Both IRIs start with ``{base}organisation/``; the 1.8 million lines of CORDIS are filtered
    as bytes (``startswith`` and a set of predicates), and only those are parsed.
    """
    subject = b"<" + iris.mint(base, "organisation").encode() + b"/"
    predicates = {f"<{p}>".encode() for p in _PREDICATES}
    return b"\n".join(
        line for line in nquads.split(b"\n")
        if line.startswith(subject) and line.split(b" ", 2)[1] in predicates
    )  # fmt: skip


_EXTERNAL = (
    (re.compile(r"https://ror\.org/[0-9a-z]{9}$"), "ror"),
    (re.compile(r"http://www\.wikidata\.org/entity/(Q\d+)$"), "wikidata"),
    (re.compile(r"https://gepris\.dfg\.de/gepris/institution/(\d+)$"), "gepris"),
)


@dataclass
class _Node:
    sources: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    acronyms: set[str] = field(default_factory=set)
    identifiers: set[tuple[str, str]] = field(default_factory=set)
    places: set[str] = field(default_factory=set)


@dataclass
class LinkReport:
    """What the links step found: the links, and how many per pair of sources."""

    links: list[tuple[str, str, Match]] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    rejected: int = 0
    per_pair: Counter[tuple[str, str]] = field(default_factory=Counter)

    def summary(self) -> str:
        """One line for the build's progress."""
        pairs = ", ".join(f"{a}–{b} {n}" for (a, b), n in sorted(self.per_pair.items()))
        return (
            f"{plural(len(self.links), 'link')} across sources ({pairs or 'none'}), "
            f"{len(self.proposals)} proposals for a curator, {self.rejected} rejected"
        )


def organisations_in(chunks: Iterable[tuple[str, bytes]], base: str) -> list[Entity]:
    """Return the organisations the N-Quads ``chunks`` (source name, lines) describe."""
    nodes: dict[str, _Node] = {}
    places: dict[str, tuple[set[str], set[str]]] = {}  # place → (countries, cities)
    for source, nquads in chunks:
        wanted = _wanted(nquads, base)
        for quad in ox.parse(wanted, format=ox.RdfFormat.N_QUADS):
            _read(quad, source, nodes, places)
    entities = []
    for key in sorted(nodes):
        node = nodes[key]
        if not node.names or not node.types & _ORGANISATIONS or node.types & _NOT_ORGANISATIONS:
            continue
        countries = {c for p in node.places for c in places.get(p, (set(), set()))[0]}
        cities = {c for p in node.places for c in places.get(p, (set(), set()))[1]}
        name, *others = sorted(node.names)
        entities.append(
            Entity(
                key, "organisation", name, names=tuple(others),
                acronyms=tuple(sorted(node.acronyms)), identifiers=frozenset(node.identifiers),
                countries=frozenset(countries), cities=frozenset(cities),
                source=",".join(sorted(node.sources)),
            )
        )  # fmt: skip
    return entities


def _read(
    quad: ox.Quad,
    source: str,
    nodes: dict[str, _Node],
    places: dict[str, tuple[set[str], set[str]]],
) -> None:
    subject, predicate, obj = quad.subject, quad.predicate.value, quad.object
    if isinstance(subject, ox.Triple) or isinstance(obj, ox.Triple):
        return
    value = obj.value
    if predicate == _COUNTRY:
        places.setdefault(subject.value, (set(), set()))[0].add(value.upper())
        return
    if predicate == _CITY:
        places.setdefault(subject.value, (set(), set()))[1].add(value)
        return
    node = nodes.setdefault(subject.value, _Node())
    node.sources.add(source)
    if predicate == _TYPE:
        node.types.add(value)
    elif predicate in _NAMES:
        node.names.add(value)
    elif predicate == _ACRONYM:
        node.acronyms.add(value)
    elif predicate == _IDENTIFIER and ":" in value:
        scheme, _, ident = value.partition(":")
        node.identifiers.add((scheme, ident))
    elif predicate == _EXACT:
        for pattern, scheme in _EXTERNAL:
            if m := pattern.match(value):
                node.identifiers.add((scheme, m.group(m.lastindex or 0)))
    elif predicate == _LOCATION:
        node.places.add(value)


def find_links(entities: list[Entity], review: Review | None = None) -> LinkReport:
    """Match every organisation against the others' sources; return the links and proposals."""
    reconciler = Reconciler(entities)
    sources = {e.key: set(e.source.split(",")) for e in entities}
    report = LinkReport()
    seen: set[tuple[str, str]] = set()
    for entity in entities:
        country = next(iter(entity.countries)) if len(entity.countries) == 1 else ""
        city = next(iter(entity.cities)) if len(entity.cities) == 1 else ""
        # a one-word short name ("UMA") is never enough for a link: not asked
        for name in [n for n in (entity.name, *entity.names[:2]) if not _short_name(n)]:
            query = Query(name, entity.acronyms[0] if entity.acronyms else "", country, city,
                          tuple(sorted(entity.identifiers)), "organisation")  # fmt: skip
            for match in reconciler.match(query, floor=ASK_SCORE, exclude={entity.key}):
                if sources[match.key] & sources[entity.key]:
                    continue  # one source's two nodes: that source keeps them apart
                pair = (min(entity.key, match.key), max(entity.key, match.key))
                if pair in seen:
                    continue
                seen.add(pair)
                _weigh(entity, name, country, match, sources, review, report, pair)
    report.links.sort(key=lambda link: (link[0], link[1]))
    return report


def _weigh(
    entity: Entity,
    name: str,
    country: str,
    match: Match,
    sources: dict[str, set[str]],
    review: Review | None,
    report: LinkReport,
    pair: tuple[str, str],
) -> None:
    same = _same_name_or_id(match)
    decision = None if same or review is None else review.decision(
        "organisation", name, country, match.key)  # fmt: skip
    if same or decision == "accept":
        report.links.append((pair[0], pair[1], match))
        a = min(sources[entity.key]), min(sources[match.key])
        report.per_pair[(min(a), max(a))] += 1
    elif decision == "reject":
        report.rejected += 1
    elif match.score >= PROPOSAL_SCORE and match.reason != "same acronym":
        # an acronym alone, or a name below this, is too weak to spend a curator's time on
        report.proposals.append(Proposal.of("organisation", name, country, entity.key, match))


def _short_name(name: str) -> bool:
    norm = normalise_name(name)
    return " " not in norm and len(norm) <= SHORT_NAME


def _same_name_or_id(match: Match) -> bool:
    """Certain, or certain but for another node of the same name in that source.

    Between sources, every node of one name is linked: a source's two nodes of one name and
    country (EMBL's two GEPRIS ids; two CORDIS PICs of one university) are that source's
    duplicates, and each is the organisation of the other source's node. Within records (an
    import choosing the one record a name means) the engine leaves that choice to a curator.
    """
    if match.certain:
        return True
    return match.score == 100.0 and set(match.evidence) <= {
        "several records have this name",
        "several records have this id",
        *(e for e in match.evidence if e.startswith(("same country", "same city"))),
    }


def link_nquads(report: LinkReport, base: str) -> bytes:
    """Return the links as N-Quads lines in ``graph/links``, each in both directions."""
    graph = iris.links_graph(base)
    lines = []
    for a, b, _ in report.links:
        lines.append(f"<{a}> <{_EXACT}> <{b}> <{graph}> .\n")
        lines.append(f"<{b}> <{_EXACT}> <{a}> <{graph}> .\n")
    return "".join(lines).encode()
