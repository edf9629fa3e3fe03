"""BuiltGraph.record_of raised ValueError for an IRI under the base that the build never mints.

It split the IRI on '/' and minted a graph name from the pieces, so ``consortium/`` (empty
slug) or ``consortium/ga4gh,`` (an IRI cut out of a finding's message with the comma after it,
as validate's record words do) raised "cannot mint an IRI from segment" instead of answering
"no record". It now reads the IRI with the IRI layout (consortia_kg.iris.parse_iri).
"""

from __future__ import annotations

import pytest

from consortia_kg.build.graph import build_graph
from consortia_kg.records import load_records
from helpers.paths import DATA

BASE = "https://w3id.org/consortia-kg/"


@pytest.mark.parametrize(
    "path", ["consortium/", "consortium/ga4gh,", "graph/consortium/", "organisation/a b"]
)
def test_an_iri_the_build_does_not_mint_has_no_record(path: str) -> None:
    built = build_graph(load_records(DATA), BASE)
    assert built.record_of(BASE + path) is None
    found = built.record_of(BASE + "consortium/ga4gh/working-group/lsg")
    assert found is not None and (found.kind, found.slug) == ("consortium", "ga4gh")
