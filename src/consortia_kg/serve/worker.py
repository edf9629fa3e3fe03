"""Query workers: processes that hold the store, run one query at a time and can be killed.

A query's time budget is enforced where it can really be stopped: the worker running it is
killed (SIGKILL) when the budget is spent and a fresh one takes its place, and the client gets
a 504 before any byte of body, never a 200 with a cut body. Each worker checks the query text
(:mod:`.guard`) before pyoxigraph sees it, caps the rows, writes the answer in the negotiated
format and sends back the whole body. On Linux each worker first moves into a network namespace
of its own (no interface is up there), so even a query the check let through could not open a
connection.

The pool admits as many queries at once as it has idle workers; a request that finds none within
``admission_wait`` seconds is answered 503 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import traceback
from collections import OrderedDict, deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

__all__ = [
    "Busy",
    "DumpJob",
    "QueryJob",
    "QueryTimeout",
    "Reply",
    "ResultCache",
    "UpdateJob",
    "WorkerPool",
    "isolate_network",
]

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
#: multiprocessing.connection's framing: a signed 4-byte length, or -1 and an 8-byte one
_HEADER = struct.Struct("!i")
_LONG_HEADER = struct.Struct("!Q")


@dataclass(frozen=True)
class QueryJob:
    """Run one query: its text, whether we wrote it ourselves, and the formats to answer in."""

    text: str
    #: a query the server composed (pages, named queries): skips the check, default = union
    trusted: bool = False
    #: the format for SELECT/ASK answers (None: the client accepts none of them → 406)
    solution_format: str | None = "json"
    #: the format for CONSTRUCT/DESCRIBE answers (None: the client accepts none → 406)
    graph_format: str | None = "turtle"
    default_uris: tuple[str, ...] = ()
    named_uris: tuple[str, ...] = ()
    max_rows: int = 10_000


@dataclass(frozen=True)
class UpdateJob:
    """Say why an update is refused (it is read as SPARQL Update, never run)."""

    text: str


@dataclass(frozen=True)
class DumpJob:
    """Return every quad of the store as N-Quads (to write dumps that match it)."""


Job = QueryJob | UpdateJob | DumpJob


@dataclass(frozen=True)
class Reply:
    """What a worker answers: a status, and a body with its format or a message."""

    status: int
    body: bytes = b""
    #: the format name of the body (json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml, nquads)
    fmt: str = ""
    form: str = ""
    count: int = 0
    message: str = ""
    hint: str = ""
    #: the same query would give the same body again (no RAND, NOW, UUID, BNODE...)
    cacheable: bool = False


@dataclass(frozen=True)
class Ready:
    """A worker's first message: the graphs its store holds and how it is isolated."""

    graphs: tuple[str, ...]
    isolation: str
    pid: int


class Busy(Exception):
    """Every worker is busy: answer 503 with Retry-After."""


class QueryTimeout(Exception):
    """The query ran past its time budget; its worker was killed."""


# --- inside the worker process ---------------------------------------------------------------


def isolate_network() -> str:
    """Move this process into a network namespace of its own; say how (or why not)."""
    if not sys.platform.startswith("linux"):
        return "none (network namespaces need Linux)"
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    attempts = (
        (_CLONE_NEWNET, "network namespace"),
        (_CLONE_NEWUSER | _CLONE_NEWNET, "user and network namespace"),
    )
    error = 0
    for flags, how in attempts:
        if libc.unshare(flags) == 0:
            return how
        error = ctypes.get_errno()
    return f"none ({os.strerror(error)})"


class _TooMany(Exception):
    """Raised inside pyoxigraph's serializer when an answer passes the row cap."""


class _RowCounter:
    """Where pyoxigraph writes SELECT answers as TSV: one line a row, counted as it comes.

    SPARQL TSV escapes every line break inside a term, so the answer has exactly one line per
    row after its header; past the cap :class:`_TooMany` stops the serializer, so an answer of
    millions of rows is neither held in memory nor written.
    """

    __slots__ = ("cap", "lines", "parts")

    def __init__(self, max_rows: int) -> None:
        self.cap = max_rows + 1  # and the header
        self.lines = 0
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        if self.lines > self.cap:
            raise _TooMany
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


