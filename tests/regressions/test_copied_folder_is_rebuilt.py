"""Bug: starting ``serve`` in a copied folder with byte-identical records refilled the store
and rewrote the dumps.

What decides "stale" (``build/manifest.data_fingerprint``) holds the base IRI, the builder, the
data folder's own name and each record's path relative to it with its bytes: no absolute path,
time or inode. So a copy (new inodes and modification times) needs nothing rebuilt, and the
server, which never writes dumps, serves the copied ones.

The data folder's name is part of the graph (``ckg:recordFile "data/consortia/x.yaml"``), so
the same records under another folder name are rebuilt: the second test keeps that true.
"""

from __future__ import annotations

import shutil
import urllib.request
from pathlib import Path

from consortia_kg.query.store import EmbeddedStore, SelectResult, read_meta
from consortia_kg.serve.config import ServeConfig
from consortia_kg.serve.server import BackgroundServer, prepare_serving

VALID = Path(__file__).resolve().parent.parent / "fixtures" / "valid"


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``folder`` (snapshots aside) with its inode and modification time."""
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".serve-" not in str(p) and not p.name.endswith(".lock")
    }


def _prepared(root: Path) -> ServeConfig:
    config = ServeConfig(data_dir=root / "data", store_dir=root / "dist" / "store", workers=1)
    prepare_serving(config)
    return config


def test_a_copied_folder_is_served_as_it_is(tmp_path: Path) -> None:
    first = tmp_path / "first"
    shutil.copytree(VALID, first / "data")
    _prepared(first)
    # a plain copy: new inodes, new modification times, another absolute path
    copy = tmp_path / "elsewhere" / "copy"
    # (links kept, as `cp -r` keeps them: dist/current and dist/store are relative links)
    shutil.copytree(first, copy, symlinks=True, copy_function=shutil.copy)
    before = _files(copy / "dist")
    lines: list[str] = []
    config = ServeConfig(data_dir=copy / "data", store_dir=copy / "dist" / "store", workers=1)
    prepare_serving(config, lines.append)
    assert lines == []  # nothing read, built, loaded or written
    with (
        BackgroundServer(config) as server,
        urllib.request.urlopen(f"{server.url}dumps/void.ttl", timeout=30) as response,
    ):
        assert response.status == 200
    assert _files(copy / "dist") == before  # the server wrote no dump and refilled nothing


def test_the_same_records_under_another_folder_name_are_rebuilt(tmp_path: Path) -> None:
    shutil.copytree(VALID, tmp_path / "data")
    config = _prepared(tmp_path)
    old = read_meta(config.store_dir)
    (tmp_path / "data").rename(tmp_path / "records")
    lines: list[str] = []
    prepare_serving(
        ServeConfig(data_dir=tmp_path / "records", store_dir=config.store_dir), lines.append
    )
    new = read_meta(config.store_dir)
    assert old is not None and new is not None and new.version != old.version
    assert any(line.startswith("build:") for line in lines)
    files = EmbeddedStore.open(config.store_dir).execute(
        "SELECT DISTINCT ?f WHERE { ?g <https://w3id.org/consortia-kg/ontology#recordFile> ?f }"
    )
    assert isinstance(files, SelectResult)
    assert {row["f"].value.split("/")[0] for row in files.rows} == {"records"}
