"""Content negotiation as a table of (Accept header, expected format), as rdflib-endpoint tests it."""

from __future__ import annotations

import pytest

from consortia_kg.serve.negotiation import (
    ENTITY_OFFERS,
    GRAPH_OFFERS,
    SOLUTION_OFFERS,
    format_from_name,
    negotiate,
    parse_accept,
)

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "html"),
        ("", "html"),
        ("*/*", "html"),
        (BROWSER, "html"),
        ("text/turtle", "turtle"),
        ("application/x-turtle", "turtle"),
        ("text/*", "html"),
        ("text/*;q=0.5, text/turtle", "turtle"),
        ("application/n-triples", "ntriples"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml", "rdfxml"),
        ("application/rdf+xml;q=0.5, text/turtle;q=0.9", "turtle"),
        ("text/turtle;q=0.2, application/ld+json;q=0.8", "jsonld"),
        ("text/turtle; charset=utf-8", "turtle"),
        ("*/*;q=0.1, application/n-triples", "ntriples"),
        ("text/html;q=0, */*", "turtle"),  # q=0 means "not this one"
        ("TEXT/TURTLE", "turtle"),
        ("application/*", "ntriples"),
        ("image/png", None),
        ("application/json", None),
        ("text/turtle;q=0", None),
        ("garbage, text/turtle", "turtle"),
        ("text/turtle;q=abc", "turtle"),
    ],
)
def test_entity_accept_table(accept: str | None, expected: str | None) -> None:
    chosen = negotiate(accept, ENTITY_OFFERS)
    assert (chosen[1] if chosen else None) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("*/*", "json"),
        ("application/sparql-results+json", "json"),
        ("application/json", "json"),
        (
            "application/sparql-results+json,application/json,text/javascript,application/javascript",
            "json",
        ),
        ("application/sparql-results+xml", "xml"),
        ("application/xml", "xml"),
        ("text/csv", "csv"),
        ("text/tab-separated-values", "tsv"),
        ("text/csv;q=0.4, text/tab-separated-values;q=0.6", "tsv"),
        (BROWSER, "html"),
        ("text/turtle", None),
    ],
)
def test_solution_accept_table(accept: str, expected: str | None) -> None:
    chosen = negotiate(accept, SOLUTION_OFFERS)
    assert (chosen[1] if chosen else None) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("*/*", "turtle"),
        ("application/turtle,text/turtle", "turtle"),
        ("application/n-triples", "ntriples"),
        ("application/ld+json,application/x-json+ld", "jsonld"),
        ("application/json", "jsonld"),
        ("application/rdf+xml", "rdfxml"),
        ("text/csv", None),
    ],
)
def test_graph_accept_table(accept: str, expected: str | None) -> None:
    chosen = negotiate(accept, GRAPH_OFFERS)
    assert (chosen[1] if chosen else None) == expected


@pytest.mark.parametrize(
    ("value", "offers", "expected"),
    [
        ("ttl", ENTITY_OFFERS, "turtle"),
        ("turtle", ENTITY_OFFERS, "turtle"),
        ("text/turtle", ENTITY_OFFERS, "turtle"),
        ("nt", ENTITY_OFFERS, "ntriples"),
        ("json-ld", ENTITY_OFFERS, "jsonld"),
        ("rdf", ENTITY_OFFERS, "rdfxml"),
        ("html", ENTITY_OFFERS, "html"),
        ("csv", ENTITY_OFFERS, None),
        ("json", SOLUTION_OFFERS, "json"),
        ("srx", SOLUTION_OFFERS, "xml"),
        ("text/tab-separated-values", SOLUTION_OFFERS, "tsv"),
        ("json", GRAPH_OFFERS, "jsonld"),  # SPARQLWrapper's format=json for a CONSTRUCT
        ("xml", GRAPH_OFFERS, "rdfxml"),
        ("n3", GRAPH_OFFERS, "turtle"),
        ("bogus", GRAPH_OFFERS, None),
    ],
)
def test_format_override(
    value: str, offers: tuple[tuple[str, str], ...], expected: str | None
) -> None:
    assert format_from_name(value, offers) == expected


def test_most_specific_range_wins() -> None:
    ranges = parse_accept("text/*;q=0.3, text/html;q=0.7, text/html;level=1, */*;q=0.5")
    assert [r.specificity for r in ranges] == [1, 2, 3, 0]
    # text/turtle falls under text/* (0.3), not */* (0.5): the more specific range decides
    assert negotiate("text/*;q=0.3, */*;q=0.5", (("text/turtle", "t"), ("application/x", "x"))) == (
        "application/x",
        "x",
    )
