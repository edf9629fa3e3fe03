"""Map CORDIS's bulk downloads (projects + organisations, FP7, H2020 or Horizon Europe).

Two files (:mod:`.cordis_files` reads either in its CSV, JSON or XLSX form): ``projects`` (one
row per grant) and ``organisations`` (one row per organisation in a project). The IRIs are the
Horizon 2020 table's (:mod:`.cordis_terms`), so both snapshots speak of the same nodes:

- A project with **two organisations or more** becomes a Consortium and a
  schema:ResearchProject ``consortium/cordis-<rcn>``: its acronym, title, objective, framework
  programme, funding scheme, EC maximum and total cost, dates, grant number and record number,
  and its CORDIS page. A project without a record number is ``consortium/cordis-grant-<id>``
  (a warning: CORDIS gives every project one, so its IRI will change when it does).
- Each organisation row is an ``org:Membership``: role, EC contribution, and where the file has
  them (Horizon Europe) the net EC contribution, the organisation's total cost and whether its
  participation ended early.
- An organisation is ``organisation/pic-<PIC>``: named, typed and placed (street, post code,
  city, country, latitude and longitude) from its first row.
- A **single-beneficiary grant** (one organisation) is no collaboration: it is not mapped, and
  the summary counts it, as the Horizon 2020 mapping does.

A value that cannot be read (a PIC or grant number that is not a number, a date that is not
one, an amount that is no amount, an unknown role, a row repeated) is an error at
``file:row`` and nothing is published; an oddity of the data (an organisation whose project has
no row, an organisation in a project twice in two roles) is a warning and kept as published.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from consortia_kg import iris
from consortia_kg.errors import Severity
from consortia_kg.registries.cordis_files import (
    ORGANISATION_NEEDS,
    PROJECT_NEEDS,
    file_form,
    read_rows,
)
from consortia_kg.registries.cordis_terms import (
    ACRONYM,
    ACTIVITY_TYPES,
    CONSORTIUM,
    DESCRIPTION,
    EC_MAX,
    END,
    FRAMEWORK,
    FUNDING_SCHEME,
    IDENTIFIER,
    LABEL,
    LATITUDE,
    LOCATION,
    LONGITUDE,
    NAME,
    PROJECT,
    ROLES,
    SEE_ALSO,
    SOURCE,
    START,
    TITLE,
    TOTAL_COST,
    A,
    Org,
    as_date,
    as_decimal,
    country_code,
    http_url,
    project_iri,
    project_page,
)
from consortia_kg.registries.quads import Claims, QuadSink, iri, literal, typed
from consortia_kg.registries.snapshot import Snapshot, SnapshotFile, row_problem
from consortia_kg.vocab import CKG

__all__ = ["FILES", "Summary", "map_files", "map_snapshot"]

#: The files this mapping reads, by role, with the columns each must have.
FILES = {"projects": PROJECT_NEEDS, "organisations": ORGANISATION_NEEDS}

NET_EC_CONTRIBUTION = iri(CKG + "netEcContribution")
END_OF_PARTICIPATION = iri(CKG + "endOfParticipation")
_BOOLEANS = {"true": "true", "false": "false", "1": "true", "0": "false", "": ""}


@dataclass
class _Member:
    number: int
    pic: str
    role: str
    name: str
    short_name: str
    activity: str
    country: str | None
    city: str
    street: str
    postcode: str
    url: str | None
    latitude: str | None
    longitude: str | None
    contribution: str | None
    net_contribution: str | None
    total_cost: str | None
    ended: str


@dataclass
class _Project:
    number: int
    grant: str
    rcn: str
    acronym: str
    title: str
    objective: str
    framework: str
    funding_scheme: str
    start: str | None
    end: str | None
    max_contribution: str | None
    total_cost: str | None
    members: list[_Member] = field(default_factory=list)


@dataclass
class Summary:
    """What the mapping made of the two files (the build and the importer report it)."""

    projects: int = 0
    organisation_rows: int = 0
    consortia: int = 0
    memberships: int = 0
    roles: Counter[str] = field(default_factory=Counter)
    organisations: int = 0
    single_beneficiary: int = 0
    without_organisations: int = 0
    frameworks: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        """One line: consortia, memberships by role, organisations, what was left out."""
        roles = ", ".join(f"{n} {role}" for role, n in sorted(self.roles.items()))
        return (
            f"{self.consortia} consortia, {self.memberships} memberships ({roles}), "
            f"{self.organisations} organisations; {self.single_beneficiary} single-beneficiary "
            f"grants and {self.without_organisations} projects without organisations not mapped"
        )


class _Reader:
    """Check one file's values, each at its row, in the file's own words."""

    def __init__(self, file: SnapshotFile, out: QuadSink) -> None:
        self.file, self.out = file, out
        #: how the file's rows are called (a JSON file's are objects)
        self.row = "object" if file_form(file.path) == "json" else "row"

    def error(
        self, number: int, column: str, message: str, fix: str, why: str = "", warn: bool = False
    ) -> None:
        self.out.problems.append(
            row_problem(
                self.file,
                number,
                column,
                message,
                why=why,
                fix=fix,
                severity=Severity.WARNING if warn else Severity.VIOLATION,
            )
        )

    def value(
        self, number: int, row: dict[str, str], column: str, read: object, whose: str
    ) -> str | None:
        raw = row.get(column, "").strip()
        try:
            return read(raw)  # type: ignore[operator,no-any-return]
        except ValueError as exc:
            said = str(exc) if "`" in str(exc) else f"`{raw}` cannot be read ({exc})"
            self.error(
                number,
                column,
                f"{whose}: {column} {said}",
                fix=f"correct {column} in {self.row} {number} of {self.file.path.name} as CORDIS "
                "publishes it (or download the file again)",
            )
            return None

    def joined(self, number: int, row: dict[str, str], column: str, whose: str) -> str:
        """Return a value CORDIS may join with ``;`` (``PRC;PRC``), once; warn when they differ."""
        values = list(dict.fromkeys(v.strip() for v in row.get(column, "").split(";")))
        if len(values) > 1:
            self.error(
                number,
                column,
                f"{whose}: {column} holds several values ({row[column]}); the first is used",
                why="CORDIS joins the values of an organisation's merged records with `;`",
                fix="nothing to do in the file; report it to CORDIS if it matters",
                warn=True,
            )
        return values[0]


def _as_number(value: str) -> str | None:
    if value.isdigit():
        return value
    raise ValueError(f"`{value}` is not a number")


def _as_boolean(value: str) -> str:
    if value.lower() in _BOOLEANS:
        return _BOOLEANS[value.lower()]
    raise ValueError(f"`{value}` is not true or false")


def _as_coordinates(value: str) -> tuple[str, str] | None:
    if not value:
        return None
    try:
        lat, lng = (Decimal(part.strip()) for part in value.split(","))
        if abs(lat) <= 90 and abs(lng) <= 180:
            return format(lat, "f"), format(lng, "f")
    except (ValueError, InvalidOperation):
        pass
    raise ValueError(f"`{value}` is not a latitude and longitude (lat,lng)")


def _read_projects(file: SnapshotFile, out: QuadSink, summary: Summary) -> dict[str, _Project]:
    read = _Reader(file, out)
    projects: dict[str, _Project] = {}
    for number, row in read_rows(file, PROJECT_NEEDS):
        summary.projects += 1
        grant, rcn = row["id"].strip(), row["rcn"].strip()
        if not grant.isdigit():
            read.error(
                number,
                "id",
                f"grant number `{grant}` is not a number",
                why="a project is known by its grant number: digits",
                fix=f"restore {read.row} {number} as published (a spreadsheet may have turned the "
                "number into text)",
            )
            continue
        if rcn and not rcn.isdigit():
            read.error(
                number,
                "rcn",
                f"grant {grant}: record number `{rcn}` is not a number",
                fix=f"restore {read.row} {number} as published",
            )
            continue
        if not rcn:
            read.error(
                number,
                "rcn",
                f"grant {grant} has no record number (rcn); it is mapped as cordis-grant-{grant}",
                why="a project's IRI is made from its CORDIS record number, which the Horizon "
                "2020 table uses too; without one the IRI will change once CORDIS gives it",
                fix="nothing to do in the file; take the snapshot again later",
                warn=True,
            )
        if grant in projects:
            read.error(
                number,
                "id",
                f"grant {grant} is listed twice (rows {projects[grant].number} and {number})",
                why="one grant is one project; a repeated row would be mapped twice",
                fix=f"remove {read.row} {number} (or {read.row} {projects[grant].number})",
            )
            continue
        whose = f"grant {grant}"
        framework = row["frameworkProgramme"].strip()
        summary.frameworks[framework or "?"] += 1
        projects[grant] = _Project(
            number,
            grant,
            rcn,
            row["acronym"].strip(),
            row["title"].strip(),
            row["objective"].strip(),
            framework,
            row["fundingScheme"].strip(),
            read.value(number, row, "startDate", as_date, whose),
            read.value(number, row, "endDate", as_date, whose),
            read.value(number, row, "ecMaxContribution", as_decimal, whose),
            read.value(number, row, "totalCost", as_decimal, whose),
        )
    return projects


def _read_organisations(
    file: SnapshotFile, out: QuadSink, projects: dict[str, _Project], summary: Summary
) -> None:
    read = _Reader(file, out)
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    for number, row in read_rows(file, ORGANISATION_NEEDS):
        summary.organisation_rows += 1
        grant, pic, role = row["projectID"].strip(), row["organisationID"].strip(), row["role"]
        for column, value, what in (("projectID", grant, "grant"), ("organisationID", pic, "PIC")):
            if not value.isdigit():
                read.error(
                    number,
                    column,
                    f"{what} `{value}` is not a number"
                    + (f" (grant {grant})" if what == "PIC" else ""),
                    why="a project is known by its grant number, an organisation by its PIC "
                    "(Participant Identification Code): both are digits",
                    fix=f"restore {read.row} {number} as published (a spreadsheet may have turned "
                    "the number into text or a date)",
                )
                break
        else:
            whose = f"grant {grant}, PIC {pic}"
            if role not in ROLES:
                read.error(
                    number,
                    "role",
                    f"{whose}: role `{role}` is not a CORDIS role",
                    fix="use one of " + ", ".join(ROLES),
                )
                continue
            first = seen.setdefault((grant, pic), (number, role))
            if first[0] != number:
                same = first[1] == role
                read.error(
                    number,
                    "organisationID",
                    f"{whose}: the organisation is listed twice in the project (rows "
                    f"{first[0]} and {number}" + (")" if same else f", as {first[1]} and {role})"),
                    why="a repeated row would count the organisation twice"
                    if same
                    else "an organisation may change role during a project (a participant "
                    "that ends its participation and stays as a third party); one membership "
                    "is mapped, from the first row",
                    fix=f"remove {read.row} {number} (or {read.row} {first[0]})"
                    if same
                    else "nothing to do in the file",
                    warn=not same,
                )
                continue
            project = projects.get(grant)
            if project is None:
                read.error(
                    number,
                    "projectID",
                    f"{whose}: grant {grant} has no row in the projects file",
                    why="only the projects of the projects file are mapped; the row is not used",
                    fix="download the projects and organisations files of the same search",
                    warn=True,
                )
                continue
            activity = read.joined(number, row, "activityType", whose)
            if activity and activity not in ACTIVITY_TYPES:
                read.error(
                    number,
                    "activityType",
                    f"{whose}: activity type `{activity}` is not known",
                    fix="use one of " + ", ".join(ACTIVITY_TYPES),
                    warn=True,
                )
            country = read.joined(number, row, "country", whose)
            place = read.value(number, row, "geolocation", _as_coordinates, whose)
            ended = read.value(number, row, "endOfParticipation", _as_boolean, whose)
            project.members.append(
                _Member(
                    number,
                    pic,
                    role,
                    row["name"].strip(),
                    row["shortName"].strip(),
                    activity,
                    read.value(number, {"country": country}, "country", country_code, whose),
                    row["city"].strip(),
                    row["street"].strip(),
                    row["postCode"].strip(),
                    http_url(row["organizationURL"]),
                    place[0] if place else None,
                    place[1] if place else None,
                    read.value(number, row, "ecContribution", as_decimal, whose),
                    read.value(number, row, "netEcContribution", as_decimal, whose),
                    read.value(number, row, "totalCost", as_decimal, whose),
                    ended or "",
                )
            )


def map_files(
    projects_file: SnapshotFile,
    organisations_file: SnapshotFile,
    base: str,
    claims: Claims,
    out: QuadSink,
    source: str,
) -> Summary:
    """Read both files fully (every finding into ``out.problems``) and write their quads."""
    summary = Summary()
    projects = _read_projects(projects_file, out, summary)
    _read_organisations(organisations_file, out, projects, summary)
    orgs = Org(base, claims, out, source)
    described: set[str] = set()
    for project in sorted(projects.values(), key=lambda p: (int(p.rcn or 0), int(p.grant))):
        if len(project.members) < 2:
            if project.members:
                summary.single_beneficiary += 1
            else:
                summary.without_organisations += 1
            continue
        c = _write_project(project, base, out, source)
        summary.consortia += 1
        for member in project.members:
            summary.memberships += 1
            summary.roles[member.role] += 1
            _write_member(orgs, c, project, member, member.pic not in described)
            described.add(member.pic)
    summary.organisations = len(described)
    return summary


def _write_project(project: _Project, base: str, out: QuadSink, source: str) -> str:
    slug_or_rcn = project.rcn or f"grant-{project.grant}"
    c = iri(project_iri(base, slug_or_rcn))
    out.add(c, A, CONSORTIUM)
    out.add(c, A, PROJECT)
    label = literal(project.acronym or project.title or f"grant {project.grant}")
    out.add(c, LABEL, label)
    out.add(c, NAME, label)
    out.text(c, ACRONYM, project.acronym)
    out.text(c, TITLE, project.title)
    out.text(c, DESCRIPTION, project.objective)
    out.text(c, FRAMEWORK, project.framework)
    out.text(c, FUNDING_SCHEME, project.funding_scheme)
    out.add(c, IDENTIFIER, literal(f"cordis-grant:{project.grant}"))
    if project.rcn:
        out.add(c, IDENTIFIER, literal(f"cordis-rcn:{project.rcn}"))
        out.add(c, SEE_ALSO, iri(project_page(project.rcn)))
    out.add(c, SOURCE, source)
    if project.start:
        out.add(c, START, typed(project.start, "date"))
    if project.end:
        out.add(c, END, typed(project.end, "date"))
    if project.max_contribution:
        out.add(c, EC_MAX, typed(project.max_contribution, "decimal"))
    if project.total_cost:
        out.add(c, TOTAL_COST, typed(project.total_cost, "decimal"))
    return c


def _write_member(orgs: Org, c: str, project: _Project, member: _Member, first: bool) -> None:
    orgs.membership(
        c,
        member.pic,
        member.role,
        contribution=member.contribution,
        start=project.start,
        end=project.end,
    )
    o, slug = orgs.node(member.pic)
    m = iri(iris.membership_iri(c[1:-1], slug))
    out = orgs.out
    if member.net_contribution is not None:
        out.add(m, NET_EC_CONTRIBUTION, typed(member.net_contribution, "decimal"))
    if member.total_cost is not None:
        out.add(m, TOTAL_COST, typed(member.total_cost, "decimal"))
    if member.ended:
        out.add(m, END_OF_PARTICIPATION, typed(member.ended, "boolean"))
    if not first:
        return
    orgs.describe(
        member.pic,
        name=member.name or None,
        short_name=member.short_name or None,
        activity=member.activity,
        country=member.country,
        city=member.city,
        street=member.street,
        postcode=member.postcode,
        url=member.url,
    )
    if member.country and member.latitude and not orgs.states(o, LOCATION):
        place = iri(iris.location_iri(o[1:-1], 1))
        out.add(place, LATITUDE, typed(member.latitude, "decimal"))
        out.add(place, LONGITUDE, typed(member.longitude or "", "decimal"))


def map_snapshot(snapshot: Snapshot, base: str, claims: Claims, out: QuadSink, source: str) -> str:
    """Write the snapshot's consortia, memberships and organisations; return a summary line."""
    summary = map_files(
        snapshot.file("projects"), snapshot.file("organisations"), base, claims, out, source
    )
    return summary.line()
