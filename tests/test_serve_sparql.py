"""/sparql through real clients (SPARQLWrapper, rdflib's SPARQLStore) and raw HTTP.

A server runs in a thread on 127.0.0.1 over a copy of data/, its base IRI its own address.
Every RDF body is parsed back; every refusal is checked for its status and its reason.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from consortia_kg.serve.server import BackgroundServer
from helpers.paths import DATA

COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
#: a join of every triple with every other, four times over: it never ends on data/
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
BUDGET = 2.0
MAX_ROWS = 500


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    work = tmp_path_factory.mktemp("sparql")
    running = BackgroundServer.for_data(
        DATA, work, workers=2, timeout=BUDGET, max_rows=MAX_ROWS, reload_interval=0
    )
    with running:
        yield running


def fetch(
    url: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
    timeout: float = 30,
) -> tuple[int, Any, bytes]:
    """Send one request; return its status, its headers (case-insensitive) and its body."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def get(
    server: BackgroundServer, query: str, accept: str = "*/*", **params: str
) -> tuple[int, Any, bytes]:
    qs = urllib.parse.urlencode({"query": query, **params})
    return fetch(f"{server.url}sparql?{qs}", headers={"Accept": accept})


def endpoint(server: BackgroundServer) -> str:
    return f"{server.url}sparql"


# --- real clients ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(server: BackgroundServer, method: str) -> None:
    client = SPARQLWrapper(endpoint(server))
    client.setMethod(method)
    client.setQuery(
        "SELECT ?name WHERE { ?c a <https://w3id.org/consortia-kg/ontology#Consortium> ; <http://www.w3.org/2000/01/rdf-schema#label> ?name }"
    )
    client.setReturnFormat(JSON)
    result = client.queryAndConvert()
    names = [b["name"]["value"] for b in result["results"]["bindings"]]
    assert names == ["Global Alliance for Genomics and Health"]


@pytest.mark.parametrize("fmt", [XML, CSV, TSV])
def test_sparqlwrapper_select_other_formats(server: BackgroundServer, fmt: str) -> None:
    client = SPARQLWrapper(endpoint(server))
    client.setQuery(COUNT_ALL)
    client.setReturnFormat(fmt)
    result = client.query()
    body = result.response.read()
    expected_type = {
        XML: "application/sparql-results+xml",
        CSV: "text/csv",
        TSV: "text/tab-separated-values",
    }[fmt]
    assert result.response.headers["Content-Type"].startswith(expected_type)
    if fmt == XML:
        parsed = rdflib.query.Result.parse(io.BytesIO(body), format="xml")
        assert int(next(iter(parsed))[0]) > 100
    else:
        rows = list(csv.reader(io.StringIO(body.decode()), delimiter="," if fmt == CSV else "\t"))
        assert rows[0][0].lstrip("?") == "n" and int(rows[1][0].split("^^")[0].strip('"')) > 100


def test_sparqlwrapper_ask(server: BackgroundServer) -> None:
    client = SPARQLWrapper(endpoint(server))
    client.setQuery("ASK { ?s a <https://w3id.org/consortia-kg/ontology#Consortium> }")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True


@pytest.mark.parametrize(
    ("fmt", "media_type", "rdflib_format"),
    [
        (TURTLE, "text/turtle", "turtle"),
        (N3, "text/turtle", "turtle"),
        (RDFXML, "application/rdf+xml", "xml"),
        (JSONLD, "application/ld+json", "json-ld"),
    ],
)
def test_sparqlwrapper_construct_parses_back(
    server: BackgroundServer, fmt: str, media_type: str, rdflib_format: str
) -> None:
    client = SPARQLWrapper(endpoint(server))
    consortium = f"{server.config.base}consortium/ga4gh"
    client.setQuery(f"CONSTRUCT {{ <{consortium}> ?p ?o }} WHERE {{ <{consortium}> ?p ?o }}")
    client.setReturnFormat(fmt)
    result = client.query()
    body = result.response.read()
    assert result.response.headers["Content-Type"].startswith(media_type)
    graph = rdflib.Graph().parse(data=body, format=rdflib_format)
    assert (
        rdflib.URIRef(consortium),
        rdflib.RDFS.label,
        rdflib.Literal("Global Alliance for Genomics and Health"),
    ) in graph


def test_describe_as_ntriples(server: BackgroundServer) -> None:
    consortium = f"{server.config.base}consortium/ga4gh"
    status, headers, body = get(server, f"DESCRIBE <{consortium}>", "application/n-triples")
    assert status == 200 and headers["Content-Type"].startswith("application/n-triples")
    graph = rdflib.Graph().parse(data=body, format="nt")
    assert len(graph) > 20


