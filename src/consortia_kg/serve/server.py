"""Running the application: the store it needs, uvicorn in front of it, a server in a thread.

``prepare_serving`` has the pipeline build what a fresh clone lacks (the dumps and the store, or
what of them is stale); ``run_server``
serves until SIGINT/SIGTERM, letting running requests finish; ``BackgroundServer`` runs the same
server in a thread on 127.0.0.1, for tests and the benchmark.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from consortia_kg.pipeline import bring_up_to_date, check_buildable

from .config import ServeConfig

if TYPE_CHECKING:
    from .connections import ConnectionLimits

__all__ = [
    "BackgroundServer",
    "free_port",
    "prepare_serving",
    "run_server",
    "uvicorn_config",
]

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def prepare_serving(config: ServeConfig, progress: Progress = _quiet) -> None:
    """Make sure the store and the dumps beside it hold the records in ``config.data_dir``.

    The pipeline rebuilds only what is stale (each record built once, the dumps written into
    ``config.dumps_dir`` and the store filled at ``config.store_dir``, nowhere else); the
    server then serves what the pipeline wrote.
    """
    run = bring_up_to_date(
        config.data_dir, config.dumps_dir, config.store_dir, config.base, progress
    )
    check_buildable(run, config.data_dir)


def uvicorn_config(
    config: ServeConfig,
    host: str,
    port: int,
    quiet: bool = False,
    limits: ConnectionLimits | None = None,
    progress: Progress = _quiet,
) -> Any:
    """Return the uvicorn settings: our guarded httptools protocol, graceful stop."""
    # the web stack is imported when a server starts: prepare_serving alone needs none of it
    import uvicorn

    from .app import create_app
    from .connections import ConnectionLimits, protocol_for, raise_open_files_limit

    limits = dataclasses.replace(limits or ConnectionLimits(), max_url=config.max_url)
    # every connection is a file: room for all of them, the workers' and the store's
    raise_open_files_limit(limits.max_connections + 1024)
    return uvicorn.Config(
        create_app(config, progress=progress, address=f"http://{host}:{port}{config.prefix}"),
        host=host,
        port=port,
        # httptools (C) parses a request in a fraction of h11's (pure Python) time; our subclass
        # adds head deadlines, the 431 limit and connection caps (see .connections)
        http=protocol_for(limits),
        ws="none",
        # uvicorn's choice: uvloop where installed (measured within noise of asyncio's own
        # loop here, so not a dependency); the worker channel works on both
        loop="auto",
        # uvicorn's cap counts idle connections too (256 idle ones got everyone a 503): ours
        # (.connections) counts connections and running requests apart
        limit_concurrency=None,
        timeout_keep_alive=limits.keep_alive,
        timeout_graceful_shutdown=int(config.timeout) + 5,
        log_level="warning" if quiet else "info",
        access_log=not quiet,
        server_header=False,
        lifespan="on",
    )


def run_server(
    config: ServeConfig,
    host: str,
    port: int,
    quiet: bool = False,
    limits: ConnectionLimits | None = None,
    progress: Progress = _quiet,
) -> None:
    """Serve until interrupted; ``progress`` hears when the store opens and when it is ready."""
    import uvicorn

    uvicorn.Server(uvicorn_config(config, host, port, quiet, limits, progress)).run()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class BackgroundServer:
    """``with BackgroundServer(config) as server: server.url`` serves in a thread on 127.0.0.1."""

    def __init__(
        self,
        config: ServeConfig,
        port: int | None = None,
        startup_seconds: float = 120,
        limits: ConnectionLimits | None = None,
    ) -> None:
        self.config, self.limits = config, limits
        self.port = port or free_port()
        self.startup_seconds = startup_seconds
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @classmethod
    def for_data(
        cls,
        data_dir: Path,
        work_dir: Path,
        base_path: str = "/",
        limits: ConnectionLimits | None = None,
        **settings: Any,
    ) -> BackgroundServer:
        """Build ``data_dir`` into ``work_dir/dist`` with the server's own address as base IRI."""
        port = free_port()
        config = ServeConfig(
            data_dir=data_dir,
            store_dir=work_dir / "dist" / "store",
            base=f"http://127.0.0.1:{port}{base_path}",
            **settings,
        )
        prepare_serving(config)
        return cls(config, port, limits=limits)

    @property
    def url(self) -> str:
        """Return the server's address with the base IRI's path (where the home page is)."""
        return f"http://127.0.0.1:{self.port}{self.config.prefix}"

    @property
    def connections(self) -> Any:
        """Return the running server's :class:`~.connections.Connections` (counts, evictions)."""
        return self._server.config.http_protocol_class.connections_of_server

    @property
    def app(self) -> Any:
        """Return the running application (the front layer, with the Starlette app's state)."""
        return self._server.config.app if self._server else None

    def start(self) -> BackgroundServer:
        """Start serving and wait until the first generation is open."""
        import uvicorn

        self._server = uvicorn.Server(
            uvicorn_config(self.config, "127.0.0.1", self.port, True, self.limits)
        )
        self._server.install_signal_handlers = lambda: None
        self._thread = threading.Thread(
            target=self._server.run, name="consortia-kg-serve", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + self.startup_seconds
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the server stopped while starting (see the log above)")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start within {self.startup_seconds} s")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        """Stop serving; running requests finish first."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(60)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
