"""SPARQL text read one way: the lexer's and the grammar's answers, checked on real pyoxigraph."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from consortia_kg import sparqltext


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("# ASK\nSELECT * { ?s ?p ?o }", "SELECT"),
        ("PREFIX ask: <http://x/> construct { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("describe <http://x/a>", "DESCRIBE"),
        ("ASK { 'SELECT' ?p ?o }", "ASK"),
        ("", "SELECT"),
    ],
)
def test_query_form(text: str, form: str) -> None:
    assert sparqltext.query_form(text) == form


def test_variables_skip_comments_strings_and_iris() -> None:
    text = "# ?hidden\nSELECT ?a $b WHERE { ?a <http://x/?q> '?nope', \"$no\" ; ?c $b }"
    assert sparqltext.variables(text) == {"a", "b", "c"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * FROM <http://x/g> { ?s ?p ?o }", True),
        ("SELECT * from named <http://x/g> { GRAPH ?g { ?s ?p ?o } }", True),
        ("SELECT * { ?s ?p 'from' } # from", False),
        ("SELECT * { ?s <http://x/from> ?from }", False),
    ],
)
def test_a_dataset_clause_is_a_keyword_only(text: str, expected: bool) -> None:
    assert sparqltext.has_dataset_clause(text) is expected


def test_bind_values_gives_pyoxigraph_a_query_whose_answer_is_the_bound_term() -> None:
    store = ox.Store()
    a, p = ox.NamedNode("http://x/a"), ox.NamedNode("http://x/p")
    store.add(ox.Quad(a, p, ox.Literal("1")))
    store.add(ox.Quad(a, p, ox.Literal("2")))
    text = "SELECT ?o WHERE { ?s <http://x/p> ?o }"
    bound = sparqltext.bind_values(text, {"o": str(ox.Literal("2"))})
    assert [row["o"] for row in store.query(bound)] == [ox.Literal("2")]
    assert sparqltext.bind_values(text, {}) == text


def test_the_short_construct_form_cannot_take_values() -> None:
    with pytest.raises(sparqltext.SparqlTextError, match="short form") as caught:
        sparqltext.where_group_start("CONSTRUCT WHERE { ?s ?p ?o }")
    assert "CONSTRUCT { template }" in caught.value.hint


@pytest.mark.parametrize(
    ("text", "fetches"),
    [
        ("SELECT * { ?s ?p ?o }", False),
        ("SELECT * { SeRvIcE <http://x/> { ?s ?p ?o } }", True),
        ("SELECT * FROM <http://x/g> { ?s ?p ?o }", True),
        ("SELECT * { ?s ?p '\\u0073' }", True),  # an escape could spell the keyword
    ],
)
def test_may_fetch_is_false_only_without_the_letters(text: str, fetches: bool) -> None:
    assert sparqltext.may_fetch(text) is fetches


@pytest.mark.parametrize(
    ("text", "services"),
    [
        ("SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }", ["<http://x/sparql>"]),
        (
            "SELECT * { FILTER EXISTS { SERVICE SILENT <http://x/e> { ?s ?p ?o } } }",
            ["<http://x/e>"],
        ),
        ("SELECT * { { SELECT ?s { SERVICE ?where { ?s ?p ?o } } } }", ["?where"]),
        # as the user wrote it, never rdflib's parse tree (pname_{'prefix': ...})
        ("PREFIX ex: <http://x/> SELECT * { SERVICE ex:sparql { ?s ?p ?o } }", ["ex:sparql"]),
        ("SELECT * { ?s <http://x/service> 'SERVICE' }", []),
    ],
)
def test_service_is_found_by_the_grammar_however_deep(text: str, services: list[str]) -> None:
    assert sparqltext.service_terms(sparqltext.parse_query(text)) == services


def test_service_by_a_prefixed_name_is_found() -> None:
    tree = sparqltext.parse_query("PREFIX x: <http://x/> ASK { SERVICE x:e { ?s ?p ?o } }")
    assert len(sparqltext.service_terms(tree)) == 1


def test_dataset_clauses_are_resolved_against_prefixes_and_base() -> None:
    tree = sparqltext.parse_query(
        "BASE <http://b/> PREFIX g: <http://g/> SELECT * FROM g:one FROM NAMED <two> { ?s ?p ?o }"
    )
    assert sparqltext.dataset_clauses(tree, "http://unused/") == [
        (False, "http://g/one"),
        (True, "http://b/two"),
    ]
    assert sparqltext.grammar_form(tree) == "SELECT"


def test_volatile_functions_are_seen_by_grammar_and_letters() -> None:
    assert sparqltext.is_volatile(sparqltext.parse_query("SELECT (RAND() AS ?r) {}"))
    assert not sparqltext.is_volatile(sparqltext.parse_query("SELECT ?brand { ?s ?p ?brand }"))
    assert sparqltext.mentions_volatile("SELECT (now() AS ?t) {}")
    assert not sparqltext.mentions_volatile("SELECT ?s { ?s ?p ?o }")


def test_update_operations() -> None:
    tree = sparqltext.parse_update("LOAD <http://x/doc> ; CLEAR ALL")
    assert [op.name for op in sparqltext.update_operations(tree)] == ["Load", "Clear"]
