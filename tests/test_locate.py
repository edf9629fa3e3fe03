"""Findings are located in record words: the look-ups behind it agree with a plain scan."""

from __future__ import annotations

import shutil
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from consortia_kg.build.graph import BuiltGraph
from consortia_kg.pipeline import load_and_build, validate_data

ROOT = Path(__file__).resolve().parent.parent
VALID = ROOT / "tests" / "fixtures" / "valid"


def _scan(built: BuiltGraph, subject: str) -> list[str]:
    """The records that mention ``subject``, by a scan of every quad (what the map replaces)."""
    target = NamedNode(subject)
    graphs = {q.graph_name.value for q in built.quads if q.subject == target}
    return [built.graphs[g].file for g in sorted(graphs) if g in built.graphs]


def _built(data: Path) -> BuiltGraph:
    run = load_and_build(data)
    assert run.built is not None
    return run.built


def test_mentions_agree_with_a_scan(tmp_path: Path) -> None:
    from generate import generate  # bench/, on the tests' path (pyproject.toml)

    defects = generate(8, tmp_path / "data", seed=3, defect_rate=0.5, max_members=12)
    assert "unknown-member" in defects.values()
    built = _built(tmp_path / "data")
    subjects = {q.subject.value for q in built.quads if isinstance(q.subject, NamedNode)}
    orphans = sorted(s for s in subjects if built.record_of(s) is None)
    assert any("/role/" in s for s in orphans)  # nodes without a record of their own
    assert built.base + "organisation/org-missing" in orphans
    for subject in orphans:
        assert [r.file for r in built._mentions(subject)] == _scan(built, subject), subject
    assert built._mentions(built.base + "nothing/here") == []


def test_mentions_see_quads_added_later() -> None:
    built = _built(VALID)
    subject = built.base + "concept/new"
    assert built._mentions(subject) == []
    graph = next(iter(built.graphs))
    built.quads.append(
        Quad(NamedNode(subject), NamedNode(built.base + "p"), Literal("x"), NamedNode(graph))
    )
    assert [r.file for r in built._mentions(subject)] == [built.graphs[graph].file]


def test_an_unknown_member_is_reported_at_its_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(VALID, data)
    path = data / "consortia" / "demo-consortium.yaml"
    text = path.read_text()
    assert "  - organisation: alpha-institute" in text
    path.write_text(text.replace("  - organisation: alpha-institute", "  - organisation: nobody"))
    line = 1 + path.read_text().splitlines().index("  - organisation: nobody")
    found = [p for p in validate_data(data).problems if "nobody" in p.message]
    assert found, "the unknown member is reported"
    assert {(Path(p.file).name, p.line) for p in found} == {("demo-consortium.yaml", line)}
