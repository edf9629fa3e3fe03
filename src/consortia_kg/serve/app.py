"""The web application: routes, content negotiation, the SPARQL protocol and the limits.

Every minted IRI is answered at its path under the base IRI's path. A *thing* (a consortium, an
organisation, a working group, a role, the dataset...) answers ``303 See Other`` to a *document*
about it, ``{thing}.{html|ttl|nt|jsonld|rdf}``, chosen by the ``Accept`` header (RFC 7231,
q-values and all) or ``?format=``; a document answers 200 in one format with an ``ETag`` and a
``Last-Modified`` that come from the data's version, never from the clock. Every store access
goes through the generation's query workers (:mod:`.worker`), so the time budget, the row cap and
the concurrency cap hold for pages as they do for ``/sparql``.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import email.utils
import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from consortia_kg.export.dumps import (
    prefixes_for,
    serialize_jsonld,
    serialize_ntriples,
    serialize_turtle,
)
from consortia_kg.formats import rdf_format
from consortia_kg.query.named import NamedQuery, ParamError, bind_query, list_queries

from .config import ServeConfig
from .generation import Generation, Publisher
from .index import LABEL_PREDICATES
from .negotiation import (
    ENTITY_OFFERS,
    GRAPH_OFFERS,
    HTML,
    SOLUTION_OFFERS,
    canonical_media_type,
    format_from_name,
    negotiate,
)
from .pages import Link, Site
from .views import document_query, record_graph, solutions_table, void_document
from .worker import Busy, QueryJob, QueryTimeout, Reply, UpdateJob

__all__ = ["Front", "HTTPProblem", "create_app"]

#: A thing's documents: format name → file extension, in the order pages list them.
DOC_EXTENSIONS = {
    "html": "html",
    "turtle": "ttl",
    "ntriples": "nt",
    "jsonld": "jsonld",
    "rdfxml": "rdf",
}
_EXT_TO_FORMAT = {ext: name for name, ext in DOC_EXTENSIONS.items()}
_FORMAT_NAMES = {
    "html": "HTML",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF/XML",
    "json": "JSON",
    "xml": "XML",
    "csv": "CSV",
    "tsv": "TSV",
}
#: A named query's extension → format name.
_QUERY_EXTENSIONS = {
    "html": "html",
    "json": "json",
    "srj": "json",
    "xml": "xml",
    "srx": "xml",
    "csv": "csv",
    "tsv": "tsv",
    "ttl": "turtle",
    "nt": "ntriples",
    "jsonld": "jsonld",
    "rdf": "rdfxml",
}
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
_REASONS = {
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
_SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS_NS = "http://www.w3.org/ns/formats/"
_DOC_ROW_CAP = 1_000_000


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


def _http_date(seconds: float) -> str:
    return email.utils.formatdate(int(seconds), usegmt=True)


def _not_modified(request: Request, etag: str, modified: float) -> bool:
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


def _plain(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return Response(text, status, headers=headers, media_type="text/plain; charset=utf-8")


def _over_limits(scope: Scope, max_url: int, max_body: int) -> Response | None:
    """Answer a request target over ``max_url`` bytes (414) or a declared body over ``max_body``."""
    target = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + 1
    if target > max_url:
        return _plain(
            414,
            f"the request target is {target} bytes long; this server takes at most "
            f"{max_url}\n  fix: send a long query with POST "
            "(Content-Type: application/sparql-query, or a form with query=…)\n",
        )
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            if not value.isdigit():
                return _plain(400, "Content-Length is not a number\n")
            if int(value) > max_body:
                return _plain(
                    413,
                    f"the request body is {int(value)} bytes; this server takes at most "
                    f"{max_body}\n  fix: send a shorter query\n",
                )
    return None


_CORS = {
    "allow_origins": ["*"],
    "allow_methods": ["GET", "HEAD", "POST", "OPTIONS"],
    "allow_headers": ["Accept", "Content-Type", "If-None-Match", "If-Modified-Since"],
    "expose_headers": [
        "ETag",
        "Last-Modified",
        "Link",
        "Location",
        "Retry-After",
        "Content-Location",
        "X-Data-Version",
    ],
    "max_age": 86400,
}


class Front:
    """The ASGI application uvicorn runs: limits, CORS and a last-resort 500 around the server.

    It does what Starlette's middleware stack did (the limits, ``CORSMiddleware``,
    ``ServerErrorMiddleware``) in one layer: a request without an ``Origin`` header, which CORS
    leaves alone, goes straight to :class:`Server`; one with it goes through Starlette's
    ``CORSMiddleware``. Lifespan events go to the Starlette application, which opens and closes
    the store.
    """

    def __init__(self, server: Server, config: ServeConfig, lifespan_app: Starlette) -> None:
        self.server, self.config, self.lifespan_app = server, config, lifespan_app
        self.state = lifespan_app.state
        self.cors = CORSMiddleware(server, **_CORS)  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request (or pass a lifespan event on)."""
        if scope["type"] != "http":
            await self.lifespan_app(scope, receive, send)
            return
        refused = _over_limits(scope, self.config.max_url, self.config.max_body)
        if refused is not None:
            await refused(scope, receive, send)
            return
        app: ASGIApp = self.server
        for name, _ in scope["headers"]:
            if name == b"origin":
                app = self.cors
                break
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await app(scope, receive, watched)
        except Exception:
            if not started:
                await _plain(500, "the server failed on this request\n")(scope, receive, send)
            raise


