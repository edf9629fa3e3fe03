"""What every view shares: the answer that is not 200, caching headers, formats, the workers.

A view is an ``async`` function ``(context, request, generation, **path_params) -> Response``
listed in :mod:`consortia_kg.serve.routes`. It reads what it needs from :class:`Context` (the
settings, the named queries, the page renderer) and answers through its helpers, so a format
is chosen (:meth:`Context.format_param`), a version validated (:meth:`Context.not_modified`)
and a 200 sent (:meth:`Context.ok`) the same way everywhere. A view that cannot answer raises
:class:`HTTPProblem`; :meth:`Context.problem` words it for a browser or for a program.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from consortia_kg.formats import DOCUMENT_FORMATS, format_named
from consortia_kg.query.named import NamedQuery, list_queries

from ..config import ServeConfig
from ..front import plain
from ..generation import Generation, Publisher
from ..jobs import Busy, QueryJob, QueryTimeout, Reply, UpdateJob
from ..negotiation import HTML, Offer, canonical_media_type, format_from_name, negotiate
from ..pages import Link, Site

__all__ = [
    "DOC_EXTENSIONS",
    "EXT_TO_FORMAT",
    "HTML_TYPE",
    "REASONS",
    "Context",
    "HTTPProblem",
    "View",
    "head",
    "http_date",
    "read_body",
    "shown",
]

#: A thing's documents: format name → file extension, in the order pages list them.
DOC_EXTENSIONS: dict[str, str] = {f.name: f.extension for f in DOCUMENT_FORMATS}
EXT_TO_FORMAT: dict[str, str] = {ext: name for name, ext in DOC_EXTENSIONS.items()}
HTML_TYPE = format_named("html").content_type
REASONS = {
    303: "See Other",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class HTTPProblem(Exception):
    """An answer other than 200, with a message that says why and how to fix it."""

    def __init__(
        self,
        status: int,
        message: str,
        hint: str = "",
        headers: dict[str, str] | None = None,
        suggestions: list[Any] | None = None,
        links: list[Link] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.hint = status, message, hint
        self.headers = headers or {}
        self.suggestions = suggestions or []
        self.links = links or []


def shown(value: str, limit: int = 80) -> str:
    """Return what a client sent as an answer may quote it: escaped as ``repr`` does, and cut.

    Never the raw text: a ``text/plain`` answer that repeated ``?format=<script>`` was taken
    for HTML by browsers that sniff.
    """
    return repr(value[:limit]) + ("…" if len(value) > limit else "")


def http_date(seconds: float) -> str:
    """Return a time as an HTTP date (``Last-Modified``)."""
    return email.utils.formatdate(int(seconds), usegmt=True)


def _client_is_current(request: Request, etag: str, modified: float) -> bool:
    """Return True when the client's cached copy is current (RFC 7232 §6 order)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            when = email.utils.parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError, IndexError):
            return False
        return int(modified) <= when
    return False


def head(response: Response) -> Response:
    """Return the same answer without its body (HEAD), Content-Length and all."""
    if not hasattr(response, "body"):
        # a file or a stream answers HEAD itself, from the request's method
        return response
    body = response.body
    headers = dict(response.headers)
    headers["content-length"] = str(len(body))
    return Response(b"", response.status_code, headers)


async def read_body(request: Request, limit: int) -> bytes:
    """Read the request body, stopping with 413 past ``limit`` bytes (whatever it declared)."""
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPProblem(
                413,
                f"the request body is over {limit} bytes, this server's limit",
                hint="send a shorter query",
            )
        chunks.append(chunk)
    return b"".join(chunks)


