"""Where the tests find the repository's folders and the outside data in ``../shared``."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

__all__ = [
    "BENCH",
    "DATA",
    "FIXTURES",
    "REAL_DATA",
    "RECORDS",
    "ROOT",
    "SHARED_ENV",
    "VALID",
    "missing_shared_data",
    "shared_data_folder",
]

#: The repository (the folder holding ``pyproject.toml``).
ROOT = Path(__file__).resolve().parents[2]
#: The default data folder: the curated records and the registry snapshots (CORDIS, NFDI...).
REAL_DATA = ROOT / "data"


def _curated_records() -> Path:
    """Copy the curated records (no registry snapshots) once per test process.

    Building the snapshots takes a minute; the many tests of the records build them alone, and
    the tests of the whole default graph share one build (the ``full_*`` session fixtures).
    """
    target = Path(tempfile.mkdtemp(prefix="ckg-records-")) / "data"
    shutil.copytree(REAL_DATA, target, ignore=shutil.ignore_patterns("registries"))
    atexit.register(shutil.rmtree, target.parent, True)
    return target


#: The real, curated records alone (a copy of data/ without data/registries/).
DATA = _curated_records()
#: How many curated records there are (one named graph each)
RECORDS = len(list(DATA.glob("*/*.yaml")))
#: Test fixtures (see tests/fixtures/README.md).
FIXTURES = ROOT / "tests" / "fixtures"
#: The small made-up data folder that uses every key of the record format once.
VALID = FIXTURES / "valid"
#: The benchmark scripts (``generate.py`` writes synthetic data sets for tests too).
BENCH = ROOT / "bench"
#: Names the folder that holds ``data/`` with the outside files (registry dumps, ROR, pages),
#: when it is not ``../shared`` beside the repository; set it to a missing folder to see which
#: tests need it.
SHARED_ENV = "CONSORTIA_KG_SHARED"


def shared_data_folder() -> Path:
    """Return ``../shared/data`` (or ``$CONSORTIA_KG_SHARED/data``), present or not."""
    shared = os.environ.get(SHARED_ENV)
    return (Path(shared) if shared else ROOT.parent / "shared") / "data"


def missing_shared_data() -> str | None:
    """Say why the tests of outside files cannot run here, or None when they can."""
    folder = shared_data_folder()
    if folder.is_dir():
        return None
    return (
        f"../shared/data is absent: {folder} holds the outside files the importer tests read "
        f"(registry dump, ROR records, catalogue page); set {SHARED_ENV} to the folder holding it"
    )
