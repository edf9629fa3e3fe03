"""The SPARQL 1.1 Protocol at ``/sparql``: GET, POST form and POST direct; read-only.

Queries go to the generation's query workers (:mod:`..worker`), which check them, run them
within the time budget and the row cap, and write the answer in the negotiated format. Updates
are read and refused with a reason. Without a query, ``/sparql`` describes the endpoint (SPARQL
1.1 Service Description) or, for a browser, shows the query page.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import parse_qsl

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from consortia_kg.formats import ANSWER_GRAPH_FORMATS, ANSWER_ROW_FORMATS
from consortia_kg.iris import dataset_iri
from consortia_kg.serialize import serialize_graph
from consortia_kg.vocab import DCTERMS, PREFIXES, RDF, VOID

from ..config import ServeConfig
from ..display import solutions_table
from ..editor import editor_settings as settings_of
from ..front import EDITOR_CONTENT_SECURITY_POLICY
from ..generation import Generation
from ..jobs import QueryJob, Reply, UpdateJob
from ..negotiation import (
    ENTITY_OFFERS,
    GRAPH_OFFERS,
    SOLUTION_OFFERS,
    canonical_media_type,
    format_from_name,
    negotiate,
)
from .base import HTML_TYPE, Context, HTTPProblem, read_body, shown

__all__ = ["editor_settings", "service_triples", "sparql"]

_SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS_NS = "http://www.w3.org/ns/formats/"
#: the query page's first query: every prefix of our dumps, then a question they answer
_EXAMPLE_QUERY = (
    "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
    + """
SELECT ?consortium ?name WHERE {
  ?consortium a ckg:Consortium ;
      rdfs:label ?name .
}
ORDER BY ?name
"""
)


async def sparql(ctx: Context, request: Request, generation: Generation) -> Response:
    """The SPARQL 1.1 Protocol: GET, POST form and POST direct; read-only."""
    params = list(request.query_params.multi_items())
    direct_text: str | None = None
    if request.method == "POST":
        content_type, _, parameters = request.headers.get("content-type", "").partition(";")
        content_type = content_type.strip().lower()
        charset = _charset(parameters)
        if charset not in ("", "utf-8", "utf8", "us-ascii"):
            raise HTTPProblem(
                415,
                f"a POST to /sparql is read as UTF-8, not {charset}",
                hint="send the body in UTF-8 (charset=UTF-8, or no charset)",
            )
        body = await read_body(request, ctx.config.max_body)
        try:
            decoded = body.decode("utf-8")
        except UnicodeDecodeError:
            raise HTTPProblem(400, "the request body is not UTF-8") from None
        if content_type == "application/x-www-form-urlencoded":
            params = [(k, v) for k, v in params if k in ("format", "output", "results")]
            params += parse_qsl(decoded, keep_blank_values=True)
        elif content_type == "application/sparql-query":
            direct_text = decoded
        elif content_type == "application/sparql-update":
            return await _refuse_update(ctx, generation, decoded)
        else:
            raise HTTPProblem(
                415,
                f"a POST to /sparql must be a form or a query, not {content_type or 'untyped'}",
                hint="send Content-Type: application/x-www-form-urlencoded (query=…) or "
                "application/sparql-query (the query as the body)",
            )
    queries = [v for k, v in params if k == "query"]
    updates = [v for k, v in params if k == "update"]
    if updates:
        return await _refuse_update(ctx, generation, updates[0])
    if direct_text is not None:
        if queries:
            raise HTTPProblem(400, "a direct POST carries its query as the body, not as query=")
        queries = [direct_text]
    if len(queries) > 1:
        raise HTTPProblem(400, "the request holds more than one query", hint="send one query=")
    default_uris = tuple(v for k, v in params if k == "default-graph-uri")
    named_uris = tuple(v for k, v in params if k == "named-graph-uri")
    format_values = [v for k, v in params if k == "format" and v]
    if not queries or not queries[0].strip():
        return _service_description(ctx, request, generation, format_values)
    text = queries[0]
    solution_fmt, graph_fmt = _result_formats(request, format_values)
    etag = None
    if request.method in ("GET", "HEAD"):
        etag = generation.etag(
            "sparql", text, "\0".join(default_uris), "\0".join(named_uris),
            solution_fmt or "-", graph_fmt or "-",
        )  # fmt: skip
        cached = ctx.not_modified(request, generation, etag)
        if cached is not None:
            return cached
    job = QueryJob(
        text,
        solution_format="json" if solution_fmt == "html" else solution_fmt,
        graph_format="turtle" if graph_fmt == "html" else graph_fmt,
        default_uris=default_uris,
        named_uris=named_uris,
        max_rows=ctx.config.max_rows,
    )
    try:
        reply = await ctx.run(generation, job)
    except HTTPProblem as problem:
        if "html" in (solution_fmt, graph_fmt):
            return _query_page(
                ctx, request, generation, text, None, problem.message, problem.status
            )
        raise
    if reply.status != 200:
        if "html" in (solution_fmt, graph_fmt):
            message = reply.message + (f"\n  fix: {reply.hint}" if reply.hint else "")
            return _query_page(ctx, request, generation, text, None, message, reply.status)
        headers = {"Vary": "Accept"} if reply.status == 406 else None
        raise HTTPProblem(reply.status, reply.message, reply.hint, headers=headers)
    chosen = solution_fmt if reply.form in ("SELECT", "ASK") else graph_fmt
    if chosen == "html":
        return _query_page(ctx, request, generation, text, reply, "", 200, etag)
    return ctx.ok(request, generation, reply.body, canonical_media_type(reply.fmt), etag)


async def editor_settings(ctx: Context, request: Request, generation: Generation) -> Response:
    """What the query page's editor completes and offers: prefixes, terms, named queries."""
    settings = settings_of(
        ctx.site.vocabularies["ontology"].triples,
        ctx.queries.values(),
        generation.base,
        ctx.prefix,
    )
    body = json.dumps(settings, ensure_ascii=False, sort_keys=True)
    etag = generation.etag("editor", hashlib.sha256(body.encode()).hexdigest())
    cached = ctx.not_modified(request, generation, etag)
    if cached is not None:
        return cached
    return ctx.ok(request, generation, body, "application/json", etag, vary=False)


