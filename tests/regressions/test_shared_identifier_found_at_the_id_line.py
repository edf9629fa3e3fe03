"""Issue 11: the fast engine put a shared registry identifier at the record's ``id:`` line.

Seen with ``consortia-kg validate`` on ROR records sharing an ISNI: the fast engine said
``x.yaml:2 identifiers`` where pySHACL said ``x.yaml:28 identifiers[2].value``. The SPARQL rule's
``?value`` came back from pyoxigraph as ``"…"^^xsd:string``, which was not the plain literal the
build had indexed, so the finding fell back to the record's first line. Plain string values are
now plain literals, as pySHACL reports them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from consortia_kg.pipeline import validate_data

TWIN = """\
id: alpha-twin
name: Alpha Twin Institute
identifiers:
  - scheme: grid
    value: grid.0000.1
"""


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_shared_identifier_is_found_at_its_value(valid_copy: Path, engine: str) -> None:
    (valid_copy / "organisations" / "alpha-twin.yaml").write_text(TWIN, encoding="utf-8")
    run = validate_data(valid_copy, engine=engine)
    found = [p for p in run.problems if "same identifier grid:grid.0000.1" in p.message]
    places = sorted((Path(p.file).name, p.line, p.key) for p in found)
    assert places == [
        ("alpha-institute.yaml", 26, "identifiers[1].value"),
        ("alpha-twin.yaml", 5, "identifiers[1].value"),
    ]
