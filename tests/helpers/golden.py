"""The golden files of ``tests/fixtures/golden/``: what they hold and how they are made.

``tests/test_golden.py`` compares fresh output with them; ``python tests/regen_golden.py``
rewrites them after an intended change (review the diff as you would review code).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from helpers.paths import FIXTURES, VALID

__all__ = ["BROKEN_EDITS", "GOLDEN", "GOLDEN_DUMPS", "golden_dumps", "golden_report"]

GOLDEN = FIXTURES / "golden"
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
    # the report names files relative to the working folder, as a curator runs it
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        run = validate_data(Path("data"))
    finally:
        os.chdir(cwd)
    return {fmt: format_report(run.problems, run.record_count, fmt) for fmt in ("text", "json")}
