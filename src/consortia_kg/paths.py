"""Where the project's files are: data/, ontology/, shapes/, queries/.

Imports nothing of ours. In a checkout (or an editable install) they sit at the repository root;
a wheel carries ontology/, shapes/ and queries/ inside the package as ``_resources``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DEFAULT_DATA_DIR",
    "DEFAULT_KEEP",
    "DEFAULT_OUTPUT_DIR",
    "ontology_file",
    "queries_dir",
    "shapes_file",
]

#: Relative to the working directory, as a curator types them.
DEFAULT_DATA_DIR = Path("data")
DEFAULT_OUTPUT_DIR = Path("dist")
#: Releases a build keeps in the output folder besides the current one (``build --keep``).
DEFAULT_KEEP = 2

_PACKAGE = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE.parent.parent


def _resource(name: str) -> Path:
    in_checkout = _REPO_ROOT / name
    if in_checkout.is_dir():
        return in_checkout
    return _PACKAGE / "_resources" / name


def ontology_file() -> Path:
    """Return the ontology in Turtle."""
    return _resource("ontology") / "consortia.ttl"


def shapes_file() -> Path:
    """Return the SHACL shapes in Turtle."""
    return _resource("shapes") / "consortia.ttl"


def queries_dir() -> Path:
    """Return the folder of named SPARQL queries."""
    return _resource("queries")
