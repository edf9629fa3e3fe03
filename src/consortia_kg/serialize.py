"""Writing RDF and SPARQL answers: the one graph serialiser and the one result serialiser.

:func:`serialize_graph` writes a small graph (a thing's document, a query's answer, a service
description) in any RDF format of :mod:`consortia_kg.formats`: our sorted, readable Turtle and
JSON-LD and canonical N-Triples where they apply, pyoxigraph's writers for the rest.
:func:`serialize_solutions` and :func:`serialize_boolean` write SELECT and ASK answers in the
SPARQL result formats, with a row cap that stops a huge answer before it is held in memory.
The CLI, the query workers, the server and the dumps (:mod:`consortia_kg.export.dumps` writes
its files a subject at a time with the same :class:`TurtleWriter` and :class:`JsonLdWriter`)
all write through here.

Imports nothing of ours but the ground modules :mod:`~consortia_kg.formats` and
:mod:`~consortia_kg.vocab`, so every stage can reach it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pyoxigraph as ox
from pyoxigraph import NamedNode, Triple

from consortia_kg.formats import format_named
from consortia_kg.iris import kind_namespaces
from consortia_kg.vocab import PREFIXES, RDF, XSD

__all__ = [
    "RDF_TYPE",
    "JsonLdWriter",
    "TurtleWriter",
    "prefixes_for",
    "serialize_boolean",
    "serialize_graph",
    "serialize_jsonld",
    "serialize_nquads",
    "serialize_ntriples",
    "serialize_solutions",
    "serialize_solutions_capped",
    "serialize_turtle",
]


def prefixes_for(base: str) -> dict[str, str]:
    """Return the dump prefixes, with ``kg:`` for the instance base."""
    return {"kg": base, **PREFIXES}


def serialize_ntriples(triples: Iterable[Triple]) -> bytes:
    """Sorted, canonical N-Triples: one triple a line, lines in code point order."""
    lines = sorted({f"{t} .\n" for t in triples})
    return "".join(lines).encode()


def serialize_nquads(quads: Iterable[ox.Quad]) -> bytes:
    """Sorted N-Quads, each record's triples in its own graph."""
    lines = sorted({f"{q} .\n" for q in quads})
    return "".join(lines).encode()


class TurtleWriter:
    """Readable, stable Turtle, one subject block at a time: ``a`` first, then predicates.

    Literals keep their exact lexical form (no decimal or date normalisation), and a name is
    abbreviated with a prefix only where the local part needs no escaping (so the split is at
    the IRI's last ``/`` or ``#``: one dictionary look-up per distinct IRI). The header lists
    only the prefixes the blocks used, so it is written last.
    """

    def __init__(self, base: str) -> None:
        self.prefix_of = {ns: prefix for prefix, ns in _turtle_prefixes(base).items()}
        self.used: set[str] = set()
        self.names: dict[str, str] = {}

    def name(self, iri: str) -> str:
        """Return an IRI as written: a prefixed name where one is safe, else ``<iri>``."""
        found = self.names.get(iri)
        if found is None:
            cut = max(iri.rfind("/"), iri.rfind("#")) + 1
            namespace, local = iri[:cut], iri[cut:]
            if namespace in self.prefix_of and _PN_LOCAL.match(local):
                found = f"{self.prefix_of[namespace]}:{local}"
                self.used.add(namespace)
            else:
                found = f"<{iri}>"
            if len(self.names) >= _NAME_CACHE:  # most subjects come once: keep memory flat
                self.names.clear()
            self.names[iri] = found
        return found

    def term(self, node: Any) -> str:
        """Return an object as written (an integer bare, other literals with their datatype)."""
        if isinstance(node, NamedNode):
            return self.name(node.value)
        text = str(node)
        datatype = node.datatype.value
        if node.language or datatype == _XSD_STRING:
            return text
        if datatype == _XSD_INTEGER and _INTEGER.match(node.value):
            return str(node.value)
        return text[: text.rindex("^^") + 2] + self.name(datatype)

    def term_text(self, text: str) -> str | None:
        """Return an object given as N-Triples text (``str()`` of a term) as ``term`` writes it.

        None when only a parse can tell (an escape inside a literal, a blank node): the dumps
        read a line's terms as text and parse the rare subject that has one of those.
        """
        if text[0] == "<":
            return self.name(text[1:-1])
        if text[0] != '"' or "\\" in text:
            return None
        end = text.rindex('"')
        if end == len(text) - 1 or text[end + 1] == "@":
            return text
        datatype = text[end + 4 : -1]  # "lexical"^^<datatype>
        if datatype == _XSD_STRING:
            return None
        if datatype == _XSD_INTEGER and _INTEGER.match(text[1:end]):
            return text[1:end]
        return text[: end + 3] + self.name(datatype)

    def block(self, subject: str, predicates: dict[str, list[str]]) -> str:
        """Return one subject's block; ``predicates`` maps each predicate to its objects' terms."""
        order = sorted(predicates, key=lambda p: (p != RDF_TYPE, self.name(p)))
        parts = []
        for predicate in order:
            verb = "a" if predicate == RDF_TYPE else self.name(predicate)
            parts.append(f"    {verb} " + " ,\n        ".join(sorted(predicates[predicate])))
        return "\n" + self.name(subject) + "\n" + " ;\n".join(parts) + " ."

    def header(self) -> str:
        """Return the ``@prefix`` lines of the prefixes the blocks used."""
        return "\n".join(sorted(f"@prefix {self.prefix_of[ns]}: <{ns}> ." for ns in self.used))


