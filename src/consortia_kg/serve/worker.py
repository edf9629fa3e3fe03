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
import json
import os
import signal
import socket
import subprocess
import sys
import traceback
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
    "UpdateJob",
    "WorkerPool",
    "isolate_network",
]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


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


def _term_json(term: Any) -> dict[str, Any]:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _term_json(term.subject),
                "predicate": _term_json(term.predicate),
                "object": _term_json(term.object),
            },
        }
    return {"type": "literal", "value": str(term)}


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

    from consortia_kg.export import prefixes_for
    from consortia_kg.store import GraphResult

    if fmt == "rdfxml":
        data = ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=prefixes_for(base))
        return data if data is not None else b""
    return GraphResult(triples, form=form).serialize(fmt, base)


def _execute(store: Any, guard: Any, job: QueryJob, base: str) -> Reply:
    import pyoxigraph as ox

    from consortia_kg.queries import query_form
    from consortia_kg.store import AskResult, SelectResult, syntax_error

    from .guard import Checked

    if job.trusted:
        checked = Checked(query_form(job.text))
    else:
        checked = guard.check_query(job.text, job.default_uris, job.named_uris)
    kwargs: dict[str, Any] = {"base_iri": base}
    if checked.default_graphs is None and checked.named_graphs is None:
        kwargs["use_default_graph_as_union"] = True
    else:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in checked.default_graphs or ()]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in checked.named_graphs or ()]
    try:
        result = store.query(job.text, **kwargs)
    except SyntaxError as exc:
        error = syntax_error(exc, job.text, "query")
        return Reply(400, message=error.message, hint=error.hint)
    if isinstance(result, ox.QuerySolutions):
        if job.solution_format is None:
            return _not_acceptable("SELECT")
        variables = [v.value for v in result.variables]
        bindings: list[dict[str, Any]] = []
        for solution in result:
            if len(bindings) >= job.max_rows:
                return _too_many(job.max_rows, "rows")
            row = {}
            for name in variables:
                term = solution[name]
                if term is not None:
                    row[name] = _term_json(term)
            bindings.append(row)
        doc = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        payload = json.dumps(doc, ensure_ascii=False).encode()
        fmt = job.solution_format
        body = payload if fmt == "json" else SelectResult(payload).serialize(fmt)
        return Reply(200, body, fmt, "SELECT", len(bindings))
    if isinstance(result, ox.QueryBoolean):
        if job.solution_format is None:
            return _not_acceptable("ASK")
        fmt = job.solution_format
        return Reply(200, AskResult(bool(result)).serialize(fmt), fmt, "ASK", 1)
    form = checked.form if checked.form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT"
    if job.graph_format is None:
        return _not_acceptable(form)
    triples: list[Any] = []
    for triple in result:
        if len(triples) >= job.max_rows:
            return _too_many(job.max_rows, "triples")
        triples.append(triple)
    fmt = job.graph_format
    return Reply(200, _serialize_graph(triples, fmt, base, form), fmt, form, len(triples))


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

    from consortia_kg.store import syntax_error

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


class _Worker:
    """One worker process and our end of its pipe."""

    def __init__(self, process: Any, conn: Connection) -> None:
        self.process, self.conn = process, conn
        self.ready: Ready | None = None

    def wait_ready(self, seconds: float) -> Ready:
        if not self.conn.poll(seconds):
            raise RuntimeError(f"a query worker did not start within {seconds:.0f} s")
        ready = self.conn.recv()
        if not isinstance(ready, Ready):
            raise RuntimeError(f"a query worker said {ready!r} instead of being ready")
        self.ready = ready
        return ready

    def call(self, job: Job) -> Reply:
        self.conn.send(job)
        reply = self.conn.recv()
        if not isinstance(reply, Reply):
            raise RuntimeError(f"a query worker answered {reply!r}")
        return reply

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.wait(5)
        with contextlib.suppress(Exception):
            self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
        try:
            self.process.wait(2)
        except subprocess.TimeoutExpired:
            self.kill()
            self.process.wait(2)
        with contextlib.suppress(Exception):
            self.conn.close()


@dataclass
class PoolStats:
    """What the pool has done: for /health and the logs."""

    answered: int = 0
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
    ) -> None:
        self.store_path, self.base, self.size = store_path, base, size
        self.admission_wait, self.isolate = admission_wait, isolate
        self.startup_seconds = startup_seconds
        self.graphs: tuple[str, ...] = ()
        self.stats = PoolStats()
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        self._busy = 0
        self._closing = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._threads = ThreadPoolExecutor(max_workers=size * 2 + 2, thread_name_prefix="ckg-q")

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
        finally:
            theirs.close()
        worker = _Worker(process, Connection(ours.detach()))
        self._all.add(worker)
        return worker

    async def _start_one(self) -> _Worker:
        loop = asyncio.get_running_loop()
        worker = self._spawn()
        try:
            ready = await loop.run_in_executor(
                self._threads, worker.wait_ready, self.startup_seconds
            )
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
                worker.stop()
                self._all.discard(worker)
            else:
                self._idle.put_nowait(worker)

        task = asyncio.get_running_loop().create_task(replace())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self, job: Job, budget: float | None) -> Reply:
        """Run ``job`` on an idle worker within ``budget`` seconds (None: no budget)."""
        try:
            worker = await asyncio.wait_for(self._idle.get(), self.admission_wait)
        except TimeoutError:
            self.stats.refused_busy += 1
            raise Busy from None
        self._busy += 1
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._threads, worker.call, job)
        # a killed worker's call ends with EOFError: nobody waits for it any more
        future.add_done_callback(lambda f: None if f.cancelled() else f.exception())
        try:
            reply = await asyncio.wait_for(asyncio.shield(future), budget)
        except TimeoutError:
            self.stats.timed_out += 1
            self._replace(worker)
            raise QueryTimeout from None
        except asyncio.CancelledError:
            # the client went away: stop its query rather than let it run on
            self._replace(worker)
            raise
        except (EOFError, OSError, RuntimeError) as exc:
            self._replace(worker)
            return Reply(500, message=f"the query worker stopped: {exc or type(exc).__name__}")
        finally:
            self._busy -= 1
        self.stats.answered += 1
        self._idle.put_nowait(worker)
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
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._threads, w.stop) for w in workers),
            return_exceptions=True,
        )
        self._threads.shutdown(wait=False, cancel_futures=True)


if (
    __name__ == "__main__"
):  # python -m consortia_kg.serve.worker FD STORE BASE isolate|share-network
    # through the module's own name, so that what it sends unpickles as ours, not __main__'s
    from consortia_kg.serve import worker as _worker

    _worker.worker_main(
        Connection(int(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4] == "isolate"
    )
