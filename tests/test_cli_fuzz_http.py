"""Fuzzing the server with hypothesis: no request, however odd, gets a 500.

Random paths (known routes with odd tails, percent-escapes, dots, very long segments), query
strings, ``Accept`` and other headers, and methods, sent raw over ``http.client`` to a server of
the valid fixture (one per module). An answer may refuse (4xx) or be busy (503), never fail.
"""

from __future__ import annotations

import http.client
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from consortia_kg.serve.server import BackgroundServer
from helpers.paths import VALID

FUZZ = settings(
    max_examples=int(os.environ.get("CONSORTIA_KG_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    work: Path = tmp_path_factory.mktemp("fuzz-http")
    with BackgroundServer.for_data(
        VALID, work, base_path="/kg/", workers=1, reload_interval=0
    ) as running:
        yield running


#: Known starts of paths: every route of serve/routes.py and a record of the fixture.
STARTS = [
    "", "search", "sparql", "health", "queries", "queries/", "queries/working-groups",
    "dumps/", "dumps/consortia.ttl", "ontology", "ontology.ttl", ".well-known/void",
    "reconcile", "reconcile/preview", "reconcile/propose", "reconcile/suggest/entity",
    "static/", "consortium/", "consortium/demo-consortium", "organisation/alpha-institute",
    "graph/consortium/demo-consortium", "dataset",
]  # fmt: skip
SEGMENTS = [
    "..", ".", "%2e%2e", "%2F", "%00", "%ff", "%", "%zz", "~", "a" * 300, "%C3%A9",
    ".ttl", ".html", ".jsonld", ".rdf", ".nt", ".xyz", "index", ";x", "@", "\\", "%5C",
]  # fmt: skip
#: Characters http.client sends as they are (no control characters: it refuses those itself).
PATH_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="#?"),
    max_size=20,
)
PARAMS = [
    "query", "format", "q", "queries", "id", "limit", "callback", "default-graph-uri",
    "named-graph-uri", "consortium", "prefix", "type", "page", "offset", "extend",
]  # fmt: skip
VALUES = st.sampled_from(
    [
        "", "SELECT * WHERE { ?s ?p ?o }", "ASK {}", "CONSTRUCT WHERE { ?s ?p ?o }", "{", "%",
        "ttl", "json", "csv", "html", "-1", "99999999999999999999", "demo-consortium",
        '{"q0": {"query": "Alpha"}}', "[]", "null", "<script>", "a" * 2000,
    ]
) | st.text(max_size=30)  # fmt: skip
ACCEPTS = st.sampled_from(
    [
        "*/*",
        "text/html",
        "text/turtle",
        "application/ld+json",
        "application/n-triples",
        "application/sparql-results+json",
        "text/csv",
        "application/xml",
        "image/png",
        "text/html;q=0",
        "*/*;q=abc",
        ";;;,,,",
        "text/*, application/*;q=0.1",
        "",
    ]
) | st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, str], bytes]:
    """(method, raw path with query string, headers, body)."""
    parts = [draw(st.sampled_from(STARTS))]
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 3]))):  # known paths, half of the time
        parts.append(draw(st.sampled_from(SEGMENTS) | PATH_TEXT))
    path = "/kg/" + "/".join(p for p in parts if p)
    if draw(st.integers(0, 3)):
        pairs = draw(st.lists(st.tuples(st.sampled_from(PARAMS), VALUES), max_size=3))
        from urllib.parse import quote

        path += "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in pairs)
    headers = {"Accept": draw(ACCEPTS)}
    if draw(st.booleans()):
        headers["Accept-Encoding"] = draw(st.sampled_from(["gzip", "br", "identity;q=0", "x"]))
    method = draw(st.sampled_from(["GET"] * 6 + ["HEAD", "POST", "POST", "PUT", "OPTIONS"]))
    body = b""
    if method == "POST":
        body = draw(st.binary(max_size=200) | VALUES.map(str.encode))
        headers["Content-Type"] = draw(
            st.sampled_from(
                [
                    "application/sparql-query",
                    "application/x-www-form-urlencoded",
                    "application/json",
                    "text/plain; charset=nope",
                    "multipart/form-data",
                ]
            )
        )
    return method, path, headers, body


@FUZZ
@given(request=requests())
def test_no_request_gets_a_server_error(
    server: BackgroundServer, request: tuple[str, str, dict[str, str], bytes]
) -> None:
    method, path, headers, body = request
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        reply = connection.getresponse()
        reply.read()
    finally:
        connection.close()
    event(f"status {reply.status}")  # --hypothesis-show-statistics: what the requests reach
    assert reply.status < 500 or reply.status == 503, (reply.status, method, path, headers)
