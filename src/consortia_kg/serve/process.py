"""A query worker process: holds the store, runs one checked query at a time, writes the answer.

Started by :class:`~consortia_kg.serve.worker.WorkerPool` as ``python -m
consortia_kg.serve.process FD STORE BASE isolate|share-network``. Each worker checks the query
text (:mod:`consortia_kg.query.guard`) before pyoxigraph sees it, caps the rows and writes the
whole answer in the negotiated format through the one writer (:mod:`consortia_kg.serialize`).
On Linux it first moves into a network namespace of its own (no interface is up there), so even
a query the check let through could not open a connection. It imports no web stack.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import traceback
from multiprocessing.connection import Connection
from typing import Any

from consortia_kg.formats import ANSWER_GRAPH_FORMATS, ANSWER_ROW_FORMATS

from .jobs import Job, QueryJob, Ready, Reply, UpdateJob

__all__ = ["answer", "isolate_network", "worker_main"]

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


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


def _too_many(max_rows: int, what: str) -> Reply:
    return Reply(
        400,
        message=f"the answer has more than {max_rows} {what}, this endpoint's cap: "
        "it was not sent (an answer is never cut short)",
        hint="add LIMIT and OFFSET to page through it, or download the whole graph from /dumps/",
    )


def _not_acceptable(form: str) -> Reply:
    formats = ANSWER_ROW_FORMATS if form in ("SELECT", "ASK") else ANSWER_GRAPH_FORMATS
    fits = ", ".join(f.name for f in formats)
    return Reply(
        406,
        message=f"a {form} query's answer cannot be sent in any type the Accept header allows",
        hint=f"accept one of the {form} formats ({fits}) or pass ?format=NAME",
        form=form,
    )


def _execute(store: Any, guard: Any, job: QueryJob, base: str) -> Reply:
    import pyoxigraph as ox

    from consortia_kg.query.guard import Checked, deterministic_text
    from consortia_kg.query.store import syntax_error
    from consortia_kg.serialize import (
        serialize_boolean,
        serialize_graph,
        serialize_solutions_capped,
    )
    from consortia_kg.sparqltext import query_form

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
        written = serialize_solutions_capped(result, job.solution_format, job.max_rows)
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
        body = serialize_boolean(bool(result), fmt)
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
    body = serialize_graph(triples, fmt, base)
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


def answer(store: Any, guard: Any, job: Job, base: str) -> Reply:
    """Answer one job: a checked query or a refused update."""
    from consortia_kg.query.guard import Refused

    try:
        if isinstance(job, UpdateJob):
            refused = guard.check_update(job.text)
            return Reply(refused.status, message=refused.message, hint=refused.hint)
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

    from consortia_kg.query.guard import QueryGuard

    store = ox.Store.read_only(store_path)
    graphs = tuple(sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)))
    guard = QueryGuard(base)
    conn.send(Ready(graphs, isolation, os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        conn.send(answer(store, guard, job, base))


if (
    __name__ == "__main__"
):  # python -m consortia_kg.serve.process FD STORE BASE isolate|share-network
    # through the module's own name, so that what it sends unpickles as ours, not __main__'s
    import importlib

    _process = importlib.import_module("consortia_kg.serve.process")
    _process.worker_main(
        Connection(int(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4] == "isolate"
    )
