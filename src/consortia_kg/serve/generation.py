"""What the server serves, one generation at a time, and how a rebuilt store is swapped in.

A *generation* is a private snapshot of one release's store (its immutable files hard-linked,
the small ones copied) and of its dumps, a pool of query workers over that snapshot, and an
index of the IRIs it mints. The release is the one ``dist/current`` names, read once per
generation (``ServeConfig.resolve``; a store of its own outside a folder of releases is read
with the dumps beside it). The server watches the store's ``meta.json`` through
``dist/store``; when ``build`` (or ``query``) has published a release of another version, a
new generation is opened completely
(workers started, index built) and then made current in one assignment. Each request takes the
current generation once and uses it to the end, so every answer comes from one version of the
data; the old generation is closed once its last request is done. No request waits for a swap.

The server never writes dumps: a generation's dumps are hard links to the ones the pipeline
wrote in the release (a snapshot, so a release pruned meanwhile stays served), checked against
the store's version; a store without dumps of its version is not swapped in.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import io
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from consortia_kg.errors import InputError
from consortia_kg.iris import dataset_iri
from consortia_kg.query.store import StoreMeta, read_meta
from consortia_kg.reconcile import Reconciler
from consortia_kg.vocab import DCTERMS, RDF

from .config import ServeConfig
from .index import COUNTED, NAME_PREDICATES, EntityIndex
from .licences import Licensing
from .reconcile import FACTS_QUERY, build_reconciler
from .worker import QueryJob, WorkerPool

__all__ = ["SERVE_VERSION", "DumpFile", "Generation", "Publisher", "StaleDumps", "dumps_version"]

#: Bumped when pages change shape, so that ETags change with them.
SERVE_VERSION = "2"

_SNAPSHOT_PREFIX = ".serve-"

Log = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class DumpFile:
    """One dump file as /dumps/ lists it."""

    name: str
    size: int
    sha256: str


def _link_or_copy(source: str, target: str) -> None:
    # RocksDB never changes a table file once written: a hard link is a safe copy of it
    if source.endswith(".sst"):
        try:
            os.link(source, target)
            return
        except OSError:
            pass
    shutil.copy2(source, target)


def snapshot_store(store_dir: Path, target: Path, attempts: int = 50) -> StoreMeta:
    """Copy a complete store into ``target``; retry when a rebuild replaces it meanwhile."""
    for _ in range(attempts):
        meta = read_meta(store_dir)
        if meta is None:
            raise InputError(f"{store_dir} holds no filled store", hint="run consortia-kg build")
        try:
            before = os.stat(store_dir).st_ino
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(store_dir, target, copy_function=_link_or_copy)
            unchanged = os.stat(store_dir).st_ino == before
        except (OSError, shutil.Error):
            unchanged = False
        if unchanged and read_meta(target) == meta:
            return meta
        time.sleep(0.05)
    raise InputError(f"{store_dir} kept changing while it was being read", hint="try again")


def _void_version(void_ttl: bytes, base: str) -> str | None:
    dataset = ox.NamedNode(dataset_iri(base))
    try:
        for triple in ox.parse(void_ttl, format=ox.RdfFormat.TURTLE):
            if triple.subject == dataset and triple.predicate.value == DCTERMS + "hasVersion":
                value: str = triple.object.value
                return value.removeprefix("sha256:")
    except SyntaxError:
        return None
    return None


def read_sums(folder: Path) -> dict[str, str]:
    """Return name → SHA-256 from a ``SHA256SUMS`` file (empty when there is none)."""
    try:
        text = (folder / "SHA256SUMS").read_text(encoding="utf-8")
    except OSError:
        return {}
    sums = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        if digest and name and "/" not in name and not name.startswith("."):
            sums[name] = digest
    return sums


def snapshot_dumps(source: Path, target: Path, meta: StoreMeta) -> bool:
    """Copy the dumps of ``meta``'s version into ``target``; False when ``source`` has others."""
    sums = read_sums(source)
    if "void.ttl" not in sums:
        return False
    target.mkdir(parents=True, exist_ok=True)
    try:
        for name in [*sums, "SHA256SUMS"]:
            _link_dump(source / name, target / name)
        for name, digest in sums.items():
            with (target / name).open("rb") as handle:
                # streamed: the N-Quads dump alone is gigabytes at 10,000 consortia
                if hashlib.file_digest(handle, "sha256").hexdigest() != digest:
                    return False
    except OSError:
        return False
    version = _void_version((target / "void.ttl").read_bytes(), meta.base)
    return version == meta.version and read_sums(target) == sums


