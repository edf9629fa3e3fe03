"""Dumps: byte-identical rebuilds, the same graph in every format, checksums, VoID, atomicity."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import Result

from consortia_kg.export.dumps import write_dump_stream
from consortia_kg.pipeline import build_dumps

FORMATS = {
    "consortia.ttl": ox.RdfFormat.TURTLE,
    "consortia.nt": ox.RdfFormat.N_TRIPLES,
    "consortia.jsonld": ox.RdfFormat.JSON_LD,
}


@pytest.fixture(scope="module")
def dumps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run = build_dumps(Path(__file__).parent / "fixtures" / "valid", out)
    assert run.files, run.problems
    return out


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below ``folder`` with its bytes and modification time."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _triples(path: Path, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return {q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(path=str(path), format=fmt)}


def test_two_builds_are_byte_identical(tmp_path: Path, dumps: Path) -> None:
    again = tmp_path / "again"
    build_dumps(Path(__file__).parent / "fixtures" / "valid", again)
    names = sorted(p.name for p in dumps.iterdir() if p.is_file())
    assert names == sorted(p.name for p in again.iterdir() if p.is_file())
    for name in names:
        assert (dumps / name).read_bytes() == (again / name).read_bytes(), name


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_dump_is_the_same_graph(dumps: Path, name: str) -> None:
    reference = _triples(dumps / "consortia.nt", ox.RdfFormat.N_TRIPLES)
    assert len(reference) > 200
    assert _triples(dumps / name, FORMATS[name]) == reference


def test_nquads_hold_one_graph_per_record(dumps: Path) -> None:
    quads = list(ox.parse(path=str(dumps / "consortia.nq"), format=ox.RdfFormat.N_QUADS))
    graphs = {q.graph_name.value for q in quads}
    assert graphs == {
        f"https://w3id.org/consortia-kg/graph/{kind}/{slug}"
        for kind, slug in [
            ("consortium", "demo-consortium"),
            ("organisation", "alpha-institute"),
            ("organisation", "beta-university"),
            ("source", "demo-source"),
            ("source", "demo-registry"),
        ]
    }
    assert {q.triple for q in quads} == _triples(dumps / "consortia.nt", ox.RdfFormat.N_TRIPLES)


def test_literals_keep_their_exact_form(dumps: Path) -> None:
    text = (dumps / "consortia.nt").read_text()
    assert '"2010"^^<http://www.w3.org/2001/XMLSchema#gYear>' in text
    assert '"2010-06"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>' in text
    assert '"00012"' in text  # a postal code stays a string with its zeros
    assert (
        '<https://w3id.org/consortia-kg/ontology#acronym> "NO"' in text
    )  # YAML 1.1 would say false


def test_ntriples_are_sorted_and_canonical(dumps: Path) -> None:
    lines = (dumps / "consortia.nt").read_text().splitlines()
    assert lines == sorted(set(lines))
    assert all(line.endswith(" .") for line in lines)


def test_gzip_copies_match(dumps: Path) -> None:
    for name in ("consortia.ttl", "consortia.nt", "consortia.nq", "consortia.jsonld"):
        assert gzip.decompress((dumps / f"{name}.gz").read_bytes()) == (dumps / name).read_bytes()


def test_sha256sums_cover_every_file(dumps: Path) -> None:
    listed = {}
    for line in (dumps / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        listed[name] = digest
    files = {p.name for p in dumps.iterdir() if p.is_file() and not p.name.startswith(".")}
    files -= {"SHA256SUMS"}
    assert set(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((dumps / name).read_bytes()).hexdigest() == digest


def test_void_counts_and_describes_each_dump(dumps: Path) -> None:
    store = ox.Store()
    store.load(path=str(dumps / "void.ttl"), format=ox.RdfFormat.TURTLE)
    triples = len(_triples(dumps / "consortia.nt", ox.RdfFormat.N_TRIPLES))
    (row,) = store.query(
        "PREFIX void: <http://rdfs.org/ns/void#> SELECT ?n WHERE { ?d a void:Dataset ; void:triples ?n }"
    )
    assert int(row["n"].value) == triples
    rows = store.query(
        """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dcterms: <http://purl.org/dc/terms/>
           PREFIX spdx: <http://spdx.org/rdf/terms#>
           SELECT ?title ?size ?sum WHERE { ?d dcat:distribution ?x . ?x dcterms:title ?title ;
             dcat:byteSize ?size ; spdx:checksum/spdx:checksumValue ?sum }"""
    )
    described = {r["title"].value: (int(r["size"].value), r["sum"].value) for r in rows}
    assert "consortia.ttl" in described and "consortia.nq.gz" in described
    for name, (size, digest) in described.items():
        content = (dumps / name).read_bytes()
        assert (len(content), hashlib.sha256(content).hexdigest()) == (size, digest)


def test_personal_contacts_never_reach_a_dump(dumps: Path) -> None:
    for path in (p for p in dumps.iterdir() if p.is_file()):
        content = path.read_bytes()
        if path.suffix == ".gz":
            content = gzip.decompress(content)
        assert b"pat.private@example.org" not in content, path.name
        assert b"Sam Private" not in content, path.name
    text = (dumps / "consortia.nt").read_text()
    assert "chair.public@example.org" in text  # marked public: true
    assert '"Pat Example"' in text  # a post holder marked public


def test_provenance_names_file_source_and_hash_never_time(dumps: Path) -> None:
    store = ox.Store()
    store.load(path=str(dumps / "consortia.nq"), format=ox.RdfFormat.N_QUADS)
    (row,) = store.query(
        """PREFIX ckg: <https://w3id.org/consortia-kg/ontology#> PREFIX prov: <http://www.w3.org/ns/prov#>
           SELECT ?file ?hash (GROUP_CONCAT(STR(?src); separator=" ") AS ?srcs) WHERE {
             GRAPH ?g { ?g ckg:recordFile ?file ; ckg:contentHash ?hash ; prov:wasDerivedFrom ?src }
             FILTER (CONTAINS(STR(?g), "consortium/demo-consortium")) } GROUP BY ?file ?hash"""
    )
    assert row["file"].value == "valid/consortia/demo-consortium.yaml"
    expected = hashlib.sha256(
        (Path(__file__).parent / "fixtures/valid/consortia/demo-consortium.yaml").read_bytes()
    ).hexdigest()
    assert row["hash"].value == f"sha256:{expected}"
    assert sorted(row["srcs"].value.split()) == [
        "https://w3id.org/consortia-kg/source/demo-registry",
        "https://w3id.org/consortia-kg/source/demo-source",
    ]
    assert "dateTime" not in (dumps / "consortia.nq").read_text()


def test_base_iri_moves_every_minted_iri(tmp_path: Path) -> None:
    build_dumps(Path(__file__).parent / "fixtures" / "valid", tmp_path, "http://127.0.0.1:8080/kg/")
    text = (tmp_path / "consortia.nt").read_text()
    assert "<http://127.0.0.1:8080/kg/consortium/demo-consortium>" in text
    assert "https://w3id.org/consortia-kg/consortium/" not in text


def test_failed_write_leaves_the_folder_as_it_was(tmp_path: Path, dumps: Path) -> None:
    """A run that fails half-way (here: its input breaks) leaves the previous dumps as they were."""
    out = tmp_path / "dist"
    shutil.copytree(dumps, out, ignore=shutil.ignore_patterns("store", ".*"))
    before = _snapshot(out)
    lines = (dumps / "consortia.nq").read_bytes().splitlines(keepends=True)

    def breaking() -> Iterator[bytes]:
        yield from lines[: len(lines) // 2]
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_dump_stream(breaking(), out, "https://w3id.org/consortia-kg/", "v")
    assert _snapshot(out) == before  # and no staging folder left behind


def test_dumps_are_readable_by_everyone(dumps: Path) -> None:
    for path in dumps.iterdir():
        if path.is_file() and not path.name.startswith("."):
            assert path.stat().st_mode & 0o044 == 0o044, path.name


def test_the_large_data_path_gives_the_same_dumps(
    tmp_path: Path, dumps: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Force the path large data takes (sorted runs on disk, JSON-LD written by a second
    process): the same bytes come out."""
    import consortia_kg.build.sortedlines
    import consortia_kg.export.dumps

    monkeypatch.setattr(consortia_kg.build.sortedlines, "RUN_BYTES", 4096)
    monkeypatch.setattr(consortia_kg.export.dumps, "_JSONLD_APART_BYTES", 0)
    out = tmp_path / "spilled"
    run = build_dumps(Path(__file__).parent / "fixtures" / "valid", out)
    assert run.files
    for name in run.files:
        assert (out / name).read_bytes() == (dumps / name).read_bytes(), name
    assert not [p for p in out.iterdir() if p.name.startswith(".sort-")]