def _charset(parameters: str) -> str:
    """Return the charset a Content-Type's parameters name, lower case ("" when none)."""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""


def _result_formats(request: Request, format_values: list[str]) -> tuple[str | None, str | None]:
    """Return the formats for a SELECT/ASK answer and for a graph (None: the client takes none)."""
    if format_values:
        # SPARQLWrapper repeats the format as a name and a media type: the first we know wins
        solution = next(
            (f for v in format_values if (f := format_from_name(v, SOLUTION_OFFERS))), None
        )
        graph = next((f for v in format_values if (f := format_from_name(v, GRAPH_OFFERS))), None)
        if solution is None and graph is None:
            names = sorted({n for _, n in SOLUTION_OFFERS + GRAPH_OFFERS})
            raise HTTPProblem(
                400,
                f"format={shown(format_values[0])} is not a format answers come in",
                hint="use one of: " + ", ".join(names),
            )
        return solution, graph
    accept = request.headers.get("accept")
    solution_offer = negotiate(accept, SOLUTION_OFFERS)
    graph_offer = negotiate(accept, GRAPH_OFFERS)
    return (
        solution_offer[1] if solution_offer else None,
        graph_offer[1] if graph_offer else None,
    )


async def _refuse_update(ctx: Context, generation: Generation, text: str) -> Response:
    reply = await ctx.run(generation, UpdateJob(text))
    raise HTTPProblem(reply.status, reply.message, reply.hint)


def _query_page(
    ctx: Context,
    request: Request,
    generation: Generation,
    text: str,
    reply: Reply | None,
    error: str,
    status: int,
    etag: str | None = None,
) -> Response:
    """The query editor, with an answer as a table or a graph, or the error in words."""
    columns: list[str] = []
    rows: list[Any] = []
    graph_text = ""
    status_text = ""
    if reply is not None:
        if reply.form in ("SELECT", "ASK"):
            columns, rows = solutions_table(reply.body, ctx.site.linker(generation))
            status_text = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
        else:
            graph_text = reply.body.decode()
            status_text = f"{reply.count} triples"
    body = ctx.site.render(
        "sparql.html",
        generation,
        title="SPARQL",
        query_text=text,
        queries=list(ctx.queries.values()),
        columns=columns,
        rows=rows,
        graph_text=graph_text,
        status_text=status_text,
        error=error,
        max_rows=ctx.config.max_rows,
        timeout=f"{ctx.config.timeout:g}",
        config_json=ctx.site.config_json(generation),
    )
    policy = {"Content-Security-Policy": EDITOR_CONTENT_SECURITY_POLICY}
    if status != 200:
        return Response(body, status, {"Vary": "Accept", **policy}, HTML_TYPE)
    return ctx.ok(request, generation, body, HTML_TYPE, etag, headers=policy)


