"""Dumps: sorted Turtle, N-Triples, N-Quads and JSON-LD, gzipped copies, checksums and VoID.

Written atomically and byte-identical for the same records. The dump files are written from a
sorted stream of N-Quads lines, one pass per format, so memory does not grow with the data:
N-Quads as they come, N-Triples by dropping the graph (the order holds, see ``triple_line``),
Turtle and JSON-LD one subject at a time from the N-Triples just written, with the writers of
:mod:`consortia_kg.serialize` (whose ``serialize_*`` functions write small graphs in memory, a
page or a query result, with the same code per subject).
"""

from __future__ import annotations

import gzip
import hashlib
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
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from consortia_kg import iris
from consortia_kg.atomic import scratch_prefix
from consortia_kg.build.quadlines import die_with_parent
from consortia_kg.formats import RDF_FORMATS, rdf_format
from consortia_kg.serialize import RDF_TYPE as _RDF_TYPE
from consortia_kg.serialize import JsonLdWriter as _JsonLdWriter
from consortia_kg.serialize import TurtleWriter as _TurtleWriter
from consortia_kg.serialize import serialize_turtle
from consortia_kg.vocab import CKG, DCAT, DCTERMS, PREFIXES, RDF, VOID, XSD

__all__ = [
    "DUMP_STEM",
    "RECORDS_LICENCE",
    "DumpSet",
    "triple_line",
    "write_dump_stream",
]

Term = NamedNode | Literal | BlankNode

#: Every dump is ``consortia.<extension>``.
DUMP_STEM = "consortia"
_SPDX = "http://spdx.org/rdf/terms#"
_IANA = "https://www.iana.org/assignments/media-types/"
#: The licence of the curated records' own text (docs/dumps.md): each record graph's.
RECORDS_LICENCE = "https://creativecommons.org/publicdomain/zero/1.0/"
_CC = "http://creativecommons.org/ns#"
_PROV = "http://www.w3.org/ns/prov#"
#: What VoID repeats about a graph's sources (a snapshot ``registry/<id>``, a ``source/<slug>``).
_SOURCE_FACTS = (
    DCTERMS + "license",
    DCTERMS + "rights",
    _CC + "attributionName",
    DCTERMS + "title",
)


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


def _gzip_file(path: Path) -> dict[str, DumpFile]:
    """Write the gzip copy of a finished file beside it (the bytes ``_Sink`` would write)."""
    files: dict[str, DumpFile] = {}
    sink = _Sink(path.with_name(path.name + ".gz"))
    with (
        path.open("rb") as handle,
        gzip.GzipFile(filename="", mode="wb", fileobj=sink, mtime=0, compresslevel=6) as gz,
    ):
        while chunk := handle.read(1 << 20):
            gz.write(chunk)
    sink.close(files)
    return files


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


def triple_line(quad_line: bytes) -> bytes:
    """Drop the graph name of an N-Quads line.

    Sorted N-Quads lines give sorted N-Triples lines this way: two lines first differ inside
    subject, predicate or object, or where one term ends (a space, in both formats) and the
    other goes on, so the order of the triples is the same; equal triples end up adjacent.
    """
    return quad_line[: quad_line.rindex(b" <")] + b" .\n"


