"""The linked-data server: a SPARQL 1.1 endpoint, dereferenceable IRIs and pages for people.

``consortia-kg serve`` (see :mod:`consortia_kg.cli.serve`) runs it; from Python::

    from consortia_kg.serve import BackgroundServer, ServeConfig, create_app

Modules: :mod:`.config` (settings), :mod:`.negotiation` (Accept headers), :mod:`.guard` (what a
query may do), :mod:`.worker` (killable query workers), :mod:`.generation` (snapshots and
swapping in a rebuilt store), :mod:`.index` (IRIs, names, search), :mod:`.views` and
:mod:`.pages` (HTML), :mod:`.app` (routes and the protocol), :mod:`.server` (uvicorn).
Read more: docs/serving.md.
"""

from __future__ import annotations

from typing import Any

from .config import ServeConfig

__all__ = ["BackgroundServer", "ServeConfig", "create_app", "prepare_serving"]


def __getattr__(name: str) -> Any:
    # the worker processes import this package too: keep them free of the web stack
    if name == "create_app":
        from .app import create_app

        return create_app
    if name in ("BackgroundServer", "prepare_serving"):
        from . import server

        return getattr(server, name)
    raise AttributeError(name)
