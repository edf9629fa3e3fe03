"""Run the shapes' SHACL-SPARQL constraints set-wise on a pyoxigraph store.

SHACL runs a SPARQL constraint once per focus node with ``$this`` pre-bound: 100,000 focus nodes
are 100,000 queries, and a rule that compares each node with all others becomes quadratic. The
same results come from one query per constraint with ``$this`` left free and joined to the
shape's targets, which lets the query engine use its indexes. The findings match pySHACL's (a
test compares the two engines on the fixtures and on a generated data set).

A rule that pairs every node with every other by a shared value stays quadratic even then: by a
computed value (two names equal once lower-cased) the engine joins on the filter by trying every
pair (5,000 organisations: 18 s; 50,000: half an hour), and a shared identifier under a UNION of
two patterns is joined pair by pair too (issue 11: 2,000 ROR organisations 20 s, 4,000 over 70 s;
each branch alone is instant). Such a rule is *pre-filtered* (:data:`PREFILTERS`): linear
queries group the nodes by the value, and the rule's own query then runs on the pairs of nodes
that share one (a superset of its answers, given as ``VALUES (?this ?other)``; no pair: it does
not run). A pre-filter is written for one text of the rule: when the shape's query changes, the
rule runs as written again, and a test says so.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from consortia_kg.sparqltext import SparqlTextError, where_group_start

__all__ = [
    "PREFILTERS",
    "Prefilter",
    "SharedLabel",
    "SharedValue",
    "SparqlFinding",
    "run_sparql_constraints",
    "select_fingerprint",
    "sparql_constraints",
]

_SH = "http://www.w3.org/ns/shacl#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SHAPES = "https://w3id.org/consortia-kg/shapes#"


_TYPED = f"<{_RDF_TYPE}>/<{_SUBCLASS}>*"


@dataclass(frozen=True)
class SharedLabel:
    """Pre-filter of a rule that pairs nodes of ``cls`` whose ``rdfs:label``, lower-cased, is equal.

    Candidates: every node typed ``cls`` (or a subclass) with a label that, lower-cased, another
    such node has too; the rule's answers pair two of them that share that label. ``variables``
    are the focus ``this`` and the node it is paired with. ``fingerprint`` is
    :func:`select_fingerprint` of the rule's query the pre-filter was written for.
    """

    cls: str
    variables: tuple[str, str]
    fingerprint: str

    def candidates(self, store: ox.Store, union: bool) -> list[str]:
        """Return the IRIs the rule's answers can only come from, sorted."""
        return _members(self._groups(store, union))

    def pairs(self, store: ox.Store, union: bool) -> list[tuple[str, str]]:
        """Return the (this, other) pairs the rule's answers can only come from, sorted."""
        return _pairs(self._groups(store, union))

    def _groups(self, store: ox.Store, union: bool) -> dict[str, set[str]]:
        query = (
            f"SELECT ?node (LCASE(STR(?label)) AS ?key) WHERE {{ "
            f"?node {_TYPED} <{self.cls}> ; <{_LABEL}> ?label . }}"
        )
        return _group(store, query, union)


@dataclass(frozen=True)
class SharedValue:
    """Pre-filter of a rule that pairs nodes of ``cls`` holding one value of one of ``predicates``.

    The rule's answers pair two nodes typed ``cls`` (or a subclass) that both have the same
    value (the same RDF term) of the same predicate, one of ``predicates``. ``variables`` and
    ``fingerprint`` as :class:`SharedLabel`'s.
    """

    cls: str
    predicates: tuple[str, ...]
    variables: tuple[str, str]
    fingerprint: str

    def candidates(self, store: ox.Store, union: bool) -> list[str]:
        """Return the IRIs the rule's answers can only come from, sorted."""
        return _members(self._groups(store, union))

    def pairs(self, store: ox.Store, union: bool) -> list[tuple[str, str]]:
        """Return the (this, other) pairs the rule's answers can only come from, sorted."""
        return _pairs(self._groups(store, union))

    def _groups(self, store: ox.Store, union: bool) -> dict[str, set[str]]:
        groups: dict[str, set[str]] = {}
        # one query per predicate: a UNION of the two is what the rule is slow on
        for index, predicate in enumerate(self.predicates):
            query = (
                f"SELECT ?node ?key WHERE {{ ?node {_TYPED} <{self.cls}> ; <{predicate}> ?key . }}"
            )
            for key, nodes in _group(store, query, union).items():
                groups[f"{index} {key}"] = nodes
        return groups


#: What a pre-filter is: it names the rule's two variables and the pairs they can take.
Prefilter = SharedLabel | SharedValue


def _group(store: ox.Store, query: str, union: bool) -> dict[str, set[str]]:
    """Run ``SELECT ?node ?key``: each key (as N-Triples) → the IRIs of the nodes that have it."""
    holders: dict[str, set[str]] = {}
    solutions = store.query(query, use_default_graph_as_union=union)
    assert isinstance(solutions, ox.QuerySolutions)
    for node, key in solutions:
        if isinstance(node, ox.NamedNode) and key is not None:
            holders.setdefault(str(key), set()).add(node.value)
    return holders


