"""What changed between two releases: statements added and removed, per entity (subject).

Both releases' N-Quads dumps are sorted by bytes and hold each statement once, so one walk
down the two files side by side finds every difference, in order, holding one line of each at
a time; the differences come out sorted, so each subject's are next to each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["EntityChange", "diff_nquads", "line_subject"]


@dataclass
class EntityChange:
    """The statements about one subject that one release has and the other has not."""

    subject: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def line_subject(line: str) -> str:
    """Return the subject term of an N-Quads line, as written (``<iri>`` or ``_:id``)."""
    return line[: line.index(" ")]


def _lines(path: Path) -> Iterator[str]:
    # newline="\n": a line ends only at "\n" (N-Quads escapes every other line break)
    with path.open(encoding="utf-8", newline="\n", buffering=1 << 20) as handle:
        for line in handle:
            yield line.rstrip("\n")


def _differences(old: Path, new: Path) -> Iterator[tuple[str, bool]]:
    """Yield (line, True when added / False when removed), in byte order."""
    before, after = _lines(old), _lines(new)
    a, b = next(before, None), next(after, None)
    while a is not None or b is not None:
        # the dumps are sorted by UTF-8 bytes, which is the order of the strings' code points
        if b is None or (a is not None and a < b):
            assert a is not None
            yield a, False
            a = next(before, None)
        elif a is None or b < a:
            yield b, True
            b = next(after, None)
        else:
            a, b = next(before, None), next(after, None)


def diff_nquads(old: Path, new: Path) -> Iterator[EntityChange]:
    """Yield each subject whose statements differ between two sorted N-Quads files."""
    change: EntityChange | None = None
    for line, added in _differences(old, new):
        subject = line_subject(line)
        if change is None or change.subject != subject:
            if change is not None:
                yield change
            change = EntityChange(subject)
        (change.added if added else change.removed).append(line)
    if change is not None:
        yield change