@pytest.mark.parametrize(
    ("name", "content", "exit_code", "message"),
    [
        ("organisations/bad.yaml", b"id: bad\n\tname: x\n", 2, "a tab is used for indentation"),
        ("organisations/bad.yaml", b"\xef\xbb\xbfid: bad\r\nname: [x\r\n", 2, "broken YAML"),
        ("organisations/bad.yaml", b"id: bad\nname: a\nname: b\n", 2, "appears twice"),
        ("organisations/bad.yaml", b"id: bad\nname: 'cut", 2, "broken YAML"),
        ("organisations/bad.yaml", bytes(range(256)), 2, "binary file"),
        ("organisations/bad.yaml", b"id: bad\nname: B\nsources: [nowhere]\nyear: 1\n", 1,
         "not a key of a organisation record"),
    ],
)  # fmt: skip
def test_bad_record_leaves_dist_untouched(
    valid_copy: Path,
    tmp_path: Path,
    cli: Callable[..., Result],
    name: str,
    content: bytes,
    exit_code: int,
    message: str,
) -> None:
    dist = tmp_path / "dist"
    assert cli("build", "--data", valid_copy, "-o", dist, "-q").exit_code == 0
    before = _snapshot(dist)
    (valid_copy / name).write_bytes(content)
    result = cli("build", "--data", valid_copy, "-o", dist, "-q")
    assert result.exit_code == exit_code
    assert message in result.stderr
    assert "nothing written" in result.stderr
    assert result.stdout == ""
    assert _snapshot(dist) == before