def serialize_turtle(triples: Iterable[Triple], base: str) -> bytes:
    """Readable, stable Turtle of a small graph (see ``TurtleWriter``), subjects sorted."""
    writer = TurtleWriter(base)
    subjects: dict[str, dict[str, list[str]]] = {}
    for t in set(triples):
        subject: Any = t.subject
        subjects.setdefault(subject.value, {}).setdefault(t.predicate.value, []).append(
            writer.term(t.object)
        )
    body = [writer.block(subject, subjects[subject]) for subject in sorted(subjects)]
    header = writer.header()
    return ((header + "\n" if header else "") + "\n".join(body) + "\n").encode()


#: IRIs whose written form is remembered (predicates, classes and datatypes repeat; at millions
#: of subjects an unbounded cache would grow with the data).
_NAME_CACHE = 100_000
#: Turtle local names we write without escapes (a safe subset of PN_LOCAL).
_PN_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_INTEGER = re.compile(r"^-?[0-9]+$")
RDF_TYPE = RDF + "type"
_XSD_STRING = XSD + "string"
_XSD_INTEGER = XSD + "integer"


def _turtle_prefixes(base: str) -> dict[str, str]:
    kinds = ("consortium", "organisation", "source", "graph", "disease", "role")
    return {**prefixes_for(base), **kind_namespaces(base, kinds)}


_SAFE_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$")


class JsonLdWriter:
    """Compact JSON-LD: a context of prefixes, then one node a line, keys and values sorted."""

    def __init__(self, base: str) -> None:
        self.prefixes = prefixes_for(base)
        # the longest namespace wins: kg: vs ckg:
        self.ordered = sorted(self.prefixes.items(), key=lambda kv: -len(kv[1]))
        self.compacted: dict[str, str] = {}

    def compact(self, iri: str) -> str:
        """Return an IRI as a compact IRI where a prefix fits, else as it is."""
        found = self.compacted.get(iri)
        if found is None:
            found = iri
            for name, ns in self.ordered:
                if iri.startswith(ns) and _SAFE_LOCAL.match(iri[len(ns) :]):
                    found = f"{name}:{iri[len(ns) :]}"
                    break
            if len(self.compacted) >= _NAME_CACHE:
                self.compacted.clear()
            self.compacted[iri] = found
        return found

    def add(self, node: dict[str, list[Any]], predicate: str, obj: Any) -> None:
        """Add one value to a node's properties."""
        if predicate == RDF_TYPE:
            node.setdefault("@type", []).append(self.compact(obj.value))
            return
        value: Any
        if isinstance(obj, NamedNode):
            value = {"@id": self.compact(obj.value)}
        elif obj.language:
            value = {"@value": obj.value, "@language": obj.language}
        elif obj.datatype.value == _XSD_STRING:
            value = obj.value
        else:
            value = {"@value": obj.value, "@type": self.compact(obj.datatype.value)}
        node.setdefault(self.compact(predicate), []).append(value)

    def add_text(self, node: dict[str, list[Any]], predicate: str, text: str) -> bool:
        """Add one value given as N-Triples text (``str()`` of a term), as ``add`` would.

        Return False, adding nothing, when only a parse can tell (an escape inside a literal,
        a blank node, a literal typed ``rdf:type``'s way): the caller then parses the term.
        """
        first = text[0]
        if first == "<":
            if predicate == RDF_TYPE:
                node.setdefault("@type", []).append(self.compact(text[1:-1]))
            else:
                node.setdefault(self.compact(predicate), []).append(
                    {"@id": self.compact(text[1:-1])}
                )
            return True
        if first != '"' or "\\" in text or predicate == RDF_TYPE:
            return False
        end = text.rindex('"')
        value: Any
        if end == len(text) - 1:
            value = text[1:end]
        elif text[end + 1] == "@":
            value = {"@value": text[1:end], "@language": text[end + 2 :]}
        else:
            datatype = text[end + 4 : -1]
            if datatype == _XSD_STRING:
                return False
            value = {"@value": text[1:end], "@type": self.compact(datatype)}
        node.setdefault(self.compact(predicate), []).append(value)
        return True

    def line(self, subject: str, props: dict[str, list[Any]]) -> str:
        """Return one node as a line of JSON."""
        entry: dict[str, Any] = {"@id": self.compact(subject)}
        for key in sorted(props):
            values = props[key]
            entry[key] = values if len(values) == 1 else sorted(values, key=_json_key)
        # one node a line, through json's C encoder (indentation would use the slow one)
        return json.dumps(entry, ensure_ascii=False)

    def opening(self) -> str:
        """Return the document up to its first node: the context and ``@graph``."""
        context = json.dumps(dict(sorted(self.prefixes.items())), ensure_ascii=False, indent=1)
        return '{"@context": ' + context + ',\n"@graph": [\n'

    closing = "\n]}\n"


