"""Map the NFDI consortia as GEPRIS describes them (UB Mannheim's compilation of the pages).

One file, ``consortia`` (``docs/registries.md`` says where it comes from): one row per
consortium of the German National Research Data Infrastructure.

- A row becomes a Consortium ``consortium/gepris-<project number>``, named by its acronym
  (``title``), matched to its GEPRIS project page, with its homepage, description, DFG subject
  areas (concepts ``subject-area/<slug>``) and ``ckg:frameworkProgramme "NFDI"``.
- The four institution columns hold Python-literal lists of ``(name, GEPRIS institution page)``
  pairs, read with ``ast.literal_eval`` (which evaluates literals only, never code). Each
  institution is ``organisation/gepris-<institution number>`` with one ``org:Membership`` per
  consortium, its role the column's: applicant, co-applicant, participant, cooperation-partner.
- An organisation record naming ``gepris:<number>`` among its identifiers speaks for the
  institution: its IRI is used and its own properties win.

Findings at ``file:row``: a cell that is not such a list, a project or institution page that is
not GEPRIS's (errors); an institution listed twice in one role of a consortium (kept once),
one institution under two names, two institutions under one name, and a GEPRIS *person* page
among the cooperation partners (people are not published here: left out) are warnings.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from consortia_kg import iris
from consortia_kg.errors import Severity
from consortia_kg.registries.cordis_terms import (
    ACRONYM,
    CONCEPT,
    CONSORTIUM,
    DESCRIPTION,
    FORMAL_ORG,
    FRAMEWORK,
    IDENTIFIER,
    IN_SCHEME,
    LABEL,
    NAME,
    PREF_LABEL,
    PROJECT,
    SCHEMA_ORG,
    SOURCE,
    URL,
    A,
    http_url,
)
from consortia_kg.registries.memberships import MembershipWriter
from consortia_kg.registries.quads import Claims, QuadSink, iri, literal
from consortia_kg.registries.snapshot import Snapshot, SnapshotFile, read_csv_rows, row_problem
from consortia_kg.vocab import CKG, DCTERMS, SKOS

__all__ = ["FILES", "ROLE_COLUMNS", "SUBJECT_AREAS_WITH_COMMAS", "map_snapshot", "subject_areas"]

#: The institution columns and the membership role each stands for.
ROLE_COLUMNS = {
    "Applying institution": "applicant",
    "Co-applicant institution": "co-applicant",
    "Participating Institution": "participant",
    "Cooperation partners": "cooperation-partner",
}
#: The file this mapping reads, with the columns it reads.
FILES = {
    "consortia": ("gepris", "title", "subject_area", "homepage", "description", *ROLE_COLUMNS),
}
#: DFG subject areas whose name holds a comma, spelt as the file writes them (the cell lists
#: areas separated by ", ", so these must be kept whole).
SUBJECT_AREAS_WITH_COMMAS = (
    "Agriculture, Forestry and Veterinary Medicine",
    "Computer Science, Systems andElectrical Engineering",
)

_PROJECT = re.compile(r"https://gepris\.dfg\.de/gepris/projekt/([0-9]+)")
_INSTITUTION = re.compile(r"https://gepris\.dfg\.de/gepris/institution/([0-9]+)")
_PERSON = re.compile(r"https://gepris\.dfg\.de/gepris/person/[0-9]+")

EXACT_MATCH = iri(SKOS + "exactMatch")
SUBJECT = iri(DCTERMS + "subject")
SUBJECT_SCHEME = iri(CKG + "SubjectAreaScheme")


def subject_areas(cell: str) -> list[str]:
    """Split a ``subject_area`` cell into DFG subject areas, as published."""
    areas: list[str] = []
    rest = cell.strip()
    while rest:
        whole = next((a for a in SUBJECT_AREAS_WITH_COMMAS if rest.startswith(a)), None)
        if whole is not None and rest[len(whole) :][:2] in ("", ", "):
            area = whole
        else:
            area = rest.split(", ", 1)[0]
        areas.append(area.strip())
        rest = rest[len(area) :].removeprefix(",").strip()
    return [a for a in areas if a]


class _BadCell(ValueError):
    """An institution cell that is not a list of (name, page) pairs."""


def _pairs(cell: str) -> list[tuple[str, str]]:
    """Read an institution cell: ``[('name', 'https://gepris…'), …]``; empty is no institution."""
    if not cell.strip():
        return []
    try:
        value = ast.literal_eval(cell)  # literals only: a cell can never run code
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        raise _BadCell("is not a Python list of (name, page) pairs") from None
    if not isinstance(value, list | tuple):
        raise _BadCell(f"holds a {type(value).__name__}, not a list of (name, page) pairs")
    pairs = []
    for item in value:
        if (
            not isinstance(item, list | tuple)
            or len(item) != 2
            or not all(isinstance(part, str) for part in item)
        ):
            raise _BadCell(f"holds `{str(item)[:60]}`, which is not a (name, page) pair")
        pairs.append((item[0].strip(), item[1].strip()))
    return pairs


@dataclass
class Summary:
    """What the mapping made of the snapshot (reported by the build)."""

    consortia: int = 0
    memberships: int = 0
    organisations: int = 0
    areas: int = 0
    people_left_out: int = 0


class _Mapper:
    def __init__(
        self, snapshot: Snapshot, base: str, claims: Claims, out: QuadSink, source: str
    ) -> None:
        self.file: SnapshotFile = snapshot.file("consortia")
        self.base, self.claims, self.out, self.source = base, claims, out, source
        self.summary = Summary()
        self.memberships = MembershipWriter(out, base, source)
        self.areas: set[str] = set()
        #: institution number → (its name, the row it was first named in)
        self.named: dict[str, tuple[str, int]] = {}
        #: name → {institution number: the row it was first named in}
        self.by_name: dict[str, dict[str, int]] = {}
        #: (institution, name) pairs already reported as a second name
        self.warned: set[tuple[str, str]] = set()
        #: institutions written (each once)
        self.described: set[str] = set()

    def problem(self, row: int, column: str, message: str, **more: str) -> None:
        self.out.problems.append(row_problem(self.file, row, column, message, **more))

    def warn(self, row: int, column: str, message: str, why: str, fix: str) -> None:
        self.problem(row, column, message, why=why, fix=fix, severity=Severity.WARNING)

    def node(self, number: str) -> tuple[str, str]:
        """Return (IRI term, slug) of the institution: a record's when one claims it."""
        claimed = self.claims.iris.get(f"gepris:{number}")
        if claimed is not None:
            return iri(claimed), claimed.rsplit("/", 1)[1]
        slug = f"gepris-{number}"
        return iri(iris.organisation_iri(self.base, slug)), slug

    def states(self, node: str, predicate: str) -> bool:
        said = self.claims.predicates.get(node[1:-1])
        return said is not None and predicate[1:-1] in said

    def map_row(self, number: int, row: dict[str, str]) -> None:
        page = row["gepris"].strip()
        project = _PROJECT.fullmatch(page)
        if project is None:
            self.problem(
                number,
                "gepris",
                f"`{page}` is not a GEPRIS project page",
                why="a consortium is known by its GEPRIS project number",
                fix=f"restore row {number} as published (https://gepris.dfg.de/gepris/projekt/N)",
            )
            return
        title = row["title"].strip()
        if not title:
            self.problem(
                number,
                "title",
                f"project {project[1]} has no title",
                why="the title (the consortium's acronym) is its name",
                fix=f"restore row {number} as published",
            )
            return
        memberships = self.read_institutions(number, row, title)
        if memberships is None:
            return
        add = self.out.add
        c = iri(iris.consortium_iri(self.base, f"gepris-{project[1]}"))
        self.summary.consortia += 1
        add(c, A, CONSORTIUM)
        add(c, A, PROJECT)
        name = literal(title)
        add(c, LABEL, name)
        add(c, NAME, name)
        add(c, ACRONYM, name)
        add(c, EXACT_MATCH, iri(page))
        add(c, FRAMEWORK, literal("NFDI"))
        add(c, SOURCE, self.source)
        homepage = http_url(row["homepage"])
        if homepage:
            add(c, URL, homepage)
        self.out.text(c, DESCRIPTION, row["description"].strip())
        for area in subject_areas(row["subject_area"]):
            concept = iri(iris.subject_area_iri(self.base, area))
            add(c, SUBJECT, concept)
            if area not in self.areas:
                self.areas.add(area)
                add(concept, A, CONCEPT)
                add(concept, PREF_LABEL, literal(area))
                add(concept, IN_SCHEME, SUBJECT_SCHEME)
        for institution, name_, role in memberships:
            self.describe(institution, name_)
            self.membership(c, institution, role)

    def read_institutions(
        self, number: int, row: dict[str, str], title: str
    ) -> list[tuple[str, str, str]] | None:
        """Return (institution number, name, role) per membership, None for an unreadable cell."""
        found: list[tuple[str, str, str]] = []
        readable = True
        for column, role in ROLE_COLUMNS.items():
            try:
                pairs = _pairs(row[column])
            except _BadCell as exc:
                self.problem(
                    number,
                    column,
                    f"{column} of {title} {exc}",
                    why="the institution columns list [('name', 'https://gepris.dfg.de/"
                    "gepris/institution/N'), …] as Python literals",
                    fix=f"restore row {number} as published (or take the snapshot again)",
                )
                readable = False
                continue
            seen: set[str] = set()
            people = 0
            for name, page in pairs:
                match = _INSTITUTION.fullmatch(page)
                if match is None:
                    if _PERSON.fullmatch(page):
                        people += 1
                        continue
                    self.problem(
                        number,
                        column,
                        f"{column} of {title}: `{page[:80]}` is not a GEPRIS institution page",
                        why="an institution is known by its GEPRIS institution number",
                        fix=f"restore row {number} as published",
                    )
                    readable = False
                    continue
                institution = match[1]
                if institution in seen:
                    self.warn(
                        number,
                        column,
                        f"{title} lists {name} (gepris:{institution}) twice as {role}",
                        why="an institution takes part in a consortium once per role; it is "
                        "kept once",
                        fix="nothing to do in the snapshot",
                    )
                    continue
                seen.add(institution)
                if not self.check_name(number, institution, name):
                    continue
                found.append((institution, name, role))
            if people:
                self.summary.people_left_out += people
                self.warn(
                    number,
                    column,
                    f"{column} of {title} lists {people} person page"
                    f"{'s' if people > 1 else ''} (gepris/person/…), not institutions",
                    why="people are not published in this graph (the snapshot's person "
                    "columns were removed for the same reason); the entries are left out",
                    fix="nothing to do in the snapshot",
                )
        return found if readable else None

    def check_name(self, number: int, institution: str, name: str) -> bool:
        """Warn about one institution under two names or two under one; False when unnamed."""
        if not name:
            self.problem(
                number,
                "institution",
                f"institution gepris:{institution} has no name",
                fix=f"restore row {number} as published",
            )
            return False
        first = self.named.setdefault(institution, (name, number))
        if first[0] != name and (institution, name) not in self.warned:
            self.warned.add((institution, name))
            self.warn(
                number,
                "institution",
                f"institution gepris:{institution} is named `{name}` here and `{first[0]}` "
                f"in row {first[1]}",
                why="one GEPRIS institution has one name; the first is used",
                fix="nothing to do in the snapshot",
            )
        namesakes = self.by_name.setdefault(name, {})
        if institution not in namesakes:
            if namesakes:
                other, row = next(iter(namesakes.items()))
                self.warn(
                    number,
                    "institution",
                    f"two GEPRIS institutions are named `{name}`: gepris:{institution} here "
                    f"and gepris:{other} in row {row}",
                    why="GEPRIS keeps them apart, so they stay two organisations; a reader "
                    "may take them for one",
                    fix="nothing to do in the snapshot; a curated record can say which is which",
                )
            namesakes[institution] = number
        return True

    def describe(self, institution: str, name: str) -> None:
        o, _ = self.node(institution)
        if institution in self.described:
            return
        self.described.add(institution)
        add = self.out.add
        add(o, A, FORMAL_ORG)
        add(o, A, SCHEMA_ORG)
        add(o, IDENTIFIER, literal(f"gepris:{institution}"))
        add(o, SOURCE, self.source)
        if not self.states(o, EXACT_MATCH):
            add(o, EXACT_MATCH, iri(f"https://gepris.dfg.de/gepris/institution/{institution}"))
        first = self.named[institution][0]
        if not self.states(o, LABEL):
            add(o, LABEL, literal(first))
            add(o, NAME, literal(first))

    def membership(self, consortium: str, institution: str, role: str) -> None:
        o, slug = self.node(institution)
        self.summary.memberships += 1
        self.memberships.write(consortium, o, slug, role)


def map_snapshot(snapshot: Snapshot, base: str, claims: Claims, out: QuadSink, source: str) -> str:
    """Write the NFDI consortia, their institutions and memberships; return a summary line."""
    mapper = _Mapper(snapshot, base, claims, out, source)
    for number, row in read_csv_rows(mapper.file, FILES["consortia"]):
        mapper.map_row(number, row)
    summary = mapper.summary
    summary.organisations = len(mapper.described)
    summary.areas = len(mapper.areas)
    left_out = (
        f"; {summary.people_left_out} person entries left out" if summary.people_left_out else ""
    )
    return (
        f"{summary.consortia} consortia, {summary.memberships} memberships, "
        f"{summary.organisations} institutions, {summary.areas} subject areas{left_out}"
    )
