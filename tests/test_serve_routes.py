"""The server's route table, as a table of (path under the base IRI's path, view, parameters).

Read without a server: the table is data, and :func:`find_route` is what the server calls.
What each view answers is tested against a real server in test_serve_entities and
test_serve_sparql.
"""

from __future__ import annotations

from typing import Any

import pytest

from consortia_kg.serve.routes import ROUTES, find_route


@pytest.mark.parametrize(
    ("rel", "view", "params"),
    [
        ("", "home", {}),
        ("search", "search", {}),
        ("sparql", "sparql", {}),
        ("health", "health", {}),
        ("queries", "with_slash", {}),
        ("dumps", "with_slash", {}),
        ("queries/", "query_list", {}),
        ("queries/consortium-profile.csv", "named_query", {"tail": "consortium-profile.csv"}),
        ("queries/a/b", "named_query", {"tail": "a/b"}),
        ("dumps/", "dump_list", {}),
        ("dumps/consortia.ttl.gz", "dump_file", {"name": "consortia.ttl.gz"}),
        ("dumps/a/b", "entity", {"rel": "dumps/a/b"}),
        ("ontology", "vocabulary", {"name": "ontology"}),
        ("shapes.ttl", "vocabulary", {"name": "shapes", "ext": "ttl"}),
        ("ontology.", "vocabulary", {"name": "ontology", "ext": ""}),
        ("ontology/x", "entity", {"rel": "ontology/x"}),
        ("ontologyx", "entity", {"rel": "ontologyx"}),
        (".well-known/void", "see_dataset", {}),
        ("static/style.css", "static", {"name": "style.css"}),
        ("consortium/ga4gh", "entity", {"rel": "consortium/ga4gh"}),
        ("consortium/ga4gh.ttl", "entity", {"rel": "consortium/ga4gh.ttl"}),
        ("searchx", "entity", {"rel": "searchx"}),
        ("reconcile", "service", {}),
        ("reconcile/preview", "preview", {}),
        ("reconcile/propose", "propose", {}),
        ("reconcile/suggest/type", "suggest", {"what": "type"}),
        ("reconcile/suggest/other", "entity", {"rel": "reconcile/suggest/other"}),
    ],
)
def test_each_path_goes_to_its_view(rel: str, view: str, params: dict[str, Any]) -> None:
    route, found = find_route(rel)
    assert route.view.__name__ == view
    assert found == params


def test_only_the_protocols_take_post() -> None:
    # SPARQL's and the reconciliation API's forms (OpenRefine POSTs its batches)
    assert [r.path for r in ROUTES if "POST" in r.methods] == ["sparql", "reconcile"]
    assert all({"GET", "HEAD", "OPTIONS"} <= set(r.methods) for r in ROUTES)


def test_no_pattern_shadows_an_exact_path_listed_after_it() -> None:
    # find_route looks exact paths up first: right only while no earlier pattern matches them
    for index, route in enumerate(ROUTES):
        if "{" not in route.path:
            earlier = [r.path for r in ROUTES[:index] if r.match(route.path) is not None]
            assert earlier == [], f"{route.path!r} is shadowed by {earlier}"
