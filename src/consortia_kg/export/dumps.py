"""Dumps: sorted Turtle, N-Triples, N-Quads and JSON-LD, gzipped copies, checksums and VoID.

Written atomically and byte-identical for the same records. The dump files are written from a
sorted stream of N-Quads lines, one pass per format, so memory does not grow with the data:
N-Quads as they come, N-Triples by dropping the graph (the order holds, see ``_triple_line``),
Turtle and JSON-LD one subject at a time from the N-Triples just written. The ``serialize_*``
functions write small graphs in memory (a page, a query result) with the same code per subject.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import multiprocessing as mp
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox
from pyoxigraph import Literal, NamedNode, Triple

from consortia_kg.atomic import scratch_prefix
from consortia_kg.build.graph import BuiltGraph
from consortia_kg.formats import RDF_FORMATS, rdf_format
from consortia_kg.vocab import CKG, DCAT, DCTERMS, PREFIXES, RDF, VOID, XSD, mint

__all__ = [
    "DUMP_STEM",
    "DumpSet",
    "dump_files",
    "serialize_jsonld",
    "serialize_nquads",
    "serialize_ntriples",
    "serialize_turtle",
    "write_dump_stream",
]

#: Every dump is ``consortia.<extension>``.
DUMP_STEM = "consortia"
_SPDX = "http://spdx.org/rdf/terms#"
_IANA = "https://www.iana.org/assignments/media-types/"
_LICENCE = "https://creativecommons.org/publicdomain/zero/1.0/"


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


class _TurtleWriter:
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
        if isinstance(node, NamedNode):
            return self.name(node.value)
        text = str(node)
        datatype = node.datatype.value
        if node.language or datatype == _XSD_STRING:
            return text
        if datatype == _XSD_INTEGER and _INTEGER.match(node.value):
            return str(node.value)
        return text[: text.rindex("^^") + 2] + self.name(datatype)

    def block(self, subject: str, predicates: dict[str, list[str]]) -> str:
        """Return one subject's block; ``predicates`` maps each predicate to its objects' terms."""
        order = sorted(predicates, key=lambda p: (p != _RDF_TYPE, self.name(p)))
        parts = []
        for predicate in order:
            verb = "a" if predicate == _RDF_TYPE else self.name(predicate)
            parts.append(f"    {verb} " + " ,\n        ".join(sorted(predicates[predicate])))
        return "\n" + self.name(subject) + "\n" + " ;\n".join(parts) + " ."

    def header(self) -> str:
        return "\n".join(sorted(f"@prefix {self.prefix_of[ns]}: <{ns}> ." for ns in self.used))


def serialize_turtle(triples: Iterable[Triple], base: str) -> bytes:
    """Readable, stable Turtle of a small graph (see ``_TurtleWriter``), subjects sorted."""
    writer = _TurtleWriter(base)
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
_RDF_TYPE = RDF + "type"
_XSD_STRING = XSD + "string"
_XSD_INTEGER = XSD + "integer"


def _turtle_prefixes(base: str) -> dict[str, str]:
    kinds = ("consortium", "organisation", "source", "graph", "disease", "role")
    return {**prefixes_for(base), **{k: f"{base}{k}/" for k in kinds}}


_SAFE_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$")


class _JsonLdWriter:
    """Compact JSON-LD: a context of prefixes, then one node a line, keys and values sorted."""

    def __init__(self, base: str) -> None:
        self.prefixes = prefixes_for(base)
        # the longest namespace wins: kg: vs ckg:
        self.ordered = sorted(self.prefixes.items(), key=lambda kv: -len(kv[1]))
        self.compacted: dict[str, str] = {}

    def compact(self, iri: str) -> str:
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
        if predicate == _RDF_TYPE:
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

    def line(self, subject: str, props: dict[str, list[Any]]) -> str:
        """Return one node as a line of JSON."""
        entry: dict[str, Any] = {"@id": self.compact(subject)}
        for key in sorted(props):
            values = props[key]
            entry[key] = values if len(values) == 1 else sorted(values, key=_json_key)
        # one node a line, through json's C encoder (indentation would use the slow one)
        return json.dumps(entry, ensure_ascii=False)

    def opening(self) -> str:
        context = json.dumps(dict(sorted(self.prefixes.items())), ensure_ascii=False, indent=1)
        return '{"@context": ' + context + ',\n"@graph": [\n'

    closing = "\n]}\n"


def serialize_jsonld(triples: Iterable[Triple], base: str) -> bytes:
    """Compact JSON-LD of a small graph (see ``_JsonLdWriter``), nodes sorted by subject."""
    writer = _JsonLdWriter(base)
    nodes: dict[str, dict[str, list[Any]]] = {}
    for t in triples:
        subject: Any = t.subject
        writer.add(nodes.setdefault(subject.value, {}), t.predicate.value, t.object)
    lines = [writer.line(subject, nodes[subject]) for subject in sorted(nodes)]
    return (writer.opening() + ",\n".join(lines) + writer.closing).encode()


def _json_key(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


# --- dump files, streamed ------------------------------------------------------------------


@dataclass(frozen=True)
class DumpFile:
    """A written dump file: its size and SHA-256, as VoID and SHA256SUMS state them."""

    size: int
    sha256: str


@dataclass
class DumpSet:
    """What ``write_dump_stream`` wrote into the output folder."""

    files: dict[str, DumpFile] = field(default_factory=dict)
    quads: int = 0
    triples: int = 0


class _Sink:
    """A file being written: hashed and counted as it goes, optionally gzipped beside it.

    The gzip copy has mtime 0 and no file name, so it is byte-identical across builds.
    """

    def __init__(self, path: Path, with_gzip: bool = False) -> None:
        self.path = path
        self.handle: BinaryIO = path.open("wb")
        self.hash = hashlib.sha256()
        self.size = 0
        self.gz_sink = _Sink(path.with_name(path.name + ".gz")) if with_gzip else None
        self.gz = (
            gzip.GzipFile(filename="", mode="wb", fileobj=self.gz_sink, mtime=0, compresslevel=6)
            if self.gz_sink
            else None
        )

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        self.handle.write(data)
        if self.gz is not None:
            self.gz.write(data)
        return len(data)

    def flush(self) -> None:
        self.handle.flush()

    def close(self, into: dict[str, DumpFile]) -> None:
        """Finish the file (and its gzip copy), sync it to disk, and record it in ``into``."""
        if self.gz is not None and self.gz_sink is not None:
            self.gz.close()
            self.gz_sink.close(into)
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        into[self.path.name] = DumpFile(self.size, self.hash.hexdigest())


class _Batched:
    """Join many small writes into few big ones (a write per line would dominate)."""

    def __init__(self, write: Callable[[bytes], object], limit: int = 1 << 20) -> None:
        self.write_through, self.limit = write, limit
        self.parts: list[bytes] = []
        self.held = 0

    def write(self, data: bytes) -> None:
        self.parts.append(data)
        self.held += len(data)
        if self.held >= self.limit:
            self.drain()

    def drain(self) -> None:
        if self.parts:
            self.write_through(b"".join(self.parts))
            self.parts, self.held = [], 0


def _triple_line(quad_line: bytes) -> bytes:
    """Drop the graph name of an N-Quads line.

    Sorted N-Quads lines give sorted N-Triples lines this way: two lines first differ inside
    subject, predicate or object, or where one term ends (a space, in both formats) and the
    other goes on, so the order of the triples is the same; equal triples end up adjacent.
    """
    return quad_line[: quad_line.rindex(b" <")] + b" .\n"


@dataclass
class _Counts:
    """The figures VoID states, counted while the graph streams past."""

    triples: int = 0
    subjects: int = 0
    entities: int = 0
    classes: Counter[str] = field(default_factory=Counter)
    properties: Counter[str] = field(default_factory=Counter)


def write_dump_stream(
    quad_lines: Iterable[bytes],
    output: Path,
    base: str,
    version: str,
    nquads_written: Callable[[Path, int], None] | None = None,
) -> DumpSet:
    """Write every dump from sorted, distinct N-Quads lines into ``output``, atomically.

    Each file is written into a staging folder inside ``output`` and renamed into place only
    once all of them are written, so a failure leaves ``output`` as it was. ``nquads_written``
    is called with the staged N-Quads file and its number of quads as soon as it is complete
    (the store can load it while Turtle and JSON-LD are written).
    """
    output.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=scratch_prefix("dumps-new"), dir=output))
    os.chmod(staging, 0o755)
    try:
        written = DumpSet()
        _write_lines(quad_lines, staging, written)
        if nquads_written is not None:
            nquads_written(staging / f"{DUMP_STEM}.nq", written.quads)
        counts = _write_documents(staging, base, written)
        void = serialize_turtle(describe_dataset(base, version, counts, written.files), base)
        _write_small(staging / "void.ttl", void, written.files)
        sums = "".join(
            f"{entry.sha256}  {name}\n" for name, entry in sorted(written.files.items())
        ).encode()
        _write_small(staging / "SHA256SUMS", sums, written.files)
        for name in sorted(written.files):
            os.replace(staging / name, output / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _write_small(path: Path, content: bytes, into: dict[str, DumpFile]) -> None:
    sink = _Sink(path)
    sink.write(content)
    sink.close(into)


def _write_lines(quad_lines: Iterable[bytes], staging: Path, written: DumpSet) -> None:
    """N-Quads as they come, and N-Triples with the graph dropped and duplicates skipped."""
    nq_sink = _Sink(staging / f"{DUMP_STEM}.nq", with_gzip=True)
    nt_sink = _Sink(staging / f"{DUMP_STEM}.nt", with_gzip=True)
    nq, nt = _Batched(nq_sink.write), _Batched(nt_sink.write)
    previous = b""
    for line in quad_lines:
        nq.write(line)
        written.quads += 1
        triple = _triple_line(line)
        if triple != previous:
            nt.write(triple)
            written.triples += 1
            previous = triple
    nq.drain()
    nt.drain()
    nq_sink.close(written.files)
    nt_sink.close(written.files)


def _by_subject(path: Path) -> Iterator[tuple[str, list[Triple]]]:
    """Read sorted N-Triples back as (subject IRI, its triples), one subject at a time."""
    triples = ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    for subject, group in itertools.groupby(triples, key=lambda t: t.subject):
        yield subject.value, list(group)


#: From this size of N-Triples on, JSON-LD is written by a second process beside Turtle.
_JSONLD_APART_BYTES = 64 * 1024 * 1024


def _write_documents(staging: Path, base: str, written: DumpSet) -> _Counts:
    """Turtle and JSON-LD from the N-Triples just written; count what VoID states.

    Both are pure Python, one subject at a time; for large data JSON-LD goes to a forked
    process so that the two use two cores.
    """
    nt = staging / f"{DUMP_STEM}.nt"
    if nt.stat().st_size < _JSONLD_APART_BYTES or "fork" not in mp.get_all_start_methods():
        written.files.update(_write_jsonld(staging, base))
        return _write_turtle(staging, base, written)
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork")) as pool:
        jsonld = pool.submit(_write_jsonld, staging, base)
        counts = _write_turtle(staging, base, written)
        written.files.update(jsonld.result())
    return counts


def _write_jsonld(staging: Path, base: str) -> dict[str, DumpFile]:
    writer = _JsonLdWriter(base)
    files: dict[str, DumpFile] = {}
    sink = _Sink(staging / f"{DUMP_STEM}.jsonld", with_gzip=True)
    out = _Batched(sink.write)
    out.write(writer.opening().encode())
    separator = b""
    for subject, triples in _by_subject(staging / f"{DUMP_STEM}.nt"):
        node: dict[str, list[Any]] = {}
        for t in triples:
            writer.add(node, t.predicate.value, t.object)
        out.write(separator + writer.line(subject, node).encode())
        separator = b",\n"
    out.write(writer.closing.encode())
    out.drain()
    sink.close(files)
    return files


def _write_turtle(staging: Path, base: str, written: DumpSet) -> _Counts:
    writer = _TurtleWriter(base)
    counts = _Counts()
    body_path = staging / ".turtle-body"
    with body_path.open("wb") as body_handle:
        body = _Batched(body_handle.write)
        for subject, triples in _by_subject(staging / f"{DUMP_STEM}.nt"):
            counts.subjects += 1
            counts.triples += len(triples)
            predicates: dict[str, list[str]] = {}
            for t in triples:
                obj: Any = t.object
                predicate = t.predicate.value
                counts.properties[predicate] += 1
                if predicate == _RDF_TYPE:
                    counts.classes[obj.value] += 1
                predicates.setdefault(predicate, []).append(writer.term(obj))
            if _RDF_TYPE in predicates:
                counts.entities += 1
            body.write(writer.block(subject, predicates).encode() + b"\n")
        body.drain()
    # the header lists the prefixes the body used: known only now
    sink = _Sink(staging / f"{DUMP_STEM}.ttl", with_gzip=True)
    header = writer.header()
    sink.write((header + "\n" if header else "").encode())
    with body_path.open("rb") as body_handle:
        shutil.copyfileobj(body_handle, sink)
    sink.close(written.files)
    body_path.unlink()
    return counts


def dump_files(built: BuiltGraph) -> dict[str, bytes]:
    """Return every dump file of a graph held in memory, by name (for small graphs)."""
    lines = sorted({f"{quad} .\n".encode() for quad in built.quads})
    with tempfile.TemporaryDirectory() as folder:
        written = write_dump_stream(lines, Path(folder), built.base, built.version)
        return {name: (Path(folder) / name).read_bytes() for name in written.files}


def describe_dataset(
    base: str, version: str, counts: _Counts, files: dict[str, DumpFile]
) -> list[Triple]:
    """VoID + DCAT: counts, classes, properties, licence, and each dump with size and checksum."""
    dataset = NamedNode(mint(base, "dataset"))
    out: list[Triple] = []

    def add(s: NamedNode, p: str, o: Any) -> None:
        out.append(Triple(s, NamedNode(p), o))

    def integer(n: int) -> Literal:
        return Literal(str(n), datatype=NamedNode(XSD + "integer"))

    add(dataset, RDF + "type", NamedNode(VOID + "Dataset"))
    add(dataset, RDF + "type", NamedNode(DCAT + "Dataset"))
    add(
        dataset,
        DCTERMS + "title",
        Literal("consortia-kg: research consortia and their organisations"),
    )
    add(
        dataset,
        DCTERMS + "description",
        Literal(
            "Curated records of research consortia, their governance and the organisations in "
            "them, as RDF under the consortia-kg ontology. Every fact names its source."
        ),
    )
    add(dataset, DCTERMS + "license", NamedNode(_LICENCE))
    add(dataset, DCTERMS + "conformsTo", NamedNode(CKG.rstrip("#")))
    add(dataset, DCTERMS + "hasVersion", Literal("sha256:" + version))
    add(dataset, VOID + "uriSpace", Literal(base))
    add(dataset, VOID + "sparqlEndpoint", NamedNode(mint(base, "sparql")))
    add(dataset, VOID + "triples", integer(counts.triples))
    classes, properties = counts.classes, counts.properties
    add(dataset, VOID + "distinctSubjects", integer(counts.subjects))
    add(dataset, VOID + "entities", integer(counts.entities))
    add(dataset, VOID + "properties", integer(len(properties)))
    for namespace in sorted(set(PREFIXES.values())):
        if any(prop.startswith(namespace) for prop in properties):
            add(dataset, VOID + "vocabulary", NamedNode(namespace))
    add(dataset, VOID + "classes", integer(len(classes)))
    for cls, count in sorted(classes.items()):
        part = NamedNode(mint(base, "dataset", "class", _part_slug(cls)))
        add(dataset, VOID + "classPartition", part)
        add(part, VOID + "class", NamedNode(cls))
        add(part, VOID + "entities", integer(count))
    for prop, count in sorted(properties.items()):
        part = NamedNode(mint(base, "dataset", "property", _part_slug(prop)))
        add(dataset, VOID + "propertyPartition", part)
        add(part, VOID + "property", NamedNode(prop))
        add(part, VOID + "triples", integer(count))
    for name, entry in sorted(files.items()):
        dist = NamedNode(mint(base, "dumps", name))
        add(dataset, VOID + "dataDump", dist)
        add(dataset, DCAT + "distribution", dist)
        add(dist, RDF + "type", NamedNode(DCAT + "Distribution"))
        add(dist, DCAT + "downloadURL", dist)
        add(dist, DCTERMS + "title", Literal(name))
        fmt = rdf_format(name.removesuffix(".gz").rsplit(".", 1)[1])
        if name.endswith(".gz"):
            add(dist, DCAT + "mediaType", NamedNode(_IANA + "application/gzip"))
            add(dist, DCAT + "packageFormat", NamedNode(_IANA + "application/gzip"))
            add(dist, DCTERMS + "format", NamedNode(_IANA + fmt.media_type))
        else:
            add(dist, DCAT + "mediaType", NamedNode(_IANA + fmt.media_type))
        add(dist, DCAT + "byteSize", integer(entry.size))
        checksum = NamedNode(dist.value + "/sha256")
        add(dist, _SPDX + "checksum", checksum)
        add(checksum, RDF + "type", NamedNode(_SPDX + "Checksum"))
        add(checksum, _SPDX + "algorithm", NamedNode(_SPDX + "checksumAlgorithm_sha256"))
        add(checksum, _SPDX + "checksumValue", Literal(entry.sha256))
    return out


def _part_slug(iri: str) -> str:
    for name, ns in sorted(PREFIXES.items()):
        if iri.startswith(ns):
            return f"{name}-{re.sub(r'[^A-Za-z0-9_.-]', '-', iri[len(ns) :])}"
    return re.sub(r"[^A-Za-z0-9_.-]", "-", iri.split("://", 1)[-1])


assert {f.extension for f in RDF_FORMATS} >= {"ttl", "nt", "nq", "jsonld"}