def _members(groups: dict[str, set[str]]) -> list[str]:
    return sorted({n for nodes in groups.values() if len(nodes) > 1 for n in nodes})


def _pairs(groups: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Every ordered pair of two nodes of one group, once (a set: VALUES keeps multiplicities)."""
    found = {
        (one, two)
        for nodes in groups.values()
        if len(nodes) > 1
        for one in nodes
        for two in nodes
        if one != two
    }
    return sorted(found)


#: Constraint IRI → its pre-filter (see the module's doc).
PREFILTERS: dict[str, Prefilter] = {
    _SHAPES + "Organisation-duplicateName": SharedLabel(
        "http://www.w3.org/ns/org#FormalOrganization",
        ("this", "other"),
        "64226472c9b409af6a4713c19af162f138363a96da05ea37079e3b2980e109a0",
    ),
    _SHAPES + "Organisation-duplicateId": SharedValue(
        "http://www.w3.org/ns/org#FormalOrganization",
        ("http://www.w3.org/2004/02/skos/core#exactMatch", "http://purl.org/dc/terms/identifier"),
        ("this", "other"),
        "99320bd5d303501bd0fda7520b530d104c4c93b8d2e6e3e9221cb10e4f710c38",
    ),
    # the same pairs as the rule above: the warning keeps those whose ROR ids differ
    _SHAPES + "Organisation-sharedId": SharedValue(
        "http://www.w3.org/ns/org#FormalOrganization",
        ("http://www.w3.org/2004/02/skos/core#exactMatch", "http://purl.org/dc/terms/identifier"),
        ("this", "other"),
        "099f93f89a60af07b1f612a8252f6c6e5622dfe366c21ac7ef0e5925219680bd",
    ),
    _SHAPES + "Consortium-duplicateName": SharedLabel(
        "https://w3id.org/consortia-kg/ontology#Consortium",
        ("this", "other"),
        "b1dc09566125590c192221eccbf5eb46c11f123a9a80dea1ad29e98c73e180ee",
    ),
}


def select_fingerprint(select: str) -> str:
    """SHA-256 of a constraint's ``sh:select`` with its white space collapsed."""
    return hashlib.sha256(" ".join(select.split()).encode()).hexdigest()


@dataclass(frozen=True)
class SparqlFinding:
    """One solution of a constraint: what pySHACL would report as a validation result."""

    focus: str
    path: str
    value: Any
    message: str
    severity: str
    shape: Any
    constraint: Any


@dataclass(frozen=True)
class _Constraint:
    shape: Any
    constraint: Any
    query: str
    path: str
    message: str
    severity: str
    prefilter: Prefilter | None = None
    #: the pattern that binds ``?this`` to the shape's focus nodes
    target: str = ""


def sparql_constraints(shapes: Any) -> list[_Constraint]:
    """Compile every active sh:sparql constraint of ``shapes`` (an rdflib graph) to one query."""
    from rdflib import Literal, Namespace, URIRef

    sh = Namespace(_SH)
    compiled = []
    for shape, constraint in sorted(shapes.subject_objects(sh.sparql), key=lambda so: str(so)):
        if _deactivated(shapes, shape) or _deactivated(shapes, constraint):
            continue
        owners = [shape, *shapes.subjects(sh.property, shape)]
        targets = [t for owner in owners for t in _targets(shapes, owner)]
        if not targets:
            continue
        select = str(shapes.value(constraint, sh.select))
        path_node = shapes.value(shape, sh.path)
        path = _path(shapes, path_node) if path_node is not None else ""
        body = select.replace("$this", "?this")
        if path:
            body = body.replace("$PATH", path)
        target_pattern = " UNION ".join(f"{{ {t} }}" for t in targets)
        body = _inject(body, target_pattern)
        prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in _prefixes(shapes, constraint))
        message = shapes.value(constraint, sh.message) or shapes.value(shape, sh.message)
        severity = shapes.value(shape, sh.severity) or sh.Violation
        prefilter = PREFILTERS.get(str(constraint))
        if prefilter is not None and prefilter.fingerprint != select_fingerprint(select):
            prefilter = None  # written for another text of the rule: run it as written
        compiled.append(
            _Constraint(
                shape=shape,
                constraint=constraint,
                query=prefixes + body,
                path=str(path_node) if isinstance(path_node, URIRef) else "",
                message=str(message) if isinstance(message, Literal) else "",
                severity=str(severity),
                prefilter=prefilter,
                target=target_pattern,
            )
        )
    return compiled


