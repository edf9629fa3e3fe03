"""The one format table: every row is written by the one writer and read back by pyoxigraph.

No mocks: graphs and solutions are written by :mod:`consortia_kg.serialize` and parsed back
with the pyoxigraph format the table names, so a row whose media type, extension or writer
disagree fails here; the CLI's choices and the server's offers are checked against the table.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pyoxigraph as ox
import pytest

from consortia_kg.cli.query import query as query_command
from consortia_kg.formats import (
    ANSWER_GRAPH_FORMATS,
    ANSWER_ROW_FORMATS,
    CLI_FORMATS,
    FORMATS,
    RDF_FORMATS,
    Format,
    find_format,
    format_by_extension,
    format_named,
    rdf_format,
)
from consortia_kg.serialize import (
    serialize_boolean,
    serialize_graph,
    serialize_solutions,
    serialize_solutions_capped,
)
from consortia_kg.serve.negotiation import ENTITY_OFFERS, GRAPH_OFFERS, SOLUTION_OFFERS

BASE = "https://example.org/kg/"
EX = ox.NamedNode(BASE + "consortium/demo")
NAME = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
TRIPLES = [
    ox.Triple(EX, NAME, ox.Literal("Démo \"quoted\"\nline", language="en")),
    ox.Triple(EX, ox.NamedNode(BASE + "p"), ox.Literal("01", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))),
    ox.Triple(EX, ox.NamedNode(BASE + "knows"), ox.NamedNode(BASE + "organisation/x")),
]  # fmt: skip
WITH_BLANK = [*TRIPLES, ox.Triple(EX, ox.NamedNode(BASE + "part"), ox.BlankNode("b1"))]
GRAPH_NAMES = [f.name for f in RDF_FORMATS if not f.quads]


def _isomorphic(a: list[ox.Triple], b: list[ox.Triple]) -> bool:
    """Compare two graphs with blank nodes replaced by one label (they hold at most one)."""

    def plain(t: ox.Triple) -> tuple[str, str, str]:
        s, o = ("_:b" if isinstance(x, ox.BlankNode) else str(x) for x in (t.subject, t.object))
        return s, str(t.predicate), o

    return sorted(map(plain, a)) == sorted(map(plain, b))


@pytest.mark.parametrize("pretty", [True, False])
@pytest.mark.parametrize("triples", [TRIPLES, WITH_BLANK], ids=["iris", "blank"])
@pytest.mark.parametrize("name", GRAPH_NAMES)
def test_every_graph_format_parses_back_as_its_row_says(
    name: str, triples: list[ox.Triple], pretty: bool
) -> None:
    fmt = format_named(name)
    assert fmt.rdf is not None
    body = serialize_graph(triples, name, BASE, pretty=pretty)
    parsed = [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(body, format=fmt.rdf)]
    assert _isomorphic(parsed, triples)
    # the media type and extension name the same pyoxigraph format
    assert ox.RdfFormat.from_media_type(fmt.media_type) == fmt.rdf
    assert ox.RdfFormat.from_extension(fmt.extension) == fmt.rdf


def _solutions() -> ox.QuerySolutions:
    store = ox.Store()
    for t in TRIPLES:
        store.add(ox.Quad(t.subject, t.predicate, t.object))
    result = store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?p")
    assert isinstance(result, ox.QuerySolutions)
    return result


@pytest.mark.parametrize("fmt", ANSWER_ROW_FORMATS, ids=lambda f: f.name)
def test_every_result_format_parses_back_as_its_row_says(fmt: Format) -> None:
    assert fmt.results is not None
    body = serialize_solutions(_solutions(), fmt.name)
    if fmt.name == "csv":  # lossy: pyoxigraph does not read it back, Python's csv does
        rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
        assert rows[0] == ["s", "p", "o"] and len(rows) == len(TRIPLES) + 1
    else:
        back = ox.parse_query_results(body, format=fmt.results)
        assert isinstance(back, ox.QuerySolutions)
        assert len(list(back)) == len(TRIPLES)
    capped = serialize_solutions_capped(_solutions(), fmt.name, len(TRIPLES))
    assert capped is not None and capped[1] == len(TRIPLES)
    assert serialize_solutions_capped(_solutions(), fmt.name, len(TRIPLES) - 1) is None
    assert ox.QueryResultsFormat.from_media_type(fmt.media_type) == fmt.results
    if fmt.name in ("csv", "tsv"):
        assert serialize_boolean(True, fmt.name) == b"true\n"
    else:
        answer = ox.parse_query_results(serialize_boolean(True, fmt.name), format=fmt.results)
        assert isinstance(answer, ox.QueryBoolean) and bool(answer)


def test_names_extensions_and_media_types_lead_to_one_row() -> None:
    names = [f.name for f in FORMATS]
    assert len(names) == len(set(names))
    for fmt in FORMATS:
        assert find_format(fmt.name) is fmt
        assert find_format(fmt.media_type) is fmt
        assert format_by_extension(fmt.extension) is fmt
        for alias in fmt.aliases:
            assert find_format(alias) is fmt
    for fmt in RDF_FORMATS:
        assert rdf_format(fmt.extension) is fmt
    # SPARQLWrapper's json/xml for a graph: a graph format the table holds
    for fmt in ANSWER_ROW_FORMATS:
        assert not fmt.for_graphs or format_named(fmt.for_graphs) in ANSWER_GRAPH_FORMATS


def test_the_cli_offers_the_tables_formats() -> None:
    option = next(p for p in query_command.params if p.name == "fmt")
    choices = list(option.type.choices)  # type: ignore[attr-defined]
    assert choices == [f.name for f in CLI_FORMATS] + ["markdown"]
    for fmt in CLI_FORMATS:
        assert fmt.forms  # each fits some query form, so --format can be checked against it


@pytest.mark.parametrize("offers", [ENTITY_OFFERS, SOLUTION_OFFERS, GRAPH_OFFERS])
def test_every_offer_is_a_row_of_the_table(offers: tuple[tuple[str, str], ...]) -> None:
    for media, name in offers:
        fmt = format_named(name)
        assert media in fmt.media_types + fmt.answer_types


def test_a_query_worker_imports_no_web_stack() -> None:
    code = (
        "import sys, consortia_kg.serve.process\n"
        "web = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('starlette', 'jinja2', 'uvicorn'))\n"
        "print(web)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
