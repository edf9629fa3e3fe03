"""Issue 11's benchmark: ``consortia-kg validate`` on N real ROR organisations, and how it grows.

    python bench/validate_scale.py [--sizes 500,1000,2000,4000] [--baseline-ref REF] [--json FILE]

For each N, ``bench/ror_workload.py`` writes N organisation records (the 477 real ROR records
imported, then copied with ids and names of their own), and ``bench/jobs.py validate-ror`` times
``pipeline.validate_data`` in a process of its own (its peak memory its own), by stage (load,
build, validate) and by part of validation (shacl-core, sparql-rules, locate, cascades,
duplicates). Each figure is shown beside its baselines, taken in the same run:

- **linear**: the smallest size's seconds grown in proportion to N;
- **x/doubling**: seconds at N over seconds at the size before, per doubling of N (2: linear,
  4: quadratic); **k** the exponent in seconds ∝ N^k between the two largest sizes;
- with ``--baseline-ref REF``: the same job on the code of the git revision REF (``git archive``
  into the work folder), its x/doubling, and whether its JSON report is byte for byte ours
  (``same findings``). A baseline whose time, grown at its last rate, would pass
  ``--baseline-timeout`` is not started.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(BENCH))

import run as bench_run  # noqa: E402 - bench/run.py: jobs in processes of their own, the table

#: The parts of validation, in the order they run (bench/jobs.py VALIDATE_PARTS).
PARTS = ("load", "build", "validate", "shacl-core", "sparql-rules", "locate", "cascades",
         "duplicates")  # fmt: skip

Row = dict[str, Any]


def write_workload(work: Path, n: int, ror: Path | None) -> dict[str, Any]:
    """Write the workload of size ``n`` into ``work/data`` (kept when it is there already)."""
    from ror_workload import DEFAULT_ROR, generate

    marker = work / "workload.json"
    if marker.is_file() and (work / "data").is_dir():
        return dict(json.loads(marker.read_text()))
    shutil.rmtree(work / "data", ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    defects = generate(n, work / "data", ror or DEFAULT_ROR)
    facts = {"n": n, "defects": defects}
    marker.write_text(json.dumps(facts, indent=1, sort_keys=True) + "\n")
    return facts


def baseline_source(ref: str, work_root: Path) -> Path:
    """The ``src`` folder of git revision ``ref``, extracted once into the work folder."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{ref}^{{commit}}"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    target = work_root / f"baseline-{commit[:12]}"
    if not (target / "src").is_dir():
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", commit],
            check=True, capture_output=True,
        ).stdout  # fmt: skip
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
    return target / "src"


def per_doubling(t1: float | None, t2: float | None, n1: int, n2: int) -> float | None:
    """How many times the seconds grew per doubling of N between two sizes."""
    if not t1 or not t2 or n1 == n2:
        return None
    return round((t2 / t1) ** (math.log(2) / math.log(n2 / n1)), 2)


class ScaleBench:
    """Measures each size, ours and (optionally) the baseline code, and keeps the rows."""

    def __init__(self, args: argparse.Namespace, work_root: Path) -> None:
        self.args, self.work_root = args, work_root
        self.rows: list[Row] = []
        self.src = baseline_source(args.baseline_ref, work_root) if args.baseline_ref else None
        self.report: dict[str, Any] = {
            "machine": bench_run.machine(),
            "versions": bench_run.versions(),
            "command": " ".join(["python", "bench/validate_scale.py", *sys.argv[1:]]),
            "baseline_ref": args.baseline_ref,
            "results": self.rows,
        }

    def measure(self, n: int) -> None:
        work = self.work_root / f"n{n}"
        facts = write_workload(work, n, self.args.ror)
        logs = work / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        ours = bench_run.run_job(
            "validate-ror", work, n, {"report": str(logs / "ours.json")},
            self.args.timeout, "validate-ours",
        )  # fmt: skip
        base, note = None, ""
        if self.src is not None:
            note = self.baseline_skip(n) or ""
            if not note:
                opts = {"src": str(self.src), "report": str(logs / "baseline.json")}
                base = bench_run.run_job(
                    "validate-ror", work, n, opts, self.args.baseline_timeout, "validate-baseline"
                )
                note = base.note
        previous = self.rows[-1] if self.rows else None
        first = self.rows[0] if self.rows else None
        seconds = ours.seconds
        row: Row = {
            "n": n,
            "step": "validate",
            "seconds": bench_run._round(seconds),
            "peak_mib": ours.peak_mib,
            "records": ours.result.get("records"),
            "findings": ours.result.get("findings"),
            "defects": len(facts.get("defects", {})),
            "per_doubling": None,
            "linear_seconds": None,
            "baseline": f"git {self.args.baseline_ref}" if self.src is not None else None,
            "baseline_seconds": bench_run._round(base.seconds) if base else None,
            "baseline_per_doubling": None,
            "baseline_peak_mib": base.peak_mib if base else None,
            "same_findings": None,
            "note": "; ".join(x for x in (ours.note, note) if x),
            "stages": ours.result.get("stages", {}),
            "baseline_stages": base.result.get("stages", {}) if base else {},
        }
        if previous is not None:
            row["per_doubling"] = per_doubling(previous["seconds"], seconds, previous["n"], n)
            row["baseline_per_doubling"] = per_doubling(
                previous["baseline_seconds"], row["baseline_seconds"], previous["n"], n
            )
        if first is not None and first["seconds"]:
            row["linear_seconds"] = bench_run._round(first["seconds"] * n / first["n"])
        if base is not None and base.seconds is not None:
            row["same_findings"] = base.result.get("report_sha256") == ours.result.get(
                "report_sha256"
            )
        self.add(row)

    def baseline_skip(self, n: int) -> str | None:
        """Why the baseline is not run at ``n`` (its time, grown at its last rate, is too long)."""
        done = [r for r in self.rows if r["baseline"] and r["n"] < n]
        if not done:
            return None
        last = done[-1]
        if last["baseline_seconds"] is None:
            return f"baseline not run: it did not finish at N={last['n']}"
        rate = max(last["baseline_per_doubling"] or 2.0, 2.0)
        guess = last["baseline_seconds"] * rate ** math.log2(n / last["n"])
        if guess > self.args.baseline_timeout:
            return (
                f"baseline not run: {last['baseline_seconds']:.0f} s at N={last['n']} grows to "
                f"~{guess:.0f} s here, over its {self.args.baseline_timeout:g} s"
            )
        return None

    def add(self, row: Row) -> None:
        self.rows.append(row)
        line = f"[N={row['n']}] validate: {bench_run._fmt(row['seconds'])} s"
        if row["baseline"]:
            line += f"; {row['baseline']}: {bench_run._fmt(row['baseline_seconds'])} s"
        if row["note"]:
            line += f" ({row['note']})"
        print(line, file=sys.stderr, flush=True)
        self.save()

    def save(self) -> None:
        if self.args.json:
            path = Path(self.args.json)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(json.dumps(self.report, indent=1) + "\n")
            os.replace(tmp, path)


