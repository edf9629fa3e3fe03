"""The embedded store and query results: one ``execute()`` whether the graph is local or remote.

The store is a persistent pyoxigraph (RocksDB) store on disk, by default ``dist/store`` beside
the dumps, laid out as::

    dist/store/meta.json     what it holds: the data's version, base IRI, builder and counts
    dist/store/oxigraph/     the Oxigraph database, one named graph per record
    dist/store/quads.nq      the N-Quads it was loaded from by ``build`` (a hard link to the
                             dump's file), read by ``EmbeddedStore.open(memory=True)``

It is filled (by the pipeline: ``build``, or ``query`` and ``serve`` when it is missing or
stale) into a fresh folder that then replaces the old one, so a reader never sees a half-filled
store; it is compacted once filled, and opened read-only for queries. What it holds is told by
its ``meta.json``, written by the pipeline (``consortia_kg.build.manifest`` makes the
fingerprints that decide when it is stale). Queries see the union of all record graphs as their
default graph. This module opens, fills and queries a store: it knows nothing of records, of
how they are built, or of dumps.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyoxigraph as ox

from consortia_kg.atomic import write_atomic
from consortia_kg.errors import InputError
from consortia_kg.paths import DEFAULT_OUTPUT_DIR
from consortia_kg.serialize import serialize_boolean, serialize_graph, serialize_solutions
from consortia_kg.sparqltext import has_dataset_clause, query_form

__all__ = [
    "DEFAULT_STORE_DIR",
    "STORE_DIRNAME",
    "AskResult",
    "EmbeddedStore",
    "GraphResult",
    "QueryResult",
    "QuerySyntaxError",
    "QueryTarget",
    "SelectResult",
    "StoreMeta",
    "fill_quads",
    "load_store",
    "read_meta",
]

#: The store's folder inside the output folder of ``build``.
STORE_DIRNAME = "store"
DEFAULT_STORE_DIR = DEFAULT_OUTPUT_DIR / STORE_DIRNAME
#: Bumped when the store's layout changes, so an old store is refilled.
_LAYOUT = 1
_META = "meta.json"
_DB = "oxigraph"
#: the N-Quads the store was loaded from, when it was (a hard link to the dump's file)
_NQUADS = "quads.nq"


# --- results (their formats are consortia_kg.formats' and written by consortia_kg.serialize) --


class QuerySyntaxError(InputError):
    """A query that does not parse: the message names the line and column."""


def _bytes(data: bytes | None) -> bytes:
    """Return what a pyoxigraph serializer wrote (it writes bytes when given no output)."""
    if data is None:
        raise TypeError("the serializer wrote to an output instead of returning bytes")
    return data


def _short(term: Any, prefixes: Sequence[tuple[str, str]]) -> str:
    if isinstance(term, ox.NamedNode):
        for prefix, ns in prefixes:
            if term.value.startswith(ns) and len(term.value) > len(ns):
                return f"{prefix}:{term.value[len(ns) :]}"
        return term.value
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


class SelectResult:
    """The solutions of a SELECT query.

    Built either from SPARQL JSON results (``SelectResult(payload)``, what a remote endpoint
    answers) or from pyoxigraph's own solutions (``SelectResult.of(solutions)``, the embedded
    store), which are read once, only into the form that is asked for: rows (terms) for the API
    and the table, SPARQL JSON for the result formats. No JSON is written to read rows back.
    """

    form = "SELECT"

    def __init__(self, payload: bytes | None = None) -> None:
        self._payload = payload
        self._live: ox.QuerySolutions | None = None
        self._rows: list[dict[str, Any]] | None = None
        self._variables: list[str] | None = None

    @classmethod
    def of(cls, solutions: ox.QuerySolutions) -> SelectResult:
        """Wrap solutions pyoxigraph has not yet read (they are read at most once)."""
        result = cls()
        result._live = solutions
        result._variables = [v.value for v in solutions.variables]
        return result

    def __repr__(self) -> str:
        return f"SelectResult(variables={self.variables!r})"

    @property
    def payload(self) -> bytes:
        """Return the solutions as SPARQL JSON results."""
        if self._payload is None:
            if self._live is not None:
                live, self._live = self._live, None
                self._payload = _bytes(live.serialize(format=ox.QueryResultsFormat.JSON))
            else:
                self._payload = _json_results(self.variables, self.rows)
        return self._payload

    def _solutions(self) -> ox.QuerySolutions:
        solutions = ox.parse_query_results(self.payload, format=ox.QueryResultsFormat.JSON)
        if not isinstance(solutions, ox.QuerySolutions):
            raise TypeError("a SELECT result holds solutions, not a boolean")
        return solutions

    @property
    def variables(self) -> list[str]:
        """Return the projected variables, in query order."""
        if self._variables is None:
            self._variables = [v.value for v in self._solutions().variables]
        return self._variables

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Return each solution as variable name → pyoxigraph term (unbound ones left out)."""
        if self._rows is None:
            if self._live is not None:
                solutions, self._live = self._live, None
            else:
                solutions = self._solutions()
            names = [v.value for v in solutions.variables]
            self._variables = names
            rows = []
            for solution in solutions:
                row = {}
                for name in names:
                    term = solution[name]
                    if term is not None:
                        row[name] = term
                rows.append(row)
            self._rows = rows
        return self._rows

    def serialize(self, fmt: str, prefixes: Sequence[tuple[str, str]] = ()) -> bytes:
        """Write the solutions as table, csv, tsv, json or xml."""
        if fmt == "table":
            return format_table(self.variables, self.rows, prefixes).encode()
        return serialize_solutions(self._solutions(), fmt)


