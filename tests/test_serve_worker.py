"""The query workers' own parts: answers written by pyoxigraph, the row cap, the channel.

No server here: SELECT answers are written straight from a small in-memory store and compared
with pyoxigraph's own serializers, and the event loop's end of a worker's socket is checked
against the blocking ``multiprocessing.connection.Connection`` a worker uses.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox
import pytest

from consortia_kg.serialize import serialize_solutions_capped
from consortia_kg.serve.jobs import QueryJob, Reply
from consortia_kg.serve.process import answer
from consortia_kg.serve.worker import Channel

XSD = "http://www.w3.org/2001/XMLSchema#"
GRAPH = ox.NamedNode("http://example.org/graph")
BASE = "http://example.org/"
FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
#: terms that test a writer: line breaks, tabs and quotes in literals, non-canonical numbers
#: (written as is, not as bare numbers), languages, blank nodes, IRIs with non-ASCII letters
VALUES: list[Any] = [
    ox.Literal('line one\nline two\r\n\ttabbed "quoted" \\ back'),
    ox.Literal("x\ny", language="en-GB"),
    ox.Literal("01", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("7", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("1.50", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("1E3", datatype=ox.NamedNode(XSD + "double")),
    ox.Literal("1", datatype=ox.NamedNode(XSD + "boolean")),
    ox.Literal("2020-01-01", datatype=ox.NamedNode(XSD + "date")),
    ox.Literal(""),
    ox.Literal("é \u2028 separator"),
    ox.NamedNode("http://example.org/ü?a=b#c"),
    ox.BlankNode("b0"),
]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for index, value in enumerate(VALUES):
        subject = ox.NamedNode(f"http://example.org/s{index:02d}")
        store.add(ox.Quad(subject, ox.NamedNode("http://example.org/p"), value, GRAPH))
    return store


QUERY = "SELECT ?s ?o ?unbound WHERE { ?s ?p ?o } ORDER BY ?s"


def solutions(store: ox.Store, text: str = QUERY) -> Any:
    return store.query(text, use_default_graph_as_union=True)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_select_answers_are_pyoxigraphs_own(store: ox.Store, fmt: str) -> None:
    written = serialize_solutions_capped(solutions(store), fmt, 100)
    assert written is not None
    body, rows = written
    assert rows == len(VALUES)
    assert body == solutions(store).serialize(format=FORMATS[fmt])


def test_json_answer_holds_every_term_exactly(store: ox.Store) -> None:
    written = serialize_solutions_capped(solutions(store), "json", 100)
    assert written is not None
    doc = json.loads(written[0])
    assert doc["head"]["vars"] == ["s", "o", "unbound"]
    objects = [row["o"] for row in doc["results"]["bindings"]]
    assert objects[0] == {"type": "literal", "value": VALUES[0].value}
    assert objects[1]["value"] == "x\ny" and objects[1]["xml:lang"].lower() == "en-gb"
    assert objects[3] == {"type": "literal", "value": "7", "datatype": XSD + "integer"}
    assert objects[10] == {"type": "uri", "value": "http://example.org/ü?a=b#c"}
    assert objects[11]["type"] == "bnode"
    assert all("unbound" not in row for row in doc["results"]["bindings"])


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_row_cap_is_exact(store: ox.Store, fmt: str) -> None:
    assert serialize_solutions_capped(solutions(store), fmt, len(VALUES) - 1) is None
    written = serialize_solutions_capped(solutions(store), fmt, len(VALUES))
    assert written is not None and written[1] == len(VALUES)


def test_rows_with_line_breaks_count_once(store: ox.Store) -> None:
    # every row's literal holds a line break: the count must still be one a row
    text = 'SELECT ?o WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), "\\n")) }'
    written = serialize_solutions_capped(solutions(store, text), "csv", 2)
    assert written is not None and written[1] == 2
    assert serialize_solutions_capped(solutions(store, text), "csv", 1) is None


def test_no_rows_and_the_empty_row(store: ox.Store) -> None:
    none = serialize_solutions_capped(solutions(store, "SELECT ?s WHERE { ?s ?p 42 }"), "json", 5)
    assert none is not None and none[1] == 0
    assert json.loads(none[0])["results"]["bindings"] == []
    one = serialize_solutions_capped(solutions(store, "SELECT * WHERE {}"), "json", 5)
    assert one is not None and one[1] == 1
    assert json.loads(one[0])["results"]["bindings"] == [{}]
    assert serialize_solutions_capped(solutions(store, "SELECT * WHERE {}"), "json", 0) is None


def test_worker_answer_refuses_past_the_cap_and_in_no_format(store: ox.Store) -> None:
    from consortia_kg.query.guard import QueryGuard

    guard = QueryGuard(BASE)
    over = answer(store, guard, QueryJob(QUERY, max_rows=3), BASE)
    assert over.status == 400 and "more than 3 rows" in over.message
    fits = answer(store, guard, QueryJob(QUERY, solution_format="tsv", max_rows=50), BASE)
    assert (fits.status, fits.fmt, fits.form, fits.count) == (200, "tsv", "SELECT", len(VALUES))
    refused = answer(store, guard, QueryJob(QUERY, solution_format=None), BASE)
    assert refused.status == 406
    service = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    assert answer(store, guard, QueryJob(service), BASE).status == 400


def _echo(conn: Connection) -> None:
    """Play a worker: answer each message with a Reply holding it, until None."""
    while True:
        job = conn.recv()
        if job is None:
            conn.close()
            return
        conn.send(Reply(200, body=job, fmt="echo"))


@pytest.mark.parametrize("size", [0, 1, 65_535, 65_536, 3_000_000])
def test_channel_frames_match_multiprocessing_connection(size: int) -> None:
    ours, theirs = socket.socketpair()
    peer = Connection(theirs.detach())
    thread = threading.Thread(target=_echo, args=(peer,), daemon=True)
    thread.start()
    payload = bytes(range(256)) * (size // 256) + b"x" * (size % 256)

    async def talk() -> list[Any]:
        channel = Channel()
        loop = asyncio.get_running_loop()
        await loop.create_unix_connection(lambda: channel, sock=ours)
        replies = []
        for _ in range(3):  # the same channel, message after message
            channel.send(payload)
            replies.append(await channel.receive())
        channel.send(None)
        with pytest.raises(EOFError):
            await channel.receive()
        channel.close()
        return replies

    replies = asyncio.run(talk())
    thread.join(10)
    assert [r.body for r in replies] == [payload] * 3


def test_channel_says_when_the_worker_is_gone() -> None:
    ours, theirs = socket.socketpair()

    async def talk() -> None:
        channel = Channel()
        await asyncio.get_running_loop().create_unix_connection(lambda: channel, sock=ours)
        waiting = asyncio.ensure_future(channel.receive())
        await asyncio.sleep(0)
        theirs.close()
        with pytest.raises(EOFError):
            await asyncio.wait_for(waiting, 10)
        with pytest.raises(EOFError):
            channel.send("after")

    asyncio.run(talk())


# --- answers kept for the next identical query -----------------------------------------------


def test_replies_say_whether_the_same_query_gives_the_same_answer(store: ox.Store) -> None:
    from consortia_kg.query.guard import QueryGuard

    guard = QueryGuard(BASE)
    steady = answer(store, guard, QueryJob(QUERY), BASE)
    assert steady.status == 200 and steady.cacheable
    volatile = [
        "SELECT (RAND() AS ?r) WHERE {}",
        "SELECT ?s (NOW() AS ?t) WHERE { ?s ?p ?o }",
        "SELECT (STRUUID() AS ?u) WHERE {}",
        "CONSTRUCT { ?s <http://example.org/q> ?b } WHERE { ?s ?p ?o BIND(BNODE() AS ?b) }",
    ]
    for text in volatile:
        reply = answer(store, guard, QueryJob(text), BASE)
        assert reply.status == 200, (text, reply.message)
        assert not reply.cacheable, text
        # the server's own queries are looked at more bluntly, never parsed
        assert not answer(store, guard, QueryJob(text, trusted=True), BASE).cacheable, text
    assert answer(store, guard, QueryJob(QUERY, trusted=True), BASE).cacheable
    # the check reads \u escapes as SPARQL does (pyoxigraph refuses them in names anyway)
    escaped = "SELECT (\\u004EOW() AS ?t) WHERE {}"
    assert not guard.check_query(escaped).deterministic
    assert guard.check_query("SELECT ?now WHERE { ?now ?p ?o }").deterministic
    assert not answer(store, guard, QueryJob(QUERY, max_rows=1), BASE).cacheable


def test_result_cache_keeps_only_whole_steady_answers_within_its_size() -> None:
    from consortia_kg.serve.worker import ResultCache

    cache = ResultCache(8000)
    a, b, c = (QueryJob(f"SELECT * WHERE {{ ?s ?p {n} }}") for n in range(3))
    cache.put(a, Reply(200, b"x" * 900, "json", cacheable=True))
    cache.put(b, Reply(200, b"y" * 900, "json", cacheable=False))  # volatile
    cache.put(c, Reply(400, b"", message="no", cacheable=True))  # not an answer
    assert cache.get(a) is not None and cache.get(b) is None and cache.get(c) is None
    assert cache.get(QueryJob(a.text, solution_format="csv")) is None  # another format
    cache.put(b, Reply(200, b"y" * 1100, "json", cacheable=True))  # over an eighth: not kept
    assert cache.get(b) is None
    jobs = [QueryJob(f"SELECT * WHERE {{ ?s ?p {n} }}") for n in range(10, 20)]
    for job in jobs:
        cache.put(job, Reply(200, b"z" * 900, "json", cacheable=True))
        assert cache.size <= cache.limit
    # the least recently used went first; the newest are there
    assert cache.get(a) is None and cache.get(jobs[-1]) is not None
    assert cache.size == sum(
        len(r.body) + len(j.text) for j in jobs if (r := cache.get(j)) is not None
    )


def _health(server: Any) -> dict[str, Any]:
    import urllib.request

    with urllib.request.urlopen(server.url + "health", timeout=30) as response:
        health: dict[str, Any] = json.loads(response.read())
    return health


def _post_query(server: Any, text: str, accept: str = "text/csv") -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        server.url + "sparql",
        data=text.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": accept},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize("cache_mib", [32, 0])
def test_server_answers_a_repeated_query_from_its_cache(
    tmp_path_factory: pytest.TempPathFactory, cache_mib: int
) -> None:
    from consortia_kg.serve.server import BackgroundServer
    from helpers.paths import DATA

    # the curated records: over the whole default graph (registries too) the steady query
    # sorts 277,000 subjects, past the time budget, and each run would build it for 90 s
    work = tmp_path_factory.mktemp("cache")
    running = BackgroundServer.for_data(
        DATA, work, workers=1, reload_interval=0, cache_bytes=cache_mib << 20, max_rows=50
    )
    steady = "SELECT ?s WHERE { ?s a ?t } ORDER BY ?s LIMIT 5"
    with running as server:
        before = _health(server)["answered_from_cache"]
        first = _post_query(server, steady)
        again = [_post_query(server, steady) for _ in range(3)]
        assert first[0] == 200 and all(answer == first for answer in again)
        json_answer = _post_query(server, steady, "application/sparql-results+json")
        assert json_answer[0] == 200 and json.loads(json_answer[1])["head"]["vars"] == ["s"]
        cached = _health(server)["answered_from_cache"] - before
        assert cached == (3 if cache_mib else 0)
        # an answer that changes with every run is run every time
        now = "SELECT (NOW() AS ?t) (STRUUID() AS ?u) WHERE {}"
        answers = {_post_query(server, now)[1] for _ in range(3)}
        assert len(answers) == 3
        # a refusal is never kept: past the row cap, again and again
        for _ in range(2):
            status, body = _post_query(server, "SELECT * WHERE { ?s ?p ?o }")
            assert status == 400 and b"more than 50 rows" in body
        assert _health(server)["answered_from_cache"] - before == cached


# --- the quick check: texts that cannot hold SERVICE or a dataset clause ----------------------


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "select * where { service <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SeRvIcE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * FROM <http://example.org/other> WHERE { ?s ?p ?o }",
        "SELECT * WHERE { ?s ?p ?o } # from a comment",
        'SELECT * WHERE { ?s ?p "a string with Service in it" }',
        "SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o FILTER(?o = \\U00000061) }",
    ],
)
def test_quick_check_leaves_every_suspect_text_to_the_parser(text: str) -> None:
    from consortia_kg.query.guard import QueryGuard

    assert QueryGuard(BASE).quick_check(text) is None


def test_quick_check_passes_plain_queries_and_never_a_protocol_dataset() -> None:
    from consortia_kg.query.guard import QueryGuard

    guard = QueryGuard(BASE)
    plain = 'SELECT ?s WHERE { ?s ?p "Zürich" } ORDER BY ?s # a comment'
    checked = guard.quick_check(plain)
    assert checked is not None and checked.default_graphs is None and checked.deterministic
    volatile = guard.quick_check("SELECT (NOW() AS ?t) WHERE {}")
    assert volatile is not None and not volatile.deterministic
    assert guard.quick_check(plain, default_uris=[GRAPH.value]) is None
    assert guard.quick_check(plain, named_uris=[GRAPH.value]) is None


def test_texts_past_the_quick_check_are_refused_as_before(store: ox.Store) -> None:
    from consortia_kg.query.guard import QueryGuard

    guard = QueryGuard(BASE)
    # an update sent as a query passes the quick check; pyoxigraph does not read it as a
    # query, and the refusal says what it is
    for update in ("INSERT DATA { <http://a> <http://b> <http://c> }", "CLEAR ALL"):
        assert guard.quick_check(update) is not None
        reply = answer(store, guard, QueryJob(update), BASE)
        assert reply.status == 403 and "read-only" in reply.message, reply.message
    broken = answer(store, guard, QueryJob("SELECT * WHERE { ?s ?p }"), BASE)
    assert broken.status == 400 and "syntax error" in broken.message.lower()
    service = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    assert answer(store, guard, QueryJob(service), BASE).status == 400
    # a graph the store does not hold is empty (as in Oxigraph's server), never fetched
    unheld = "SELECT * FROM <http://example.org/other> WHERE { ?s ?p ?o }"
    empty = answer(store, guard, QueryJob(unheld), BASE)
    assert (empty.status, empty.count) == (200, 0), empty.message
    held_text = f"SELECT * FROM <{GRAPH.value}> WHERE {{ ?s ?p ?o }}"
    held = answer(store, guard, QueryJob(held_text), BASE)
    assert held.status == 200 and held.count == len(VALUES)
    described = answer(store, guard, QueryJob("DESCRIBE <http://example.org/s03>"), BASE)
    assert (described.status, described.form) == (200, "DESCRIBE")
