"""Issue 6's benchmark: every figure at every size beside its baseline, as a table and JSON.

    python bench/run.py [--sizes 100,1000,...] [--json FILE] [--steps ...] [--quick]

For each size N it generates N consortia (bench/generate.py) and measures, each step in a process
of its own (so its peak memory is its own, read with os.wait4) and each beside its baseline in the
same run (so the ratios hold on a noisy machine):

  generate    writing the N consortia's YAML records
  build       records → graph → every dump and the store (pipeline.build_dumps)
              vs pyoxigraph's raw load of the same N-Triples (Store().bulk_load of consortia.nt)
  validate    full validation, fast engine (pipeline.validate_data(engine="fast"))
              vs plain pySHACL on the whole graph (engine="pyshacl"; 600 s at most)
  store       filling the store on disk (pipeline.build_store: records read, built, sorted, bulk-loaded)
              vs pyoxigraph bulk_load of consortia.nq into a store on disk
  query:NAME  each named query through the package, median of several runs
              vs the same bound query text on a pyoxigraph Store loaded directly
  endpoint    `consortia-kg serve`, 4 concurrent clients, one named query
              vs `oxigraph serve-read-only` (and endpoint-rdflib: vs rdflib-endpoint)
  revalidate  one changed record re-validated (session.ValidationSession)
              vs validating everything with the same session

ratio = seconds / baseline seconds: below 1 the step is faster than its baseline. For the
endpoint, seconds = 1 / requests per second. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

STEPS = ("generate", "build", "validate", "store", "queries", "endpoint", "revalidate")
NEEDS = {
    "build": ("generate",),
    "validate": ("generate",),
    "store": ("generate",),
    "queries": ("build", "store"),
    "endpoint": ("build", "store"),
    "revalidate": ("generate",),
}
PYSHACL_NOTE = "pySHACL did not finish in {timeout:g} s"

Row = dict[str, Any]


# --- the machine and the versions --------------------------------------------------------------


def machine() -> dict[str, Any]:
    """CPU model, cores, memory, OS and the load when the run started."""
    model = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / (1 << 20), 1)
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "os": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def versions() -> dict[str, str | None]:
    """The versions of Python, the engines and baselines, and our package."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("pyoxigraph", "pyshacl", "pyshacl-turbo", "rdflib", "consortia-kg"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    sys.path.insert(0, str(BENCH))
    from servers import find_command

    binary = find_command("oxigraph")
    out["oxigraph (server)"] = None
    if binary:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            found = subprocess.run(
                [binary, "--version"], capture_output=True, text=True, timeout=30
            )
            out["oxigraph (server)"] = found.stdout.split()[-1] if found.stdout else None
    try:
        out["rdflib-endpoint"] = importlib.metadata.version("rdflib-endpoint")
    except importlib.metadata.PackageNotFoundError:
        out["rdflib-endpoint"] = None
    return out


# --- one job in a process of its own -----------------------------------------------------------


class Job:
    """The outcome of one job: its result, its peak memory, whether it ran out of time."""

    def __init__(self, result: dict[str, Any], peak_mib: float, timed_out: bool) -> None:
        self.result, self.peak_mib, self.timed_out = result, peak_mib, timed_out

    @property
    def seconds(self) -> float | None:
        value = self.result.get("seconds")
        return float(value) if isinstance(value, int | float) else None

    @property
    def note(self) -> str:
        return str(self.result.get("skipped") or self.result.get("error") or "")


def _kill_group(pgid: int, grace: float = 15.0) -> tuple[int, int, Any]:
    """Stop a job's process group (SIGTERM, then SIGKILL) and reap its leader."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(pgid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.1)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        pid, status, usage = os.wait4(pgid, 0)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)  # anything the job left behind
    return pid, status, usage


def available_gib() -> float | None:
    """The memory the machine can still give (MemAvailable), in GiB."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / (1 << 20)
    return None


#: A job is stopped when the machine has less than this left (GiB): set by --min-free-gib.
MIN_FREE_GIB = [1.5]