def _json_term(term: Any) -> dict[str, Any]:
    """Return a term as SPARQL 1.1 JSON results write it."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            direction = getattr(term, "direction", None)
            if direction:
                out["its:dir"] = str(direction).lower().rsplit(".", 1)[-1]
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


def _json_results(variables: Sequence[str], rows: Sequence[dict[str, Any]]) -> bytes:
    """Write rows of terms as SPARQL JSON results (read back by pyoxigraph to serialise)."""
    bindings = [{name: _json_term(term) for name, term in row.items()} for row in rows]
    doc = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class AskResult:
    """The answer of an ASK query."""

    value: bool
    form: str = "ASK"

    @property
    def variables(self) -> list[str]:
        """Return the single column the table shows."""
        return ["ask"]

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Return one row holding the boolean."""
        boolean = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
        return [{"ask": ox.Literal("true" if self.value else "false", datatype=boolean)}]

    def serialize(self, fmt: str, prefixes: Sequence[tuple[str, str]] = ()) -> bytes:
        """Write the answer: ``true``/``false`` for table, csv and tsv; the standard forms else."""
        return serialize_boolean(self.value, fmt)


@dataclass
class GraphResult:
    """The triples of a CONSTRUCT or DESCRIBE query."""

    triples: list[ox.Triple]
    form: str = "CONSTRUCT"

    def serialize(self, fmt: str, base: str) -> bytes:
        """Write the triples as sorted Turtle, JSON-LD or N-Triples (as the dumps are)."""
        return serialize_graph(self.triples, fmt, base)


QueryResult = SelectResult | AskResult | GraphResult


