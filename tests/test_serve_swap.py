"""A rebuilt store is swapped in while 4 clients keep asking, and every answer is consistent.

Each answer carries the version of the data that gave it (``X-Data-Version``): every answer
must be the old version's or the new one's, complete (the count that version has), never an
error, and once a client has seen the new version it never sees the old one again.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from consortia_kg.pipeline import build_dumps
from consortia_kg.serve.server import BackgroundServer
from helpers.paths import DATA

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CLIENTS = 4


def ask(url: str) -> tuple[int, str, int]:
    query = urllib.parse.urlencode({"query": COUNT})
    request = urllib.request.Request(f"{url}sparql?{query}", headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.loads(response.read())
        n = int(body["results"]["bindings"][0]["n"]["value"])
        return response.status, response.headers["X-Data-Version"], n


def health(url: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{url}health", timeout=30) as response:
        result: dict[str, object] = json.loads(response.read())
        return result


def test_four_clients_during_a_swap(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    server = BackgroundServer.for_data(data, tmp_path, workers=4, reload_interval=0.2)
    with server:
        url = server.url
        old = ask(url)
        answers: list[list[tuple[int, str, int]]] = [[] for _ in range(CLIENTS)]
        errors: list[BaseException] = []
        stop = threading.Event()

        def client(number: int) -> None:
            deadline = time.monotonic() + 60
            while not stop.is_set() and time.monotonic() < deadline and len(answers[number]) < 5000:
                try:
                    answers[number].append(ask(url))
                except BaseException as exc:  # the test reports every failure below
                    errors.append(exc)
                    return

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        # a curator adds a note; the build fills a new store beside the served one
        record = data / "organisations" / "uk-ac-ebi.yaml"
        record.write_text(
            record.read_text().replace("notes:\n", "notes:\n  - A note added while serving.\n", 1)
        )
        run = build_dumps(data, server.config.dumps_dir, server.config.base)
        assert run.files, [p.message for p in run.problems]
        deadline = time.monotonic() + 60
        while health(url)["swaps"] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        # let every client get answers from the new version too
        seen_new = time.monotonic() + 60
        while time.monotonic() < seen_new and not all(
            any(v != old[1] for _, v, _ in answers[i][-3:]) for i in range(CLIENTS)
        ):
            time.sleep(0.1)
        stop.set()
        for thread in threads:
            thread.join(60)
        new = ask(url)

    assert errors == []
    assert health_swapped(new, old)
    allowed = {old, new}
    for number, seen in enumerate(answers):
        assert seen, f"client {number} got no answer"
        assert set(seen) <= allowed, f"client {number} saw {set(seen) - allowed}"
        versions = [v for _, v, _ in seen]
        first_new = versions.index(new[1])
        assert all(v == new[1] for v in versions[first_new:]), f"client {number} went back"
    assert new[2] == old[2] + 1


def health_swapped(new: tuple[int, str, int], old: tuple[int, str, int]) -> bool:
    return new[0] == old[0] == 200 and new[1] != old[1]


def test_dump_snapshot_links_and_survives_a_rebuild(tmp_path: Path) -> None:
    """A generation's dumps are hard links (no gigabytes copied); a rebuild renames new files
    in, so the snapshot keeps its version's bytes."""

    from consortia_kg.query.store import read_meta
    from consortia_kg.serve.generation import snapshot_dumps

    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parent / "fixtures" / "valid", data)
    dist = tmp_path / "dist"
    build_dumps(data, dist)
    meta = read_meta(dist / "store")
    assert meta is not None
    assert snapshot_dumps(dist, tmp_path / "snap", meta)
    assert (tmp_path / "snap" / "consortia.nq").stat().st_ino == (
        dist / "consortia.nq"
    ).stat().st_ino
    before = (tmp_path / "snap" / "consortia.nq").read_bytes()
    path = data / "consortia" / "demo-consortium.yaml"
    path.write_text(path.read_text().replace("Demo Consortium", "Demo Consortium Renamed", 1))
    build_dumps(data, dist)
    assert (dist / "consortia.nq").read_bytes() != before
    assert (tmp_path / "snap" / "consortia.nq").read_bytes() == before


def test_a_store_refilled_without_its_dumps_waits_for_them(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The server never writes dumps: a release whose store is of another version than its
    dumps (made by hand here: every build publishes both) is not swapped in; the next whole
    release is."""
    from consortia_kg.api import prepare_store
    from consortia_kg.atomic import replace_with_symlink

    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parent / "fixtures" / "valid", data)
    server = BackgroundServer.for_data(data, tmp_path, workers=1, reload_interval=0.2)
    config = server.config
    void = (config.dumps_dir / "void.ttl").read_bytes()
    with server:
        old = ask(server.url)
        path = data / "consortia" / "demo-consortium.yaml"
        path.write_text(path.read_text().replace("Demo Consortium", "Demo Consortium Renamed", 1))
        elsewhere = tmp_path / "elsewhere" / "store"
        prepare_store(data, elsewhere, config.base)
        mixed = config.dumps_dir / "releases" / "mixed"
        shutil.copytree(config.dumps_dir / "current", mixed, ignore=shutil.ignore_patterns("store"))
        shutil.copytree(elsewhere.resolve(), mixed / "store")
        replace_with_symlink(config.dumps_dir / "current", "releases/mixed")
        deadline = time.monotonic() + 30
        while "not of the store's version" not in capfd.readouterr().err:
            assert time.monotonic() < deadline, "the server did not say why it waits"
            time.sleep(0.2)
        assert health(server.url)["swaps"] == 0
        assert ask(server.url) == old
        assert (config.dumps_dir / "void.ttl").read_bytes() == void  # no dump written
        run = build_dumps(data, config.dumps_dir, config.base)
        assert run.files
        while health(server.url)["swaps"] == 0:
            assert time.monotonic() < deadline + 60, "the rebuilt store was never swapped in"
            time.sleep(0.1)
        assert ask(server.url)[1] != old[1]