def test_rdflib_sparqlstore(server: BackgroundServer) -> None:
    store = SPARQLStore(endpoint(server))
    graph = rdflib.Graph(store=store)
    rows = list(
        graph.query("SELECT ?s WHERE { ?s a <http://www.w3.org/ns/org#FormalOrganization> }")
    )
    assert len(rows) == 15
    constructed = graph.query(
        "CONSTRUCT { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } WHERE "
        "{ ?s a <http://www.w3.org/ns/org#FormalOrganization> ; <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    )
    assert len(constructed.graph) == 15
    store.close()


def test_rdflib_sparqlstore_post_form(server: BackgroundServer) -> None:
    store = SPARQLStore(endpoint(server), method="POST_FORM")
    rows = list(rdflib.Graph(store=store).query("ASK { ?s ?p ?o }"))
    assert rows == [True]


# --- the protocol by hand --------------------------------------------------------------------


def test_post_form_and_post_direct(server: BackgroundServer) -> None:
    form = urllib.parse.urlencode({"query": COUNT_ALL}).encode()
    status, headers, body = fetch(
        endpoint(server),
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json",
        },
    )
    assert status == 200
    via_form = json.loads(body)["results"]["bindings"][0]["n"]["value"]
    status, headers, body = fetch(
        endpoint(server),
        COUNT_ALL.encode(),
        {"Content-Type": "application/sparql-query", "Accept": "application/json"},
    )
    assert status == 200 and headers["Content-Type"] == "application/sparql-results+json"
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == via_form