def test_fifty_megabyte_record_is_refused_and_dist_untouched(
    valid_copy: Path, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    dist = tmp_path / "dist"
    cli("build", "--data", valid_copy, "-o", dist, "-q")
    before = _snapshot(dist)
    with (valid_copy / "organisations" / "huge.yaml").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = cli("build", "--data", valid_copy, "-o", dist, "-q")
    assert result.exit_code == 2
    assert "the file is 50.0 MiB; a record may be at most 2 MiB" in result.stderr
    assert _snapshot(dist) == before


_STALLING_BUILD = """
import sys, time
from pathlib import Path
import consortia_kg.pipeline as pipeline
import consortia_kg.export.dumps as export

original = export.write_dump_stream

def stalling(lines, output, *args, **kwargs):
    def half_then_stall():
        for number, line in enumerate(lines):
            if number == 100:
                print("stalled", flush=True)
                time.sleep(600)
            yield line
    return original(half_then_stall(), output, *args, **kwargs)

export.write_dump_stream = stalling
pipeline.build_dumps(Path(sys.argv[1]), Path(sys.argv[2]))
"""


def test_killed_build_leaves_dumps_intact_and_next_build_cleans_up(tmp_path: Path) -> None:
    """A build killed (SIGKILL) while writing: the current release stays as it was; the
    unfinished release is removed by the next build."""
    import signal
    import subprocess
    import sys

    out = tmp_path / "dist"
    valid = Path(__file__).parent / "fixtures" / "valid"
    build_dumps(valid, out)
    before = _snapshot(out / "current")
    script = tmp_path / "stall.py"
    script.write_text(_STALLING_BUILD)
    process = subprocess.Popen(
        [sys.executable, str(script), str(valid), str(out)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "stalled"
    releases = out / "releases"
    scratch = [p.name for p in releases.iterdir() if p.name.startswith(".release-new-")]
    assert scratch == [f".release-new-{process.pid}-" + scratch[0].rsplit("-", 1)[1]]
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert _snapshot(out / "current") == before
    build_dumps(valid, out)
    assert not [p for p in releases.iterdir() if p.name.startswith(".")]
    assert not [p for p in out.iterdir() if p.name.startswith((".dumps-new-", ".sort-"))]