@dataclass
class _Provenance:
    """Where each named graph's quads come from, gathered while the N-Quads stream past.

    Each graph's number of quads, its ``prov:wasDerivedFrom`` (a record graph's sources, a
    registry graph's snapshot), and what those sources say of their licence, attribution and
    title: VoID makes every graph a subset with its own licence from these.
    """

    base: str
    quads: Counter[str] = field(default_factory=Counter)
    derived: dict[str, list[str]] = field(default_factory=dict)
    facts: dict[str, dict[str, list[Term]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        base = self.base.encode()
        self._graphs = b"<" + base + b"graph/"
        self._sources = (b"<" + base + b"registry/", b"<" + base + b"source/")

    def see(self, line: bytes) -> None:
        """Count one N-Quads line, and keep it when it says where a graph comes from."""
        self.quads[line[line.rindex(b" <") + 2 : line.rindex(b">")].decode()] += 1
        if line.startswith(self._graphs) or line.startswith(self._sources):
            for quad in ox.parse(line, format=ox.RdfFormat.N_QUADS):
                subject, predicate = quad.subject.value, quad.predicate.value
                if predicate == _PROV + "wasDerivedFrom" and subject.startswith(
                    self.base + "graph/"
                ):
                    self.derived.setdefault(subject, []).append(quad.object.value)
                elif predicate in _SOURCE_FACTS and subject.count("/") == self.base.count("/") + 1:
                    facts = self.facts.setdefault(subject, {}).setdefault(predicate, [])
                    if quad.object not in facts:
                        facts.append(quad.object)


@dataclass
class _Counts:
    """The figures VoID states, counted while the graph streams past."""

    triples: int = 0
    subjects: int = 0
    entities: int = 0
    classes: Counter[str] = field(default_factory=Counter)
    properties: Counter[str] = field(default_factory=Counter)
    provenance: _Provenance | None = None


def write_dump_stream(
    quad_lines: Iterable[bytes],
    output: Path,
    base: str,
    version: str,
    nquads_written: Callable[[Path, int], None] | None = None,
    predecessor: tuple[str, str] | None = None,
) -> DumpSet:
    """Write every dump from sorted, distinct N-Quads lines into ``output``, atomically.

    Each file is written into a staging folder inside ``output`` and renamed into place only
    once all of them are written, so a failure leaves ``output`` as it was. ``nquads_written``
    is called with the staged N-Quads file and its number of quads as soon as it is complete
    (the store can load it while Turtle and JSON-LD are written). ``predecessor`` (the id and
    version of the release these dumps follow) is named in VoID.
    """
    output.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=scratch_prefix("dumps-new"), dir=output))
    os.chmod(staging, 0o755)
    try:
        written = DumpSet()
        provenance = _Provenance(base)
        _write_lines(quad_lines, staging, written, provenance)
        if nquads_written is not None:
            nquads_written(staging / f"{DUMP_STEM}.nq", written.quads)
        counts = _write_documents(staging, base, written)
        counts.provenance = provenance
        void = serialize_turtle(
            describe_dataset(base, version, counts, written.files, predecessor), base
        )
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


def _write_lines(
    quad_lines: Iterable[bytes], staging: Path, written: DumpSet, provenance: _Provenance
) -> None:
    """N-Quads as they come, and N-Triples with the graph dropped and duplicates skipped.

    Their gzip copies are made afterwards from the files (``_gzip_file``), beside Turtle and
    JSON-LD: compressing here would hold back the store, which loads the finished N-Quads.
    """
    nq_sink = _Sink(staging / f"{DUMP_STEM}.nq")
    nt_sink = _Sink(staging / f"{DUMP_STEM}.nt")
    nq, nt = _Batched(nq_sink.write), _Batched(nt_sink.write)
    previous = b""
    for line in quad_lines:
        nq.write(line)
        provenance.see(line)
        written.quads += 1
        triple = triple_line(line)
        if triple != previous:
            nt.write(triple)
            written.triples += 1
            previous = triple
    nq.drain()
    nt.drain()
    nq_sink.close(written.files)
    nt_sink.close(written.files)


def _by_subject(path: Path) -> Iterator[tuple[str, list[str]]]:
    """Read sorted N-Triples back as (subject term, its lines), one subject at a time.

    The lines stay text: the writers read each term from the form ``str()`` of a pyoxigraph
    term gives (the form the file is written in), which is several times faster than making
    a term object of each (``_parsed`` does, for the rare subject text cannot tell).
    """
    # newline="\n": a line ends only at "\n" (N-Triples escapes every other line break)
    with path.open(encoding="utf-8", newline="\n", buffering=1 << 20) as handle:
        subject = ""
        lines: list[str] = []
        for line in handle:
            this = line[: line.index(" ")]
            if this != subject:
                if lines:
                    yield subject, lines
                subject, lines = this, []
            lines.append(line)
        if lines:
            yield subject, lines


