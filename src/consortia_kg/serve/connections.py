"""Connections that cost nothing while they wait: head deadlines, head size, caps per client.

uvicorn arms its keep-alive timer only after a response and cancels it on any byte, so a client
that sends a request head one byte at a time (slowloris) holds its connection forever, and its
``limit_concurrency`` counts idle connections: 256 of them got every other request a 503. Its
header buffer has no bound under httptools (a 200 MB header was read whole). :func:`protocol_for`
returns uvicorn's httptools protocol with what it lacks:

- a request head must be complete within ``head_timeout`` seconds of the connection or of the
  previous answer, however slowly its bytes come (408, then closed);
- a head whose header fields are over ``max_head`` bytes is answered 431 and the connection
  closed, checked as the bytes come in, so at most one read (256 KiB) more is ever held;
- each client address holds at most ``per_client`` connections, all of them at most
  ``max_connections``: past either, the oldest connection *waiting for a head* (idle or slow,
  never one whose request runs) is closed to make room; when every one is running a request,
  the new connection gets 429 or 503 and is closed;
- at most ``max_requests`` requests run at once (503 past it); idle connections never count.
"""

from __future__ import annotations

import asyncio
import resource
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["ConnectionLimits", "Connections", "protocol_for", "raise_open_files_limit"]

_REASONS = {
    408: b"Request Timeout",
    414: b"URI Too Long",
    429: b"Too Many Requests",
    431: b"Request Header Fields Too Large",
    503: b"Service Unavailable",
}


@dataclass(frozen=True)
class ConnectionLimits:
    """What one connection and one client may hold (``consortia-kg serve``'s defaults)."""

    #: seconds a request head may take to arrive, from the connection or the previous answer
    head_timeout: float = 10.0
    #: seconds an idle keep-alive connection stays open after an answer
    keep_alive: int = 5
    #: bytes of header fields one request may send (431 above); the request target is max_url's
    max_head: int = 16_384
    #: longest request target (414 above), checked while it arrives
    max_url: int = 16_384
    #: open connections from one client address
    per_client: int = 64
    #: open connections in all
    max_connections: int = 4096
    #: requests answered at once (503 above)
    max_requests: int = 512


def raw_answer(status: int, text: str, extra: bytes = b"") -> bytes:
    """Return a whole HTTP/1.1 answer that closes its connection (for the protocol's refusals)."""
    body = text.encode()
    return (
        b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
        b"content-length: %d\r\nconnection: close\r\nx-content-type-options: nosniff\r\n"
        b"%s\r\n%s" % (status, _REASONS.get(status, b""), len(body), extra, body)
    )


