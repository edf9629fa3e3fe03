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
from consortia_kg.paths import DEFAULT_KEEP, DEFAULT_OUTPUT_DIR

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
@click.option(
    "--keep",
    type=click.IntRange(min=0),
    default=DEFAULT_KEEP,
    show_default=True,
    help="Earlier releases kept besides the current one (older ones are deleted).",
)
@click.option(
    "--allow-invalid",
    is_flag=True,
    help="Publish even when `validate` finds errors (they are still reported).",
)
@click.option("--allow-empty", is_flag=True, help="Publish a graph of no records.")
@click.option(
    "--validate/--no-validate",
    default=True,
    show_default=True,
    help="Check the records as `validate` does before publishing (--no-validate: for data too "
    "big for validation's memory; records that cannot be read still stop the build).",
)
@quiet_option
@handle_errors
def build(
    data_dir: Path,
    output: Path,
    base_iri: str | None,
    jobs: int,
    store: bool,
    keep: int,
    allow_invalid: bool,
    allow_empty: bool,
    validate: bool,
    quiet: bool,
) -> None:
    """Build the graph and publish every dump (Turtle, N-Triples, N-Quads, JSON-LD, VoID).

    Each build writes a whole release (OUTPUT/releases/<id>: dumps, SHA256SUMS, VoID, store)
    and then points OUTPUT/current at it in one step, so a failed or killed run leaves the
    previous release served; OUTPUT/<dump> and OUTPUT/store are links through `current`.
    Dumps are sorted and byte-identical for the same records. The records are checked as
    `validate` does: errors are reported and nothing is published (exit 1); a folder of no
    records publishes nothing (exit 2).
    """
    # imported when the command runs: the pipeline and its stages take ~0.2 s to import,
    # which `consortia-kg --help` and the other commands need not pay
    from consortia_kg.pipeline import Gate, build_dumps
    from consortia_kg.validate.report import format_report

    gate = Gate(validate=validate, allow_invalid=allow_invalid, allow_empty=allow_empty)
    run = build_dumps(
        data_dir, output, resolve_base(base_iri), progress_printer(quiet), jobs, store, keep, gate
    )
    errors = [p for p in run.problems if p.severity == Severity.VIOLATION]
    if errors:
        click.echo(format_report(run.problems, run.record_count, "text"), err=True, nl=False)
    if run.release is None:
        click.echo(
            f"nothing written: fix the records above, then build again ({output} is unchanged)",
            err=True,
        )
        sys.exit(EXIT_USAGE if run.fatal else EXIT_NEEDS_CURATOR)
    if run.release is not None and not quiet:
        click.echo(f"release {run.release.id} published: {output / 'current'}", err=True)
    for name in sorted(run.files):
        click.echo(str(output / name))
