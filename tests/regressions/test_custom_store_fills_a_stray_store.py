"""Bug: ``serve --store X/mystore`` also filled a stray store at ``X/store`` (the dumps were
written by ``build_dumps`` into ``X``, which filled ``X/store`` beside them).

The pipeline now fills the store the server was given, and no other.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from consortia_kg.query.store import read_meta
from consortia_kg.serve.config import ServeConfig
from consortia_kg.serve.server import prepare_serving

VALID = Path(__file__).resolve().parent.parent / "fixtures" / "valid"


def test_serving_with_another_store_folder_fills_only_that_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(VALID, data)
    config = ServeConfig(data_dir=data, store_dir=tmp_path / "X" / "mystore")
    prepare_serving(config)
    assert read_meta(tmp_path / "X" / "mystore") is not None
    assert (tmp_path / "X" / "void.ttl").is_file()  # the dumps beside it, as the server reads
    assert not (tmp_path / "X" / "store").exists()
    assert sorted(p.name for p in (tmp_path / "X").iterdir() if p.is_dir()) == ["mystore"]
