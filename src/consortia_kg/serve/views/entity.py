"""Dereferenced IRIs: a thing answers ``303 See Other`` to a document about it, in one format.

A *thing* (a consortium, an organisation, a working group, a role, the dataset...) answers 303
to ``{thing}.{html|ttl|nt|jsonld|rdf}``, chosen by the ``Accept`` header (RFC 7231, q-values and
all) or ``?format=``; a document answers 200 in one format with an ``ETag`` and a
``Last-Modified`` that come from the data's version, never from the clock. Its triples come from
the generation's query workers, so the time budget and the concurrency cap hold here too.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from consortia_kg.iris import parse_path, record_graph_of
from consortia_kg.serialize import serialize_graph

from ..display import INCOMING_CAP, document_query, void_document
from ..generation import Generation
from ..index import LABEL_PREDICATES, Entity
from ..jobs import QueryJob
from ..negotiation import ENTITY_OFFERS, canonical_media_type, negotiate
from .base import DOC_EXTENSIONS, EXT_TO_FORMAT, Context, HTTPProblem

__all__ = ["document", "entity", "find", "page_number"]

#: a document is every triple about one thing: far more than any answer's row cap
_DOC_ROW_CAP = 1_000_000


async def find(ctx: Context, generation: Generation, rel: str) -> Entity | None:
    """Return the thing at ``rel``: from the index, or (a nameless part) from the store."""
    iri = generation.base + rel
    found = generation.index.get(iri)
    if found is not None or not rel or parse_path(rel) is None:
        return found
    reply = await ctx.run(
        generation, QueryJob(f"ASK {{ {ox.NamedNode(iri)} ?p ?o }}", trusted=True)
    )
    if reply.status == 200 and json.loads(reply.body).get("boolean"):
        return generation.index.add(iri)
    return None


async def entity(ctx: Context, request: Request, generation: Generation, rel: str) -> Response:
    """Answer a thing (303 to its document), a document, or a helpful 404."""
    if rel and await find(ctx, generation, rel) is not None:
        fmt = ctx.format_param(request, ENTITY_OFFERS)
        if fmt is None:
            chosen = negotiate(request.headers.get("accept"), ENTITY_OFFERS)
            if chosen is None:
                raise HTTPProblem(
                    406,
                    f"{ctx.prefix}{rel} has no representation of the types the Accept "
                    f"header allows ({request.headers.get('accept')})",
                    hint="accept one of the types below, or add ?format=ttl",
                    headers={"Vary": "Accept"},
                    links=ctx.alternates(rel),
                )
            fmt = chosen[1]
        location = f"{ctx.prefix}{rel}.{DOC_EXTENSIONS[fmt]}"
        return Response(
            f"See {location}\n",
            303,
            {"Location": location, "Vary": "Accept", "Cache-Control": "public, max-age=60"},
            "text/plain; charset=utf-8",
        )
    stem, dot, ext = rel.rpartition(".")
    if dot and ext in EXT_TO_FORMAT and stem and await find(ctx, generation, stem) is not None:
        return await document(ctx, request, generation, stem, EXT_TO_FORMAT[ext])
    raise ctx.missing(generation, rel)


async def document(
    ctx: Context, request: Request, generation: Generation, rel: str, fmt: str
) -> Response:
    """Answer the document about the thing at ``rel`` in one format."""
    override = ctx.format_param(request, ENTITY_OFFERS)
    if override is not None and override != fmt:
        location = f"{ctx.prefix}{rel}.{DOC_EXTENSIONS[override]}"
        return Response(status_code=303, headers={"Location": location})
    page = page_number(request) if fmt == "html" else 1
    etag = generation.etag("doc", rel, fmt, str(page))
    cached = ctx.not_modified(request, generation, etag)
    if cached is not None:
        return cached
    thing = f"{ctx.prefix}{rel}"
    headers = {"Link": f'<{thing}>; rel="describes"'}
    media = canonical_media_type(fmt)
    known = generation.cached(etag)
    if known is not None:
        return ctx.ok(request, generation, known, media, etag, vary=False, headers=headers)
    iri = generation.base + rel
    found = generation.index.get(iri)
    assert found is not None
    if found.void:
        triples = void_document(iri, generation.void)
    else:
        text = document_query(iri, generation.base, _graph_of(generation, iri), found.is_record)
        job = QueryJob(text, trusted=True, graph_format="ntriples", max_rows=_DOC_ROW_CAP)
        reply = await ctx.run(generation, job)
        if reply.status != 200:
            raise HTTPProblem(reply.status, reply.message, reply.hint)
        triples = list(ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES))
        if found.in_void:  # a graph's licence and size, as the VoID subset states them
            triples += void_document(iri, generation.void)
        triples += _labels_of_links(generation, triples)
    if fmt == "html":
        graphs = [] if found.void else await _graphs_holding(ctx, generation, iri)
        body: bytes | str = ctx.site.entity(
            generation, iri, triples, ctx.alternates(rel), generation.licensing.of(graphs), page
        )
    else:
        body = serialize_graph(triples, fmt, generation.base)
    generation.remember(etag, body)
    return ctx.ok(request, generation, body, media, etag, vary=False, headers=headers)


def page_number(request: Request) -> int:
    """Read ``?page=`` (1 when absent); 400 when it is not a positive number."""
    value = request.query_params.get("page", "1")
    if not value.isdigit() or int(value) < 1 or len(value) > 6:
        raise HTTPProblem(400, f"page={value} is not a page number", hint="use page=1, 2, ...")
    return int(value)


async def _graphs_holding(ctx: Context, generation: Generation, iri: str) -> list[str]:
    """Return the graphs holding triples about ``iri`` or pointing at it (as its document does)."""
    thing = ox.NamedNode(iri)
    text = (
        f"SELECT DISTINCT ?g WHERE {{ {{ GRAPH ?g {{ {thing} ?p ?o }} }} UNION "
        f"{{ SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p {thing} }} }} LIMIT {INCOMING_CAP} }} }}"
    )
    reply = await ctx.run(generation, QueryJob(text, trusted=True, max_rows=1_000_000))
    if reply.status != 200:
        raise HTTPProblem(reply.status, reply.message, reply.hint)
    return [row["g"]["value"] for row in json.loads(reply.body)["results"]["bindings"]]


def _graph_of(generation: Generation, iri: str) -> str | None:
    graph = record_graph_of(generation.base, iri)
    return graph if graph in generation.graphs else None


def _labels_of_links(generation: Generation, triples: list[ox.Triple]) -> list[ox.Triple]:
    """Name the things a document points to, as the data names them (for readers of RDF)."""
    described = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    extra = []
    for t in triples:
        target = t.object
        if not isinstance(target, ox.NamedNode) or target.value in described:
            continue
        linked = generation.index.get(target.value)
        if linked is None:
            continue
        described.add(target.value)
        for predicate in LABEL_PREDICATES:
            values = linked.labels.get(predicate)
            if values:
                for value in values:
                    extra.append(ox.Triple(target, ox.NamedNode(predicate), ox.Literal(value)))
                break
    return extra
