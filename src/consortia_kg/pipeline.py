"""The one pipeline: data/*.yaml → records → graph → (validate | dumps | store).

Validation holds the whole graph (a finding is located back in its record). Building the dumps
does not: each record becomes sorted N-Quads lines in worker processes, the lines are sorted on
disk, every dump is written from that one stream, and the store bulk-loads the N-Quads dump
while Turtle and JSON-LD are written. The CLI and the server call these functions; nothing below
them imports this module.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from consortia_kg.atomic import remove_stale, scratch_prefix
from consortia_kg.build.graph import BuiltGraph, build_graph
from consortia_kg.build.sortedlines import LineSorter
from consortia_kg.errors import Problem, Severity
from consortia_kg.query.store import data_fingerprint
from consortia_kg.records import RecordSet, data_version, load_records, record_files
from consortia_kg.vocab import resolve_base_iri

__all__ = ["Progress", "Run", "build_dumps", "build_store", "load_and_build", "validate_data"]

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

    @property
    def fatal(self) -> bool:
        """Return True when an input could not be read at all."""
        return any(p.fatal for p in self.problems)


class _Stage:
    def __init__(self, progress: Progress, name: str) -> None:
        self.progress, self.name, self.start = progress, name, time.perf_counter()

    def done(self, what: str) -> None:
        self.progress(f"{self.name}: {what} in {time.perf_counter() - self.start:.2f} s")


def load_and_build(data_dir: Path, base_iri: str | None = None, progress: Progress = _quiet) -> Run:
    """Load every record and build the graph (always, so every problem can be reported)."""
    stage = _Stage(progress, "load")
    records = load_records(data_dir)
    stage.done(f"{len(records)} records, {len(records.problems)} problems")
    run = Run(records, problems=list(records.problems), record_count=len(records))
    stage = _Stage(progress, "build")
    run.built = build_graph(records, resolve_base_iri(base_iri))
    run.problems.extend(run.built.problems)
    stage.done(f"{len(run.built.quads)} quads in {len(run.built.graphs)} graphs")
    return run


def validate_data(
    data_dir: Path,
    base_iri: str | None = None,
    progress: Progress = _quiet,
    engine: str = "fast",
) -> Run:
    """Load, build and run SHACL; every problem ends up in ``run.problems``."""
    from consortia_kg.validate.engine import validate_graph, without_cascades

    run = load_and_build(data_dir, base_iri, progress)
    if run.fatal or run.built is None:
        return run
    stage = _Stage(progress, "validate")
    result = validate_graph(run.built, engine=engine)
    run.problems.extend(without_cascades(run.problems, result.problems))
    # issue 3: warn about likely duplicate organisations (similar names), which SHACL cannot
    # see; identical names and identifiers are the shapes' errors, reported above
    from consortia_kg.reconcile import find_likely_duplicates

    run.problems.extend(find_likely_duplicates(run.records))
    stage.done(f"{len(result.problems)} findings")
    return run


def _read_and_build(
    data_dir: Path, base: str, jobs: int, sorter: LineSorter, progress: Progress
) -> tuple[Run, list[tuple[str, str, str, str]]]:
    """Read and build every record into ``sorter``; return the run and each record's identity."""
    from consortia_kg.build.quadlines import record_lines

    files, listing_problems = record_files(data_dir)
    run = Run(RecordSet(data_dir), problems=list(listing_problems))
    entries: list[tuple[str, str, str, str]] = []
    stage = _Stage(progress, "build")
    for built in record_lines(files, base, jobs):
        run.problems.extend(built.problems)
        if built.sha256:
            entries.append((built.kind, built.slug, built.source_path, built.sha256))
            sorter.add(built.nquads.encode())
    run.record_count = len(entries)
    stage.done(f"{len(entries)} records, {len(run.problems)} problems")
    return run, entries


def _broken(run: Run) -> bool:
    return any(p.severity == Severity.VIOLATION for p in run.problems)


