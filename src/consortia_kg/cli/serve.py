"""The ``serve`` command: the linked-data server."""

from __future__ import annotations

from pathlib import Path

import click

from consortia_kg.cli.common import (
    base_option,
    data_option,
    handle_errors,
    progress_printer,
    quiet_option,
)
from consortia_kg.errors import InputError
from consortia_kg.query.store import DEFAULT_STORE_DIR

__all__ = ["serve"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port to listen on.",
)
@data_option
@base_option
@click.option(
    "--store",
    "store_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_STORE_DIR,
    show_default=True,
    help="The store's folder (filled from --data when missing or stale); dumps are read beside it.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="Time budget of one query: past it the query's worker is killed and the client gets 504.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Query worker processes: how many queries run at once (more wait, then get 503).",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Most rows (or triples) one answer may hold; a larger answer is refused, never cut.",
)
@click.option(
    "--reload-interval",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    metavar="SECONDS",
    help="How often to look for a rebuilt store to swap in (0: never).",
)
@click.option(
    "--cache-mib",
    type=click.FloatRange(min=0),
    default=32.0,
    show_default=True,
    metavar="MIB",
    envvar="CONSORTIA_KG_CACHE_MIB",
    help="Answers kept for the next identical query (the data never changes under them; 0: none; "
    "also $CONSORTIA_KG_CACHE_MIB).",
)
@click.option(
    "--header-timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="Time a request's head may take to arrive, from the connection or the previous answer "
    "(408 and closed past it, however slowly its bytes come).",
)
@click.option(
    "--keep-alive",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    metavar="SECONDS",
    help="How long an idle connection stays open after an answer.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=16),
    default=4096,
    show_default=True,
    help="Open connections in all; past it the oldest one waiting for a request is closed.",
)
@click.option(
    "--max-client-connections",
    type=click.IntRange(min=1),
    default=64,
    show_default=True,
    help="Open connections from one client address; past it that client's oldest idle one is "
    "closed (429 when all of them are running requests).",
)
@quiet_option
@handle_errors
def serve(
    host: str,
    port: int,
    data_dir: Path,
    base_iri: str | None,
    store_dir: Path,
    timeout: float,
    workers: int,
    max_rows: int,
    reload_interval: float,
    cache_mib: float,
    header_timeout: float,
    keep_alive: int,
    max_connections: int,
    max_client_connections: int,
    quiet: bool,
) -> None:
    r"""Serve the graph: a SPARQL 1.1 endpoint, every minted IRI, and pages for people.

    On a fresh clone the store and the dumps are built from --data first. The server listens
    on 127.0.0.1 unless --host says otherwise, answers each IRI under the base IRI at its path
    (keeping the base's own path), and swaps in a rebuilt store (consortia-kg build) without
    stopping. Set --base-iri to the server's own address to make every minted IRI a working URL.

    \b
    Examples:
      consortia-kg serve
      consortia-kg serve --base-iri http://127.0.0.1:8080/ --port 8080
      curl -H 'Accept: text/turtle' -L http://127.0.0.1:8080/consortium/ga4gh

    Read more: docs/serving.md.
    """
    # imported when the command runs: the pipeline and its stages take ~0.2 s to import,
    # which `consortia-kg --help` and the other commands need not pay
    from consortia_kg.serve.config import ServeConfig
    from consortia_kg.serve.connections import ConnectionLimits
    from consortia_kg.serve.server import prepare_serving, run_server
    from consortia_kg.vocab import resolve_base_iri

    try:
        base = resolve_base_iri(base_iri)
    except ValueError as exc:
        raise InputError(str(exc), hint="pass e.g. --base-iri http://127.0.0.1:8080/") from None
    try:
        import uvicorn  # noqa: F401
    except ImportError:  # pragma: no cover - a dependency of the package
        raise InputError("serve needs uvicorn", hint="pip install -e .") from None
    config = ServeConfig(
        data_dir=data_dir,
        store_dir=store_dir,
        base=base,
        timeout=timeout,
        workers=workers,
        max_rows=max_rows,
        reload_interval=reload_interval,
        cache_bytes=int(cache_mib * (1 << 20)),
    )
    limits = ConnectionLimits(
        head_timeout=header_timeout,
        keep_alive=keep_alive,
        max_connections=max_connections,
        per_client=max_client_connections,
    )
    show = progress_printer(quiet)
    # said here, not by prepare_serving: its progress tells only what the pipeline had to redo
    show(f"serve: checking the store and the dumps against {config.data_dir}…")
    prepare_serving(config, show)
    show(f"serve: IRIs under {base} are answered at http://{host}:{port}{config.prefix}")
    try:
        run_server(config, host, port, quiet, limits, show)
    except KeyboardInterrupt:
        # uvicorn has shut down gracefully and passes the signal on: stopping is no error
        show("serve: stopped")
