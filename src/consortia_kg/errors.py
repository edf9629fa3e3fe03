"""Problems and exceptions that carry what a curator needs to act: where, what, why, how to fix.

Imports nothing of ours, so every module can raise and report the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_NEEDS_CURATOR",
    "EXIT_OK",
    "EXIT_USAGE",
    "InputError",
    "Problem",
    "Severity",
    "plural",
]

#: Exit codes shared by every command (pySHACL's contract, plus 3 for our own bugs).
EXIT_OK = 0
EXIT_NEEDS_CURATOR = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class Severity:
    """The three SHACL severities, spelled as curators read them."""

    VIOLATION = "error"
    WARNING = "warning"
    INFO = "info"

    ORDER: ClassVar[dict[str, int]] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the data, in record words.

    ``fatal`` marks an input problem (unreadable file, broken YAML) that stops any build:
    the CLI exits 2 for those, and 1 for problems a curator fixes in a well-formed record.
    """

    file: str
    line: int
    key: str
    message: str
    why: str = ""
    fix: str = ""
    severity: str = Severity.VIOLATION
    shape: str = ""
    fatal: bool = field(default=False, compare=False)

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form used by ``validate --format json``."""
        return {
            "file": self.file,
            "line": self.line,
            "key": self.key,
            "severity": self.severity,
            "message": self.message,
            "why": self.why,
            "fix": self.fix,
            "shape": self.shape,
        }


class InputError(Exception):
    """A usage or input error the user can fix: reported without a traceback, exit 2."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  fix: {self.hint}" if self.hint else self.message


def plural(count: int, word: str, words: str = "") -> str:
    """Return ``count`` with its noun: ``1 row``, ``2 rows`` (``words`` when irregular)."""
    return f"{count} {word if count == 1 else (words or word + 's')}"