def run_sparql_constraints(
    store: ox.Store,
    shapes: Any,
    focus: list[str] | None = None,
    union: bool = False,
    compiled: list[_Constraint] | None = None,
) -> list[SparqlFinding]:
    """Evaluate every SPARQL constraint once over the whole store.

    ``focus`` limits the focus nodes (re-validating one record); ``union`` reads the union of
    the store's named graphs as the default graph.
    """
    findings = []
    for rule in compiled if compiled is not None else sparql_constraints(shapes):
        query = rule.query
        if focus is not None:
            # only the focus nodes the shape targets: a rule pairing its nodes with all others
            # then pairs one node, not every node of a record it does not even target
            targeted = _targeted(store, rule, focus, union)
            if not targeted:
                continue
            query = _inject(query, "VALUES ?this { " + " ".join(targeted) + " }")
        if rule.prefilter is not None and focus is None:  # one record's focus is small already
            pairs = rule.prefilter.pairs(store, union)
            if not pairs:
                continue
            first, second = rule.prefilter.variables
            listed = " ".join(f"(<{one}> <{two}>)" for one, two in pairs)
            query = _inject(query, f"VALUES (?{first} ?{second}) {{ {listed} }}")
        solutions = store.query(query, use_default_graph_as_union=union)
        assert isinstance(solutions, ox.QuerySolutions)  # every constraint is a SELECT
        variables = [v.value for v in solutions.variables]
        for solution in solutions:
            bound = {name: solution[name] for name in variables if solution[name] is not None}
            this = bound.get("this")
            if this is None:
                continue
            findings.append(
                SparqlFinding(
                    focus=this.value,
                    path=rule.path,
                    value=bound.get("value"),
                    message=_fill(rule.message, bound),
                    severity=rule.severity,
                    shape=rule.shape,
                    constraint=rule.constraint,
                )
            )
    return findings


def _targeted(store: ox.Store, rule: _Constraint, focus: list[str], union: bool) -> list[str]:
    """The ``focus`` nodes ``rule``'s shape targets, as SPARQL terms."""
    listed = " ".join(f"<{iri}>" for iri in focus)
    if not rule.target or not listed:
        return [f"<{iri}>" for iri in focus]
    query = f"SELECT DISTINCT ?this WHERE {{ VALUES ?this {{ {listed} }} {rule.target} }}"
    solutions = store.query(query, use_default_graph_as_union=union)
    assert isinstance(solutions, ox.QuerySolutions)
    return sorted(str(solution["this"]) for solution in solutions)


def _fill(message: str, bound: dict[str, Any]) -> str:
    """Substitute ``{?var}`` and ``{$var}`` as SHACL-SPARQL says: with the bound term's text."""

    def text(match: re.Match[str]) -> str:
        term = bound.get(match.group(1))
        return match.group(0) if term is None else str(term.value)

    return re.sub(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}", text, message)


def _deactivated(shapes: Any, node: Any) -> bool:
    from rdflib import Namespace

    value = shapes.value(node, Namespace(_SH).deactivated)
    return value is not None and bool(value.toPython())


def _targets(shapes: Any, shape: Any) -> list[str]:
    """SPARQL patterns that bind ``?this`` to the focus nodes of ``shape``."""
    from rdflib import Namespace

    sh = Namespace(_SH)
    patterns = []
    for cls in shapes.objects(shape, sh.targetClass):
        patterns.append(f"?this <{_RDF_TYPE}>/<{_SUBCLASS}>* <{cls}> .")
    for prop in shapes.objects(shape, sh.targetSubjectsOf):
        patterns.append(f"?this <{prop}> [] .")
    for prop in shapes.objects(shape, sh.targetObjectsOf):
        patterns.append(f"[] <{prop}> ?this .")
    for node in shapes.objects(shape, sh.targetNode):
        patterns.append(f"VALUES ?this {{ <{node}> }}")
    return patterns


def _path(shapes: Any, node: Any) -> str:
    """A SHACL property path as a SPARQL path (the forms our shapes use)."""
    from rdflib import Namespace, URIRef
    from rdflib.collection import Collection

    sh = Namespace(_SH)
    if isinstance(node, URIRef):
        return f"<{node}>"
    inverse = shapes.value(node, sh.inversePath)
    if inverse is not None:
        return f"^{_path(shapes, inverse)}"
    alternatives = shapes.value(node, sh.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path(shapes, n) for n in Collection(shapes, alternatives)) + ")"
    raise ValueError(f"unsupported path in a SPARQL constraint: {node}")


def _prefixes(shapes: Any, constraint: Any) -> list[tuple[str, str]]:
    from rdflib import Namespace

    sh = Namespace(_SH)
    out = []
    for holder in shapes.objects(constraint, sh.prefixes):
        for declaration in shapes.objects(holder, sh.declare):
            prefix = shapes.value(declaration, sh.prefix)
            namespace = shapes.value(declaration, sh.namespace)
            if prefix is not None and namespace is not None:
                out.append((str(prefix), str(namespace)))
    return sorted(set(out))


def _inject(select: str, pattern: str) -> str:
    """Put the target pattern first inside the query's outermost WHERE group."""
    try:
        at = where_group_start(select)  # lexed: a "WHERE {" in a comment or string is skipped
    except SparqlTextError:
        raise ValueError("a SPARQL constraint needs a WHERE clause") from None
    return select[:at] + f"\n    {pattern}\n" + select[at:]