def run_job(name: str, work: Path, n: int, opts: dict[str, Any], timeout: float, tag: str) -> Job:
    """Run ``bench/jobs.py name`` in a new session; read its peak memory with os.wait4.

    The job is stopped when it runs past ``timeout`` or when the machine runs low on memory
    (the figure is then a lower bound, and the note says so), never the machine itself.
    """
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    out, log_path = logs / f"{tag}.json", logs / f"{tag}.log"
    out.unlink(missing_ok=True)
    command = [sys.executable, str(BENCH / "jobs.py"), name, str(work), str(n), json.dumps(opts)]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*command, "--out", str(out)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=ROOT,
        )
    timed_out, low_memory = False, None
    try:
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                timed_out = True
                pid, status, usage = _kill_group(process.pid)
                break
            free = available_gib()
            if free is not None and free < MIN_FREE_GIB[0]:
                low_memory = free
                pid, status, usage = _kill_group(process.pid, grace=2.0)
                break
            time.sleep(0.05)
    except BaseException as exc:
        _pid, _status, usage = _kill_group(process.pid)
        process.returncode = -1
        # the caller records how far the stopped job got
        exc.__dict__["bench_job"] = {
            "tag": tag,
            "seconds": round(time.monotonic() - (deadline - timeout), 1),
            "peak_mib": round(usage.ru_maxrss / 1024, 1),
        }
        raise
    process.returncode = os.waitstatus_to_exitcode(status)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # a server the job failed to stop
    peak = round(usage.ru_maxrss / 1024, 1)  # KiB on Linux
    if timed_out:
        return Job({"error": f"did not finish in {timeout:g} s", "timeout": True}, peak, True)
    if low_memory is not None:
        error = (
            f"stopped: the machine had {low_memory:.1f} GiB left (peak so far {peak / 1024:.1f} "
            "GiB)"
        )
        return Job({"error": error, "memory_error": True}, peak, False)
    try:
        result = json.loads(out.read_text())
    except (OSError, ValueError):
        tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
        result = {"error": f"the job exited {process.returncode}: " + " | ".join(tail)}
    if "error" in result:
        print(f"  {tag}: {result['error']} (log: {log_path})", file=sys.stderr)
    return Job(result, peak, False)


# --- the rows ------------------------------------------------------------------------------------


def make_row(
    n: int,
    step: str,
    ours: Job | None,
    baseline: str | None = None,
    base: Job | None = None,
    notes: Iterable[str] = (),
    details: dict[str, Any] | None = None,
    seconds: float | None = None,
    base_seconds: float | None = None,
    peak: float | None = None,
    base_peak: float | None = None,
) -> Row:
    """One row of the results: the step's figures beside its baseline's."""
    seconds = seconds if seconds is not None else (ours.seconds if ours else None)
    if base_seconds is None and base is not None:
        base_seconds = base.seconds
    all_notes = [ours.note if ours else "", *(list(notes))]
    if base is not None and base.note:
        all_notes.append(f"{baseline}: {base.note}")
    ratio = seconds / base_seconds if seconds and base_seconds else None
    return {
        "n": n,
        "step": step,
        "seconds": _round(seconds),
        "peak_mib": peak if peak is not None else (ours.peak_mib if ours else None),
        "baseline": baseline,
        "baseline_seconds": _round(base_seconds),
        "baseline_peak_mib": base_peak
        if base_peak is not None
        else (base.peak_mib if base else None),
        "ratio": _round(ratio),
        "note": "; ".join(dict.fromkeys(x for x in all_notes if x)),
        "details": details or {},
    }


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    return float(f"{value:.4g}")