def _link_dump(source: Path, target: Path) -> None:
    """Hard-link a dump, or copy it where links cannot be made.

    A build replaces dumps by renaming new files in, so a link keeps this version's bytes.
    """
    real = os.path.realpath(source)  # os.link would link a link (dist/x -> current/x) itself
    try:
        os.link(real, target)
    except OSError:
        shutil.copy2(real, target)


@dataclass
class Generation:
    """One version of the data, ready to answer."""

    number: int
    meta: StoreMeta
    folder: Path
    pool: WorkerPool
    index: EntityIndex
    dumps: list[DumpFile]
    void: list[ox.Triple]
    #: when this version was built into the store (its meta.json), as a Unix time
    built_at: float
    #: each graph's licence and attribution, from the VoID file's subsets
    licensing: Licensing = field(default_factory=Licensing)
    #: the organisations and consortia for ``/reconcile``, being built once the generation opens
    reconciling: asyncio.Task[Reconciler] | None = None
    users: int = 0
    retired: bool = False
    _etags: dict[str, str] = field(default_factory=dict, repr=False)
    _bodies: dict[str, bytes | str] = field(default_factory=dict, repr=False)
    _cached_bytes: int = 0

    @property
    def version(self) -> str:
        """Return the data's version (a hash of every record)."""
        return self.meta.version

    @property
    def base(self) -> str:
        """Return the base IRI the store was built with."""
        return self.meta.base

    @property
    def graphs(self) -> tuple[str, ...]:
        """Return the named graphs the store holds."""
        return self.pool.graphs

    @property
    def dumps_dir(self) -> Path:
        """Return the folder of this generation's dump files."""
        return self.folder / "dumps"

    def etag(self, *parts: str) -> str:
        """Return a strong ETag for a representation of this version of the data."""
        key = "\0".join(parts)
        tag = self._etags.get(key)
        if tag is None:
            seed = f"{self.meta.version}\0{self.meta.builder}\0{SERVE_VERSION}\0{key}"
            tag = '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'
            if len(self._etags) < 10_000:
                self._etags[key] = tag
        return tag

    def cached(self, key: str) -> bytes | str | None:
        """Return a representation made before for this version (they never change within it)."""
        return self._bodies.get(key)

    def remember(self, key: str, body: bytes | str, limit: int = 64 << 20) -> None:
        """Keep a representation for the next request, while the cache stays under ``limit``."""
        size = len(body)
        if key not in self._bodies and self._cached_bytes + size <= limit:
            self._bodies[key] = body
            self._cached_bytes += size

    async def reconciler(self) -> Reconciler:
        """Return the reconciliation engine, waiting while it is still being built."""
        if self.reconciling is None:
            return Reconciler()
        return await asyncio.shield(self.reconciling)

    async def query(self, job: QueryJob, budget: float | None) -> Any:
        """Run a job on this generation's workers."""
        return await self.pool.run(job, budget)


#: Predicates whose values the index keeps: names, identifiers and types.
_INDEXED = (*NAME_PREDICATES, DCTERMS + "identifier")


async def _select_rows(pool: WorkerPool, text: str) -> list[list[str]]:
    """Run one of our SELECTs and return its rows as plain values (CSV: fast to write and read)."""
    job = QueryJob(text, trusted=True, solution_format="csv", max_rows=50_000_000)
    reply = await pool.run(job, None)
    if reply.status != 200:
        raise RuntimeError(f"cannot index the store: {reply.message}")
    rows = list(csv.reader(io.StringIO(reply.body.decode("utf-8"))))
    return rows[1:]


