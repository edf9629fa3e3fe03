"""``consortia-kg import page|ror|ga4gh-registry|cordis|table`` and ``consortia-kg reconcile``.

Every import reads and checks its whole input, plans every record (merging into existing ones),
and only then writes; a bad input writes nothing. stdout lists the files written (or, with
``--dry-run``, shows each new record and a unified diff for each changed one); warnings and
progress go to stderr. An existing record that would change is only rewritten with ``--force``.

``import cordis`` writes no records: it stages a registry snapshot (``data/registries/<id>/``)
that the build maps; an existing snapshot is only replaced with ``--force``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from consortia_kg.cli.common import data_option, handle_errors, quiet_option
from consortia_kg.errors import EXIT_NEEDS_CURATOR, InputError, plural
from consortia_kg.reconcile import Match
from consortia_kg.records import display_path

if TYPE_CHECKING:
    from consortia_kg.importers.plan import Workspace

__all__ = ["import_group", "reconcile"]

F = TypeVar("F", bound=Callable[..., Any])


def _import_options(func: F) -> F:
    for option in reversed(
        [
            data_option,
            click.option(
                "--dry-run", is_flag=True, help="Show what would be written; write nothing."
            ),
            click.option(
                "--force", is_flag=True, help="Update existing records that would change."
            ),
            click.option(
                "-y",
                "--yes",
                is_flag=True,
                help="Never ask: a link that is not certain goes to the review file "
                "(data/review.yaml) for a curator to accept or reject.",
            ),
            quiet_option,
        ]
    ):
        func = option(func)
    return func


@click.group("import")
def import_group() -> None:
    """Turn a catalogue page, ROR records or the GA4GH registry dump into records.

    `import cordis` stages CORDIS's bulk downloads as a registry snapshot instead.

    Each import links names to existing records first (same ROR/Wikidata/registry id, then the
    same or a similar name; see `consortia-kg reconcile`), updates records in place and keeps
    what other sources said. Importing the same input twice changes nothing.
    """


def _decider(yes: bool, interactive: bool) -> Callable[[str, Match], bool] | None:
    """Ask at a terminal about a link that is not certain; else (or with --yes) propose it."""
    if yes or not interactive:
        return None

    def decide(name: str, candidate: Match) -> bool:
        return click.confirm(
            f'"{name}" may be {candidate.kind} {candidate.key} ("{candidate.name}", '
            f"{candidate.reason}, score {candidate.score:.0f}). Link to it?",
            default=False,
            err=True,
        )

    return decide


def _workspace(data_dir: Path, yes: bool, interactive: bool) -> Workspace:
    from consortia_kg.importers.plan import Workspace

    if not data_dir.is_dir():
        raise InputError(
            f"{data_dir} is not a folder of records",
            hint="pass --data DIR, the folder holding consortia/, organisations/ and sources/",
        )
    return Workspace(data_dir, _decider(yes, interactive))


def _finish(ws: Workspace, dry_run: bool, force: bool, started: float, what: str) -> None:
    """Print messages, then the dry run, or write (unless blocked) and list the files."""
    for message in ws.messages:
        click.echo(message, err=True)
    counts = ws.counts()
    summary = (
        f"{what}: {counts['new']} new, {counts['changed']} changed, "
        f"{plural(counts['unchanged'], 'unchanged record file')}"
    )
    if dry_run:
        for change in ws.ordered():
            if change.status == "new":
                click.echo(f"# {change.display} (new)\n{change.new_text}", nl=False)
            elif change.status == "changed":
                click.echo(change.diff(), nl=False)
        click.echo(f"{summary}; dry run: nothing written", err=True)
        return
    if ws.pending:
        review = display_path(ws.review.path)
        for proposal in ws.pending:
            click.echo(
                f'proposed: "{proposal.name}"{f" ({proposal.where})" if proposal.where else ""} '
                f"may be {proposal.kind} {proposal.candidate} "
                f'("{proposal.candidate_name}", {proposal.reason}, '
                f"score {proposal.score:.0f}): not linked",
                err=True,
            )
        click.echo(
            f"{plural(len(ws.pending), 'link')} wait for a curator in "
            f"{review}: accept or reject each (or `consortia-kg review`), then import again",
            err=True,
        )
    blocked = ws.blocked(force)
    if force:
        for change in ws.identity_changes():  # who a record is changes: always shown
            click.echo(f"identity of {change.display} changes:", err=True)
            click.echo(change.diff(), nl=False, err=True)
    if blocked:
        for change in blocked:
            click.echo(f"would change: {change.display}", err=True)
        click.echo(
            f"{summary}; nothing written: {plural(len(blocked), 'existing record')} would change.\n"
            "  fix: look at the changes with --dry-run, then run again with --force",
            err=True,
        )
        sys.exit(EXIT_NEEDS_CURATOR)
    for change in ws.write():
        click.echo(f"{'created' if change.status == 'new' else 'updated'} {change.display}")
    click.echo(f"{summary}; written in {time.perf_counter() - started:.2f} s", err=True)


@import_group.command("page")
@click.argument("file", metavar="FILE|-")
@click.option(
    "--id", "slug", metavar="SLUG", help="The consortium's slug (default: found or made)."
)
@click.option(
    "--status",
    type=click.Choice(["active", "completed", "inactive"]),
    help="The status, when the page's At a Glance gives none.",
)
@_import_options
@handle_errors
def import_page_command(
    file: str,
    slug: str | None,
    status: str | None,
    data_dir: Path,
    dry_run: bool,
    force: bool,
    yes: bool,
    quiet: bool,
) -> None:
    """Import a Consortia-pedia catalogue page (its text, as copied from a browser).

    Writes data/consortia/<slug>.yaml, the organisation records the page names (or links to
    existing ones) and data/sources/<page>.yaml. Sections the importer does not know are kept
    verbatim as notes; a missing section is a warning.
    """
    from consortia_kg.importers.inputs import read_input
    from consortia_kg.importers.page import MAX_PAGE_BYTES, import_page
    from consortia_kg.records.fieldtypes import FieldError, parse_slug

    started = time.perf_counter()
    if slug is not None:
        try:
            parse_slug(slug)
        except FieldError as exc:
            raise InputError(f"--id {exc.message}", hint=exc.fix) from None
    raw, display, path = read_input(file, MAX_PAGE_BYTES)
    ws = _workspace(data_dir, yes, interactive=file != "-" and sys.stdin.isatty())
    _, page = import_page(ws, raw, display, path, slug, status)
    for warning in page.warnings:
        click.echo(f"warning: {warning}", err=True)
    _finish(ws, dry_run, force, started, "import page")


@import_group.command("ror")
@click.argument("source", metavar="FILE.jsonl|FILE.json|DIR")
@click.option(
    "--consortium",
    "consortia",
    multiple=True,
    metavar="ROR_ID",
    help="Import this ROR record as a consortium record, not an organisation (repeatable).",
)
@_import_options
@handle_errors
def import_ror_command(
    source: str,
    consortia: tuple[str, ...],
    data_dir: Path,
    dry_run: bool,
    force: bool,
    yes: bool,
    quiet: bool,
) -> None:
    """Import ROR v2 records as organisation records (re-importing updates them in place).

    Every name with its language and types, types, status, established year, locations, links,
    domains, GRID, ISNI, FundRef and Wikidata ids, and relationships (to a record when the
    organisation is in the data, else to its ROR IRI). The ROR file becomes a source record.
    A record named with --consortium becomes a consortium record (name, acronym, aliases,
    status, year launched, homepage, ROR and Wikidata ids, location); records whose names say
    "Consortium" are listed as candidates.
    """
    from consortia_kg.importers.ror import consortium_rors, import_ror, read_ror

    started = time.perf_counter()
    rors = consortium_rors(consortia)
    data = read_ror(source)
    ws = _workspace(data_dir, yes, interactive=sys.stdin.isatty())
    if quiet:
        import_ror(ws, data, consortia=rors)
    else:
        with click.progressbar(
            length=len(data.records),
            label="importing ROR records",
            file=sys.stderr,
            show_pos=True,
        ) as bar:
            import_ror(ws, data, tick=lambda: bar.update(1), consortia=rors)
    _finish(ws, dry_run, force, started, f"import ror: {plural(len(data.records), 'ROR record')}")


@import_group.command("ga4gh-registry")
@click.argument("file", metavar="FILE.sql")
@_import_options
@handle_errors
def import_registry_command(
    file: str, data_dir: Path, dry_run: bool, force: bool, yes: bool, quiet: bool
) -> None:
    """Import the GA4GH registry's SQL dump: work streams, standards, organisations and more.

    GA4GH becomes (or updates) the consortium record, with its work streams as working groups
    and its standards and their versions; every other organisation of the dump an organisation
    record with the implementations it runs. The dump becomes a source record.
    """
    from consortia_kg.importers.ga4gh_registry import import_registry
    from consortia_kg.importers.inputs import read_input

    started = time.perf_counter()
    raw, display, path = read_input(file)
    ws = _workspace(data_dir, yes, interactive=sys.stdin.isatty())
    import_registry(ws, raw, display, path)
    _finish(ws, dry_run, force, started, "import ga4gh-registry")


@import_group.command("table")
@click.argument("consortium", metavar="CONSORTIUM")
@click.option(
    "--partners", "partners_file", type=click.Path(path_type=Path), metavar="FILE",
    help="The partner list (name, acronym, country, role, link, start, end): CSV, TSV or XLSX.",
)  # fmt: skip
@click.option(
    "--work-packages", "wp_file", type=click.Path(path_type=Path), metavar="FILE",
    help="The work-package list (id, title, lead organisation, member organisations).",
)  # fmt: skip
@click.option("--sheet", metavar="NAME", help="The sheet of an XLSX file (default: the first).")
@click.option(
    "--column", "columns", multiple=True, metavar="KEY=HEADER",
    help="Read KEY (name, acronym, country, role, link, start, end; id, title, lead, members) "
    "from the column headed HEADER. Repeatable.",
)  # fmt: skip
@click.option(
    "--create", is_flag=True,
    help="Write a new organisation record for each partner that matches none (listed).",
)  # fmt: skip
@_import_options
@handle_errors
def import_table_command(
    consortium: str,
    partners_file: Path | None,
    wp_file: Path | None,
    sheet: str | None,
    columns: tuple[str, ...],
    create: bool,
    data_dir: Path,
    dry_run: bool,
    force: bool,
    yes: bool,
    quiet: bool,
) -> None:
    """Import a consortium's partner list and/or work-package list into its record.

    Partners become the consortium's members (role, start, end), each name reconciled with its
    country; work packages become working groups (WP id → id, title → name, lead, members),
    their organisations found in the partner list first. Both sheets are read and checked
    fully before anything is planned: bad input writes nothing (exit 2). Names that wait for
    a curator go to data/review.yaml and nothing else is written (exit 1); names that match no
    record are listed (exit 1) unless --create.
    """
    from consortia_kg.importers.table import (
        import_table,
        parse_column_options,
        read_partners,
        read_work_packages,
    )

    started = time.perf_counter()
    if partners_file is None and wp_file is None:
        raise InputError("give --partners FILE, --work-packages FILE, or both", hint="see --help")
    given = parse_column_options(columns)
    partners = read_partners(partners_file, sheet, given) if partners_file else None
    packages = read_work_packages(wp_file, sheet, given) if wp_file else None
    ws = _workspace(data_dir, yes, interactive=sys.stdin.isatty())
    found = import_table(ws, consortium, partners, packages, create=create)
    if ws.pending or found.unmatched or found.unresolved:
        for message in ws.messages:
            click.echo(message, err=True)
        for proposal in ws.pending:
            click.echo(
                f'{proposal.where}: "{proposal.name}" may be organisation {proposal.candidate} '
                f'("{proposal.candidate_name}", {proposal.reason}, score {proposal.score:.0f})',
                err=True,
            )
        for p in found.unmatched:
            click.echo(f'{p.where}: "{p.name}" matches no organisation record', err=True)
        for where, name in found.unresolved:
            click.echo(f'{where}: "{name}" is neither in the partner list nor a record', err=True)
        fixes = []
        if ws.pending:
            if not dry_run:
                ws.review.save()
            fixes.append(
                f"accept or reject each proposal in {display_path(ws.review.path)} "
                "(or `consortia-kg review`), then import again"
            )
        if found.unmatched:
            fixes.append("run again with --create to write a record for each partner listed")
        if found.unresolved:
            fixes.append("add them to the partner list, or correct the names")
        click.echo(
            "import table: nothing written"
            + ("" if not ws.pending or dry_run else " but the review file")
            + ".\n  fix: "
            + "; ".join(fixes),
            err=True,
        )
        sys.exit(EXIT_NEEDS_CURATOR)
    for slug in found.created:
        click.echo(f"new organisation: {slug}", err=True)
    what = (
        f"import table: {plural(len(found.partners), 'partner')}, "
        f"{plural(len(found.work_packages), 'work package')}"
    )
    _finish(ws, dry_run, force, started, what)


@import_group.command("cordis")
@click.argument("projects", metavar="PROJECTS", type=click.Path(path_type=Path))
@click.argument("organisations", metavar="ORGANISATIONS", type=click.Path(path_type=Path))
@click.option(
    "--id", "ident", required=True, metavar="ID", help="The snapshot's id: data/registries/ID/."
)
@click.option(
    "--upstream",
    default="https://cordis.europa.eu/",
    show_default=True,
    metavar="URL",
    help="Where the files were downloaded from.",
)
@click.option(
    "--taken", metavar="YYYY-MM-DD", help="The day they were downloaded (default: today)."
)
@click.option(
    "--force", is_flag=True, help="Replace an existing snapshot (the changes are printed)."
)
@data_option
@quiet_option
@handle_errors
def import_cordis_command(
    projects: Path,
    organisations: Path,
    ident: str,
    upstream: str,
    taken: str | None,
    force: bool,
    data_dir: Path,
    quiet: bool,
) -> None:
    """Stage CORDIS's projects and organisations files as the registry snapshot ID.

    PROJECTS and ORGANISATIONS are the two files of a CORDIS bulk download (FP7, H2020 or
    Horizon Europe; CSV, JSON or XLSX, .csv.gz and .json.gz too). Both are read fully first:
    an error anywhere writes nothing (exit 2). The build maps the snapshot: each project with
    two organisations or more becomes a consortium, each organisation row a membership.
    """
    # the importer and the report: only this command pays for them
    from consortia_kg.importers.cordis import (
        check_files,
        snapshot_dir,
        stage_snapshot,
        summary_lines,
    )
    from consortia_kg.validate.report import format_text, sort_problems

    started = time.perf_counter()
    folder = snapshot_dir(data_dir, ident)
    checked = check_files(projects, organisations)
    if checked.problems:
        report = format_text(sort_problems(checked.problems), 0).rstrip("\n")
        click.echo(report.rsplit("\n", 1)[0], err=True)  # our own count line follows
        errors = len(checked.errors)
        click.echo(
            f"{plural(errors, 'error')}, {plural(len(checked.problems) - errors, 'warning')} "
            "in the CORDIS files",
            err=True,
        )
    if checked.errors:
        raise InputError(
            f"import cordis: {plural(len(checked.errors), 'error')} in the input; nothing written",
            hint="correct the rows named above as CORDIS publishes them (or download the "
            "files again), then import again",
        )
    staged = stage_snapshot(folder, checked, upstream=upstream, taken=taken, force=force)
    for line in staged.diff:
        click.echo(line)
    for path in staged.written:
        click.echo(f"{'replaced' if staged.replaced else 'created'} {path}")
    if not quiet:
        for line in summary_lines(checked):
            click.echo(line, err=True)
    warnings = len(checked.problems)
    click.echo(
        f"import cordis: snapshot {ident} {'replaced' if staged.replaced else 'written'} "
        f"({plural(warnings, 'warning')}) in "
        f"{time.perf_counter() - started:.2f} s; `consortia-kg build` maps it",
        err=True,
    )


@click.command()
@click.argument("name")
@data_option
@click.option(
    "--kind",
    type=click.Choice(["organisation", "consortium"]),
    default="organisation",
    show_default=True,
    help="Which records to match against.",
)
@click.option("--country", default="", metavar="CODE", help="Its country (ISO 3166 alpha-2).")
@click.option("--city", default="", help="Its city.")
@click.option("--acronym", default="", help="Its acronym.")
@click.option(
    "--id",
    "ids",
    multiple=True,
    metavar="SCHEME:VALUE",
    help="An identifier it has (pic:999988230, gepris:10081, ror:…, wikidata:Q…); repeatable.",
)
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@handle_errors
def reconcile(
    name: str,
    data_dir: Path,
    kind: str,
    country: str,
    city: str,
    acronym: str,
    ids: tuple[str, ...],
    limit: int,
    fmt: str,
) -> None:
    """List the records NAME may mean, best first, with scores (0-100).

    NAME may also be a ROR IRI or a Wikidata id (Q…). 100: the same identifier or name
    (case, accents, punctuation and spacing aside). `certain` marks what an import links
    without a curator: the same identifier, or the same name with no country conflict and no
    other record as good; everything else an import proposes in data/review.yaml. A country
    that differs caps the score at 70. Below 60 nothing is shown.
    """
    from consortia_kg.reconcile import SHOW_SCORE, Query

    if not name.strip():
        raise InputError("the name is empty", hint='give a name, e.g. reconcile "EMBL-EBI"')
    identifiers = [_identifier(text) for text in ids]
    if country and not (len(country.strip()) == 2 and country.strip().isalpha()):
        raise InputError(f"--country {country!r} is not an ISO 3166 alpha-2 code",
                         hint="give two letters, e.g. --country DE")  # fmt: skip
    ws = _workspace(data_dir, yes=False, interactive=False)
    text = name.strip()
    if text.startswith("https://ror.org/"):
        identifiers.append(("ror", text))
    elif text[:1] == "Q" and text[1:].isdigit():
        identifiers.append(("wikidata", text))
    by_id = any(v == text for _, v in identifiers)
    query = Query("" if by_id else text, acronym, country, city, tuple(identifiers), kind)
    found = ws.reconciler.match(query, floor=SHOW_SCORE, limit=limit)
    if fmt == "json":
        click.echo(json.dumps([c.as_dict() for c in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo(f'no {kind} record matches "{name}" (nothing scores {SHOW_SCORE:.0f} or more)')
        return
    width = max(len(c.key) for c in found)
    click.echo(f"{'score':>5}  {'':7}  {'slug':<{width}}  name  (why)")
    for c in found:
        why = c.reason if c.matched == c.name else f'{c.reason}: "{c.matched}"'
        why = "; ".join((why, *c.evidence))
        sure = "certain" if c.certain else ""
        click.echo(f"{c.score:5.1f}  {sure:7}  {c.key:<{width}}  {c.name}  ({why})")


def _identifier(text: str) -> tuple[str, str]:
    from consortia_kg.records.schema import IDENTIFIER_SCHEMES

    scheme, sep, value = text.partition(":")
    schemes = ("ror", *IDENTIFIER_SCHEMES)
    if not sep or scheme not in schemes or not value.strip():
        raise InputError(
            f"--id {text!r} is not SCHEME:VALUE",
            hint=f"schemes: {', '.join(schemes)}; e.g. --id pic:999988230",
        )
    return scheme, value.strip()
