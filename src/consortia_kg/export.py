"""Dumps: sorted Turtle, N-Triples, N-Quads and JSON-LD, gzipped copies, checksums and VoID.

Written atomically and byte-identical for the same records.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pyoxigraph import Literal, NamedNode, Triple

from consortia_kg.atomic import replace_files
from consortia_kg.build import BuiltGraph
from consortia_kg.formats import RDF_FORMATS, rdf_format
from consortia_kg.vocab import CKG, DCAT, DCTERMS, PREFIXES, RDF, VOID, XSD, mint

__all__ = [
    "DUMP_STEM",
    "dump_files",
    "serialize_jsonld",
    "serialize_nquads",
    "serialize_ntriples",
    "serialize_turtle",
    "write_dumps",
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
    lines = sorted({f"{t.subject} {t.predicate} {t.object} .\n" for t in triples})
    return "".join(lines).encode()


def serialize_nquads(quads: Iterable[ox.Quad]) -> bytes:
    """Sorted N-Quads, each record's triples in its own graph."""
    lines = sorted({f"{q.subject} {q.predicate} {q.object} {q.graph_name} .\n" for q in quads})
    return "".join(lines).encode()


def serialize_turtle(triples: Iterable[Triple], base: str) -> bytes:
    """Readable, stable Turtle: sorted prefixes, subjects in order, ``a`` first, then predicates.

    Literals keep their exact lexical form (no decimal or date normalisation), and a name is
    abbreviated with a prefix only where the local part needs no escaping (so the split is at
    the IRI's last ``/`` or ``#``: one dictionary look-up per distinct IRI).
    """
    prefix_of = {ns: prefix for prefix, ns in _turtle_prefixes(base).items()}
    used: set[str] = set()
    names: dict[str, str] = {}

    def name(iri: str) -> str:
        found = names.get(iri)
        if found is None:
            cut = max(iri.rfind("/"), iri.rfind("#")) + 1
            namespace, local = iri[:cut], iri[cut:]
            if namespace in prefix_of and _PN_LOCAL.match(local):
                found = f"{prefix_of[namespace]}:{local}"
                used.add(namespace)
            else:
                found = f"<{iri}>"
            names[iri] = found
        return found

    def term(node: Any) -> str:
        if isinstance(node, NamedNode):
            return name(node.value)
        text = str(node)
        datatype = node.datatype.value
        if node.language or datatype == _XSD_STRING:
            return text
        if datatype == _XSD_INTEGER and _INTEGER.match(node.value):
            return str(node.value)
        return text[: text.rindex("^^") + 2] + name(datatype)

    subjects: dict[str, dict[str, list[str]]] = {}
    for t in set(triples):
        subject: Any = t.subject
        subjects.setdefault(subject.value, {}).setdefault(t.predicate.value, []).append(
            term(t.object)
        )
    body = []
    for subject in sorted(subjects):
        predicates = subjects[subject]
        order = sorted(predicates, key=lambda p: (p != _RDF_TYPE, name(p)))
        parts = []
        for predicate in order:
            verb = "a" if predicate == _RDF_TYPE else name(predicate)
            parts.append(f"    {verb} " + " ,\n        ".join(sorted(predicates[predicate])))
        body.append("\n" + name(subject) + "\n" + " ;\n".join(parts) + " .")
    header = sorted(f"@prefix {prefix_of[ns]}: <{ns}> ." for ns in used)
    return ("\n".join(header + body) + "\n").encode()


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


def serialize_jsonld(triples: Iterable[Triple], base: str) -> bytes:
    """Compact JSON-LD: a context of prefixes, then one node per subject, all sorted."""
    prefixes = prefixes_for(base)
    ordered = sorted(
        prefixes.items(), key=lambda kv: -len(kv[1])
    )  # the longest namespace wins: kg: vs ckg:

    compacted: dict[str, str] = {}

    def compact(iri: str) -> str:
        found = compacted.get(iri)
        if found is None:
            found = iri
            for name, ns in ordered:
                if iri.startswith(ns) and _SAFE_LOCAL.match(iri[len(ns) :]):
                    found = f"{name}:{iri[len(ns) :]}"
                    break
            compacted[iri] = found
        return found

    nodes: dict[str, dict[str, list[Any]]] = {}
    for t in triples:
        subject: Any = t.subject
        obj: Any = t.object
        node = nodes.setdefault(subject.value, {})
        if t.predicate.value == _RDF_TYPE:
            node.setdefault("@type", []).append(compact(obj.value))
            continue
        value: Any
        if isinstance(obj, NamedNode):
            value = {"@id": compact(obj.value)}
        elif obj.language:
            value = {"@value": obj.value, "@language": obj.language}
        elif obj.datatype.value == _XSD_STRING:
            value = obj.value
        else:
            value = {"@value": obj.value, "@type": compact(obj.datatype.value)}
        node.setdefault(compact(t.predicate.value), []).append(value)
    lines = []
    for subject in sorted(nodes):
        props = nodes[subject]
        entry: dict[str, Any] = {"@id": compact(subject)}
        for key in sorted(props):
            values = props[key]
            entry[key] = values if len(values) == 1 else sorted(values, key=_json_key)
        # one node a line, through json's C encoder (indentation would use the slow one)
        lines.append(json.dumps(entry, ensure_ascii=False))
    context = json.dumps(dict(sorted(prefixes.items())), ensure_ascii=False, indent=1)
    return ('{"@context": ' + context + ',\n"@graph": [\n' + ",\n".join(lines) + "\n]}\n").encode()


