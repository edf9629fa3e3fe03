"""The server against idle, slow and greedy clients, on real sockets (issue 13).

One real server (``BackgroundServer`` on 127.0.0.1, the curated records) with short limits so the
tests are quick: slowloris connections, oversized heads, many connections from one address (other
loopback addresses, 127.0.0.2 and up, stand for other clients), the security headers on pages,
errors and dumps, a dump streamed and checked against SHA256SUMS, and every worker killed.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.helpers.paths import DATA

from consortia_kg.serve.connections import ConnectionLimits
from consortia_kg.serve.server import BackgroundServer

LIMITS = ConnectionLimits(head_timeout=2.0, keep_alive=2, per_client=16, max_connections=256)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    work = tmp_path_factory.mktemp("hardening")
    with BackgroundServer.for_data(
        DATA, work, limits=LIMITS, workers=2, reload_interval=0
    ) as running:
        yield running


def request(
    server: BackgroundServer, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def connect(server: BackgroundServer, source: str = "127.0.0.1") -> socket.socket:
    return socket.create_connection(
        ("127.0.0.1", server.port), timeout=10, source_address=(source, 0)
    )


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_slowloris_connections_do_not_lock_out_a_normal_client(server: BackgroundServer) -> None:
    # more half-sent heads than uvicorn's old cap (256), from 8 addresses and ours
    idle = []
    for number in range(300):
        source = f"127.0.0.{2 + number % 9}" if number % 10 else "127.0.0.1"
        sock = connect(server, source)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        idle.append(sock)
    try:
        started = time.monotonic()
        for _ in range(5):
            status, _, _ = request(server, "/")
            assert status == 200
        assert time.monotonic() - started < 5
        connections = server.connections
        assert connections.total <= LIMITS.max_connections
        assert max(connections.by_client.values()) <= LIMITS.per_client
    finally:
        for sock in idle:
            sock.close()


def test_a_head_sent_a_byte_at_a_time_is_cut_at_the_deadline(server: BackgroundServer) -> None:
    sock = connect(server)
    started = time.monotonic()
    answer = b""
    with pytest.raises(OSError):
        for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000:
            sock.sendall(bytes([byte]))
            time.sleep(0.2)
            if time.monotonic() - started > LIMITS.head_timeout + 3:
                break
    answer = read_all(sock)
    sock.close()
    elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:100]
    assert LIMITS.head_timeout - 0.5 < elapsed < LIMITS.head_timeout + 3


def test_an_idle_connection_is_closed(server: BackgroundServer) -> None:
    sock = connect(server)
    started = time.monotonic()
    assert read_all(sock) == b""
    assert time.monotonic() - started < LIMITS.head_timeout + 2


@pytest.mark.parametrize("size", [40_000, 200_000_000])
def test_oversized_header_fields_get_431_without_being_read(
    server: BackgroundServer, size: int
) -> None:
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ")
    sent = 0
    try:
        while sent < size:
            sock.sendall(b"a" * 65536)
            sent += 65536
    except OSError:
        pass  # the server answered and closed: it did not read the rest
    answer = read_all(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:100]
    assert b"16384 bytes" in answer
    assert sent < 50_000_000


def test_many_small_headers_over_the_limit_get_431(server: BackgroundServer) -> None:
    head = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(
        b"X-H%d: %s\r\n" % (n, b"v" * 100) for n in range(200)
    )
    sock = connect(server)
    sock.sendall(head + b"\r\n")
    answer = read_all(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_headers_under_the_limit_are_served(server: BackgroundServer) -> None:
    status, _, _ = request(server, "/", {f"X-H{n}": "v" * 100 for n in range(100)})
    assert status == 200


def test_one_client_holds_at_most_its_share(server: BackgroundServer) -> None:
    source = "127.0.0.40"
    held = [connect(server, source) for _ in range(LIMITS.per_client * 3)]
    try:
        time.sleep(0.3)
        assert server.connections.by_client.get(source, 0) <= LIMITS.per_client
        # the newest connection of that client still gets an answer: the oldest idle gave way
        held[-1].sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert read_all(held[-1]).startswith(b"HTTP/1.1 200 ")
        # and the first ones were closed to make room
        held[0].settimeout(3)
        assert read_all(held[0]) == b""
    finally:
        for sock in held:
            sock.close()


@pytest.mark.parametrize(
    "path",
    ["/", "/consortium/", "/sparql", "/no/such/thing", "/dumps/", "/dumps/SHA256SUMS"],
)
def test_every_answer_has_nosniff_and_a_policy(server: BackgroundServer, path: str) -> None:
    _, headers, _ = request(server, path, {"Accept": "text/html"})
    lower = {k.lower(): v for k, v in headers.items()}
    assert lower["x-content-type-options"] == "nosniff"
    policy = lower["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy


def test_a_refused_request_has_nosniff_too(server: BackgroundServer) -> None:
    status, headers, _ = request(server, "/sparql?query=" + "x" * 20_000)
    assert status == 414 and headers["x-content-type-options"] == "nosniff"


def test_format_is_quoted_not_echoed(server: BackgroundServer) -> None:
    thing = next(DATA.glob("consortia/*.yaml")).stem
    payload = "<script>alert(1)</script>" + "x" * 500
    status, headers, body = request(
        server, f"/consortium/{thing}?format={payload}", {"Accept": "text/plain"}
    )
    text = body.decode()
    assert status == 400 and headers["content-type"].startswith("text/plain")
    assert headers["x-content-type-options"] == "nosniff"
    assert "'<script>alert(1)</script>" in text and payload not in text
    assert len(text) < 500


def test_format_on_the_endpoint_is_quoted_not_echoed(server: BackgroundServer) -> None:
    payload = "<script>alert(1)</script>" + "x" * 500
    query = "ASK%20%7B%7D"
    status, headers, body = request(
        server, f"/sparql?query={query}&format={payload}", {"Accept": "text/plain"}
    )
    text = body.decode()
    assert status == 400 and headers["x-content-type-options"] == "nosniff"
    assert "'<script>alert(1)</script>" in text and payload not in text


def test_a_dump_is_streamed_with_its_release_checksum(server: BackgroundServer) -> None:
    _, _, sums = request(server, "/dumps/SHA256SUMS")
    listed = dict(reversed(line.split(maxsplit=1)) for line in sums.decode().splitlines())
    name = max(listed, key=lambda n: n.endswith(".nq"))
    status, headers, body = request(server, f"/dumps/{name}")
    assert status == 200
    assert hashlib.sha256(body).hexdigest() == listed[name]
    assert headers["etag"] == f'"{listed[name]}"'
    assert headers["accept-ranges"] == "bytes"
    status, headers, part = request(server, f"/dumps/{name}", {"Range": "bytes=10-19"})
    assert status == 206 and part == body[10:20]
    status, headers, empty = request(server, f"/dumps/{name}", method="HEAD")
    assert status == 200 and empty == b"" and int(headers["content-length"]) == len(body)
    status, _, _ = request(server, f"/dumps/{name}", {"If-None-Match": f'"{listed[name]}"'})
    assert status == 304


def test_every_worker_killed_the_next_request_is_answered(tmp_path: Path) -> None:
    with BackgroundServer.for_data(DATA, tmp_path, workers=2, reload_interval=0) as running:
        pids = list(running.app.state.publisher.current.pool.stats.pids)
        assert len(pids) == 2
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        status, _, answer = request(
            running,
            "/sparql?" + f"query={query.replace(' ', '+').replace('?', '%3F')}",
            {"Accept": "application/sparql-results+json"},
        )
        assert status == 200, answer
        stats = running.app.state.publisher.current.pool.stats
        assert stats.restarted >= 2 and not set(stats.pids) & set(pids)
