"""The benchmark's jobs: one step (or one baseline) at one size, each run in a process of its own.

    python bench/jobs.py JOB WORK N [OPTIONS_JSON] --out RESULT.json

``bench/run.py`` starts one process per job, so that each job's peak memory (read by the parent
with ``os.wait4``) is its own, and writes nothing else. A job times only its own work, after its
imports and its setup; it writes ``{"seconds": …, …}`` to ``--out`` (or ``{"skipped": why}``).
The folder ``WORK`` holds one size: ``data/`` (generated), ``dist/`` (built) and scratch folders.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(BENCH))

Result = dict[str, Any]
JOBS: dict[str, Callable[[Path, int, dict[str, Any]], Result]] = {}

#: Parameter types that name a record: the examples name real records (ga4gh), which generated
#: data does not hold, so these are replaced by a generated record of the same kind.
BENCH_RECORDS = {
    "consortium": "consortium-000001",
    "organisation": "org-000001",
    "source": "bench-generator",
}


def job(name: str) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    def register(func: Callable[..., Result]) -> Callable[..., Result]:
        JOBS[name] = func
        return func

    return register


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    """Return the seconds one call took, and its value."""
    start = time.perf_counter()
    value = func()
    return time.perf_counter() - start, value


class Stages:
    """Collects the pipeline's progress lines ("load: … in 1.00 s") as stage → seconds."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def __call__(self, line: str) -> None:
        name, _, rest = line.partition(":")
        if rest.endswith(" s") and " in " in rest:
            with contextlib.suppress(ValueError):
                self.seconds[name] = float(rest.rsplit(" in ", 1)[1][:-2])


def _limit_memory(gib: float) -> None:
    """Cap this process's address space, so that a runaway baseline fails instead of the box."""
    if gib > 0:
        limit = int(gib * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# --- the steps ---------------------------------------------------------------------------------


@job("generate")
def generate_job(work: Path, n: int, _opts: dict[str, Any]) -> Result:
    from generate import generate

    data = work / "data"
    shutil.rmtree(data, ignore_errors=True)
    seconds, defects = timed(lambda: generate(n, data))
    (work / "defects.json").write_text(json.dumps(defects, indent=1, sort_keys=True) + "\n")
    files = sum(1 for _ in data.rglob("*.yaml"))
    size = sum(p.stat().st_size for p in data.rglob("*.yaml"))
    return {
        "seconds": seconds,
        "records": files,
        "defects": len(defects),
        "data_mib": round(size / (1 << 20), 1),
    }


@job("build")
def build_job(work: Path, _n: int, _opts: dict[str, Any]) -> Result:
    from consortia_kg.pipeline import build_dumps

    dist = work / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    stages = Stages()
    # records → graph → all dumps, as issue 6 defines the build; the store is its own step
    seconds, run = timed(lambda: build_dumps(work / "data", dist, progress=stages, store=False))
    if not run.files:
        first = "; ".join(f"{p.file}:{p.line} {p.message}" for p in run.problems[:3])
        raise RuntimeError(f"build wrote nothing ({len(run.problems)} problems: {first})")
    return {
        "seconds": seconds,
        "quads": run.quads,
        "graphs": run.record_count,
        "dumps_mib": round(sum(p.stat().st_size for p in run.files.values()) / (1 << 20), 1),
        "stages": stages.seconds,
    }


@job("build-baseline")
def build_baseline_job(work: Path, _n: int, _opts: dict[str, Any]) -> Result:
    import pyoxigraph as ox

    nt = work / "dist" / "consortia.nt"
    store = ox.Store()
    seconds, _ = timed(lambda: store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES))
    return {"seconds": seconds, "triples": len(store)}


def _finding_key(problem: Any, data: Path) -> str:
    file = str(problem.file)
    with contextlib.suppress(ValueError):
        file = str(Path(file).resolve().relative_to(data.resolve()))
    return "\t".join((file, str(problem.line), problem.key, problem.message, problem.severity))