class Bench:
    """Runs the steps size by size, keeps the rows and writes the JSON after each one."""

    def __init__(self, args: argparse.Namespace, work_root: Path) -> None:
        self.args, self.work_root = args, work_root
        self.rows: list[Row] = []
        self.report: dict[str, Any] = {
            "machine": machine(),
            "versions": versions(),
            "command": " ".join(["python", "bench/run.py", *sys.argv[1:]]),
            "results": self.rows,
        }
        self.pyshacl: dict[int, Job] = {}
        self.current: tuple[int, str] | None = None
        self.rdflib_startup: dict[int, float | None] = {}

    # each row is printed as it comes and saved at once: a run stopped early keeps its rows
    def add(self, row: Row) -> None:
        self.rows.append(row)
        shown = "-" if row["seconds"] is None else f"{row['seconds']:.4g} s"
        line = f"[N={row['n']}] {row['step']}: {shown}, {_fmt(row['peak_mib'])} MiB"
        if row["baseline"]:
            line += f"; {row['baseline']}: {_fmt(row['baseline_seconds'])} s"
        if row["note"]:
            line += f" ({row['note']})"
        print(line, file=sys.stderr, flush=True)
        self.save()

    def save(self) -> None:
        self.report["growth"] = growth(self.rows)
        self.report["targets"] = targets(self.rows, self.args.sizes)
        if self.args.json:
            path = Path(self.args.json)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(json.dumps(self.report, indent=1) + "\n")
            os.replace(tmp, path)

    def job(
        self, name: str, work: Path, n: int, opts: dict[str, Any] | None = None, **kw: Any
    ) -> Job:
        tag = kw.pop("tag", name)
        timeout = kw.pop("timeout", self.args.job_timeout)
        self.current = (n, tag)
        return run_job(name, work, n, opts or {}, timeout, tag)

    def run_size(self, n: int, steps: list[str]) -> None:
        work = self.work_root / f"n{n}"
        work.mkdir(parents=True, exist_ok=True)
        failed: dict[str, str] = {}
        for step in steps:
            missing = [need for need in NEEDS.get(step, ()) if need in failed]
            if missing:
                failed[step] = f"not run: {missing[0]} failed"
                self.add(make_row(n, step, None, notes=[failed[step]]))
                continue
            ok = getattr(self, f"step_{step}")(work, n)
            if not ok:
                failed[step] = "failed"
        if not self.args.keep:
            shutil.rmtree(work, ignore_errors=True)

    # --- the steps -----------------------------------------------------------------------------

    def step_generate(self, work: Path, n: int) -> bool:
        ours = self.job("generate", work, n)
        self.add(make_row(n, "generate", ours, details=_details(ours.result)))
        return ours.seconds is not None

    def step_build(self, work: Path, n: int) -> bool:
        ours = self.job("build", work, n)
        base = None
        if ours.seconds is not None:
            base = self.job("build-baseline", work, n)
        row = make_row(n, "build", ours, "pyoxigraph bulk_load (N-Triples)", base)
        row["details"] = _details(ours.result) | (
            {"baseline_triples": base.result.get("triples")} if base else {}
        )
        self.add(row)
        return ours.seconds is not None

    def step_validate(self, work: Path, n: int) -> bool:
        ours = self.job("validate", work, n, {"engine": "fast"}, tag="validate-fast")
        base, skip = None, self.pyshacl_skip(n)
        if skip is None:
            timeout = self.args.pyshacl_timeout
            opts = {"engine": "pyshacl", "memory_gib": self.args.memory_gib}
            base = self.job("validate", work, n, opts, tag="validate-pyshacl", timeout=timeout)
            self.pyshacl[n] = base
            if base.timed_out:
                base.result["error"] = PYSHACL_NOTE.format(timeout=timeout)
            elif base.result.get("memory_error"):
                base.result["error"] = f"pySHACL ran out of the {self.args.memory_gib:g} GiB cap"
        notes = [f"pyshacl: {skip}"] if skip else []
        details = _details(ours.result)
        if base is not None and base.seconds is not None:
            same = base.result.get("findings_digest") == ours.result.get("findings_digest")
            details |= {"baseline_findings": base.result.get("findings"), "same_findings": same}
            if not same:
                notes.append(
                    f"findings differ: fast {ours.result.get('findings')}, "
                    f"pySHACL {base.result.get('findings')}"
                )
        if ours.seconds is not None and ours.result.get("defects_found") != ours.result.get(
            "defects"
        ):
            notes.append(
                f"only {ours.result.get('defects_found')} of {ours.result.get('defects')} "
                "known defects reported"
            )
        self.add(make_row(n, "validate", ours, "pyshacl", base, notes, details))
        return ours.seconds is not None

    def pyshacl_skip(self, n: int) -> str | None:
        """Why pySHACL is not run at size ``n``, or None to run it."""
        if self.args.quick and n > 100:
            return "skipped (--quick runs it at N <= 100 only)"
        smaller = sorted(m for m in self.pyshacl if m < n)
        if not smaller:
            return None
        last = self.pyshacl[smaller[-1]]
        if last.seconds is None:
            return f"not run: it did not finish at N={smaller[-1]} ({last.note})"
        # pySHACL's time grows at least linearly with the graph (quads, else N)
        growth = self.quads(n) / self.quads(smaller[-1]) if self.quads(smaller[-1]) else 0
        guess = last.seconds * (growth or n / smaller[-1])
        if guess > self.args.pyshacl_timeout:
            return (
                f"not run: {last.seconds:.0f} s at N={smaller[-1]} grows to >= {guess:.0f} s "
                f"here, over its {self.args.pyshacl_timeout:g} s"
            )
        return None

    def quads(self, n: int) -> int:
        """The graph's size at ``n`` (from the build step), or 0 when unknown."""
        for row in self.rows:
            if row["n"] == n and row["step"] == "build":
                return int(row["details"].get("quads") or 0)
        return 0

    def step_store(self, work: Path, n: int) -> bool:
        ours = self.job("store", work, n)
        base = (
            self.job("store-baseline", work, n)
            if (work / "dist" / "consortia.nq").is_file()
            else None
        )
        notes = ["records read, built, sorted and bulk-loaded (the baseline loads the dump)"]
        if base is None:
            notes.append("baseline not run: no dist/consortia.nq (run the build step)")
        row = make_row(n, "store", ours, "pyoxigraph bulk_load (N-Quads, disk)", base, notes)
        row["details"] = _details(ours.result)
        self.add(row)
        return ours.seconds is not None

    def step_queries(self, work: Path, n: int) -> bool:
        opts = {"repeat": self.args.repeat, "budget": self.args.query_budget}
        ours = self.job("queries", work, n, opts)
        base = self.job("queries-baseline", work, n, opts)
        mine, theirs = ours.result.get("queries", {}), base.result.get("queries", {})
        if not mine:
            self.add(make_row(n, "query:*", ours, "pyoxigraph Store", base))
            return False
        for name, figures in mine.items():
            other = theirs.get(name, {})
            notes = []
            if other and other.get("rows") != figures["rows"]:
                notes.append(f"row counts differ: {figures['rows']} vs {other.get('rows')}")
            if figures["rows"] == 0:
                notes.append("0 rows")
            details = {
                "rows": figures["rows"],
                "params": figures["params"],
                "runs": figures["runs"],
                "baseline_runs": other.get("runs"),
                # pyoxigraph straight on our store on disk: storage vs our own overhead
                "same_store_seconds": _round(figures.get("same_store_seconds")),
            }
            self.add(
                make_row(
                    n,
                    f"query:{name}",
                    None,
                    "pyoxigraph Store",
                    None,
                    [base.note, *notes],
                    details,
                    seconds=figures["seconds"],
                    base_seconds=other.get("seconds"),
                    peak=ours.peak_mib,
                    base_peak=base.peak_mib,
                )
            )
        return True

    def step_endpoint(self, work: Path, n: int) -> bool:
        opts = {
            "query": self.args.query,
            "seconds": self.args.endpoint_seconds,
            "warmup": self.args.endpoint_warmup,
            "clients": self.args.clients,
            "startup": self.args.startup_timeout,
            "memory_gib": self.args.memory_gib,
        }
        limit = self.args.startup_timeout + 2 * (opts["seconds"] + opts["warmup"]) + 120
        runs: dict[str, Job | None] = {}
        for server in ("consortia-kg", "consortia-kg-nocache", "oxigraph", "rdflib-endpoint"):
            skip = self.rdflib_skip(n) if server == "rdflib-endpoint" else None
            if skip:
                runs[server] = Job({"skipped": skip}, 0.0, False)
                continue
            runs[server] = self.job(
                "endpoint",
                work,
                n,
                {**opts, "server": server},
                tag=f"endpoint-{server}",
                timeout=limit,
            )
        rdflib = runs["rdflib-endpoint"]
        if rdflib is not None and "skipped" not in rdflib.result:
            self.rdflib_startup[n] = (
                rdflib.result.get("startup_seconds") if rdflib.seconds is not None else None
            )
        for step, mine_server, server in (
            ("endpoint", "consortia-kg", "oxigraph"),
            ("endpoint-nocache", "consortia-kg-nocache", "oxigraph"),
            ("endpoint-rdflib", "consortia-kg", "rdflib-endpoint"),
        ):
            ours, base = runs[mine_server], runs[server]
            assert ours is not None and base is not None
            label = "oxigraph serve" if server == "oxigraph" else "rdflib-endpoint"
            notes = [
                f"{self.args.clients} clients, {opts['seconds']:g} s each; "
                "seconds = 1 / (requests/s)"
            ]
            mine, theirs = ours.result, base.result
            if ours.seconds and base.seconds and mine.get("rows") != theirs.get("rows"):
                notes.append(f"row counts differ: {mine.get('rows')} vs {theirs.get('rows')}")
            for who, figures in (("ours", mine), (label, theirs)):
                if figures.get("errors"):
                    notes.append(f"{who}: {figures['errors']} non-200 answers")
            details = {k: mine.get(k) for k in ("rps", "p50_ms", "p99_ms", "requests", "rows")}
            details |= {f"baseline_{k}": theirs.get(k) for k in ("rps", "p50_ms", "p99_ms", "rows")}
            details |= {"query": self.args.query, "startup_seconds": mine.get("startup_seconds")}
            self.add(
                make_row(
                    n,
                    step,
                    ours,
                    label,
                    base,
                    notes,
                    details,
                    peak=mine.get("server_peak_mib"),
                    base_peak=theirs.get("server_peak_mib"),
                )
            )
        first = runs["consortia-kg"]
        return first is not None and first.seconds is not None

    def rdflib_skip(self, n: int) -> str | None:
        if self.args.quick and n > 100:
            return "skipped (--quick runs it at N <= 100 only)"
        smaller = sorted(m for m in self.rdflib_startup if m < n)
        if not smaller:
            return None
        startup = self.rdflib_startup[smaller[-1]]
        if startup is None:
            return f"not run: it failed at N={smaller[-1]}"
        growth = self.quads(n) / self.quads(smaller[-1]) if self.quads(smaller[-1]) else 0
        guess = startup * (growth or n / smaller[-1])
        if guess > self.args.startup_timeout:
            return (
                f"not run: loading took {startup:.0f} s at N={smaller[-1]}, >= {guess:.0f} s here "
                f"(over {self.args.startup_timeout:g} s)"
            )
        return None

    def step_revalidate(self, work: Path, n: int) -> bool:
        ours = self.job("revalidate", work, n)
        notes = []
        if ours.seconds is not None and not ours.result.get("change_found"):
            notes.append("the changed record's new finding was not reported")
        if ours.seconds is not None and not ours.result.get("restored_same"):
            notes.append("after undoing the change the findings differ from the first run")
        row = make_row(
            n,
            "revalidate",
            ours,
            "validate_all (same session)",
            None,
            notes,
            _details(ours.result),
            base_seconds=ours.result.get("baseline_seconds"),
        )
        self.add(row)
        return ours.seconds is not None


