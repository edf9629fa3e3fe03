"""Write N organisation records made from real ROR records (issue 11's validate workload).

    python bench/ror_workload.py N OUT [--ror FILE.jsonl]

The ROR file (default ``../shared/data/ror-records-v2.0.jsonl`` beside the repository, or in
``$CONSORTIA_KG_SHARED/data`` as the tests read it; 477 records, CC0, SOURCES.md section 2) is
imported with ``consortia-kg import ror`` into ``OUT`` as it is. Its organisation records are
then copied, copy 1, 2, … in turn, until there are N: each copy gets its own ROR id
(:func:`copy_ror`), Wikidata id and registry identifiers (the original's with the copy's number),
and its name, labels (every language, their types) and acronym with a word of its own added
(:func:`copy_word`), so no two records share a name or an identifier. Locations, links,
domains, types and dates are kept; a relationship to an organisation of the import points at the
same copy of that organisation. Below 477, the first N records by id are kept (a relationship
may then point at a record left out: a finding).

One copy in 100 (the first, the 101st, …) carries one known defect, the kinds of
:data:`DEFECTS` in turn, so that validation has findings of each kind to report (SHACL core, the
SHACL-SPARQL rules and the likely-duplicate check); :func:`generate` returns them. The same N
and ROR file give the same bytes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

#: The ROR records the workload is made of (SOURCES.md section 2).
DEFAULT_ROR = (
    Path(os.environ.get("CONSORTIA_KG_SHARED") or ROOT.parent / "shared")
    / "data"
    / "ror-records-v2.0.jsonl"
)
#: Each defect a copy may carry, and words of the finding validation reports for it.
DEFECTS = {
    "same-name": "another organisation record has the same name",
    "same-identifier": "another organisation record has the same identifier",
    "unknown-relationship": "is not a known organisation",
    "similar-name": "may be the same organisation as",
}
#: One copy in this many carries a defect.
DEFECT_EVERY = 100

_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "bu", "da", "fe", "go", "hi")


def copy_word(copy: int) -> str:
    """The word copy ``copy`` adds to names: distinct per copy, pronounceable ("Kalomi")."""
    syllables = []
    number = copy
    while True:
        number, digit = divmod(number, len(_SYLLABLES))
        syllables.append(_SYLLABLES[digit])
        if number == 0:
            break
    return ("".join(reversed(syllables)) + "ra").capitalize()


def copy_ror(index: int, copy: int) -> str:
    """The ROR id of copy ``copy`` of the ``index``-th record, of the form ROR uses (``0`` + 6
    letters or digits + 2 digits; no ROR id begins ``0z``)."""
    return f"https://ror.org/0z{_base36(copy * 1000 + index, 5)}{index % 100:02d}"


def _base36(number: int, width: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, digit = divmod(number, 36)
        out = digits[digit] + out
    if len(out) > width:
        raise ValueError(f"copy {number} does not fit in {width} base-36 digits")
    return out.rjust(width, "0")


def import_ror(ror_file: Path, data: Path) -> None:
    """Import the ROR file as it is (``consortia-kg import ror``)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    subprocess.run(
        [sys.executable, "-m", "consortia_kg", "import", "ror", "--data", str(data), "--yes",
         "--quiet", str(ror_file)],
        check=True, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def generate(n: int, out: Path, ror_file: Path = DEFAULT_ROR) -> dict[str, str]:
    """Write ``n`` organisation records into ``out`` (a new data folder); return the defects.

    The defects map each defective record's slug to its kind (a key of :data:`DEFECTS`).
    """
    from consortia_kg.records.writer import read_record_text, render_record

    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    import_ror(ror_file, out)
    folder = out / "organisations"
    files = sorted(folder.glob("*.yaml"))
    originals = [
        read_record_text(path.read_text(encoding="utf-8"), "organisation", str(path))
        for path in files
    ]
    if n < len(originals):  # fewer than the import: keep the first n (by slug)
        for path in files[n:]:
            path.unlink()
        return {}
    if len(originals) > 1000:
        raise ValueError("copy_ror numbers at most 1000 records a copy")
    slugs = {str(record["id"]): index for index, record in enumerate(originals)}
    by_ror = {str(record["ror"]): index for index, record in enumerate(originals)}
    defects: dict[str, str] = {}
    kinds = list(DEFECTS)
    made, copy = len(originals), 0
    while made < n:
        copy += 1
        for index, original in enumerate(originals):
            if made >= n:
                break
            record = _copy(original, index, copy, slugs, by_ror)
            made += 1
            number = made - len(originals)  # 1, 2, … over every copy
            if number % DEFECT_EVERY == 1:
                kind = kinds[len(defects) % len(kinds)]
                _add_defect(record, original, kind)
                defects[str(record["id"])] = kind
            text = render_record("organisation", record, comment=f"copy {copy} of a ROR record")
            (folder / f"{record['id']}.yaml").write_text(text, encoding="utf-8")
    return defects


def _copy(
    original: dict[str, Any], index: int, copy: int, slugs: dict[str, int], by_ror: dict[str, int]
) -> dict[str, Any]:
    word = copy_word(copy)
    record = dict(original)
    ror = copy_ror(index, copy)
    record["id"] = ror.rsplit("/", 1)[1]
    record["ror"] = ror
    record["name"] = f"{original['name']} {word}"
    if original.get("acronym"):
        record["acronym"] = f"{original['acronym']}-{copy}"
    labels = []
    for label in original.get("labels") or []:
        label = dict(label)
        acronym = label.get("types") == ["acronym"]
        label["value"] = f"{label['value']}-{copy}" if acronym else f"{label['value']} {word}"
        labels.append(label)
    record["labels"] = labels
    if original.get("wikidata"):
        record["wikidata"] = f"{original['wikidata']}9{copy:05d}"
    record["identifiers"] = [
        {**ident, "value": f"{ident['value']}-copy{copy}"}
        for ident in original.get("identifiers") or []
    ]
    relationships = []
    for rel in original.get("relationships") or []:
        rel = dict(rel)
        if rel.get("organisation") in slugs:  # an organisation of the import: the same copy of it
            rel["ror"] = copy_ror(slugs[rel["organisation"]], copy)
            rel["organisation"] = rel["ror"].rsplit("/", 1)[1]
        elif rel.get("ror") in by_ror:
            rel["ror"] = copy_ror(by_ror[rel["ror"]], copy)
        relationships.append(rel)
    record["relationships"] = relationships
    return record


def _add_defect(record: dict[str, Any], original: dict[str, Any], kind: str) -> None:
    if kind == "same-name":  # no ROR id: the original's name again is a second record for it
        record.pop("ror", None)
        record.pop("wikidata", None)
        record["name"] = original["name"]
    elif kind == "same-identifier":
        original_ids = original.get("identifiers") or []
        if original_ids:
            record["identifiers"] = [*record["identifiers"], dict(original_ids[0])]
        else:  # no registry identifier to share: the Wikidata id then
            record["wikidata"] = original.get("wikidata") or "Q1"
    elif kind == "unknown-relationship":
        record["relationships"] = [
            *(record.get("relationships") or []),
            {"type": "related", "organisation": f"missing-{record['id']}"},
        ]
    elif kind == "similar-name":  # no ROR id and a typo in the original's name
        record.pop("ror", None)
        record.pop("wikidata", None)
        name = str(original["name"])
        at = len(name) // 2
        record["name"] = name[:at] + ("x" if name[at] != "x" else "y") + name[at + 1 :]
    else:
        raise ValueError(f"unknown defect {kind!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of organisation records")
    parser.add_argument("out", type=Path, help="the data folder to write (new or empty)")
    parser.add_argument("--ror", type=Path, default=DEFAULT_ROR, help="ROR v2 records (.jsonl)")
    args = parser.parse_args()
    defects = generate(args.n, args.out, args.ror)
    for slug, kind in sorted(defects.items()):
        print(f"{slug}\t{kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
