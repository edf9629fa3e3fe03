"""The named queries over the links across sources, asked of the whole default graph.

The build links the same organisation across the curated records and the registry snapshots
with ``skos:exactMatch`` in ``graph/links`` (src/consortia_kg/build/links.py). Each expectation
here is read from the graph by other means (the links themselves, each node's source, the
``organisation-consortia`` query of one node), never typed in. The graph is the session's
``full_kg``, built once.
"""

from __future__ import annotations

from collections import Counter

import pytest

from consortia_kg.api import Graph

BASE = "https://w3id.org/consortia-kg/"
#: The European Molecular Biology Laboratory's CORDIS node (its PIC): GEPRIS knows it too.
EMBL = BASE + "organisation/pic-999988230"

LINKS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?a ?b WHERE { GRAPH <https://w3id.org/consortia-kg/graph/links> { ?a skos:exactMatch ?b } }
"""
#: Each node's sources, as the build names them: its registries, and records for a record.
SOURCES = """
PREFIX ckg: <https://w3id.org/consortia-kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?node ?registry ?record WHERE {
  { SELECT DISTINCT ?node WHERE {
      GRAPH <https://w3id.org/consortia-kg/graph/links> { ?node ?p ?o } } }
  OPTIONAL { ?node dcterms:source ?registry . ?registry a ckg:RegistrySnapshot }
  OPTIONAL { GRAPH ?record { ?record dcterms:subject ?node } }
}
"""


@pytest.fixture(scope="module")
def links(full_kg: Graph) -> set[tuple[str, str]]:
    rows = full_kg.sparql(LINKS).records()
    pairs = {(r["a"], r["b"]) for r in rows}
    assert pairs, "the default graph has no links across sources"
    assert all((b, a) in pairs for a, b in pairs), "every link is written both ways"
    return pairs


@pytest.fixture(scope="module")
def sources(full_kg: Graph) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for r in full_kg.sparql(SOURCES).records():
        names = found.setdefault(r["node"], set())
        if r.get("registry"):
            names.add(r["registry"].rsplit("/registry/", 1)[1])
        if r.get("record"):
            names.add("records")
    return found


def consortia_of(kg: Graph, node: str, role: str | None = None) -> set[str]:
    slug = node.rsplit("/organisation/", 1)[1]
    return {r["consortium"] for r in kg.query("organisation-consortia", organisation=slug,
                                              role=role).records()}  # fmt: skip


def test_link_counts_per_pair_of_sources(
    full_kg: Graph, links: set[tuple[str, str]], sources: dict[str, set[str]]
) -> None:
    once = {(a, b) for a, b in links if a < b}
    expected = Counter(tuple(sorted((min(sources[a]), min(sources[b])))) for a, b in once)
    rows = full_kg.query("cross-source-link-counts").records()
    assert {(r["source"], r["other"]): r["links"] for r in rows} == expected
    assert sum(r["links"] for r in rows) == len(links) // 2


def test_links_are_listed_once_with_both_sources(
    full_kg: Graph, links: set[tuple[str, str]], sources: dict[str, set[str]]
) -> None:
    rows = full_kg.query("cross-source-links").records()
    assert {(r["node"], r["linked"]) for r in rows} == {(a, b) for a, b in links if a < b}
    assert len(rows) == len(links) // 2
    for r in rows:
        assert r["node_source"] == min(sources[r["node"]])
        assert r["linked_source"] == min(sources[r["linked"]])
        assert r["name"] and r["linked_name"]
    (pair, n), *_ = Counter((r["node_source"], r["linked_source"]) for r in rows).most_common(1)
    one_pair = full_kg.query("cross-source-links", source=pair[1], other=pair[0]).records()
    assert len(one_pair) == n
    either = full_kg.query("cross-source-links", source=pair[0]).records()
    assert all(pair[0] in (r["node_source"], r["linked_source"]) for r in either)
    assert len(either) == sum(pair[0] in (r["node_source"], r["linked_source"]) for r in rows)


def test_organisation_everywhere_gathers_the_linked_nodes(
    full_kg: Graph, links: set[tuple[str, str]], sources: dict[str, set[str]]
) -> None:
    nodes = {EMBL} | {b for a, b in links if a == EMBL}
    assert len({s for n in nodes for s in sources[n]}) >= 2, "EMBL is linked across sources"
    rows = full_kg.query("organisation-everywhere", organisation=EMBL).records()
    assert {r["node"] for r in rows} == nodes
    assert {r["source"] for r in rows} == {s for n in nodes for s in sources[n]} - {"records"}
    for node in nodes:
        own = consortia_of(full_kg, node)
        assert {r["consortium"] for r in rows if r["node"] == node} == own
    # from a GEPRIS node: its own consortia and those of the CORDIS node linked to it
    gepris = min(nodes - {EMBL})
    other = full_kg.query("organisation-everywhere", organisation=gepris).records()
    assert {r["node"] for r in other} == {gepris} | {b for a, b in links if a == gepris}
    assert consortia_of(full_kg, EMBL) <= {r["consortium"] for r in other}


def test_organisation_everywhere_of_an_unlinked_node_is_its_own_consortia(
    full_kg: Graph, links: set[tuple[str, str]]
) -> None:
    rows = full_kg.query("organisation-everywhere", organisation="eu-crg").records()
    assert not any(a.endswith("/eu-crg") for a, _ in links)
    assert {r["consortium"] for r in rows} == consortia_of(full_kg, BASE + "organisation/eu-crg")


@pytest.mark.parametrize(
    ("params", "source", "other", "role"),
    [
        ({}, "nfdi", "cordis-h2020", "coordinator"),
        ({"from": "cordis-h2020", "in": "nfdi", "role": "applicant"}, "cordis-h2020", "nfdi",
         "applicant"),
    ],
    ids=["nfdi-coordinating-h2020", "cordis-applying-in-nfdi"],
)  # fmt: skip
def test_linked_coordinators(
    full_kg: Graph,
    links: set[tuple[str, str]],
    sources: dict[str, set[str]],
    params: dict[str, str],
    source: str,
    other: str,
    role: str,
) -> None:
    rows = full_kg.query("linked-coordinators", **params).records()
    assert rows
    # every pair of linked nodes of the two sources, and the role's consortia of the other node
    expected = {
        (a, b, c)
        for a, b in links
        if source in sources[a] and other in sources[b]
        for c in consortia_of(full_kg, b, role)
    }
    assert {(r["organisation"], r["linked"], r["consortium"]) for r in rows} == expected
    assert {r["role"] for r in rows} == {role}
    consortia = " ".join(f"<{c}>" for c in sorted({r["consortium"] for r in rows}))
    registries = full_kg.sparql(
        "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT DISTINCT ?r WHERE { "
        f"VALUES ?c {{ {consortia} }} ?c dcterms:source ?r }}"
    ).records()
    assert {r["r"] for r in registries} == {BASE + "registry/" + other}


def test_several_sources_counts_linked_nodes_once(
    full_kg: Graph, links: set[tuple[str, str]], sources: dict[str, set[str]]
) -> None:
    rows = full_kg.query("organisations-in-several-sources").records()
    listed = {r["organisation"] for r in rows}
    assert not any((a, b) in links for a in listed for b in listed), "a linked pair is one row"
    covered = listed | {n for r in rows for n in (r.get("linked") or "").split()}
    assert all(a in covered or b in covered for a, b in links)
    embl = next(r for r in rows if EMBL in {r["organisation"], *(r.get("linked") or "").split()})
    expected = {s for n in {EMBL} | {b for a, b in links if a == EMBL} for s in sources[n]}
    assert embl["sources"] == len(expected)
    assert {w.removeprefix("registry ") for w in embl["found_in"].split(" | ")} == expected
