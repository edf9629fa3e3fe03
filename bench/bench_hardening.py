"""The server under idle connections and parallel dump downloads, each beside its baseline.

    python bench/bench_hardening.py [--consortia 1000] [--idle 1000] [--requests 300]

Writes a synthetic data folder (bench/generate.py), starts the real server on it (``python -m
consortia_kg serve``, its own process), then, in one run:

1. a normal client (one keep-alive connection, ``GET /consortium/``) alone: p50 / p99;
2. the same client while ``--idle`` slowloris connections are held open (each sends a byte of an
   unfinished head every second and is reopened when the server closes it), all from one
   address (127.0.0.2) and then spread over 16 addresses: p50 / p99 and errors;
3. six parallel downloads of the largest dump: the server's peak RSS against its RSS at rest, and
   the throughput.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "src"))

from bench_server import serving  # noqa: E402

from consortia_kg.serve.server import free_port  # noqa: E402


def start(port: int, data: Path, work: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "consortia_kg", "serve", "--data", str(data),
        "--store", str(work / "dist" / "store"), "--port", str(port),
        "--base-iri", f"http://127.0.0.1:{port}/", "-q",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    return serving(process, port, 900)  # 1,000 consortia: the store is built first


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def normal_client(port: int, requests: int) -> dict[str, float]:
    """Send ``requests`` GETs one after another (reconnecting when closed); latency in ms."""
    times, errors = [], 0
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(requests):
        started = time.perf_counter()
        try:
            connection.request("GET", "/consortium/")
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        times.append((time.perf_counter() - started) * 1000)
    connection.close()
    times.sort()
    return {
        "p50": statistics.median(times),
        "p99": times[int(len(times) * 0.99) - 1],
        "errors": errors,
    }


class Slowloris:
    """``count`` connections that never finish their head, from ``addresses``, kept open."""

    def __init__(self, port: int, count: int, addresses: list[str]) -> None:
        self.port, self.count, self.addresses = port, count, addresses
        self.sockets: list[socket.socket | None] = [None] * count
        self.reopened = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _open(self, index: int) -> None:
        try:
            sock = socket.create_connection(
                ("127.0.0.1", self.port),
                timeout=2,
                source_address=(self.addresses[index % len(self.addresses)], 0),
            )
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            sock.setblocking(False)
            self.sockets[index] = sock
        except OSError:
            self.sockets[index] = None

    def _run(self) -> None:
        while not self._stop.is_set():
            for index, sock in enumerate(self.sockets):
                if self._stop.is_set():
                    break
                if sock is not None:
                    try:
                        sock.send(b"a")
                        continue
                    except OSError:
                        sock.close()
                        self.reopened += 1
                self._open(index)
            self._stop.wait(1.0)

    def __enter__(self) -> Slowloris:
        for index in range(self.count):
            self._open(index)
        self._thread.start()
        time.sleep(1.0)
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)
        for sock in self.sockets:
            if sock is not None:
                sock.close()


def downloads(port: int, pid: int, name: str, parallel: int = 6) -> dict[str, float]:
    """Download ``name`` ``parallel`` times at once; peak RSS of the server and MB/s."""
    total = [0] * parallel

    def fetch(slot: int) -> None:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/dumps/{name}", timeout=300) as r:
            while chunk := r.read(1 << 20):
                total[slot] += len(chunk)

    rest = rss_mib(pid)
    threads = [threading.Thread(target=fetch, args=(n,)) for n in range(parallel)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    peak = rest
    while any(t.is_alive() for t in threads):
        peak = max(peak, rss_mib(pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    return {
        "rest": rest,
        "peak": peak,
        "mb": sum(total) / 1e6,
        "mb_s": sum(total) / 1e6 / elapsed,
        "seconds": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consortia", type=int, default=1000)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ckg-hardening-") as tmp:
        work = Path(tmp)
        data = work / "data"
        subprocess.run(
            [sys.executable, str(BENCH / "generate.py"), str(args.consortia), str(data)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        port = free_port()
        started = time.perf_counter()
        server = start(port, data, work)
        print(f"server ready in {time.perf_counter() - started:.0f} s ({args.consortia} consortia)")
        try:
            normal_client(port, 20)  # warm the page cache
            alone = normal_client(port, args.requests)
            with Slowloris(port, args.idle, ["127.0.0.2"]) as one:
                from_one = normal_client(port, args.requests)
            spread = [f"127.0.0.{n}" for n in range(2, 18)]
            with Slowloris(port, args.idle, spread) as many:
                from_many = normal_client(port, args.requests)
            print(f"\nnormal client, {args.requests} GET /consortium/ (ms):")
            print(f"{'case':<44} {'p50':>7} {'p99':>7} {'errors':>6}")
            for label, row in (
                ("alone (baseline)", alone),
                (f"{args.idle} slowloris from one address", from_one),
                (f"{args.idle} slowloris from 16 addresses", from_many),
            ):
                print(f"{label:<44} {row['p50']:7.2f} {row['p99']:7.2f} {row['errors']:6.0f}")
            print(f"(slowloris reopened {one.reopened} and {many.reopened} closed connections)")
            dumps = (work / "dist").glob("*")
            largest = max(
                (p for p in dumps if p.is_file() and p.name != "SHA256SUMS"),
                key=lambda p: p.stat().st_size,
            )
            result = downloads(port, server.pid, largest.name)
            print(
                f"\nsix parallel downloads of {largest.name} "
                f"({largest.stat().st_size / 1e6:.0f} MB each, {result['mb']:.0f} MB in all):"
            )
            print(
                f"server RSS at rest {result['rest']:.0f} MiB, peak {result['peak']:.0f} MiB "
                f"(+{result['peak'] - result['rest']:.0f}); "
                f"{result['mb_s']:.0f} MB/s in {result['seconds']:.1f} s"
            )
        finally:
            server.terminate()
            server.wait(60)


if __name__ == "__main__":
    main()