class Context:
    """What the views share: the settings, the named queries, the renderer, the helpers."""

    def __init__(self, config: ServeConfig, publisher: Publisher) -> None:
        self.config, self.publisher = config, publisher
        self.prefix = config.prefix
        self.queries: dict[str, NamedQuery] = {q.name: q for q in list_queries()}
        self.site = Site(config, list(self.queries.values()))
        self.started = time.time()

    async def run(self, generation: Generation, job: QueryJob | UpdateJob) -> Reply:
        """Run a job on the generation's workers; busy → 503, past the budget → 504."""
        try:
            reply: Reply = await generation.pool.run(job, self.config.timeout)
        except Busy:
            raise HTTPProblem(
                503,
                f"all {self.config.workers} query workers are busy",
                hint="try again in a moment",
                headers={"Retry-After": "1"},
            ) from None
        except QueryTimeout:
            raise HTTPProblem(
                504,
                f"the query ran past this server's time budget of {self.config.timeout:g} s "
                "and was stopped",
                hint="narrow its patterns, add LIMIT, or download the dumps from "
                f"{self.prefix}dumps/ and query them locally",
            ) from None
        return reply

    def ok(
        self,
        request: Request,
        generation: Generation,
        body: bytes | str,
        media_type: str,
        etag: str | None = None,
        vary: bool = True,
        headers: dict[str, str] | None = None,
        modified: float | None = None,
    ) -> Response:
        """Answer 200 with caching headers."""
        out = dict(headers or {})
        if vary:
            out["Vary"] = "Accept"
        if etag is not None:
            out["ETag"] = etag
            out["Last-Modified"] = http_date(
                modified if modified is not None else generation.built_at
            )
            out.setdefault("Cache-Control", "public, max-age=60")
        return Response(body, 200, out, media_type)

    def not_modified(
        self, request: Request, generation: Generation, etag: str, modified: float | None = None
    ) -> Response | None:
        """Answer 304 when the client holds this version already."""
        if request.method not in ("GET", "HEAD"):
            return None
        when = modified if modified is not None else generation.built_at
        if _client_is_current(request, etag, when):
            return Response(
                status_code=304,
                headers={
                    "ETag": etag,
                    "Last-Modified": http_date(when),
                    "Vary": "Accept",
                    "Cache-Control": "public, max-age=60",
                },
            )
        return None

    def html_page(
        self, request: Request, generation: Generation, key: str, render: Callable[[], str]
    ) -> Response:
        """Answer an HTML page that changes only with the data (validated, rendered on a miss)."""
        etag = generation.etag("page", key)
        cached = self.not_modified(request, generation, etag)
        if cached is not None:
            return cached
        return self.ok(request, generation, render(), HTML_TYPE, etag)

    def cached_page(
        self, request: Request, generation: Generation, key: str, render: Callable[[], str]
    ) -> Response:
        """Like :meth:`html_page`, keeping the rendered page for the rest of this version."""
        etag = generation.etag("page", key)
        cached = self.not_modified(request, generation, etag)
        if cached is not None:
            return cached
        body = generation.cached(etag)
        if body is None:
            body = render()
            generation.remember(etag, body)
        return self.ok(request, generation, body, HTML_TYPE, etag)

    def alternates(self, rel: str, only: tuple[str, ...] = tuple(DOC_EXTENSIONS)) -> list[Link]:
        """Return links to the documents of the thing at ``rel`` in each format of ``only``."""
        return [
            Link(
                format_named(name).label,
                canonical_media_type(name).split(";")[0],
                f"{self.prefix}{rel}.{DOC_EXTENSIONS[name]}",
            )
            for name in only
        ]

    def format_param(self, request: Request, offers: tuple[Offer, ...]) -> str | None:
        """Read ``?format=`` among ``offers``: None when absent, 400 when not one of them."""
        value = request.query_params.get("format")
        if value is None or value == "":
            return None
        fmt = format_from_name(value, offers)
        if fmt is None:
            names = sorted({name for _, name in offers})
            raise HTTPProblem(
                400,
                f"format={shown(value)} is not a format this answer comes in",
                hint="use one of: " + ", ".join(names),
            )
        return fmt

    def chosen_format(self, request: Request, offers: tuple[Offer, ...]) -> str | None:
        """Return the format ``?format=`` names, else the one ``Accept`` prefers (None: 406)."""
        fmt = self.format_param(request, offers)
        if fmt is None:
            chosen = negotiate(request.headers.get("accept"), offers)
            fmt = chosen[1] if chosen is not None else None
        return fmt

    def missing(self, generation: Generation, rel: str) -> HTTPProblem:
        """Return a 404 that names the closest IRIs the graph does mint."""
        linker = self.site.linker(generation)
        stem = rel.rsplit(".", 1)[0] if rel.rsplit(".", 1)[-1] in EXT_TO_FORMAT else rel
        suggestions = [linker.iri_value(e.iri, e.label) for e in generation.index.suggest(stem)]
        kinds = generation.index.kinds()
        return HTTPProblem(
            404,
            f"{shown(generation.base + rel, 200)} is not an IRI this graph mints",
            hint=f"IRIs here start with {generation.base} and one of: {', '.join(kinds)}; "
            f"search by name at {self.prefix}search?q=…",
            suggestions=suggestions,
        )

    def problem(
        self, request: Request, problem: HTTPProblem, generation: Generation | None
    ) -> Response:
        """Answer an HTTPProblem in HTML for browsers and in plain text for everyone else."""
        headers = dict(problem.headers)
        headers.setdefault("Cache-Control", "no-store")
        wants = negotiate(request.headers.get("accept"), (("text/plain", "text"), (HTML, "html")))
        if wants is not None and wants[1] == "html" and generation is not None:
            body = self.site.render(
                "error.html",
                generation,
                title=f"{problem.status} {REASONS.get(problem.status, '')}",
                status=problem.status,
                reason=REASONS.get(problem.status, ""),
                message=problem.message,
                hint=f"fix: {problem.hint}" if problem.hint else "",
                suggestions=problem.suggestions,
                links=problem.links,
            )
            return Response(body, problem.status, headers, HTML_TYPE)
        text = problem.message + (f"\n  fix: {problem.hint}" if problem.hint else "")
        if problem.suggestions:
            text += "\n  did you mean: " + ", ".join(
                f"{s.text} <{s.href}>" for s in problem.suggestions
            )
        for link in problem.links:
            text += f"\n  {link.media_type}: {link.href}"
        return plain(problem.status, text + "\n", headers)


#: A view: the shared context, the request, the data it answers from, and the path's parameters.
View = Callable[..., Awaitable[Response]]
