"""The front layer uvicorn runs: request limits, CORS and a last-resort 500 around the server.

It does what Starlette's middleware stack would (the limits, ``CORSMiddleware``,
``ServerErrorMiddleware``) in one layer: a request over the limits is refused before anything
reads it, a request without an ``Origin`` header, which CORS leaves alone, goes straight to the
server; one with it goes through Starlette's ``CORSMiddleware``. Lifespan events go to the
Starlette application, which opens and closes the store.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import ServeConfig

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "EDITOR_CONTENT_SECURITY_POLICY",
    "Front",
    "over_limits",
    "plain",
    "secured",
]

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


#: Sent with every answer that does not set its own: pages load only our own script and
#: stylesheet (serve/static), fetch only from here, and are framed by no other site; JSON-LD
#: and the query page's settings are data blocks, which script-src does not run
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
#: The query page's: the same, but the editor's table (YASR's column resizer, in
#: static/vendor/) adds <style> elements of its own; scripts stay 'self' only, no eval
EDITOR_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self';", "style-src 'self'; style-src-elem 'self' 'unsafe-inline';"
)
_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
)


def plain(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    """Return a plain-text answer."""
    return Response(text, status, headers=headers, media_type="text/plain; charset=utf-8")


def over_limits(scope: Scope, max_url: int, max_body: int) -> Response | None:
    """Answer a request target over ``max_url`` bytes (414) or a declared body over ``max_body``."""
    target = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + 1
    if target > max_url:
        return plain(
            414,
            f"the request target is {target} bytes long; this server takes at most "
            f"{max_url}\n  fix: send a long query with POST "
            "(Content-Type: application/sparql-query, or a form with query=…)\n",
        )
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            if not value.isdigit():
                return plain(400, "Content-Length is not a number\n")
            if int(value) > max_body:
                return plain(
                    413,
                    f"the request body is {int(value)} bytes; this server takes at most "
                    f"{max_body}\n  fix: send a shorter query\n",
                )
    return None


def secured(send: Send) -> Send:
    """Return ``send`` adding ``nosniff`` and the policy to an answer that lacks them."""

    async def send_secured(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers") or ())
            present = {name.lower() for name, _ in headers}
            headers += [pair for pair in _SECURITY_HEADERS if pair[0] not in present]
            message = {**message, "headers": headers}
        await send(message)

    return send_secured


class Front:
    """The ASGI application uvicorn runs: limits, CORS and a last-resort 500 around ``server``."""

    def __init__(self, server: ASGIApp, config: ServeConfig, lifespan_app: Starlette) -> None:
        self.server, self.config, self.lifespan_app = server, config, lifespan_app
        self.state = lifespan_app.state
        self.cors = CORSMiddleware(server, **_CORS)  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request (or pass a lifespan event on)."""
        if scope["type"] != "http":
            await self.lifespan_app(scope, receive, send)
            return
        send = secured(send)
        refused = over_limits(scope, self.config.max_url, self.config.max_body)
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
                await plain(500, "the server failed on this request\n")(scope, receive, send)
            raise
