"""What a build's outputs were made from: the fingerprints of the records and of the builder.

The pipeline writes a *manifest* beside the dumps it writes (``.manifest.json``, hidden: it is
no dump, so ``SHA256SUMS``, VoID and ``/dumps/`` do not list it); the store keeps the same facts
in its own ``meta.json``. Comparing a manifest's ``fingerprint`` with the one the records give
now tells, without parsing a record, whether an output is stale.

The fingerprint holds the base IRI, the builder's fingerprint, the data folder's own name and,
for every record file, its path relative to that folder and its bytes: never an absolute path,
a modification time or an inode, so a copied folder with byte-identical records needs nothing
rebuilt. The folder's name is in because the graph says it (``ckg:recordFile`` is
``data/consortia/x.yaml``): the same records under another name are another graph.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from consortia_kg import __version__
from consortia_kg.atomic import write_atomic
from consortia_kg.build import BUILDER_MODULES
from consortia_kg.records.load import record_files

#: ``reconcile.review.REVIEW_FILE``, not imported: every `query` reads this module, and the
#: review module brings the reconciliation engine (tests/test_reconcile_engine.py checks them)
REVIEW_FILE = "review.yaml"

__all__ = [
    "MANIFEST_NAME",
    "Manifest",
    "builder_fingerprint",
    "data_fingerprint",
    "read_manifest",
    "remove_manifest",
    "write_manifest",
]

#: The manifest's file name inside a folder of dumps.
MANIFEST_NAME = ".manifest.json"
#: Bumped when the manifest's fields change, so an old one reads as stale.
_LAYOUT = 1


@dataclass(frozen=True)
class Manifest:
    """What a folder of dumps was built from, and what it holds."""

    version: str
    base: str
    builder: str
    #: ``data_fingerprint`` of the records, taken before they were read
    fingerprint: str
    quads: int
    graphs: int
    layout: int = _LAYOUT


_builder: str | None = None


def builder_fingerprint() -> str:
    """Hash the code that turns records into quads (read once per process)."""
    global _builder
    if _builder is None:
        h = hashlib.sha256(__version__.encode())
        for name in BUILDER_MODULES:
            spec = importlib.util.find_spec(name)
            assert spec is not None and spec.origin is not None, name
            h.update(Path(spec.origin).read_bytes())
        _builder = h.hexdigest()
    return _builder


def data_fingerprint(data_dir: Path, base: str) -> str:
    """Hash every record file's relative path and bytes, without parsing them (no YAML)."""
    h = hashlib.sha256(f"{base}\n{builder_fingerprint()}\n{data_dir.name}\n".encode())
    # listed as the build lists them; an entry that cannot be read (a folder, a broken link)
    # changes the fingerprint, so the build that follows reports it instead of skipping it
    files, listing = record_files(data_dir)
    for found in files:
        digest = hashlib.sha256(found.path.read_bytes()).hexdigest()
        h.update(f"{found.path.parent.name}/{found.path.name}\0{digest}\n".encode())
    for problem in listing:
        if problem.fatal:
            h.update(f"{problem.file}\0{problem.message}\n".encode())
    # registry snapshots: every file of every snapshot folder (the manifest and its data)
    for path in sorted((data_dir / "registries").glob("*/*")):
        if path.is_file() and not path.name.startswith("."):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            h.update(f"registries/{path.parent.name}/{path.name}\0{digest}\n".encode())
    # the curators' decisions on links across sources
    review = data_dir / REVIEW_FILE
    if review.is_file():
        digest = hashlib.sha256(review.read_bytes()).hexdigest()
        h.update(f"{REVIEW_FILE}\0{digest}\n".encode())
    return h.hexdigest()


def read_manifest(folder: Path) -> Manifest | None:
    """Return the manifest of a folder of dumps, or None when it has none (or an old one)."""
    try:
        manifest = Manifest(**json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    return manifest if manifest.layout == _LAYOUT else None


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Replace the manifest atomically (written last, once every dump is in place)."""
    text = json.dumps(asdict(manifest), indent=1, sort_keys=True) + "\n"
    write_atomic(folder / MANIFEST_NAME, text.encode())


def remove_manifest(folder: Path) -> None:
    """Drop the manifest before dumps are replaced: a build cut short leaves none, so stale."""
    (folder / MANIFEST_NAME).unlink(missing_ok=True)