_RESULT_FORMATS = {
    "json": "JSON",
    "xml": "XML",
    "csv": "CSV",
    "tsv": "TSV",
}


def _serialize_solutions(result: Any, fmt: str, max_rows: int) -> tuple[bytes, int] | None:
    """Write SELECT solutions in ``fmt`` (pyoxigraph's serializers); None past ``max_rows``.

    They are written once as TSV, counting rows, and only when within the cap read back and
    written in the format asked for (TSV holds every term exactly: the answer is the same as
    writing that format straight away).
    """
    import pyoxigraph as ox

    counter = _RowCounter(max_rows)
    try:
        result.serialize(counter, format=ox.QueryResultsFormat.TSV)
    except _TooMany:
        return None
    tsv = b"".join(counter.parts)
    rows = max(tsv.count(b"\n") - 1, 0)
    if fmt == "tsv":
        return tsv, rows
    target = getattr(ox.QueryResultsFormat, _RESULT_FORMATS[fmt])
    solutions = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    return solutions.serialize(format=target) or b"", rows


def _too_many(max_rows: int, what: str) -> Reply:
    return Reply(
        400,
        message=f"the answer has more than {max_rows} {what}, this endpoint's cap: "
        "it was not sent (an answer is never cut short)",
        hint="add LIMIT and OFFSET to page through it, or download the whole graph from /dumps/",
    )


def _not_acceptable(form: str) -> Reply:
    fits = (
        "json, xml, csv, tsv" if form in ("SELECT", "ASK") else "turtle, ntriples, jsonld, rdfxml"
    )
    return Reply(
        406,
        message=f"a {form} query's answer cannot be sent in any type the Accept header allows",
        hint=f"accept one of the {form} formats ({fits}) or pass ?format=NAME",
        form=form,
    )


def _serialize_graph(triples: list[Any], fmt: str, base: str, form: str) -> bytes:
    import pyoxigraph as ox

    from consortia_kg.export.dumps import prefixes_for
    from consortia_kg.query.store import GraphResult

    if fmt == "rdfxml":
        data = ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=prefixes_for(base))
        return data if data is not None else b""
    return GraphResult(triples, form=form).serialize(fmt, base)


def _execute(store: Any, guard: Any, job: QueryJob, base: str) -> Reply:
    import pyoxigraph as ox

    from consortia_kg.query.named import query_form
    from consortia_kg.query.store import AskResult, syntax_error

    from .guard import Checked, deterministic_text

    quick: Checked | None = None
    if job.trusted:
        checked = Checked(query_form(job.text), deterministic=deterministic_text(job.text))
    else:
        quick = guard.quick_check(job.text, job.default_uris, job.named_uris)
        checked = quick or guard.check_query(job.text, job.default_uris, job.named_uris)
    kwargs: dict[str, Any] = {"base_iri": base}
    if checked.default_graphs is None and checked.named_graphs is None:
        kwargs["use_default_graph_as_union"] = True
    else:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in checked.default_graphs or ()]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in checked.named_graphs or ()]
    try:
        result = store.query(job.text, **kwargs)
    except SyntaxError as exc:
        if not job.trusted and quick is not None:
            # not a query pyoxigraph reads: an update is refused as such, the rest worded
            guard.check_query(job.text, job.default_uris, job.named_uris)
        error = syntax_error(exc, job.text, "query")
        return Reply(400, message=error.message, hint=error.hint)
    if isinstance(result, ox.QuerySolutions):
        if job.solution_format is None:
            return _not_acceptable("SELECT")
        written = _serialize_solutions(result, job.solution_format, job.max_rows)
        if written is None:
            return _too_many(job.max_rows, "rows")
        body, rows = written
        return Reply(
            200, body, job.solution_format, "SELECT", rows, cacheable=checked.deterministic
        )
    if isinstance(result, ox.QueryBoolean):
        if job.solution_format is None:
            return _not_acceptable("ASK")
        fmt = job.solution_format
        body = AskResult(bool(result)).serialize(fmt)
        return Reply(200, body, fmt, "ASK", 1, cacheable=checked.deterministic)
    form = checked.form or query_form(job.text)
    form = form if form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT"
    if job.graph_format is None:
        return _not_acceptable(form)
    triples: list[Any] = []
    for triple in result:
        if len(triples) >= job.max_rows:
            return _too_many(job.max_rows, "triples")
        triples.append(triple)
    fmt = job.graph_format
    body = _serialize_graph(triples, fmt, base, form)
    return Reply(200, body, fmt, form, len(triples), cacheable=checked.deterministic)