def render(report: dict[str, Any]) -> str:
    """The run as text: machine, versions, seconds by N beside the baselines, the parts."""
    fmt = bench_run._fmt
    rows = report["results"]
    m = report["machine"]
    parts = [
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, "
        f"load average at start {m['load_average']}",
        "versions: " + ", ".join(f"{k} {v or '-'}" for k, v in report["versions"].items()),
        f"command: {report['command']}",
    ]
    headers = ["n", "records", "findings", "seconds", "x/doubling", "linear", "peak MiB"]
    if report.get("baseline_ref"):
        headers += ["baseline s", "base x/doubling", "ratio", "same findings"]
    headers.append("note")
    table = []
    for r in rows:
        cells = [str(r["n"]), fmt(r["records"]), fmt(r["findings"]), fmt(r["seconds"]),
                 fmt(r["per_doubling"]), fmt(r["linear_seconds"]), fmt(r["peak_mib"])]  # fmt: skip
        if report.get("baseline_ref"):
            ratio = (
                r["seconds"] / r["baseline_seconds"]
                if r["seconds"] and r["baseline_seconds"]
                else None
            )
            same = {True: "yes", False: "NO", None: "-"}[r["same_findings"]]
            cells += [fmt(r["baseline_seconds"]), fmt(r["baseline_per_doubling"]),
                      fmt(bench_run._round(ratio)), same]  # fmt: skip
        cells.append(r["note"])
        table.append(cells)
    right = set(range(len(headers) - 1))
    parts.append("\nvalidate (x/doubling 2 is linear, 4 quadratic):\n" +
                 bench_run._table(headers, table, right))  # fmt: skip
    sizes = [r["n"] for r in rows]
    if rows:
        stage_rows = []
        for who, key in (("", "stages"), ("baseline ", "baseline_stages")):
            for part in PARTS:
                figures = [r[key].get(part) for r in rows]
                if not any(figures):
                    continue
                k = None
                known = [(r["n"], f) for r, f in zip(rows, figures, strict=True) if f]
                if len(known) >= 2:
                    k = bench_run._exponent(known[-2][1], known[-1][1], known[-2][0], known[-1][0])
                stage_rows.append([who + part, *(fmt(f) for f in figures), fmt(k)])
        parts.append(
            "\nseconds by stage and part of validation (k: seconds ∝ N^k, two largest sizes):\n"
            + bench_run._table(
                ["part", *(f"N={n}" for n in sizes), "k"], stage_rows, set(range(1, len(sizes) + 2))
            )
        )
    return "\n".join(parts)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000,2000,4000", help="numbers of organisations")
    parser.add_argument("--baseline-ref", help="also measure the code of this git revision")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--ror", type=Path, help="ROR v2 records (.jsonl) to make the data of")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (with --work: always kept, "
        "and a size's data found there is reused)",
    )  # fmt: skip
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per validation")
    parser.add_argument(
        "--baseline-timeout", type=float, default=600.0,
        help="seconds the baseline gets at one size; it is not started where it would pass them",
    )  # fmt: skip
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip())
    except ValueError:
        parser.error(f"--sizes takes numbers separated by commas, not {args.sizes!r}")
    if not args.sizes or min(args.sizes) < 1:
        parser.error("--sizes: each size must be at least 1 organisation")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work_root = args.work or Path(tempfile.mkdtemp(prefix="consortia-kg-valscale-"))
    work_root.mkdir(parents=True, exist_ok=True)
    bench = ScaleBench(args, work_root)
    print(f"sizes {args.sizes}, working in {work_root}", file=sys.stderr)
    try:
        for n in args.sizes:
            bench.measure(n)
    finally:
        bench.report["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        bench.save()
        if args.work is None and not args.keep:
            shutil.rmtree(work_root, ignore_errors=True)
    print(render(bench.report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
