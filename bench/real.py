"""Issue 11's benchmark: the real default graph (data/ and its registry snapshots), each figure
beside its baseline in the same run.

    python bench/real.py [--data data] [--json FILE] [--steps build,validate,mapping,serve]

bench/run.py measures generated data at chosen sizes; this measures the graph the project ships
(1.76M quads, most of them from the CORDIS H2020 snapshot), each step in a process of its own
(bench/jobs.py, peak memory read with os.wait4, as run.py does):

  build     `consortia-kg build` (pipeline.build_dumps: every dump and the store)
            vs pyoxigraph alone: Store(dir).bulk_load of the same N-Quads, flush, optimize
  validate  `consortia-kg validate` (pipeline.validate_data, fast engine)
            vs reading and building the same graph without SHACL (pipeline.load_and_build)
  mapping   each registry snapshot mapped to N-Quads (registries.map_snapshots)
            vs reading the same CSV files with the csv module (and polars, when installed)
  serve     `consortia-kg serve` on the built store: seconds from start to its first answer
            vs opening the same store in the process and answering the same query

ratio = seconds / baseline seconds. The targets of issue 11 (2 cores) are checked and printed,
never asserted: build within 60 s and within 3x of the raw load, validate within 60 s, the
server answering within 15 s of its start.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import run as common  # noqa: E402 - bench/run.py: the machine, the jobs, the table

STEPS = ("build", "validate", "mapping", "serve")
NEEDS = {"serve": ("build",)}

Row = dict[str, Any]


class RealBench:
    """Runs the steps on one data folder, keeps the rows and writes the JSON after each one."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args, self.work = args, work
        self.rows: list[Row] = []
        self.report: dict[str, Any] = {
            "machine": common.machine(),
            "versions": common.versions(),
            "command": " ".join(["python", "bench/real.py", *sys.argv[1:]]),
            "data": str(args.data),
            "results": self.rows,
        }
        self.opts = {"data": str(args.data.resolve())}

    def job(self, name: str, opts: dict[str, Any] | None = None) -> common.Job:
        return common.run_job(
            name, self.work, 0, {**self.opts, **(opts or {})}, self.args.job_timeout, name
        )

    def add(self, row: Row) -> None:
        self.rows.append(row)
        shown = "-" if row["seconds"] is None else f"{row['seconds']:.4g} s"
        line = f"[real] {row['step']}: {shown}, {common._fmt(row['peak_mib'])} MiB"
        if row["baseline"]:
            line += f"; {row['baseline']}: {common._fmt(row['baseline_seconds'])} s"
        if row["note"]:
            line += f" ({row['note']})"
        print(line, file=sys.stderr, flush=True)
        self.save()

    def save(self) -> None:
        self.report["targets"] = targets(self.rows)
        if self.args.json:
            path = Path(self.args.json)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(json.dumps(self.report, indent=1) + "\n")
            os.replace(tmp, path)

    def row(self, step: str, ours: common.Job | None, baseline: str, base: common.Job | None,
            **kw: Any) -> Row:  # fmt: skip
        row = common.make_row(0, step, ours, baseline, base, **kw)
        del row["n"]
        return row

    # --- the steps -----------------------------------------------------------------------------

    def step_build(self) -> bool:
        ours = self.job("real-build")
        base = self.job("real-build-baseline") if ours.seconds is not None else None
        details = common._details(ours.result)
        if base is not None:
            details |= {f"baseline_{k}": v for k, v in common._details(base.result).items()}
        self.add(self.row("build", ours, "pyoxigraph bulk_load + optimize (N-Quads, disk)",
                          base, details=details))  # fmt: skip
        return ours.seconds is not None

    def step_validate(self) -> bool:
        ours = self.job("real-validate")
        base = self.job("real-validate-baseline")
        details = common._details(ours.result)
        self.add(self.row("validate", ours, "read + build, no SHACL", base, details=details))
        return ours.seconds is not None

    def step_mapping(self) -> bool:
        ours = self.job("real-mapping")
        snapshots = ours.result.get("snapshots") or {}
        if not snapshots:
            notes = [] if ours.note else ["no registry snapshot in the data"]
            self.add(self.row("mapping", ours, "csv module", None, notes=notes))
            return ours.seconds is not None
        for name, figures in snapshots.items():
            polars = figures.get("polars_seconds")
            notes = [f"polars read: {polars:.3g} s" if polars else "polars not installed"]
            details = {k: v for k, v in figures.items() if k != "seconds"}
            self.add(
                self.row(f"mapping:{name}", None, "csv module read of the same files", None,
                         notes=notes, details=details, seconds=figures.get("seconds"),
                         base_seconds=figures.get("csv_seconds"), peak=ours.peak_mib)
            )  # fmt: skip
        return True

    def step_serve(self) -> bool:
        opts = {"query": self.args.query, "startup": self.args.startup_timeout}
        ours = self.job("real-serve", opts)
        base = self.job("real-serve-baseline", opts)
        notes = []
        if ours.seconds and base.seconds and ours.result.get("rows") != base.result.get("rows"):
            rows = (ours.result.get("rows"), base.result.get("rows"))
            notes.append(f"row counts differ: {rows[0]} vs {rows[1]}")
        details = common._details(ours.result) | {
            "baseline_open_seconds": base.result.get("open_seconds")
        }
        self.add(self.row("serve", ours, "store opened + same query, in process", base,
                          notes=notes, details=details))  # fmt: skip
        return ours.seconds is not None


