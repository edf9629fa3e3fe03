"""``consortia-kg build``: every dump (and the query store) from the records."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from consortia_kg.cli.common import (
    base_option,
    data_option,
    handle_errors,
    progress_printer,
    quiet_option,
    resolve_base,
)
from consortia_kg.errors import EXIT_NEEDS_CURATOR, EXIT_USAGE, Severity
from consortia_kg.paths import DEFAULT_OUTPUT_DIR

__all__ = ["build"]


@click.command()
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
    # imported when the command runs: the pipeline and its stages take ~0.2 s to import,
    # which `consortia-kg --help` and the other commands need not pay
    from consortia_kg.pipeline import build_dumps
    from consortia_kg.validate.report import format_report

    run = build_dumps(
        data_dir, output, resolve_base(base_iri), progress_printer(quiet), jobs, store
    )
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