def format_table(
    variables: Sequence[str], rows: Sequence[dict[str, Any]], prefixes: Sequence[tuple[str, str]]
) -> str:
    """Align solutions in columns for a terminal; IRIs shortened, long values cut at 60."""

    def cell(term: Any) -> str:
        if term is None:
            return ""
        text = " ".join(_short(term, prefixes).split())
        return text if len(text) <= 60 else text[:59] + "…"

    table = [list(variables)] + [[cell(row.get(v)) for v in variables] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(variables))]
    lines = []
    for index, line in enumerate(table):
        lines.append("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


class QueryTarget(Protocol):
    """Anything a query can run against: the embedded store or a remote endpoint."""

    def execute(self, text: str, where: str = "query") -> QueryResult:
        """Run a SPARQL query and return its result; ``where`` names it in error messages."""


def syntax_error(exc: SyntaxError, text: str, where: str = "query") -> QuerySyntaxError:
    """Turn pyoxigraph's ``error at L:C: …`` into a message that shows the line and a caret."""
    import re

    message = str(exc)
    match = re.match(r"error at (\d+):(\d+): (.*)", message, re.DOTALL)
    if not match:
        return QuerySyntaxError(f"{where}: SPARQL syntax error: {message}")
    line, column, what = int(match[1]), int(match[2]), " ".join(match[3].split())
    lines = text.splitlines() or [""]
    shown = lines[line - 1] if 0 < line <= len(lines) else ""
    hint = "see https://www.w3.org/TR/sparql11-query/#grammar"
    if "Prefix not found" in what:
        prefix = re.search(r"([A-Za-z][\w.-]*)?:[^\s]*\s*$", shown[: column - 1])
        name = (prefix[1] or "") if prefix else ""
        what = f"the prefix {name}: is not declared"
        hint = f"add PREFIX {name}: <…> before the query (see the named queries for ours)"
    else:
        expected = re.match(r"expected one of (.*)", what)
        if expected and len(expected[1].split(", ")) > 8:
            options = expected[1].split(", ")
            what = f"expected one of {', '.join(options[:8])}, … ({len(options)} in all)"
    caret = " " * (max(column, 1) - 1) + "^"
    return QuerySyntaxError(
        f"{where}:{line}:{column}: SPARQL syntax error: {what}\n    {shown}\n    {caret}",
        hint=hint,
    )


class EmbeddedStore:
    """A pyoxigraph store whose default graph is the union of every record graph."""

    def __init__(self, store: ox.Store, meta: StoreMeta | None = None) -> None:
        self.store, self.meta = store, meta

    @classmethod
    def in_memory(cls, built: HasQuads | Iterable[ox.Quad]) -> EmbeddedStore:
        """Load quads (or a built graph, which has them) into a store in memory (no disk)."""
        store = ox.Store()
        store.bulk_extend(built.quads if isinstance(built, HasQuads) else built)
        return cls(store)

    @classmethod
    def open(cls, store_dir: Path, memory: bool = False) -> EmbeddedStore:
        """Open a filled store read-only; ``memory`` copies it into memory first.

        In memory, queries run as fast as on a ``pyoxigraph.Store()`` of the dump (the store
        on disk is 1-5x slower per query, more where a query sorts many rows), at the price
        of a load (about 3 s and 0.6 GiB per million quads) each time a store is opened: worth
        it in a long session that runs heavy queries, not for one query.
        """
        meta = read_meta(store_dir)
        if meta is None:
            raise InputError(
                f"{store_dir} holds no filled store", hint="run consortia-kg build first"
            )
        try:
            store = ox.Store.read_only(str(store_dir / _DB))
        except OSError as exc:
            raise InputError(
                f"cannot open the store in {store_dir}: {exc}",
                hint=f"delete {store_dir} and run the command again to refill it",
            ) from None
        if memory:
            store = _into_memory(store, store_dir / _NQUADS)
        return cls(store, meta)

    def execute(self, text: str, where: str = "query") -> QueryResult:
        """Run a query; a syntax error names its line and column.

        The text is checked first (:func:`consortia_kg.query.guard.check_local`): one too large
        or too deep for pyoxigraph's parser, a ``SERVICE`` (it would fetch) or an update is
        refused before pyoxigraph reads it.
        """
        from .guard import check_local, update_refusal

        check_local(text)
        try:
            # a query's own FROM / FROM NAMED names its dataset; pyoxigraph would ignore it
            # under the union default graph, so the union is only the default without one
            result = self.store.query(text, use_default_graph_as_union=not _has_dataset(text))
        except SyntaxError as exc:
            refused = update_refusal(text)
            if refused is not None:
                raise QuerySyntaxError(
                    f"{where}: {refused.message.replace('this endpoint is', 'queries are')}",
                    hint="run SELECT, ASK, CONSTRUCT or DESCRIBE; change the records under data/ "
                    "instead of the store",
                ) from None
            raise syntax_error(exc, text, where) from None
        if isinstance(result, ox.QuerySolutions):
            return SelectResult.of(result)
        if isinstance(result, ox.QueryBoolean):
            return AskResult(bool(result))
        return GraphResult(list(result), form=query_form(text))


def _has_dataset(text: str) -> bool:
    """Return True when the query has a FROM or FROM NAMED clause (lexed, not guessed)."""
    return has_dataset_clause(text)


@runtime_checkable
class HasQuads(Protocol):
    """Anything that holds its quads in a list, as a built graph does."""

    @property
    def quads(self) -> list[ox.Quad]:
        """Return the quads."""


# --- the store on disk -----------------------------------------------------------------------


@dataclass(frozen=True)
class StoreMeta:
    """What a store on disk holds; written once it is completely filled."""

    version: str
    base: str
    builder: str
    quads: int
    graphs: int
    #: a quick hash of the record files' bytes, set once a load has shown they give ``version``
    fingerprint: str = ""
    layout: int = _LAYOUT


def read_meta(store_dir: Path) -> StoreMeta | None:
    """Return the store's description, or None when there is no complete store."""
    try:
        raw = json.loads((store_dir / _META).read_text(encoding="utf-8"))
        meta = StoreMeta(**raw)
    except (OSError, ValueError, TypeError):
        return None
    if meta.layout != _LAYOUT or not (store_dir / _DB).is_dir():
        return None
    return meta


def write_meta(store_dir: Path, meta: StoreMeta) -> None:
    """Replace the store's description atomically."""
    write_atomic(store_dir / _META, (json.dumps(asdict(meta), indent=1) + "\n").encode())


@contextlib.contextmanager
def _lock(store_dir: Path) -> Iterator[None]:
    """Let one process at a time refill a store (where the platform has ``fcntl``)."""
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: last writer wins
        yield
        return
    with open(store_dir.parent / f".{store_dir.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fill_quads(quads: Iterable[ox.Quad], store_dir: Path, meta: StoreMeta) -> StoreMeta:
    """Load quads (what ``meta`` describes) into a new store in place of ``store_dir``."""
    return _fill(store_dir, meta, lambda store: store.bulk_extend(quads))


def load_store(
    nquads: Path,
    store_dir: Path,
    meta: StoreMeta,
    before_swap: Callable[[], None] | None = None,
) -> StoreMeta:
    """Load an N-Quads dump (what ``meta`` describes) into a new store in place of ``store_dir``.

    The bulk loader parses in Rust: no quad becomes a Python object. ``before_swap`` is called
    once the new store is complete, before it replaces the old one (the pipeline waits there
    for the dumps of the same version to be in place); if it raises, the old store stays.
    """
    return _fill(
        store_dir,
        meta,
        lambda store: store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS),
        nquads,
        before_swap,
    )


def _into_memory(disk: ox.Store, nquads: Path) -> ox.Store:
    """Return an in-memory copy: the bulk loader reads the store's N-Quads when it has them."""
    memory = ox.Store()
    if nquads.is_file():
        memory.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    else:  # filled from built quads (by query): read the store itself, a few times slower
        memory.bulk_load(input=disk.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
    return memory


def _fill(
    store_dir: Path,
    meta: StoreMeta,
    load: Callable[[ox.Store], None],
    nquads: Path | None = None,
    before_swap: Callable[[], None] | None = None,
) -> StoreMeta:
    with _lock(store_dir):
        fresh = Path(tempfile.mkdtemp(prefix=f".{store_dir.name}.new-", dir=store_dir.parent))
        try:
            if nquads is not None:  # kept (a link, no copy) for EmbeddedStore.open(memory=True)
                with contextlib.suppress(OSError):
                    os.link(nquads, fresh / _NQUADS)
            store = ox.Store(str(fresh / _DB))
            load(store)
            # the loaders leave many overlapping files in RocksDB's first level: every look-up
            # a query makes then probes each of them. Compacting once here makes the store
            # read faster ever after (1.4-2x at 1,000 consortia; bench/README.md).
            store.optimize()
            store.flush()
            del store  # closes the database before the folder moves
            write_meta(fresh, meta)
            if before_swap is not None:
                before_swap()
            old = store_dir.parent / f".{store_dir.name}.old-{os.getpid()}-{time.monotonic_ns()}"
            if store_dir.exists():
                os.replace(store_dir, old)
            os.replace(fresh, store_dir)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
    return meta
