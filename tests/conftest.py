"""Fixtures every test module may use: folders, a CLI runner, outside files, built graphs, a server.

Expensive things are session-scoped so that the suite builds each once: the graph of the valid
fixture, the graph of the real data, an embedded store over the real data, a running server.
Tests must not change what a session fixture returns (copy it first, or build their own).
Plain values that parametrize tables need at collection live in ``tests/helpers/``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from consortia_kg.cli.main import main
from helpers.paths import DATA, REAL_DATA, VALID, missing_shared_data, shared_data_folder

if TYPE_CHECKING:
    from consortia_kg.api import Graph
    from consortia_kg.build.graph import BuiltGraph
    from consortia_kg.serve.server import BackgroundServer

#: The outside files in ../shared/data that importer tests read (see its SOURCES.md).
GA4GH_PAGE = "consortia-pedia-ga4gh.txt"
ROR_RECORDS = "ror-records-v2.0.jsonl"
REGISTRY_DUMP = "ga4gh-registry-prd-dataset.sql"


# --- folders and the CLI ------------------------------------------------------------------------


@pytest.fixture
def valid_copy(tmp_path: Path) -> Path:
    """A writable copy of the valid fixture data folder."""
    target = tmp_path / "data"
    shutil.copytree(VALID, target)
    return target


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the real data folder."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run the CLI in-process; stdout and stderr are kept apart.

    It runs in a folder whose ``data/`` is the curated records alone, so a command on the
    default data builds in seconds (a test of the whole default graph passes ``--data``).
    """
    monkeypatch.chdir(DATA.parent)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return run


# --- outside files: skip, saying why, where ../shared is absent ----------------------------------


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of outside files, ``../shared/data``; skips the test when it is absent."""
    reason = missing_shared_data()
    if reason is not None:
        pytest.skip(reason)
    return shared_data_folder()


@pytest.fixture(scope="session")
def ga4gh_page(shared_data: Path) -> Path:
    """GA4GH's Consortia-pedia catalogue page, as text copied from the browser."""
    return shared_data / GA4GH_PAGE


@pytest.fixture(scope="session")
def ga4gh_page_text(ga4gh_page: Path) -> str:
    """The text of ``ga4gh_page``."""
    return ga4gh_page.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def ror_file(shared_data: Path) -> Path:
    """477 ROR records (schema v2.0), one JSON object a line."""
    return shared_data / ROR_RECORDS


@pytest.fixture(scope="session")
def ror_lines(ror_file: Path) -> list[str]:
    """The lines of ``ror_file`` (read-only: the list is shared by the session)."""
    return ror_file.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="session")
def registry_dump(shared_data: Path) -> Path:
    """The GA4GH registry's SQL dump."""
    return shared_data / REGISTRY_DUMP


@pytest.fixture(scope="session")
def registry_sql(registry_dump: Path) -> str:
    """The text of ``registry_dump``."""
    return registry_dump.read_text(encoding="utf-8")


# --- built once a session -----------------------------------------------------------------------


def _built(data: Path) -> BuiltGraph:
    from consortia_kg.pipeline import load_and_build

    run = load_and_build(data)
    assert run.built is not None, run.problems
    return run.built


@pytest.fixture(scope="session")
def valid_graph() -> BuiltGraph:
    """The graph of the valid fixture (do not add to it: build your own for that)."""
    return _built(VALID)


@pytest.fixture(scope="session")
def real_graph() -> BuiltGraph:
    """The graph of the real data/ (do not add to it: build your own for that)."""
    return _built(DATA)


@pytest.fixture(scope="session")
def real_kg(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    """The real data/ opened as the Python API does, over an embedded store on disk."""
    from consortia_kg.api import open_graph

    return open_graph(DATA, store=tmp_path_factory.mktemp("real-kg") / "store")


@pytest.fixture(scope="session")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    """A server over the real data/ with default settings, on a free port of 127.0.0.1."""
    from consortia_kg.serve.server import BackgroundServer

    work = tmp_path_factory.mktemp("real-server")
    with BackgroundServer.for_data(DATA, work, workers=2, reload_interval=0) as running:
        yield running


# --- the whole default graph (records and registry snapshots), built once a session ---------------


@pytest.fixture(scope="session")
def full_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dumps and store of the default data/ with its registries, as ``build`` writes them.

    Built once (about a minute and a half): share it, never write into it.
    """
    from consortia_kg.pipeline import build_dumps

    out = tmp_path_factory.mktemp("full") / "dist"
    run = build_dumps(REAL_DATA, out)
    assert not run.fatal and run.files, run.problems[:5]
    return out


@pytest.fixture(scope="session")
def full_kg(full_dist: Path) -> Graph:
    """The whole default graph opened as the Python API does (over ``full_dist``'s store)."""
    from consortia_kg.api import open_graph

    return open_graph(REAL_DATA, store=full_dist / "store")
