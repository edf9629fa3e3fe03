"""Issue 11: which technique should map a registry table? Measured on CORDIS H2020's memberships.

    python bench/mapping_technique.py [--other-python /tmp/mkgc-venv/bin/python] [--json FILE]

The same subset of the H2020 mapping (every participations row: a project typed ckg:Consortium
and schema:ResearchProject with its dates and org:hasMember, an org:Membership with member,
organisation and role; bench/cordis_memberships.rml.ttl says it in RML) is written as N-Triples
by three techniques, each in a process of its own, timing the work only (after the imports):

  csv        the hand-written mapping's technique: the csv module, terms as f-strings
  polars     the same lines built as polars string columns (vectorised, in Rust)
  morph-kgc  the RML mapping, materialised by morph-kgc (an RML/YARRRML engine)

and, for scale, the whole hand-written mapping (``registries.map_snapshots``: every fact,
every check, the findings at file:row). Each output's distinct triples are parsed back with
pyoxigraph, counted and hashed, so the techniques are shown to write the same graph.

polars and morph-kgc are not dependencies of the project: install them into a separate venv
(``python -m venv /tmp/mkgc-venv && /tmp/mkgc-venv/bin/pip install morph-kgc polars``) and pass
its Python as ``--other-python``; a technique whose package is missing is reported as such.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RML = BENCH / "cordis_memberships.rml.ttl"
PARTICIPATIONS = Path("registries") / "cordis-h2020" / "participations.csv.gz"

KG = "https://w3id.org/consortia-kg/"
CKG = KG + "ontology#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
DATE = "<http://www.w3.org/2001/XMLSchema#date>"
MISSING = ("", "NA")

# --- the techniques (each runs in a child process: python mapping_technique.py --run NAME) -----


def run_csv(source: Path, target: Path) -> None:
    """The hand-written technique: csv rows → f-string lines."""
    import csv

    lines: list[str] = []
    add = lines.append
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rcn, pic, role = row["rcn"], row["pic"], row["role"]
            c = f"<{KG}consortium/cordis-{rcn}>"
            o = f"<{KG}organisation/pic-{pic}>"
            m = f"<{KG}consortium/cordis-{rcn}/membership/pic-{pic}>"
            add(f"{c} {RDF_TYPE} <{CKG}Consortium> .\n")
            add(f"{c} {RDF_TYPE} <{SCHEMA}ResearchProject> .\n")
            add(f"{c} <{ORG}hasMember> {o} .\n")
            for column, predicate in (("start_date", "startDate"), ("end_date", "endDate")):
                if row[column] not in MISSING:
                    add(f'{c} <{SCHEMA}{predicate}> "{row[column]}"^^{DATE} .\n')
            add(f"{m} {RDF_TYPE} <{ORG}Membership> .\n")
            add(f"{m} <{ORG}member> {o} .\n")
            add(f"{m} <{ORG}organization> {c} .\n")
            add(f"{m} <{ORG}role> <{KG}role/{role}> .\n")
    target.write_text("".join(lines), encoding="utf-8")


def run_polars(source: Path, target: Path) -> None:
    """The same lines as polars string columns."""
    import polars as pl  # type: ignore[import-not-found]

    frame = pl.read_csv(source, infer_schema=False, columns=["rcn", "pic", "role",
                        "start_date", "end_date"])  # fmt: skip
    c = pl.concat_str([pl.lit(f"<{KG}consortium/cordis-"), pl.col("rcn"), pl.lit(">")])
    o = pl.concat_str([pl.lit(f"<{KG}organisation/pic-"), pl.col("pic"), pl.lit(">")])
    m = pl.concat_str(
        [pl.lit(f"<{KG}consortium/cordis-"), pl.col("rcn"), pl.lit("/membership/pic-"),
         pl.col("pic"), pl.lit(">")]
    )  # fmt: skip

    def line(*parts: Any) -> Any:
        return pl.concat_str([*parts, pl.lit(" .")], separator="")

    def dated(column: str, predicate: str) -> Any:
        value = pl.col(column)
        text = line(c, pl.lit(f' <{SCHEMA}{predicate}> "'), value, pl.lit(f'"^^{DATE}'))
        return pl.when(value.is_in(list(MISSING)).not_() & value.is_not_null()).then(text)

    columns = [
        line(c, pl.lit(f" {RDF_TYPE} <{CKG}Consortium>")),
        line(c, pl.lit(f" {RDF_TYPE} <{SCHEMA}ResearchProject>")),
        line(c, pl.lit(f" <{ORG}hasMember> "), o),
        dated("start_date", "startDate"),
        dated("end_date", "endDate"),
        line(m, pl.lit(f" {RDF_TYPE} <{ORG}Membership>")),
        line(m, pl.lit(f" <{ORG}member> "), o),
        line(m, pl.lit(f" <{ORG}organization> "), c),
        line(m, pl.lit(f" <{ORG}role> <{KG}role/"), pl.col("role"), pl.lit(">")),
    ]
    lines = frame.select(pl.concat_list(columns).alias("l")).explode("l").drop_nulls()
    # one column, never quoted: each value is a line as it is (polars ends each with "\n")
    lines.write_csv(target, include_header=False, quote_style="never")


def run_morph(source: Path, target: Path) -> None:
    """The RML mapping, materialised by morph-kgc into an N-Triples file."""
    import morph_kgc  # type: ignore[import-not-found]

    mapping = target.with_suffix(".rml.ttl")
    mapping.write_text(
        RML.read_text().replace('rml:source "participations.csv"', f'rml:source "{source}"')
    )
    config = (
        "[CONFIGURATION]\n"
        f"output_file={target}\noutput_format=N-TRIPLES\nna_values=,NA\n"
        f"[DataSource1]\nmappings={mapping}\n"
    )
    triples = morph_kgc.materialize_set(config)
    target.write_text("".join(f"{t} .\n" for t in triples), encoding="utf-8")


def run_full(data: Path, target: Path) -> None:
    """The whole hand-written mapping (every fact, every check), for scale."""
    sys.path.insert(0, str(ROOT / "src"))
    from consortia_kg.registries import map_snapshots
    from consortia_kg.vocab import resolve_base_iri

    mapped = map_snapshots(data, resolve_base_iri(None))
    target.write_bytes(b"".join(m.nquads for m in mapped if m.id == "cordis-h2020"))


TECHNIQUES = {"csv": run_csv, "polars": run_polars, "morph-kgc": run_morph, "full": run_full}
PACKAGES = {"polars": "polars", "morph-kgc": "morph_kgc"}


def child(name: str, source: Path, target: Path, out: Path) -> None:
    """Run one technique in this process and write its seconds (imports excluded) to ``out``."""
    import importlib

    if name in PACKAGES:
        importlib.import_module(PACKAGES[name])  # imported before the clock starts
    started = time.perf_counter()
    TECHNIQUES[name](source, target)
    out.write_text(json.dumps({"seconds": time.perf_counter() - started}))


# --- the parent ----------------------------------------------------------------------------------


def graph_of(path: Path, quads: bool) -> tuple[int, str]:
    """The distinct triples of a file (graph names dropped): their count and a digest."""
    import pyoxigraph as ox

    fmt = ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES
    lines = set()
    for item in ox.parse(path=str(path), format=fmt):
        lines.add(f"{item.subject} {item.predicate} {item.object} .\n")
    digest = hashlib.sha256("".join(sorted(lines)).encode()).hexdigest()[:16]
    return len(lines), digest


def measure(name: str, python: str, source: Path, work: Path) -> dict[str, Any]:
    target, out = work / f"{name}.nt", work / f"{name}.json"
    done = subprocess.run(
        [python, __file__, "--run", name, str(source), str(target), str(out)],
        capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    if done.returncode != 0 or not out.is_file():
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"technique": name, "error": tail}
    seconds = json.loads(out.read_text())["seconds"]
    triples, digest = graph_of(target, quads=name == "full")
    return {"technique": name, "python": python, "seconds": round(seconds, 2),
            "triples": triples, "digest": digest}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--other-python", default="/tmp/mkgc-venv/bin/python",
                        help="a Python with polars and morph-kgc installed")  # fmt: skip
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--run", nargs=4, metavar=("NAME", "SOURCE", "TARGET", "OUT"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args(argv)
    if args.run:
        name, source, target, out = args.run
        child(name, Path(source), Path(target), Path(out))
        return 0
    other = args.other_python if Path(args.other_python).is_file() else sys.executable
    work = Path(tempfile.mkdtemp(prefix="mapping-technique-"))
    try:
        source = work / "participations.csv"
        with gzip.open(args.data / PARTICIPATIONS, "rb") as packed, source.open("wb") as plain:
            shutil.copyfileobj(packed, plain)
        results = [
            measure("csv", sys.executable, source, work),
            measure("polars", other, source, work),
            measure("morph-kgc", other, source, work),
            measure("full", sys.executable, args.data, work),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    subset = {r["digest"] for r in results if "digest" in r and r["technique"] != "full"}
    print(f"{'technique':<10} {'seconds':>8} {'triples':>9}  digest")
    for r in results:
        if "error" in r:
            print(f"{r['technique']:<10} {'-':>8} {'-':>9}  {r['error']}")
        else:
            print(f"{r['technique']:<10} {r['seconds']:>8.2f} {r['triples']:>9}  {r['digest']}")
    print(
        "the three techniques write the same triples"
        if len(subset) == 1
        else "the techniques' triples DIFFER"
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "same": len(subset) == 1},
                                              indent=1) + "\n")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