def findings_summary(problems: list[Any], work: Path) -> Result:
    """Counts, a digest of every finding (to compare engines) and the known defects found."""
    from generate import DEFECTS

    from consortia_kg.errors import Severity

    keys = sorted(_finding_key(p, work / "data") for p in problems)
    defects: dict[str, str] = {}
    if (work / "defects.json").is_file():
        defects = json.loads((work / "defects.json").read_text())
    found = sum(
        any(Path(p.file).stem == slug and DEFECTS[kind] in p.message for p in problems)
        for slug, kind in defects.items()
    )
    return {
        "findings": len(problems),
        "errors": sum(p.severity == Severity.VIOLATION for p in problems),
        "findings_digest": hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16],
        "defects_found": found,
        "defects": len(defects),
    }


@job("validate")
def validate_job(work: Path, _n: int, opts: dict[str, Any]) -> Result:
    from consortia_kg.pipeline import validate_data

    engine = opts.get("engine", "fast")
    if engine == "pyshacl":
        _limit_memory(float(opts.get("memory_gib", 0)))
    stages = Stages()
    seconds, run = timed(lambda: validate_data(work / "data", engine=engine, progress=stages))
    return {"seconds": seconds, "stages": stages.seconds, **findings_summary(run.problems, work)}


#: The parts of validation ``validate-ror`` times, as (module, function, part): each is looked up
#: by the code that calls it when it is called, so a wrapper put in its module sees every call.
VALIDATE_PARTS = (
    ("pyshacl_turbo", "validate", "shacl-core"),
    ("consortia_kg.validate.sparqlrules", "run_sparql_constraints", "sparql-rules"),
    ("consortia_kg.validate.engine", "_locate", "locate"),
    ("consortia_kg.validate.engine", "without_cascades", "cascades"),
    ("consortia_kg.reconcile", "find_likely_duplicates", "duplicates"),
)


def _time_parts(seconds: dict[str, float]) -> None:
    """Wrap each of :data:`VALIDATE_PARTS` that exists so that its calls add to ``seconds``."""
    import importlib

    for module_name, name, part in VALIDATE_PARTS:
        module = importlib.import_module(module_name)
        func = getattr(module, name, None)
        if func is None:
            continue

        def timed_call(*args: Any, _func: Any = func, _part: str = part, **kw: Any) -> Any:
            start = time.perf_counter()
            try:
                return _func(*args, **kw)
            finally:
                seconds[_part] = seconds.get(_part, 0.0) + time.perf_counter() - start

        setattr(module, name, timed_call)


@job("validate-ror")
def validate_ror_job(work: Path, _n: int, opts: dict[str, Any]) -> Result:
    """``consortia-kg validate`` of ``work/data`` (bench/validate_scale.py), by stage and part.

    ``opts["src"]`` names another source tree to measure (the baseline code); the JSON report is
    written to ``opts["report"]`` and its SHA-256 returned, to compare findings byte for byte.
    """
    if opts.get("src"):
        assert "consortia_kg" not in sys.modules
        sys.path.insert(0, str(opts["src"]))
    from consortia_kg.pipeline import validate_data
    from consortia_kg.validate.report import format_report

    parts: dict[str, float] = {}
    _time_parts(parts)
    stages = Stages()
    seconds, run = timed(lambda: validate_data(work / "data", progress=stages))
    report = format_report(run.problems, run.record_count, "json")
    if opts.get("report"):
        Path(opts["report"]).write_text(report, encoding="utf-8")
    return {
        "seconds": seconds,
        "stages": stages.seconds | {k: round(v, 4) for k, v in parts.items()},
        "records": run.record_count,
        "findings": len(run.problems),
        "report_sha256": hashlib.sha256(report.encode()).hexdigest(),
    }


@job("store")
def store_job(work: Path, _n: int, _opts: dict[str, Any]) -> Result:
    """Records → the query store, streamed (what `query` does on a fresh clone); kept for the
    query and endpoint steps."""
    from consortia_kg.pipeline import build_store

    target = work / "dist" / "store"
    shutil.rmtree(target, ignore_errors=True)
    stages = Stages()
    seconds, run = timed(lambda: build_store(work / "data", target, progress=stages))
    return {"seconds": seconds, "quads": run.quads, "stages": stages.seconds}


@job("store-baseline")
def store_baseline_job(work: Path, _n: int, _opts: dict[str, Any]) -> Result:
    import pyoxigraph as ox

    nq = work / "dist" / "consortia.nq"
    target = work / "scratch" / "oxigraph"
    shutil.rmtree(target.parent, ignore_errors=True)
    target.mkdir(parents=True)

    def load() -> int:
        store = ox.Store(str(target))
        store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
        store.flush()
        return len(store)

    seconds, quads = timed(load)
    shutil.rmtree(target.parent, ignore_errors=True)
    return {"seconds": seconds, "quads": quads}


