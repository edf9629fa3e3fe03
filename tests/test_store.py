"""The embedded store: filled by `build`, built on demand by `query`, reused while data is unchanged."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from consortia_kg.api import prepare_store
from consortia_kg.build.manifest import data_fingerprint
from consortia_kg.cli.main import main
from consortia_kg.errors import InputError
from consortia_kg.pipeline import fill_store, load_and_build
from consortia_kg.query.store import EmbeddedStore, SelectResult, read_meta
from helpers.paths import RECORDS

ROOT = Path(__file__).resolve().parent.parent
GKS = "Genomic Knowledge Standards"


@pytest.fixture
def data(data_copy: Path) -> Path:
    return data_copy


def _count(store: EmbeddedStore, where: str = "{ ?s ?p ?o }") -> int:
    result = store.execute(f"SELECT (COUNT(*) AS ?n) WHERE {where}")
    assert isinstance(result, SelectResult)
    return int(result.rows[0]["n"].value)


def _group_names(store: EmbeddedStore) -> set[str]:
    result = store.execute(
        "PREFIX ckg: <https://w3id.org/consortia-kg/ontology#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?name WHERE { ?g a ckg:WorkingGroup ; rdfs:label ?name }"
    )
    assert isinstance(result, SelectResult)
    return {row["name"].value for row in result.rows}


def test_build_fills_the_store_beside_the_dumps(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    result = CliRunner().invoke(main, ["build", "--data", str(data), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "store: " in result.stderr
    run = load_and_build(data)
    assert run.built is not None
    meta = read_meta(out / "store")
    assert meta is not None
    assert meta.version == run.built.version
    assert meta.base == "https://w3id.org/consortia-kg/"
    assert meta.graphs == len(run.built.graphs) == RECORDS
    store = EmbeddedStore.open(out / "store")
    distinct = {(q.subject, q.predicate, q.object, q.graph_name) for q in run.built.quads}
    assert _count(store, "{ GRAPH ?g { ?s ?p ?o } }") == len(distinct) == meta.quads
    assert len(list(store.store.named_graphs())) == RECORDS
    # the dumps stay as they were: the store is a folder of its own
    assert "store" not in (out / "SHA256SUMS").read_text()


def test_queries_without_graph_see_every_record_graph(data: Path, tmp_path: Path) -> None:
    store = prepare_store(data, tmp_path / "store")
    assert _count(store, "{ GRAPH ?g { ?s ?p ?o } }") > 0
    graphs_in_union = store.execute(
        "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { ?g <https://w3id.org/consortia-kg/ontology#contentHash> ?h }"
    )
    assert isinstance(graphs_in_union, SelectResult)
    assert graphs_in_union.rows[0]["n"].value == f"{RECORDS}"
    assert _group_names(store) >= {GKS}


def test_fresh_store_is_built_with_progress_then_reused(data: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    store_dir = tmp_path / "store"
    prepare_store(data, store_dir, progress=lines.append)
    assert lines[0].startswith(f"store: no store in {store_dir} yet")
    assert any(line.startswith("build: ") for line in lines)
    assert lines[-1].startswith("store: ") and f" quads in {RECORDS} graphs into " in lines[-1]
    inode = (store_dir / "oxigraph").stat().st_ino
    again: list[str] = []
    store = prepare_store(data, store_dir, progress=again.append)
    assert again == []  # nothing loaded, parsed or filled
    assert (store_dir / "oxigraph").stat().st_ino == inode
    assert GKS in _group_names(store)


def test_store_filled_by_build_is_reused_by_query(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    CliRunner().invoke(main, ["build", "--data", str(data), "-o", str(out), "-q"])
    inode = (out / "store" / "oxigraph").stat().st_ino
    lines: list[str] = []
    prepare_store(data, out / "store", progress=lines.append)
    # build records the record files' fingerprint with the store: query trusts it at once
    assert not any("quads in" in line for line in lines), lines
    assert (out / "store" / "oxigraph").stat().st_ino == inode
    meta = read_meta(out / "store")
    assert meta is not None and meta.fingerprint == data_fingerprint(data, meta.base)
    quiet: list[str] = []
    prepare_store(data, out / "store", progress=quiet.append)
    assert quiet == []


def test_changed_record_refills_the_store(data: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    assert GKS in _group_names(prepare_store(data, store_dir))
    before = read_meta(store_dir)
    record = data / "consortia" / "ga4gh.yaml"
    record.write_text(record.read_text().replace(GKS, "Genomic Knowledge Standards Group"))
    lines: list[str] = []
    store = prepare_store(data, store_dir, progress=lines.append)
    assert "Genomic Knowledge Standards Group" in _group_names(store)
    after = read_meta(store_dir)
    assert before is not None and after is not None and after.version != before.version
    assert any(" graphs into " in line for line in lines)


def test_rewriting_the_same_bytes_does_not_refill(data: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    prepare_store(data, store_dir)
    inode = (store_dir / "oxigraph").stat().st_ino
    record = data / "organisations" / "uk-ac-ebi.yaml"
    content = record.read_bytes()
    record.unlink()
    record.write_bytes(content)
    lines: list[str] = []
    prepare_store(data, store_dir, progress=lines.append)
    assert lines == []
    assert (store_dir / "oxigraph").stat().st_ino == inode


def test_another_base_iri_refills_the_store(data: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    prepare_store(data, store_dir)
    store = prepare_store(data, store_dir, "https://example.org/kg/")
    meta = read_meta(store_dir)
    assert meta is not None and meta.base == "https://example.org/kg/"
    assert _count(store, "{ <https://example.org/kg/consortium/ga4gh> ?p ?o }") > 0
    assert _count(store, "{ <https://w3id.org/consortia-kg/consortium/ga4gh> ?p ?o }") == 0


def test_broken_record_is_refused_and_the_store_kept(data: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    prepare_store(data, store_dir)
    version = read_meta(store_dir)
    record = data / "consortia" / "ga4gh.yaml"
    record.write_text(record.read_text().replace('status: "active"', 'status: "alive"'))
    with pytest.raises(InputError, match="the build stops at") as info:
        prepare_store(data, store_dir)
    assert "consortia-kg validate" in str(info.value)
    assert "ga4gh.yaml" in str(info.value)
    assert read_meta(store_dir) == version


def test_incomplete_store_is_refilled(data: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    prepare_store(data, store_dir)
    shutil.rmtree(store_dir / "oxigraph")
    assert read_meta(store_dir) is None
    lines: list[str] = []
    store = prepare_store(data, store_dir, progress=lines.append)
    assert lines[0].startswith("store: no store in")
    assert GKS in _group_names(store)
    (store_dir / "meta.json").write_text("{not json")
    assert read_meta(store_dir) is None


def test_fill_replaces_the_folder_whole(data: Path, tmp_path: Path) -> None:
    run = load_and_build(data)
    assert run.built is not None
    store_dir = tmp_path / "store"
    fill_store(run.built, store_dir)
    (store_dir / "stray").write_text("left by someone")
    meta = fill_store(run.built, store_dir)
    assert sorted(os.listdir(store_dir)) == ["meta.json", "oxigraph"]
    assert json.loads((store_dir / "meta.json").read_text())["quads"] == meta.quads
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".store.")] == [".store.lock"]


def test_two_readers_share_the_store(data: Path, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    first = prepare_store(data, store_dir)
    second = EmbeddedStore.open(store_dir)
    assert _count(first) == _count(second) > 0


def test_open_without_store_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="holds no filled store"):
        EmbeddedStore.open(tmp_path / "nothing")


def test_query_on_a_fresh_clone_builds_then_is_quiet(data: Path, tmp_path: Path) -> None:
    """The CLI on a folder with no store: progress on stderr the first time, none the second."""
    store_dir = tmp_path / "dist" / "store"
    args = ["query", "working-groups", "--data", str(data), "--store", str(store_dir), "-f", "csv"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "store: no store in" in first.stderr
    assert len(first.stdout.splitlines()) == 1 + 8
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0
    assert second.stdout == first.stdout
    assert "store:" not in second.stderr and "load:" not in second.stderr
    assert second.stderr.startswith("working-groups: 8 rows in ")


def test_in_memory_store_answers_like_the_disk_store(data: Path, tmp_path: Path) -> None:
    run = load_and_build(data)
    assert run.built is not None
    memory = EmbeddedStore.in_memory(run.built)
    disk = prepare_store(data, tmp_path / "store")
    assert _group_names(memory) == _group_names(disk)
    assert isinstance(memory.store, ox.Store)


def test_a_query_with_from_reads_only_that_graph(tmp_path: Path) -> None:
    """Regression: FROM was ignored under the union default graph, so every graph answered."""
    from consortia_kg.pipeline import fill_store
    from consortia_kg.query.store import EmbeddedStore, SelectResult

    run = load_and_build(Path(__file__).resolve().parent.parent / "data")
    assert run.built is not None
    fill_store(run.built, tmp_path / "store")
    store = EmbeddedStore.open(tmp_path / "store")
    graph = "https://w3id.org/consortia-kg/graph/organisation/uk-ac-ebi"
    text = f"SELECT (COUNT(DISTINCT ?s) AS ?n) FROM <{graph}> WHERE {{ ?s a ?type }}"
    only = store.execute(text)
    everything = store.execute("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?type }")
    assert isinstance(only, SelectResult) and isinstance(everything, SelectResult)
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    in_graph = {
        q.subject.value
        for q in run.built.quads
        if q.predicate.value == rdf_type and q.graph_name.value == graph  # type: ignore[union-attr]
    }
    assert int(only.rows[0]["n"].value) == len(in_graph) > 0
    assert int(everything.rows[0]["n"].value) > len(in_graph)


def test_solutions_read_once_give_the_same_bytes_as_the_json_exchange_form() -> None:
    """SelectResult.of(solutions) writes every format exactly as the SPARQL JSON round trip."""
    store = ox.Store()
    p = ox.NamedNode("http://example.org/p")
    objects = [
        ox.NamedNode("http://example.org/é"),
        ox.BlankNode("b1"),
        ox.Literal('two\nlines "quoted"', language="en-GB"),
        ox.Literal("12", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.Literal("plain ünï"),
        ox.Literal("rtl", language="ar", direction=ox.BaseDirection.RTL),
        ox.Triple(ox.NamedNode("http://example.org/a"), p, ox.Literal("z")),
    ]
    for i, term in enumerate(objects):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), p, term))
    text = "SELECT ?s ?o ?unbound WHERE { ?s ?p ?o } ORDER BY ?s"

    def exchanged() -> SelectResult:
        solutions = store.query(text)
        assert isinstance(solutions, ox.QuerySolutions)
        return SelectResult(solutions.serialize(format=ox.QueryResultsFormat.JSON))

    def live() -> SelectResult:
        solutions = store.query(text)
        assert isinstance(solutions, ox.QuerySolutions)
        return SelectResult.of(solutions)

    for fmt in ("table", "csv", "tsv", "json", "xml"):
        expected = exchanged().serialize(fmt)
        rows_first = live()
        assert rows_first.rows == exchanged().rows
        assert rows_first.serialize(fmt) == expected, fmt
        written_first = live()
        assert written_first.serialize(fmt) == expected, fmt
        assert written_first.rows == exchanged().rows
        assert written_first.variables == ["s", "o", "unbound"]


def test_a_filled_store_is_compacted(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fill_store compacts RocksDB once (store.optimize) before the store is put in place."""
    import types

    from consortia_kg.query import store as store_module

    calls: list[str] = []

    class Recording:
        def __init__(self, path: str) -> None:
            self._store = ox.Store(path)

        def __getattr__(self, name: str) -> object:
            calls.append(name)
            return getattr(self._store, name)

    fake = types.SimpleNamespace(**{k: getattr(ox, k) for k in dir(ox) if not k.startswith("_")})
    fake.Store = Recording
    monkeypatch.setattr(store_module, "ox", fake)
    run = load_and_build(data)
    assert run.built is not None
    fill_store(run.built, tmp_path / "store")
    assert calls == ["bulk_extend", "optimize", "flush"]
    monkeypatch.undo()
    assert _count(EmbeddedStore.open(tmp_path / "store"), "{ GRAPH ?g { ?s ?p ?o } }") > 0


