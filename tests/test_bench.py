"""The benchmark's own smoke run (N = 100, --quick): the JSON's structure, never its timings."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from consortia_kg.query.named import list_queries
from helpers.paths import DATA

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "bench" / "run.py"


def _load_run() -> Any:
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "bench.json"
    done = subprocess.run(
        [sys.executable, str(RUN), "--sizes", "100", "--quick", "--json", str(out),
         "--work", str(folder / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text()), done.stdout


@pytest.mark.slow
def test_smoke_json_structure(smoke: tuple[dict[str, Any], str]) -> None:
    report, _ = smoke
    assert {"machine", "versions", "results"} <= set(report)
    assert {"cpu", "cores", "memory_gib"} <= set(report["machine"])
    assert report["machine"]["cores"] >= 1
    for name in ("python", "pyoxigraph", "pyshacl", "pyshacl-turbo", "rdflib", "consortia-kg"):
        assert report["versions"][name], name
    keys = {"n", "step", "seconds", "peak_mib", "baseline", "baseline_seconds"}
    for row in report["results"]:
        assert keys <= set(row), row
        assert row["n"] == 100


@pytest.mark.slow
def test_smoke_every_step_measured(smoke: tuple[dict[str, Any], str]) -> None:
    report, _ = smoke
    rows = {row["step"]: row for row in report["results"]}
    expected = {"generate", "build", "validate", "store", "endpoint", "endpoint-nocache"}
    expected.add("endpoint-rdflib")
    expected |= {f"query:{q.name}" for q in list_queries()}
    session = importlib.util.find_spec("consortia_kg.session") is not None
    expected.add("revalidate")
    assert expected <= set(rows), sorted(expected - set(rows))
    for step, row in rows.items():
        if step == "revalidate" and not session:
            assert "not available" in row["note"]
            continue
        assert row["seconds"] is not None and row["seconds"] > 0, row
        assert row["peak_mib"] is not None and row["peak_mib"] > 0, row


@pytest.mark.slow
def test_smoke_baselines(smoke: tuple[dict[str, Any], str]) -> None:
    report, _ = smoke
    rows = {row["step"]: row for row in report["results"]}
    assert rows["build"]["baseline"].startswith("pyoxigraph")
    assert rows["build"]["baseline_seconds"] > 0
    assert rows["store"]["baseline_seconds"] > 0
    assert rows["endpoint"]["baseline"] == "oxigraph serve"
    assert rows["endpoint"]["baseline_seconds"] > 0
    assert rows["endpoint"]["details"]["rps"] > 0
    assert rows["endpoint-nocache"]["baseline"] == "oxigraph serve"
    assert rows["endpoint-nocache"]["details"]["rps"] > 0
    # pySHACL either finished or the note says it did not, within its time
    validate = rows["validate"]
    assert validate["baseline"] == "pyshacl"
    assert validate["baseline_seconds"] or "did not finish" in validate["note"]
    for step, row in rows.items():
        if step.startswith("query:"):
            assert row["baseline_seconds"] > 0, row
            assert "row counts differ" not in row["note"], row


@pytest.mark.slow
def test_smoke_prints_the_table(smoke: tuple[dict[str, Any], str]) -> None:
    _, stdout = smoke
    assert "machine:" in stdout and "versions:" in stdout
    assert "baseline seconds" in stdout and "peak MiB" in stdout
    assert "targets (issue 6)" in stdout
    assert "consortia-kg serve, cache off" in stdout


def test_steps_bring_what_they_need() -> None:
    run = _load_run()
    args = run.parse_args(["--sizes", "100", "--steps", "queries"])
    assert args.steps == ["generate", "build", "store", "queries"]
    assert run.parse_args(["--quick"]).pyshacl_timeout == 60
    assert run.parse_args([]).pyshacl_timeout == 600
    with pytest.raises(SystemExit):
        run.parse_args(["--steps", "nonsense"])


def test_growth_exponent() -> None:
    run = _load_run()
    rows = [
        {"n": n, "step": "build", "seconds": s, "peak_mib": 1.0, "baseline_seconds": b}
        for n, s, b in ((100, 1.0, 0.5), (1000, 10.0, 50.0))
    ]
    (entry,) = run.growth(rows)
    assert entry["exponent"] == 1.0
    assert entry["baseline_exponent"] == 2.0


# --- bench/real.py: the real default graph's workload, run here on the curated records only ---

REAL = ROOT / "bench" / "real.py"


@pytest.mark.slow
def test_real_workload_runs_every_step_beside_its_baseline(tmp_path: Path) -> None:
    # the curated records without registry snapshots: seconds, not the 1.76M-quad graph
    out = tmp_path / "real.json"
    done = subprocess.run(
        [sys.executable, str(REAL), "--data", str(DATA), "--json", str(out),
         "--work", str(tmp_path / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    rows = {row["step"]: row for row in report["results"]}
    assert set(rows) == {"build", "validate", "mapping", "serve"}
    for step in ("build", "validate", "serve"):
        assert rows[step]["seconds"] > 0 and rows[step]["baseline_seconds"] > 0, rows[step]
        assert rows[step]["ratio"] > 0
    assert rows["build"]["details"]["quads"] == rows["build"]["details"]["baseline_quads"]
    assert "no registry snapshot" in rows["mapping"]["note"]
    assert {t["target"] for t in report["targets"]} >= {"build within 60 s", "serve within 15 s"}
    assert "targets (issue 11)" in done.stdout


def test_real_steps_bring_what_they_need() -> None:
    spec = importlib.util.spec_from_file_location("bench_real", REAL)
    assert spec is not None and spec.loader is not None
    real = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(real)
    assert real.parse_args(["--steps", "serve"]).steps == ["build", "serve"]
    with pytest.raises(SystemExit):
        real.parse_args(["--steps", "nonsense"])


# --- issue 11: validate on N real ROR organisations (bench/validate_scale.py) -------------------

SCALE = ROOT / "bench" / "validate_scale.py"


@pytest.mark.slow
def test_validate_scale_smoke(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "scale.json"
    done = subprocess.run(
        [sys.executable, str(SCALE), "--sizes", "100,600", "--baseline-ref", "HEAD",
         "--json", str(out), "--work", str(tmp_path / "work"),
         "--ror", str(shared_data / "ror-records-v2.0.jsonl")],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    rows = report["results"]
    assert [(r["n"], r["records"]) for r in rows] == [(100, 101), (600, 601)]  # + the ROR source
    assert rows[1]["defects"] == 2 and rows[1]["per_doubling"] and rows[1]["linear_seconds"]
    for row in rows:
        assert row["seconds"] > 0 and row["baseline_seconds"] > 0, row
        assert row["same_findings"] is True, row
        assert {"load", "build", "validate", "sparql-rules", "duplicates"} <= set(row["stages"])
    assert "x/doubling" in done.stdout and "baseline sparql-rules" in done.stdout


def test_ror_workload_ids_are_distinct() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from ror_workload import copy_ror, copy_word

    ids = {copy_ror(index, copy) for index in range(1000) for copy in range(1, 40)}
    assert len(ids) == 1000 * 39
    assert all(i.startswith("https://ror.org/0z") and len(i) == len("https://ror.org/0") + 8
               for i in ids)  # fmt: skip
    assert len({copy_word(copy) for copy in range(1, 2000)}) == 1999


def test_per_doubling() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from validate_scale import per_doubling

    assert per_doubling(1.0, 4.0, 1000, 2000) == 4.0
    assert per_doubling(1.0, 4.0, 1000, 4000) == 2.0
    assert per_doubling(None, 4.0, 1000, 4000) is None
