"""Rebuild the golden files in tests/fixtures/golden/ from tests/fixtures/valid/.

Run ``python tests/regen_golden.py`` after an intended change to the dumps or the report, then
review ``git diff tests/fixtures/golden`` as you would review code.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
VALID = HERE / "fixtures" / "valid"
GOLDEN = HERE / "fixtures" / "golden"
#: Dumps whose bytes depend only on our code (gzip bytes and the checksums of them depend on zlib).
GOLDEN_DUMPS = ("consortia.ttl", "consortia.nt", "consortia.nq", "consortia.jsonld")
#: Edits that break the valid fixture in several ways at once, for the report golden.
BROKEN_EDITS = {
    "consortia/demo-consortium.yaml": [
        ('year_launched: "2010"', 'year_launched: "2300"'),
        ("status: active", "status: finished"),
        ("  - organisation: alpha-institute", "  - organisation: alfa-institute"),
    ],
    "organisations/beta-university.yaml": [("  - demo-source", "  - demo-sauce")],
}


def golden_dumps(out: Path) -> dict[str, bytes]:
    """Build the valid fixture into ``out`` and return the golden dumps' bytes."""
    from consortia_kg.pipeline import build_dumps

    run = build_dumps(VALID, out)
    assert run.files, run.problems
    return {name: run.files[name].read_bytes() for name in GOLDEN_DUMPS}


def golden_report(workdir: Path) -> dict[str, str]:
    """Validate a broken copy of the fixture; return its text and JSON reports."""
    import os

    from consortia_kg.pipeline import validate_data
    from consortia_kg.validate.report import format_report

    data = workdir / "data"
    shutil.copytree(VALID, data)
    for name, edits in BROKEN_EDITS.items():
        path = data / name
        text = path.read_text()
        for old, new in edits:
            text = text.replace(old, new, 1)
        path.write_text(text)
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        run = validate_data(Path("data"))
    finally:
        os.chdir(cwd)
    return {fmt: format_report(run.problems, run.record_count, fmt) for fmt in ("text", "json")}


def main() -> int:
    """Write every golden file."""
    GOLDEN.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in golden_dumps(Path(tmp) / "dist").items():
            (GOLDEN / name).write_bytes(content)
        reports = golden_report(Path(tmp))
    (GOLDEN / "report.txt").write_text(reports["text"])
    (GOLDEN / "report.json").write_text(reports["json"])
    print(
        f"golden files written to {GOLDEN.relative_to(Path.cwd()) if GOLDEN.is_relative_to(Path.cwd()) else GOLDEN}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
