"""The endpoint figures: start one SPARQL server on 127.0.0.1, hammer one query, stop it.

Three servers answer the same query text over the same data, each in processes of its own:

- ``consortia-kg``: ``python -m consortia_kg serve`` on the built store (4 query workers);
  ``consortia-kg-nocache`` the same with its answer cache off (``--cache-mib 0``);
- ``oxigraph``: ``oxigraph load`` of ``dist/consortia.nq``, then ``oxigraph serve-read-only
  --union-default-graph`` (PyPI package ``oxigraph``);
- ``rdflib-endpoint``: ``rdflib-endpoint serve dist/consortia.nq`` (rdflib in memory), when
  installed, under a memory cap.

The clients are ``bench_server.hammer``: N threads, each sending the query one request after
another over its own keep-alive connection for a fixed time (the loops are bounded by time).
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

#: Every server gets the query this way (the SPARQL 1.1 Protocol's direct POST).
HEADERS = {
    "Content-Type": "application/sparql-query",
    "Accept": "application/sparql-results+json",
}


def find_command(name: str) -> str | None:
    """Return a command installed beside this Python (a venv) or on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


def process_tree(pid: int) -> list[int]:
    """Return ``pid`` and every process below it (Linux /proc)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                queue.extend(int(c) for c in (task / "children").read_text().split())
    return found


def tree_peak_mib(pid: int) -> float:
    """Sum of the peak resident memory (VmHWM) of ``pid`` and its descendants, in MiB."""
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
    return round(total / 1024, 1)


def _post(port: int, path: str, body: bytes, timeout: float = 30) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=HEADERS)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server we started, and whatever it started, by process id."""
    tree = process_tree(process.pid) if process.poll() is None else [process.pid]
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)
    for pid in tree[1:]:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _limit(gib: float) -> Any:
    def apply() -> None:
        import resource

        limit = int(gib * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply if gib > 0 else None


def _start(server: str, work: Path, port: int, opts: dict[str, Any]) -> tuple[Any, str, float]:
    """Start ``server``; return its process, the query path and the seconds spent loading."""
    dist = work / "dist"
    log = open(work / "scratch" / f"{server}.log", "wb")  # noqa: SIM115 - kept by the process
    loading = 0.0
    if server in ("consortia-kg", "consortia-kg-nocache"):
        from consortia_kg.serve.config import ServeConfig
        from consortia_kg.vocab import resolve_base_iri

        command = [
            sys.executable, "-m", "consortia_kg", "serve", "--data", str(work / "data"),
            "--store", str(dist / "store"), "--port", str(port), "--workers", "4",
            "--reload-interval", "0", "-q",
        ]  # fmt: skip
        if server == "consortia-kg-nocache":
            # the same query again and again is what an answer cache serves: this run says
            # what every query that misses it costs
            command += ["--cache-mib", "0"]
        path = ServeConfig(base=resolve_base_iri(None)).prefix + "sparql"
        preexec = None
    elif server == "oxigraph":
        binary = find_command("oxigraph")
        if binary is None:
            raise FileNotFoundError("`oxigraph` is not installed (pip install oxigraph)")
        location = work / "scratch" / "oxigraph-db"
        began = time.perf_counter()
        subprocess.run(
            [binary, "load", "--location", str(location), "--file", str(dist / "consortia.nq")],
            check=True,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=opts["startup"],
        )
        loading = time.perf_counter() - began
        command = [
            binary, "serve-read-only", "--location", str(location),
            "--bind", f"127.0.0.1:{port}", "--union-default-graph",
        ]  # fmt: skip
        path = "/query"
        preexec = None
    else:
        command = [
            sys.executable, "-m", "rdflib_endpoint", "serve", str(dist / "consortia.nq"),
            "--host", "127.0.0.1", "--port", str(port),
        ]  # fmt: skip
        path = "/"  # rdflib_endpoint.SparqlEndpoint's default path
        preexec = _limit(float(opts.get("memory_gib", 0)))
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, preexec_fn=preexec)
    log.close()
    return process, path, loading + (time.perf_counter() - began)


def _wait_ready(process: Any, port: int, path: str, body: bytes, seconds: float) -> bytes:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}) while starting")
        try:
            status, content = _post(port, path, body)
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return content
        raise RuntimeError(f"the server answered {status}: {content[:300]!r}")
    raise TimeoutError(f"the server did not answer within {seconds:g} s")


def query_text(name: str) -> str:
    """The named query bound with the benchmark's parameters (see jobs.bench_params)."""
    from jobs import bench_params

    from consortia_kg.query.named import bind_query, find_query
    from consortia_kg.vocab import resolve_base_iri

    query = find_query(name)
    return bind_query(query.text, query.bindings(bench_params(query), resolve_base_iri(None)))


def measure_server(work: Path, opts: dict[str, Any]) -> dict[str, Any]:
    """Start ``opts["server"]``, check its answer, warm it up, measure, stop it."""
    from bench_server import hammer

    from consortia_kg.serve.server import free_port

    server = opts["server"]
    if server == "rdflib-endpoint" and importlib.util.find_spec("rdflib_endpoint") is None:
        return {"skipped": "rdflib-endpoint is not installed (pip install rdflib-endpoint)"}
    (work / "scratch").mkdir(parents=True, exist_ok=True)
    shutil.rmtree(work / "scratch" / "oxigraph-db", ignore_errors=True)
    body = query_text(opts["query"]).encode()
    port = free_port()
    process, path, startup = _start(server, work, port, opts)
    try:
        began = time.perf_counter()
        answer = _wait_ready(process, port, path, body, opts["startup"])
        startup += time.perf_counter() - began
        rows = len(json.loads(answer)["results"]["bindings"])
        clients = opts["clients"]
        hammer(port, "POST", path, body, HEADERS, opts["warmup"], clients)
        figures = hammer(port, "POST", path, body, HEADERS, opts["seconds"], clients)
        peak = tree_peak_mib(process.pid)
    finally:
        _stop(process)
        shutil.rmtree(work / "scratch" / "oxigraph-db", ignore_errors=True)
    return {
        "seconds": 1 / figures["rps"],
        "rps": round(figures["rps"], 1),
        "p50_ms": round(figures["p50"], 2),
        "p99_ms": round(figures["p99"], 2),
        "requests": int(figures["requests"]),
        "errors": int(figures["errors"]),
        "rows": rows,
        "clients": clients,
        "startup_seconds": round(startup, 2),
        "server_peak_mib": peak,
        "query": opts["query"],
    }