def _details(result: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in result.items()
        if k not in ("seconds", "baseline_seconds", "error", "skipped")
    }


# --- growth and targets --------------------------------------------------------------------------


def growth(rows: list[Row]) -> list[dict[str, Any]]:
    """For each step: seconds and peak by N, and k in seconds ∝ N^k between the two largest N."""
    by_step: dict[str, dict[int, Row]] = {}
    for row in rows:
        by_step.setdefault(row["step"], {})[row["n"]] = row
    out = []
    for step, per_n in by_step.items():
        sizes = sorted(n for n, r in per_n.items() if r["seconds"])
        entry: dict[str, Any] = {
            "step": step,
            "seconds": {str(n): per_n[n]["seconds"] for n in sorted(per_n)},
            "peak_mib": {str(n): per_n[n]["peak_mib"] for n in sorted(per_n)},
            "baseline_seconds": {str(n): per_n[n]["baseline_seconds"] for n in sorted(per_n)},
            "exponent": None,
            "baseline_exponent": None,
        }
        if len(sizes) >= 2:
            a, b = sizes[-2], sizes[-1]
            entry["exponent"] = _exponent(per_n[a]["seconds"], per_n[b]["seconds"], a, b)
            entry["baseline_exponent"] = _exponent(
                per_n[a]["baseline_seconds"], per_n[b]["baseline_seconds"], a, b
            )
        out.append(entry)
    return out