def _all_quads(store: EmbeddedStore) -> set[ox.Quad]:
    return set(store.store.quads_for_pattern(None, None, None, None))


def test_a_store_opened_in_memory_holds_the_same_quads(data: Path, tmp_path: Path) -> None:
    """open(memory=True): from the N-Quads build linked in, or from the store itself."""
    out = tmp_path / "dist"
    result = CliRunner().invoke(main, ["build", "--data", str(data), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    linked = out / "store" / "quads.nq"
    assert linked.is_file()
    assert linked.stat().st_ino == (out / "consortia.nq").stat().st_ino  # a link, no copy
    disk = EmbeddedStore.open(out / "store")
    memory = EmbeddedStore.open(out / "store", memory=True)
    assert _all_quads(memory) == _all_quads(disk)
    assert _group_names(memory) == _group_names(disk)
    # filled by query: streamed, so the N-Quads it loaded stay linked in as well
    lines: list[str] = []
    filled = prepare_store(data, tmp_path / "store", progress=lines.append, memory=True)
    assert (tmp_path / "store" / "quads.nq").is_file()
    assert any("copied into memory" in line for line in lines)
    assert _all_quads(filled) == _all_quads(disk)
    assert filled.meta is not None and filled.meta.version == disk.meta.version  # type: ignore[union-attr]
    # filled from quads built in memory (no N-Quads file): copied from the store on disk
    built = load_and_build(data).built
    assert built is not None
    fill_store(built, tmp_path / "bare")
    assert not (tmp_path / "bare" / "quads.nq").exists()
    assert _all_quads(EmbeddedStore.open(tmp_path / "bare", memory=True)) == _all_quads(disk)


def test_open_graph_in_memory_answers_like_on_disk(data: Path, tmp_path: Path) -> None:
    from consortia_kg.api import open_graph

    on_disk = open_graph(data, store=tmp_path / "store")
    in_memory = open_graph(data, store=tmp_path / "store", memory=True)
    for name in ("working-groups", "consortium-members", "dataset-summary"):
        assert in_memory.query(name).records() == on_disk.query(name).records()
