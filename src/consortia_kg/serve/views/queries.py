"""Named queries (``queries/*.rq``) at their own URL, the format chosen by extension or Accept.

``queries/NAME`` runs the query with parameters from the query string, ``queries/NAME.csv``
(or any result extension of :mod:`consortia_kg.formats`) in that format, ``queries/NAME.rq``
shows its text; ``queries/`` lists them (HTML, or JSON).
"""

from __future__ import annotations

import difflib
import json
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from consortia_kg.formats import (
    ANSWER_GRAPH_FORMATS,
    ANSWER_ROW_FORMATS,
    format_by_extension,
    format_named,
)
from consortia_kg.query.named import NamedQuery, ParamError, bind_query

from ..display import solutions_table
from ..generation import Generation
from ..jobs import QueryJob, Reply
from ..negotiation import GRAPH_OFFERS, HTML, SOLUTION_OFFERS, canonical_media_type, negotiate
from ..pages import Link
from .base import HTML_TYPE, Context, HTTPProblem

__all__ = ["named_query", "query_list"]

#: what a named query's path may end in: HTML and every format its answers come in
_EXTENSION_FORMATS = (format_named("html"), *ANSWER_ROW_FORMATS, *ANSWER_GRAPH_FORMATS)


async def query_list(ctx: Context, request: Request, generation: Generation) -> Response:
    """List the named queries (HTML, or JSON for ``Accept: application/json``)."""
    fmt = ctx.chosen_format(request, ((HTML, "html"), ("application/json", "json"))) or "html"
    if fmt == "json":
        return JSONResponse(
            [
                {
                    "name": q.name,
                    "title": q.title,
                    "form": q.form,
                    "description": q.description,
                    "url": f"{ctx.prefix}queries/{q.name}",
                    "params": [
                        {"name": p.name, "type": p.type, "required": p.required} for p in q.params
                    ],
                }
                for q in ctx.queries.values()
            ],
            headers={"Vary": "Accept"},
        )
    body = ctx.site.render(
        "queries.html", generation, title="Named queries", queries=list(ctx.queries.values())
    )
    return ctx.ok(request, generation, body, HTML_TYPE)


async def named_query(
    ctx: Context, request: Request, generation: Generation, tail: str
) -> Response:
    """Run ``queries/NAME[.ext]`` with parameters from the query string."""
    name, dot, ext = tail.partition(".")
    query = ctx.queries.get(name)
    if query is None or "/" in tail:
        close = difflib.get_close_matches(name, list(ctx.queries), n=3)
        raise HTTPProblem(
            404,
            f"no named query {name!r}",
            hint=(f"did you mean {' or '.join(close)}? " if close else "")
            + f"the list is at {ctx.prefix}queries/",
        )
    if ext == "rq":
        return ctx.ok(
            request,
            generation,
            query.text,
            "application/sparql-query; charset=utf-8",
            generation.etag("rq", name, query.text),
            vary=False,
        )
    fmt = _answer_format(ctx, request, query, ext if dot else None)
    values: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key == "format" or value == "":
            continue
        if key in values:
            raise HTTPProblem(400, f"parameter {key} is given twice", hint="give it once")
        values[key] = value
    try:
        bindings = query.bindings(values, generation.base)
    except ParamError as exc:
        hint = (
            (exc.hint or "")
            .replace("--param ", "?")
            .replace("consortia-kg query --list", f"{ctx.prefix}queries/")
        )
        if fmt == "html" and not values:
            return _named_page(ctx, request, generation, query, values, None, query.text, str(exc))
        raise HTTPProblem(400, str(exc), hint) from None
    text = bind_query(query.text, bindings)
    etag = generation.etag("named", name, json.dumps(sorted(values.items())), fmt)
    cached = ctx.not_modified(request, generation, etag)
    if cached is not None:
        return cached
    job = QueryJob(
        text,
        trusted=True,
        solution_format="json" if fmt == "html" else fmt,
        graph_format="turtle" if fmt == "html" else fmt,
        max_rows=ctx.config.max_rows,
    )
    reply = await ctx.run(generation, job)
    if reply.status != 200:
        raise HTTPProblem(reply.status, reply.message, reply.hint)
    if fmt == "html":
        return _named_page(ctx, request, generation, query, values, reply, text, "", etag)
    return ctx.ok(request, generation, reply.body, canonical_media_type(fmt), etag)


def _answer_format(ctx: Context, request: Request, query: NamedQuery, ext: str | None) -> str:
    """Return the format a named query answers in: its extension's, ``?format=``'s or Accept's."""
    graph_form = query.form in ("CONSTRUCT", "DESCRIBE")
    offers = GRAPH_OFFERS if graph_form else SOLUTION_OFFERS
    fits = sorted({n for _, n in offers})
    if ext is not None:
        found = format_by_extension(ext, _EXTENSION_FORMATS)
        if found is None:
            raise HTTPProblem(404, f"no format .{ext}", hint="use one of: " + ", ".join(fits))
        if found.name not in fits:
            raise HTTPProblem(
                406,
                f"a {query.form} query's answer does not come as .{ext}",
                hint="use one of: " + ", ".join(fits),
            )
        return found.name
    fmt = ctx.format_param(request, offers) or ""
    if not fmt:
        chosen = negotiate(request.headers.get("accept"), offers)
        if chosen is None:
            raise HTTPProblem(
                406,
                f"a {query.form} query's answer cannot be sent in any type the Accept "
                "header allows",
                hint="accept one of: " + ", ".join(fits) + " (or add an extension)",
                headers={"Vary": "Accept"},
            )
        fmt = chosen[1]
    return fmt


def _named_page(
    ctx: Context,
    request: Request,
    generation: Generation,
    query: NamedQuery,
    values: dict[str, str],
    reply: Reply | None,
    text: str,
    error: str,
    etag: str | None = None,
) -> Response:
    """The page of a named query: its form, its answer as a table, the other formats."""
    columns: list[str] = []
    rows: list[Any] = []
    graph_text = ""
    count_text = ""
    if reply is not None:
        if reply.form in ("SELECT", "ASK"):
            columns, rows = solutions_table(reply.body, ctx.site.linker(generation))
            count_text = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
        else:
            graph_text = reply.body.decode()
            count_text = f"{reply.count} triple{'s' if reply.count != 1 else ''}"
    graph_form = query.form in ("CONSTRUCT", "DESCRIBE")
    formats = ANSWER_GRAPH_FORMATS if graph_form else ANSWER_ROW_FORMATS
    qs = ("?" + urlencode(values)) if values else ""
    alternates = [
        Link(
            f.label,
            canonical_media_type(f.name).split(";")[0],
            f"{ctx.prefix}queries/{query.name}.{f.extension}{qs}",
        )
        for f in formats
    ]
    body = ctx.site.render(
        "named_query.html",
        generation,
        title=query.title,
        query=query,
        values=values,
        columns=columns,
        rows=rows,
        graph_text=graph_text,
        count_text=count_text,
        bound_text=text,
        error=error,
        alternates=alternates,
        editor_href=f"{ctx.prefix}sparql?query={quote(text)}",
    )
    return ctx.ok(request, generation, body, HTML_TYPE, etag)
