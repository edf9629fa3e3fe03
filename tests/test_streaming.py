"""The streamed build: sorting on disk, building records in processes, N-Triples from N-Quads."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import consortia_kg.build.quadlines
from consortia_kg.build.quadlines import record_lines
from consortia_kg.build.sortedlines import LineSorter
from consortia_kg.export.dumps import triple_line
from consortia_kg.records import record_files
from consortia_kg.serialize import serialize_nquads, serialize_ntriples

VALID = Path(__file__).parent / "fixtures" / "valid"
BASE = "https://w3id.org/consortia-kg/"


def test_sorter_in_memory_sorts_and_drops_duplicates(tmp_path: Path) -> None:
    with LineSorter(tmp_path) as sorter:
        sorter.add(b"c\nb\n")
        sorter.add(b"a\nb\n")
        assert list(sorter) == [b"a\n", b"b\n", b"c\n"]
    assert list(tmp_path.iterdir()) == []  # small data never touches the disk


def test_sorter_spills_runs_and_merges_them(tmp_path: Path) -> None:
    lines = [f"line {i * 7919 % 1000:04d}\n".encode() for i in range(3000)]  # each 3 times
    with LineSorter(tmp_path, run_bytes=500) as sorter:
        for start in range(0, len(lines), 37):
            sorter.add(b"".join(lines[start : start + 37]))
        assert len(list(tmp_path.glob(".sort-*/run-*"))) > 10
        assert list(sorter) == sorted(set(lines))
    assert list(tmp_path.iterdir()) == []  # runs removed


def test_records_built_in_processes_equal_those_built_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files, _ = record_files(VALID)
    here = list(record_lines(files, BASE, jobs=1))
    monkeypatch.setattr(consortia_kg.build.quadlines, "_PARALLEL_FROM", 1)
    parallel = list(record_lines(files, BASE, jobs=2))
    assert [r.slug for r in parallel] == [f.path.stem for f in files]
    assert parallel == here
    assert all(r.nquads and r.quads == r.nquads.count("\n") for r in here)


def test_an_unreadable_record_comes_back_as_problems(tmp_path: Path) -> None:
    (tmp_path / "organisations").mkdir()
    (tmp_path / "organisations" / "broken.yaml").write_text("id: broken\n\tname: x\n")
    files, _ = record_files(tmp_path)
    (result,) = record_lines(files, BASE, jobs=1)
    assert result.nquads == "" and result.sha256 == ""
    assert result.problems[0].message == "a tab is used for indentation"


_iris = st.sampled_from(["http://a/", "http://a/b", "http://a/b/c", "http://a-b/", "http://a0"])
_literals = st.text(alphabet='ab "\\<>\n/-', max_size=4).map(ox.Literal)
_terms = st.one_of(_iris.map(ox.NamedNode), _literals)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            _iris, _iris, _terms, st.sampled_from(["http://g/1", "http://g/1/x", "http://g"])
        ),
        max_size=30,
    )
)
def test_ntriples_from_sorted_nquads_are_sorted(rows: list[tuple[str, str, object, str]]) -> None:
    """Dropping the graph from sorted N-Quads lines keeps them sorted (what the dumps rely on)."""
    quads = [ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o, ox.NamedNode(g)) for s, p, o, g in rows]  # type: ignore[arg-type]
    nquads = serialize_nquads(quads).splitlines(keepends=True)
    derived: list[bytes] = []
    for line in nquads:
        triple = triple_line(line)
        if not derived or derived[-1] != triple:
            derived.append(triple)
    assert b"".join(derived) == serialize_ntriples(q.triple for q in quads)


def test_build_store_streams_the_same_store_as_build(tmp_path: Path) -> None:
    from consortia_kg.pipeline import build_dumps, build_store
    from consortia_kg.query.store import EmbeddedStore, read_meta

    build_dumps(VALID, tmp_path / "dist")
    run = build_store(VALID, tmp_path / "alone" / "store", jobs=1)
    assert run.quads > 200 and not run.problems
    dumped, alone = read_meta(tmp_path / "dist" / "store"), read_meta(tmp_path / "alone" / "store")
    assert dumped is not None and dumped == alone
    quads = [
        set(EmbeddedStore.open(folder).store.quads_for_pattern(None, None, None, None))
        for folder in (tmp_path / "dist" / "store", tmp_path / "alone" / "store")
    ]
    assert quads[0] == quads[1] and len(quads[0]) == run.quads
    # a folder's `store` is published as a whole release; no temporary file is left
    assert (tmp_path / "alone" / "store").is_symlink() and run.release is not None
    left = [p.name for p in (tmp_path / "alone").rglob(".*") if p.name != ".manifest.json"]
    assert left == []


def test_a_built_store_is_reused_by_query_without_reading_the_records(tmp_path: Path) -> None:
    from consortia_kg.api import prepare_store
    from consortia_kg.pipeline import build_dumps

    build_dumps(VALID, tmp_path / "dist")
    said: list[str] = []
    prepare_store(VALID, tmp_path / "dist" / "store", progress=said.append)
    assert said == []  # the record files' fingerprint matched: nothing was read or rebuilt


def test_only_scratch_of_dead_processes_is_removed(tmp_path: Path) -> None:
    import os
    import subprocess

    from consortia_kg.atomic import remove_stale

    dead = subprocess.Popen(["true"])
    dead.wait()
    live, other = os.getppid(), os.getpid()  # our parent is alive; our own pid is skipped
    (tmp_path / f".sort-{dead.pid}-abc").mkdir()
    (tmp_path / f".store-load-{dead.pid}-x.nq").write_text("")
    (tmp_path / f".sort-{live}-def").mkdir()
    (tmp_path / f".dumps-new-{other}-ghi").mkdir()
    (tmp_path / ".sort-notapid").mkdir()
    (tmp_path / "consortia.nt").write_text("")
    removed = remove_stale(tmp_path)
    assert sorted(p.name for p in removed) == [
        f".sort-{dead.pid}-abc",
        f".store-load-{dead.pid}-x.nq",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f".sort-{live}-def", f".dumps-new-{other}-ghi", ".sort-notapid", "consortia.nt"]
    )


def test_bring_up_to_date_loads_a_missing_store_from_current_dumps(tmp_path: Path) -> None:
    """Current dumps hold the very graph: a missing store is loaded from their N-Quads, and
    no record is read."""
    import shutil

    from consortia_kg.build.manifest import read_manifest
    from consortia_kg.pipeline import bring_up_to_date
    from consortia_kg.query.store import read_meta

    # a store of its own beside flat dumps (serve --store X/mystore); a folder's `store` is
    # published in whole releases instead (test_release_*.py)
    dist = tmp_path / "dist"
    store = dist / "mystore"
    bring_up_to_date(VALID, dist, store)
    built = read_meta(store)
    manifest = read_manifest(dist)
    assert built is not None and manifest is not None
    assert (manifest.version, manifest.fingerprint) == (built.version, built.fingerprint)
    shutil.rmtree(store)
    said: list[str] = []
    run = bring_up_to_date(VALID, dist, store, progress=said.append)
    assert run.rebuilt == ["store"]
    assert not any(line.startswith(("build:", "export:")) for line in said), said
    assert read_meta(store) == built
    assert (store / "quads.nq").stat().st_ino == (dist / "consortia.nq").stat().st_ino


def test_bring_up_to_date_writes_only_stale_dumps(tmp_path: Path) -> None:
    """Dumps without a manifest (or of other records) are rewritten; the current store stays."""
    from consortia_kg.build.manifest import MANIFEST_NAME
    from consortia_kg.pipeline import bring_up_to_date

    dist = tmp_path / "dist"
    store = dist / "mystore"  # a store of its own beside flat dumps, as above
    bring_up_to_date(VALID, dist, store)
    inode = (store / "oxigraph").stat().st_ino
    (dist / MANIFEST_NAME).unlink()
    said: list[str] = []
    run = bring_up_to_date(VALID, dist, store, progress=said.append)
    assert run.rebuilt == ["dumps"] and (dist / MANIFEST_NAME).is_file()
    assert [line.split(":")[0] for line in said] == ["dumps", "build", "export"]
    assert (store / "oxigraph").stat().st_ino == inode
    assert bring_up_to_date(VALID, dist, store).rebuilt == []
