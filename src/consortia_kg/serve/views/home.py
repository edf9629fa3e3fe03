"""The pages around the data: home, search, health, our static files and a few redirects."""

from __future__ import annotations

import hashlib
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from consortia_kg.formats import ANSWER_GRAPH_FORMATS, ANSWER_ROW_FORMATS, DOCUMENT_FORMATS

from ..generation import Generation
from ..index import COUNT_NAMES
from ..negotiation import ENTITY_OFFERS, HTML, negotiate
from .base import HTML_TYPE, Context, HTTPProblem
from .entity import page_number

__all__ = [
    "LISTED",
    "health",
    "home",
    "listing",
    "search",
    "see_dataset",
    "static",
    "with_slash",
]

_STATIC = Path(__file__).resolve().parent.parent / "static"
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
#: how many things of each kind the home page lists (the list pages have the rest)
_HOME_LIST = 20
#: how many things a list page (``consortium/?page=N``) shows
LIST_PAGE = 100
#: the kinds with a list page, and their titles
LISTED = {"consortium": "Consortia", "organisation": "Organisations", "source": "Sources"}


def _counted(generation: Generation) -> list[tuple[str, str]]:
    """Return the home page's counts as ("consortia", "12,401"), singular for one."""
    return [
        (name if n != 1 else COUNT_NAMES.get(name, name), f"{n:,}")
        for name, n in generation.index.counts()
    ]


async def home(ctx: Context, request: Request, generation: Generation) -> Response:
    """The home page: counts, search, the first consortia and organisations (RDF: the dataset)."""
    chosen = negotiate(request.headers.get("accept"), ENTITY_OFFERS)
    if chosen is not None and chosen[1] != "html":
        return Response(
            status_code=303,
            headers={"Location": f"{ctx.prefix}dataset", "Vary": "Accept"},
        )

    def render() -> str:
        linker = ctx.site.linker(generation)
        groups = []
        for kind in ("consortium", "organisation"):
            things = generation.index.records(kind)
            groups.append(
                {
                    "title": LISTED[kind],
                    "anchor": kind,
                    "things": [linker.iri_value(e.iri, e.label) for e in things[:_HOME_LIST]],
                    "total": f"{len(things):,}",
                    "more": len(things) > _HOME_LIST,
                    "href": f"{ctx.prefix}{kind}/",
                }
            )
        return ctx.site.render(
            "home.html",
            generation,
            title="Home",
            counts=_counted(generation),
            quads=f"{generation.meta.quads:,}",
            graphs=f"{generation.meta.graphs:,}",
            groups=groups,
            base=generation.base,
            row_labels=[f.label for f in ANSWER_ROW_FORMATS],
            graph_labels=[f.label for f in ANSWER_GRAPH_FORMATS],
            document_types=[f.media_type for f in DOCUMENT_FORMATS if f.rdf is not None],
        )

    return ctx.cached_page(request, generation, "home", render)


async def listing(ctx: Context, request: Request, generation: Generation, kind: str) -> Response:
    """A list of the things of one kind by name, a page at a time (``consortium/?page=2``)."""
    page = page_number(request)
    things = generation.index.records(kind)
    pages = max(1, -(-len(things) // LIST_PAGE))
    if page > pages:
        raise HTTPProblem(404, f"{LISTED[kind]} has {pages} pages", hint=f"use page=1 to {pages}")

    def render() -> str:
        linker = ctx.site.linker(generation)
        shown = things[(page - 1) * LIST_PAGE : page * LIST_PAGE]
        return ctx.site.render(
            "list.html",
            generation,
            title=f"{LISTED[kind]}, page {page}",
            heading=LISTED[kind],
            things=[
                (linker.iri_value(e.iri, e.label), "no name given" if e.known_by else "")
                for e in shown
            ],
            total=f"{len(things):,}",
            first=(page - 1) * LIST_PAGE + 1,
            last=(page - 1) * LIST_PAGE + len(shown),
            page=page,
            pages=pages,
        )

    return ctx.cached_page(request, generation, f"list\0{kind}\0{page}", render)


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
    # one folder below: vendor/, the editor's bundle (hatch_build.py)
    if (
        "/" in name.removeprefix("vendor/")
        or suffix not in _STATIC_TYPES
        or not (_STATIC / name).is_file()
    ):
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
