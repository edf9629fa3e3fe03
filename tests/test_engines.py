"""The fast engine and pySHACL, the reference, report the same findings.

On every invalid fixture, on the real data, and on a generated data set with known defects.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from consortia_kg.build.graph import BuiltGraph
from consortia_kg.errors import Problem
from consortia_kg.pipeline import load_and_build
from consortia_kg.validate.engine import validate_graph
from helpers.cases import CASE_IDS, CASES, apply_case
from helpers.paths import FIXTURES


def _both(data: Path) -> tuple[list[Problem], list[Problem]]:
    run = load_and_build(data)
    assert run.built is not None
    return _both_on(run.built)


def _both_on(built: BuiltGraph) -> tuple[list[Problem], list[Problem]]:
    fast = validate_graph(built, engine="fast").problems
    reference = validate_graph(built, engine="pyshacl").problems
    return sorted(fast), sorted(reference)


@pytest.mark.parametrize("case_path", CASES, ids=CASE_IDS)
def test_engines_agree_on_each_fixture(case_path: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "valid", data)
    apply_case(yaml.safe_load(case_path.read_text()), data)
    if load_and_build(data).fatal:
        pytest.skip("an unreadable record stops validation before SHACL")
    fast, reference = _both(data)
    assert fast == reference


def test_engines_agree_on_real_data(real_graph: BuiltGraph) -> None:
    fast, reference = _both_on(real_graph)
    assert fast == reference


def test_engines_agree_on_a_generated_set(tmp_path: Path) -> None:
    from generate import DEFECTS, generate  # bench/, on the tests' path (pyproject.toml)

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