def _json_key(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _gzip(content: bytes) -> bytes:
    buffer = io.BytesIO()
    # mtime=0 and no file name keep the archive byte-identical across builds
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=6) as gz:
        gz.write(content)
    return buffer.getvalue()


def dump_files(built: BuiltGraph) -> dict[str, bytes]:
    """Return every dump file by name: the graph dumps, their .gz, void.ttl and SHA256SUMS."""
    triples = list({q.triple for q in built.quads})  # each writer orders its own output
    files: dict[str, bytes] = {
        f"{DUMP_STEM}.ttl": serialize_turtle(triples, built.base),
        f"{DUMP_STEM}.nt": serialize_ntriples(triples),
        f"{DUMP_STEM}.nq": serialize_nquads(built.quads),
        f"{DUMP_STEM}.jsonld": serialize_jsonld(triples, built.base),
    }
    for name in list(files):
        files[name + ".gz"] = _gzip(files[name])
    files["void.ttl"] = serialize_turtle(describe_dataset(built, triples, files), built.base)
    files["SHA256SUMS"] = "".join(
        f"{hashlib.sha256(content).hexdigest()}  {name}\n"
        for name, content in sorted(files.items())
    ).encode()
    return files


def write_dumps(built: BuiltGraph, output: Path) -> dict[str, bytes]:
    """Write every dump into ``output`` atomically; return what was written."""
    files = dump_files(built)
    replace_files(output, files)
    return files


def describe_dataset(
    built: BuiltGraph, triples: list[Any], files: dict[str, bytes]
) -> list[Triple]:
    """VoID + DCAT: counts, classes, properties, licence, and each dump with size and checksum."""
    base = built.base
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
    add(dataset, DCTERMS + "hasVersion", Literal("sha256:" + built.version))
    add(dataset, VOID + "uriSpace", Literal(base))
    add(dataset, VOID + "sparqlEndpoint", NamedNode(mint(base, "sparql")))
    add(dataset, VOID + "triples", integer(len(triples)))
    subjects: set[str] = set()
    entities: set[str] = set()
    classes: Counter[str] = Counter()
    properties: Counter[str] = Counter()
    for t in triples:  # one pass: at CORDIS scale this is millions of triples
        subject = t.subject.value
        predicate = t.predicate.value
        subjects.add(subject)
        properties[predicate] += 1
        if predicate == _RDF_TYPE:
            entities.add(subject)
            classes[t.object.value] += 1
    add(dataset, VOID + "distinctSubjects", integer(len(subjects)))
    add(dataset, VOID + "entities", integer(len(entities)))
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
    for name, content in sorted(files.items()):
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
        add(dist, DCAT + "byteSize", integer(len(content)))
        checksum = NamedNode(dist.value + "/sha256")
        add(dist, _SPDX + "checksum", checksum)
        add(checksum, RDF + "type", NamedNode(_SPDX + "Checksum"))
        add(checksum, _SPDX + "algorithm", NamedNode(_SPDX + "checksumAlgorithm_sha256"))
        add(checksum, _SPDX + "checksumValue", Literal(hashlib.sha256(content).hexdigest()))
    return out


def _part_slug(iri: str) -> str:
    for name, ns in sorted(PREFIXES.items()):
        if iri.startswith(ns):
            return f"{name}-{re.sub(r'[^A-Za-z0-9_.-]', '-', iri[len(ns) :])}"
    return re.sub(r"[^A-Za-z0-9_.-]", "-", iri.split("://", 1)[-1])


assert {f.extension for f in RDF_FORMATS} >= {"ttl", "nt", "nq", "jsonld"}