def _service_description(
    ctx: Context, request: Request, generation: Generation, format_values: list[str]
) -> Response:
    """Describe the endpoint (SPARQL 1.1 Service Description), or show the query page."""
    fmt = None
    for value in format_values:
        fmt = format_from_name(value, ENTITY_OFFERS)
        if fmt:
            break
    if fmt is None:
        chosen = negotiate(request.headers.get("accept"), ENTITY_OFFERS)
        if chosen is None:
            raise HTTPProblem(
                406,
                "the service description comes as HTML, Turtle, N-Triples, JSON-LD or RDF/XML",
                headers={"Vary": "Accept"},
            )
        fmt = chosen[1]
    if fmt == "html":
        return _query_page(ctx, request, generation, _EXAMPLE_QUERY, None, "", 200)
    endpoint = str(request.url.replace(query=""))
    triples = service_triples(endpoint, generation, ctx.config)
    body = serialize_graph(triples, fmt, generation.base, pretty=False)
    etag = generation.etag("sd", endpoint, fmt)
    return ctx.ok(request, generation, body, canonical_media_type(fmt), etag)


def service_triples(endpoint: str, generation: Generation, config: ServeConfig) -> list[ox.Triple]:
    """The SPARQL 1.1 Service Description of this endpoint."""
    service = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    a = ox.NamedNode(RDF + "type")
    out = [
        ox.Triple(service, a, ox.NamedNode(_SD + "Service")),
        ox.Triple(service, ox.NamedNode(_SD + "endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(
            service, ox.NamedNode(_SD + "supportedLanguage"), ox.NamedNode(_SD + "SPARQL11Query")
        ),
        ox.Triple(service, ox.NamedNode(_SD + "feature"), ox.NamedNode(_SD + "UnionDefaultGraph")),
        ox.Triple(
            service,
            ox.NamedNode(DCTERMS + "description"),
            ox.Literal(
                "Read-only SPARQL 1.1 endpoint of consortia-kg. Queries run for at most "
                f"{config.timeout:g} s and answer at most {config.max_rows} rows; SERVICE, LOAD "
                "and updates are refused; FROM and default-graph-uri name graphs of the store "
                "(one it does not hold is empty), never fetched."
            ),
        ),
        ox.Triple(service, ox.NamedNode(_SD + "defaultDataset"), dataset),
        ox.Triple(dataset, a, ox.NamedNode(_SD + "Dataset")),
        ox.Triple(
            dataset,
            ox.NamedNode(DCTERMS + "source"),
            ox.NamedNode(dataset_iri(generation.base)),
        ),
        ox.Triple(dataset, ox.NamedNode(_SD + "defaultGraph"), default),
        ox.Triple(default, a, ox.NamedNode(_SD + "Graph")),
        ox.Triple(
            default,
            ox.NamedNode(VOID + "triples"),
            ox.Literal(
                str(generation.meta.quads),
                datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"),
            ),
        ),
    ]
    for fmt in (*ANSWER_ROW_FORMATS, *ANSWER_GRAPH_FORMATS):
        out.append(
            ox.Triple(
                service, ox.NamedNode(_SD + "resultFormat"), ox.NamedNode(_FORMATS_NS + fmt.w3c)
            )
        )
    for index, graph in enumerate(generation.graphs):
        node = ox.BlankNode(f"g{index}")
        out.append(ox.Triple(dataset, ox.NamedNode(_SD + "namedGraph"), node))
        out.append(ox.Triple(node, a, ox.NamedNode(_SD + "NamedGraph")))
        out.append(ox.Triple(node, ox.NamedNode(_SD + "name"), ox.NamedNode(graph)))
    return out
