"""The web application: the front layer around a server that answers from the current data.

:func:`create_app` assembles it: :class:`~.front.Front` (limits, CORS, a last-resort 500)
around :class:`Server`, which takes the current generation of the data for each request and
hands it to the view :mod:`.routes` names (the views are in :mod:`.views`, one module per kind
of page). Every store access goes through the generation's query workers (:mod:`.worker`), so
the time budget, the row cap and the concurrency cap hold for pages as they do for ``/sparql``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from .config import ServeConfig
from .front import Front, plain
from .generation import Generation, Publisher
from .routes import dispatch
from .views.base import Context, HTTPProblem, head

__all__ = ["Front", "HTTPProblem", "Server", "create_app"]


class Server:
    """Answers every request under the base IRI's path from one generation of the data."""

    def __init__(self, config: ServeConfig, publisher: Publisher) -> None:
        self.config, self.publisher = config, publisher
        self.context = Context(config, publisher)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request; 503 while no generation is open (starting or stopping)."""
        request = Request(scope, receive)
        generation: Generation | None = None
        try:
            with self.publisher.use() as generation:
                try:
                    response = await dispatch(self.context, request, generation)
                except HTTPProblem as problem:
                    response = self.context.problem(request, problem, generation)
                if request.method == "HEAD":
                    response = head(response)
                response.headers.setdefault("X-Data-Version", generation.version)
                await response(scope, receive, send)
        except RuntimeError as exc:
            if generation is not None:
                raise
            await plain(503, f"the server is starting or stopping: {exc}\n", {"Retry-After": "2"})(
                scope, receive, send
            )


def _quiet(_: str) -> None:
    pass


def create_app(
    config: ServeConfig,
    publisher: Publisher | None = None,
    progress: Callable[[str], None] = _quiet,
    address: str = "",
) -> Front:
    """Build the ASGI application; it opens the store when it starts and closes it when it stops.

    ``progress`` hears when opening starts and when the server is ready (at ``address``).
    """
    publisher = publisher or Publisher(config)
    server = Server(config, publisher)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # the snapshot, the workers and the index take seconds on a large graph
        progress(
            f"serve: opening the store: a snapshot, {config.workers} query workers, the index…"
        )
        started = time.perf_counter()
        await publisher.start()
        progress(
            f"serve: ready on {address} in {time.perf_counter() - started:.1f} s; Ctrl-C stops"
        )
        try:
            yield
        finally:
            await publisher.close()

    app = Starlette(lifespan=lifespan)
    front = Front(server, config, app)
    app.state.server = server
    app.state.publisher = publisher
    return front
