"""The one pipeline: data/*.yaml → records → graph → (validate | dumps | store).

This is the only module that chains stages; the CLI, the API and the server call its entry
points, and nothing below them imports it:

- ``load_and_build`` / ``validate_data``: the whole graph in memory (validation locates a
  finding back in its record; ``push`` and the watch session need the graph too);
- ``build_outputs`` (``build_dumps``, ``build_store``): streamed. Each record becomes sorted
  N-Quads lines in worker processes, the lines are sorted on disk, every dump is written from
  that one stream, and the store bulk-loads the N-Quads dump while Turtle and JSON-LD are
  written. The dumps get a manifest (``build/manifest.py``), the store its ``meta.json``;
- ``bring_up_to_date``: rebuilds only what the manifests say is stale, each record built once
  (a stale store beside current dumps is loaded from their N-Quads, building nothing).

The new store is put in place only once the dumps of the same version are, so a server that
swaps in a rebuilt store always finds its dumps beside it (the server never writes dumps).
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from consortia_kg.atomic import remove_stale, scratch_prefix
from consortia_kg.build.graph import BuiltGraph, build_graph, build_record
from consortia_kg.build.manifest import (
    Manifest,
    builder_fingerprint,
    data_fingerprint,
    read_manifest,
    remove_manifest,
    write_manifest,
)
from consortia_kg.build.sortedlines import LineSorter
from consortia_kg.errors import InputError, Problem, Severity, plural
from consortia_kg.export.releases import DEFAULT_KEEP, Release
from consortia_kg.query.store import STORE_DIRNAME, StoreMeta, fill_quads, load_store, read_meta
from consortia_kg.records import (
    Record,
    RecordSet,
    data_version,
    display_path,
    load_records,
    read_record,
    record_file,
    record_files,
)
from consortia_kg.registries import Claims, MappedSnapshot, map_snapshots, read_claims
from consortia_kg.vocab import resolve_base_iri

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from consortia_kg.reconcile.links import LinkReport

__all__ = [
    "Gate",
    "Progress",
    "RecordBuild",
    "Run",
    "bring_up_to_date",
    "build_dumps",
    "build_outputs",
    "build_store",
    "check_buildable",
    "fill_store",
    "link_report",
    "load_and_build",
    "load_and_build_record",
    "validate_data",
]

#: Receives one line per finished stage (name, counts, seconds).
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class Run:
    """What a pipeline run produced, and every problem on the way."""

    records: RecordSet
    built: BuiltGraph | None = None
    problems: list[Problem] = field(default_factory=list)
    #: the dump files written (by ``build_dumps``), by name
    files: dict[str, Path] = field(default_factory=dict)
    #: records read (those that could be named)
    record_count: int = 0
    #: distinct quads written (by ``build_dumps``)
    quads: int = 0
    #: what was rebuilt: "dumps", "store" (``bring_up_to_date`` leaves it empty when all is current)
    rebuilt: list[str] = field(default_factory=list)
    #: the registry snapshots mapped (by ``load_and_build``)
    mapped: list[MappedSnapshot] = field(default_factory=list)
    #: the organisation records' lines as N-Quads (registry claims and links read them)
    organisation_lines: str = ""
    #: the release published (by a build into a folder of releases)
    release: Release | None = None

    @property
    def fatal(self) -> bool:
        """Return True when an input could not be read at all."""
        return any(p.fatal for p in self.problems)


class _Stage:
    """A stage of a run: a line when done, and while it runs, once past 2 s and every 10 s.

    Used as a context manager, so that a stage that raises stops saying it is running.
    """

    def __init__(self, progress: Progress, name: str, doing: str = "working") -> None:
        self.progress, self.name, self.doing = progress, name, doing
        self.start = time.perf_counter()
        self._over = threading.Event()
        if progress is not _quiet:
            threading.Thread(target=self._tell, name=f"progress-{name}", daemon=True).start()

    def _tell(self) -> None:
        wait = 2.0
        while not self._over.wait(wait):
            elapsed = time.perf_counter() - self.start
            self.progress(f"{self.name}: {self.doing}... {elapsed:.0f} s so far")
            wait = 10.0

    def __enter__(self) -> _Stage:
        return self

    def __exit__(self, *_: object) -> None:
        self._over.set()

    def done(self, what: str) -> None:
        self._over.set()
        self.progress(f"{self.name}: {what} in {time.perf_counter() - self.start:.2f} s")


# --- in memory -------------------------------------------------------------------------------


def load_and_build(
    data_dir: Path,
    base_iri: str | None = None,
    progress: Progress = _quiet,
    registries: bool = False,
) -> Run:
    """Load every record and build the graph (always, so every problem can be reported).

    The registry snapshots are always mapped (their findings are the run's too); their quads
    join the graph only with ``registries`` (``push`` sends the whole graph; validation and
    the watch session check the records' graph with SHACL, and the snapshots row by row).
    """
    with _Stage(progress, "load", f"reading the records in {data_dir}") as stage:
        records = load_records(data_dir)
        stage.done(f"{plural(len(records), 'record')}, {plural(len(records.problems), 'problem')}")
    run = Run(records, problems=list(records.problems), record_count=len(records))
    base = resolve_base_iri(base_iri)
    with _Stage(progress, "build", "building the records' graph") as stage:
        run.built = build_graph(records, base)
        run.problems.extend(run.built.problems)
        stage.done(
            f"{plural(len(run.built.quads), 'quad')} in {plural(len(run.built.graphs), 'graph')}"
        )
    claims = Claims()
    organisations = {g for g, r in run.built.graphs.items() if r.kind == "organisation"}
    said = "".join(f"{q} .\n" for q in run.built.quads if str(q.graph_name)[1:-1] in organisations)
    read_claims(claims, said)
    run.organisation_lines = said
    chunks = [("records", said.encode())]
    run.mapped = _map_registries(data_dir, base, claims, run, progress)
    for mapped in run.mapped:
        if registries and mapped.nquads:
            run.built.quads.extend(ox.parse(mapped.nquads, format=ox.RdfFormat.N_QUADS))
            chunks.append((mapped.id, mapped.nquads))
    if registries and len(chunks) > 1:
        links = _link_sources(data_dir, base, chunks, progress)
        run.built.quads.extend(ox.parse(links, format=ox.RdfFormat.N_QUADS))
    return run


def _link_sources(
    data_dir: Path, base: str, chunks: list[tuple[str, bytes]], progress: Progress
) -> bytes:
    """Link each organisation to the same one in the other sources (``reconcile/links.py``)."""
    from consortia_kg.reconcile.links import link_nquads

    return link_nquads(_link_report(data_dir, base, chunks, progress), base)


def _link_report(
    data_dir: Path, base: str, chunks: list[tuple[str, bytes]], progress: Progress
) -> LinkReport:
    from consortia_kg.reconcile.links import find_links, organisations_in
    from consortia_kg.reconcile.review import Review

    with _Stage(progress, "links", "linking organisations across sources") as stage:
        report = find_links(organisations_in(chunks, base), Review.load(data_dir))
        stage.done(report.summary())
    return report


def link_report(
    data_dir: Path, base_iri: str | None = None, progress: Progress = _quiet
) -> LinkReport:
    """Map every source and find the links across them, as a build does (without building).

    ``consortia-kg review links`` puts the proposals of the report in the review file.
    """
    run = load_and_build(data_dir, base_iri, progress)
    if run.built is None:
        raise InputError(
            f"the records of {data_dir} cannot be read", hint="run `consortia-kg validate`"
        )
    chunks = [("records", run.organisation_lines.encode())]
    chunks += [(m.id, m.nquads) for m in run.mapped if m.nquads]
    return _link_report(data_dir, run.built.base, chunks, progress)


def _map_registries(
    data_dir: Path, base: str, claims: Claims, run: Run, progress: Progress
) -> list[MappedSnapshot]:
    """Map every registry snapshot; their findings join the run's, their counts the progress."""
    with _Stage(progress, "registries", "mapping the registry snapshots"):
        mapped = map_snapshots(data_dir, base, claims)
    for snapshot in mapped:
        run.problems.extend(snapshot.problems)
        if snapshot.nquads:
            progress(
                f"registry {snapshot.id}: {snapshot.quads} quads in {snapshot.seconds:.2f} s "
                f"({snapshot.summary})"
            )
    return mapped


@dataclass
class RecordBuild:
    """One record file read and built by itself (for re-validating the file that changed)."""

    kind: str
    #: None when the file cannot be read or named
    record: Record | None
    #: the record's own quads (and, once read, ``graphs`` maps its graph to it)
    built: BuiltGraph
    problems: list[Problem]


def load_and_build_record(data_dir: Path, path: Path, base_iri: str | None = None) -> RecordBuild:
    """Read one record file of ``data_dir`` and build its quads alone, in memory."""
    base = resolve_base_iri(base_iri)
    kind, schema, source_path = record_file(data_dir, path)
    record, problems = read_record(kind, schema, path, display_path(path), source_path)
    built = BuiltGraph(base=base)
    if record is not None:
        build_record(built, record, base, None)
        problems = problems + built.problems
    return RecordBuild(kind, record, built, problems)


def validate_data(
    data_dir: Path,
    base_iri: str | None = None,
    progress: Progress = _quiet,
    engine: str = "fast",
) -> Run:
    """Load, build and run SHACL; every problem ends up in ``run.problems``."""
    run = load_and_build(data_dir, base_iri, progress)
    if run.fatal or run.built is None:
        return run
    run.problems.extend(_check_records(run, engine, progress))
    return run


def _check_records(run: Run, engine: str, progress: Progress) -> list[Problem]:
    """Return SHACL's findings on the records' graph of ``run``, and the duplicates'."""
    # pyshacl and its rules are loaded only by the commands that validate
    from consortia_kg.reconcile import find_likely_duplicates
    from consortia_kg.validate.engine import validate_graph, without_cascades
    from consortia_kg.validate.units import find_duplicate_units

    assert run.built is not None
    found: list[Problem] = []
    with _Stage(progress, "validate", "checking the records against the shapes") as stage:
        result = validate_graph(run.built, engine=engine)
        found.extend(without_cascades(run.problems, result.problems))
        # issue 3: warn about likely duplicate organisations (similar names), which SHACL
        # cannot see; identical names and identifiers are the shapes' errors, reported above
        found.extend(find_likely_duplicates(run.records))
        found.extend(find_duplicate_units(run.records))  # order matters: SHACL cannot see it
        stage.done(plural(len(result.problems), "finding"))
    return found


def check_buildable(run: Run, data_dir: Path) -> None:
    """Raise ``InputError`` naming the first record error when the records cannot be built."""
    errors = [p for p in run.problems if p.severity == Severity.VIOLATION]
    if errors:
        first = errors[0]
        raise InputError(
            f"the build stops at {plural(len(errors), 'record error')}; the first: "
            f"{first.file}{f':{first.line}' if first.line else ''} {first.message}",
            hint=f"run consortia-kg validate --data {data_dir} and fix what it reports",
        )


def fill_store(built: BuiltGraph, store_dir: Path, fingerprint: str = "") -> StoreMeta:
    """Load a graph built in memory into a new store in place of ``store_dir``."""
    meta = StoreMeta(
        version=built.version,
        base=built.base,
        builder=builder_fingerprint(),
        quads=len(set(built.quads)),
        graphs=len({q.graph_name for q in built.quads}),
        fingerprint=fingerprint,
    )
    return fill_quads(built.quads, store_dir, meta)


# --- streamed --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """What a build must pass before it publishes a release (``build``'s choices)."""

    #: check the records with SHACL (and the duplicate checks) as ``validate`` does
    validate: bool = False
    #: publish even when a finding of that check is an error
    allow_invalid: bool = False
    #: publish a graph of no records (an empty or mistaken ``--data`` folder)
    allow_empty: bool = True


def _read_and_build(
    data_dir: Path, base: str, jobs: int, sorter: LineSorter, progress: Progress
) -> tuple[Run, list[tuple[str, str, str, str]]]:
    """Read and build every record into ``sorter``; return the run and each record's identity."""
    # imported when something is built (as export below): the up-to-date check that every
    # `query` makes stays free of multiprocessing and the dump writers (~30 ms measured)
    from consortia_kg.build.quadlines import record_lines

    files, listing_problems = record_files(data_dir)
    run = Run(RecordSet(data_dir), problems=list(listing_problems))
    entries: list[tuple[str, str, str, str]] = []
    claims = Claims()
    organisations: list[str] = []
    with _Stage(progress, "build", f"reading and building {len(files)} record files") as stage:
        for built in record_lines(files, base, jobs):
            run.problems.extend(built.problems)
            if built.sha256:
                entries.append((built.kind, built.slug, built.source_path, built.sha256))
                sorter.add(built.nquads.encode())
                if built.kind == "organisation":
                    read_claims(claims, built.nquads)
                    organisations.append(built.nquads)
        run.record_count = len(entries)
        stage.done(f"{plural(len(entries), 'record')}, {plural(len(run.problems), 'problem')}")
    chunks = [("records", "".join(organisations).encode())]
    run.mapped = _map_registries(data_dir, base, claims, run, progress)
    for mapped in run.mapped:
        if mapped.snapshot is not None and mapped.nquads:
            snapshot = mapped.snapshot
            digest = "".join(f.sha256 for _, f in sorted(snapshot.files.items()))
            entries.append(("registry", snapshot.id, snapshot.manifest, digest))
            sorter.add(mapped.nquads)
            chunks.append((mapped.id, mapped.nquads))
    if len(chunks) > 1:  # links across sources, once there are two
        sorter.add(_link_sources(data_dir, base, chunks, progress))
    return run, entries


def _broken(run: Run) -> bool:
    return any(p.severity == Severity.VIOLATION for p in run.problems)


def _records_findings(data_dir: Path, base: str, progress: Progress) -> list[Problem]:
    """Read and build the records in memory and return what ``validate`` finds in them.

    SHACL needs the records' graph with the way back to file:line, so the records are read
    once more (the registry snapshots are not: the build maps them once, and their row
    findings are already the run's).
    """
    records = load_records(data_dir)
    checked = Run(records, problems=list(records.problems), record_count=len(records))
    checked.built = build_graph(records, base)
    return _check_records(checked, "fast", progress)


def _validate_apart(
    data_dir: Path, base: str, progress: Progress, answer: Connection, parent: int
) -> None:
    """The validating process: its findings (or what stopped it) go back through ``answer``."""
    from consortia_kg.build.quadlines import die_with_parent

    die_with_parent(parent)
    started = time.perf_counter()
    try:
        found: list[Problem] | BaseException = _records_findings(data_dir, base, progress)
    except BaseException as exc:  # the build re-raises it
        found = exc
    answer.send((found, time.perf_counter() - started))
    answer.close()


class _Validation:
    """``validate``'s checks of the records, run in a process of their own beside the build.

    They take as long as the build stage on the records (measured at 1,000 consortia: reading
    16 s, building 7 s, SHACL 34 s), so they run while the records are built, the dumps written
    and the store loaded, and the release is published only once they pass. Where processes
    cannot be forked they run in this process, before the dumps.
    """

    def __init__(self, data_dir: Path, base: str, progress: Progress) -> None:
        self.data_dir, self.base, self.progress = data_dir, base, progress
        self.process: multiprocessing.process.BaseProcess | None = None
        if "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            self.answer, sending = context.Pipe(duplex=False)
            # its progress is said here when its answer comes: lines from another process
            # would land at any point, and nowhere under a caller that captures stderr
            args = (data_dir, base, _quiet, sending, os.getpid())
            self.process = context.Process(target=_validate_apart, args=args, name="validate")
            self.process.start()
            sending.close()

    def findings(self) -> list[Problem]:
        """Wait for the checks and return their findings."""
        if self.process is None:
            return _records_findings(self.data_dir, self.base, self.progress)
        found: list[Problem] | BaseException
        with _Stage(self.progress, "validate", "waiting for the checks of the records"):
            try:
                found, seconds = self.answer.recv()
            except EOFError:
                found = RuntimeError("the validating process ended without an answer")
            self.process.join()
        if isinstance(found, BaseException):
            raise found
        errors = sum(p.severity == Severity.VIOLATION for p in found)
        self.progress(
            f"validate: {len(found)} findings ({errors} errors) in {seconds:.2f} s, "
            "beside the build"
        )
        return found

    def stop(self) -> None:
        """End the checks when the build stops first."""
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            self.process.join()


def _refuse_empty(run: Run, data_dir: Path, gate: Gate) -> None:
    # a folder of registry snapshots alone is data: only nothing at all is refused
    if run.record_count == 0 and not run.mapped and not gate.allow_empty:
        raise InputError(
            f"{data_dir} holds no records: nothing to publish",
            hint="pass --data with the folder holding consortia/, organisations/ and sources/ "
            "(or --allow-empty to publish an empty graph)",
        )


def _passes(run: Run, found: list[Problem], gate: Gate) -> bool:
    """Add the checks' findings to ``run``; return True when it may be published."""
    run.problems.extend(found)
    return gate.allow_invalid or not any(p.severity == Severity.VIOLATION for p in found)


def _pass_gate(run: Run, data_dir: Path, base: str, gate: Gate, progress: Progress) -> bool:
    """Return True when ``run`` may be published, checking it here (outside a release)."""
    if _broken(run):
        return False
    _refuse_empty(run, data_dir, gate)
    if not gate.validate:
        return True
    return _passes(run, _records_findings(data_dir, base, progress), gate)


def _store_meta(manifest: Manifest) -> StoreMeta:
    return StoreMeta(
        manifest.version,
        manifest.base,
        manifest.builder,
        manifest.quads,
        manifest.graphs,
        manifest.fingerprint,
    )


def _stored(progress: Progress, meta: StoreMeta, store_dir: Path, seconds: float) -> None:
    progress(
        f"store: {plural(meta.quads, 'quad')} in {plural(meta.graphs, 'graph')} into {store_dir} "
        f"in {seconds:.2f} s"
    )


def _release_root(output: Path | None, store_dir: Path | None) -> Path | None:
    """Return the folder of releases these outputs belong to; None for a store of its own.

    The dumps folder is one (with its store at ``store``, or none); a store alone is one when
    it is a folder's ``store`` (the default ``dist/store``): its folder gets a whole release.
    """
    if output is not None:
        return output if store_dir in (None, output / STORE_DIRNAME) else None
    if store_dir is not None and store_dir.name == STORE_DIRNAME:
        return store_dir.parent
    return None


def build_outputs(
    data_dir: Path,
    base_iri: str | None = None,
    *,
    output: Path | None = None,
    store_dir: Path | None = None,
    progress: Progress = _quiet,
    jobs: int = 0,
    keep: int = DEFAULT_KEEP,
    gate: Gate = Gate(),
) -> Run:
    """Read and build every record once; write the dumps into ``output``, fill ``store_dir``.

    Either may be None (not written). ``jobs`` processes read and build the records (0: one
    per core). Into a folder of releases (``_release_root``) a whole release is written and
    then published (``export/releases.py``; ``keep`` earlier releases stay); a store of its
    own is replaced whole. Nothing is published when a record is broken or ``gate`` refuses.
    """
    base = resolve_base_iri(base_iri)
    # taken before reading: a file edited meanwhile makes the next run build again
    fingerprint = data_fingerprint(data_dir, base)
    root = _release_root(output, store_dir)
    if root is not None:
        with_store = store_dir is not None
        return _build_release(
            data_dir, base, fingerprint, root, with_store, progress, jobs, keep, gate
        )
    return _build_outputs(data_dir, base, fingerprint, output, store_dir, progress, jobs, gate)


def _build_release(
    data_dir: Path,
    base: str,
    fingerprint: str,
    root: Path,
    with_store: bool,
    progress: Progress,
    jobs: int,
    keep: int,
    gate: Gate,
) -> Run:
    """Write a whole release beside the current one, then publish it (``export/releases``)."""
    from consortia_kg.export import releases

    made = not root.exists()
    root.mkdir(parents=True, exist_ok=True)
    releases.adopt_flat(root)  # an old flat dist/ becomes a release, so nothing of it is lost
    previous = releases.current_release(root)
    scratch = releases.start_release(root)
    published = False
    checks = _Validation(data_dir, base, progress) if gate.validate else None
    unfinished, final = str(scratch / STORE_DIRNAME), str(root / STORE_DIRNAME)

    def said(line: str) -> None:  # the store is named where it will be read: dist/store
        progress(line.replace(unfinished, final))

    try:
        with LineSorter(scratch) as sorter:
            run, entries = _read_and_build(data_dir, base, jobs, sorter, progress)
            if _broken(run):  # a broken record or row says where, before "no records" would
                return run
            _refuse_empty(run, data_dir, gate)
            manifest = Manifest(
                data_version(entries), base, builder_fingerprint(), fingerprint, 0, len(entries)
            )
            store_dir = scratch / STORE_DIRNAME if with_store else None
            predecessor = (previous.id, previous.version) if previous is not None else None
            _dumps_and_store(sorter, scratch, store_dir, manifest, run, said, predecessor)
        if checks is not None and not _passes(run, checks.findings(), gate):
            run.files = {}
            return run
        # said only when slow (a big store to sync): the store's line stays the last one
        with _Stage(progress, "publish", "syncing the release to disk"):
            run.release = releases.publish_release(root, scratch, keep)
            published = True
    finally:
        if checks is not None:
            checks.stop()
        if not published:  # failed, refused or interrupted: the current release stays
            releases.discard_release(scratch)
            if made:  # a refused first build leaves no output folder behind
                releases.remove_if_empty(root)
    run.files = {name: root / name for name in run.files}
    return run


def _build_outputs(
    data_dir: Path,
    base: str,
    fingerprint: str,
    output: Path | None,
    store_dir: Path | None,
    progress: Progress,
    jobs: int,
    gate: Gate = Gate(),
) -> Run:
    """The outputs outside a folder of releases: dumps and a store, each replaced whole."""
    if output is not None:
        scratch = output
    elif store_dir is not None:
        scratch = store_dir.parent
    else:
        raise ValueError("build_outputs needs an output folder, a store folder, or both")
    scratch.mkdir(parents=True, exist_ok=True)
    remove_stale(scratch)
    with LineSorter(scratch) as sorter:
        run, entries = _read_and_build(data_dir, base, jobs, sorter, progress)
        if not _pass_gate(run, data_dir, base, gate, progress):
            return run
        manifest = Manifest(
            data_version(entries), base, builder_fingerprint(), fingerprint, 0, len(entries)
        )
        if output is None:
            assert store_dir is not None
            _store_from_lines(sorter, store_dir, manifest, run, progress)
        else:
            _dumps_and_store(sorter, output, store_dir, manifest, run, progress)
    return run


def _store_from_lines(
    sorter: LineSorter, store_dir: Path, manifest: Manifest, run: Run, progress: Progress
) -> None:
    """Fill a store alone from the sorted lines (through a scratch N-Quads file)."""
    stage = time.perf_counter()
    with tempfile.NamedTemporaryFile(
        "wb", prefix=scratch_prefix("store-load"), suffix=".nq", dir=store_dir.parent
    ) as nquads:
        for line in sorter:
            nquads.write(line)
            run.quads += 1
        nquads.flush()
        meta = _store_meta(replace(manifest, quads=run.quads))
        load_store(Path(nquads.name), store_dir, meta)
    run.rebuilt.append("store")
    _stored(progress, meta, store_dir, time.perf_counter() - stage)


def _dumps_and_store(
    sorter: LineSorter,
    output: Path,
    store_dir: Path | None,
    manifest: Manifest,
    run: Run,
    progress: Progress,
    predecessor: tuple[str, str] | None = None,
) -> None:
    """Write every dump from the sorted lines, and load the store from the N-Quads dump.

    The store loads in a thread beside Turtle and JSON-LD (the loader parses in Rust without
    the GIL), but is put in place only after the dumps and their manifest are.
    """
    from consortia_kg.export import dumps as export

    loading: list[threading.Thread] = []
    failed: list[BaseException] = []
    loaded: list[tuple[StoreMeta, float]] = []
    dumps_in_place = threading.Event()
    dumps_ok: list[bool] = []

    def wait_for_dumps() -> None:
        dumps_in_place.wait()
        if not dumps_ok:
            raise RuntimeError("the dumps were not written: the store is kept as it was")

    def load_in_background(nquads: Path, quads: int) -> None:
        assert store_dir is not None
        meta = _store_meta(replace(manifest, quads=quads))
        # a link of its own: the staged file is renamed into place before the load ends
        private = output / f"{scratch_prefix('store-load')}.nq"
        private.unlink(missing_ok=True)
        os.link(nquads, private)

        def load() -> None:
            try:
                started = time.perf_counter()
                load_store(private, store_dir, meta, before_swap=wait_for_dumps)
                loaded.append((meta, time.perf_counter() - started))
            except BaseException as exc:  # re-raised once the dumps are written
                failed.append(exc)
            finally:
                private.unlink(missing_ok=True)

        loading.append(threading.Thread(target=load, name="store-load"))
        loading[0].start()

    # gone before any dump is replaced: a build cut short leaves no manifest, so it reads stale
    remove_manifest(output)
    doing = "writing the dumps" + (" and loading the store" if store_dir is not None else "")
    with _Stage(progress, "export", doing) as stage:
        try:
            then = load_in_background if store_dir is not None else None
            written = export.write_dump_stream(
                sorter, output, manifest.base, manifest.version, then, predecessor
            )
            write_manifest(output, replace(manifest, quads=written.quads))
            dumps_ok.append(True)
        finally:
            dumps_in_place.set()
            for thread in loading:
                thread.join()
        if failed:
            raise failed[0]
        run.quads = written.quads
        run.files = {name: output / name for name in written.files}
        run.rebuilt.append("dumps")
        stage.done(f"{plural(len(run.files), 'file')} written")
    for meta, seconds in loaded:  # the store loaded while the last dumps were written
        assert store_dir is not None
        run.rebuilt.append("store")
        _stored(progress, meta, store_dir, seconds)


def build_dumps(
    data_dir: Path,
    output: Path,
    base_iri: str | None = None,
    progress: Progress = _quiet,
    jobs: int = 0,
    store: bool = True,
    keep: int = DEFAULT_KEEP,
    gate: Gate = Gate(),
) -> Run:
    """Publish a release of every dump (and its store, ``store`` True) in ``output``."""
    store_dir = output / STORE_DIRNAME if store else None
    return build_outputs(
        data_dir,
        base_iri,
        output=output,
        store_dir=store_dir,
        progress=progress,
        jobs=jobs,
        keep=keep,
        gate=gate,
    )


def build_store(
    data_dir: Path,
    store_dir: Path,
    base_iri: str | None = None,
    progress: Progress = _quiet,
    jobs: int = 0,
) -> Run:
    """Fill a store at ``store_dir``, streamed (a whole release in a folder's ``store``)."""
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    return build_outputs(data_dir, base_iri, store_dir=store_dir, progress=progress, jobs=jobs)


# --- up to date ------------------------------------------------------------------------------


def _current_dumps(output: Path, fingerprint: str) -> Manifest | None:
    """Return the dumps' manifest when it matches ``fingerprint`` and every dump is there."""
    from consortia_kg.export.dumps import DUMP_STEM

    manifest = read_manifest(output)
    if manifest is None or manifest.fingerprint != fingerprint:
        return None
    try:
        sums = (output / "SHA256SUMS").read_text(encoding="utf-8")
    except OSError:
        return None
    names = [line.partition("  ")[2] for line in sums.splitlines()]
    if f"{DUMP_STEM}.nq" not in names or not all((output / n).is_file() for n in names):
        return None
    return manifest


def bring_up_to_date(
    data_dir: Path,
    output: Path | None = None,
    store_dir: Path | None = None,
    base_iri: str | None = None,
    progress: Progress = _quiet,
    jobs: int = 0,
) -> Run:
    """Rebuild only the outputs (dumps in ``output``, store in ``store_dir``) that are stale.

    A quick hash of the record files' bytes (``data_fingerprint``) is compared with each
    output's manifest, so nothing is parsed when nothing changed. In a folder of releases
    (``dist/store``, the default) the current release is compared, and a stale one is
    followed by a whole new release, published as ``build`` does. Elsewhere, when both are
    stale each record is still built once, and a stale store beside current dumps is loaded
    from them. ``run.rebuilt`` says what was rebuilt; a broken record leaves every output as
    it was.
    """
    if not data_dir.is_dir():
        raise InputError(
            f"{data_dir} is not a folder of records",
            hint="pass --data DIR, the folder holding consortia/, organisations/ and sources/",
        )
    base = resolve_base_iri(base_iri)
    fingerprint = data_fingerprint(data_dir, base)
    root = _release_root(output, store_dir)
    if root is not None:
        return _release_up_to_date(data_dir, base, fingerprint, root, progress, jobs)
    if output is not None and (output / "current").is_symlink():
        # flat dumps written here would replace the links through `current`
        raise InputError(
            f"{output} holds releases, whose store is {output / STORE_DIRNAME}",
            hint=f"pass --store {output / STORE_DIRNAME}, or a store in another folder",
        )
    dumps = _current_dumps(output, fingerprint) if output is not None else None
    dumps_stale = output is not None and dumps is None
    store_stale = False
    if store_dir is not None:
        meta = read_meta(store_dir)
        # the fingerprint covers the base IRI and the builder: a match means nothing changed
        store_stale = meta is None or meta.fingerprint != fingerprint
        if meta is None:
            progress(f"store: no store in {store_dir} yet; building it from {data_dir}")
        elif store_stale:
            progress(f"store: the records in {data_dir} changed; refilling {store_dir}")
    if dumps_stale:
        progress(f"dumps: the dumps in {output} are missing or stale; writing them")
    if not dumps_stale and store_stale and dumps is not None and output is not None:
        assert store_dir is not None
        return _store_from_dumps(data_dir, output, dumps, store_dir, progress)
    if not dumps_stale and not store_stale:
        return Run(RecordSet(data_dir))
    # the fingerprint taken above: the record files are hashed once per run
    return _build_outputs(
        data_dir,
        base,
        fingerprint,
        output if dumps_stale else None,
        store_dir if store_stale else None,
        progress,
        jobs,
    )


def _release_up_to_date(
    data_dir: Path, base: str, fingerprint: str, root: Path, progress: Progress, jobs: int
) -> Run:
    """Publish a new release in ``root`` unless the current one holds these records whole."""
    from consortia_kg.export import releases

    releases.adopt_flat(root)
    current = releases.current_release(root)
    store_dir = root / STORE_DIRNAME
    meta = read_meta(current.folder / STORE_DIRNAME) if current is not None else None
    if meta is None:
        progress(f"store: no store in {store_dir} yet; publishing a release of {data_dir}")
    elif current is not None and (
        meta.fingerprint == fingerprint and _current_dumps(current.folder, fingerprint)
    ):
        return Run(RecordSet(data_dir))
    else:
        progress(f"store: the records in {data_dir} changed; publishing a new release")
    return _build_release(
        data_dir, base, fingerprint, root, True, progress, jobs, DEFAULT_KEEP, Gate()
    )


def _store_from_dumps(
    data_dir: Path, output: Path, manifest: Manifest, store_dir: Path, progress: Progress
) -> Run:
    """Fill the store from current dumps: their N-Quads are the very graph, nothing is built."""
    from consortia_kg.export.dumps import DUMP_STEM

    started = time.perf_counter()
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    meta = load_store(output / f"{DUMP_STEM}.nq", store_dir, _store_meta(manifest))
    _stored(progress, meta, store_dir, time.perf_counter() - started)
    return Run(RecordSet(data_dir), quads=meta.quads, rebuilt=["store"])
