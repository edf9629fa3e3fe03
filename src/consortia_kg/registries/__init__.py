"""Registry snapshots → N-Quads lines: the second kind of input, beside the curated records.

A snapshot (``data/registries/<id>/``, see :mod:`.snapshot`) is mapped at build time by the
module its manifest names in :data:`MAPPINGS`, into the named graph ``graph/registry/<id>``.
Each mapping is a small module that reads its files with the standard csv/json readers and
writes N-Quads text (``docs/registries.md`` says why not RML, with the measurement).

Every snapshot also describes itself (``registry/<id>``): title, publisher, upstream, commit,
licence, attribution, the day it was taken and each file's sha256, so VoID, the dumps page and
each entity page can name the licence of the facts they show.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from consortia_kg import iris
from consortia_kg.errors import Problem
from consortia_kg.registries import cordis_bulk, cordis_h2020, elixir, nfdi
from consortia_kg.registries.quads import Claims, QuadSink, iri, literal, typed
from consortia_kg.registries.snapshot import (
    NO_LICENCE,
    Snapshot,
    UnreadableFile,
    read_snapshot,
    snapshot_folders,
)
from consortia_kg.vocab import CKG, DCAT, DCTERMS, PROV, RDF, RDFS

__all__ = [
    "MAPPINGS",
    "Claims",
    "MappedSnapshot",
    "map_snapshots",
    "read_claims",
    "registry_sources",
]

#: ``map_snapshot(snapshot, base, claims, out, source) -> summary``, per mapping name.
Mapping = Callable[[Snapshot, str, Claims, QuadSink, str], str]
#: The files each mapping reads (by role), checked before it runs.
MAPPINGS: dict[str, tuple[Mapping, tuple[str, ...]]] = {
    "cordis-h2020": (cordis_h2020.map_snapshot, tuple(cordis_h2020.FILES)),
    "nfdi-gepris": (nfdi.map_snapshot, tuple(nfdi.FILES)),
    "elixir-node-map": (elixir.map_snapshot, tuple(elixir.FILES)),
    "cordis": (cordis_bulk.map_snapshot, tuple(cordis_bulk.FILES)),
}

_CC = "http://creativecommons.org/ns#"


@dataclass
class MappedSnapshot:
    """One snapshot mapped: its lines, findings and what the mapping made of it."""

    id: str
    nquads: bytes = b""
    quads: int = 0
    problems: list[Problem] = field(default_factory=list)
    summary: str = ""
    seconds: float = 0.0
    snapshot: Snapshot | None = None


def registry_sources(data_dir: Path) -> list[Snapshot]:
    """Return the snapshots that can be read (their licence and attribution, for VoID)."""
    found = []
    for folder in snapshot_folders(data_dir):
        snapshot, _ = read_snapshot(folder, tuple(MAPPINGS))
        if snapshot is not None:
            found.append(snapshot)
    return found


def map_snapshots(data_dir: Path, base: str, claims: Claims | None = None) -> list[MappedSnapshot]:
    """Map every snapshot under ``data_dir/registries``, each into its own graph."""
    mapped = []
    for folder in snapshot_folders(data_dir):
        started = time.perf_counter()
        result = MappedSnapshot(folder.name)
        snapshot, problems = read_snapshot(folder, tuple(MAPPINGS))
        result.problems.extend(problems)
        if snapshot is not None:
            result.snapshot = snapshot
            _map_one(snapshot, base, claims or Claims(), result)
        result.seconds = time.perf_counter() - started
        mapped.append(result)
    return mapped


def _map_one(snapshot: Snapshot, base: str, claims: Claims, result: MappedSnapshot) -> None:
    mapping, roles = MAPPINGS[snapshot.mapping]
    missing = [role for role in roles if role not in snapshot.files]
    if missing:
        result.problems.append(
            Problem(
                snapshot.manifest,
                0,
                "files",
                f"mapping {snapshot.mapping} reads the file{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)}, which the manifest does not list",
                fix="list under files: " + ", ".join(roles),
                shape="registry snapshot",
                fatal=True,
            )
        )
        return
    out = QuadSink(iris.registry_graph(base, snapshot.id))
    source = iri(iris.registry_iri(base, snapshot.id))
    try:
        result.summary = mapping(snapshot, base, claims, out, source)
    except UnreadableFile as exc:
        out.problems.append(exc.problem)
    result.problems.extend(capped(out.problems))
    if any(p.fatal for p in result.problems):
        return
    _describe(snapshot, base, out, source)
    result.nquads = out.nquads()
    result.quads = result.nquads.count(b"\n")


#: Findings of one kind (file, column, severity) shown before the rest are summed up in one.
SHOWN_PER_KIND = 10


def capped(problems: list[Problem]) -> list[Problem]:
    """Keep the first findings of each kind (file, column, severity); sum up the rest in one.

    A file gone wrong in every row (a shifted column, a cut file) reads as one problem, not as
    100,000; up to 50 more rows are named in the summary.
    """
    kept: list[Problem] = []
    shown: Counter[tuple[str, str, str]] = Counter()
    rest: dict[tuple[str, str, str], list[Problem]] = {}
    for problem in problems:
        kind = (problem.file, problem.key, problem.severity)
        shown[kind] += 1
        if shown[kind] <= SHOWN_PER_KIND:
            kept.append(problem)
        else:
            rest.setdefault(kind, []).append(problem)
    for (file, key, severity), more in rest.items():
        rows = [p.line for p in more]
        listed = (
            "rows " + ", ".join(map(str, rows))
            if len(rows) <= 50
            else f"rows {rows[0]} to {rows[-1]}"
        )
        kept.append(
            Problem(
                file, rows[0], key,
                f"and {len(more)} more rows like these ({listed})",
                why=more[0].why, fix=more[0].fix, severity=severity,
                shape=more[0].shape, fatal=more[0].fatal,
            )
        )  # fmt: skip
    return kept


def _describe(snapshot: Snapshot, base: str, out: QuadSink, source: str) -> None:
    """Say what the snapshot is, where it came from and under which licence."""
    a = iri(RDF + "type")
    out.add(source, a, iri(DCAT + "Dataset"))
    out.add(source, a, iri(PROV + "Entity"))
    out.add(source, a, iri(CKG + "RegistrySnapshot"))
    out.add(source, iri(DCTERMS + "title"), literal(snapshot.title))
    out.add(source, iri(RDFS + "label"), literal(snapshot.title))
    out.add(source, iri(DCTERMS + "publisher"), literal(snapshot.publisher))
    if snapshot.licence == NO_LICENCE:
        out.add(source, iri(DCTERMS + "rights"), literal("The upstream states no licence."))
    else:
        out.add(source, iri(DCTERMS + "license"), iri(snapshot.licence))
    out.add(source, iri(_CC + "attributionName"), literal(snapshot.attribution))
    out.add(source, iri(PROV + "wasDerivedFrom"), iri(snapshot.upstream))
    out.add(source, iri(DCTERMS + "created"), typed(snapshot.taken, "date"))
    out.text(source, iri(CKG + "commit"), snapshot.commit)
    out.text(source, iri(CKG + "version"), snapshot.version)
    out.text(source, iri(DCTERMS + "description"), snapshot.description)
    if snapshot.homepage:
        out.add(source, iri(DCAT + "landingPage"), iri(snapshot.homepage))
    for role, file in sorted(snapshot.files.items()):
        node = iri(iris.registry_file_iri(base, snapshot.id, role))
        out.add(source, iri(DCAT + "distribution"), node)
        out.add(node, a, iri(DCAT + "Distribution"))
        out.add(node, iri(CKG + "localCopy"), literal(f"registries/{snapshot.id}/{file.path.name}"))
        out.add(node, iri(CKG + "sha256"), literal(file.sha256))
        out.text(node, iri(CKG + "upstreamPath"), file.upstream)
    graph = out.graph
    out.add(graph, a, iri(PROV + "Entity"))
    out.add(graph, iri(PROV + "wasDerivedFrom"), source)


_IDENTIFIER = f"<{DCTERMS}identifier>"
_CLAIMED = ('"pic:', '"gepris:', '"elixir:')


def read_claims(claims: Claims, nquads: str) -> None:
    """Add the registry identifiers one record's N-Quads claim, and what the record states.

    A claim is a ``dcterms:identifier "pic:…"`` (or ``"gepris:…"``) quad of an organisation
    record; the predicates the record states about that organisation are what it says itself.
    """
    lines = nquads.splitlines()
    subjects: set[str] = set()
    for line in lines:
        s, p, rest = line.split(" ", 2)
        if p == _IDENTIFIER and rest.startswith(_CLAIMED):
            value = rest[1 : rest.index('"', 1)]
            claims.iris.setdefault(value, s[1:-1])
            subjects.add(s)
    for line in lines if subjects else ():
        s, p, _ = line.split(" ", 2)
        if s in subjects:
            claims.predicates.setdefault(s[1:-1], set()).add(p[1:-1])