def serialize_jsonld(triples: Iterable[Triple], base: str) -> bytes:
    """Compact JSON-LD of a small graph (see ``JsonLdWriter``), nodes sorted by subject."""
    writer = JsonLdWriter(base)
    nodes: dict[str, dict[str, list[Any]]] = {}
    for t in triples:
        subject: Any = t.subject
        writer.add(nodes.setdefault(subject.value, {}), t.predicate.value, t.object)
    lines = [writer.line(subject, nodes[subject]) for subject in sorted(nodes)]
    return (writer.opening() + ",\n".join(lines) + writer.closing).encode()


def _json_key(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


# --- any RDF format ------------------------------------------------------------------------


def serialize_graph(triples: Sequence[Triple], fmt: str, base: str, pretty: bool = True) -> bytes:
    """Write triples as Turtle, N-Triples, JSON-LD or RDF/XML (``fmt`` is a format's name).

    Turtle and JSON-LD come sorted and readable, as the dumps are, when ``pretty`` and no blank
    node is among them (our writers name only IRIs); otherwise pyoxigraph writes them, with the
    prefixes the predicates use (JSON-LD with its context inline).
    """
    if fmt == "ntriples":
        return serialize_ntriples(triples)
    blank = any(
        isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples
    )
    if pretty and not blank and fmt == "turtle":
        return serialize_turtle(triples, base)
    if pretty and not blank and fmt == "jsonld":
        return serialize_jsonld(triples, base)
    rdf = format_named(fmt).rdf
    if rdf is None:
        raise KeyError(f"{fmt} is not an RDF format")
    if fmt == "jsonld":
        return ox.serialize(triples, format=rdf) or b""
    used = {
        p: ns
        for p, ns in prefixes_for(base).items()
        if any(str(t.predicate.value).startswith(ns) for t in triples)
    }
    return ox.serialize(triples, format=rdf, prefixes=used) or b""


# --- SPARQL answers ------------------------------------------------------------------------


class _TooMany(Exception):
    """Raised inside pyoxigraph's serializer when an answer passes the row cap."""


class _RowCounter:
    """Where pyoxigraph writes SELECT answers as TSV: one line a row, counted as it comes.

    SPARQL TSV escapes every line break inside a term, so the answer has exactly one line per
    row after its header; past the cap :class:`_TooMany` stops the serializer, so an answer of
    millions of rows is neither held in memory nor written.
    """

    __slots__ = ("cap", "lines", "parts")

    def __init__(self, max_rows: int) -> None:
        self.cap = max_rows + 1  # and the header
        self.lines = 0
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        if self.lines > self.cap:
            raise _TooMany
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _results_format(fmt: str) -> ox.QueryResultsFormat:
    results = format_named(fmt).results
    if results is None:
        raise KeyError(f"{fmt} is not a SPARQL result format")
    return results


def serialize_solutions(solutions: ox.QuerySolutions, fmt: str) -> bytes:
    """Write SELECT solutions in ``fmt`` (json, xml, csv or tsv) with pyoxigraph's writers."""
    return solutions.serialize(format=_results_format(fmt)) or b""


def serialize_solutions_capped(
    solutions: ox.QuerySolutions, fmt: str, max_rows: int
) -> tuple[bytes, int] | None:
    """Write SELECT solutions in ``fmt`` with their row count; None past ``max_rows``.

    They are written once as TSV, counting rows, and only when within the cap read back and
    written in the format asked for (TSV holds every term exactly: the answer is the same as
    writing that format straight away).
    """
    counter = _RowCounter(max_rows)
    try:
        # any object with write() will do: pyoxigraph's stub asks for a file
        solutions.serialize(counter, format=ox.QueryResultsFormat.TSV)  # type: ignore[arg-type]
    except _TooMany:
        return None
    tsv = b"".join(counter.parts)
    rows = max(tsv.count(b"\n") - 1, 0)
    if fmt == "tsv":
        return tsv, rows
    again = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    assert isinstance(again, ox.QuerySolutions)  # TSV holds solutions, never a boolean
    return serialize_solutions(again, fmt), rows


def serialize_boolean(value: bool, fmt: str) -> bytes:
    """Write an ASK answer: ``true``/``false`` for table, csv and tsv; the standard forms else."""
    if fmt in ("table", "csv", "tsv"):
        return b"true\n" if value else b"false\n"
    doc = json.dumps({"head": {}, "boolean": value}).encode()
    answer = ox.parse_query_results(doc, format=ox.QueryResultsFormat.JSON)
    return answer.serialize(format=_results_format(fmt)) or b""