async def _build_index(
    pool: WorkerPool, base: str, void: list[ox.Triple]
) -> tuple[EntityIndex, list[list[str]]]:
    """Index the things with a name or an identifier, count them by kind; read their places.

    Three SELECTs run on the workers, as many at a time as there are workers: names and
    identifiers (as CSV, fast to write and read), a count per counted class, and the places and
    ROR/Wikidata links of every thing (:data:`.reconcile.FACTS_QUERY`, returned for the
    reconciliation engine, which reads its names from the index: the names are scanned once).
    At 1.76 million quads a scan of every subject (``SELECT DISTINCT ?s``) took 8 s and one of
    every type 2 s: neither is made; a thing the index does not hold (a membership, a graph) is
    looked up when asked for.
    """
    index = EntityIndex(base)
    names = " ".join(f"<{p}>" for p in _INDEXED)
    classes = " ".join(f"<{cls}>" for cls, _ in COUNTED)
    queries = (
        f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {names} }} ?s ?p ?o }}",
        f"SELECT ?t (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?t {{ {classes} }} "
        f"?s <{RDF}type> ?t }} GROUP BY ?t",
        FACTS_QUERY,
    )
    # no more at once than there are workers: one more would wait for them and be refused as busy
    free = asyncio.Semaphore(pool.size)

    async def select(text: str) -> list[list[str]]:
        async with free:
            return await _select_rows(pool, text)

    named, counted, facts = await asyncio.gather(*(select(q) for q in queries))
    for subject, predicate, value in named:
        if subject.startswith(base) and len(subject) > len(base):
            index.add(subject, predicate, value)
    for cls, count in counted:
        index.class_counts[cls] = int(count)
    # every subject of the VoID file resolves, checksums without a name too
    index.extend(
        (
            (t.subject.value, t.predicate.value, str(getattr(t.object, "value", t.object)))
            for t in void
            if isinstance(t.subject, ox.NamedNode)
        ),
        void=True,
    )
    return index, facts


