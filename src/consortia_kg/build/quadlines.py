"""Records → N-Quads lines, one record at a time, in worker processes.

The dumps and the store need every record's quads once, as text; nothing needs them as Python
objects all at once. So each record is read, built and turned into its sorted N-Quads lines by
itself, and a large data folder is shared among processes (reading YAML and building are pure
Python: one process uses one core).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from consortia_kg.build.graph import BuiltGraph, build_record
from consortia_kg.errors import Problem
from consortia_kg.records import RecordFile, read_found

__all__ = ["RecordLines", "default_jobs", "die_with_parent", "record_lines"]

#: Below this many records, starting processes costs more than it saves.
_PARALLEL_FROM = 200


@dataclass(frozen=True)
class RecordLines:
    """One record file, read and built: its identity, its problems and its quads as text."""

    kind: str
    slug: str
    source_path: str
    sha256: str
    problems: list[Problem]
    #: the record's distinct quads as N-Quads lines, sorted; empty when it could not be read
    nquads: str
    quads: int


def default_jobs() -> int:
    """Return the number of processes to build with: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


#: prctl(2)'s option: the signal this process gets when the thread that forked it dies.
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Have Linux kill this worker when its parent dies (a pool's ``initializer``).

    A build killed with SIGKILL cannot stop its workers; without this they would go on
    building records for nobody. Elsewhere than Linux it does nothing.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent:  # the parent died before the call: nobody waits for us
        os._exit(1)


def build_lines(found: RecordFile, base: str) -> RecordLines:
    """Read and build one record file into its N-Quads lines."""
    record, problems = read_found(found)
    if record is None:
        slug = found.path.stem
        return RecordLines(found.kind, slug, found.source_path, "", problems, "", 0)
    scratch = BuiltGraph(base=base)
    build_record(scratch, record, base, None)
    # str(Quad) is the N-Quads form without the final dot (4x faster than formatting each term)
    lines = sorted({f"{quad} .\n" for quad in scratch.quads})
    return RecordLines(
        record.kind,
        record.slug,
        record.source_path,
        record.sha256,
        problems + scratch.problems,
        "".join(lines),
        len(lines),
    )


def _build_chunk(args: tuple[Sequence[RecordFile], str]) -> list[RecordLines]:
    files, base = args
    return [build_lines(found, base) for found in files]


def record_lines(files: Sequence[RecordFile], base: str, jobs: int = 0) -> Iterator[RecordLines]:
    """Yield every file's ``RecordLines`` in the order of ``files``, built by ``jobs`` processes.

    ``jobs`` 0 means ``default_jobs()``; 1 builds in this process.
    """
    jobs = jobs or default_jobs()
    if (
        jobs == 1
        or len(files) < _PARALLEL_FROM
        or multiprocessing.current_process().daemon  # a daemon may not start processes
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        for found in files:
            yield build_lines(found, base)
        return
    # fork: the workers start with every module already imported (spawn would import again)
    size = 64
    chunks = [(files[i : i + size], base) for i in range(0, len(files), size)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        for built in pool.map(_build_chunk, chunks):
            yield from built
