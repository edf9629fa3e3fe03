"""Time every named query: embedded pyoxigraph store vs rdflib in memory (and oxrdflib if present).

    python bench/bench_queries.py [--data DIR] [--repeat N]

Each engine loads the same N-Quads (the record graphs of data/) and answers each named query
with the parameters of its header's example, bound the same way (a VALUES block). rdflib parses
the query text on every call, as `Graph.query(str)` does; "rdflib-prep" is the same dataset
with the query parsed once beforehand (``prepareQuery``). Times are the median of N runs after
one warm-up run; the row counts must agree across engines.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from consortia_kg.pipeline import load_and_build
from consortia_kg.query.named import (
    NamedQuery,
    bind_query,
    list_queries,
    parse_param_assignments,
)
from consortia_kg.serialize import serialize_nquads
from consortia_kg.vocab import resolve_base_iri

ROOT = Path(__file__).resolve().parent.parent


def example_params(query: NamedQuery) -> dict[str, str]:
    args = shlex.split(query.examples[0])
    return parse_param_assignments(
        args[i + 1] for i, arg in enumerate(args) if arg in ("--param", "-p")
    )


def timed(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Return the median seconds of ``repeat`` runs after a warm-up, and the last result."""
    result = func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def load_pyoxigraph(nquads: bytes) -> ox.Store:
    store = ox.Store()
    store.load(nquads, format=ox.RdfFormat.N_QUADS)
    return store


def load_rdflib(nquads: bytes, store: str = "default") -> Any:
    import rdflib

    dataset = rdflib.Dataset(store=store, default_union=True)
    dataset.parse(data=nquads, format="nquads")
    return dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    base = resolve_base_iri()
    run = load_and_build(args.data, base)
    assert run.built is not None
    nquads = serialize_nquads(run.built.quads)
    print(f"data: {args.data} — {len(run.built.quads)} quads in {len(run.built.graphs)} graphs")

    engines: dict[str, tuple[Callable[[], Any], Callable[[Any, str], int]]] = {
        "pyoxigraph": (
            lambda: load_pyoxigraph(nquads),
            lambda store, text: _count(store.query(text, use_default_graph_as_union=True)),
        ),
        "rdflib": (lambda: load_rdflib(nquads), lambda ds, text: _count(ds.query(text))),
        # the same rdflib dataset, the query parsed once beforehand (rdflib's parser is slow)
        "rdflib-prep": (lambda: loaded["rdflib"], lambda ds, q: _count(ds.query(q))),
    }
    try:
        import oxrdflib  # noqa: F401

        engines["oxrdflib"] = (
            lambda: load_rdflib(nquads, "Oxigraph"),
            lambda ds, text: _count(ds.query(text)),
        )
    except ImportError:
        print("(oxrdflib is not installed: pip install oxrdflib to add its column)")

    loaded: dict[str, Any] = {}
    load_times: dict[str, float] = {}
    for name, (load, _) in engines.items():
        if name == "rdflib-prep":
            loaded[name], load_times[name] = loaded["rdflib"], load_times["rdflib"]
            continue
        load_times[name], loaded[name] = timed(load, max(3, args.repeat // 4))

    rows: list[tuple[str, int, dict[str, float]]] = []
    for query in list_queries():
        params = example_params(query)
        text = bind_query(query.text, query.bindings(params, base))
        times: dict[str, float] = {}
        counts: dict[str, int] = {}
        for name, (_, ask) in engines.items():
            store = loaded[name]
            sent: Any = text
            if name == "rdflib-prep":
                from rdflib.plugins.sparql import prepareQuery

                sent = prepareQuery(text)
            times[name], counts[name] = timed(lambda s=store, a=ask, q=sent: a(s, q), args.repeat)
        if len(set(counts.values())) != 1:
            raise SystemExit(f"{query.name}: engines disagree on the row count: {counts}")
        rows.append((query.name, next(iter(counts.values())), times))

    names = list(engines)
    width = max(len(r[0]) for r in rows)
    header = f"{'query'.ljust(width)}  rows  " + "  ".join(f"{n:>11}" for n in names)
    if "rdflib" in names:
        header += "  rdflib/pyoxigraph"
    print()
    print(header)
    print("-" * len(header))
    print(
        f"{'(load the N-Quads)'.ljust(width)}  {'':>4}  "
        + "  ".join(f"{load_times[n] * 1000:>8.2f} ms" for n in names)
        + f"  {load_times['rdflib'] / load_times['pyoxigraph']:>16.1f}×"
    )
    for name, count, times in rows:
        line = f"{name.ljust(width)}  {count:>4}  " + "  ".join(
            f"{times[n] * 1000:>8.2f} ms" for n in names
        )
        line += f"  {times['rdflib'] / times['pyoxigraph']:>16.1f}×"
        print(line)
    total = {n: sum(t[n] for _, _, t in rows) for n in names}
    print("-" * len(header))
    print(
        f"{'all queries'.ljust(width)}  {'':>4}  "
        + "  ".join(f"{total[n] * 1000:>8.2f} ms" for n in names)
        + f"  {total['rdflib'] / total['pyoxigraph']:>16.1f}×"
    )
    print(f"\nmedian of {args.repeat} runs each after a warm-up")


def _count(result: Any) -> int:
    """Consume a result fully and return its size (rows, triples, or 1 for ASK)."""
    if isinstance(result, ox.QueryBoolean) or isinstance(getattr(result, "askAnswer", None), bool):
        return 1
    return sum(1 for _ in result)


if __name__ == "__main__":
    main()