class Connections:
    """Every open connection of one server, by client address; which to close to make room."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self.by_client: dict[str, int] = {}
        self.total = 0
        #: connections waiting for a request head, oldest first (the ones that may be closed)
        self.waiting: OrderedDict[Any, str] = OrderedDict()
        self.evicted = 0
        self.refused = 0

    def admit(self, connection: Any, client: str) -> int | None:
        """Count a new connection in; return the status to refuse it with when there is no room."""
        if self.by_client.get(client, 0) >= self.limits.per_client and not self._evict(client):
            self.refused += 1
            return 429
        if self.total >= self.limits.max_connections and not self._evict(None):
            self.refused += 1
            return 503
        self.by_client[client] = self.by_client.get(client, 0) + 1
        self.total += 1
        return None

    def _evict(self, client: str | None) -> bool:
        for victim, owner in self.waiting.items():
            if client is None or owner == client:
                self.evicted += 1
                victim.evict()
                return True
        return False

    def wait(self, connection: Any, client: str) -> None:
        """Mark ``connection`` as waiting for its next request head (newest last)."""
        self.waiting[connection] = client
        self.waiting.move_to_end(connection)

    def busy(self, connection: Any) -> None:
        """Mark ``connection`` as running a request: it is never closed to make room."""
        self.waiting.pop(connection, None)

    def forget(self, connection: Any, client: str) -> None:
        """Count a closed connection out."""
        self.waiting.pop(connection, None)
        left = self.by_client.get(client, 0) - 1
        if left > 0:
            self.by_client[client] = left
        else:
            self.by_client.pop(client, None)
        self.total -= 1


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with head deadlines, head size limits and connection caps."""

    connections_of_server: Connections

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._client_key = ""
        self._counted = False
        self._deadline: asyncio.TimerHandle | None = None
        self._head_open = False
        #: True while no request is being read (before the first, after one's last byte)
        self._between = True
        self._begun = 0
        self._url_bytes = 0
        self._field_bytes = 0
        self._chunk_bytes = 0
        self._refusal: bytes | None = None
        self._app = self.app

    # --- the connection -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Count the connection in (making room, or refusing it) and start its head deadline."""
        super().connection_made(transport)
        self._client_key = self.client[0] if self.client else ""
        refused = self.connections_of_server.admit(self, self._client_key)
        if refused is not None:
            words = "from your address" if refused == 429 else "to this server"
            self._answer_and_close(
                raw_answer(
                    refused, f"too many connections {words}; try again\n", b"retry-after: 1\r\n"
                )
            )
            return
        self._counted = True
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        """Count the connection out."""
        self._cancel_deadline()
        if self._counted:
            self._counted = False
            self.connections_of_server.forget(self, self._client_key)
        super().connection_lost(exc)

    def evict(self) -> None:
        """Close this waiting connection to make room for a new one."""
        if self._counted:
            self._counted = False
            self.connections_of_server.forget(self, self._client_key)
        self._cancel_deadline()
        self.transport.close()

    def _await_head(self) -> None:
        self._cancel_deadline()
        self.connections_of_server.wait(self, self._client_key)
        self._deadline = self.loop.call_later(
            self.connections_of_server.limits.head_timeout, self._head_too_slow
        )

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._head_open:
            seconds = self.connections_of_server.limits.head_timeout
            self._answer_and_close(
                raw_answer(408, f"the request head did not arrive within {seconds:g} s\n")
            )
        else:
            self.transport.close()

    def _answer_and_close(self, answer: bytes) -> None:
        self._cancel_deadline()
        self.connections_of_server.busy(self)
        self.transport.write(answer)
        self.transport.close()

    # --- reading a head -------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        """Read what came; past the limits, answer 431 or 414 before reading any more."""
        if self._refusal is not None or self.transport.is_closing():
            return
        # a chunk belongs to the open head whole when it started inside that head, or between
        # two requests with only this one begun in it
        head_before, between_before = self._head_open, self._between
        self._begun = 0
        super().data_received(data)
        if not self._head_open or self.transport.is_closing():
            return
        if head_before or (between_before and self._begun == 1):
            self._chunk_bytes += len(data)
        # both are lower bounds of the head's size: the parser keeps a header field it has not
        # finished to itself, and a chunk that also held a previous request is not counted
        refusal = self._over_limits(max(self._field_bytes, self._chunk_bytes - self._url_bytes))
        if refusal is not None:
            self._answer_and_close(refusal)

    def _over_limits(self, field_bytes: int) -> bytes | None:
        limits = self.connections_of_server.limits
        if self._url_bytes > limits.max_url:
            return raw_answer(
                414,
                f"the request target is over {limits.max_url} bytes, this server's limit\n"
                "  fix: send a long query with POST\n",
            )
        if field_bytes > limits.max_head:
            return raw_answer(
                431,
                f"the request's header fields are over {limits.max_head} bytes, this server's "
                "limit\n  fix: send fewer or shorter headers (cookies?)\n",
            )
        return None

    def on_message_begin(self) -> None:
        """Start counting a new head's bytes."""
        if self._refusal is not None:
            return
        super().on_message_begin()
        self._head_open, self._between = True, False
        self._begun += 1
        self._url_bytes = self._field_bytes = self._chunk_bytes = 0

    def on_url(self, url: bytes) -> None:
        """Count the request target's bytes."""
        if self._refusal is not None:
            return
        self._url_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        """Count a header field's bytes."""
        if self._refusal is not None:
            return
        self._field_bytes += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """Refuse a head over the limits; else run the request (503 past ``max_requests``)."""
        if self._refusal is not None:
            return
        self._head_open = False
        self._cancel_deadline()
        self.connections_of_server.busy(self)
        refusal = self._over_limits(self._field_bytes)
        if refusal is not None and self._url_bytes <= self.connections_of_server.limits.max_url:
            # the parser reads on to the end of this chunk: every callback ignores the rest
            self._refusal = refusal
            self._answer_and_close(refusal)
            return
        crowded = len(self.tasks) >= self.connections_of_server.limits.max_requests
        self.app = _busy if crowded else self._app
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        """Pass the body on (none of a refused request)."""
        if self._refusal is None:
            super().on_body(body)

    def on_message_complete(self) -> None:
        """Pass the end of the request on (none of a refused request)."""
        if self._refusal is None:
            self._between = True
            super().on_message_complete()

    def on_response_complete(self) -> None:
        """Wait for the next head, within the deadline (unless a pipelined one is here)."""
        super().on_response_complete()
        if not self.pipeline and not self.transport.is_closing():
            self._await_head()


async def _busy(scope: Any, receive: Any, send: Any) -> None:
    body = b"the server is answering too many requests at once; try again in a moment\n"
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def protocol_for(limits: ConnectionLimits) -> type[GuardedProtocol]:
    """Return a protocol class for one server: its connections are counted together."""
    return type(
        "ConsortiaKgProtocol", (GuardedProtocol,), {"connections_of_server": Connections(limits)}
    )


def raise_open_files_limit(wanted: int) -> int:
    """Raise this process's open-file limit towards ``wanted`` (within the hard limit).

    Each connection is a file descriptor; past the limit ``accept`` fails and uvicorn stops
    accepting for a second, which would stop normal clients too.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft
