"""Where every page is: the server's routes in one table, under the base IRI's path.

Each row names a path (relative to the base IRI's path, in Starlette's path syntax, whose
``compile_path`` reads it), the view that answers it and the methods it takes. The first row
that matches wins (a path without parameters is found by one dictionary look-up); the last row
sends every other path to :func:`.views.entity.entity`, since every IRI the graph mints is
answered at its own path. :func:`dispatch` also answers what is the same for every route:
paths outside the prefix, ``OPTIONS`` and methods a route refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path

from .generation import Generation
from .views import dumps, entity, home, queries, reconcile, sparql, vocabulary
from .views.base import Context, HTTPProblem, View

__all__ = ["ROUTES", "Route", "dispatch", "find_route"]

READ = ("GET", "HEAD", "OPTIONS")
READ_AND_POST = ("GET", "HEAD", "POST", "OPTIONS")


class _VocabularyConvertor(Convertor[str]):
    """``{name:vocabulary}``: the ontology or the shapes."""

    regex = "ontology|shapes"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("vocabulary", _VocabularyConvertor())


class _ListedConvertor(_VocabularyConvertor):
    """``{kind:listed}``: a kind of record with a list page (``consortium/``)."""

    regex = "|".join(home.LISTED)


register_url_convertor("listed", _ListedConvertor())


class _SuggestConvertor(_VocabularyConvertor):
    """``{what:suggest}``: what the reconciliation service suggests."""

    regex = "entity|type|property"


register_url_convertor("suggest", _SuggestConvertor())


@dataclass(frozen=True)
class Route:
    """One row of the table: a path, the view that answers it, the methods it takes."""

    path: str
    view: View
    methods: tuple[str, ...] = READ
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _convertors: dict[str, Convertor[Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex, _, convertors = compile_path("/" + self.path)
        object.__setattr__(self, "_regex", regex)
        object.__setattr__(self, "_convertors", convertors)

    def match(self, rel: str) -> dict[str, Any] | None:
        """Return the path parameters when ``rel`` is this route's path, else None."""
        found = self._regex.match("/" + rel)
        if found is None:
            return None
        return {k: self._convertors[k].convert(v) for k, v in found.groupdict().items()}


#: Every page, in the order paths are tried.
ROUTES: tuple[Route, ...] = (
    Route("", home.home),
    Route("search", home.search),
    Route("sparql", sparql.sparql, READ_AND_POST),
    Route("sparql/editor.json", sparql.editor_settings),
    Route("health", home.health),
    Route("queries", home.with_slash),
    Route("dumps", home.with_slash),
    Route("queries/", queries.query_list),
    Route("queries/{tail:path}", queries.named_query),
    Route("dumps/", dumps.dump_list),
    Route("dumps/{name}", dumps.dump_file),
    Route("{name:vocabulary}", vocabulary.vocabulary),
    Route("{name:vocabulary}.{ext:path}", vocabulary.vocabulary),
    Route(".well-known/void", home.see_dataset),
    Route("reconcile", reconcile.service, READ_AND_POST),
    Route("reconcile/preview", reconcile.preview),
    Route("reconcile/propose", reconcile.propose),
    Route("reconcile/suggest/{what:suggest}", reconcile.suggest),
    Route("static/{name:path}", home.static),
    Route("{kind:listed}/", home.listing),
    Route("{rel:path}", entity.entity),
)


#: paths without parameters, looked up before the patterns (test_serve_routes checks that no
#: pattern listed above one of them matches it, so the first match still wins)
_EXACT: dict[str, Route] = {r.path: r for r in ROUTES if "{" not in r.path}
_PATTERNS: tuple[Route, ...] = tuple(r for r in ROUTES if "{" in r.path)


def find_route(rel: str) -> tuple[Route, dict[str, Any]]:
    """Return the first route whose path is ``rel``, with its parameters."""
    exact = _EXACT.get(rel)
    if exact is not None:
        return exact, {}
    for route in _PATTERNS:
        params = route.match(rel)
        if params is not None:
            return route, params
    raise LookupError(rel)  # the last route matches every path


async def dispatch(ctx: Context, request: Request, generation: Generation) -> Response:
    """Send the request to the view its path names, or answer what no view needs to."""
    path = request.url.path
    if not path.startswith(ctx.prefix):
        if path == "/" or path + "/" == ctx.prefix:
            return Response(status_code=302, headers={"Location": ctx.prefix})
        raise HTTPProblem(
            404,
            f"nothing at {path}: this server answers the IRIs under {generation.base} at "
            f"paths under {ctx.prefix}",
            hint=f"start at {ctx.prefix}",
        )
    route, params = find_route(path[len(ctx.prefix) :])
    method = request.method
    if method == "POST" and "POST" not in route.methods:
        raise HTTPProblem(405, f"{path} is read with GET", headers={"Allow": "GET, HEAD"})
    if method == "OPTIONS":
        return Response(status_code=204, headers={"Allow": ", ".join(route.methods)})
    if method not in ("GET", "HEAD", "POST"):
        raise HTTPProblem(405, f"{method} is not answered here", headers={"Allow": "GET, HEAD"})
    return await route.view(ctx, request, generation, **params)
