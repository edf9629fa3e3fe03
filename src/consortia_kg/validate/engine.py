"""SHACL validation of the built graph, with every finding tied back to a record's file and line.

Two engines give the same findings (a test compares them):

- ``fast`` (the default): pyshacl-turbo, a compiled SHACL engine with pySHACL's API, checks the
  SHACL-core constraints on the triples they can read (:func:`core_predicates`: about half the
  graph); then the SHACL-SPARQL constraints run set-wise on pyoxigraph over the whole graph
  (``sparqlrules``), one query per constraint instead of one per focus node. The two copies of
  the graph are made one after the other, so they are never in memory together;
- ``pyshacl``: the reference, pySHACL over the whole graph.

Each result is looked up in the build (focus node, path, value → file, line, key) and worded
with the shape's own message and its ``ckgsh:why`` / ``ckgsh:fix`` annotations, so a curator
never sees an IRI or an ``sh:`` name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consortia_kg.build.graph import BuiltGraph, Where
from consortia_kg.errors import Problem, Severity
from consortia_kg.iris import record_iri
from consortia_kg.paths import shapes_file

__all__ = [
    "ENGINES",
    "SHAPES_NS",
    "ValidationResult",
    "core_predicates",
    "load_shapes",
    "split_shapes",
    "validate_graph",
    "validate_nodes",
    "without_cascades",
]

#: Namespace of our shapes and of their curator annotations (key, why, fix).
SHAPES_NS = "https://w3id.org/consortia-kg/shapes#"
_SH = "http://www.w3.org/ns/shacl#"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: ``--engine`` choices; the first is the default.
ENGINES = ("fast", "pyshacl")


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


def validate_graph(built: BuiltGraph, shapes: Any = None, engine: str = "fast") -> ValidationResult:
    """Validate the merged graph and report each result in record words."""
    shapes = shapes if shapes is not None else load_shapes()
    findings = (
        _validate_fast(built, shapes) if engine == "fast" else _validate_pyshacl(built, shapes)
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

    from consortia_kg.validate.sparqlrules import run_sparql_constraints

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

    from consortia_kg.serialize import serialize_ntriples

    data = Graph()
    data.parse(data=serialize_ntriples(built.triples()).decode(), format="nt")
    _conforms, report, _text = validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    return _results(report, shapes)


def _validate_fast(built: BuiltGraph, shapes: Any) -> list[_Finding]:
    import pyoxigraph as ox
    from pyshacl_turbo import validate
    from rdflib import URIRef

    from consortia_kg.validate.sparqlrules import run_sparql_constraints

    core, _ = split_shapes(shapes)
    read = core_predicates(core)
    wanted = None if read is None else {ox.NamedNode(iri) for iri in read}
    data = ox.Store()
    data.bulk_extend(
        ox.Quad(q.subject, q.predicate, q.object)
        for q in built.quads
        if wanted is None or q.predicate in wanted
    )
    _conforms, report, _text = validate(
        data, shacl_graph=core, inference="none", advanced=True, allow_warnings=True
    )
    findings = _results(report, shapes)
    del data, report
    store = ox.Store()
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in built.quads)
    for hit in run_sparql_constraints(store, shapes):
        path = URIRef(hit.path) if hit.path else None
        findings.append(
            _finding(shapes, hit.focus, path, hit.value, hit.message, hit.severity, hit.shape,
                     hit.constraint)
        )  # fmt: skip
    return findings


#: Constraint parameters whose value is a predicate the constraint reads.
_PREDICATE_PARAMETERS = ("targetSubjectsOf", "targetObjectsOf", "equals", "disjoint", "lessThan",
                         "lessThanOrEquals")  # fmt: skip
#: Path forms that hold one path.
_PATH_WRAPPERS = ("inversePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath")


def core_predicates(core: Any) -> set[str] | None:
    """Return the predicates SHACL-core shapes can read, or None when that cannot be said.

    A core constraint sees a triple only through a path, a target or a parameter naming a
    predicate, or as a type (``rdf:type``, ``rdfs:subClassOf``: targets, ``sh:class``): a triple
    with any other predicate changes no result. None when a shape is closed (it reads every
    predicate) or declares SPARQL targets or constraint components (queries read anything).
    """
    from rdflib import RDF, RDFS, Literal, Namespace, URIRef
    from rdflib.collection import Collection

    sh = Namespace(_SH)
    for name in ("closed", "target", "validator", "nodeValidator", "propertyValidator"):
        for value in core.objects(None, sh[name]):
            if name != "closed" or (isinstance(value, Literal) and value.toPython() is True):
                return None
    read = {str(RDF.type), str(RDFS.subClassOf)}

    def path(node: Any) -> None:
        if isinstance(node, URIRef):
            read.add(str(node))
            return
        for wrapper in _PATH_WRAPPERS:
            inner = core.value(node, sh[wrapper])
            if inner is not None:
                path(inner)
        alternatives = core.value(node, sh.alternativePath)
        if alternatives is not None:
            for step in Collection(core, alternatives):
                path(step)
        if core.value(node, RDF.first) is not None:  # a sequence path
            for step in Collection(core, node):
                path(step)

    for node in core.objects(None, sh.path):
        path(node)
    for name in _PREDICATE_PARAMETERS:
        read.update(str(o) for o in core.objects(None, sh[name]) if isinstance(o, URIRef))
    return read


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
        if term.datatype.value == _XSD_STRING:
            # a plain literal, as rdflib reads it from N-Triples: written "…"^^xsd:string it
            # would not match the value the build indexed, and the finding would lose its line
            return Literal(term.value)
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
    if record is not None and iri == record_iri(built.base, record.kind, record.slug):
        return record.file
    return iri


def _plain(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return text.rsplit("/", 1)[-1] if text.startswith("http") else text
