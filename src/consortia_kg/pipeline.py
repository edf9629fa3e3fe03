"""The one pipeline: data/*.yaml → records → graph → (validate | dumps | store).

The CLI and the server call these functions; nothing below them imports this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from consortia_kg.build import BuiltGraph, build_graph
from consortia_kg.errors import Problem
from consortia_kg.records import RecordSet, load_records
from consortia_kg.vocab import resolve_base_iri

__all__ = ["Progress", "Run", "build_dumps", "load_and_build", "validate_data"]

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
    files: dict[str, bytes] = field(default_factory=dict)

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
    run = Run(records, problems=list(records.problems))
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
    from consortia_kg.validate import validate_graph, without_cascades

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


def build_dumps(
    data_dir: Path, output: Path, base_iri: str | None = None, progress: Progress = _quiet
) -> Run:
    """Load, build, write every dump to ``output`` atomically and fill ``output/store``.

    Nothing is written when a record is broken.
    """
    from consortia_kg.errors import Severity
    from consortia_kg.export import write_dumps

    run = load_and_build(data_dir, base_iri, progress)
    if run.built is None or any(p.severity == Severity.VIOLATION for p in run.problems):
        return run
    stage = _Stage(progress, "export")
    run.files = write_dumps(run.built, output)
    stage.done(f"{len(run.files)} files written to {output}")
    from consortia_kg.store import STORE_DIRNAME, fill_store

    stage = _Stage(progress, "store")
    filled = fill_store(run.built, output / STORE_DIRNAME)
    stage.done(f"{filled.quads} quads in {filled.graphs} graphs into {output / STORE_DIRNAME}")
    return run
