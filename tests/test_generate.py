"""The benchmark generator: deterministic, exactly 1 % defects, and no likely-duplicate names."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from pathlib import Path

import pytest

# bench/generate.py, on the tests' path (pyproject.toml)
from generate import (
    DEFECTS,
    MAX_ORGANISATIONS,
    defect_count,
    generate,
    organisation_name,
    plan_defects,
)

from consortia_kg.reconcile import DUPLICATE_SCORE, likely_duplicate_pairs, normalise_name


def _digest(folder: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(folder.rglob("*.yaml")):
        sha.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()


def test_the_same_n_gives_the_same_bytes(tmp_path: Path) -> None:
    first = generate(12, tmp_path / "one", max_members=12)
    second = generate(12, tmp_path / "two", max_members=12)
    assert first == second
    assert _digest(tmp_path / "one") == _digest(tmp_path / "two")


@pytest.mark.parametrize(
    ("n", "expected"), [(1, 1), (10, 1), (99, 1), (100, 1), (150, 2), (1000, 10), (10_000, 100)]
)
def test_one_percent_of_the_consortia_carry_a_defect(n: int, expected: int) -> None:
    assert defect_count(n) == expected
    planned = plan_defects(n)
    assert len(planned) == expected
    assert all(0 <= int(slug.rsplit("-", 1)[1]) < n for slug in planned)


def test_defects_take_every_kind_in_turn() -> None:
    kinds = Counter(plan_defects(1000).values())
    assert set(kinds) == set(DEFECTS)
    assert max(kinds.values()) - min(kinds.values()) <= 1


def test_a_written_folder_holds_the_planned_defects(tmp_path: Path) -> None:
    defects = generate(100, tmp_path / "data", max_members=10)
    assert defects == plan_defects(100)
    assert len(defects) == 1
    assert len(list((tmp_path / "data" / "consortia").glob("*.yaml"))) == 100


def test_names_are_distinct_and_differ_in_two_words() -> None:
    rng = random.Random(7)
    indexes = rng.sample(range(MAX_ORGANISATIONS), 2000)
    names = [organisation_name(i)[0] for i in indexes]
    assert len(set(names)) == len(names)
    words = [name.split(" ") for name in names[:400]]
    for i, one in enumerate(words):
        for two in words[i + 1 :]:
            if len(one) == len(two):
                assert sum(a != b for a, b in zip(one, two, strict=True)) >= 2, (one, two)
    with pytest.raises(ValueError, match="distinct organisation names"):
        organisation_name(MAX_ORGANISATIONS)


def test_no_two_names_score_as_likely_duplicates() -> None:
    from rapidfuzz import fuzz, process

    rng = random.Random(11)
    indexes = sorted(set(range(1500)) | set(rng.sample(range(MAX_ORGANISATIONS), 1500)))
    names = [normalise_name(organisation_name(i)[0]) for i in indexes]
    # process.extract per name (cdist would need numpy, which the project does not install)
    hits = [
        (name, other)
        for a, name in enumerate(names)
        for other, _score, b in process.extract(
            name, names, scorer=fuzz.token_sort_ratio, score_cutoff=DUPLICATE_SCORE, limit=None
        )
        if a < b
    ]
    assert hits == []
    records = {f"org-{i:06d}": {"name": organisation_name(i)[0]} for i in indexes}
    assert likely_duplicate_pairs(records) == []


def test_the_detector_would_see_a_near_duplicate() -> None:
    """The check above can fail: a name one letter off is caught by the same scorer."""
    name = organisation_name(5)[0]
    records = {"org-a": {"name": name}, "org-b": {"name": name + "s"}}
    assert len(likely_duplicate_pairs(records)) == 1
