"""Requests per second and p50/p99 latency of `consortia-kg serve` with 4 concurrent clients.

    python bench/bench_server.py [--seconds 10] [--clients 4] [--cache-mib 32]

Starts the real server (`python -m consortia_kg serve`, its own process, 4 query workers) over
data/ with a temporary store, warms it up, then has each client thread send requests one after
another over its own keep-alive connection for the given time. Prints a table on stdout.

The server keeps answers for the next identical query; the case "a new text each time" adds a
numbered comment to every request, so each one is a query the server has not seen and runs in a
worker (what the figure is without the cache).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from consortia_kg.query.named import bind_query, find_query  # noqa: E402
from consortia_kg.serve.server import free_port  # noqa: E402


def start(port: int, work: Path, cache_mib: float = 32.0) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "consortia_kg", "serve", "--data", str(ROOT / "data"),
        "--store", str(work / "dist" / "store"), "--port", str(port),
        "--base-iri", f"http://127.0.0.1:{port}/", "--workers", "4", "-q",
        "--cache-mib", f"{cache_mib:g}",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return serving(process, port, 120)


def serving(process: subprocess.Popen[bytes], port: int, seconds: float) -> subprocess.Popen[bytes]:
    """Return ``process`` once its /health answers; exit when it stops or is not up in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(process.stderr.read().decode() if process.stderr else "server died")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the server did not start within {seconds:g} s")


def hammer(
    port: int,
    method: str,
    path: str,
    body: bytes | None,
    headers: dict[str, str],
    seconds: float,
    clients: int,
    vary: bool = False,
) -> dict[str, float]:
    """Send requests from ``clients`` threads for ``seconds``; return req/s, p50 and p99 (ms).

    ``vary``: end each body with a numbered SPARQL comment (a direct POST of a query), so no
    two requests carry the same text.
    """
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start_line = threading.Barrier(clients)

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        start_line.wait()
        end = time.perf_counter() + seconds
        sent = 0
        while time.perf_counter() < end:
            began = time.perf_counter()
            sent += 1
            text = body + b"\n# %d-%d" % (number, sent) if vary and body is not None else body
            connection.request(method, path, body=text, headers=headers)
            response = connection.getresponse()
            response.read()
            latencies[number].append(time.perf_counter() - began)
            if response.status != 200:
                errors[number] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    every = sorted(x for per in latencies for x in per)
    return {
        "requests": len(every),
        "errors": sum(errors),
        "rps": len(every) / elapsed,
        "p50": statistics.quantiles(every, n=100)[49] * 1000,
        "p99": statistics.quantiles(every, n=100)[98] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each case runs")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument(
        "--cache-mib", type=float, default=32.0, help="the server's answer cache (0: none)"
    )
    args = parser.parse_args()
    port = free_port()
    named = find_query("working-groups")
    text = bind_query(
        named.text, named.bindings({"consortium": "ga4gh"}, f"http://127.0.0.1:{port}/")
    )
    cases = [
        (
            "GET /queries/working-groups.json?consortium=ga4gh",
            "GET",
            "/queries/working-groups.json?consortium=ga4gh",
            None,
            {},
        ),
        (
            "POST /sparql (the same query, bound)",
            "POST",
            "/sparql",
            urllib.parse.urlencode({"query": text}).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            },
        ),
        (
            "POST /sparql (the same, a new text each time)",
            "POST",
            "/sparql",
            text.encode(),
            {
                "Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json",
            },
        ),
        ("GET /consortium/ga4gh.ttl (a document)", "GET", "/consortium/ga4gh.ttl", None, {}),
    ]
    with tempfile.TemporaryDirectory() as folder:
        process = start(port, Path(folder), args.cache_mib)
        try:
            for label, method, path, body, headers in cases:  # warm up every cache
                vary = "new text" in label
                hammer(port, method, path, body, headers, 1.0, args.clients, vary)
            rows = []
            for label, method, path, body, headers in cases:
                vary = "new text" in label
                figures = hammer(
                    port, method, path, body, headers, args.seconds, args.clients, vary
                )
                rows.append((label, figures))
            health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/health").read())
        finally:
            process.terminate()
            process.wait(60)
    width = max(len(label) for label, _ in rows)
    print(
        f"consortia-kg serve on data/ ({health['quads']} quads), {args.clients} clients, "
        f"{args.seconds:g} s per case, 4 query workers, answer cache {args.cache_mib:g} MiB, "
        "HTTP parser httptools"
    )
    columns = ("requests", "errors", "req/s", "p50 ms", "p99 ms")
    widths = (8, 6, 7, 7, 7)
    titles = [c.rjust(w) for c, w in zip(columns, widths, strict=True)]
    print("  ".join(["case".ljust(width), *titles]))
    print("  ".join(["-" * width, *("-" * w for w in widths)]))
    for label, r in rows:
        print(
            f"{label.ljust(width)}  {int(r['requests']):>8}  {int(r['errors']):>6}  "
            f"{r['rps']:>7.1f}  {r['p50']:>7.2f}  {r['p99']:>7.2f}"
        )


if __name__ == "__main__":
    main()
