"""The reconciliation service at ``/reconcile`` (W3C Entity Reconciliation API 0.2) on HTTP.

``GET /reconcile`` answers the service manifest; ``queries=`` (GET, or a POSTed form as
OpenRefine sends it) a batch of queries; ``extend=`` data extension (``/reconcile/propose?type=``
the properties it offers); ``/reconcile/preview?id=`` an HTML card;
``/reconcile/suggest/{entity|type|property}?prefix=`` auto-completion. Every JSON answer may be
wrapped for JSONP (``callback=``) and carries ``Access-Control-Allow-Origin: *`` (the API asks for
CORS on every endpoint, with or without an ``Origin``). The protocol itself is in
:mod:`..reconcile`; this module reads parameters and writes answers. Work per request is bounded:
a batch of at most :data:`~..reconcile.MAX_BATCH` queries of at most
:data:`~..reconcile.MAX_TEXT` characters, within the server's body and URL limits.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from .. import reconcile as api
from ..generation import SERVE_VERSION, Generation
from ..jobs import QueryJob
from .base import Context, HTTPProblem, read_body

__all__ = ["preview", "propose", "service", "suggest"]

_JSON = "application/json; charset=utf-8"
_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}
#: how many suggestions one answer holds at most
_SUGGEST_LIMIT = 25


def _problem(error: api.ReconcileError) -> HTTPProblem:
    return HTTPProblem(400, error.message, hint=error.hint, headers=dict(_HEADERS))


def _json(value: Any, params: dict[str, str]) -> Response:
    """Answer JSON, or JSONP when the request named a ``callback``."""
    body = api.dumps(value)
    callback = params.get("callback")
    if callback:
        try:
            name = api.callback_name(callback)
        except api.ReconcileError as error:
            raise _problem(error) from None
        return Response(
            f"/**/{name}({body});", 200, _HEADERS, "application/javascript; charset=utf-8"
        )
    return Response(body, 200, _HEADERS, _JSON)


async def _params(ctx: Context, request: Request) -> dict[str, str]:
    """Return the request's parameters: the query string's, and a POSTed form's over them."""
    params = dict(request.query_params)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise HTTPProblem(
                415,
                f"a POST to /reconcile must be a form, not {content_type or 'untyped'}",
                hint="send Content-Type: application/x-www-form-urlencoded with queries=…",
                headers=dict(_HEADERS),
            )
        body = await read_body(request, ctx.config.max_body)
        try:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise HTTPProblem(400, "the request body is not UTF-8", headers=_HEADERS) from None
    return params


def _here(ctx: Context, request: Request) -> str:
    """Return this server's URL of the prefix, as the client reached it (ends with /)."""
    return f"{request.url.scheme}://{request.url.netloc}{ctx.prefix}"


async def service(ctx: Context, request: Request, generation: Generation) -> Response:
    """The endpoint: the manifest without parameters, answers to ``queries=``."""
    params = await _params(ctx, request)
    if "extend" in params:
        return await _extend(ctx, generation, params)
    text = params.get("queries")
    if text is None:
        manifest = api.manifest(generation.base, _here(ctx, request), SERVE_VERSION)
        return _json(manifest, params)
    try:
        batch = api.parse_batch(text, generation.base)
    except api.ReconcileError as error:
        raise _problem(error) from None
    reconciler = await generation.reconciler()

    def answer_all() -> dict[str, Any]:
        return {key: {"result": api.answer(reconciler, parsed)} for key, parsed in batch}

    # off the event loop: a batch of fuzzy matches over 44,000 names takes a while
    return _json(await asyncio.to_thread(answer_all), params)


async def _extend(ctx: Context, generation: Generation, params: dict[str, str]) -> Response:
    """Data extension: the values of some properties of reconciled entities."""
    try:
        ids, pids = api.parse_extend(params["extend"])
    except api.ReconcileError as error:
        raise _problem(error) from None
    reconciler = await generation.reconciler()
    homepages: dict[str, list[str]] = {}
    known = [i for i in ids if reconciler.get(i.partition("/")[0], i) is not None]
    if "homepage" in pids and known:
        text = api.homepage_query(generation.base + i for i in known)
        reply = await ctx.run(generation, QueryJob(text, trusted=True, max_rows=100_000))
        if reply.status != 200:
            raise HTTPProblem(reply.status, reply.message, reply.hint, headers=dict(_HEADERS))
        for row in json.loads(reply.body)["results"]["bindings"]:
            path = row["s"]["value"].removeprefix(generation.base)
            homepages.setdefault(path, []).append(row["url"]["value"])
    return _json(api.extend(reconciler, ids, pids, homepages), params)


async def propose(ctx: Context, request: Request, generation: Generation) -> Response:
    """The properties data extension offers for a type (``type``, ``limit``)."""
    params = dict(request.query_params)
    try:
        limit = api.bounded_int(params.get("limit"), "limit", 100, 100) or 100
        found = api.propose_properties(params.get("type", "organisation"), limit)
    except api.ReconcileError as error:
        raise _problem(error) from None
    return _json(found, params)


async def preview(ctx: Context, request: Request, generation: Generation) -> Response:
    """A small HTML card about one entity, for a client's iframe."""
    ident = request.query_params.get("id", "").strip()
    kind = ident.partition("/")[0]
    reconciler = await generation.reconciler()
    entity = reconciler.get(kind, ident) if kind in api.TYPES else None
    if entity is None:
        raise HTTPProblem(
            404,
            f"{ident or 'no id'}: not an organisation or consortium this service knows",
            hint="give the id a reconciliation answer holds: ?id=organisation/…",
            headers=dict(_HEADERS),
        )
    body = api.preview_html(entity, _here(ctx, request) + entity.key)
    # the card is framed by the client (OpenRefine) and styled by its own <style> element
    headers = {
        **_HEADERS,
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    }
    return Response(body, 200, headers, "text/html; charset=utf-8")


async def suggest(ctx: Context, request: Request, generation: Generation, what: str) -> Response:
    """Auto-completion of entities, types or properties (``prefix``, ``cursor``, ``limit``)."""
    params = dict(request.query_params)
    prefix = params.get("prefix", "")
    try:
        if len(prefix) > api.MAX_TEXT:
            raise api.ReconcileError(f"prefix is over {api.MAX_TEXT} characters")
        cursor = api.bounded_int(params.get("cursor"), "cursor", 0, 10_000)
        limit = api.bounded_int(params.get("limit"), "limit", 10, _SUGGEST_LIMIT) or 10
    except api.ReconcileError as error:
        raise _problem(error) from None
    if what == "entity":
        found = api.suggest_entities(generation.index, prefix, cursor, limit)
    elif what == "type":
        found = api.suggest_types(prefix, cursor, limit)
    else:
        found = api.suggest_properties(prefix, cursor, limit)
    return _json(found, params)
