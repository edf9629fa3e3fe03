"""``consortia-kg validate``: every problem at once, by file, with the exit code CI reads."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from consortia_kg.cli.common import (
    base_option,
    check_output,
    data_option,
    handle_errors,
    progress_printer,
    quiet_option,
    resolve_base,
    write_output,
)
from consortia_kg.errors import EXIT_NEEDS_CURATOR, EXIT_OK, EXIT_USAGE, InputError, Severity

__all__ = ["validate"]


@click.command()
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
    # imported when the command runs: the pipeline and its stages take ~0.2 s to import,
    # which `consortia-kg --help` and the other commands need not pay
    from consortia_kg.pipeline import validate_data
    from consortia_kg.records import KINDS, display_path, record_file
    from consortia_kg.validate.report import format_report

    if output is not None:
        check_output(output)
    kind_folders = [name for name, _ in KINDS.values()]
    for folder in (path for path in paths if path.is_dir()):
        if not any((folder / name).is_dir() for name in kind_folders):
            raise InputError(
                f"{folder} is not a folder of records (it has no "
                + ", ".join(f"{name}/" for name in kind_folders) + ")",
                hint="name the data folder, or record files inside it",
            )  # fmt: skip
        data_dir = folder
    only: set[str] = set()
    for path in paths:
        if path.is_dir():
            continue
        if not path.exists():
            raise InputError(f"{path} does not exist", hint="name record files or the data folder")
        # a file outside the data folder would simply not be in the report: "no problems"
        record_file(data_dir, path)
        only.add(display_path(path))
    if watch:
        _watch(data_dir, resolve_base(base_iri), fmt)
    run = validate_data(data_dir, resolve_base(base_iri), progress_printer(quiet), engine)
    problems = [p for p in run.problems if not only or p.file in only]
    text = format_report(problems, run.record_count, fmt)
    if output is not None:
        write_output(output, text.encode())
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
    from consortia_kg.session import ValidationSession, watch
    from consortia_kg.validate.report import format_report

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
