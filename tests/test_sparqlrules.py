"""Pre-filtered SPARQL rules give the answers of the rules as written, and stay in use."""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox
import pytest
from rdflib import Literal, Namespace, URIRef

from consortia_kg.validate.engine import load_shapes
from consortia_kg.validate.sparqlrules import (
    PREFILTERS,
    run_sparql_constraints,
    select_fingerprint,
    sparql_constraints,
)

ORG = "http://www.w3.org/ns/org#"
CKG = "https://w3id.org/consortia-kg/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
EXACT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#exactMatch")
IDENTIFIER = ox.NamedNode("http://purl.org/dc/terms/identifier")
BASE = "https://example.org/"


def _store() -> ox.Store:
    """Organisations and consortia with names equal up to case, ROR ids that tell apart, and
    identifiers shared (a literal and an IRI of the same text are not one identifier)."""
    store = ox.Store()
    things = [
        ("org/a", ORG + "FormalOrganization", "Alpha Lab", None),
        ("org/b", ORG + "FormalOrganization", "alpha LAB", None),
        ("org/c", ORG + "FormalOrganization", "Beta Institute", None),
        ("org/d", ORG + "FormalOrganization", "Gamma Centre", "https://ror.org/01aaaaa11"),
        ("org/e", ORG + "FormalOrganization", "gamma centre", "https://ror.org/02bbbbb22"),
        ("org/f", ORG + "FormalOrganization", "Delta", "https://ror.org/03ccccc33"),
        ("org/g", ORG + "FormalOrganization", "DELTA", None),
        ("consortium/x", CKG + "Consortium", "Alpha Lab", None),  # an org's name: not a pair
        ("consortium/y", CKG + "Consortium", "Epsilon", None),
        ("consortium/z", CKG + "Consortium", "epsilon", None),
    ]
    for path, cls, name, ror in things:
        node = ox.NamedNode(BASE + path)
        store.add(ox.Quad(node, RDF_TYPE, ox.NamedNode(cls)))
        store.add(ox.Quad(node, LABEL, ox.Literal(name)))
        if ror:
            store.add(ox.Quad(node, EXACT, ox.NamedNode(ror)))
    identifiers = [
        ("org/c", IDENTIFIER, ox.Literal("grid:grid.1")),
        ("org/h", IDENTIFIER, ox.Literal("grid:grid.1")),
        ("org/h", IDENTIFIER, ox.Literal("https://ror.org/03ccccc33")),  # f's ROR id, as text
        ("org/i", EXACT, ox.NamedNode("http://www.wikidata.org/entity/Q1")),
        ("org/j", EXACT, ox.NamedNode("http://www.wikidata.org/entity/Q1")),
        ("consortium/y", IDENTIFIER, ox.Literal("grid:grid.1")),  # not an organisation
    ]
    for path, predicate, value in identifiers:
        node = ox.NamedNode(BASE + path)
        if path.startswith("org/"):
            store.add(ox.Quad(node, RDF_TYPE, ox.NamedNode(ORG + "FormalOrganization")))
        store.add(ox.Quad(node, predicate, value))
    return store


def _answers(store: ox.Store, rules: list[object]) -> list[tuple[str, str]]:
    found = run_sparql_constraints(store, None, compiled=rules)  # type: ignore[arg-type]
    return sorted((f.focus, str(f.constraint)) for f in found)


def test_every_prefilter_is_written_for_the_current_rule() -> None:
    compiled = {str(rule.constraint): rule for rule in sparql_constraints(load_shapes())}
    for iri in PREFILTERS:
        assert iri in compiled, iri
        assert compiled[iri].prefilter is PREFILTERS[iri], f"{iri}: update its fingerprint"


def test_prefiltered_rules_answer_as_the_rules_as_written() -> None:
    store = _store()
    rules = [r for r in sparql_constraints(load_shapes()) if str(r.constraint) in PREFILTERS]
    assert len(rules) == len(PREFILTERS)
    as_written = [dataclasses.replace(rule, prefilter=None) for rule in rules]
    expected = _answers(store, as_written)
    assert {focus.removeprefix(BASE) for focus, _ in expected} == {
        "org/a", "org/b", "org/c", "org/f", "org/g", "org/h", "org/i", "org/j", "consortium/y",
        "consortium/z",
    }  # fmt: skip
    assert _answers(store, rules) == expected


