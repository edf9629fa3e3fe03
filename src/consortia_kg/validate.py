"""SHACL validation of the built graph, with every finding tied back to a record's file and line.

Two engines give the same findings (a test compares them):

- ``fast`` (the default): pyshacl-turbo, a compiled SHACL engine with pySHACL's API, checks the
  SHACL-core constraints, a batch of records at a time (below); the SHACL-SPARQL constraints
  run set-wise on pyoxigraph over the whole graph (``sparqlrules``), one query per constraint
  instead of one per focus node;
- ``pyshacl``: the reference, pySHACL over the whole graph.

SHACL-core looks no further from a focus node than its own triples, the triples pointing at it
and the types of the nodes these mention (when the shapes say otherwise, :func:`local_shapes`
is False and the whole graph is validated at once). So the fast engine validates the records
in batches of about :data:`BATCH_QUADS` quads: each subject once, as a focus node, on a small
graph of exactly that neighbourhood taken from the whole graph. The engine's memory then
follows the batch, not the graph, and the findings are those of the whole graph at once (the
tests compare both, and pySHACL).

Each result is looked up in the build (focus node, path, value → file, line, key) and worded
with the shape's own message and its ``ckgsh:why`` / ``ckgsh:fix`` annotations, so a curator
never sees an IRI or an ``sh:`` name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consortia_kg.build import BuiltGraph, Where
from consortia_kg.errors import Problem, Severity
from consortia_kg.paths import shapes_file

__all__ = [
    "BATCH_QUADS",
    "ENGINES",
    "SHAPES_NS",
    "ValidationResult",
    "load_shapes",
    "local_shapes",
    "split_shapes",
    "validate_graph",
    "validate_nodes",
    "without_cascades",
]

#: Namespace of our shapes and of their curator annotations (key, why, fix).
SHAPES_NS = "https://w3id.org/consortia-kg/shapes#"
_SH = "http://www.w3.org/ns/shacl#"
#: ``--engine`` choices; the first is the default.
ENGINES = ("fast", "pyshacl")
#: The fast engine validates records in batches of about this many quads.
BATCH_QUADS = 200_000


@dataclass
class ValidationResult:
    """The findings of one validation run."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        """Return True when no finding is an error."""
        return not any(p.severity == Severity.VIOLATION for p in self.problems)


def load_shapes(path: Path | None = None) -> Any:
    """Parse the shapes graph (rdflib), once per call site."""
    from rdflib import Graph

    return Graph().parse(path or shapes_file(), format="turtle")


def validate_graph(
    built: BuiltGraph,
    shapes: Any = None,
    engine: str = "fast",
    batch_quads: int | None = BATCH_QUADS,
) -> ValidationResult:
    """Validate the merged graph and report each result in record words.

    ``batch_quads`` (fast engine): about how many quads of records SHACL-core checks at a time;
    None checks the whole graph at once.
    """
    shapes = shapes if shapes is not None else load_shapes()
    findings = (
        _validate_fast(built, shapes, batch_quads)
        if engine == "fast"
        else _validate_pyshacl(built, shapes)
    )
    return ValidationResult([_locate(built, finding) for finding in findings])


def validate_nodes(
    built: BuiltGraph,
    shapes: Any,
    neighbourhood: Any,
    store: Any,
    focus: list[str],
    compiled: Any,
    rules: Any,
) -> list[Problem]:
    """Validate only the ``focus`` nodes (one changed record).

    SHACL-core runs with the compiled shapes on ``neighbourhood``, a small store holding what
    those nodes' constraints can see; the SPARQL constraints run on ``store`` (all record
    graphs, read as their union) with the focus limited to those nodes.
    """
    from rdflib import URIRef

    from consortia_kg.sparqlrules import run_sparql_constraints

    _conforms, report, _text = compiled.validate(
        neighbourhood, focus_nodes=focus, allow_warnings=True
    )
    findings = _results(report, shapes)
    for hit in run_sparql_constraints(store, shapes, focus, True, rules):
        path = URIRef(hit.path) if hit.path else None
        findings.append(
            _finding(shapes, hit.focus, path, hit.value, hit.message, hit.severity, hit.shape,
                     hit.constraint)
        )  # fmt: skip
    return [_locate(built, finding) for finding in findings]


def without_cascades(earlier: list[Problem], findings: list[Problem]) -> list[Problem]:
    """Drop findings on a key the record format already refused: say each problem once.

    A refused value is not built, so SHACL sees it as missing and would report it again.
    """
    refused = {(p.file, p.key) for p in earlier}
    return [p for p in findings if (p.file, p.key) not in refused]


def split_shapes(shapes: Any) -> tuple[Any, Any]:
    """Split the shapes into SHACL-core (for the compiled engine) and the SPARQL constraints."""
    from rdflib import Graph, Namespace

    sh = Namespace(_SH)
    core, sparql = Graph(), Graph()
    for triple in shapes:
        (sparql if triple[1] == sh.sparql else core).add(triple)
    return core, sparql


def _validate_pyshacl(built: BuiltGraph, shapes: Any) -> list[_Finding]:
    from pyshacl import validate
    from rdflib import Graph

    from consortia_kg.export import serialize_ntriples

    data = Graph()
    data.parse(data=serialize_ntriples(built.triples()).decode(), format="nt")
    _conforms, report, _text = validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    return _results(report, shapes)


def _validate_fast(built: BuiltGraph, shapes: Any, batch_quads: int | None) -> list[_Finding]:
    import pyoxigraph as ox
    from rdflib import URIRef

    from consortia_kg.sparqlrules import run_sparql_constraints

    store = ox.Store()
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in built.quads)
    core, _ = split_shapes(shapes)
    findings = _core_findings(built, store, core, shapes, batch_quads)
    for hit in run_sparql_constraints(store, shapes):
        path = URIRef(hit.path) if hit.path else None
        findings.append(
            _finding(shapes, hit.focus, path, hit.value, hit.message, hit.severity, hit.shape,
                     hit.constraint)
        )  # fmt: skip
    return findings


def _core_findings(
    built: BuiltGraph, store: Any, core: Any, shapes: Any, batch_quads: int | None
) -> list[_Finding]:
    """SHACL-core on the whole graph (``store``, its default graph), a batch at a time."""
    from pyshacl_turbo import compile_shapes, validate

    batches = _batches(built, batch_quads) if batch_quads and local_shapes(core) else None
    if batches is None:
        _conforms, report, _text = validate(
            store, shacl_graph=core, inference="none", advanced=True, allow_warnings=True
        )
        return _results(report, shapes)
    compiled = compile_shapes(core, advanced=True)  # type: ignore[no-untyped-call]
    findings: list[_Finding] = []
    for focus in batches:
        small = _neighbourhood(store, focus)
        _conforms, report, _text = compiled.validate(small, focus_nodes=focus, allow_warnings=True)
        findings.extend(_results(report, shapes))
    return findings


def _batches(built: BuiltGraph, batch_quads: int) -> Iterator[list[str]] | None:
    """Every subject of the graph once, in batches of the records that hold about ``batch_quads``.

    A subject only its own record writes about goes with that record; the others (an
    organisation that consortia list as a member, a node no record mints) come last, in batches
    of their own. None when a subject is a blank node (which a query cannot name).
    """
    cuts: list[tuple[int, int]] = []  # [start, end) of each batch, between records
    foreign: set[str] = set()
    start = 0
    for block_start, block_end, graph in _blocks(built.quads):
        if block_start - start >= batch_quads:
            cuts.append((start, block_start))
            start = block_start
        for iri, owner in _owners(built, block_start, block_end).items():
            if iri is None:
                return None
            if owner != graph:
                foreign.add(iri)
    cuts.append((start, len(built.quads)))

    def batches() -> Iterator[list[str]]:
        for first, last in cuts:
            focus = [
                iri
                for block_start, block_end, graph in _blocks(built.quads, first, last)
                for iri, owner in _owners(built, block_start, block_end).items()
                if owner == graph and iri not in foreign
            ]
            if focus:
                yield focus
        ordered = sorted(foreign)
        step = max(1, batch_quads // 100)  # an organisation's neighbourhood: ~100 triples
        for index in range(0, len(ordered), step):
            yield ordered[index : index + step]

    return batches()


def _blocks(quads: list[Any], first: int = 0, last: int | None = None) -> Iterator[Any]:
    """(start, end, graph IRI) of each run of quads in one named graph (one record's quads)."""
    last = len(quads) if last is None else last
    start, graph = first, None
    for index in range(first, last):
        name = quads[index].graph_name
        if name != graph:
            if graph is not None:
                yield start, index, getattr(graph, "value", None)
            start, graph = index, name
    if graph is not None:
        yield start, last, getattr(graph, "value", None)


def _owners(built: BuiltGraph, first: int, last: int) -> dict[Any, str | None]:
    """Each subject of ``built.quads[first:last]`` and the graph of the record that mints it.

    Blank nodes map to None under the key None.
    """
    import pyoxigraph as ox

    owners: dict[Any, str | None] = {}
    for index in range(first, last):
        node = built.quads[index].subject
        if not isinstance(node, ox.NamedNode):
            owners[None] = None
            continue
        iri = node.value
        if iri not in owners:
            record = built.record_of(iri)
            owners[iri] = (
                None if record is None else f"{built.base}graph/{record.kind}/{record.slug}"
            )
    return owners


def _neighbourhood(store: Any, focus: list[str]) -> Any:
    """Return a store of what SHACL-core sees from ``focus``.

    That is the triples about and pointing at each node, the types of every node these mention,
    and the class hierarchy.
    """
    import pyoxigraph as ox

    nodes = " ".join(f"<{iri}>" for iri in focus)
    triples: set[Any] = set()
    mentioned: set[str] = set(focus)
    for query in (
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {nodes} }} ?s ?p ?o }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?o {{ {nodes} }} ?s ?p ?o }}",
    ):
        for triple in store.query(query):
            triples.add(triple)
            if isinstance(triple.object, ox.NamedNode):
                mentioned.add(triple.object.value)
            mentioned.add(triple.subject.value)
    listed = " ".join(f"<{iri}>" for iri in mentioned)
    for query in (
        f"CONSTRUCT {{ ?n a ?t }} WHERE {{ VALUES ?n {{ {listed} }} ?n a ?t }}",
        f"CONSTRUCT {{ ?c <{_SUBCLASS}> ?d }} WHERE {{ ?c <{_SUBCLASS}> ?d }}",
    ):
        triples.update(store.query(query))
    small = ox.Store()
    small.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return small


