"""The pages around the data: home, search, health, our static files and a few redirects."""

from __future__ import annotations

import hashlib
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from consortia_kg.formats import ANSWER_GRAPH_FORMATS, ANSWER_ROW_FORMATS, DOCUMENT_FORMATS

from ..generation import Generation
from ..negotiation import ENTITY_OFFERS, HTML, negotiate
from .base import HTML_TYPE, Context, HTTPProblem

__all__ = ["health", "home", "search", "see_dataset", "static", "with_slash"]

_STATIC = Path(__file__).resolve().parent.parent / "static"
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
#: how many things of each kind the home page lists before "and N more"
_HOME_LIST = 300


async def home(ctx: Context, request: Request, generation: Generation) -> Response:
    """The home page: counts, search, the consortia and organisations (RDF asks: the dataset)."""
    chosen = negotiate(request.headers.get("accept"), ENTITY_OFFERS)
    if chosen is not None and chosen[1] != "html":
        return Response(
            status_code=303,
            headers={"Location": f"{ctx.prefix}dataset", "Vary": "Accept"},
        )
    linker = ctx.site.linker(generation)
    groups = []
    for kind, title in (("consortium", "Consortia"), ("organisation", "Organisations")):
        things = sorted(
            (e for e in generation.index.entities.values() if e.kind == kind and e.is_record),
            key=lambda e: e.label.casefold(),
        )
        groups.append(
            {
                "title": title,
                "anchor": kind,
                "things": [linker.iri_value(e.iri, e.label) for e in things[:_HOME_LIST]],
                "more": max(0, len(things) - _HOME_LIST),
            }
        )
    return ctx.html_page(
        request,
        generation,
        "home",
        lambda: ctx.site.render(
            "home.html",
            generation,
            title="Home",
            counts=generation.index.counts(),
            quads=generation.meta.quads,
            graphs=generation.meta.graphs,
            groups=groups,
            base=generation.base,
            row_labels=[f.label for f in ANSWER_ROW_FORMATS],
            graph_labels=[f.label for f in ANSWER_GRAPH_FORMATS],
            document_types=[f.media_type for f in DOCUMENT_FORMATS if f.rdf is not None],
        ),
    )


async def search(ctx: Context, request: Request, generation: Generation) -> Response:
    """Search things by name: HTML, or JSON for ``Accept: application/json``/``format=json``."""
    q = request.query_params.get("q", "")
    found = generation.index.search(q, 100) if q else []
    fmt = ctx.chosen_format(request, ((HTML, "html"), ("application/json", "json"))) or "html"
    linker = ctx.site.linker(generation)
    if fmt == "json":
        doc = [
            {"iri": e.iri, "label": e.label, "kind": e.kind, "url": linker.local(e.iri)}
            for e in found
        ]
        return JSONResponse(doc, headers={"Vary": "Accept"})
    results = [
        {"value": linker.iri_value(e.iri, e.label), "kind": e.kind, "path": e.path} for e in found
    ]
    body = ctx.site.render("search.html", generation, title="Search", q=q, results=results)
    return ctx.ok(request, generation, body, HTML_TYPE)


async def health(ctx: Context, request: Request, generation: Generation) -> Response:
    """What the server serves and how its workers are doing (JSON)."""
    stats = generation.pool.stats
    return JSONResponse(
        {
            "version": generation.version,
            "base": generation.base,
            "quads": generation.meta.quads,
            "graphs": len(generation.graphs),
            "generation": generation.number,
            "swaps": ctx.publisher.swaps,
            "workers": ctx.config.workers,
            "busy": generation.pool.busy,
            "isolation": stats.isolation,
            "answered": stats.answered,
            "answered_from_cache": stats.cached,
            "cache_bytes": generation.pool.cache.size,
            "timed_out": stats.timed_out,
            "refused_busy": stats.refused_busy,
            "restarted": stats.restarted,
            "timeout": ctx.config.timeout,
            "max_rows": ctx.config.max_rows,
        },
        headers={"Cache-Control": "no-store"},
    )


async def static(ctx: Context, request: Request, generation: Generation, name: str) -> Response:
    """Our stylesheet and script (nothing else, and nothing from anywhere else)."""
    suffix = Path(name).suffix
    if "/" in name or suffix not in _STATIC_TYPES or not (_STATIC / name).is_file():
        raise HTTPProblem(404, f"no static file {name}")
    content = (_STATIC / name).read_bytes()
    etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(
        content,
        200,
        {"ETag": etag, "Cache-Control": "public, max-age=3600"},
        _STATIC_TYPES[suffix],
    )


async def with_slash(ctx: Context, request: Request, generation: Generation) -> Response:
    """Send ``queries`` and ``dumps`` to their listing, which ends in a slash."""
    return Response(status_code=301, headers={"Location": request.url.path + "/"})


async def see_dataset(ctx: Context, request: Request, generation: Generation) -> Response:
    """Send ``.well-known/void`` (RFC 5785, VoID's well-known place) to the dataset."""
    return Response(status_code=303, headers={"Location": f"{ctx.prefix}dataset"})