def test_format_parameter_overrides_accept(server: BackgroundServer) -> None:
    status, headers, body = get(server, COUNT_ALL, "application/sparql-results+json", format="csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert body.splitlines()[0] == b"n"


def test_service_description_without_query(server: BackgroundServer) -> None:
    status, headers, body = fetch(endpoint(server), headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (None, sd.endpoint, rdflib.URIRef(endpoint(server))) in graph
    assert (None, sd.feature, sd.UnionDefaultGraph) in graph
    names = set(graph.objects(None, sd.name))
    assert rdflib.URIRef(f"{server.config.base}graph/consortium/ga4gh") in names


def test_query_page_for_browsers(server: BackgroundServer) -> None:
    status, headers, body = fetch(endpoint(server), headers={"Accept": "text/html"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'id="query"' in body and b"consortium-members" in body


def test_html_results_for_a_browser_get(server: BackgroundServer) -> None:
    status, _, body = get(server, 'SELECT ?x WHERE { VALUES ?x { "<b>bold</b>" } }', "text/html")
    assert status == 200
    assert b"&lt;b&gt;bold&lt;/b&gt;" in body and b"<b>bold</b>" not in body


def test_cors_on_reads_and_preflight(server: BackgroundServer) -> None:
    status, headers, _ = get(server, "ASK {}", "application/json")
    assert status == 200
    request = urllib.request.Request(
        endpoint(server) + "?" + urllib.parse.urlencode({"query": "ASK {}"}),
        headers={"Origin": "https://example.org"},
    )
    with urllib.request.urlopen(request) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    status, headers, _ = fetch(
        endpoint(server),
        method="OPTIONS",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert status == 200 and "POST" in headers["Access-Control-Allow-Methods"]


def test_etag_and_not_modified(server: BackgroundServer) -> None:
    status, headers, _ = get(server, COUNT_ALL, "application/json")
    assert status == 200 and headers["ETag"] and "Accept" in headers["Vary"]
    qs = urllib.parse.urlencode({"query": COUNT_ALL})
    status, _, body = fetch(
        f"{endpoint(server)}?{qs}",
        headers={"Accept": "application/json", "If-None-Match": headers["ETag"]},
    )
    assert status == 304 and body == b""


@pytest.mark.parametrize(
    ("request_kwargs", "status", "says"),
    [
        ({"query": "SELECT * WHERE { ?s ?p }"}, 400, "query:1:25: SPARQL syntax error"),
        ({"query": "SELECT * WHERE { ?s ex:p ?o }"}, 400, "syntax error"),
        ({"update": "INSERT DATA { <http://a/> <http://b/> <http://c/> }"}, 403, "read-only"),
        ({"query": "DELETE WHERE { ?s ?p ?o }"}, 403, "read-only"),
        ({"query": "CLEAR ALL"}, 403, "read-only"),
        ({"query": "SELECT * WHERE { ?s ?p ?o }"}, 400, f"more than {MAX_ROWS} rows"),
        ({"query": "ASK {}", "format": "yaml"}, 400, "format='yaml'"),
    ],
)
def test_errors_say_why(
    server: BackgroundServer, request_kwargs: dict[str, str], status: int, says: str
) -> None:
    qs = urllib.parse.urlencode(request_kwargs)
    got, headers, body = fetch(f"{endpoint(server)}?{qs}", headers={"Accept": "application/json"})
    assert got == status, body
    assert says in body.decode()
    assert headers["Content-Type"].startswith("text/plain")


def test_update_by_post_is_refused(server: BackgroundServer) -> None:
    status, _, body = fetch(
        endpoint(server), b"DROP ALL", {"Content-Type": "application/sparql-update"}
    )
    assert status == 403 and b"read-only" in body
    form = urllib.parse.urlencode({"update": "INSERT DATA { <http://a/> <http://b/> 1 }"}).encode()
    status, _, _ = fetch(
        endpoint(server), form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 403


def test_unsupported_content_type(server: BackgroundServer) -> None:
    status, _, body = fetch(endpoint(server), b"{}", {"Content-Type": "application/json"})
    assert status == 415 and b"application/sparql-query" in body


def test_two_queries_are_refused(server: BackgroundServer) -> None:
    status, _, _ = fetch(f"{endpoint(server)}?query=ASK%7B%7D&query=ASK%7B%7D")
    assert status == 400


def test_not_acceptable_lists_formats(server: BackgroundServer) -> None:
    status, _headers, body = get(server, COUNT_ALL, "text/turtle")
    assert status == 406 and b"json" in body


def test_url_length_limit(server: BackgroundServer) -> None:
    long_query = "ASK { ?s ?p " + '"' + "x" * (server.config.max_url + 10) + '" }'
    status, _, body = get(server, long_query)
    assert status == 414 and b"POST" in body


def raw_request(server: BackgroundServer, head: bytes, body: bytes = b"") -> bytes:
    """Send bytes as they are and return what the server answers (status line first)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(head + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


def test_body_size_limit_declared(server: BackgroundServer) -> None:
    # the server answers from the headers alone, before any body byte is read
    head = (
        f"POST {server.config.prefix}sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/sparql-query\r\n"
        f"Content-Length: {server.config.max_body + 1}\r\n\r\n"
    ).encode()
    assert raw_request(server, head).startswith(b"HTTP/1.1 413 ")


def test_body_size_limit_chunked(server: BackgroundServer) -> None:
    size = server.config.max_body + 10
    head = (
        f"POST {server.config.prefix}sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    body = f"{size:x}\r\n".encode() + b"x" * size + b"\r\n0\r\n\r\n"
    assert raw_request(server, head, body).startswith(b"HTTP/1.1 413 ")


def test_from_a_held_graph_is_answered(server: BackgroundServer) -> None:
    graph = f"{server.config.base}graph/consortium/ga4gh"
    status, _, body = get(
        server, f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}", "application/json"
    )
    assert status == 200
    in_graph = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    status, _, body = get(server, COUNT_ALL, "application/json")
    assert 0 < in_graph < int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    status, _, body = get(server, COUNT_ALL, "application/json", **{"default-graph-uri": graph})
    assert (
        status == 200 and int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == in_graph
    )


# --- nothing makes the server fetch ----------------------------------------------------------


@pytest.fixture
def canary() -> Iterator[tuple[str, list[bytes]]]:
    """A socket on 127.0.0.1 that records every connection made to it."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            seen.append(b"connected")
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/", seen
    stop.set()
    thread.join(5)
    listener.close()


def test_the_canary_hears_a_connection(canary: tuple[str, list[bytes]]) -> None:
    url, seen = canary
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=2)
    thread_wait = threading.Event()
    thread_wait.wait(0.5)
    assert seen  # so its silence in the tests below means something


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"query": "SELECT * WHERE { SERVICE <{canary}sparql> { ?s ?p ?o } }"}, "SERVICE"),
        (
            {
                "query": "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE SILENT <{canary}> { ?s ?p ?o } } }"
            },
            "SERVICE",
        ),
        (
            {
                "query": "SELECT * WHERE { { SELECT * WHERE { \\u0053ERVICE <{canary}> { ?s ?p ?o } } } }"
            },
            "SERVICE",
        ),
        ({"query": "LOAD <{canary}data.ttl>"}, "LOAD"),
        ({"update": "LOAD <{canary}data.ttl> INTO GRAPH <http://g/>"}, "LOAD"),
        ({"update": "INSERT { ?s ?p ?o } USING <{canary}g> WHERE { ?s ?p ?o }"}, "read-only"),
    ],
)
def test_ssrf_probes_are_refused_and_nothing_connects(
    server: BackgroundServer, canary: tuple[str, list[bytes]], params: dict[str, str], says: str
) -> None:
    url, seen = canary
    filled = {k: v.replace("{canary}", url) for k, v in params.items()}
    for method in ("GET", "POST"):
        if method == "GET":
            status, _, body = fetch(f"{endpoint(server)}?{urllib.parse.urlencode(filled)}")
        else:
            form = urllib.parse.urlencode(filled).encode()
            status, _, body = fetch(
                endpoint(server), form, {"Content-Type": "application/x-www-form-urlencoded"}
            )
        assert status in (400, 403), body
        assert says in body.decode()
    threading.Event().wait(0.3)  # time for a stray connection to arrive, were there one
    assert seen == []


@pytest.mark.parametrize(
    "params",
    [
        {"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"},
        {"query": "SELECT * FROM <{canary}graph.ttl> WHERE { ?s ?p ?o }"},
        {"query": "SELECT * FROM NAMED <{canary}g> WHERE { GRAPH ?g { ?s ?p ?o } }"},
        {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": "{canary}g"},
        {
            "query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
            "named-graph-uri": "file:///etc/passwd",
        },
    ],
)
def test_dataset_graphs_the_store_lacks_are_empty_and_never_fetched(
    server: BackgroundServer, canary: tuple[str, list[bytes]], params: dict[str, str]
) -> None:
    """As in Oxigraph's own server: a dataset names graphs of the store; one it lacks is empty."""
    url, seen = canary
    filled = {k: v.replace("{canary}", url) for k, v in params.items()}
    status, _, body = fetch(
        f"{endpoint(server)}?{urllib.parse.urlencode(filled)}",
        headers={"Accept": "application/sparql-results+json"},
    )
    assert status == 200, body
    assert json.loads(body)["results"]["bindings"] == []
    threading.Event().wait(0.3)  # time for a stray connection to arrive, were there one
    assert seen == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("SELECT * WHERE { " + "{ " * 3000 + "?s ?p ?o " + "} " * 3000 + "}", "nests brackets"),
        ("SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o } " * 2000 + "}", "group patterns"),
    ],
)
def test_queries_too_deep_or_large_are_refused_before_the_engine(
    server: BackgroundServer, text: str, says: str
) -> None:
    status, _, body = fetch(
        endpoint(server), text.encode(), {"Content-Type": "application/sparql-query"}
    )
    assert status == 400 and says in body.decode(), body[:300]
    status, _, body = get(server, COUNT_ALL, "application/json")  # the worker is still there
    assert status == 200