_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
#: Shape features that look further than a node's own triples, its referrers and their types.
_FAR = ("targetNode", "targetObjectsOf", "target", "node", "zeroOrMorePath", "oneOrMorePath",
        "zeroOrOnePath", "sparql")  # fmt: skip


def local_shapes(core: Any) -> bool:
    """Return True when ``core`` can be checked one neighbourhood at a time (see the module).

    That is: targets are classes or subjects of a predicate; every path is a predicate, its
    inverse or alternatives of predicates, held by a shape with targets or by a property of
    one; no ``sh:node``, no transitive paths, no SPARQL.
    """
    from rdflib import BNode, Namespace, URIRef
    from rdflib.collection import Collection

    sh = Namespace(_SH)
    if any(next(core.triples((None, sh[name], None)), None) for name in _FAR):
        return False
    targeted = set(core.subjects(sh.targetClass)) | set(core.subjects(sh.targetSubjectsOf))
    holders = targeted | {p for t in targeted for p in core.objects(t, sh.property)}
    for holder, path in core.subject_objects(sh.path):
        if holder not in holders:
            return False  # a path inside a value's shape: two steps away
        if isinstance(path, URIRef):
            continue
        inverse = core.value(path, sh.inversePath)
        alternatives = core.value(path, sh.alternativePath)
        if isinstance(inverse, URIRef):
            continue
        if isinstance(alternatives, BNode | URIRef) and all(
            isinstance(step, URIRef) for step in Collection(core, alternatives)
        ):
            continue
        return False  # a sequence path, or a form not listed above
    return True