def bench_params(query: Any) -> dict[str, str]:
    """The query's example parameters, a record-naming one replaced by a generated record."""
    from bench_queries import example_params

    params = example_params(query) if query.examples else {}
    for name in params:
        param = query.param(name)
        if param is not None and param.type in BENCH_RECORDS:
            params[name] = BENCH_RECORDS[param.type]
    return params


def _median_runs(func: Callable[[], int], repeat: int, budget: float) -> Result:
    """Median of up to ``repeat`` runs after a warm-up, fewer when one run is slow."""
    from bench_queries import timed as median_timed

    warm, _ = timed(func)
    runs = max(1, min(repeat, int(budget / max(warm, 1e-6))))
    seconds, rows = median_timed(func, runs)
    return {"seconds": seconds, "rows": rows, "runs": runs}


@job("queries")
def queries_job(work: Path, _n: int, opts: dict[str, Any]) -> Result:
    """Every named query through the package (bind, run on the store on disk, rows)."""
    from bench_queries import _count

    from consortia_kg.api import Rows, run_query
    from consortia_kg.query.named import bind_query, list_queries
    from consortia_kg.query.store import EmbeddedStore
    from consortia_kg.vocab import resolve_base_iri

    base = resolve_base_iri(None)
    target = EmbeddedStore.open(work / "dist" / "store")
    out: dict[str, Result] = {}
    for query in list_queries():
        params = bench_params(query)

        def ask(q: Any = query, p: dict[str, str] = params) -> int:
            return len(Rows(run_query(target, q, p, base)).terms)

        # the same bound text straight on the same store: what is storage, what is ours
        text = bind_query(query.text, query.bindings(params, base))

        def raw(t: str = text) -> int:
            return _count(target.store.query(t, use_default_graph_as_union=True))

        figures = _median_runs(ask, opts["repeat"], opts["budget"])
        same_store = _median_runs(raw, opts["repeat"], opts["budget"])
        out[query.name] = {"params": params, **figures, "same_store_seconds": same_store["seconds"]}
    return {"seconds": sum(r["seconds"] for r in out.values()), "queries": out}


@job("queries-baseline")
def queries_baseline_job(work: Path, _n: int, opts: dict[str, Any]) -> Result:
    """The same query texts, bound the same way, on a pyoxigraph Store loaded directly."""
    import pyoxigraph as ox
    from bench_queries import _count

    from consortia_kg.query.named import bind_query, list_queries
    from consortia_kg.vocab import resolve_base_iri

    base = resolve_base_iri(None)
    store = ox.Store()
    load_seconds, _ = timed(
        lambda: store.bulk_load(
            path=str(work / "dist" / "consortia.nq"), format=ox.RdfFormat.N_QUADS
        )
    )
    out: dict[str, Result] = {}
    for query in list_queries():
        params = bench_params(query)
        text = bind_query(query.text, query.bindings(params, base))

        def ask(t: str = text) -> int:
            return _count(store.query(t, use_default_graph_as_union=True))

        out[query.name] = _median_runs(ask, opts["repeat"], opts["budget"])
    return {
        "seconds": sum(r["seconds"] for r in out.values()),
        "load_seconds": load_seconds,
        "queries": out,
    }


@job("endpoint")
def endpoint_job(work: Path, _n: int, opts: dict[str, Any]) -> Result:
    """Requests/s and latency of one server (ours, oxigraph serve or rdflib-endpoint)."""
    from servers import measure_server

    return measure_server(work, opts)


