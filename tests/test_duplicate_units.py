"""Two working groups (or committees) of one consortium with one name or acronym (issue 12).

The made-up cases are in tests/fixtures/invalid/duplicate-unit/ (run by test_shapes); here the
real curated records: their bodies are told apart, and a repeated name in a real consortium is
found at the second body's line, naming the first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from consortia_kg.errors import Severity
from consortia_kg.pipeline import validate_data
from consortia_kg.records.load import load_records
from consortia_kg.records.model import Consortium
from helpers.paths import DATA


def _unit_findings(data: Path) -> list[tuple[str, int, str, str, str]]:
    run = validate_data(data)
    return [
        (p.file, p.line, p.key, p.message, p.severity)
        for p in run.problems
        if p.shape in ("duplicate working group", "duplicate committee")
    ]


def test_the_curated_consortia_have_no_repeated_body(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    assert _unit_findings(data) == []


def test_a_repeated_working_group_name_is_an_error_at_the_second(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    records = load_records(data)
    record = next(
        r for r in records if isinstance(r.item, Consortium) and len(r.item.working_groups) > 2
    )
    assert isinstance(record.item, Consortium)
    first, _, third = record.item.working_groups[:3]
    assert first.name is not None and third.name is not None and first.id is not None
    path = data / "consortia" / f"{record.slug}.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    written = lines[third.name.line - 1]
    lines[third.name.line - 1] = written.replace(third.name.value, first.name.value.upper())
    path.write_text("".join(lines), encoding="utf-8")
    found = _unit_findings(data)
    assert len(found) == 1, found
    file, line, key, message, severity = found[0]
    assert (Path(file).name, line, severity) == (path.name, third.name.line, Severity.VIOLATION)
    assert key.endswith(".name") and key.startswith("working_groups[")
    assert f"({first.id.value}, line {first.name.line})" in message
