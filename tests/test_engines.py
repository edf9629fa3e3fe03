"""The fast engine and pySHACL, the reference, report the same findings.

On every invalid fixture, on the real data, and on a generated data set with known defects.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml

from consortia_kg.errors import Problem
from consortia_kg.pipeline import load_and_build
from consortia_kg.validate.engine import validate_graph
from test_shapes import CASES, FIXTURES, _apply

ROOT = Path(__file__).resolve().parent.parent


def _both(data: Path) -> tuple[list[Problem], list[Problem]]:
    run = load_and_build(data)
    assert run.built is not None
    fast = validate_graph(run.built, engine="fast").problems
    reference = validate_graph(run.built, engine="pyshacl").problems
    return sorted(fast), sorted(reference)


@pytest.mark.parametrize("case_path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_engines_agree_on_each_fixture(case_path: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "valid", data)
    _apply(yaml.safe_load(case_path.read_text()), data)
    if load_and_build(data).fatal:
        pytest.skip("an unreadable record stops validation before SHACL")
    fast, reference = _both(data)
    assert fast == reference


def test_engines_agree_on_real_data() -> None:
    fast, reference = _both(ROOT / "data")
    assert fast == reference


def test_engines_agree_on_a_generated_set(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import DEFECTS, generate

    defects = generate(16, tmp_path / "data", seed=1, defect_rate=0.5, max_members=12)
    assert set(defects.values()) == set(DEFECTS)
    assert defects, "the seed must plant at least one defect"
    fast, reference = _both(tmp_path / "data")
    assert fast == reference
    flagged = {Path(p.file).stem for p in fast}
    assert set(defects) <= flagged
    for slug, defect in defects.items():
        messages = [p.message for p in fast if Path(p.file).stem == slug]
        assert any(DEFECTS[defect] in m for m in messages), (slug, messages)
