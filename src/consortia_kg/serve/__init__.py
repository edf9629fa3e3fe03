"""The linked-data server: a SPARQL 1.1 endpoint, dereferenceable IRIs and pages for people.

``consortia-kg serve`` (see :mod:`consortia_kg.cli.serve`) runs it; from Python::

    from consortia_kg.serve import BackgroundServer, ServeConfig, create_app

Modules: :mod:`.config` (settings), :mod:`.negotiation` (Accept headers, offers read from
:mod:`consortia_kg.formats`), :mod:`.guard` (what a query may do), :mod:`.jobs` (what the
server and its workers say), :mod:`.process` (a query worker process), :mod:`.worker` (the
pool of killable workers), :mod:`.generation` (snapshots and swapping in a rebuilt store),
:mod:`.index` (IRIs, names, search), :mod:`.display` and :mod:`.pages` (HTML), :mod:`.front`
(limits, CORS), :mod:`.routes` (the table of paths), :mod:`.views` (one module per kind of
page), :mod:`.app` (assembles them), :mod:`.server` (uvicorn). Read more: docs/serving.md.

Nothing in this package imports the package itself back: the names below are looked up lazily,
so a worker process, which imports :mod:`.process` through this package, stays free of the web
stack.
"""

from __future__ import annotations

from typing import Any

from .config import ServeConfig

__all__ = ["BackgroundServer", "ServeConfig", "create_app", "prepare_serving"]


def __getattr__(name: str) -> Any:
    # the worker processes import this package too: keep them free of the web stack
    # (Starlette, Jinja, uvicorn), which only these names need
    if name == "create_app":
        from .app import create_app

        return create_app
    if name in ("BackgroundServer", "prepare_serving"):
        from . import server

        return getattr(server, name)
    raise AttributeError(name)
