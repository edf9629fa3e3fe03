"""A consortium's partner list and work-package list (CSV, TSV, XLSX) → its members and groups.

Reading checks the whole input first: an unreadable sheet, a ``--column`` naming no header, a
required column missing, an empty name, a date or country that is not one → :class:`InputError`
at ``file:row`` (exit 2), nothing planned. Then every partner is reconciled with its country
(``Workspace.find``); a work package's lead and members are resolved against the partner list
first (acronym or name, case and spacing aside; an acronym one edit from a single partner's is
taken, with a note), then the engine. :class:`TableImport` says what was found, what waits for
a curator and what matched nothing; the command decides whether to plan.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consortia_kg.errors import InputError
from consortia_kg.importers.countries import country_code
from consortia_kg.importers.plan import Ownership, Workspace, slugify
from consortia_kg.importers.sheets import Sheet, read_sheet
from consortia_kg.records import fieldtypes as t

__all__ = [
    "PARTNER_COLUMNS",
    "WORK_PACKAGE_COLUMNS",
    "Partner",
    "TableImport",
    "WorkPackage",
    "import_table",
    "parse_column_options",
    "read_partners",
    "read_work_packages",
]

#: key → header names that mean it (compared without case, accents and punctuation)
PARTNER_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "organisation", "organization", "partner", "partner name", "beneficiary",
             "beneficiary name", "participant", "participant name", "legal name", "institution"),
    "acronym": ("acronym", "short name", "partner acronym", "abbreviation", "short"),
    "country": ("country", "country code", "land", "nation"),
    "role": ("role", "partner role", "participant role", "type"),
    "link": ("link", "url", "website", "homepage", "web", "web site"),
    "start": ("start", "start date", "from", "joined", "since"),
    "end": ("end", "end date", "until", "to", "left"),
}  # fmt: skip
WORK_PACKAGE_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "wp", "wp id", "wp no", "wp number", "work package", "work package number",
           "work package no", "number", "no"),
    "title": ("title", "name", "wp title", "wp name", "work package title", "work package name"),
    "lead": ("lead", "leader", "lead organisation", "lead organization", "lead beneficiary",
             "lead partner", "wp leader", "wp lead", "lead participant"),
    "members": ("members", "participants", "partners", "member organisations",
                "member organizations", "participating organisations", "contributors",
                "beneficiaries"),
}  # fmt: skip
_REQUIRED = {"partners": ("name",), "work packages": ("id", "title")}


@dataclass
class Partner:
    """One row of the partner list."""

    where: str
    name: str
    acronym: str = ""
    country: str = ""
    role: str = ""
    link: str = ""
    start: str = ""
    end: str = ""
    slug: str | None = None


@dataclass
class WorkPackage:
    """One row of the work-package list."""

    where: str
    id: str
    title: str
    lead: str = ""
    members: list[str] = field(default_factory=list)


@dataclass
class TableImport:
    """What an import of the sheets found."""

    partners: list[Partner] = field(default_factory=list)
    work_packages: list[WorkPackage] = field(default_factory=list)
    #: partners that match no record (created only with ``create``)
    unmatched: list[Partner] = field(default_factory=list)
    #: (where, name) of work-package organisations found nowhere
    unresolved: list[tuple[str, str]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)


def _key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()


def parse_column_options(options: tuple[str, ...]) -> dict[str, str]:
    """``("country=Land",)`` → ``{"country": "Land"}``; refuse a key no sheet has."""
    known = set(PARTNER_COLUMNS) | set(WORK_PACKAGE_COLUMNS)
    out: dict[str, str] = {}
    for option in options:
        key, sep, header = option.partition("=")
        if not sep or not key.strip() or not header.strip():
            raise InputError(
                f"--column {option!r} is not KEY=HEADER",
                hint="write e.g. --column country=Land",
            )
        if key.strip() not in known:
            raise InputError(
                f"--column {option!r}: {key.strip()!r} is not a column the import reads",
                hint=f"use one of: {', '.join(sorted(known))}",
            )
        out[key.strip()] = header.strip()
    return out


def _columns(
    sheet: Sheet, what: str, table: Mapping[str, tuple[str, ...]], given: Mapping[str, str]
) -> dict[str, int]:
    """Map each key to its column: a ``--column`` header first, else a known header name."""
    headers = {_key(h): i for i, h in reversed(list(enumerate(sheet.header))) if h.strip()}
    found: dict[str, int] = {}
    for key, names in table.items():
        if key in given:
            wanted = _key(given[key])
            if wanted not in headers:
                raise InputError(
                    f"{sheet.display}:1: --column {key}={given[key]}: the {what} sheet has no "
                    f"column {given[key]!r}",
                    hint=f"its headers are: {', '.join(h for h in sheet.header if h)}",
                )
            found[key] = headers[wanted]
            continue
        index = next((headers[_key(n)] for n in names if _key(n) in headers), None)
        if index is not None and index not in found.values():
            found[key] = index
    missing = [k for k in _REQUIRED[what] if k not in found]
    if missing:
        raise InputError(
            f"{sheet.display}:1: the {what} sheet has no {' or '.join(missing)} column "
            f"(headers: {', '.join(h for h in sheet.header if h)})",
            hint=f"name the column {table[missing[0]][0]!r}, or map it with "
            f"--column {missing[0]}=HEADER",
        )
    return found


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return " ".join(row[index].split())  # trailing spaces, doubled spaces, line breaks


def _date(text: str, where: str, key: str) -> str:
    if not text:
        return ""
    try:
        return t.parse_date(text).lexical
    except t.FieldError as exc:
        raise InputError(f"{where}: {key} {exc.message}", hint=exc.fix) from None


def read_partners(
    path: Path, sheet: str | None, given: Mapping[str, str]
) -> tuple[Sheet, list[Partner]]:
    """Read and check the partner list."""
    data = read_sheet(path, sheet)
    cols = _columns(data, "partners", PARTNER_COLUMNS, given)
    partners: list[Partner] = []
    for number, row in data.rows:
        where = f"{data.display}:{number}"
        name = _cell(row, cols["name"])
        if not name:
            raise InputError(
                f"{where}: the partner has no name", hint="write its name, or delete the row"
            )
        written = _cell(row, cols.get("country"))
        code = country_code(written) if written else ""
        if code is None:
            raise InputError(
                f"{where}: country {written!r} is not an ISO 3166 country",
                hint="write its two-letter code (DE, GB; UK and EL are read as GB and GR) or "
                "its English name",
            )
        partners.append(
            Partner(
                where, name, _cell(row, cols.get("acronym")), code or "",
                _cell(row, cols.get("role")), _cell(row, cols.get("link")),
                _date(_cell(row, cols.get("start")), where, "start"),
                _date(_cell(row, cols.get("end")), where, "end"),
            )
        )  # fmt: skip
    return data, partners


def read_work_packages(
    path: Path, sheet: str | None, given: Mapping[str, str]
) -> tuple[Sheet, list[WorkPackage]]:
    """Read and check the work-package list."""
    data = read_sheet(path, sheet)
    cols = _columns(data, "work packages", WORK_PACKAGE_COLUMNS, given)
    packages: list[WorkPackage] = []
    seen: dict[str, str] = {}
    for number, row in data.rows:
        where = f"{data.display}:{number}"
        ident, title = _cell(row, cols["id"]), _cell(row, cols["title"])
        if not ident or not title:
            raise InputError(
                f"{where}: the work package has no {'id' if not ident else 'title'}",
                hint="fill it in, or delete the row",
            )
        slug = slugify(ident)
        slug = slug if slug[:1].isalpha() else f"wp-{slug}"  # "1" → wp-1: an id starts so
        if slug in seen:
            raise InputError(
                f"{where}: work package {ident!r} is listed twice (first at {seen[slug]})",
                hint="keep one row per work package",
            )
        seen[slug] = where
        members_cell = row[cols["members"]] if cols.get("members", 99) < len(row) else ""
        members = [" ".join(m.split()) for m in re.split(r"[;,\n]", members_cell)]
        packages.append(
            WorkPackage(where, slug, title, _cell(row, cols.get("lead")), [m for m in members if m])
        )
    return data, packages


def _one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one inserted, deleted or replaced character."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


class _Resolver:
    """Names a work package gives → organisation slugs: the partner list, then the engine."""

    def __init__(self, ws: Workspace, partners: list[Partner], members: list[dict[str, Any]]):
        self.ws = ws
        self.by_key: dict[str, str] = {}
        self.acronyms: dict[str, str] = {}
        self.found: dict[str, str | None] = {}
        for p in partners:
            if p.slug:
                self.by_key.setdefault(_key(p.name), p.slug)
                if p.acronym:
                    self.by_key.setdefault(_key(p.acronym), p.slug)
                    self.acronyms[_key(p.acronym)] = p.slug
        for member in members:  # the consortium's members, when no partner list is given
            slug = member.get("organisation")
            record = ws.get("organisation", slug) if slug else None
            if slug and record:
                for name in (record.get("name"), record.get("acronym")):
                    if name:
                        self.by_key.setdefault(_key(str(name)), slug)
                if record.get("acronym"):
                    self.acronyms.setdefault(_key(str(record["acronym"])), slug)

    def resolve(self, name: str, where: str) -> str | None:
        key = _key(name)
        if key in self.by_key:
            return self.by_key[key]
        if key not in self.found:  # once per name: a note or a proposal is said once
            self.found[key] = self._resolve(name, key, where)
        return self.found[key]

    def _resolve(self, name: str, key: str, where: str) -> str | None:
        close = {slug for acr, slug in self.acronyms.items() if _one_edit(key, acr)}
        if len(close) == 1:
            slug = close.pop()
            self.ws.messages.append(
                f'note: {where}: "{name}" read as {slug} (one letter from its acronym): check it'
            )
            return slug
        return self.ws.find("organisation", name, acronym=name if " " not in name else "",
                            where=where)  # fmt: skip


def import_table(
    ws: Workspace,
    consortium: str,
    partners: tuple[Sheet, list[Partner]] | None,
    work_packages: tuple[Sheet, list[WorkPackage]] | None,
    *,
    create: bool,
) -> TableImport:
    """Reconcile the sheets and, when nothing waits for a curator, plan the consortium."""
    record = ws.get("consortium", consortium)
    if record is None:
        raise InputError(
            f"no consortium record {consortium!r} in {ws.data_dir}",
            hint="give the id of an existing consortium (data/consortia/<id>.yaml), or import "
            "its page first",
        )
    out = TableImport()
    sources: dict[str, str] = {}
    for label, got in (("partner list", partners), ("work-package list", work_packages)):
        if got is not None:
            sheet = got[0]
            sources[label] = ws.ensure_source(
                sheet.raw, Path(sheet.display), sheet.display,
                {"title": f"{record.get('name') or consortium}: {label} "
                          f"({Path(sheet.display).name})", "kind": "other"},
            )  # fmt: skip
    if partners is not None:
        out.partners = partners[1]
        for p in out.partners:
            p.slug = ws.find(
                "organisation", p.name, acronym=p.acronym, country=p.country,
                source=sources["partner list"], where=p.where,
            )  # fmt: skip
            if p.slug is None and not any(x.where == p.where for x in ws.pending):
                out.unmatched.append(p)
    if out.unmatched and create and not ws.pending:
        for p in out.unmatched:
            p.slug = _create(ws, p, sources["partner list"])
            out.created.append(p.slug)
        out.unmatched = []
    if work_packages is not None:
        out.work_packages = work_packages[1]
        resolver = _Resolver(ws, out.partners, list(record.get("members") or []))
        for wp in out.work_packages:
            for name in [wp.lead, *wp.members] if wp.lead else wp.members:
                if resolver.resolve(name, wp.where) is None and not any(
                    x.where == wp.where and x.name == name for x in ws.pending
                ):
                    out.unresolved.append((wp.where, name))
    if ws.pending or out.unmatched or out.unresolved:
        return out
    _plan(ws, consortium, out, sources, resolver if work_packages is not None else None)
    return out


def _create(ws: Workspace, p: Partner, source: str) -> str:
    slug = ws.free_slug("organisation", slugify(p.name))
    plain: dict[str, Any] = {"name": p.name, "sources": [source]}
    if p.acronym:
        plain["acronym"] = p.acronym
    if p.link:
        plain["homepage"] = p.link
    if p.country:
        plain["locations"] = [{"country_code": p.country}]
    own = Ownership(source, frozenset({"name", "acronym", "homepage", "locations"}))
    ws.put("organisation", slug, plain, own)
    return slug


def _plan(
    ws: Workspace,
    consortium: str,
    out: TableImport,
    sources: dict[str, str],
    resolver: _Resolver | None,
) -> None:
    if out.partners:
        source = sources["partner list"]
        members: list[dict[str, Any]] = []
        for p in out.partners:
            if p.slug and all(m["organisation"] != p.slug for m in members):
                item = {"organisation": p.slug, "role": p.role or None, "start": p.start or None,
                        "end": p.end or None, "source": source}  # fmt: skip
                members.append({k: v for k, v in item.items() if v})
        own = Ownership(source, frozenset({"members"}))
        ws.put("consortium", consortium, {"members": members}, own)
    if out.work_packages and resolver is not None:
        source = sources["work-package list"]
        groups: list[dict[str, Any]] = []
        for wp in out.work_packages:
            lead = resolver.resolve(wp.lead, wp.where) if wp.lead else None
            slugs: list[str] = []
            for name in wp.members:
                slug = resolver.resolve(name, wp.where)
                if slug and slug != lead and slug not in slugs:
                    slugs.append(slug)
            group: dict[str, Any] = {"id": wp.id, "name": wp.title, "source": source}
            if lead:
                group["lead"] = lead
            if slugs:
                group["members"] = slugs
            groups.append(group)
        own = Ownership(source, frozenset({"working_groups"}))
        ws.put("consortium", consortium, {"working_groups": groups}, own)