@dataclass(frozen=True)
class _Finding:
    focus: str
    path: str
    value: Any
    message: str
    severity: str
    shape: str
    key: str
    why: str
    fix: str


def _results(report: Any, shapes: Any) -> list[_Finding]:
    """Read a SHACL validation report (rdflib graph) into findings."""
    from rdflib import RDF, Namespace

    sh = Namespace(_SH)
    findings = []
    for result in report.subjects(RDF.type, sh.ValidationResult):
        messages = sorted(str(m) for m in report.objects(result, sh.resultMessage))
        findings.append(
            _finding(
                shapes,
                focus=str(report.value(result, sh.focusNode)),
                path=report.value(result, sh.resultPath),
                value=report.value(result, sh.value),
                message=messages[0] if messages else "does not fit the shape",
                severity=str(report.value(result, sh.resultSeverity) or sh.Violation),
                shape=report.value(result, sh.sourceShape),
                constraint=report.value(result, sh.sourceConstraint),
            )
        )
    return findings


def _finding(
    shapes: Any,
    focus: str,
    path: Any,
    value: Any,
    message: str,
    severity: str,
    shape: Any,
    constraint: Any,
) -> _Finding:
    """One result, with the curator annotations of the constraint or shape that produced it."""
    from rdflib import Namespace, URIRef

    sh = Namespace(_SH)
    ann = Namespace(SHAPES_NS)

    def annotation(name: str) -> Any:
        for node in (constraint, shape):
            if node is not None:
                found = shapes.value(node, ann[name])
                if found is not None:
                    return found
        return None

    if not isinstance(path, URIRef) or not str(path):  # a SPARQL rule may name its ?value's triple
        path = annotation("path")
    owner = shapes.value(predicate=sh.property, object=shape) or shape
    levels = {
        str(sh.Violation): Severity.VIOLATION,
        str(sh.Warning): Severity.WARNING,
        str(sh.Info): Severity.INFO,
    }
    return _Finding(
        focus=focus,
        path=str(path) if isinstance(path, URIRef) else "",
        value=_as_rdflib(value),
        message=message,
        severity=levels.get(severity, Severity.VIOLATION),
        shape=str(owner).removeprefix(SHAPES_NS) if isinstance(owner, URIRef) else "",
        key=str(annotation("key") or ""),
        why=str(annotation("why") or ""),
        fix=str(annotation("fix") or ""),
    )


