"""The pool of query workers, seen from the server: admission, time budgets, a result cache.

A query's time budget is enforced where it can really be stopped: the worker process running it
(:mod:`.process`) is killed (SIGKILL) when the budget is spent and a fresh one takes its place,
and the client gets a 504 before any byte of body, never a 200 with a cut body. The pool admits
as many queries at once as it has idle workers; a request that finds none within
``admission_wait`` seconds is answered 503 with ``Retry-After``. The event loop reads every
worker's socket (:class:`Channel`), so no thread waits for a worker.

The jobs and replies are :mod:`.jobs`' (re-exported here for the callers that know them as the
worker's).
"""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import signal
import socket
import struct
import subprocess
import sys
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .jobs import Busy, Job, QueryJob, QueryTimeout, Ready, Reply, UpdateJob

__all__ = [
    "Busy",
    "Channel",
    "QueryJob",
    "QueryTimeout",
    "Reply",
    "ResultCache",
    "UpdateJob",
    "WorkerPool",
]

#: multiprocessing.connection's framing: a signed 4-byte length, or -1 and an 8-byte one
_HEADER = struct.Struct("!i")
_LONG_HEADER = struct.Struct("!Q")


class Channel(asyncio.Protocol):
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
        #: called when the worker's end closes (the pool replaces an idle worker at once)
        self.on_lost: Callable[[], None] | None = None

    @property
    def lost(self) -> bool:
        """Return True once the worker's end has closed."""
        return self._lost is not None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport the event loop opened."""
        # uvloop's transports are not subclasses of asyncio.Transport, but do what they do
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        """Cut whole messages out of what arrived and hand them to a waiting receiver."""
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
        """Fail the waiting receiver: the worker is gone."""
        self._lost = exc or EOFError("the query worker closed its end")
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(self._lost)
        self._waiter = None
        if self.on_lost is not None:
            self.on_lost()

    def send(self, message: Any) -> None:
        """Pickle and send one message (a big one in two writes, not copied)."""
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
        """Return the next message from the worker, waiting for it."""
        if self._ready:
            return pickle.loads(self._ready.popleft())
        if self._lost is not None:
            raise EOFError(str(self._lost))
        waiter: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        return pickle.loads(await waiter)

    def close(self) -> None:
        """Close our end."""
        if self.transport is not None:
            self.transport.close()


class _Worker:
    """One worker process and our end of its socket."""

    def __init__(self, process: Any, sock: socket.socket) -> None:
        self.process, self.sock = process, sock
        self.channel = Channel()
        self.ready: Ready | None = None
        #: True while a job runs on it (its death is then the job's to handle)
        self.running = False

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

    def alive(self) -> bool:
        """Return True while the process runs and its socket is open."""
        return not self.channel.lost and self.process.poll() is None

    async def killed_from_outside(self) -> bool:
        """Return True when the process died of SIGKILL or SIGTERM (not of its own fault)."""
        # the kernel closes a dying process's socket before its exit status is there to read
        for _ in range(100):
            if self.process.poll() is not None:
                break
            await asyncio.sleep(0.01)
        return self.process.returncode in (-signal.SIGKILL, -signal.SIGTERM)

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
        restart_wait: float = 30.0,
    ) -> None:
        self.store_path, self.base, self.size = store_path, base, size
        #: seconds a request waits for a worker while dead ones are being replaced
        self.restart_wait = restart_wait
        self._restarting = 0
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
            "consortia_kg.serve.process",
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
        # a worker that dies while idle (killed, out of memory) is replaced at once, before a
        # request reaches it; one that dies running a query is replaced by run()
        worker.channel.on_lost = lambda: self._lost_idle(worker)
        self.graphs = ready.graphs
        self.stats.isolation = ready.isolation
        self.stats.pids = sorted(w.ready.pid for w in self._all if w.ready is not None)
        return worker

    async def start(self) -> None:
        """Start every worker and wait until each has opened the store."""
        workers = await asyncio.gather(*(self._start_one() for _ in range(self.size)))
        for worker in workers:
            self._idle.put_nowait(worker)

    def _lost_idle(self, worker: _Worker) -> None:
        if not worker.running and not self._closing:
            self._replace(worker)

    def _replace(self, dead: _Worker) -> None:
        if dead not in self._all:
            return  # replaced already
        dead.kill()
        self._all.discard(dead)
        self.stats.restarted += 1
        if self._closing:
            return
        self._restarting += 1

        async def replace() -> None:
            try:
                worker = await self._start_one()
            except Exception as exc:  # pragma: no cover - the store folder went away
                print(f"serve: could not restart a query worker: {exc}", file=sys.stderr)
                return
            finally:
                self._restarting -= 1
            if self._closing:
                worker.kill()
                self._all.discard(worker)
            else:
                self._idle.put_nowait(worker)

        task = asyncio.get_running_loop().create_task(replace())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _take(self) -> _Worker:
        """Return a live idle worker, waiting for one (longer while dead ones are replaced)."""
        while True:
            if self._idle.empty():
                wait = max(self.admission_wait, self.restart_wait if self._restarting else 0)
                try:
                    worker = await asyncio.wait_for(self._idle.get(), wait)
                except TimeoutError:
                    self.stats.refused_busy += 1
                    raise Busy from None
            else:
                worker = self._idle.get_nowait()
            if worker.alive() and worker in self._all:
                return worker
            self._replace(worker)

    async def run(self, job: Job, budget: float | None) -> Reply:
        """Run ``job`` on an idle worker within ``budget`` seconds (None: no budget).

        A query answered before is answered from the cache, without a worker. A worker found
        dead is replaced and the job waits for another; a worker killed from outside while
        running the job (SIGKILL, SIGTERM: not the job's fault) costs the job one more try.
        """
        query = isinstance(job, QueryJob) and self.cache.limit > 0
        if query:
            assert isinstance(job, QueryJob)
            kept = self.cache.get(job)
            if kept is not None:
                self.stats.cached += 1
                return kept
        # every worker may have been killed at once: each dead one costs the job one more try
        for attempt in range(1, self.size + 2):
            worker = await self._take()
            worker.running = True
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
                outside = await worker.killed_from_outside()
                self._replace(worker)
                if outside and attempt <= self.size:
                    continue
                return Reply(500, message=f"the query worker stopped: {exc or type(exc).__name__}")
            finally:
                worker.running = False
                self._busy -= 1
            break
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
