"""Every format we read or write, in one table: the CLI's ``--format``, the dumps and the server.

One row per format: its name, media types (the first is the one it is sent as) and other names,
file extensions, the label menus show, the kind of answer it holds and pyoxigraph's own format
where there is one. ``consortia-kg query --format``, the result writers, the query workers,
content negotiation and the server's pages all read this table; nothing else lists formats.

Imports nothing of ours (as rdflib-endpoint keeps its media types), so every layer can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

__all__ = [
    "ANSWER_GRAPH_FORMATS",
    "ANSWER_ROW_FORMATS",
    "CLI_FORMATS",
    "DATASET",
    "DOCUMENT_FORMATS",
    "FORMATS",
    "GRAPH",
    "PAGE",
    "RDF_FORMATS",
    "ROWS",
    "Format",
    "Kind",
    "RdfFormatInfo",
    "find_format",
    "format_by_extension",
    "format_named",
    "rdf_format",
]

#: What a format holds: a page for people, SPARQL answers (SELECT rows and ASK booleans alike:
#: every result format writes both, so none is boolean-only), triples, or quads.
Kind = Literal["page", "rows", "graph", "dataset"]
PAGE: Kind = "page"
ROWS: Kind = "rows"
GRAPH: Kind = "graph"
DATASET: Kind = "dataset"


@dataclass(frozen=True)
class Format:
    """One format: how it is named, sent, saved and written."""

    name: str
    #: the first is the Content-Type it is sent as; the others are accepted in ``Accept``
    media_types: tuple[str, ...]
    #: file extensions, the first the one we write (a document's ``.ttl``, a query's ``.json``)
    extensions: tuple[str, ...]
    #: shown in menus and lists of alternates
    label: str
    kind: Kind
    #: other names ``?format=`` and ``--format`` accept (Virtuoso's and SPARQLWrapper's too)
    aliases: tuple[str, ...] = ()
    #: more media types it is sent for when answering a query (SPARQLWrapper asks for JSON-LD
    #: as ``application/json``); a thing's document is not offered under them
    answer_types: tuple[str, ...] = ()
    #: the graph format meant by this name when the answer is a graph (``format=json`` → JSON-LD)
    for_graphs: str = ""
    #: sent with ``; charset=utf-8``
    charset: bool = False
    #: its IRI under http://www.w3.org/ns/formats/ (a service description lists them)
    w3c: str = ""
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None

    @property
    def media_type(self) -> str:
        """Return the media type it is sent as."""
        return self.media_types[0]

    @property
    def content_type(self) -> str:
        """Return the Content-Type header it is sent with."""
        return self.media_type + ("; charset=utf-8" if self.charset else "")

    @property
    def extension(self) -> str:
        """Return the file extension we write it with."""
        return self.extensions[0]

    @property
    def quads(self) -> bool:
        """Return True when it holds named graphs (N-Quads)."""
        return self.kind == DATASET

    @property
    def forms(self) -> tuple[str, ...]:
        """Return the SPARQL query forms whose answers it can hold."""
        if self.kind == ROWS:
            return ("SELECT", "ASK")
        if self.kind in (GRAPH, DATASET):
            return ("CONSTRUCT", "DESCRIBE")
        return ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


#: Every format, in the order a server prefers them (HTML first for a thing's document).
FORMATS: tuple[Format, ...] = (
    Format(
        "html", ("text/html", "application/xhtml+xml"), ("html",), "HTML", PAGE,
        aliases=("htm",), charset=True,
    ),
    Format(
        "turtle", ("text/turtle", "application/x-turtle"), ("ttl",), "Turtle", GRAPH,
        aliases=("n3",), w3c="Turtle", rdf=ox.RdfFormat.TURTLE,
    ),
    Format(
        "ntriples", ("application/n-triples",), ("nt",), "N-Triples", GRAPH,
        aliases=("n-triples",), w3c="N-Triples", rdf=ox.RdfFormat.N_TRIPLES,
    ),
    Format(
        "nquads", ("application/n-quads",), ("nq",), "N-Quads", DATASET,
        aliases=("n-quads",), w3c="N-Quads", rdf=ox.RdfFormat.N_QUADS,
    ),
    Format(
        "jsonld", ("application/ld+json",), ("jsonld",), "JSON-LD", GRAPH,
        aliases=("json-ld", "ld+json"), answer_types=("application/json",), w3c="JSON-LD",
        rdf=ox.RdfFormat.JSON_LD,
    ),
    Format(
        "rdfxml", ("application/rdf+xml",), ("rdf",), "RDF/XML", GRAPH,
        aliases=("rdf+xml", "owl"), answer_types=("application/xml",),
        w3c="RDF_XML", rdf=ox.RdfFormat.RDF_XML,
    ),
    Format(
        "json", ("application/sparql-results+json", "application/json"), ("json", "srj"),
        "JSON", ROWS, aliases=("sparql-results+json",), for_graphs="jsonld",
        w3c="SPARQL_Results_JSON", results=ox.QueryResultsFormat.JSON,
    ),
    Format(
        "xml", ("application/sparql-results+xml", "application/xml", "text/xml"), ("xml", "srx"),
        "XML", ROWS, aliases=("sparql-results+xml",), for_graphs="rdfxml",
        w3c="SPARQL_Results_XML", results=ox.QueryResultsFormat.XML,
    ),
    Format(
        "csv", ("text/csv",), ("csv",), "CSV", ROWS, charset=True, w3c="SPARQL_Results_CSV",
        results=ox.QueryResultsFormat.CSV,
    ),
    Format(
        "tsv", ("text/tab-separated-values",), ("tsv",), "TSV", ROWS, charset=True,
        w3c="SPARQL_Results_TSV", results=ox.QueryResultsFormat.TSV,
    ),
    # a terminal's aligned columns: written by the CLI only
    Format("table", ("text/plain",), ("txt",), "Table", ROWS, charset=True),
)  # fmt: skip

_BY_NAME = {f.name: f for f in FORMATS}

#: What a thing's document comes as, in the order pages list them and ``*/*`` prefers them.
DOCUMENT_FORMATS: tuple[Format, ...] = tuple(
    _BY_NAME[n] for n in ("html", "turtle", "ntriples", "jsonld", "rdfxml")
)
#: What a SELECT or ASK answer comes as over HTTP, JSON first.
ANSWER_ROW_FORMATS: tuple[Format, ...] = tuple(_BY_NAME[n] for n in ("json", "xml", "csv", "tsv"))
#: What a CONSTRUCT or DESCRIBE answer comes as over HTTP, Turtle first.
ANSWER_GRAPH_FORMATS: tuple[Format, ...] = tuple(
    _BY_NAME[n] for n in ("turtle", "ntriples", "jsonld", "rdfxml")
)
#: What ``consortia-kg query --format`` writes, in the order it lists them.
CLI_FORMATS: tuple[Format, ...] = tuple(
    _BY_NAME[n] for n in ("table", "csv", "tsv", "json", "xml", "turtle", "jsonld", "ntriples")
)
#: Every RDF format we write (dumps, documents), in the order a server prefers them after HTML.
RDF_FORMATS: tuple[Format, ...] = tuple(f for f in FORMATS if f.rdf is not None)

#: The name an RDF format had before the table held every format (kept for its callers).
RdfFormatInfo = Format


def format_named(name: str) -> Format:
    """Return the format called ``name`` (a row's own name); raise ``KeyError`` if none."""
    return _BY_NAME[name]


def find_format(value: str, among: tuple[Format, ...] = FORMATS) -> Format | None:
    """Find a format ``among`` some by name, extension, media type or other name; None if none.

    Names win over extensions and media types, so ``json`` is SPARQL JSON, never JSON-LD.
    """
    key = value.strip().lower()
    for fields in (
        lambda f: (f.name,),
        lambda f: f.extensions,
        lambda f: f.media_types,
        lambda f: f.aliases,
    ):
        for fmt in among:
            if key in fields(fmt):
                return fmt
    return None


def format_by_extension(extension: str, among: tuple[Format, ...] = FORMATS) -> Format | None:
    """Return the format a file extension names ``among`` some; None if none."""
    key = extension.lstrip(".")
    return next((f for f in among if key in f.extensions), None)


def rdf_format(name_or_extension: str) -> Format:
    """Find an RDF format by name, extension or media type; raise ``KeyError`` if unknown."""
    key = name_or_extension.lower().lstrip(".")
    for fmt in RDF_FORMATS:
        if key in (fmt.name, fmt.extension, fmt.media_type):
            return fmt
    raise KeyError(name_or_extension)
