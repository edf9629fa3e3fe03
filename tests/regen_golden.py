"""Rebuild the golden files in tests/fixtures/golden/ from tests/fixtures/valid/.

Run ``python tests/regen_golden.py`` after an intended change to the dumps or the report, then
review ``git diff tests/fixtures/golden`` as you would review code. What the files hold and how
they are made is in ``tests/helpers/golden.py``, which ``tests/test_golden.py`` shares.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

# run as a script, Python puts tests/ first on the path: the helpers import as under pytest
from helpers.golden import GOLDEN, golden_dumps, golden_report


def main() -> int:
    """Write every golden file."""
    GOLDEN.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in golden_dumps(Path(tmp) / "dist").items():
            (GOLDEN / name).write_bytes(content)
        reports = golden_report(Path(tmp))
    (GOLDEN / "report.txt").write_text(reports["text"])
    (GOLDEN / "report.json").write_text(reports["json"])
    shown = GOLDEN.relative_to(Path.cwd()) if GOLDEN.is_relative_to(Path.cwd()) else GOLDEN
    print(f"golden files written to {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
