"""Remote SPARQL endpoints: every named query gives the same rows remotely as embedded.

Oxigraph (PyPI `oxigraph`) runs in every test run; Virtuoso (Debian `virtuoso-opensource`) when
its `virtuoso-t` binary is installed. Errors (refused, 4xx/5xx with the server's message,
timeout) are explained without a traceback.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from consortia_kg.api import Graph, open_graph, run_query
from consortia_kg.cli.main import main
from consortia_kg.pipeline import load_and_build
from consortia_kg.query.endpoint import Credentials, EndpointError, RemoteEndpoint
from consortia_kg.query.named import NamedQuery, find_query, list_queries, parse_param_assignments
from consortia_kg.query.push import GraphStore, push_graph
from consortia_kg.query.store import GraphResult, SelectResult
from helpers.oxigraph_server import OxigraphServer, find_oxigraph, free_port, require_oxigraph
from helpers.paths import DATA, RECORDS

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/consortia-kg/"
QUERIES = list_queries()


def example_params(query: NamedQuery) -> dict[str, str]:
    """The parameters of a query's first example."""
    args = shlex.split(query.examples[0])
    pairs = [args[i + 1] for i, arg in enumerate(args) if arg in ("--param", "-p")]
    return parse_param_assignments(pairs)


#: Every named query with the parameters of its example, and with none where it can.
CASES = [(q.name, example_params(q)) for q in QUERIES] + [
    (q.name, {}) for q in QUERIES if example_params(q) and not any(p.required for p in q.params)
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in p.items()) or 'all'}" for name, p in CASES]


def terms(result: Any) -> list[tuple[tuple[str, str], ...]]:
    """Rows (or triples) as comparable tuples of N-Triples terms, in result order."""
    if isinstance(result, GraphResult):
        return sorted(
            (("s", str(t.subject)), ("p", str(t.predicate)), ("o", str(t.object)))
            for t in result.triples
        )
    return [tuple(sorted((k, str(v)) for k, v in row.items())) for row in result.rows]


@pytest.fixture(scope="module")
def embedded(real_kg: Graph) -> Graph:
    return real_kg


def _push(query_url: str, store_url: str, credentials: Credentials | None = None) -> None:
    built = load_and_build(DATA).built
    assert built is not None
    report = push_graph(
        built,
        RemoteEndpoint(query_url, 60, credentials),
        GraphStore(store_url, 60, credentials),
    )
    assert report.verified, report.mismatches
    assert report.counted == RECORDS


@pytest.fixture(scope="module")
def oxigraph() -> Iterator[OxigraphServer]:
    require_oxigraph()
    with OxigraphServer() as server:
        _push(server.query_url, server.store_url)
        yield server


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_oxigraph_gives_the_embedded_rows(
    oxigraph: OxigraphServer, embedded: Graph, name: str, params: dict[str, str]
) -> None:
    query = find_query(name)
    local = run_query(embedded.target, query, params, BASE)
    remote = run_query(RemoteEndpoint(oxigraph.query_url), query, params, BASE)
    assert type(remote) is type(local)
    assert terms(remote) == terms(local)
    if isinstance(local, SelectResult):
        assert isinstance(remote, SelectResult)
        assert remote.variables == local.variables


def test_queries_without_graph_need_the_union_default_graph() -> None:
    """Without --union-default-graph, Oxigraph's default graph is empty (as the docs say)."""
    if find_oxigraph() is None:
        pytest.skip("oxigraph is not installed")
    with OxigraphServer(union_default_graph=False) as server:
        _push(server.query_url, server.store_url)
        graph = open_graph(endpoint=server.query_url)
        assert len(graph.query("working-groups", consortium="ga4gh")) == 0
        rows = graph.sparql("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").records()
        assert rows[0]["n"] > 0


