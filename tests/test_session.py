"""A validation session re-validates one changed record and agrees with full validation on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from consortia_kg.errors import Problem
from consortia_kg.pipeline import validate_data
from consortia_kg.session import ValidationSession
from helpers.cases import CASE_IDS, CASES, apply_case
from helpers.paths import FIXTURES


def _for_files(problems: list[Problem], files: set[str]) -> list[tuple[str, int, str, str]]:
    return sorted((p.file, p.line, p.key, p.message) for p in problems if p.file in files)


@pytest.mark.parametrize("case_path", CASES, ids=CASE_IDS)
def test_revalidating_the_edited_files_matches_full_validation(
    case_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "valid", data)
    monkeypatch.chdir(tmp_path)
    session = ValidationSession(Path("data"))
    assert session.validate_all() == []
    case = yaml.safe_load(case_path.read_text())
    if case.get("remove") or case.get("add"):
        pytest.skip("adding or removing records changes other records' findings: full validation")
    apply_case(case, data)
    edited = sorted(Path("data") / name for name in case.get("edit", {}))
    found: list[Problem] = []
    for path in edited:
        found.extend(session.revalidate(path))
    files = {str(path) for path in edited}
    full = validate_data(Path("data")).problems
    assert _for_files(found, files) == _for_files(full, files)


def test_a_fixed_record_comes_back_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "valid", data)
    monkeypatch.chdir(tmp_path)
    session = ValidationSession(Path("data"))
    session.validate_all()
    path = Path("data/consortia/demo-consortium.yaml")
    good = path.read_text()
    path.write_text(good.replace("  - organisation: alpha-institute", "  - organisation: nobody"))
    assert [p.message for p in session.revalidate(path)] == ['"nobody" is not a known organisation']
    path.write_text(good)
    assert session.revalidate(path) == []


def test_watch_reports_each_saved_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from consortia_kg.session import watch

    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "valid", data)
    monkeypatch.chdir(tmp_path)
    session = ValidationSession(Path("data"))
    session.validate_all()
    path = Path("data/consortia/demo-consortium.yaml")
    seen: list[tuple[Path, list[str]]] = []
    rounds = iter(range(3))

    def stop() -> bool:
        step = next(rounds, None)
        if step == 1:  # a curator saves a broken record between two looks
            path.write_text(path.read_text().replace("status: active", "status: activ"))
        if step == 2:
            Path("data/organisations/beta-university.yaml").unlink()
        return step is None

    watch(session, lambda p, found: seen.append((p, [f.message for f in found])), 0.01, stop)
    assert seen == [
        (data.relative_to(tmp_path) / "consortia/demo-consortium.yaml",
         ['"activ" is not one of the allowed words']),
        (Path("data/organisations/beta-university.yaml"), ["the record was removed"]),
    ]  # fmt: skip
