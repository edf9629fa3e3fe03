"""Sort more lines than fit in memory: sorted runs written to disk, merged as they are read.

A sorted, duplicate-free stream of N-Quads lines is all the dumps need (N-Triples, Turtle and
JSON-LD are derived from it in one pass each), so memory stays bounded at any data size.
Lines are bytes: UTF-8 byte order is code point order, so the output is the same as sorting
the decoded text.
"""

from __future__ import annotations

import heapq
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from consortia_kg.atomic import scratch_prefix

__all__ = ["LineSorter"]

#: Text held in memory before a sorted run goes to disk (a run of lines costs ~2x in objects).
RUN_BYTES = 256 * 1024 * 1024


class LineSorter:
    """Collect lines (each ending in a newline), then read them back sorted and unique."""

    def __init__(self, workdir: Path, run_bytes: int = 0) -> None:
        self._parent = workdir
        self._workdir: Path | None = None  # made at the first spill: small data never touches disk
        self._run_bytes = run_bytes or RUN_BYTES
        self._lines: list[bytes] = []
        self._held = 0
        self._runs: list[Path] = []

    def add(self, text: bytes) -> None:
        """Add newline-terminated lines."""
        self._lines.extend(text.splitlines(keepends=True))
        self._held += len(text)
        if self._held >= self._run_bytes:
            self._spill()

    def _spill(self) -> None:
        if self._workdir is None:
            self._parent.mkdir(parents=True, exist_ok=True)
            prefix = scratch_prefix("sort")
            self._workdir = Path(tempfile.mkdtemp(prefix=prefix, dir=self._parent))
        self._lines.sort()
        path = self._workdir / f"run-{len(self._runs):05d}"
        with path.open("wb") as handle:
            handle.writelines(_unique(iter(self._lines)))
        self._runs.append(path)
        self._lines, self._held = [], 0

    def __iter__(self) -> Iterator[bytes]:
        """Yield every line once, in byte order."""
        if not self._runs:
            self._lines.sort()
            yield from _unique(iter(self._lines))
            return
        if self._lines:
            self._spill()
        handles = [path.open("rb", buffering=1 << 20) for path in self._runs]
        try:
            yield from _unique(heapq.merge(*handles))
        finally:
            for handle in handles:
                handle.close()

    def close(self) -> None:
        """Remove the runs on disk."""
        for path in self._runs:
            path.unlink(missing_ok=True)
        if self._workdir is not None:
            self._workdir.rmdir()
            self._workdir = None
        self._lines, self._runs = [], []

    def __enter__(self) -> LineSorter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _unique(lines: Iterator[bytes]) -> Iterator[bytes]:
    previous = None
    for line in lines:
        if line != previous:
            yield line
            previous = line