def _exponent(t1: float | None, t2: float | None, n1: int, n2: int) -> float | None:
    if not t1 or not t2 or n1 == n2:
        return None
    return round(math.log(t2 / t1) / math.log(n2 / n1), 2)


def targets(rows: list[Row], sizes: list[int]) -> list[dict[str, Any]]:
    """Each target of issue 6 at each size measured: the figure, met or not, by how much."""
    out: list[dict[str, Any]] = []

    def add(target: str, n: int | None, measured: str, met: bool | None) -> None:
        out.append({"target": target, "n": n, "measured": measured, "met": met})

    for row in rows:
        step, n = row["step"], row["n"]
        if step == "validate" and row["ratio"]:
            speedup = 1 / row["ratio"]
            same = row["details"].get("same_findings")
            add(
                "validation >= 20x faster than pySHACL, same findings",
                n,
                f"{speedup:.1f}x faster, same findings: {same}",
                speedup >= 20 and bool(same),
            )
        elif step == "revalidate" and row["seconds"]:
            add(
                "one changed record re-validated < 1 s (at N=10000)",
                n,
                f"{row['seconds']:.3g} s",
                row["seconds"] < 1 if n >= 10_000 else None,
            )
        elif step == "build" and row["ratio"]:
            add(
                "build within 3x of pyoxigraph's raw load",
                n,
                f"{row['ratio']:.1f}x",
                row["ratio"] <= 3,
            )
        elif step in ("endpoint", "endpoint-nocache") and row["ratio"]:
            share = 1 / row["ratio"]
            cache = "answer cache on" if step == "endpoint" else "answer cache off"
            add(
                f"endpoint >= 0.5x the throughput of oxigraph serve ({cache})",
                n,
                f"{share:.2f}x ({row['details'].get('rps')} vs "
                f"{row['details'].get('baseline_rps')} req/s)",
                share >= 0.5,
            )
        elif step == "endpoint-rdflib" and row["ratio"]:
            times = 1 / row["ratio"]
            add("endpoint >= 10x rdflib-endpoint", n, f"{times:.1f}x", times >= 10)
    for n in sorted({r["n"] for r in rows}):
        queries = [r for r in rows if r["n"] == n and r["step"].startswith("query:") and r["ratio"]]
        if queries:
            worst = max(queries, key=lambda r: r["ratio"])
            within = sum(r["ratio"] <= 1.5 for r in queries)
            add(
                "named queries within 1.5x of pyoxigraph direct",
                n,
                f"{within} of {len(queries)} within; worst {worst['step'][6:]} "
                f"{worst['ratio']:.2f}x",
                within == len(queries),
            )
    measured = sorted({r["n"] for r in rows if r["peak_mib"]})
    largest = measured[-1] if measured else None
    peaks = [r for r in rows if r["n"] == largest and r["peak_mib"]]
    top = max(peaks, key=lambda r: r["peak_mib"]) if peaks else None
    goal = "100,000 consortia end to end within 24 GiB"
    if top is not None and largest == 100_000:
        add(goal, largest, f"largest step peak {top['peak_mib'] / 1024:.1f} GiB ({top['step']})",
            top["peak_mib"] <= 24 * 1024)  # fmt: skip
    elif top is not None and largest is not None:
        guess = top["peak_mib"] * 100_000 / largest / 1024
        add(goal, None, f"not run; largest peak at N={largest}: {top['peak_mib'] / 1024:.1f} GiB "
            f"({top['step']}), ~{guess:.0f} GiB at 100,000 if it grows linearly", None)  # fmt: skip
    return out