@job("revalidate")
def revalidate_job(work: Path, _n: int, _opts: dict[str, Any]) -> Result:
    """Validate everything once, change one record, and time validating that change."""
    try:
        from consortia_kg.session import ValidationSession  # type: ignore[import-not-found]
    except ImportError as exc:
        return {"skipped": f"not available: consortia_kg.session.ValidationSession ({exc})"}
    data = work / "data"
    defects = json.loads((work / "defects.json").read_text())
    slug = next(
        f"consortium-{i:06d}" for i in range(1, 10**7) if f"consortium-{i:06d}" not in defects
    )
    path = data / "consortia" / f"{slug}.yaml"
    original = path.read_text()
    launched = next(
        line.split('"')[1] for line in original.splitlines() if line.startswith("year_launched:")
    )
    # a known defect: launched after its last update, which the revalidation must now report
    changed = "\n".join(
        f'last_updated: "{int(launched) - 1}-06-01"' if line.startswith("last_updated:") else line
        for line in original.splitlines()
    )
    session = ValidationSession(data)
    all_seconds, before = timed(session.validate_all)
    try:
        path.write_text(changed + "\n")
        seconds, after = timed(lambda: session.revalidate(path))
    finally:
        path.write_text(original)
    back_seconds, back = timed(lambda: session.revalidate(path))
    from generate import DEFECTS

    found = any(
        Path(p.file).stem == slug and DEFECTS["launch-after-update"] in p.message for p in after
    )
    return {
        "seconds": seconds,
        "baseline_seconds": all_seconds,
        "record": f"consortia/{slug}.yaml",
        "findings_before": len(before),
        "findings_after": len(after),
        "change_found": found,
        "restore_seconds": back_seconds,
        # undone, the record's findings are those the full validation gave it
        "restored_same": sorted(map(repr, back))
        == sorted(repr(p) for p in before if Path(p.file).stem == slug),
    }


# --- the real default graph (bench/real.py): WORK holds dist/, DATA is opts["data"] ----------


@job("real-build")
def real_build_job(work: Path, _n: int, opts: dict[str, Any]) -> Result:
    """`consortia-kg build`: records and registry snapshots → every dump and the store."""
    from consortia_kg.pipeline import build_dumps

    dist = work / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    stages = Stages()
    seconds, run = timed(lambda: build_dumps(Path(opts["data"]), dist, progress=stages))
    if not run.files:
        first = "; ".join(f"{p.file}:{p.line} {p.message}" for p in run.problems[:3])
        raise RuntimeError(f"build wrote nothing ({len(run.problems)} problems: {first})")
    return {
        "seconds": seconds,
        "quads": run.quads,
        "records": run.record_count,
        "dumps_mib": round(sum(p.stat().st_size for p in run.files.values()) / (1 << 20), 1),
        "stages": stages.seconds,
    }


@job("real-build-baseline")
def real_build_baseline_job(work: Path, _n: int, _opts: dict[str, Any]) -> Result:
    """pyoxigraph alone: a store on disk bulk-loaded from the build's N-Quads, optimised."""
    import pyoxigraph as ox

    target = work / "scratch" / "raw-store"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    nq = str(work / "dist" / "consortia.nq")

    def fill() -> tuple[float, float, int]:
        store = ox.Store(str(target))
        load, _ = timed(lambda: store.bulk_load(path=nq, format=ox.RdfFormat.N_QUADS))
        rest, _ = timed(lambda: (store.flush(), store.optimize()))
        return load, rest, len(store)

    load, rest, quads = fill()  # the store is closed when fill returns
    shutil.rmtree(target, ignore_errors=True)
    return {"seconds": load + rest, "load_seconds": load, "quads": quads}


@job("real-validate")
def real_validate_job(_work: Path, _n: int, opts: dict[str, Any]) -> Result:
    """`consortia-kg validate`: read, build, map the snapshots, SHACL, likely duplicates."""
    from consortia_kg.errors import Severity
    from consortia_kg.pipeline import validate_data

    stages = Stages()
    seconds, run = timed(lambda: validate_data(Path(opts["data"]), progress=stages))
    errors = sum(p.severity == Severity.VIOLATION for p in run.problems)
    return {"seconds": seconds, "stages": stages.seconds, "findings": len(run.problems),
            "errors": errors}  # fmt: skip


@job("real-validate-baseline")
def real_validate_baseline_job(_work: Path, _n: int, opts: dict[str, Any]) -> Result:
    """What validating needs before SHACL: the records read and built, the snapshots mapped."""
    from consortia_kg.pipeline import load_and_build

    seconds, run = timed(lambda: load_and_build(Path(opts["data"])))
    return {"seconds": seconds, "problems": len(run.problems)}


def _read_csv(path: Path) -> int:
    import csv
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle))


def _read_polars(path: Path) -> int:
    import polars as pl  # type: ignore[import-not-found]

    return pl.read_csv(path, infer_schema=False).height + 1


