"""The ``query`` and ``push`` commands: named and ad-hoc SPARQL, and uploads to a store.

stdout carries rows (or RDF) only; progress, counts and errors go to stderr.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from consortia_kg.cli.common import (
    base_option,
    check_output,
    data_option,
    handle_errors,
    progress_printer,
    quiet_option,
    write_output,
)
from consortia_kg.errors import InputError, plural
from consortia_kg.formats import CLI_FORMATS, format_by_extension, format_named
from consortia_kg.query.endpoint import DEFAULT_TIMEOUT
from consortia_kg.query.store import DEFAULT_STORE_DIR, GraphResult

__all__ = ["push", "query"]

_LIST_FORMATS = ("table", "json", "markdown")


def _timeout_option(func: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0.1),
        default=DEFAULT_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        help="Give up on a remote server that has not answered within this time.",
    )(func)


@click.command("query")
@click.argument("query_ref", metavar="[NAME|FILE]", required=False)
@click.option("--sparql", "sparql_text", metavar="TEXT", help="Run this SPARQL text instead.")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind ?NAME to VALUE (typed by the query's header; NAME:TYPE=VALUE for ad hoc queries).",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice([f.name for f in CLI_FORMATS] + ["markdown"]),
    help="Rows: table (default), csv, tsv, json, xml. Graphs: turtle (default), jsonld, "
    "ntriples. With --list: table, json, markdown.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write here instead of stdout (the format is guessed from the extension).",
)
@click.option("--endpoint", metavar="URL", help="Ask this SPARQL 1.1 endpoint instead.")
@_timeout_option
@click.option("--list", "list_queries_", is_flag=True, help="List the named queries.")
@click.option(
    "--print-query", is_flag=True, help="Print the query with its parameters bound; run nothing."
)
@click.option(
    "--store",
    "store_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_STORE_DIR,
    show_default=True,
    help="The embedded store's folder (filled from --data when missing or stale).",
)
@data_option
@base_option
@quiet_option
@handle_errors
def query(
    query_ref: str | None,
    sparql_text: str | None,
    params: tuple[str, ...],
    fmt: str | None,
    output: Path | None,
    endpoint: str | None,
    timeout: float,
    list_queries_: bool,
    print_query: bool,
    store_dir: Path,
    data_dir: Path,
    base_iri: str | None,
    quiet: bool,
) -> None:
    r"""Run a named query (queries/NAME.rq), a .rq FILE or --sparql TEXT.

    The embedded store (--store, filled from --data) is built on the first run, with progress
    on stderr, and reused while the records are unchanged. With --endpoint the same query
    goes to a remote SPARQL endpoint. Queries see every record graph as their default graph.

    \b
    Examples:
      consortia-kg query --list
      consortia-kg query working-groups --param consortium=ga4gh
      consortia-kg query consortia-launched-between -p since=2010 -p until=2015 -f csv
      consortia-kg query --sparql 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'

    Read more: docs/queries.md.
    """
    from consortia_kg.api import display_prefixes, run_query
    from consortia_kg.query.named import (
        bind_query,
        find_query,
        list_queries,
        parse_param_assignments,
        query_from_text,
    )
    from consortia_kg.vocab import resolve_base_iri

    if output is not None:
        check_output(output)  # before the store is filled, which may take a while
    if list_queries_:
        if query_ref or sparql_text:
            raise InputError("--list takes no query", hint="consortia-kg query --list")
        _emit(_listing(list_queries(), fmt or "table"), output)
        return
    if fmt == "markdown":
        raise InputError("--format markdown is for --list", hint="pick table, csv, tsv or json")
    if bool(query_ref) == bool(sparql_text):
        raise InputError(
            "give a query: a NAME, a FILE or --sparql TEXT (one of them)",
            hint="list the named ones with consortia-kg query --list",
        )
    try:
        base = resolve_base_iri(base_iri)
    except ValueError as exc:
        raise InputError(str(exc), hint="pass e.g. --base-iri https://example.org/kg/") from None
    named = query_from_text(sparql_text) if sparql_text else find_query(str(query_ref))
    values = parse_param_assignments(params)
    form = named.form
    chosen = _pick_format(fmt, output, form)
    if print_query:
        _emit(bind_query(named.text, named.bindings(values, base)).encode(), output)
        return
    show = progress_printer(quiet)
    start = time.perf_counter()
    target: object
    if endpoint:
        from consortia_kg.query.endpoint import RemoteEndpoint, find_credentials

        target = RemoteEndpoint(endpoint, timeout, find_credentials(endpoint))
    else:
        from consortia_kg.api import prepare_store

        target = prepare_store(data_dir, store_dir, base, show)
    result = run_query(target, named, values, base)
    if isinstance(result, GraphResult):
        body = result.serialize(chosen, base)
        count = plural(len(result.triples), "triple")
    else:
        body = result.serialize(chosen, display_prefixes(base))
        count = plural(len(result.rows), "row") if result.form == "SELECT" else "answer"
    _emit(body, output)
    show(f"{named.name}: {count} in {time.perf_counter() - start:.2f} s")


def _pick_format(fmt: str | None, output: Path | None, form: str) -> str:
    if fmt is None and output is not None and output.suffix:
        guessed = format_by_extension(output.suffix.lower(), CLI_FORMATS)
        fmt = guessed.name if guessed is not None else None
    graph = form in ("CONSTRUCT", "DESCRIBE")
    if fmt is None:
        return "turtle" if graph else "table"
    if form not in format_named(fmt).forms:
        fits = [f.name for f in CLI_FORMATS if form in f.forms]
        raise InputError(
            f"--format {fmt} does not fit a {form} query",
            hint="use one of: " + ", ".join(fits),
        )
    return fmt


def _emit(body: bytes, output: Path | None) -> None:
    if output is None:
        click.echo(body, nl=False)
        return
    write_output(output, body)


def _listing(queries: list, fmt: str) -> bytes:  # type: ignore[type-arg]
    from consortia_kg.query.named import render_queries_page

    if fmt == "markdown":
        return render_queries_page(queries).encode()
    if fmt == "json":
        doc = [
            {
                "name": q.name,
                "title": q.title,
                "form": q.form,
                "description": q.description,
                "params": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "default": p.default,
                        "required": p.required,
                        "choices": list(p.choices),
                        "doc": p.doc,
                    }
                    for p in q.params
                ],
                "examples": list(q.examples),
            }
            for q in queries
        ]
        return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode()
    if fmt != "table":
        raise InputError(f"--list does not write {fmt}", hint="use table, json or markdown")
    width = max((len(q.name) for q in queries), default=0)
    lines = []
    for q in queries:
        params = " ".join(f"{p.name}=" for p in q.params)
        lines.append(f"{q.name.ljust(width)}  {q.title}" + (f"  [{params}]" if params else ""))
    return ("\n".join(lines) + "\n").encode()


@click.command("push")
@click.option("--endpoint", required=True, metavar="URL", help="The store's SPARQL query endpoint.")
@click.option(
    "--graph-store",
    metavar="URL",
    help="The store's Graph Store Protocol URL (guessed for Oxigraph, Fuseki, Virtuoso, GraphDB).",
)
@click.option("--all", "push_all", is_flag=True, help="Upload every graph, changed or not.")
@click.option("--dry-run", is_flag=True, help="Say what would change; change nothing.")
@_timeout_option
@data_option
@base_option
@quiet_option
@handle_errors
def push(
    endpoint: str,
    graph_store: str | None,
    push_all: bool,
    dry_run: bool,
    timeout: float,
    data_dir: Path,
    base_iri: str | None,
    quiet: bool,
) -> None:
    """Upload the graph to a triple store: one named graph per record, only what changed.

    Record graphs whose content hash differs from the store's are replaced (HTTP PUT), graphs
    of records that no longer exist are deleted, and then every record graph's triples are
    counted on the server and compared with the build. Credentials come from
    $CONSORTIA_KG_USER and $CONSORTIA_KG_PASSWORD or from ~/.netrc, never from arguments.

    stdout lists what changed (put GRAPH, delete GRAPH); exit 0 once the server holds exactly
    what was built, 2 when it cannot be reached, refuses, or holds something else.

    Read more: docs/queries.md (pushing to Oxigraph, Fuseki, Virtuoso, GraphDB, Neptune).
    """
    # imported when the command runs: the pipeline and its stages take ~0.2 s to import,
    # which `consortia-kg --help` and the other commands need not pay
    from consortia_kg.pipeline import check_buildable, load_and_build
    from consortia_kg.query.endpoint import RemoteEndpoint, check_url, find_credentials
    from consortia_kg.query.push import GraphStore, guess_graph_store, mismatch_error, push_graph
    from consortia_kg.vocab import resolve_base_iri

    show = progress_printer(quiet)
    check_url(endpoint)
    if graph_store is None:
        graph_store = guess_graph_store(endpoint)
        if graph_store is None:
            raise InputError(
                f"cannot guess the Graph Store Protocol URL of {endpoint}",
                hint="pass --graph-store URL (Oxigraph: /store, Fuseki: /DATASET/data, "
                "Virtuoso: /sparql-graph-crud-auth, GraphDB: /repositories/ID/rdf-graphs/service)",
            )
        show(f"push: graph store {graph_store} (guessed; pass --graph-store to choose)")
    try:
        base = resolve_base_iri(base_iri)
    except ValueError as exc:
        raise InputError(str(exc), hint="pass e.g. --base-iri https://example.org/kg/") from None
    start = time.perf_counter()
    # the whole graph: the records' graphs and each registry snapshot's
    run = load_and_build(data_dir, base, show, registries=True)
    check_buildable(run, data_dir)
    assert run.built is not None  # check_buildable raised otherwise
    built = run.built
    remote = RemoteEndpoint(endpoint, timeout, find_credentials(endpoint))
    store = GraphStore(graph_store, timeout, find_credentials(graph_store))
    report = push_graph(built, remote, store, push_all, dry_run, show)
    prefix = "would " if dry_run else ""
    for graph in report.plan.put:
        click.echo(f"{prefix}put {graph}")
    for graph in report.plan.delete:
        click.echo(f"{prefix}delete {graph}")
    if dry_run:
        return
    if not report.verified:
        raise mismatch_error(report)
    show(
        f"push: verified {plural(report.counted, 'graph')} on the server "
        f"({len(report.plan.put)} uploaded, {len(report.plan.delete)} deleted, "
        f"{len(report.plan.keep)} unchanged) in {time.perf_counter() - start:.2f} s"
    )
