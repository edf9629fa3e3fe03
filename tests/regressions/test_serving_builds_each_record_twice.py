"""Bug: ``prepare_serving`` on a fresh data folder built every record twice and bulk-loaded the
store twice (once for the store through ``api.prepare_store``, again for the dumps through
``build_dumps``, which refilled the store as well).

The pipeline's ``bring_up_to_date`` now builds one stream and writes the dumps and the store
from it. Counted for real: every record file read (the streamed builder's reader, wrapped),
every store fill (the pipeline's ``load_store``, wrapped), and the stage lines it prints.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from consortia_kg.build import quadlines
from consortia_kg.query.store import read_meta
from consortia_kg.serve.config import ServeConfig
from consortia_kg.serve.server import prepare_serving

VALID = Path(__file__).resolve().parent.parent / "fixtures" / "valid"


def test_a_fresh_folder_builds_each_record_once_and_loads_the_store_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import consortia_kg.pipeline as pipeline

    data = tmp_path / "data"
    shutil.copytree(VALID, data)
    reads: Counter[str] = Counter()
    loads: list[Path] = []
    read_found, load_store = quadlines.read_found, pipeline.load_store

    def counting_read(found: Any) -> Any:
        reads[found.path.name] += 1
        return read_found(found)

    def counting_load(nquads: Path, store_dir: Path, *args: Any, **kwargs: Any) -> Any:
        loads.append(store_dir)
        return load_store(nquads, store_dir, *args, **kwargs)

    # small data is built in this process (no workers), so the wrapped reader sees every file
    monkeypatch.setattr(quadlines, "read_found", counting_read)
    monkeypatch.setattr(pipeline, "load_store", counting_load)
    config = ServeConfig(data_dir=data, store_dir=tmp_path / "dist" / "store")
    lines: list[str] = []
    prepare_serving(config, lines.append)

    files = sorted(p.name for p in data.glob("*/*.yaml"))
    assert len(files) >= 5
    assert sorted(reads) == files
    assert set(reads.values()) == {1}, reads  # each record read and built once
    # one bulk load, into the store of the release that dist/store then points to
    assert len(loads) == 1 and loads[0].name == config.store_dir.name, loads
    assert [line.split(":")[0] for line in lines].count("build") == 1, lines
    assert sum(" quads in " in line and line.startswith("store:") for line in lines) == 1
    meta = read_meta(config.store_dir)
    assert meta is not None and (config.dumps_dir / "SHA256SUMS").is_file()

    # and when nothing changed, nothing is read or loaded at all
    reads.clear()
    again: list[str] = []
    prepare_serving(config, again.append)
    assert not reads and len(loads) == 1 and again == []
