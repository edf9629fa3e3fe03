"""The ``consortia-kg`` command line: build, validate (and, in their modules, the other verbs).

stdout carries the product (a report, rows, RDF) so that pipes work; progress and errors go to
stderr. Exit codes: 0 ok, 1 the data needs a curator, 2 usage or input error, 3 internal error.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from consortia_kg import __version__
from consortia_kg.errors import (
    EXIT_INTERNAL,
    EXIT_NEEDS_CURATOR,
    EXIT_OK,
    EXIT_USAGE,
    InputError,
    Severity,
)
from consortia_kg.paths import DEFAULT_DATA_DIR, DEFAULT_OUTPUT_DIR

__all__ = ["data_option", "handle_errors", "main", "progress_printer"]

F = TypeVar("F", bound=Callable[..., Any])


def progress_printer(quiet: bool) -> Callable[[str], None]:
    """Return a callback that prints stage lines on stderr unless ``quiet``."""

    def show(line: str) -> None:
        if not quiet:
            click.echo(line, err=True)

    return show


def handle_errors(func: F) -> F:
    """Turn an ``InputError`` into a message and exit 2, and a bug into exit 3 with a plea."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except BrokenPipeError:
            # the reader went away (`… | head`): not an error of ours, and nothing more to say
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(EXIT_OK)
        except KeyboardInterrupt:
            click.echo("interrupted; outputs were left as they were", err=True)
            sys.exit(130)
        except Exception:
            click.echo(traceback.format_exc(), err=True)
            click.echo(
                "internal error: this is a bug in consortia-kg, not in your data; "
                "please report it with the lines above",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


def data_option(func: F) -> F:
    """The ``--data DIR`` option every record-reading command takes."""
    return click.option(
        "--data",
        "data_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=DEFAULT_DATA_DIR,
        show_default=True,
        help="Folder of records (consortia/, organisations/, sources/).",
    )(func)


def base_option(func: F) -> F:
    """The ``--base-iri`` option: where minted IRIs live."""
    return click.option(
        "--base-iri",
        default=None,
        metavar="IRI",
        help="Base of minted IRIs (default: $CONSORTIA_KG_BASE_IRI or https://w3id.org/consortia-kg/).",
    )(func)


def quiet_option(func: F) -> F:
    """``-q``: no progress lines on stderr."""
    return click.option("-q", "--quiet", is_flag=True, help="Print no progress on stderr.")(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="consortia-kg")
def main() -> None:
    """Build, validate, query and serve the consortia knowledge graph.

    Records under data/ (YAML, one file per consortium, organisation and source) become RDF
    under the consortia-kg ontology, checked with SHACL. Read more: docs/records.md.
    """


@main.command()
@data_option
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_OUTPUT_DIR,
    show_default=True,
    help="Folder for the dumps.",
)
@base_option
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Processes that read and build the records (0: one per core).",
)
@click.option(
    "--store/--no-store",
    default=True,
    show_default=True,
    help="Also fill the query store (OUTPUT/store) from the N-Quads dump.",
)
@quiet_option
@handle_errors
def build(
    data_dir: Path, output: Path, base_iri: str | None, jobs: int, store: bool, quiet: bool
) -> None:
    """Build the graph and write every dump (Turtle, N-Triples, N-Quads, JSON-LD, VoID).

    Dumps are sorted and byte-identical for the same records; each is written to a temp file
    and renamed, so a failed run leaves the previous dumps intact. Records that cannot be built
    are reported (as `validate` does) and nothing is written.
    """
    from consortia_kg.pipeline import build_dumps
    from consortia_kg.report import format_report

    run = build_dumps(data_dir, output, _base(base_iri), progress_printer(quiet), jobs, store)
    errors = [p for p in run.problems if p.severity == Severity.VIOLATION]
    if errors:
        click.echo(format_report(run.problems, run.record_count, "text"), err=True, nl=False)
        click.echo(
            f"nothing written: fix the records above, then build again ({output} is unchanged)",
            err=True,
        )
        sys.exit(EXIT_USAGE if run.fatal else EXIT_NEEDS_CURATOR)
    for name in sorted(run.files):
        click.echo(str(output / name))


def _base(base_iri: str | None) -> str:
    from consortia_kg.vocab import resolve_base_iri

    try:
        return resolve_base_iri(base_iri)
    except ValueError as exc:
        raise InputError(str(exc), hint="pass e.g. --base-iri https://example.org/kg/") from None


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@data_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for workflow annotations.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report here instead of stdout.",
)
@click.option("--warnings-as-errors", is_flag=True, help="Exit 1 on warnings too.")
@click.option(
    "--engine",
    type=click.Choice(["fast", "pyshacl"]),
    default="fast",
    show_default=True,
    help="fast: compiled SHACL + set-wise SPARQL rules; pyshacl: the reference engine.",
)
@click.option(
    "--watch",
    is_flag=True,
    help="After the report, re-validate each record file as it is saved (Ctrl-C to stop).",
)
@base_option
@quiet_option
@handle_errors
def validate(
    paths: tuple[Path, ...],
    data_dir: Path,
    fmt: str,
    output: Path | None,
    warnings_as_errors: bool,
    engine: str,
    watch: bool,
    base_iri: str | None,
    quiet: bool,
) -> None:
    """Check every record and the whole graph; report every problem at once, by file.

    PATHS narrows the report to some record files (the whole folder is still read, since
    references cross records); a folder in PATHS is read as the data folder.

    Exit status: 0 conforms (warnings allowed), 1 the data needs a curator,
    2 a file cannot be read or the command was used wrongly.
    """
    from consortia_kg.atomic import write_atomic
    from consortia_kg.pipeline import validate_data
    from consortia_kg.records import display_path
    from consortia_kg.report import format_report

    only: set[str] = set()
    for path in paths:
        if path.is_dir():
            data_dir = path
        elif path.is_file():
            only.add(display_path(path))
        else:
            raise InputError(f"{path} does not exist", hint="name record files or the data folder")
    if watch:
        _watch(data_dir, _base(base_iri), fmt)
    run = validate_data(data_dir, _base(base_iri), progress_printer(quiet), engine)
    problems = [p for p in run.problems if not only or p.file in only]
    text = format_report(problems, run.record_count, fmt)
    if output is not None:
        write_atomic(output, text.encode())
    else:
        click.echo(text, nl=False)
    severities = {p.severity for p in problems}
    if any(p.fatal for p in problems):
        sys.exit(EXIT_USAGE)
    if Severity.VIOLATION in severities or (warnings_as_errors and Severity.WARNING in severities):
        sys.exit(EXIT_NEEDS_CURATOR)
    sys.exit(EXIT_OK)


def _watch(data_dir: Path, base: str, fmt: str) -> None:
    """Report everything once, then each saved record's problems, until interrupted."""
    from consortia_kg.errors import Problem
    from consortia_kg.report import format_report
    from consortia_kg.session import ValidationSession, watch

    session = ValidationSession(data_dir, base)
    problems = session.validate_all()
    click.echo(
        format_report(problems, len(session.built.graphs) if session.built else 0, fmt), nl=False
    )
    click.echo(f"watching {data_dir} for changes (Ctrl-C to stop)", err=True)

    def report(path: Path, found: list[Problem]) -> None:
        click.echo(f"--- {path}", err=True)
        click.echo(format_report(found, 1, fmt), nl=False)

    try:
        watch(session, report)
    except KeyboardInterrupt:
        sys.exit(EXIT_OK)


from consortia_kg import cli_import, cli_query, cli_serve  # noqa: E402,F401 (they register their commands)