# --- printing ------------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:.0f}"
        return f"{value:.3g}"
    return str(value)


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def render(report: dict[str, Any]) -> str:
    """The whole report as text: machine, versions, results, growth, endpoint, targets."""
    parts = []
    m = report["machine"]
    parts.append(
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}, "
        f"load average at start {m['load_average']}"
    )
    parts.append(
        "versions: "
        + ", ".join(f"{k} {v or 'not installed'}" for k, v in report["versions"].items())
    )
    parts.append(f"command: {report['command']}")
    rows = report["results"]
    headers = [
        "step",
        "n",
        "seconds",
        "peak MiB",
        "baseline",
        "baseline seconds",
        "ratio",
        "base MiB",
        "note",
    ]
    parts.append(
        "\n"
        + _table(
            headers,
            [
                [
                    r["step"],
                    str(r["n"]),
                    _fmt(r["seconds"]),
                    _fmt(r["peak_mib"]),
                    r["baseline"] or "",
                    _fmt(r["baseline_seconds"]),
                    _fmt(r["ratio"]),
                    _fmt(r["baseline_peak_mib"]),
                    r["note"],
                ]
                for r in rows
            ],
            {1, 2, 3, 5, 6, 7},
        )
    )
    sizes_info = [r for r in rows if r["step"] == "build" and r["details"].get("quads")]
    if sizes_info:
        parts.append(
            "\nsizes: "
            + "; ".join(
                f"N={r['n']}: {r['details']['quads']:,} quads in {r['details'].get('graphs', 0):,} "
                f"record graphs, dumps {r['details'].get('dumps_mib')} MiB"
                for r in sizes_info
            )
        )
    endpoint = [r for r in rows if r["step"] in ("endpoint", "endpoint-nocache", "endpoint-rdflib")]
    if endpoint:
        table = []
        seen: set[tuple[int, str]] = set()
        for r in endpoint:
            d = r["details"]
            ours = "consortia-kg serve" + (", cache off" if r["step"] == "endpoint-nocache" else "")
            for who, figures, peak in (
                (ours, {k: d.get(k) for k in ("rps", "p50_ms", "p99_ms")}, r["peak_mib"]),
                (
                    r["baseline"],
                    {k: d.get(f"baseline_{k}") for k in ("rps", "p50_ms", "p99_ms")},
                    r["baseline_peak_mib"],
                ),
            ):
                if (r["n"], who) in seen or figures["rps"] is None:
                    continue
                seen.add((r["n"], who))
                table.append(
                    [str(r["n"]), who]
                    + [_fmt(figures[k]) for k in ("rps", "p50_ms", "p99_ms")]
                    + [_fmt(peak)]
                )
        query = endpoint[0]["details"].get("query")
        parts.append(
            f"\nendpoint, query {query}, 4 concurrent clients:\n"
            + _table(
                ["n", "server", "req/s", "p50 ms", "p99 ms", "peak MiB"], table, {0, 2, 3, 4, 5}
            )
        )
    grow = report.get("growth", [])
    sizes = sorted({r["n"] for r in rows})
    if len(sizes) >= 2 and grow:
        table = []
        for g in grow:
            table.append(
                [g["step"]]
                + [_fmt(g["seconds"].get(str(n))) for n in sizes]
                + [_fmt(g["exponent"])]
                + [_fmt(g["baseline_seconds"].get(str(n))) for n in sizes]
                + [_fmt(g["baseline_exponent"])]
                + [" → ".join(_fmt(g["peak_mib"].get(str(n))) for n in sizes)]
            )
        headers = (
            ["step"]
            + [f"s N={n}" for n in sizes]
            + ["k"]
            + [f"base s N={n}" for n in sizes]
            + ["base k", "peak MiB"]
        )
        parts.append(
            "\ngrowth with N (k: seconds grow as N^k between the two largest sizes):\n"
            + _table(headers, table, set(range(1, 2 * len(sizes) + 3)))
        )
    marks = {True: "met", False: "MISSED", None: "-"}
    parts.append(
        "\ntargets (issue 6):\n"
        + _table(
            ["target", "n", "measured", ""],
            [
                [t["target"], _fmt(t["n"]), t["measured"], marks[t["met"]]]
                for t in report.get("targets", [])
            ],
            {1},
        )
    )
    return "\n".join(parts)