def _parsed(lines: list[str]) -> tuple[str, list[Triple]]:
    """Return a subject's lines as terms: (the subject's IRI or blank node id, its triples)."""
    triples = list(ox.parse("".join(lines), format=ox.RdfFormat.N_TRIPLES))
    return triples[0].subject.value, triples


def _split(line: str) -> tuple[str, str]:
    """Return the predicate IRI and the object text of an N-Triples line (``<s> <p> o .``)."""
    _, predicate, obj = line[:-3].split(" ", 2)
    return predicate[1:-1], obj


#: From this size of N-Triples on, Turtle and JSON-LD are written by processes of their own.
_JSONLD_APART_BYTES = 64 * 1024 * 1024


def _write_documents(staging: Path, base: str, written: DumpSet) -> _Counts:
    """Turtle, JSON-LD and the N-Quads/N-Triples gzip copies; count what VoID states.

    For large data two forked processes share the work, one thread each (Turtle then the
    N-Triples copy; JSON-LD then the N-Quads copy), beside the store loading in this process:
    more threads than that were measured to starve the writers behind the store's loader.
    """
    nt = staging / f"{DUMP_STEM}.nt"
    if nt.stat().st_size < _JSONLD_APART_BYTES or "fork" not in mp.get_all_start_methods():
        counts, files = _write_turtle_then_copy(staging, base)
        written.files.update(files)
        written.files.update(_write_jsonld_then_copy(staging, base))
        return counts
    with ProcessPoolExecutor(
        max_workers=2,
        mp_context=mp.get_context("fork"),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        jsonld = pool.submit(_write_jsonld_then_copy, staging, base)
        turtle = pool.submit(_write_turtle_then_copy, staging, base)
        counts, files = turtle.result()
        written.files.update(files)
        written.files.update(jsonld.result())
    return counts


def _write_turtle_then_copy(staging: Path, base: str) -> tuple[_Counts, dict[str, DumpFile]]:
    counts, files = _write_turtle(staging, base)
    files.update(_gzip_file(staging / f"{DUMP_STEM}.nt"))
    return counts, files


def _write_jsonld_then_copy(staging: Path, base: str) -> dict[str, DumpFile]:
    files = _write_jsonld(staging, base)
    files.update(_gzip_file(staging / f"{DUMP_STEM}.nq"))
    return files


def _write_jsonld(staging: Path, base: str) -> dict[str, DumpFile]:
    writer = _JsonLdWriter(base)
    files: dict[str, DumpFile] = {}
    sink = _Sink(staging / f"{DUMP_STEM}.jsonld", with_gzip=True)
    out = _Batched(sink.write)
    out.write(writer.opening().encode())
    separator = b""
    for subject, lines in _by_subject(staging / f"{DUMP_STEM}.nt"):
        node: dict[str, list[Any]] = {}
        fast = subject[0] == "<"
        if fast:
            for line in lines:
                if not writer.add_text(node, *_split(line)):
                    fast = False
                    break
        if fast:
            subject = subject[1:-1]
        else:
            node = {}
            subject, triples = _parsed(lines)
            for t in triples:
                writer.add(node, t.predicate.value, t.object)
        out.write(separator + writer.line(subject, node).encode())
        separator = b",\n"
    out.write(writer.closing.encode())
    out.drain()
    sink.close(files)
    return files


def _turtle_block(
    writer: _TurtleWriter, subject: str, lines: list[str], counts: _Counts
) -> str | None:
    """Return one subject's Turtle block from its N-Triples lines, counting for VoID.

    None when a term needs a parse (``_TurtleWriter.term_text``); nothing is counted then.
    """
    if subject[0] != "<":
        return None
    predicates: dict[str, list[str]] = {}
    classes: list[str] = []
    for line in lines:
        predicate, obj = _split(line)
        term = writer.term_text(obj)
        if term is None:
            return None
        if predicate == _RDF_TYPE:
            if obj[0] != "<":
                return None
            classes.append(obj[1:-1])
        predicates.setdefault(predicate, []).append(term)
    counts.subjects += 1
    counts.triples += len(lines)
    for predicate, objects in predicates.items():
        counts.properties[predicate] += len(objects)
    for cls in classes:
        counts.classes[cls] += 1
    if classes:
        counts.entities += 1
    return writer.block(subject[1:-1], predicates)


def _turtle_block_parsed(writer: _TurtleWriter, lines: list[str], counts: _Counts) -> str:
    """Return one subject's Turtle block from its lines parsed into terms, counting for VoID."""
    subject, triples = _parsed(lines)
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
    return writer.block(subject, predicates)


def _write_turtle(staging: Path, base: str) -> tuple[_Counts, dict[str, DumpFile]]:
    writer = _TurtleWriter(base)
    counts = _Counts()
    body_path = staging / ".turtle-body"
    with body_path.open("wb") as body_handle:
        body = _Batched(body_handle.write)
        for subject, lines in _by_subject(staging / f"{DUMP_STEM}.nt"):
            block = _turtle_block(writer, subject, lines, counts)
            if block is None:
                block = _turtle_block_parsed(writer, lines, counts)
            body.write(block.encode() + b"\n")
        body.drain()
    # the header lists the prefixes the body used: known only now
    sink = _Sink(staging / f"{DUMP_STEM}.ttl", with_gzip=True)
    header = writer.header()
    sink.write((header + "\n" if header else "").encode())
    with body_path.open("rb") as body_handle:
        shutil.copyfileobj(body_handle, sink, 1 << 20)
    files: dict[str, DumpFile] = {}
    sink.close(files)
    body_path.unlink()
    return counts, files


def describe_dataset(
    base: str,
    version: str,
    counts: _Counts,
    files: dict[str, DumpFile],
    predecessor: tuple[str, str] | None = None,
) -> list[Triple]:
    """VoID + DCAT: counts, classes, properties, subsets with licences, dumps with checksums.

    The dataset states no single licence (docs/dumps.md): its facts come from sources under
    different ones, so each named graph is a ``void:subset`` with its ``dcterms:license`` (a
    registry snapshot's, from the snapshot's description; the curated records' CC0 1.0 for a
    record graph), its attribution, its sources, and its number of quads. ``predecessor``
    (release id, version) is the release this one revises (``prov:wasRevisionOf``).
    """
    dataset = NamedNode(iris.dataset_iri(base))
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
    licences = _describe_subsets(base, dataset, counts.provenance or _Provenance(base), add)
    add(
        dataset,
        DCTERMS + "rights",
        Literal(
            "No single licence: each subset (void:subset, one per named graph) states the "
            "licence and attribution of its facts; reusing the whole dataset means following "
            "each of them. Licences of the subsets: " + ", ".join(sorted(licences)) + "."
            if licences
            else "No facts, and so no licence to state."
        ),
    )
    add(dataset, DCTERMS + "conformsTo", NamedNode(CKG.rstrip("#")))
    add(dataset, DCTERMS + "hasVersion", Literal("sha256:" + version))
    if predecessor is not None:
        # the release this one revises, by id and version: the same inputs after the same
        # release give the same bytes (this release's own id, a time, is not stated)
        earlier = NamedNode(iris.dataset_part_iri(base, "release", predecessor[0]))
        add(dataset, _PROV + "wasRevisionOf", earlier)
        add(earlier, DCTERMS + "identifier", Literal(predecessor[0]))
        if predecessor[1]:
            add(earlier, DCTERMS + "hasVersion", Literal("sha256:" + predecessor[1]))
    add(dataset, VOID + "uriSpace", Literal(base))
    add(dataset, VOID + "sparqlEndpoint", NamedNode(iris.sparql_iri(base)))
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
        part = NamedNode(iris.dataset_part_iri(base, "class", _part_slug(cls)))
        add(dataset, VOID + "classPartition", part)
        add(part, VOID + "class", NamedNode(cls))
        add(part, VOID + "entities", integer(count))
    for prop, count in sorted(properties.items()):
        part = NamedNode(iris.dataset_part_iri(base, "property", _part_slug(prop)))
        add(dataset, VOID + "propertyPartition", part)
        add(part, VOID + "property", NamedNode(prop))
        add(part, VOID + "triples", integer(count))
    for name, entry in sorted(files.items()):
        dist = NamedNode(iris.dump_iri(base, name))
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
        checksum = NamedNode(iris.dump_checksum_iri(base, name))
        add(dist, _SPDX + "checksum", checksum)
        add(checksum, RDF + "type", NamedNode(_SPDX + "Checksum"))
        add(checksum, _SPDX + "algorithm", NamedNode(_SPDX + "checksumAlgorithm_sha256"))
        add(checksum, _SPDX + "checksumValue", Literal(entry.sha256))
    return out


def _describe_subsets(
    base: str,
    dataset: NamedNode,
    provenance: _Provenance,
    add: Callable[[NamedNode, str, Any], None],
) -> set[str]:
    """Describe every named graph as a subset of ``dataset``; return the licences they name."""
    licences: set[str] = set()
    described: set[str] = set()
    for graph, quads in sorted(provenance.quads.items()):
        subset = NamedNode(graph)
        kind = iris.parse_record_graph(base, graph)
        sources = provenance.derived.get(graph, [])
        add(dataset, VOID + "subset", subset)
        # a void:Dataset by void:subset's range; typed so only as DCAT, so that the one thing
        # typed void:Dataset is the whole (whose void:triples counts every triple once)
        add(subset, RDF + "type", NamedNode(DCAT + "Dataset"))
        add(subset, VOID + "triples", Literal(str(quads), datatype=NamedNode(XSD + "integer")))
        if kind is not None and kind[0] == "registry":
            # a snapshot's facts are under the snapshot's licence, with its attribution
            for source in sources:
                facts = provenance.facts.get(source, {})
                # (a snapshot whose upstream states no licence says so in dcterms:rights)
                for predicate in _SOURCE_FACTS:
                    for value in facts.get(predicate, []):
                        add(subset, predicate, value)
                        if predicate == DCTERMS + "license":
                            licences.add(value.value)
        else:
            # a curated record's own text is CC0; what it takes from a source keeps its terms
            add(subset, DCTERMS + "license", NamedNode(RECORDS_LICENCE))
            licences.add(RECORDS_LICENCE)
            if kind is not None:
                add(subset, DCTERMS + "title", Literal(f"Curated record {kind[0]}/{kind[1]}"))
        for source in sources:
            add(subset, DCTERMS + "source", NamedNode(source))
            if source in described:
                continue
            described.add(source)
            for predicate, values in sorted(provenance.facts.get(source, {}).items()):
                for value in values:
                    add(NamedNode(source), predicate, value)
    return licences


def _part_slug(iri: str) -> str:
    for name, ns in sorted(PREFIXES.items()):
        if iri.startswith(ns):
            return f"{name}-{re.sub(r'[^A-Za-z0-9_.-]', '-', iri[len(ns) :])}"
    return re.sub(r"[^A-Za-z0-9_.-]", "-", iri.split("://", 1)[-1])


assert {f.extension for f in RDF_FORMATS} >= {"ttl", "nt", "nq", "jsonld"}
