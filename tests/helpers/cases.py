"""The invalid-fixture cases: ``tests/fixtures/invalid/<shape>/<reason>.yaml``, each an edit of
``tests/fixtures/valid/`` (see tests/fixtures/README.md), and how to apply one to a copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.paths import FIXTURES

__all__ = ["CASES", "CASE_IDS", "apply_case"]

#: Every case file, sorted, for ``pytest.mark.parametrize("case_path", CASES, ids=CASE_IDS)``.
CASES = sorted((FIXTURES / "invalid").glob("*/*.yaml"))
#: ``<shape>/<reason>`` for each of ``CASES``.
CASE_IDS = [f"{p.parent.name}/{p.stem}" for p in CASES]


def apply_case(case: dict[str, Any], data: Path) -> None:
    """Apply a case's ``edit``, ``add`` and ``remove`` to the data folder ``data``."""
    for name, edits in (case.get("edit") or {}).items():
        path = data / name
        text = path.read_text()
        for old, new in edits:
            assert old in text, f"the case edits text that is not in {name}: {old!r}"
            text = text.replace(old, new, 1)
        path.write_text(text)
    for name, content in (case.get("add") or {}).items():
        (data / name).write_text(content)
    for name in case.get("remove") or []:
        (data / name).unlink()