def test_cli_query_with_endpoint(oxigraph: OxigraphServer) -> None:
    result = CliRunner().invoke(
        main,
        ["query", "working-groups", "-p", "consortium=ga4gh", "--endpoint", oxigraph.query_url],
    )
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 2 + 8
    assert "Genomic Knowledge Standards" in result.stdout
    assert "store:" not in result.stderr  # nothing built locally
    turtle = CliRunner().invoke(
        main,
        [
            "query",
            "consortium-profile",
            "-p",
            "consortium=ga4gh",
            "--endpoint",
            oxigraph.query_url,
            "-q",
        ],
    )
    assert turtle.exit_code == 0
    parsed = list(ox.parse(turtle.stdout_bytes, format=ox.RdfFormat.TURTLE))
    assert len(parsed) > 20


def test_ask_query_remote_and_embedded(oxigraph: OxigraphServer, embedded: Graph) -> None:
    text = "ASK { ?c a <https://w3id.org/consortia-kg/ontology#Consortium> }"
    remote = open_graph(endpoint=oxigraph.query_url).sparql(text)
    assert remote.records() == embedded.sparql(text).records() == [{"ask": True}]


# --- errors, explained ---------------------------------------------------------------------------


def _invoke(endpoint: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["query", *args, "--endpoint", endpoint])


