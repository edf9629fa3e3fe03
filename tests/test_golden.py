"""Dumps and reports of the valid fixture equal the reviewed golden files.

After an intended change: ``python tests/regen_golden.py`` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.golden import GOLDEN, GOLDEN_DUMPS, golden_dumps, golden_report

HINT = "if the change is intended, run `python tests/regen_golden.py` and review the diff"


@pytest.mark.parametrize("name", GOLDEN_DUMPS)
def test_dump_matches_golden(tmp_path: Path, name: str) -> None:
    built = golden_dumps(tmp_path / "dist")[name]
    assert built == (GOLDEN / name).read_bytes(), HINT


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_report_matches_golden(tmp_path: Path, fmt: str) -> None:
    expected = (GOLDEN / f"report.{'txt' if fmt == 'text' else 'json'}").read_text()
    assert golden_report(tmp_path)[fmt] == expected, HINT
