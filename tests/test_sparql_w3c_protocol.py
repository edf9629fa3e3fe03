"""The W3C SPARQL 1.1 Protocol tests, read-only subset, against our server: 0 failures.

Source of the cases: repository w3c/rdf-tests, file sparql/sparql11/protocol/manifest.ttl
(and data1.nt, data2.nt, data3.nt beside it, the graphs its ``ut:graphData`` loads), commit
ad541a5f0479f0798608c4801369d97b8e08b36f; licence: the W3C Test Suite licence (the dual
licensing of "LICENSES FOR W3C TEST SUITES",
https://www.w3.org/Consortium/Legal/2008/04-testsuite-copyright.html, as the repository's
LICENSE.md says). The table below restates each case (its name in the manifest, the request,
the expected status class and answer format) in our own words; nothing is read at run time.

Left out: the ``update_*`` cases, which expect an update to succeed (this endpoint is read-only
and refuses every update). Every ``bad_update_*`` case is kept: it expects a 4xx, which a
read-only endpoint must give too. The three graphs of the manifest are added to a store built
from the small valid fixture, as named graphs (``ut:graph <data1.nt>`` labelled
``http://kasei.us/2009/09/sparql/data/data1.rdf``); ``data0.rdf``, which several cases name as
their default graph, is in no store: it is an empty graph, and nothing is fetched.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from consortia_kg.query.store import EmbeddedStore, fill_quads, read_meta
from consortia_kg.serve.server import BackgroundServer
from helpers.paths import VALID

KASEI = "http://kasei.us/2009/09/sparql/data/"
#: the manifest's three graphs, each with the one triple its data file holds
W3C_GRAPHS = {
    f"{KASEI}data{n}.rdf": (
        f"<{KASEI}data{n}.rdf> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<http://xmlns.com/foaf/0.1/Document> ."
    )
    for n in (1, 2, 3)
}
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
#: the answer formats the manifest's "boolean", "tabular" and "RDF" allow
FORMATS = {
    "boolean": ("application/sparql-results+xml", "application/sparql-results+json"),
    "tabular": (
        "application/sparql-results+xml",
        "application/sparql-results+json",
        "text/csv",
        "text/tab-separated-values",
    ),
    "RDF": ("application/rdf+xml", "text/turtle", "application/n-triples"),
}
D0 = "default-graph-uri=http%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata0.rdf"
G = "http%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata"


@dataclass(frozen=True)
class Case:
    """One request of the manifest and what its answer must be."""

    name: str
    method: str
    #: the query string after /sparql? (as the manifest's ht:absolutePath has it)
    query_string: str = ""
    content_type: str | None = None
    body: bytes = b""
    #: the first digit of the status: 2 (the manifest also allows 3xx: we never redirect) or 4
    status: int = 2
    #: "boolean", "tabular" or "RDF" (mf:expectedFormat), or "" when any will do
    answer: str = ""
    #: mf:expectedBoolean
    boolean: bool | None = None


CASES = [
    Case(
        "query_post_form", "POST", D0, FORM, b"query=ASK%20%7B%7D", answer="boolean", boolean=True
    ),
    Case(
        "query_dataset_default_graphs_get",
        "GET",
        "query=ASK%20%7B%20%3Chttp%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata1.rdf%3E%20a"
        "%20%3Ftype%20.%20%3Chttp%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata2.rdf%3E%20a"
        f"%20%3Ftype%20.%20%7D&default-graph-uri={G}1.rdf&default-graph-uri={G}2.rdf",
        answer="boolean",
        boolean=True,
    ),
    Case(
        "query_dataset_default_graphs_post",
        "POST",
        f"default-graph-uri={G}1.rdf&default-graph-uri={G}2.rdf",
        DIRECT,
        f"ASK {{ <{KASEI}data1.rdf> a ?type . <{KASEI}data2.rdf> a ?type . }}".encode(),
        answer="boolean",
        boolean=True,
    ),
    Case(
        "query_dataset_named_graphs_post",
        "POST",
        f"named-graph-uri={G}1.rdf&named-graph-uri={G}2.rdf",
        DIRECT,
        f"ASK {{ GRAPH ?g1 {{ <{KASEI}data1.rdf> a ?type }} "
        f"GRAPH ?g2 {{ <{KASEI}data2.rdf> a ?type }} }}".encode(),
        answer="boolean",
        boolean=True,
    ),
    Case(
        "query_dataset_named_graphs_get",
        "GET",
        "query=ASK%20%7B%20GRAPH%20%3Fg1%20%7B%20%3Chttp%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2F"
        "data%2Fdata1.rdf%3E%20a%20%3Ftype%20%7D%20GRAPH%20%3Fg2%20%7B%20%3Chttp%3A%2F%2Fkasei.us"
        "%2F2009%2F09%2Fsparql%2Fdata%2Fdata2.rdf%3E%20a%20%3Ftype%20%7D%20%7D"
        f"&named-graph-uri={G}1.rdf&named-graph-uri={G}2.rdf",
        answer="boolean",
        boolean=True,
    ),
    Case(
        "query_dataset_full",
        "POST",
        f"default-graph-uri={G}3.rdf&named-graph-uri={G}1.rdf&named-graph-uri={G}2.rdf",
        DIRECT,
        f"ASK {{\n  <{KASEI}data3.rdf> a ?type\n"
        f"  GRAPH ?g1 {{ <{KASEI}data1.rdf> a ?type }}\n"
        f"  GRAPH ?g2 {{ <{KASEI}data2.rdf> a ?type }}\n}}".encode(),
        answer="boolean",
        boolean=True,
    ),
    Case(
        "query_multiple_dataset",
        "POST",
        f"named-graph-uri={G}1.rdf&named-graph-uri={G}2.rdf",
        DIRECT,
        f"ASK FROM <{KASEI}data3.rdf> {{ GRAPH ?g1 {{ <{KASEI}data1.rdf> a ?type }} "
        f"GRAPH ?g2 {{ <{KASEI}data2.rdf> a ?type }} }}".encode(),
        answer="boolean",
        boolean=True,
    ),
    Case("query_get", "GET", f"query=ASK%20%7B%7D&{D0}", answer="boolean", boolean=True),
    Case(
        "query_content_type_select",
        "POST",
        D0,
        DIRECT,
        b"SELECT (1 AS ?value) {}",
        answer="tabular",
    ),
    Case("query_content_type_ask", "POST", D0, DIRECT, b"ASK {}", answer="boolean"),
    Case(
        "query_content_type_describe",
        "POST",
        D0,
        DIRECT,
        b"DESCRIBE <http://example.org/>",
        answer="RDF",
    ),
    Case(
        "query_content_type_construct",
        "POST",
        D0,
        DIRECT,
        b"CONSTRUCT { <s> <p> 1 } WHERE {}",
        answer="RDF",
    ),
    Case("query_post_direct", "POST", "", DIRECT, b"ASK {}", answer="boolean", boolean=True),
    Case("bad_query_method", "PUT", f"query=ASK%20%7B%7D&{D0}", FORM, status=4),
    Case("bad_multiple_queries", "GET", "query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", status=4),
    Case("bad_query_wrong_media_type", "POST", "", "text/plain", b"ASK {}", status=4),
    Case("bad_query_missing_form_type", "POST", "", None, b"query=ASK%20%7B%7D", status=4),
    Case("bad_query_missing_direct_type", "POST", "", None, b"ASK {}", status=4),
    Case(
        "bad_query_non_utf8",
        "POST",
        "",
        "application/sparql-query; charset=UTF-16",
        "ASK {}".encode("utf-16"),
        status=4,
    ),
    Case("bad_query_syntax", "GET", "query=ASK%20%7B", status=4),
    Case("bad_update_get", "GET", "update=CLEAR%20ALL", status=4),
    Case(
        "bad_multiple_updates",
        "POST",
        "",
        FORM,
        b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT",
        status=4,
    ),
    Case("bad_update_wrong_media_type", "POST", "", "text/plain", b"CLEAR NAMED", status=4),
    Case("bad_update_missing_form_type", "POST", "", None, b"update=CLEAR%20NAMED", status=4),
    Case(
        "bad_update_non_utf8",
        "POST",
        "",
        "application/sparql-update; charset=UTF-16",
        "CLEAR NAMED".encode("utf-16"),
        status=4,
    ),
    Case("bad_update_syntax", "POST", "", FORM, b"update=CLEAR%20XYZ", status=4),
    Case(
        "bad_update_dataset_conflict",
        "POST",
        f"using-named-graph-uri={G}1.rdf",
        "application/sparql-update",
        b"PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
        b"CLEAR ALL ;\nINSERT { GRAPH <http://example.org/protocol-update-dataset-conflict-test/> "
        b"{ ?s a dc:BibliographicResource } }\nUSING NAMED <http://kasei.us/2009/09/sparql/data/"
        b"data1.rdf>\nWHERE { GRAPH ?g { ?s a foaf:Document } }",
        status=4,
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    """A server over the valid fixture's store, with the manifest's three graphs added to it."""
    work = tmp_path_factory.mktemp("w3c")
    running = BackgroundServer.for_data(VALID, work, workers=1, timeout=10, reload_interval=0)
    store_dir, _ = running.config.resolve()  # the store of the release the server will serve
    _add_w3c_graphs(store_dir)
    with running:
        yield running


def _add_w3c_graphs(store_dir: Path) -> None:
    meta = read_meta(store_dir)
    assert meta is not None
    quads = list(EmbeddedStore.open(store_dir).store)
    for graph, line in W3C_GRAPHS.items():
        triple = next(iter(ox.parse(line.encode(), format=ox.RdfFormat.N_TRIPLES)))
        quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, ox.NamedNode(graph)))
    grown = dataclasses.replace(
        meta, quads=meta.quads + len(W3C_GRAPHS), graphs=meta.graphs + len(W3C_GRAPHS)
    )
    fill_quads(quads, store_dir, grown)


def send(server: BackgroundServer, case: Case) -> tuple[int, str, bytes]:
    """Send the case's request; return the status, the media type and the body."""
    url = f"{server.url}sparql" + (f"?{case.query_string}" if case.query_string else "")
    headers = {"Content-Type": case.content_type} if case.content_type else {}
    data = case.body if case.method in ("POST", "PUT") else None
    request = urllib.request.Request(url, data=data, headers=headers, method=case.method)
    if data is not None and case.content_type is None:
        # urllib would add a form type by itself: the manifest's request has none
        request.add_unredirected_header("Content-Type", "")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers_in, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers_in, body = error.code, error.headers, error.read()
    media_type = (headers_in.get("Content-Type") or "").split(";")[0].strip()
    return status, media_type, body


def _boolean(media_type: str, body: bytes) -> Any:
    if media_type == "application/sparql-results+json":
        return json.loads(body)["boolean"]
    return ox.parse_query_results(body, format=ox.QueryResultsFormat.XML).__bool__()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_w3c_protocol_case(server: BackgroundServer, case: Case) -> None:
    status, media_type, body = send(server, case)
    assert status // 100 == case.status, (status, body[:300])
    if case.answer:
        assert media_type in FORMATS[case.answer], media_type
    if case.boolean is not None:
        assert _boolean(media_type, body) is case.boolean, body[:300]


def test_the_table_holds_every_read_only_case_of_the_manifest() -> None:
    """The manifest's entries, less the update cases that expect an update to succeed."""
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)) == 27
    assert not [n for n in names if n.startswith("update_")]