def targets(rows: list[Row]) -> list[dict[str, Any]]:
    """Each target of issue 11: the figure, met or not."""
    out: list[dict[str, Any]] = []
    found = {row["step"]: row for row in rows}

    def add(target: str, measured: str, met: bool | None) -> None:
        out.append({"target": target, "measured": measured, "met": met})

    def seconds(step: str, limit: float) -> None:
        row = found.get(step)
        if row is not None and row["seconds"] is not None:
            add(f"{step} within {limit:g} s", f"{row['seconds']:.1f} s", row["seconds"] <= limit)

    seconds("build", 60)
    build = found.get("build")
    if build is not None and build["ratio"]:
        add("build within 3x of pyoxigraph's raw load", f"{build['ratio']:.2f}x",
            build["ratio"] <= 3)  # fmt: skip
    seconds("validate", 60)
    seconds("serve", 15)
    return out


def render(report: dict[str, Any]) -> str:
    """The report as text: machine, versions, the rows, the targets."""
    m = report["machine"]
    parts = [
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}, "
        f"load average at start {m['load_average']}, at the end {m.get('load_average_end')}",
        "versions: "
        + ", ".join(f"{k} {v or 'not installed'}" for k, v in report["versions"].items()),
        f"command: {report['command']}",
        f"data: {report['data']}",
        "",
    ]
    fmt = common._fmt
    parts.append(
        common._table(
            ["step", "seconds", "peak MiB", "baseline", "baseline seconds", "ratio", "note"],
            [
                [r["step"], fmt(r["seconds"]), fmt(r["peak_mib"]), r["baseline"] or "",
                 fmt(r["baseline_seconds"]), fmt(r["ratio"]), r["note"]]
                for r in report["results"]
            ],
            {1, 2, 4, 5},
        )
    )  # fmt: skip
    build = next((r for r in report["results"] if r["step"] == "build"), None)
    if build and build["details"].get("stages"):
        stages = ", ".join(f"{k} {v:g} s" for k, v in build["details"]["stages"].items())
        parts.append(f"\nbuild stages: {stages}; {build['details'].get('quads')} quads")
    marks = {True: "met", False: "MISSED", None: "-"}
    parts.append(
        "\ntargets (issue 11):\n"
        + common._table(
            ["target", "measured", ""],
            [[t["target"], t["measured"], marks[t["met"]]] for t in report.get("targets", [])],
            set(),
        )
    )
    return "\n".join(parts)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="the data folder")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--steps", default=",".join(STEPS), help="steps: " + ",".join(STEPS))
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the dumps and the store")
    parser.add_argument("--query", default="working-groups", help="the server's named query")
    parser.add_argument("--startup-timeout", type=float, default=300.0,
                        help="seconds the server gets to answer")  # fmt: skip
    parser.add_argument("--job-timeout", type=float, default=1800.0, help="seconds per step")
    args = parser.parse_args(argv)
    wanted = {s.strip() for s in args.steps.split(",") if s.strip()}
    unknown = wanted - set(STEPS)
    if unknown:
        parser.error(f"unknown step(s) {', '.join(sorted(unknown))}; steps: {', '.join(STEPS)}")
    wanted |= {need for step in wanted for need in NEEDS.get(step, ())}
    args.steps = [s for s in STEPS if s in wanted]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="consortia-kg-real-"))
    work.mkdir(parents=True, exist_ok=True)
    bench = RealBench(args, work)
    print(f"steps {', '.join(args.steps)} on {args.data}, working in {work}", file=sys.stderr)
    try:
        failed: set[str] = set()
        for step in args.steps:
            if any(need in failed for need in NEEDS.get(step, ())):
                bench.add(bench.row(step, None, "", None, notes=["not run: build failed"]))
                continue
            if not getattr(bench, f"step_{step}")():
                failed.add(step)
    finally:
        bench.report["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        bench.save()
        if args.work is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(render(bench.report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