def build_dumps(
    data_dir: Path,
    output: Path,
    base_iri: str | None = None,
    progress: Progress = _quiet,
    jobs: int = 0,
    store: bool = True,
) -> Run:
    """Read and build every record, write every dump to ``output`` atomically, fill its store.

    ``jobs`` processes read and build the records (0: one per core); ``store`` False leaves
    ``output/store`` alone. Nothing is written when a record is broken.
    """
    from consortia_kg.export.dumps import write_dump_stream
    from consortia_kg.query.store import STORE_DIRNAME, StoreMeta, builder_fingerprint, load_store

    base = resolve_base_iri(base_iri)
    # taken before reading: a file edited meanwhile makes the next `query` check again
    fingerprint = data_fingerprint(data_dir, base)
    remove_stale(output)
    with LineSorter(output) as sorter:
        run, entries = _read_and_build(data_dir, base, jobs, sorter, progress)
        if _broken(run):
            return run
        version = data_version(entries)
        store_dir = output / STORE_DIRNAME
        loading: list[threading.Thread] = []
        failed: list[BaseException] = []
        loaded: list[str] = []

        def load_in_background(nquads: Path, quads: int) -> None:
            builder = builder_fingerprint()
            meta = StoreMeta(version, base, builder, quads, len(entries), fingerprint)

            # a link of its own: the staged file is renamed into place before the load ends
            private = output / f"{scratch_prefix('store-load')}.nq"
            private.unlink(missing_ok=True)
            os.link(nquads, private)

            def load() -> None:
                try:
                    started = time.perf_counter()
                    load_store(private, store_dir, meta)
                    seconds = time.perf_counter() - started
                    loaded.append(f"store: {quads} quads into {store_dir} in {seconds:.2f} s")
                except BaseException as exc:  # re-raised once the dumps are written
                    failed.append(exc)
                finally:
                    private.unlink(missing_ok=True)

            # the loader parses in Rust without the GIL: it runs beside Turtle and JSON-LD
            loading.append(threading.Thread(target=load, name="store-load"))
            loading[0].start()

        stage = _Stage(progress, "export")
        try:
            then = load_in_background if store else None
            written = write_dump_stream(sorter, output, base, version, then)
        finally:
            for thread in loading:
                thread.join()
        if failed:
            raise failed[0]
    run.quads = written.quads
    run.files = {name: output / name for name in written.files}
    stage.done(f"{len(run.files)} files written to {output}")
    for line in loaded:  # the store loaded while the last dumps were written
        progress(line)
    return run


def build_store(
    data_dir: Path,
    store_dir: Path,
    base_iri: str | None = None,
    progress: Progress = _quiet,
    jobs: int = 0,
) -> Run:
    """Read and build every record into a new store at ``store_dir`` (no dumps), streaming.

    Nothing is replaced when a record is broken.
    """
    import tempfile

    from consortia_kg.query.store import StoreMeta, builder_fingerprint, load_store

    base = resolve_base_iri(base_iri)
    fingerprint = data_fingerprint(data_dir, base)
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(store_dir.parent)
    with LineSorter(store_dir.parent) as sorter:
        run, entries = _read_and_build(data_dir, base, jobs, sorter, progress)
        if _broken(run):
            return run
        stage = _Stage(progress, "store")
        with tempfile.NamedTemporaryFile(
            "wb", prefix=scratch_prefix("store-load"), suffix=".nq", dir=store_dir.parent
        ) as nquads:
            for line in sorter:
                nquads.write(line)
                run.quads += 1
            nquads.flush()
            meta = StoreMeta(
                data_version(entries), base, builder_fingerprint(), run.quads, len(entries),
                fingerprint,
            )  # fmt: skip
            load_store(Path(nquads.name), store_dir, meta)
    stage.done(f"{run.quads} quads in {len(entries)} graphs into {store_dir}")
    return run