@job("real-mapping")
def real_mapping_job(_work: Path, _n: int, opts: dict[str, Any]) -> Result:
    """Each registry snapshot mapped, beside reading its CSV files (csv module; polars)."""
    import importlib.util

    from consortia_kg.registries import map_snapshots, registry_sources
    from consortia_kg.vocab import resolve_base_iri

    data, base = Path(opts["data"]), resolve_base_iri(None)
    polars = importlib.util.find_spec("polars") is not None
    out: dict[str, Result] = {}
    for snapshot in registry_sources(data):
        files = [f.path for _, f in sorted(snapshot.files.items())]
        csv_seconds, rows = timed(lambda f=files: sum(_read_csv(p) for p in f))
        polars_seconds = None
        if polars:
            polars_seconds, _ = timed(lambda f=files: sum(_read_polars(p) for p in f))
        out[snapshot.id] = {"csv_seconds": csv_seconds, "csv_rows": rows,
                            "polars_seconds": polars_seconds}  # fmt: skip
    # map_snapshots maps every snapshot and times each one itself
    seconds, mapped = timed(lambda: map_snapshots(data, base))
    for result in mapped:
        if result.id in out:
            out[result.id] |= {"seconds": result.seconds, "quads": result.quads,
                               "summary": result.summary}  # fmt: skip
    return {"seconds": seconds, "snapshots": out}


@job("real-serve")
def real_serve_job(work: Path, _n: int, opts: dict[str, Any]) -> Result:
    """`consortia-kg serve` on the built store: seconds from start to its first answer."""
    from servers import _stop, _wait_ready

    from consortia_kg.query.named import bind_query, find_query
    from consortia_kg.serve.config import ServeConfig
    from consortia_kg.serve.server import free_port
    from consortia_kg.vocab import resolve_base_iri

    base = resolve_base_iri(None)
    query = find_query(opts["query"])
    body = bind_query(query.text, query.bindings(_example(query), base)).encode()
    port = free_port()
    dist = work / "dist"
    (work / "scratch").mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "consortia_kg", "serve", "--data", opts["data"],
        "--store", str(dist / "store"), "--port", str(port), "--reload-interval", "0", "-q",
    ]  # fmt: skip
    path = ServeConfig(base=base).prefix + "sparql"
    with open(work / "scratch" / "serve.log", "wb") as log:
        began = time.perf_counter()
        # this checkout's package, whatever the environment has installed
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
    try:
        answer = _wait_ready(process, port, path, body, opts["startup"])
        seconds = time.perf_counter() - began
    finally:
        _stop(process)
    return {"seconds": seconds, "rows": len(json.loads(answer)["results"]["bindings"]),
            "query": opts["query"]}  # fmt: skip


@job("real-serve-baseline")
def real_serve_baseline_job(work: Path, _n: int, opts: dict[str, Any]) -> Result:
    """The same store opened in this process and the same query answered: no server."""
    from bench_queries import _count

    from consortia_kg.query.named import bind_query, find_query
    from consortia_kg.query.store import EmbeddedStore
    from consortia_kg.vocab import resolve_base_iri

    query = find_query(opts["query"])
    text = bind_query(query.text, query.bindings(_example(query), resolve_base_iri(None)))

    open_seconds, store = timed(lambda: EmbeddedStore.open(work / "dist" / "store"))
    query_seconds, rows = timed(
        lambda: _count(store.store.query(text, use_default_graph_as_union=True))
    )
    return {"seconds": open_seconds + query_seconds, "open_seconds": open_seconds, "rows": rows}


def _example(query: Any) -> dict[str, str]:
    from bench_queries import example_params

    return example_params(query) if query.examples else {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("job", choices=sorted(JOBS))
    parser.add_argument("work", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("options", nargs="?", default="{}", help="the job's options (JSON)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)  # run every finally (servers stopped, record restored)

    signal.signal(signal.SIGTERM, stop)
    try:
        result = JOBS[args.job](args.work, args.n, json.loads(args.options))
    except MemoryError:
        result = {"error": "ran out of the memory cap", "memory_error": True}
    except Exception as exc:  # reported in the row, the run goes on
        import traceback

        traceback.print_exc()
        result = {"error": f"{type(exc).__name__}: {exc}"}
    args.out.write_text(json.dumps(result, default=str))
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main())