class Server:
    """Answers every request under the base IRI's path."""

    def __init__(self, config: ServeConfig, publisher: Publisher) -> None:
        self.config, self.publisher = config, publisher
        self.prefix = config.prefix
        self.queries: dict[str, NamedQuery] = {q.name: q for q in list_queries()}
        self.site = Site(config, list(self.queries.values()))
        self.started = time.time()

    # --- plumbing ----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        method = request.method
        generation: Generation | None = None
        try:
            with self.publisher.use() as generation:
                try:
                    response = await self.route(request, generation)
                except HTTPProblem as problem:
                    response = self.problem(request, problem, generation)
                if method == "HEAD":
                    response = _head(response)
                response.headers.setdefault("X-Data-Version", generation.version)
                await response(scope, receive, send)
        except RuntimeError as exc:
            if generation is not None:
                raise
            await _plain(503, f"the server is starting or stopping: {exc}\n", {"Retry-After": "2"})(
                scope, receive, send
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
                title=f"{problem.status} {_REASONS.get(problem.status, '')}",
                status=problem.status,
                reason=_REASONS.get(problem.status, ""),
                message=problem.message,
                hint=f"fix: {problem.hint}" if problem.hint else "",
                suggestions=problem.suggestions,
                links=problem.links,
            )
            return Response(body, problem.status, headers, "text/html; charset=utf-8")
        text = problem.message + (f"\n  fix: {problem.hint}" if problem.hint else "")
        if problem.suggestions:
            text += "\n  did you mean: " + ", ".join(
                f"{s.text} <{s.href}>" for s in problem.suggestions
            )
        for link in problem.links:
            text += f"\n  {link.media_type}: {link.href}"
        return _plain(problem.status, text + "\n", headers)

    async def route(self, request: Request, generation: Generation) -> Response:
        """Send the request to the page, document or endpoint its path names."""
        path = request.url.path
        if not path.startswith(self.prefix):
            if path == "/" or path + "/" == self.prefix:
                return Response(status_code=302, headers={"Location": self.prefix})
            raise HTTPProblem(
                404,
                f"nothing at {path}: this server answers the IRIs under {generation.base} at "
                f"paths under {self.prefix}",
                hint=f"start at {self.prefix}",
            )
        rel = path[len(self.prefix) :]
        if request.method == "POST" and rel != "sparql":
            raise HTTPProblem(405, f"{path} is read with GET", headers={"Allow": "GET, HEAD"})
        if request.method == "OPTIONS":
            allow = "GET, HEAD, POST, OPTIONS" if rel == "sparql" else "GET, HEAD, OPTIONS"
            return Response(status_code=204, headers={"Allow": allow})
        if request.method not in ("GET", "HEAD", "POST"):
            raise HTTPProblem(
                405, f"{request.method} is not answered here", headers={"Allow": "GET, HEAD"}
            )
        if rel == "":
            return self.home(request, generation)
        if rel == "search":
            return self.search(request, generation)
        if rel == "sparql":
            return await self.sparql(request, generation)
        if rel == "health":
            return self.health(generation)
        if rel in ("queries", "dumps"):
            return Response(status_code=301, headers={"Location": f"{self.prefix}{rel}/"})
        if rel == "queries/":
            return self.query_list(request, generation)
        if rel.startswith("queries/"):
            return await self.named_query(request, generation, rel[len("queries/") :])
        if rel == "dumps/":
            return self.dump_list(request, generation)
        if rel.startswith("dumps/") and "/" not in rel[len("dumps/") :]:
            name = rel[len("dumps/") :]
            if name == "SHA256SUMS" or any(d.name == name for d in generation.dumps):
                return await self.dump_file(request, generation, name)
        if rel.split(".", 1)[0] in ("ontology", "shapes"):
            return self.vocabulary(request, generation, rel)
        if rel == ".well-known/void":
            return Response(status_code=303, headers={"Location": f"{self.prefix}dataset"})
        if rel.startswith("static/"):
            return self.static(request, rel[len("static/") :])
        return await self.entity(request, generation, rel)

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
            out["Last-Modified"] = _http_date(
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
        if _not_modified(request, etag, when):
            return Response(
                status_code=304,
                headers={
                    "ETag": etag,
                    "Last-Modified": _http_date(when),
                    "Vary": "Accept",
                    "Cache-Control": "public, max-age=60",
                },
            )
        return None

    # --- things and their documents ----------------------------------------------------------

    def _alternates(self, rel: str, only: tuple[str, ...] = tuple(DOC_EXTENSIONS)) -> list[Link]:
        return [
            Link(
                _FORMAT_NAMES[name],
                canonical_media_type(name).split(";")[0],
                f"{self.prefix}{rel}.{DOC_EXTENSIONS[name]}",
            )
            for name in only
        ]

    def _format_param(self, request: Request, offers: tuple[tuple[str, str], ...]) -> str | None:
        value = request.query_params.get("format")
        if value is None or value == "":
            return None
        fmt = format_from_name(value, offers)
        if fmt is None:
            names = sorted({name for _, name in offers})
            raise HTTPProblem(
                400,
                f"format={value} is not a format this answer comes in",
                hint="use one of: " + ", ".join(names),
            )
        return fmt

    async def entity(self, request: Request, generation: Generation, rel: str) -> Response:
        """Answer a thing (303 to its document), a document, or a helpful 404."""
        base = generation.base
        if rel and generation.index.get(base + rel) is not None:
            fmt = self._format_param(request, ENTITY_OFFERS)
            if fmt is None:
                chosen = negotiate(request.headers.get("accept"), ENTITY_OFFERS)
                if chosen is None:
                    raise HTTPProblem(
                        406,
                        f"{self.prefix}{rel} has no representation of the types the Accept "
                        f"header allows ({request.headers.get('accept')})",
                        hint="accept one of the types below, or add ?format=ttl",
                        headers={"Vary": "Accept"},
                        links=self._alternates(rel),
                    )
                fmt = chosen[1]
            location = f"{self.prefix}{rel}.{DOC_EXTENSIONS[fmt]}"
            return Response(
                f"See {location}\n",
                303,
                {
                    "Location": location,
                    "Vary": "Accept",
                    "Cache-Control": "public, max-age=60",
                },
                "text/plain; charset=utf-8",
            )
        stem, dot, ext = rel.rpartition(".")
        if dot and ext in _EXT_TO_FORMAT and generation.index.get(base + stem) is not None:
            return await self.document(request, generation, stem, _EXT_TO_FORMAT[ext])
        raise self.missing(generation, rel)

    def missing(self, generation: Generation, rel: str) -> HTTPProblem:
        """Return a 404 that names the closest IRIs the graph does mint."""
        linker = self.site.linker(generation)
        stem = rel.rsplit(".", 1)[0] if rel.rsplit(".", 1)[-1] in _EXT_TO_FORMAT else rel
        suggestions = [linker.iri_value(e.iri, e.label) for e in generation.index.suggest(stem)]
        kinds = sorted({e.kind for e in generation.index.entities.values() if not e.void})
        return HTTPProblem(
            404,
            f"{generation.base}{rel} is not an IRI this graph mints",
            hint=f"IRIs here start with {generation.base} and one of: {', '.join(kinds)}; "
            f"search by name at {self.prefix}search?q=…",
            suggestions=suggestions,
        )

    async def document(
        self, request: Request, generation: Generation, rel: str, fmt: str
    ) -> Response:
        """Answer the document about the thing at ``rel`` in one format."""
        override = self._format_param(request, ENTITY_OFFERS)
        if override is not None and override != fmt:
            location = f"{self.prefix}{rel}.{DOC_EXTENSIONS[override]}"
            return Response(status_code=303, headers={"Location": location})
        etag = generation.etag("doc", rel, fmt)
        cached = self.not_modified(request, generation, etag)
        if cached is not None:
            return cached
        thing = f"{self.prefix}{rel}"
        headers = {"Link": f'<{thing}>; rel="describes"'}
        media = canonical_media_type(fmt)
        known = generation.cached(etag)
        if known is not None:
            return self.ok(request, generation, known, media, etag, vary=False, headers=headers)
        iri = generation.base + rel
        entity = generation.index.get(iri)
        assert entity is not None
        if entity.void:
            triples = void_document(iri, generation.void)
        else:
            text = document_query(iri, generation.base, self._graph_of(generation, iri))
            job = QueryJob(text, trusted=True, graph_format="ntriples", max_rows=_DOC_ROW_CAP)
            reply = await self.run(generation, job)
            if reply.status != 200:
                raise HTTPProblem(reply.status, reply.message, reply.hint)
            triples = list(ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES))
            triples += self._labels_of_links(generation, triples)
        if fmt == "html":
            body: bytes | str = self.site.entity(generation, iri, triples, self._alternates(rel))
        else:
            body = serialize_graph(triples, fmt, generation.base)
        generation.remember(etag, body)
        return self.ok(request, generation, body, media, etag, vary=False, headers=headers)

    def _graph_of(self, generation: Generation, iri: str) -> str | None:
        graph = record_graph(iri, generation.base)
        return graph if graph in generation.graphs else None

    def _labels_of_links(self, generation: Generation, triples: list[ox.Triple]) -> list[ox.Triple]:
        """Name the things a document points to, as the data names them (for readers of RDF)."""
        described = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
        extra = []
        for t in triples:
            target = t.object
            if not isinstance(target, ox.NamedNode) or target.value in described:
                continue
            entity = generation.index.get(target.value)
            if entity is None:
                continue
            described.add(target.value)
            for predicate in LABEL_PREDICATES:
                values = entity.labels.get(predicate)
                if values:
                    for value in values:
                        extra.append(ox.Triple(target, ox.NamedNode(predicate), ox.Literal(value)))
                    break
        return extra

    # --- pages ---------------------------------------------------------------------------------

    def _html_page(
        self, request: Request, generation: Generation, key: str, render: Callable[[], str]
    ) -> Response:
        etag = generation.etag("page", key)
        cached = self.not_modified(request, generation, etag)
        if cached is not None:
            return cached
        return self.ok(request, generation, render(), "text/html; charset=utf-8", etag)

    def home(self, request: Request, generation: Generation) -> Response:
        """The home page: counts, search, the consortia and organisations."""
        chosen = negotiate(request.headers.get("accept"), ENTITY_OFFERS)
        if chosen is not None and chosen[1] != "html":
            return Response(
                status_code=303,
                headers={"Location": f"{self.prefix}dataset", "Vary": "Accept"},
            )
        linker = self.site.linker(generation)
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
                    "things": [linker.iri_value(e.iri, e.label) for e in things[:300]],
                    "more": max(0, len(things) - 300),
                }
            )
        return self._html_page(
            request,
            generation,
            "home",
            lambda: self.site.render(
                "home.html",
                generation,
                title="Home",
                counts=generation.index.counts(),
                quads=generation.meta.quads,
                graphs=generation.meta.graphs,
                groups=groups,
                base=generation.base,
            ),
        )

    def search(self, request: Request, generation: Generation) -> Response:
        """Search things by name: HTML, or JSON for ``Accept: application/json``/``format=json``."""
        q = request.query_params.get("q", "")
        found = generation.index.search(q, 100) if q else []
        offers = ((HTML, "html"), ("application/json", "json"))
        fmt = (
            self._format_param(request, offers)
            or (negotiate(request.headers.get("accept"), offers) or (HTML, "html"))[1]
        )
        linker = self.site.linker(generation)
        if fmt == "json":
            doc = [
                {"iri": e.iri, "label": e.label, "kind": e.kind, "url": linker.local(e.iri)}
                for e in found
            ]
            return JSONResponse(doc, headers={"Vary": "Accept"})
        results = [
            {"value": linker.iri_value(e.iri, e.label), "kind": e.kind, "path": e.path}
            for e in found
        ]
        body = self.site.render("search.html", generation, title="Search", q=q, results=results)
        return self.ok(request, generation, body, "text/html; charset=utf-8")

    def health(self, generation: Generation) -> Response:
        """What the server serves and how its workers are doing (JSON)."""
        stats = generation.pool.stats
        return JSONResponse(
            {
                "version": generation.version,
                "base": generation.base,
                "quads": generation.meta.quads,
                "graphs": len(generation.graphs),
                "generation": generation.number,
                "swaps": self.publisher.swaps,
                "workers": self.config.workers,
                "busy": generation.pool.busy,
                "isolation": stats.isolation,
                "answered": stats.answered,
                "answered_from_cache": stats.cached,
                "cache_bytes": generation.pool.cache.size,
                "timed_out": stats.timed_out,
                "refused_busy": stats.refused_busy,
                "restarted": stats.restarted,
                "timeout": self.config.timeout,
                "max_rows": self.config.max_rows,
            },
            headers={"Cache-Control": "no-store"},
        )

    def vocabulary(self, request: Request, generation: Generation, rel: str) -> Response:
        """The ontology or the shapes: a readable page, or the RDF, by Accept or extension."""
        name, dot, ext = rel.partition(".")
        vocabulary = self.site.vocabularies[name]
        if dot:
            fmt = _EXT_TO_FORMAT.get(ext)
            if fmt is None:
                raise self.missing(generation, rel)
        else:
            fmt = self._format_param(request, ENTITY_OFFERS) or ""
            if not fmt:
                chosen = negotiate(request.headers.get("accept"), ENTITY_OFFERS)
                if chosen is None:
                    raise HTTPProblem(
                        406,
                        f"the {name} has no representation of the types the Accept header allows",
                        hint="accept one of the types below",
                        headers={"Vary": "Accept"},
                        links=self._alternates(name),
                    )
                fmt = chosen[1]
        digest = hashlib.sha256(vocabulary.content).hexdigest()[:32]
        etag = generation.etag("vocabulary", name, fmt, digest)
        cached = self.not_modified(request, generation, etag, vocabulary.modified)
        if cached is not None:
            return cached
        if fmt == "html":
            body: bytes | str = self.site.vocabulary(generation, name, self._alternates(name))
        elif fmt == "turtle":
            body = vocabulary.content
        else:
            body = serialize_graph(vocabulary.triples, fmt, generation.base)
        headers = {"Content-Location": f"{self.prefix}{name}.{DOC_EXTENSIONS[fmt]}"}
        return self.ok(
            request,
            generation,
            body,
            canonical_media_type(fmt),
            etag,
            vary=not dot,
            headers=headers,
            modified=vocabulary.modified,
        )

    def static(self, request: Request, name: str) -> Response:
        """Our stylesheet and script (nothing else, and nothing from anywhere else)."""
        from pathlib import Path

        folder = Path(__file__).resolve().parent / "static"
        suffix = Path(name).suffix
        if "/" in name or suffix not in _STATIC_TYPES or not (folder / name).is_file():
            raise HTTPProblem(404, f"no static file {name}")
        content = (folder / name).read_bytes()
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return Response(
            content,
            200,
            {"ETag": etag, "Cache-Control": "public, max-age=3600"},
            _STATIC_TYPES[suffix],
        )

    # --- dumps ---------------------------------------------------------------------------------

    def dump_list(self, request: Request, generation: Generation) -> Response:
        """List the dump files with their types, sizes and checksums."""
        dumps = [
            {"name": d.name, "size": d.size, "sha256": d.sha256, "media_type": _dump_type(d.name)}
            for d in generation.dumps
        ]
        return self._html_page(
            request,
            generation,
            "dumps",
            lambda: self.site.render(
                "dumps.html", generation, title="Dumps", dumps=dumps, version=generation.version
            ),
        )

    async def dump_file(self, request: Request, generation: Generation, name: str) -> Response:
        """Send one dump file (the build's own bytes)."""
        path = generation.dumps_dir / name
        content = await asyncio.to_thread(path.read_bytes)
        etag = '"' + hashlib.sha256(content).hexdigest() + '"'
        cached = self.not_modified(request, generation, etag)
        if cached is not None:
            return cached
        return self.ok(request, generation, content, _dump_type(name), etag, vary=False)

    # --- named queries -------------------------------------------------------------------------

    def query_list(self, request: Request, generation: Generation) -> Response:
        """List the named queries (HTML, or JSON for ``Accept: application/json``)."""
        offers = ((HTML, "html"), ("application/json", "json"))
        fmt = (
            self._format_param(request, offers)
            or (negotiate(request.headers.get("accept"), offers) or (HTML, "html"))[1]
        )
        if fmt == "json":
            return JSONResponse(
                [
                    {
                        "name": q.name,
                        "title": q.title,
                        "form": q.form,
                        "description": q.description,
                        "url": f"{self.prefix}queries/{q.name}",
                        "params": [
                            {"name": p.name, "type": p.type, "required": p.required}
                            for p in q.params
                        ],
                    }
                    for q in self.queries.values()
                ],
                headers={"Vary": "Accept"},
            )
        body = self.site.render(
            "queries.html", generation, title="Named queries", queries=list(self.queries.values())
        )
        return self.ok(request, generation, body, "text/html; charset=utf-8")

    async def named_query(self, request: Request, generation: Generation, tail: str) -> Response:
        """Run ``queries/NAME[.ext]`` with parameters from the query string."""
        name, dot, ext = tail.partition(".")
        query = self.queries.get(name)
        if query is None or "/" in tail:
            close = difflib.get_close_matches(name, list(self.queries), n=3)
            raise HTTPProblem(
                404,
                f"no named query {name!r}",
                hint=(f"did you mean {' or '.join(close)}? " if close else "")
                + f"the list is at {self.prefix}queries/",
            )
        if ext == "rq":
            return self.ok(
                request,
                generation,
                query.text,
                "application/sparql-query; charset=utf-8",
                generation.etag("rq", name, query.text),
                vary=False,
            )
        graph_form = query.form in ("CONSTRUCT", "DESCRIBE")
        offers = GRAPH_OFFERS if graph_form else SOLUTION_OFFERS
        fits = sorted({n for _, n in offers})
        if dot:
            fmt = _QUERY_EXTENSIONS.get(ext)
            if fmt is None:
                raise HTTPProblem(404, f"no format .{ext}", hint="use one of: " + ", ".join(fits))
            if fmt not in fits:
                raise HTTPProblem(
                    406,
                    f"a {query.form} query's answer does not come as .{ext}",
                    hint="use one of: " + ", ".join(fits),
                )
        else:
            fmt = self._format_param(request, offers) or ""
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
                .replace("consortia-kg query --list", f"{self.prefix}queries/")
            )
            if fmt == "html" and not values:
                return self._named_page(
                    request, generation, query, values, None, fmt, query.text, str(exc)
                )
            raise HTTPProblem(400, str(exc), hint) from None
        text = bind_query(query.text, bindings)
        etag = generation.etag("named", name, json.dumps(sorted(values.items())), fmt)
        cached = self.not_modified(request, generation, etag)
        if cached is not None:
            return cached
        job = QueryJob(
            text,
            trusted=True,
            solution_format="json" if fmt == "html" else fmt,
            graph_format="turtle" if fmt == "html" else fmt,
            max_rows=self.config.max_rows,
        )
        reply = await self.run(generation, job)
        if reply.status != 200:
            raise HTTPProblem(reply.status, reply.message, reply.hint)
        if fmt == "html":
            return self._named_page(request, generation, query, values, reply, fmt, text, "", etag)
        return self.ok(request, generation, reply.body, canonical_media_type(fmt), etag)

    def _named_page(
        self,
        request: Request,
        generation: Generation,
        query: NamedQuery,
        values: dict[str, str],
        reply: Reply | None,
        fmt: str,
        text: str,
        error: str,
        etag: str | None = None,
    ) -> Response:
        columns: list[str] = []
        rows: list[Any] = []
        graph_text = ""
        count_text = ""
        if reply is not None:
            if reply.form in ("SELECT", "ASK"):
                columns, rows = solutions_table(reply.body, self.site.linker(generation))
                count_text = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
            else:
                graph_text = reply.body.decode()
                count_text = f"{reply.count} triple{'s' if reply.count != 1 else ''}"
        graph_form = query.form in ("CONSTRUCT", "DESCRIBE")
        names = (
            ("turtle", "ntriples", "jsonld", "rdfxml")
            if graph_form
            else ("json", "xml", "csv", "tsv")
        )
        ext_of = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", **DOC_EXTENSIONS}
        qs = ("?" + urlencode(values)) if values else ""
        alternates = [
            Link(
                _FORMAT_NAMES[n],
                canonical_media_type(n).split(";")[0],
                f"{self.prefix}queries/{query.name}.{ext_of[n]}{qs}",
            )
            for n in names
        ]
        body = self.site.render(
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
            editor_href=f"{self.prefix}sparql?query={quote(text)}",
        )
        return self.ok(request, generation, body, "text/html; charset=utf-8", etag)

    # --- SPARQL 1.1 Protocol -------------------------------------------------------------------

    async def sparql(self, request: Request, generation: Generation) -> Response:
        """The SPARQL 1.1 Protocol: GET, POST form and POST direct; read-only."""
        params = list(request.query_params.multi_items())
        direct_text: str | None = None
        if request.method == "POST":
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            body = await _read_body(request, self.config.max_body)
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
                return await self._refuse_update(generation, decoded)
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
            return await self._refuse_update(generation, updates[0])
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
            return self.service_description(request, generation, format_values)
        text = queries[0]
        solution_fmt, graph_fmt = self._result_formats(request, format_values)
        etag = None
        if request.method in ("GET", "HEAD"):
            etag = generation.etag(
                "sparql", text, "\0".join(default_uris), "\0".join(named_uris),
                solution_fmt or "-", graph_fmt or "-",
            )  # fmt: skip
            cached = self.not_modified(request, generation, etag)
            if cached is not None:
                return cached
        job = QueryJob(
            text,
            solution_format="json" if solution_fmt == "html" else solution_fmt,
            graph_format="turtle" if graph_fmt == "html" else graph_fmt,
            default_uris=default_uris,
            named_uris=named_uris,
            max_rows=self.config.max_rows,
        )
        try:
            reply = await self.run(generation, job)
        except HTTPProblem as problem:
            if "html" in (solution_fmt, graph_fmt):
                return self._query_page(
                    request, generation, text, None, problem.message, problem.status
                )
            raise
        if reply.status != 200:
            if "html" in (solution_fmt, graph_fmt):
                message = reply.message + (f"\n  fix: {reply.hint}" if reply.hint else "")
                return self._query_page(request, generation, text, None, message, reply.status)
            headers = {"Vary": "Accept"} if reply.status == 406 else None
            raise HTTPProblem(reply.status, reply.message, reply.hint, headers=headers)
        chosen = solution_fmt if reply.form in ("SELECT", "ASK") else graph_fmt
        if chosen == "html":
            return self._query_page(request, generation, text, reply, "", 200, etag)
        return self.ok(request, generation, reply.body, canonical_media_type(reply.fmt), etag)

    def _result_formats(
        self, request: Request, format_values: list[str]
    ) -> tuple[str | None, str | None]:
        if format_values:
            # SPARQLWrapper repeats the format as a name and a media type: the first we know wins
            solution = next(
                (f for v in format_values if (f := format_from_name(v, SOLUTION_OFFERS))), None
            )
            graph = next(
                (f for v in format_values if (f := format_from_name(v, GRAPH_OFFERS))), None
            )
            if solution is None and graph is None:
                names = sorted({n for _, n in SOLUTION_OFFERS + GRAPH_OFFERS})
                raise HTTPProblem(
                    400,
                    f"format={format_values[0]} is not a format answers come in",
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

    async def _refuse_update(self, generation: Generation, text: str) -> Response:
        reply = await self.run(generation, UpdateJob(text))
        raise HTTPProblem(reply.status, reply.message, reply.hint)

    def _query_page(
        self,
        request: Request,
        generation: Generation,
        text: str,
        reply: Reply | None,
        error: str,
        status: int,
        etag: str | None = None,
    ) -> Response:
        columns: list[str] = []
        rows: list[Any] = []
        graph_text = ""
        status_text = ""
        if reply is not None:
            if reply.form in ("SELECT", "ASK"):
                columns, rows = solutions_table(reply.body, self.site.linker(generation))
                status_text = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
            else:
                graph_text = reply.body.decode()
                status_text = f"{reply.count} triples"
        body = self.site.render(
            "sparql.html",
            generation,
            title="SPARQL",
            query_text=text,
            queries=list(self.queries.values()),
            columns=columns,
            rows=rows,
            graph_text=graph_text,
            status_text=status_text,
            error=error,
            max_rows=self.config.max_rows,
            timeout=f"{self.config.timeout:g}",
            config_json=self.site.config_json(generation),
        )
        if status != 200:
            return Response(body, status, {"Vary": "Accept"}, "text/html; charset=utf-8")
        return self.ok(request, generation, body, "text/html; charset=utf-8", etag)

    def service_description(
        self, request: Request, generation: Generation, format_values: list[str]
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
            return self._query_page(request, generation, _EXAMPLE_QUERY, None, "", 200)
        endpoint = str(request.url.replace(query=""))
        triples = service_triples(endpoint, generation, self.config)
        body = serialize_graph(triples, fmt, generation.base, pretty=False)
        etag = generation.etag("sd", endpoint, fmt)
        return self.ok(request, generation, body, canonical_media_type(fmt), etag)


_EXAMPLE_QUERY = """PREFIX ckg: <https://w3id.org/consortia-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?consortium ?name WHERE {
  ?consortium a ckg:Consortium ;
      rdfs:label ?name .
}
ORDER BY ?name
"""


def _dump_type(name: str) -> str:
    if name.endswith(".gz"):
        return "application/gzip"
    if name == "SHA256SUMS":
        return "text/plain; charset=utf-8"
    try:
        return rdf_format(name.rsplit(".", 1)[-1]).media_type
    except KeyError:
        return "application/octet-stream"


def serialize_graph(triples: list[ox.Triple], fmt: str, base: str, pretty: bool = True) -> bytes:
    """Write triples as Turtle, N-Triples, JSON-LD (inline context) or RDF/XML."""
    blank = any(
        isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples
    )
    if fmt == "ntriples":
        return serialize_ntriples(triples)
    prefixes = prefixes_for(base)
    if fmt == "rdfxml" or blank or not pretty:
        ox_format = {
            "turtle": ox.RdfFormat.TURTLE,
            "jsonld": ox.RdfFormat.JSON_LD,
            "rdfxml": ox.RdfFormat.RDF_XML,
        }[fmt]
        used = {
            p: ns
            for p, ns in prefixes.items()
            if any(str(t.predicate.value).startswith(ns) for t in triples)
        }
        if fmt == "jsonld":
            return ox.serialize(triples, format=ox_format) or b""
        return ox.serialize(triples, format=ox_format, prefixes=used) or b""
    if fmt == "turtle":
        return serialize_turtle(triples, base)
    return serialize_jsonld(triples, base)


def service_triples(endpoint: str, generation: Generation, config: ServeConfig) -> list[ox.Triple]:
    """The SPARQL 1.1 Service Description of this endpoint."""
    from consortia_kg.vocab import DCTERMS, RDF, VOID, mint

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
                f"{config.timeout:g} s and answer at most {config.max_rows} rows; SERVICE, LOAD, "
                "updates and FROM graphs the endpoint does not hold are refused."
            ),
        ),
        ox.Triple(service, ox.NamedNode(_SD + "defaultDataset"), dataset),
        ox.Triple(dataset, a, ox.NamedNode(_SD + "Dataset")),
        ox.Triple(
            dataset,
            ox.NamedNode(DCTERMS + "source"),
            ox.NamedNode(mint(generation.base, "dataset")),
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
    for name in (
        "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
        "Turtle", "N-Triples", "JSON-LD", "RDF_XML",
    ):  # fmt: skip
        out.append(
            ox.Triple(service, ox.NamedNode(_SD + "resultFormat"), ox.NamedNode(_FORMATS_NS + name))
        )
    for index, graph in enumerate(generation.graphs):
        node = ox.BlankNode(f"g{index}")
        out.append(ox.Triple(dataset, ox.NamedNode(_SD + "namedGraph"), node))
        out.append(ox.Triple(node, a, ox.NamedNode(_SD + "NamedGraph")))
        out.append(ox.Triple(node, ox.NamedNode(_SD + "name"), ox.NamedNode(graph)))
    return out


async def _read_body(request: Request, limit: int) -> bytes:
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


def _head(response: Response) -> Response:
    """The same answer without its body (HEAD), Content-Length and all."""
    body = getattr(response, "body", b"")
    headers = dict(response.headers)
    headers["content-length"] = str(len(body))
    return Response(b"", response.status_code, headers)


def create_app(config: ServeConfig, publisher: Publisher | None = None) -> Front:
    """Build the ASGI application; it opens the store when it starts and closes it when it stops."""
    publisher = publisher or Publisher(config)
    server = Server(config, publisher)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await publisher.start()
        try:
            yield
        finally:
            await publisher.close()

    app = Starlette(lifespan=lifespan)
    front = Front(server, config, app)
    app.state.server = server
    app.state.publisher = publisher
    return front
