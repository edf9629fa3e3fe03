"""SHACL validation of the built graph, with every finding tied back to a record's file and line.

pySHACL runs the shapes in ``shapes/consortia.ttl``; each result is looked up in the build's
index (focus node, path, value → file, line, key) and worded with the shape's own message,
``ckgsh:why`` and ``ckgsh:fix`` annotations, so a curator never sees an IRI or ``sh:`` name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consortia_kg.build import BuiltGraph, Where
from consortia_kg.errors import Problem, Severity
from consortia_kg.export import serialize_ntriples
from consortia_kg.paths import shapes_file

__all__ = ["SHAPES_NS", "ValidationResult", "load_shapes", "validate_graph"]

#: Namespace of our shapes and of their curator annotations (key, why, fix).
SHAPES_NS = "https://w3id.org/consortia-kg/shapes#"
_SH = "http://www.w3.org/ns/shacl#"


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


def validate_graph(built: BuiltGraph, shapes: Any = None) -> ValidationResult:
    """Run pySHACL over the merged graph and report each result in record words."""
    from pyshacl import validate
    from rdflib import Graph

    shapes = shapes if shapes is not None else load_shapes()
    data = Graph()
    data.parse(data=serialize_ntriples(built.triples()).decode(), format="nt")
    _conforms, report, _text = validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    result = ValidationResult()
    for finding in _results(report, shapes):
        result.problems.append(_locate(built, finding))
    return result


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
    from rdflib import RDF, Namespace, URIRef

    sh = Namespace(_SH)
    ann = Namespace(SHAPES_NS)
    severities = {
        sh.Violation: Severity.VIOLATION,
        sh.Warning: Severity.WARNING,
        sh.Info: Severity.INFO,
    }
    findings = []
    for result in report.subjects(RDF.type, sh.ValidationResult):
        focus = report.value(result, sh.focusNode)
        path = report.value(result, sh.resultPath)
        value = report.value(result, sh.value)
        source_shape = report.value(result, sh.sourceShape)
        constraint = report.value(result, sh.sourceConstraint)
        messages = [str(m) for m in report.objects(result, sh.resultMessage)]

        def annotation(
            name: str, source_shape: Any = source_shape, constraint: Any = constraint
        ) -> str:
            for node in (constraint, source_shape):
                if node is not None:
                    found = shapes.value(node, ann[name])
                    if found is not None:
                        return str(found)
            return ""

        if not isinstance(path, URIRef):  # a SPARQL rule may say which triple its ?value is in
            hint = constraint if constraint is not None else source_shape
            path = shapes.value(hint, ann.path) if hint is not None else None
        owner = shapes.value(predicate=sh.property, object=source_shape) or source_shape
        shape_name = str(owner).removeprefix(SHAPES_NS) if isinstance(owner, URIRef) else ""
        findings.append(
            _Finding(
                focus=str(focus),
                path=str(path) if isinstance(path, URIRef) else "",
                value=value,
                message=messages[0] if messages else "does not fit the shape",
                severity=severities.get(
                    report.value(result, sh.resultSeverity), Severity.VIOLATION
                ),
                shape=shape_name,
                key=annotation("key"),
                why=annotation("why"),
                fix=annotation("fix"),
            )
        )
    return findings


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