async def open_generation(config: ServeConfig, number: int, log: Log = _stderr) -> Generation:
    """Snapshot the store and its dumps, start workers over them, and index the IRIs."""
    parent = config.store_dir.parent
    folder = parent / f".{config.store_dir.name}{_SNAPSHOT_PREFIX}{os.getpid()}-{number}"
    # one release: `current` is read once, store and dumps both come from what it named
    store_dir, dumps_dir = config.resolve()
    meta = await asyncio.to_thread(snapshot_store, store_dir, folder / "store")
    built_at = (folder / "store" / "meta.json").stat().st_mtime
    try:
        # before any worker starts: a store whose dumps are missing costs no process
        await _snapshot_matching_dumps(dumps_dir, folder / "dumps", meta)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    pool = WorkerPool(
        str(folder / "store" / "oxigraph"),
        meta.base,
        size=config.workers,
        admission_wait=config.admission_wait,
        isolate=config.isolate,
        cache_bytes=config.cache_bytes,
    )
    try:
        await pool.start()
        void = list(
            ox.parse((folder / "dumps" / "void.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)
        )
        index, facts = await _build_index(pool, meta.base, void)
        dumps = [
            DumpFile(name, (folder / "dumps" / name).stat().st_size, digest)
            for name, digest in sorted(read_sums(folder / "dumps").items())
        ]
    except BaseException:
        await pool.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    licensing = Licensing.from_void(meta.base, void)
    generation = Generation(number, meta, folder, pool, index, dumps, void, built_at, licensing)
    # the engine takes seconds to fill at 44,000 organisations and consortia (6 to 12 s measured
    # on the default graph, which opens in 10 s without it): built in a thread while pages are
    # served, /reconcile waits for it. The thread reads a copy of the index's things: a page may
    # add a part to the index meanwhile
    things = list(index.entities.values())
    generation.reconciling = asyncio.get_running_loop().create_task(
        asyncio.to_thread(build_reconciler, things, facts)
    )
    return generation


class StaleDumps(InputError):
    """The dumps beside the store are not of the store's version (and the server writes none)."""


def dumps_version(dumps_dir: Path, base: str) -> str | None:
    """Return the version of the data the dumps in ``dumps_dir`` hold (their VoID says it)."""
    try:
        return _void_version((dumps_dir / "void.ttl").read_bytes(), base)
    except OSError:
        return None


def _snapshot_afresh(source: Path, target: Path, meta: StoreMeta) -> bool:
    shutil.rmtree(target, ignore_errors=True)  # a failed try leaves links a new one cannot make
    return snapshot_dumps(source, target, meta)


async def _snapshot_matching_dumps(
    source: Path, target: Path, meta: StoreMeta, wait_seconds: float = 10.0
) -> None:
    """Link the dumps of ``meta``'s version into ``target``; raise when none appear in time.

    The pipeline puts a store in place only after its dumps, so they are normally there at
    once; the wait covers a build that replaces both while the snapshot is taken. The server
    never writes dumps: stale ones mean the store was filled without them (``query``), and
    ``consortia-kg build`` writes them.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while not (
        dumps_version(source, meta.base) == meta.version  # cheap: no dump is hashed
        and await asyncio.to_thread(_snapshot_afresh, source, target, meta)
    ):
        if loop.time() > deadline:
            raise StaleDumps(
                f"the dumps in {source} are not of the store's version {meta.version[:12]}",
                hint=f"run consortia-kg build -o {source} (or serve, which brings both up to date)",
            )
        await asyncio.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_snapshots(store_dir: Path) -> None:
    """Delete snapshots left by servers that are no longer running."""
    pattern = f".{store_dir.name}{_SNAPSHOT_PREFIX}*"
    for folder in store_dir.parent.glob(pattern):
        pid_text = folder.name.rsplit(_SNAPSHOT_PREFIX, 1)[-1].split("-", 1)[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and not _alive(int(pid_text)):
            shutil.rmtree(folder, ignore_errors=True)


class Publisher:
    """Holds the current generation and swaps in a rebuilt store when one appears."""

    def __init__(self, config: ServeConfig, log: Log = _stderr) -> None:
        self.config, self.log = config, log
        self.current: Generation | None = None
        self.swaps = 0
        self._number = 0
        self._watcher: asyncio.Task[None] | None = None
        self._retiring: set[asyncio.Task[None]] = set()
        self._refused_base: str | None = None
        #: a version whose store came without its dumps: not tried again until they come
        self._stale_dumps: str | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Open the first generation and start watching the store."""
        remove_stale_snapshots(self.config.store_dir)
        self.current = await self._open()
        if self.config.reload_interval > 0:
            self._watcher = asyncio.get_running_loop().create_task(self._watch())

    async def _open(self) -> Generation:
        self._number += 1
        return await open_generation(self.config, self._number, self.log)

    @contextlib.contextmanager
    def use(self) -> Iterator[Generation]:
        """Take the current generation for one request (it stays open until released)."""
        generation = self.current
        if generation is None:
            raise RuntimeError("the server has not started")
        generation.users += 1
        try:
            yield generation
        finally:
            generation.users -= 1

    def changed(self) -> StoreMeta | None:
        """Return the store's description when it holds another version than the one served."""
        meta = read_meta(self.config.store_dir)
        current = self.current
        if meta is None or current is None:
            return None
        if (meta.version, meta.builder, meta.base) == (
            current.meta.version,
            current.meta.builder,
            current.meta.base,
        ):
            return None
        if meta.base != current.base:
            if self._refused_base != meta.base:
                self.log(
                    f"serve: not swapping in the store in {self.config.store_dir}: it was built "
                    f"for base IRI {meta.base}, and this server serves {current.base}"
                )
                self._refused_base = meta.base
            return None
        if meta.version == self._stale_dumps and (
            dumps_version(self.config.dumps_dir, meta.base) != meta.version
        ):
            return None  # still without its dumps (said once, when first tried)
        return meta

    async def reload(self) -> bool:
        """Swap in the store on disk if it holds another version; return True if it did."""
        async with self._lock:
            waiting = self.changed()
            if waiting is None:
                return False
            start = time.perf_counter()
            try:
                fresh = await self._open()
            except StaleDumps as exc:
                if waiting.version != self._stale_dumps:
                    self.log(f"serve: not swapping in the rebuilt store (still serving): {exc}")
                self._stale_dumps = waiting.version
                return False
            old, self.current = self.current, fresh
            self.swaps += 1
            self.log(
                f"serve: now serving version {fresh.version[:12]} ({fresh.meta.quads} quads) "
                f"in place of {old.version[:12] if old else '-'}; ready in "
                f"{time.perf_counter() - start:.2f} s"
            )
            if old is not None:
                task = asyncio.get_running_loop().create_task(self._retire(old))
                self._retiring.add(task)
                task.add_done_callback(self._retiring.discard)
            return True

    async def _retire(self, generation: Generation) -> None:
        generation.retired = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.timeout + 30
        while generation.users and loop.time() < deadline:
            await asyncio.sleep(0.05)
        await generation.pool.close(grace=self.config.timeout)
        await asyncio.to_thread(shutil.rmtree, generation.folder, True)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.config.reload_interval)
            try:
                await self.reload()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.log(f"serve: could not swap in the rebuilt store (still serving): {exc}")

    async def close(self) -> None:
        """Stop watching, and close every generation."""
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watcher
        for task in list(self._retiring):
            with contextlib.suppress(Exception):
                await task
        if self.current is not None:
            await self.current.pool.close(grace=1.0)
            shutil.rmtree(self.current.folder, ignore_errors=True)
            self.current = None
