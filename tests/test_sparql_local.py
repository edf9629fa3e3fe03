"""The CLI and the API never fetch, and refuse queries too deep or too large before pyoxigraph.

``query --sparql`` runs on the embedded store, with no network namespace around pyoxigraph:
the text is checked first (consortia_kg.query.guard.check_local). A real listener on 127.0.0.1
must receive nothing. The deep and large queries run in a subprocess, so that a crash inside
pyoxigraph shows as exit 139 instead of killing pytest.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from consortia_kg import api
from consortia_kg.errors import InputError
from helpers.paths import ROOT, VALID

SRC = ROOT / "src"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The valid fixture's store, filled once for the module."""
    store = tmp_path_factory.mktemp("local") / "store"
    api.open_graph(VALID, store=store)
    return store


@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP listener on 127.0.0.1: its URL, and every request it received."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    seen.append(conn.recv(4096))
                except OSError:
                    seen.append(b"(connected)")
                conn.sendall(b"HTTP/1.1 500 x\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/", seen
    stop.set()
    thread.join(2)
    server.close()


def run_cli(store_dir: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m consortia_kg query`` on the valid fixture in a process of its own."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    command = [sys.executable, "-m", "consortia_kg", "query", "-q"]
    command += ["--data", str(VALID), "--store", str(store_dir), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE SILENT <{url}sparql> {{ ?s ?p ?o }} }} }}",
        "PREFIX ex: <{url}> SELECT * WHERE {{ SERVICE ex:sparql {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    ],
)
def test_cli_refuses_service_and_nothing_connects(
    store_dir: Path, listener: tuple[str, list[bytes]], template: str
) -> None:
    url, seen = listener
    done = run_cli(store_dir, "--sparql", template.format(url=url))
    assert done.returncode == 2, done.stderr
    assert "SERVICE" in done.stderr and "is refused" in done.stderr
    assert "pname" not in done.stderr and "Traceback" not in done.stderr
    threading.Event().wait(0.3)  # time for a stray connection to arrive, were there one
    assert seen == []


def test_cli_refuses_an_update_and_names_it(
    store_dir: Path, listener: tuple[str, list[bytes]]
) -> None:
    url, seen = listener
    done = run_cli(store_dir, "--sparql", f"LOAD <{url}data.ttl>")
    assert done.returncode == 2 and "LOAD" in done.stderr, done.stderr
    done = run_cli(store_dir, "--sparql", "CLEAR ALL")
    assert done.returncode == 2 and "read-only" in done.stderr, done.stderr
    threading.Event().wait(0.3)
    assert seen == []


def test_cli_from_names_store_graphs_and_never_fetches(
    store_dir: Path, listener: tuple[str, list[bytes]]
) -> None:
    url, seen = listener
    count = "SELECT (COUNT(*) AS ?n) {} WHERE {{ {} }}"
    outputs = []
    for dataset, pattern in [
        ("", "?s ?p ?o"),
        (f"FROM <{url}graph.ttl>", "?s ?p ?o"),
        ("FROM <file:///etc/passwd>", "?s ?p ?o"),
        (f"FROM NAMED <{url}g>", "GRAPH ?g { ?s ?p ?o }"),
    ]:
        done = run_cli(store_dir, "--sparql", count.format(dataset, pattern), "-f", "csv")
        assert done.returncode == 0, done.stderr
        outputs.append(int(done.stdout.splitlines()[1]))
    assert outputs[0] > 0 and outputs[1:] == [0, 0, 0]
    threading.Event().wait(0.3)
    assert seen == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        # the cases: both crashed pyoxigraph (exit 139) before the check
        ("SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o } " * 20_000 + "}", "group patterns"),
        ("SELECT * WHERE { FILTER(" + "(" * 50_000 + "1" + ")" * 50_000 + ") }", "nests brackets"),
        ("SELECT * WHERE { ?s ?p ?o " + "MINUS { ?s ?p ?o } " * 3_000 + "}", "group patterns"),
        ("SELECT * WHERE { ?s ?p ?o FILTER(" + " + ".join(["1"] * 8_000) + ") }", "operators"),
        (
            "SELECT * WHERE { VALUES ?o { " + '"a long literal value" ' * 30_000 + "} ?s ?p ?o }",
            "characters long",
        ),
    ],
)
def test_cli_refuses_queries_too_deep_or_large_before_pyoxigraph(
    store_dir: Path, tmp_path: Path, text: str, says: str
) -> None:
    query_file = tmp_path / "huge.rq"
    query_file.write_text(text)
    done = run_cli(store_dir, str(query_file))
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert says in done.stderr and "fix:" in done.stderr, done.stderr[-500:]
    assert "Traceback" not in done.stderr


def test_api_refuses_service_and_deep_queries(
    store_dir: Path, listener: tuple[str, list[bytes]]
) -> None:
    url, seen = listener
    graph = api.open_graph(VALID, store=store_dir)
    with pytest.raises(InputError, match="SERVICE"):
        graph.sparql(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}")
    with pytest.raises(InputError, match="nests brackets"):
        graph.sparql("SELECT * WHERE " + "{ " * 5_000 + "?s ?p ?o " + "} " * 5_000)
    assert len(graph.sparql("SELECT * WHERE { ?s ?p ?o } LIMIT 3")) == 3
    threading.Event().wait(0.3)
    assert seen == []