def test_no_candidates_no_query() -> None:
    store = ox.Store()
    node = ox.NamedNode(BASE + "org/solo")
    store.add(ox.Quad(node, RDF_TYPE, ox.NamedNode(ORG + "FormalOrganization")))
    store.add(ox.Quad(node, LABEL, ox.Literal("Solo")))
    prefilter = PREFILTERS["https://w3id.org/consortia-kg/shapes#Organisation-duplicateName"]
    assert prefilter.candidates(store, union=False) == []
    assert prefilter.candidates(_store(), union=False) == [
        BASE + "org/a", BASE + "org/b", BASE + "org/d", BASE + "org/e", BASE + "org/f",
        BASE + "org/g",
    ]  # fmt: skip
    shared_id = PREFILTERS["https://w3id.org/consortia-kg/shapes#Organisation-duplicateId"]
    assert shared_id.pairs(store, union=False) == []
    assert shared_id.pairs(_store(), union=False) == [
        (BASE + "org/c", BASE + "org/h"), (BASE + "org/h", BASE + "org/c"),
        (BASE + "org/i", BASE + "org/j"), (BASE + "org/j", BASE + "org/i"),
    ]  # fmt: skip


def test_a_changed_rule_runs_as_written() -> None:
    shapes = load_shapes()
    sh = Namespace("http://www.w3.org/ns/shacl#")
    iri = URIRef("https://w3id.org/consortia-kg/shapes#Organisation-duplicateName")
    select = str(shapes.value(iri, sh.select))
    assert select_fingerprint(select) == PREFILTERS[str(iri)].fingerprint
    assert select_fingerprint("  " + select.replace("\n", "\n  ")) == select_fingerprint(select)
    changed = select.replace("?other != $this", "$this != ?other")
    shapes.set((iri, sh.select, Literal(changed)))
    rule = next(r for r in sparql_constraints(shapes) if r.constraint == iri)
    assert rule.prefilter is None
    assert _answers(_store(), [rule]) == _answers(
        _store(), [dataclasses.replace(rule, prefilter=PREFILTERS[str(iri)])]
    )


@pytest.mark.parametrize("union", [False, True])
def test_candidates_read_named_graphs_as_their_union(union: bool) -> None:
    store = ox.Store()
    graph = ox.NamedNode(BASE + "graph/1")
    for path in ("org/p", "org/q"):
        node = ox.NamedNode(BASE + path)
        store.add(ox.Quad(node, RDF_TYPE, ox.NamedNode(ORG + "FormalOrganization"), graph))
        store.add(ox.Quad(node, LABEL, ox.Literal("Same"), graph))
    prefilter = PREFILTERS["https://w3id.org/consortia-kg/shapes#Organisation-duplicateName"]
    expected = [BASE + "org/p", BASE + "org/q"] if union else []
    assert prefilter.candidates(store, union=union) == expected


def test_a_focus_limits_each_rule_to_the_nodes_it_targets() -> None:
    store = _store()
    rules = [r for r in sparql_constraints(load_shapes()) if str(r.constraint) in PREFILTERS]
    everything = _answers(store, [dataclasses.replace(r, prefilter=None) for r in rules])
    focus = [BASE + "org/a", BASE + "consortium/y", BASE + "org/d"]
    found = run_sparql_constraints(store, None, focus=focus, compiled=rules)  # type: ignore[arg-type]
    assert sorted((f.focus, str(f.constraint)) for f in found) == [
        pair for pair in everything if pair[0] in focus
    ]
    assert {f.focus for f in found} == {BASE + "org/a", BASE + "consortium/y"}
    assert run_sparql_constraints(store, None, focus=[BASE + "org/d"], compiled=rules) == []  # type: ignore[arg-type]