def test_workers_run_without_a_network_where_linux_allows(server: BackgroundServer) -> None:
    status, _, body = fetch(f"{server.url}health")
    health = json.loads(body)
    assert status == 200 and health["isolation"]


# --- the time budget -------------------------------------------------------------------------


def test_endless_query_is_stopped_and_the_next_one_served(server: BackgroundServer) -> None:
    # the client gives up one second after the budget: the answer must come before that
    status, _headers, body = fetch(
        f"{endpoint(server)}?{urllib.parse.urlencode({'query': ENDLESS})}",
        headers={"Accept": "application/json"},
        timeout=BUDGET + 1,
    )
    assert status in (503, 504)
    assert b"time budget" in body
    status, _, body = get(server, COUNT_ALL, "application/json")
    assert status == 200 and json.loads(body)["results"]["bindings"]


def test_concurrency_cap_answers_503_with_retry_after(tmp_path: Path) -> None:
    with BackgroundServer.for_data(
        DATA, tmp_path, workers=1, timeout=4, admission_wait=0.3, reload_interval=0
    ) as busy:
        results: list[int] = []
        slow = threading.Thread(
            target=lambda: results.append(get(busy, ENDLESS, "application/json")[0])
        )
        slow.start()
        threading.Event().wait(0.5)
        status, headers, body = get(busy, COUNT_ALL, "application/json")
        assert status == 503 and headers["Retry-After"] == "1" and b"busy" in body
        slow.join(30)
        assert results == [504]
        # the killed worker's replacement takes a moment to start: a client retries as told
        for _ in range(60):
            status, headers, _ = get(busy, COUNT_ALL, "application/json")
            if status != 503:
                break
            threading.Event().wait(float(headers["Retry-After"]) / 2)
        assert status == 200
