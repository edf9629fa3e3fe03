"""Dumps and reports of the valid fixture equal the reviewed golden files.

After an intended change: ``python tests/regen_golden.py`` and review the diff.
"""

from __future__ import annotations

import pytest

from helpers.golden import GOLDEN, GOLDEN_DUMPS, golden_dumps, golden_report

HINT = "if the change is intended, run `python tests/regen_golden.py` and review the diff"


@pytest.fixture(scope="module")
def dumps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The golden dumps built once for the module, as regen_golden.py builds them."""
    return golden_dumps(tmp_path_factory.mktemp("golden") / "dist")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The text and JSON reports of the broken copy, made once for the module."""
    return golden_report(tmp_path_factory.mktemp("golden-report"))


@pytest.mark.parametrize("name", GOLDEN_DUMPS)
def test_dump_matches_golden(dumps: dict[str, bytes], name: str) -> None:
    built = dumps[name]
    assert built == (GOLDEN / name).read_bytes(), HINT


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_report_matches_golden(reports: dict[str, str], fmt: str) -> None:
    expected = (GOLDEN / f"report.{'txt' if fmt == 'text' else 'json'}").read_text()
    assert reports[fmt] == expected, HINT