# --- command line --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Steps: " + ", ".join(STEPS) + ". See bench/README.md.",
    )
    parser.add_argument(
        "--sizes", default="100,1000", help="numbers of consortia (default 100,1000)"
    )
    parser.add_argument(
        "--json", metavar="FILE", help="also write the results as JSON (after each row)"
    )
    parser.add_argument(
        "--steps",
        default=",".join(STEPS),
        help="steps to run (the ones they need are added): " + ",".join(STEPS),
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: pySHACL and rdflib-endpoint at N <= 100 only, short endpoint runs, "
        "fewer query repeats",
    )
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data and dumps")
    parser.add_argument(
        "--repeat", type=int, help="runs per query for the median (default 7, quick 3)"
    )
    parser.add_argument(
        "--query-budget",
        type=float,
        default=10.0,
        help="seconds per query and engine; a slow query is run fewer times",
    )
    parser.add_argument("--query", default="working-groups", help="the endpoint's named query")
    parser.add_argument("--clients", type=int, default=4, help="concurrent endpoint clients")
    parser.add_argument(
        "--endpoint-seconds", type=float, help="measuring time per server (10, quick 2)"
    )
    parser.add_argument(
        "--pyshacl-timeout", type=float, help="seconds pySHACL gets (600; --quick: 60)"
    )
    parser.add_argument(
        "--startup-timeout",
        type=float,
        default=900.0,
        help="seconds a server gets to load the data and answer",
    )
    parser.add_argument(
        "--job-timeout", type=float, default=3600.0, help="seconds any other step gets"
    )
    parser.add_argument(
        "--memory-gib",
        type=float,
        default=8.0,
        help="address-space cap of the rdflib baselines (pySHACL, rdflib-endpoint); 0: none",
    )
    parser.add_argument(
        "--min-free-gib", type=float, default=1.5,
        help="stop a step when the machine has less memory than this left (GiB)",
    )  # fmt: skip
    parser.add_argument(
        "--render", nargs="+", metavar="JSON",
        help="measure nothing: print the table of earlier runs' JSON files (merged, in order)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    MIN_FREE_GIB[0] = args.min_free_gib
    try:
        args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes takes numbers separated by commas, not {args.sizes!r}")
    if not args.sizes or min(args.sizes) < 2:
        parser.error("--sizes: each size must be at least 2 consortia")
    wanted = {s.strip() for s in args.steps.split(",") if s.strip()}
    unknown = wanted - set(STEPS)
    if unknown:
        parser.error(f"unknown step(s) {', '.join(sorted(unknown))}; steps: {', '.join(STEPS)}")
    closed = set(wanted)
    while True:
        more = {need for step in closed for need in NEEDS.get(step, ())} - closed
        if not more:
            break
        closed |= more
    args.steps = [s for s in STEPS if s in closed]
    args.repeat = args.repeat or (3 if args.quick else 7)
    args.pyshacl_timeout = args.pyshacl_timeout or (60.0 if args.quick else 600.0)
    args.endpoint_seconds = args.endpoint_seconds or (2.0 if args.quick else 10.0)
    args.endpoint_warmup = 0.5 if args.quick else 2.0
    return args


def merge(paths: list[str]) -> dict[str, Any]:
    """Earlier runs' reports as one: the first one's machine and versions, every row."""
    reports = [json.loads(Path(p).read_text()) for p in paths]
    merged = dict(reports[0])
    merged["results"] = [row for report in reports for row in report["results"]]
    merged["command"] = "; ".join(report["command"] for report in reports)
    sizes = sorted({row["n"] for row in merged["results"]})
    merged["growth"] = growth(merged["results"])
    merged["targets"] = targets(merged["results"], sizes)
    return merged


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render:
        print(render(merge(args.render)))
        return 0

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)  # the running job is stopped, the rows so far are kept

    signal.signal(signal.SIGTERM, stop)
    work_root = args.work or Path(tempfile.mkdtemp(prefix="consortia-kg-bench-"))
    work_root.mkdir(parents=True, exist_ok=True)
    bench = Bench(args, work_root)
    print(
        f"sizes {args.sizes}, steps {', '.join(args.steps)}, working in {work_root}",
        file=sys.stderr,
    )
    status = 0
    try:
        for n in args.sizes:
            bench.run_size(n, args.steps)
    except (KeyboardInterrupt, SystemExit) as exc:
        status = exc.code if isinstance(exc, SystemExit) and isinstance(exc.code, int) else 130
        print(f"stopped ({status}): the table holds the rows measured so far", file=sys.stderr)
        stopped = exc.__dict__.get("bench_job")
        if stopped and bench.current:
            note = f"stopped after {stopped['seconds']:g} s: the run was interrupted ({status})"
            bench.add(make_row(bench.current[0], stopped["tag"], None, notes=[note],
                               peak=stopped["peak_mib"]))  # fmt: skip
    finally:
        bench.report["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        bench.save()
        if args.work is None and not args.keep:
            shutil.rmtree(work_root, ignore_errors=True)
    print(render(bench.report))
    return status


if __name__ == "__main__":
    sys.exit(main())