def _as_rdflib(term: Any) -> Any:
    """Turn a pyoxigraph term into the rdflib term pySHACL would have reported."""
    import pyoxigraph as ox
    from rdflib import Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return term


def _as_ntriples(value: Any) -> str:
    from rdflib import Literal, URIRef

    if isinstance(value, URIRef):
        return f"<{value}>"
    if isinstance(value, Literal):
        return str(value.n3())
    return ""


def _locate(built: BuiltGraph, finding: _Finding) -> Problem:
    """Find the line a finding is about: its value's, else its key's, else its node's."""
    focus, value = finding.focus, _as_ntriples(finding.value)
    place: Where | None = None
    written = ""
    if finding.path and built.has_values(focus, finding.path):
        place = built.where(focus, finding.path, value)
    elif value and built.has_object(focus, value):
        place = built.where(focus, "", value)  # a complex path, or a SPARQL rule's ?value
    if place is not None:
        key, written = place.key, place.value
    elif (keyed := built.where_key(focus, finding.key)) is not None:
        place, key = keyed, keyed.key
    else:
        place = built.where(focus)
        prefix = place.key if place is not None else ""
        key = ".".join(k for k in (prefix, finding.key) if k)
    shown = written or _plain(finding.value)
    message = _IRI.sub(lambda m: _record_words(built, m.group(0)), finding.message)
    message = message.replace("{value}", shown)
    fix = finding.fix.replace("{value}", shown)
    file, line = (place.file, place.line) if place is not None else ("(graph)", 0)
    return Problem(file, line, key, message, finding.why, fix, finding.severity, finding.shape)


_IRI = re.compile(r"https?://[^\s\"()<>]+")


def _record_words(built: BuiltGraph, iri: str) -> str:
    """Name a record's thing by its file, the way a curator finds it."""
    record = built.record_of(iri)
    if record is not None and iri == f"{built.base}{record.kind}/{record.slug}":
        return record.file
    return iri


def _plain(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return text.rsplit("/", 1)[-1] if text.startswith("http") else text
