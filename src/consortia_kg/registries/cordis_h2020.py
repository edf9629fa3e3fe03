"""Map the CORDIS Horizon 2020 participation table: projects of two organisations or more.

Three files (``docs/registries.md`` says where each comes from): ``participations`` (one row
per organisation in a project), ``programme_parts`` (``rcn,programme_part``) and
``organisations`` (a 2017 table naming about half of the PICs).

- A project with **two organisations or more** becomes a Consortium (``consortium/cordis-<rcn>``)
  with one ``org:Membership`` per row: role, EC contribution, the project's dates.
- A **single-beneficiary grant** (one organisation: mostly ERC and MSCA grants) is no
  collaboration: it is not mapped; the build says how many were left out.
- An organisation is ``organisation/pic-<pic>``: named, typed and placed when the 2017 table
  knows it, otherwise known by its PIC only (and its page says so).

What the data gets wrong becomes a finding at ``file:row``: a second coordinator of a project is
a warning (the rows are kept as published); a value that cannot be read (a PIC that is not a
number, a date that is not one, a row repeated) is an error, and nothing is published.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from consortia_kg.errors import Severity
from consortia_kg.registries.cordis_terms import (
    ACTIVITY_TYPES,
    CONSORTIUM,
    EC_MAX,
    END,
    FRAMEWORK,
    IDENTIFIER,
    LABEL,
    MISSING,
    NAME,
    PROJECT,
    ROLES,
    SEE_ALSO,
    SOURCE,
    START,
    STATUS,
    TOTAL_COST,
    A,
    Org,
    as_date,
    as_decimal,
    country_code,
    http_url,
    programme_part,
    project_iri,
    project_page,
)
from consortia_kg.registries.quads import Claims, QuadSink, iri, literal, typed
from consortia_kg.registries.snapshot import Snapshot, SnapshotFile, read_csv_rows, row_problem
from consortia_kg.vocab import CKG

__all__ = ["FILES", "map_snapshot"]

#: The files this mapping reads, by role, with the columns it reads from each.
FILES = {
    "participations": (
        "rcn",
        "role",
        "pic",
        "type",
        "contribution",
        "country",
        "start_date",
        "end_date",
        "max_contribution",
        "total_cost",
    ),
    "programme_parts": ("rcn", "programme_part"),
    "organisations": (
        "orgId",
        "name",
        "shortName",
        "activityType",
        "country",
        "city",
        "street",
        "postCode",
        "organizationUrl",
    ),
}


@dataclass
class _Row:
    number: int
    pic: str
    role: str
    activity: str
    country: str | None
    contribution: str | None


@dataclass
class _Project:
    rcn: str
    first_row: int
    start: str | None
    end: str | None
    max_contribution: str | None
    total_cost: str | None
    rows: list[_Row] = field(default_factory=list)


def _checked(
    out: QuadSink, file: SnapshotFile, number: int, column: str, value: str, read: type | object
) -> str | None:
    try:
        return read(value)  # type: ignore[operator,no-any-return]
    except ValueError as exc:
        out.problems.append(
            row_problem(
                file,
                number,
                column,
                f"{column} {exc}",
                fix=f"correct {column} in row {number} of {file.path.name} as the "
                "registry publishes it (or take the snapshot again)",
            )
        )
        return None


def _read_projects(snapshot: Snapshot, out: QuadSink) -> dict[str, _Project]:
    file = snapshot.file("participations")
    projects: dict[str, _Project] = {}
    seen: dict[tuple[str, str], int] = {}
    coordinators: dict[str, int] = {}
    for number, row in read_csv_rows(file, FILES["participations"]):
        rcn, pic, role = row["rcn"], row["pic"], row["role"]
        if not rcn.isdigit() or not pic.isdigit():
            column, value = ("rcn", rcn) if not rcn.isdigit() else ("pic", pic)
            out.problems.append(
                row_problem(
                    file,
                    number,
                    column,
                    f"{column} `{value}` is not a number",
                    why="a project is known by its record number, an organisation by its "
                    "PIC: both are digits",
                    fix=f"restore row {number} as published (a spreadsheet may have "
                    "turned the number into text or a date)",
                )
            )
            continue
        if role not in ROLES:
            out.problems.append(
                row_problem(
                    file,
                    number,
                    "role",
                    f"role `{role}` is not a CORDIS role",
                    fix="use one of " + ", ".join(ROLES),
                )
            )
            continue
        first = seen.setdefault((rcn, pic), number)
        if first != number:
            out.problems.append(
                row_problem(
                    file,
                    number,
                    "pic",
                    f"organisation {pic} is listed twice in project {rcn} (rows {first} "
                    f"and {number})",
                    why="one organisation takes part in a project once; a repeated row "
                    "would count it twice",
                    fix=f"remove row {number} (or row {first})",
                )
            )
            continue
        if role == "coordinator":
            earlier = coordinators.setdefault(rcn, number)
            if earlier != number:
                out.problems.append(
                    row_problem(
                        file,
                        number,
                        "role",
                        f"project {rcn} has a second coordinator, {pic} (the first is "
                        f"in row {earlier})",
                        why="a project has one coordinator; both rows are kept as "
                        "CORDIS published them",
                        fix="nothing to do in the snapshot; report it to CORDIS if it matters",
                        severity=Severity.WARNING,
                    )
                )
        start = _checked(out, file, number, "start_date", row["start_date"], as_date)
        end = _checked(out, file, number, "end_date", row["end_date"], as_date)
        project = projects.get(rcn)
        if project is None:
            project = projects[rcn] = _Project(
                rcn,
                number,
                start,
                end,
                _checked(
                    out, file, number, "max_contribution", row["max_contribution"], as_decimal
                ),
                _checked(out, file, number, "total_cost", row["total_cost"], as_decimal),
            )
        elif (start, end) != (project.start, project.end):
            out.problems.append(
                row_problem(
                    file,
                    number,
                    "start_date",
                    f"project {rcn} has other dates here than in row {project.first_row}",
                    why="a project's dates are the same in each of its rows; the first "
                    "row's are used",
                    fix="nothing to do; report it to CORDIS",
                    severity=Severity.WARNING,
                )
            )
        activity = row["type"]
        if activity not in ACTIVITY_TYPES and activity not in MISSING:
            out.problems.append(
                row_problem(
                    file,
                    number,
                    "type",
                    f"activity type `{activity}` is not known",
                    fix="use one of " + ", ".join(ACTIVITY_TYPES),
                    severity=Severity.WARNING,
                )
            )
        project.rows.append(
            _Row(
                number,
                pic,
                role,
                activity,
                _checked(out, file, number, "country", row["country"], country_code),
                _checked(out, file, number, "contribution", row["contribution"], as_decimal),
            )
        )
    return projects


def _read_parts(
    snapshot: Snapshot, out: QuadSink, projects: dict[str, _Project]
) -> dict[str, list[str]]:
    file = snapshot.file("programme_parts")
    parts: dict[str, list[str]] = defaultdict(list)
    for number, row in read_csv_rows(file, FILES["programme_parts"]):
        rcn, part = row["rcn"], row["programme_part"].strip()
        if rcn not in projects:
            out.problems.append(
                row_problem(
                    file,
                    number,
                    "rcn",
                    f"project {rcn} has a programme part but no participation",
                    why="only projects with participations are mapped",
                    fix="nothing to do; the row is not used",
                    severity=Severity.WARNING,
                )
            )
            continue
        if part in MISSING:
            continue
        if part in parts[rcn]:
            out.problems.append(
                row_problem(
                    file,
                    number,
                    "programme_part",
                    f"project {rcn} lists programme part {part} twice",
                    fix=f"remove row {number}",
                )
            )
            continue
        parts[rcn].append(part)
    return parts


@dataclass
class _Named:
    name: str
    short_name: str
    activity: str
    country: str | None
    city: str
    street: str
    postcode: str
    url: str | None


def _read_names(snapshot: Snapshot, out: QuadSink) -> dict[str, _Named]:
    file = snapshot.file("organisations")
    named: dict[str, _Named] = {}
    first_rows: dict[str, int] = {}
    for number, row in read_csv_rows(file, FILES["organisations"]):
        pic = row["orgId"].strip()
        if not pic.isdigit():
            empty = not pic
            out.problems.append(
                row_problem(
                    file,
                    number,
                    "orgId",
                    f"organisation `{row['name']}` has no PIC"
                    if empty
                    else f"orgId `{pic}` is not a PIC",
                    why="the table is joined to the participations by PIC; the row "
                    "cannot be joined and is not used",
                    fix="nothing to do in the snapshot"
                    if empty
                    else f"restore row {number} as published",
                    severity=Severity.WARNING if empty else Severity.VIOLATION,
                )
            )
            continue
        first = first_rows.setdefault(pic, number)
        if first != number:
            out.problems.append(
                row_problem(
                    file,
                    number,
                    "orgId",
                    f"organisation {pic} is named twice (rows {first} and {number})",
                    fix=f"remove row {number} (or row {first})",
                )
            )
            continue
        named[pic] = _Named(
            row["name"].strip(),
            row["shortName"].strip(),
            row["activityType"],
            _checked(out, file, number, "country", row["country"], country_code),
            row["city"].strip(),
            row["street"].strip(),
            row["postCode"].strip(),
            http_url(row["organizationUrl"]),
        )
    return named


@dataclass
class Summary:
    """What the mapping made of the snapshot (reported by the build)."""

    consortia: int = 0
    memberships: int = 0
    single_beneficiary: int = 0
    organisations: int = 0
    named: int = 0


def map_snapshot(snapshot: Snapshot, base: str, claims: Claims, out: QuadSink, source: str) -> str:
    """Write the snapshot's consortia, memberships and organisations; return a summary line."""
    projects = _read_projects(snapshot, out)
    parts = _read_parts(snapshot, out, projects)
    named = _read_names(snapshot, out)
    orgs = Org(base, claims, out, source)
    summary = Summary()
    seen_parts: set[str] = set()
    described: set[str] = set()
    framework = literal("H2020")
    completed, active = iri(CKG + "status-completed"), iri(CKG + "status-active")
    for rcn in sorted(projects, key=int):
        project = projects[rcn]
        if len(project.rows) < 2:
            summary.single_beneficiary += 1
            continue
        summary.consortia += 1
        c = iri(project_iri(base, rcn))
        out.add(c, A, CONSORTIUM)
        out.add(c, A, PROJECT)
        title = literal(f"H2020 project {rcn}")
        out.add(c, LABEL, title)
        out.add(c, NAME, title)
        out.add(c, IDENTIFIER, literal(f"cordis-rcn:{rcn}"))
        out.add(c, SEE_ALSO, iri(project_page(rcn)))
        out.add(c, FRAMEWORK, framework)
        out.add(c, SOURCE, source)
        if project.start:
            out.add(c, START, typed(project.start, "date"))
        if project.end:
            out.add(c, END, typed(project.end, "date"))
            # derived: ended before the snapshot was taken, or not (documented)
            out.add(c, STATUS, completed if project.end < snapshot.taken else active)
        if project.max_contribution:
            out.add(c, EC_MAX, typed(project.max_contribution, "decimal"))
        if project.total_cost:
            out.add(c, TOTAL_COST, typed(project.total_cost, "decimal"))
        for part in parts.get(rcn, ()):
            programme_part(base, out, c, part, seen_parts)
        for row in project.rows:
            summary.memberships += 1
            orgs.membership(
                c,
                row.pic,
                row.role,
                contribution=row.contribution,
                start=project.start,
                end=project.end,
            )
            if row.pic in described:
                continue
            described.add(row.pic)
            known = named.get(row.pic)
            if known is None:
                orgs.describe(
                    row.pic, name=None, short_name=None, activity=row.activity, country=row.country
                )
                continue
            summary.named += 1
            orgs.describe(
                row.pic,
                name=known.name,
                short_name=known.short_name,
                activity=known.activity if known.activity in ACTIVITY_TYPES else row.activity,
                country=known.country or row.country,
                city=known.city,
                street=known.street,
                postcode=known.postcode,
                url=known.url,
            )
    summary.organisations = len(described)
    return (
        f"{summary.consortia} consortia, {summary.memberships} memberships, "
        f"{summary.organisations} organisations ({summary.named} named, the others known by "
        f"PIC only); {summary.single_beneficiary} single-beneficiary grants not mapped"
    )