def test_refused_connection(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    result = _invoke(url, "dataset-summary")
    assert result.exit_code == 2
    assert f"error: cannot reach {url}: connection refused" in result.stderr
    assert "is the server running, and on this port?" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_host() -> None:
    result = _invoke("http://no-such-host.invalid/sparql", "dataset-summary")
    assert result.exit_code == 2
    assert "cannot reach http://no-such-host.invalid/sparql" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_request_shows_the_servers_message(oxigraph: OxigraphServer) -> None:
    result = _invoke(oxigraph.query_url, "--sparql", "SELECT ?x WHERE { ?x ?y }")
    assert result.exit_code == 2
    assert f"error: {oxigraph.query_url} answered 400 Bad Request" in result.stderr
    said = re.search(r"the server said: (.+)", result.stderr)
    assert said and "error" in said.group(1).lower()
    assert "Traceback" not in result.stderr


def test_not_found_says_which_paths_stores_use(oxigraph: OxigraphServer) -> None:
    result = _invoke(oxigraph.url + "/nowhere", "dataset-summary")
    assert result.exit_code == 2
    assert "answered 404 Not Found" in result.stderr
    assert "/query (Oxigraph)" in result.stderr


def test_not_a_url() -> None:
    result = _invoke("localhost:7878", "dataset-summary")
    assert result.exit_code == 2
    assert "--endpoint 'localhost:7878' is not an http(s) URL" in result.stderr


class SilentServer:
    """A TCP server that reads one request and never answers (bounded: it gives up after 20 s)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(20)
        self.port = self.sock.getsockname()[1]
        self.request = b""
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(20)
            try:
                while b"\r\n\r\n" not in self.request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    self.request += chunk
            except OSError:
                pass
            self.done.wait(20)

    def close(self) -> None:
        self.done.set()
        self.thread.join(25)
        self.sock.close()


def test_timeout_is_explained_and_user_agent_sent() -> None:
    silent = SilentServer()
    try:
        url = f"http://127.0.0.1:{silent.port}/sparql"
        result = _invoke(url, "dataset-summary", "--timeout", "1")
    finally:
        silent.close()
    assert result.exit_code == 2
    assert f"error: {url} gave no answer within 1 s" in result.stderr
    assert "raise --timeout" in result.stderr
    assert "Traceback" not in result.stderr
    headers = silent.request.decode("latin-1").lower()
    assert headers.startswith("post /sparql http/1.1")
    assert "user-agent: consortia-kg/" in headers


def test_remote_syntax_of_bound_values(oxigraph: OxigraphServer) -> None:
    """A value full of SPARQL syntax reaches the server as one literal."""
    nasty = '"} } SELECT * WHERE { ?s ?p ?o } #\\'
    graph = open_graph(endpoint=oxigraph.query_url)
    assert len(graph.query("consortia-by-disease-focus", disease=nasty)) == 0
    with pytest.raises(EndpointError):
        graph.sparql("SELECT ?x WHERE { ?x ?y }")


# --- Virtuoso ------------------------------------------------------------------------------------

VIRTUOSO = shutil.which("virtuoso-t")
VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


class VirtuosoServer:
    """Virtuoso Open Source on 127.0.0.1, its database in a temp folder, stopped by its PID."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="virtuoso-test-"))
        self.http_port, self.sql_port = free_port(), free_port()
        ini = VIRTUOSO_INI.read_text()
        ini = ini.replace("/var/lib/virtuoso-opensource-7/db/", f"{self.folder}/")
        ini = re.sub(
            r"(?m)^ServerPort(\s*)=\s*1111\b", rf"ServerPort\g<1>= 127.0.0.1:{self.sql_port}", ini
        )
        ini = re.sub(
            r"(?m)^ServerPort(\s*)=\s*8890\b", rf"ServerPort\g<1>= 127.0.0.1:{self.http_port}", ini
        )
        self.ini = self.folder / "virtuoso.ini"
        self.ini.write_text(ini)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    def start(self) -> VirtuosoServer:
        assert VIRTUOSO is not None
        log = open(self.folder / "server.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [VIRTUOSO, "+foreground", "+configfile", str(self.ini)],
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                url = self.query_url + "?query=ASK%7B%7D"
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        log_text = (self.folder / "server.log").read_text(errors="replace")
        self.stop()
        raise RuntimeError(f"virtuoso-t did not start:\n{log_text}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def virtuoso() -> Iterator[VirtuosoServer]:
    if VIRTUOSO is None or not VIRTUOSO_INI.is_file():
        pytest.skip(
            "Virtuoso is not installed (Debian: apt-get install virtuoso-opensource); "
            "the Oxigraph tests cover the same queries"
        )
    server = VirtuosoServer().start()
    try:
        yield server
    finally:
        server.stop()


def _plain(result: Any) -> list[tuple[tuple[str, str], ...]]:
    """Rows by lexical value only: stores differ in datatypes (xsd:int or xsd:integer)."""

    def value(term: Any) -> str:
        if isinstance(term, ox.Literal):
            datatype = term.datatype.value.rsplit("#", 1)[-1]
            if datatype == "boolean":
                return "true" if term.value in ("true", "1") else "false"
            if datatype in ("integer", "int", "long", "decimal"):
                return str(int(float(term.value)))
        return str(getattr(term, "value", term))

    if isinstance(result, GraphResult):
        return sorted(
            (("s", value(t.subject)), ("p", value(t.predicate)), ("o", value(t.object)))
            for t in result.triples
        )
    return sorted(tuple(sorted((k, value(v)) for k, v in row.items())) for row in result.rows)


def test_virtuoso_push_and_every_named_query(
    virtuoso: VirtuosoServer, embedded: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Push with Digest authentication (the test instance's dba account), then compare."""
    monkeypatch.setenv("CONSORTIA_KG_USER", "dba")
    monkeypatch.setenv("CONSORTIA_KG_PASSWORD", "dba")
    pushed = CliRunner().invoke(
        main, ["push", "--endpoint", virtuoso.query_url, "--data", str(DATA), "--timeout", "60"]
    )
    assert pushed.exit_code == 0, pushed.output
    assert f"push: verified {RECORDS} graphs" in pushed.stderr
    again = CliRunner().invoke(
        main, ["push", "--endpoint", virtuoso.query_url, "--data", str(DATA)]
    )
    assert again.exit_code == 0 and again.stdout == ""
    monkeypatch.delenv("CONSORTIA_KG_USER")
    monkeypatch.delenv("CONSORTIA_KG_PASSWORD")
    remote = RemoteEndpoint(virtuoso.query_url, timeout=60)
    differ = []
    for name, params in CASES:
        query = find_query(name)
        local = run_query(embedded.target, query, params, BASE)
        answer = run_query(remote, query, params, BASE)
        if _plain(answer) != _plain(local):
            differ.append(f"{name} {params}")
    assert differ == []
