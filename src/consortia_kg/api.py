"""A small Python API for notebooks: open the graph, run a named query, get rows.

    >>> from consortia_kg.api import open_graph
    >>> kg = open_graph()                       # data/ → dist/store, built when needed
    >>> rows = kg.query("working-groups", consortium="ga4gh")
    >>> [r["name"] for r in rows.records()][:2]
    ['Clinical & Phenotypic Data Capture', 'Cloud']
    >>> rows.to_dataframe()                     # when pandas is installed

``open_graph(endpoint="https://…/sparql")`` asks a remote SPARQL endpoint instead, with the
same queries and the same rows. The CLI's ``query`` command runs through the same functions.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from consortia_kg.build.graph import BuiltGraph
from consortia_kg.errors import InputError
from consortia_kg.iris import kind_namespaces
from consortia_kg.paths import DEFAULT_DATA_DIR
from consortia_kg.pipeline import bring_up_to_date, check_buildable, load_and_build
from consortia_kg.query.named import (
    NamedQuery,
    bind_query,
    find_query,
    list_queries,
    query_from_text,
)
from consortia_kg.query.store import (
    DEFAULT_STORE_DIR,
    EmbeddedStore,
    GraphResult,
    QueryResult,
    QuerySyntaxError,
    QueryTarget,
)
from consortia_kg.vocab import PREFIXES, resolve_base_iri

__all__ = [
    "Graph",
    "Rows",
    "build_checked",
    "display_prefixes",
    "open_graph",
    "prepare_store",
    "run_query",
]

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def build_checked(data_dir: Path, base: str, progress: Progress = _quiet) -> BuiltGraph:
    """Load and build the records and registry snapshots; refuse (as ``build`` does) on errors."""
    run = load_and_build(data_dir, base, progress, registries=True)
    check_buildable(run, data_dir)
    assert run.built is not None
    return run.built


def prepare_store(
    data_dir: Path = DEFAULT_DATA_DIR,
    store_dir: Path = DEFAULT_STORE_DIR,
    base_iri: str | None = None,
    progress: Progress = _quiet,
    memory: bool = False,
) -> EmbeddedStore:
    """Open the store for ``data_dir``, filling it first when it is missing or stale.

    A quick hash of the record files' bytes decides without parsing them (the pipeline's
    ``bring_up_to_date``); when it differs, the store is refilled, streamed. ``memory``
    copies the store into memory (see ``EmbeddedStore.open``).
    """
    try:
        # streamed (records → sorted N-Quads → bulk load): memory stays flat at any size
        run = bring_up_to_date(data_dir, store_dir=store_dir, base_iri=base_iri, progress=progress)
    except OSError as exc:
        raise InputError(
            f"cannot write the store in {store_dir}: {exc.strerror or exc}",
            hint="pass --store DIR with a folder you can write to",
        ) from None
    check_buildable(run, data_dir)
    return _open(store_dir, memory, progress)


def _open(store_dir: Path, memory: bool, progress: Progress) -> EmbeddedStore:
    if not memory:
        return EmbeddedStore.open(store_dir)
    start = time.perf_counter()
    store = EmbeddedStore.open(store_dir, memory=True)
    progress(f"store: copied into memory in {time.perf_counter() - start:.2f} s")
    return store


def display_prefixes(base: str) -> list[tuple[str, str]]:
    """Return the prefixes a table shortens IRIs with, longest namespace first."""
    kinds = ("consortium", "organisation", "source", "graph", "disease", "role")
    pairs = {"kg": base, **PREFIXES, **kind_namespaces(base, kinds)}
    return sorted(pairs.items(), key=lambda kv: -len(kv[1]))


def run_query(
    target: QueryTarget, query: NamedQuery, params: Mapping[str, str], base: str
) -> QueryResult:
    """Bind the parameters (as RDF terms) and run the query against the target."""
    bindings = query.bindings(params, base)
    text = bind_query(query.text, bindings)
    where = _where(query)
    try:
        return target.execute(text, where)
    except QuerySyntaxError:
        if text == query.text:
            raise
        # report the position in the file as written, not in the bound text
        EmbeddedStore(ox.Store()).execute(query.text, where)
        raise


def _where(query: NamedQuery) -> str:
    if query.path.name.startswith("<"):
        return "--sparql"
    return _where_in(query.path, os.getcwd())


@functools.lru_cache(maxsize=128)
def _where_in(path: Path, cwd: str) -> str:
    """Name a query file for error messages: relative to ``cwd`` when under it (cached)."""
    try:
        return str(path.resolve().relative_to(cwd))
    except ValueError:
        return str(path)


# --- notebook objects ------------------------------------------------------------------------

_NUMERIC = {
    "http://www.w3.org/2001/XMLSchema#integer": int,
    "http://www.w3.org/2001/XMLSchema#int": int,
    "http://www.w3.org/2001/XMLSchema#long": int,
    "http://www.w3.org/2001/XMLSchema#decimal": float,
    "http://www.w3.org/2001/XMLSchema#double": float,
    "http://www.w3.org/2001/XMLSchema#float": float,
}


def python_value(term: Any) -> Any:
    """Return a plain Python value for a term: numbers and booleans typed, the rest as text."""
    if isinstance(term, ox.Literal):
        convert = _NUMERIC.get(term.datatype.value)
        if convert is not None:
            try:
                return convert(term.value)
            except ValueError:
                return term.value
        if term.datatype.value == "http://www.w3.org/2001/XMLSchema#boolean":
            return term.value in ("true", "1")
        return term.value
    if term is None:
        return None
    return term.value if hasattr(term, "value") else str(term)


@dataclass
class Rows:
    """The answer to a query: its columns and rows, as terms or as plain values."""

    result: QueryResult

    @property
    def variables(self) -> list[str]:
        """Return the column names (empty for CONSTRUCT and DESCRIBE)."""
        return [] if isinstance(self.result, GraphResult) else self.result.variables

    @property
    def terms(self) -> list[dict[str, Any]]:
        """Return each row as column → pyoxigraph term."""
        if isinstance(self.result, GraphResult):
            return [{"s": t.subject, "p": t.predicate, "o": t.object} for t in self.result.triples]
        return self.result.rows

    def records(self) -> list[dict[str, Any]]:
        """Return each row as column → plain value (None where unbound)."""
        columns = self.variables or ["s", "p", "o"]
        return [{c: python_value(row.get(c)) for c in columns} for row in self.terms]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records())

    def __len__(self) -> int:
        return len(self.terms)

    def to_dataframe(self) -> Any:
        """Return a pandas DataFrame of :meth:`records` (pandas is an optional dependency)."""
        import importlib

        try:
            pandas = importlib.import_module("pandas")
        except ImportError:
            raise ImportError(
                "to_dataframe needs pandas: pip install 'consortia-kg[pandas]' (or use .records())"
            ) from None
        columns = self.variables or ["s", "p", "o"]
        return pandas.DataFrame.from_records(self.records(), columns=columns)


class Graph:
    """The graph, embedded or remote, with the named queries ready to run."""

    def __init__(self, target: QueryTarget, base: str) -> None:
        self.target, self.base = target, base

    def queries(self) -> list[NamedQuery]:
        """Return every named query."""
        return list_queries()

    def query(self, name_or_file: str, **params: Any) -> Rows:
        """Run a named query (or a ``.rq`` file) with keyword parameters."""
        query = find_query(name_or_file)
        values = {k: str(v) for k, v in params.items() if v is not None}
        return Rows(run_query(self.target, query, values, self.base))

    def sparql(self, text: str, **params: Any) -> Rows:
        """Run SPARQL text; ``name=value`` binds ``?name`` (a string; ``name__year=`` types it)."""
        values = {k.replace("__", ":"): str(v) for k, v in params.items() if v is not None}
        return Rows(run_query(self.target, query_from_text(text), values, self.base))


def open_graph(
    data: str | Path = DEFAULT_DATA_DIR,
    *,
    store: str | Path = DEFAULT_STORE_DIR,
    endpoint: str | None = None,
    base_iri: str | None = None,
    timeout: float | None = None,
    verbose: bool = False,
    memory: bool = False,
) -> Graph:
    """Open the embedded store of ``data`` (built when needed), or a remote ``endpoint``.

    ``memory=True`` copies the store into memory once (about 3 s and 0.6 GiB per million
    quads): every query then runs as fast as on a ``pyoxigraph.Store()``, 1-5x faster than on
    disk (much more for a query that sorts many rows); worth it for a session of heavy queries.
    """
    base = resolve_base_iri(base_iri)
    if endpoint is not None:
        # only for a remote endpoint: opening the embedded store needs no sockets nor netrc
        from consortia_kg.query.endpoint import DEFAULT_TIMEOUT, RemoteEndpoint, find_credentials

        remote = RemoteEndpoint(endpoint, timeout or DEFAULT_TIMEOUT, find_credentials(endpoint))
        return Graph(remote, base)
    progress: Progress = print if verbose else _quiet
    return Graph(prepare_store(Path(data), Path(store), base, progress, memory), base)