#: set once the worker has no network: only then may pyoxigraph read a query the check refused
_ISOLATED = False


def _oxigraph_syntax_error(text: str) -> Reply | None:
    """Return pyoxigraph's clearer message for a syntax error (only in a worker with no network).

    The query is given to an empty in-memory store: should pyoxigraph read it as a valid query
    after all, it finds nothing and, without a network, can reach nothing.
    """
    if not _ISOLATED:
        return None
    import pyoxigraph as ox

    from consortia_kg.query.store import syntax_error

    try:
        ox.Store().query(text)
    except SyntaxError as exc:
        error = syntax_error(exc, text, "query")
        return Reply(400, message=error.message, hint=error.hint)
    except Exception:
        return None
    return None


def _answer(store: Any, guard: Any, job: Job, base: str) -> Reply:
    from .guard import Refused

    try:
        if isinstance(job, UpdateJob):
            refused = guard.check_update(job.text)
            return Reply(refused.status, message=refused.message, hint=refused.hint)
        if isinstance(job, DumpJob):
            import pyoxigraph as ox

            quads = store.quads_for_pattern(None, None, None, None)
            return Reply(200, ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"", "nquads")
        return _execute(store, guard, job, base)
    except Refused as refused:
        if refused.message.startswith("SPARQL syntax error") and isinstance(job, QueryJob):
            better = _oxigraph_syntax_error(job.text)
            if better is not None:
                return better
        return Reply(refused.status, message=refused.message, hint=refused.hint)
    except Exception as exc:
        summary = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return Reply(500, message=f"the query failed inside the server: {summary}")


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the server dies, even in the middle of a query."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def worker_main(conn: Connection, store_path: str, base: str, isolate: bool) -> None:
    """Serve jobs from ``conn`` until it closes (the entry point of a worker process)."""
    # Ctrl-C in a terminal reaches the whole process group: the server stops its workers itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    # first, while this process has one thread (a user namespace needs that)
    global _ISOLATED
    isolation = isolate_network() if isolate else "off"
    _ISOLATED = "namespace" in isolation
    import pyoxigraph as ox

    from .guard import QueryGuard

    store = ox.Store.read_only(store_path)
    graphs = tuple(sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)))
    guard = QueryGuard(graphs, base)
    conn.send(Ready(graphs, isolation, os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        conn.send(_answer(store, guard, job, base))


# --- in the server ---------------------------------------------------------------------------


class _Channel(asyncio.Protocol):
    """Our end of a worker's socket: whole messages in ``multiprocessing.connection``'s framing.

    Each message is a 4-byte big-endian length (or -1 and an 8-byte one) and the pickled object,
    as the worker's blocking :class:`~multiprocessing.connection.Connection` reads and writes
    them; on this side the event loop reads them, so no thread waits for a worker.
    """

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[Any] | None = None
        self._ready: deque[bytes] = deque()
        self._lost: BaseException | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio.Transport, but do what they do
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        while len(buffer) >= 4:
            size = _HEADER.unpack_from(buffer)[0]
            start = 4
            if size == -1:
                if len(buffer) < 12:
                    return
                size = _LONG_HEADER.unpack_from(buffer, 4)[0]
                start = 12
            if len(buffer) < start + size:
                return
            message = bytes(buffer[start : start + size])
            del buffer[: start + size]
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                self._waiter = None
                waiter.set_result(message)
            else:
                self._ready.append(message)

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = exc or EOFError("the query worker closed its end")
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(self._lost)
        self._waiter = None

    def send(self, message: Any) -> None:
        if self.transport is None or self.transport.is_closing():
            raise EOFError("the query worker's channel is closed")
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        if len(payload) > 0x7FFFFFFF:
            header = _HEADER.pack(-1) + _LONG_HEADER.pack(len(payload))
        else:
            header = _HEADER.pack(len(payload))
        self.transport.write(header + payload if len(payload) < 65_536 else header)
        if len(payload) >= 65_536:
            self.transport.write(payload)

    async def receive(self) -> Any:
        if self._ready:
            return pickle.loads(self._ready.popleft())
        if self._lost is not None:
            raise EOFError(str(self._lost))
        waiter: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        return pickle.loads(await waiter)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class _Worker:
    """One worker process and our end of its socket."""

    def __init__(self, process: Any, sock: socket.socket) -> None:
        self.process, self.sock = process, sock
        self.channel = _Channel()
        self.ready: Ready | None = None

    async def open(self, seconds: float) -> Ready:
        loop = asyncio.get_running_loop()
        await loop.create_unix_connection(lambda: self.channel, sock=self.sock)
        try:
            ready = await asyncio.wait_for(self.channel.receive(), seconds)
        except TimeoutError:
            raise RuntimeError(f"a query worker did not start within {seconds:.0f} s") from None
        if not isinstance(ready, Ready):
            raise RuntimeError(f"a query worker said {ready!r} instead of being ready")
        self.ready = ready
        return ready

    async def call(self, job: Job) -> Reply:
        self.channel.send(job)
        reply = await self.channel.receive()
        if not isinstance(reply, Reply):
            raise RuntimeError(f"a query worker answered {reply!r}")
        return reply

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.wait(5)
        self.channel.close()
        with contextlib.suppress(Exception):
            self.sock.close()

    def stop(self) -> None:
        """Ask the worker to end (from a thread: it waits for the process)."""
        try:
            self.process.wait(2)
        except subprocess.TimeoutExpired:
            self.kill()
            self.process.wait(2)


class ResultCache:
    """Answers kept for the next identical query, least recently used first out.

    The store a pool serves never changes (a rebuilt one comes with a new pool), so a query that
    ran once gives the same answer again, unless it asks for RAND, NOW, UUID or BNODE (a reply
    says so in ``cacheable``). Only whole 200 answers are kept: each one at most an eighth of
    ``limit`` bytes, all of them together at most ``limit``.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._replies: OrderedDict[QueryJob, Reply] = OrderedDict()

    def get(self, job: QueryJob) -> Reply | None:
        """Return the answer kept for ``job``, if any."""
        reply = self._replies.get(job)
        if reply is not None:
            self._replies.move_to_end(job)
        return reply

    def put(self, job: QueryJob, reply: Reply) -> None:
        """Keep ``reply`` when it may be given again and fits."""
        size = len(reply.body) + len(job.text)
        if reply.status != 200 or not reply.cacheable or size > self.limit // 8:
            return
        old = self._replies.pop(job, None)
        if old is not None:
            self.size -= len(old.body) + len(job.text)
        self._replies[job] = reply
        self.size += size
        while self.size > self.limit:
            gone, dropped = self._replies.popitem(last=False)
            self.size -= len(dropped.body) + len(gone.text)

    def __len__(self) -> int:
        return len(self._replies)


@dataclass
class PoolStats:
    """What the pool has done: for /health and the logs."""

    answered: int = 0
    #: answers given again from the pool's :class:`ResultCache`, without a worker
    cached: int = 0
    timed_out: int = 0
    refused_busy: int = 0
    restarted: int = 0
    isolation: str = ""
    pids: list[int] = field(default_factory=list)


class WorkerPool:
    """``size`` worker processes over one store folder; ``await pool.run(job, budget)``."""

    def __init__(
        self,
        store_path: str,
        base: str,
        size: int = 4,
        admission_wait: float = 1.0,
        isolate: bool = True,
        startup_seconds: float = 120.0,
        cache_bytes: int = 32 << 20,
    ) -> None:
        self.store_path, self.base, self.size = store_path, base, size
        self.cache = ResultCache(cache_bytes)
        self.admission_wait, self.isolate = admission_wait, isolate
        self.startup_seconds = startup_seconds
        self.graphs: tuple[str, ...] = ()
        self.stats = PoolStats()
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        self._busy = 0
        self._closing = False
        self._tasks: set[asyncio.Task[None]] = set()
        # only to wait for stopping workers: queries never go through a thread
        self._threads = ThreadPoolExecutor(max_workers=size + 1, thread_name_prefix="ckg-q")

    def _spawn(self) -> _Worker:
        # a plain `python -m` child, not multiprocessing's spawn: that would import the
        # server's __main__ module again (a script without a __main__ guard would start over)
        ours, theirs = socket.socketpair()
        command = [
            sys.executable,
            "-m",
            "consortia_kg.serve.worker",
            str(theirs.fileno()),
            self.store_path,
            self.base,
            "isolate" if self.isolate else "share-network",
        ]
        try:
            process = subprocess.Popen(
                command, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        worker = _Worker(process, ours)
        self._all.add(worker)
        return worker

    async def _start_one(self) -> _Worker:
        worker = self._spawn()
        try:
            ready = await worker.open(self.startup_seconds)
        except BaseException:
            worker.kill()
            self._all.discard(worker)
            raise
        self.graphs = ready.graphs
        self.stats.isolation = ready.isolation
        self.stats.pids = sorted(w.ready.pid for w in self._all if w.ready is not None)
        return worker

    async def start(self) -> None:
        """Start every worker and wait until each has opened the store."""
        workers = await asyncio.gather(*(self._start_one() for _ in range(self.size)))
        for worker in workers:
            self._idle.put_nowait(worker)

    def _replace(self, dead: _Worker) -> None:
        dead.kill()
        self._all.discard(dead)
        self.stats.restarted += 1
        if self._closing:
            return

        async def replace() -> None:
            try:
                worker = await self._start_one()
            except Exception as exc:  # pragma: no cover - the store folder went away
                print(f"serve: could not restart a query worker: {exc}", file=sys.stderr)
                return
            if self._closing:
                worker.kill()
                self._all.discard(worker)
            else:
                self._idle.put_nowait(worker)

        task = asyncio.get_running_loop().create_task(replace())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self, job: Job, budget: float | None) -> Reply:
        """Run ``job`` on an idle worker within ``budget`` seconds (None: no budget).

        A query answered before is answered from the cache, without a worker.
        """
        query = isinstance(job, QueryJob) and self.cache.limit > 0
        if query:
            assert isinstance(job, QueryJob)
            kept = self.cache.get(job)
            if kept is not None:
                self.stats.cached += 1
                return kept
        if self._idle.empty():
            try:
                worker = await asyncio.wait_for(self._idle.get(), self.admission_wait)
            except TimeoutError:
                self.stats.refused_busy += 1
                raise Busy from None
        else:
            worker = self._idle.get_nowait()
        self._busy += 1
        try:
            async with asyncio.timeout(budget):
                reply = await worker.call(job)
        except TimeoutError:
            self.stats.timed_out += 1
            self._replace(worker)
            raise QueryTimeout from None
        except asyncio.CancelledError:
            # the client went away: stop its query rather than let it run on
            self._replace(worker)
            raise
        except (EOFError, OSError, RuntimeError, pickle.UnpicklingError) as exc:
            self._replace(worker)
            return Reply(500, message=f"the query worker stopped: {exc or type(exc).__name__}")
        finally:
            self._busy -= 1
        self.stats.answered += 1
        self._idle.put_nowait(worker)
        if query:
            assert isinstance(job, QueryJob)
            self.cache.put(job, reply)
        return reply

    @property
    def busy(self) -> int:
        """Return how many queries are running."""
        return self._busy

    async def close(self, grace: float = 0.0) -> None:
        """Stop every worker, letting running queries finish for up to ``grace`` seconds."""
        self._closing = True
        deadline = asyncio.get_running_loop().time() + grace
        while self._busy and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        for task in list(self._tasks):
            task.cancel()
        workers: Sequence[_Worker] = list(self._all)
        self._all.clear()
        for worker in workers:
            with contextlib.suppress(Exception):
                worker.channel.send(None)
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._threads, w.stop) for w in workers),
            return_exceptions=True,
        )
        for worker in workers:
            worker.kill()
        self._threads.shutdown(wait=False, cancel_futures=True)


if (
    __name__ == "__main__"
):  # python -m consortia_kg.serve.worker FD STORE BASE isolate|share-network
    # through the module's own name, so that what it sends unpickles as ours, not __main__'s
    from consortia_kg.serve import worker as _worker

    _worker.worker_main(
        Connection(int(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4] == "isolate"
    )
