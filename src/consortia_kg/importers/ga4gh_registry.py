"""The GA4GH registry's SQL dump (``INSERT INTO ga4gh_schema.<table> VALUES (…);``) → records.

What the dump says becomes (see shared/data/SOURCES.md, section 1):

- organisation ``org.ga4gh`` is the consortium: its record (found by name, else created) gets
  ``acronym`` and ``homepage`` when it lacks them, its work streams as ``working_groups`` (id:
  the id of the record's working group with that ``registry_id``, else the last segment of the
  work stream id), its standards as ``standards`` (see :func:`registry_standards`) and its own
  implementations;
- every other organisation becomes (or is linked to, by its ``ga4gh-registry`` identifier, ROR
  id or name) an organisation record with its name, short name, URL, the identifier, and the
  implementations it runs. The dump does not say they are GA4GH members, and a note says so.

An implementation keeps every column but one: its standard and version, name, description,
category, URL, documentation, ``version`` (→ ``software_version``), ``environment``,
``curie_prefix`` and ``created_at``/``updated_at`` (→ ``created``/``updated``, the date; the
record format has no time of day, so the timestamps themselves are kept verbatim in one note
per record). The ``contact_url`` column is left out: it may be a person's address, and personal
contacts never go into a public record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consortia_kg.importers.inputs import decode_text, input_error, sniff_format
from consortia_kg.importers.plan import Ownership, Workspace, slugify
from consortia_kg.records.plain import (
    ConsortiumFields,
    ImplementationFields,
    OrganisationFields,
    StandardFields,
    StandardVersionFields,
    WorkingGroupFields,
)

__all__ = [
    "COLUMNS",
    "CONSORTIUM_ID",
    "RegistryDump",
    "import_registry",
    "parse_dump",
    "registry_standards",
    "work_stream_slugs",
]

#: Column names of each table, in the dump's positional order (create_tables.sql).
COLUMNS: dict[str, tuple[str, ...]] = {
    "organization": ("id", "name", "short_name", "url"),
    "work_stream": ("id", "name", "abbreviation"),
    "standard_category": ("id", "category"),
    "release_status": ("id", "status"),
    "standard": (
        "id", "name", "standard_category_id", "summary", "description", "documentation_url",
        "release_status_id", "artifact", "abbreviation", "work_stream_id",
    ),
    "standard_version": ("id", "standard_id", "version_number", "documentation_url",
                         "release_status_id"),
    "implementation": (
        "id", "standard_version_id", "name", "description", "organization_id", "contact_url",
        "documentation_url", "created_at", "updated_at", "environment", "version", "url",
        "category", "curie_prefix",
    ),
}  # fmt: skip
#: The registry's id of the consortium itself.
CONSORTIUM_ID = "org.ga4gh"
#: Notes this import writes start so; a re-import replaces them.
NOTE_PREFIXES = ("GA4GH registry", "Listed in the GA4GH registry")
_MEMBER_NOTE = (
    "Listed in the GA4GH registry as running implementations of GA4GH standards; the registry "
    "does not say it is a GA4GH member."
)
_NO_IMPLEMENTATION_NOTE = (
    "Listed in the GA4GH registry as an organisation, but the registry lists no implementation "
    "for it; the registry does not say it is a GA4GH member."
)
#: ``standard_category.category`` → the record format's standard categories.
_CATEGORIES = {"fileformat": "file-format", "api": "api", "schema": "schema", "policy": "policy"}
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]|$)")
_INSERT = re.compile(r"INSERT\s+INTO\s+(?:\w+\.)?(\w+)\s+VALUES\s*\(", re.IGNORECASE)


@dataclass
class RegistryDump:
    """The dump's rows, by table, each row a dict of column → value (None for NULL)."""

    display: str
    rows: dict[str, list[dict[str, str | None]]]


def parse_dump(text: str, display: str) -> RegistryDump:
    """Parse the INSERT statements; ``InputError`` naming the line for anything else."""
    rows: dict[str, list[dict[str, str | None]]] = {table: [] for table in COLUMNS}
    pos, line_of = 0, _line_finder(text)
    found = 0
    while True:
        pos = _skip_blank_and_comments(text, pos)
        if pos >= len(text):
            break
        match = _INSERT.match(text, pos)
        if match is None:
            what = sniff_format(text[pos:]) if pos == 0 else ""
            statement = text[pos : text.find("\n", pos) if "\n" in text[pos:] else len(text)]
            raise input_error(
                display, line_of(pos),
                f"this looks like {what}, not a SQL dump" if what and what != "SQL" else
                f"not an INSERT statement: {statement[:60]!r}",
                "give the registry's dump: INSERT INTO ga4gh_schema.<table> VALUES (…); lines",
            )  # fmt: skip
        table, start = match.group(1).lower(), pos
        values, pos = _values(text, match.end(), display, line_of, start)
        if table not in COLUMNS:
            raise input_error(
                display, line_of(start), f"table {table!r} is not one of the registry's tables",
                f"the importer reads {', '.join(COLUMNS)}",
            )  # fmt: skip
        columns = COLUMNS[table]
        if len(values) != len(columns):
            raise input_error(
                display, line_of(start),
                f"{table} row has {len(values)} values; the table has {len(columns)} columns",
                "the dump does not match the registry's tables (create_tables.sql)",
            )  # fmt: skip
        rows[table].append(dict(zip(columns, values, strict=True)))
        found += 1
    if not found:
        raise input_error(
            display, 1, "no INSERT INTO statements in this file",
            "give the registry's dump (add_prd_dataset.sql)",
        )  # fmt: skip
    return RegistryDump(display, rows)


def _line_finder(text: str) -> Callable[[int], int]:
    def line_of(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    return line_of


def _skip_blank_and_comments(text: str, pos: int) -> int:
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
        elif text.startswith("--", pos):
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end + 1
        else:
            break
    return pos


def _values(
    text: str, pos: int, display: str, line_of: Callable[[int], int], start: int
) -> tuple[list[str | None], int]:
    """Read ``'text', NULL, 12)`` up to ``;``; return the values and the position after it."""
    values: list[str | None] = []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            raise input_error(
                display, line_of(start), "the INSERT statement is cut short", "give the whole dump"
            )
        if text.startswith("'", pos):
            end, parts = pos + 1, []
            while True:
                quote = text.find("'", end)
                if quote < 0:
                    raise input_error(
                        display, line_of(pos), "a quoted value is never closed (the file is cut?)",
                        "give the whole dump",
                    )  # fmt: skip
                parts.append(text[end:quote])
                if text.startswith("''", quote):  # SQL escapes a quote by doubling it
                    parts.append("'")
                    end = quote + 2
                    continue
                pos = quote + 1
                break
            values.append("".join(parts))
        else:
            token = re.match(r"NULL\b|-?\d+(?:\.\d+)?|TRUE\b|FALSE\b", text[pos:], re.IGNORECASE)
            if token is None:
                raise input_error(
                    display, line_of(pos), f"cannot read the value at {text[pos : pos + 20]!r}",
                    "values are 'quoted text', numbers or NULL",
                )  # fmt: skip
            values.append(None if token.group(0).upper() == "NULL" else token.group(0))
            pos += token.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if text.startswith(",", pos):
            pos += 1
            continue
        if text.startswith(")", pos):
            close = re.match(r"\)\s*;", text[pos:])
            if close is None:
                raise input_error(
                    display, line_of(start), "the INSERT statement does not end with ');'",
                    "give the whole dump",
                )  # fmt: skip
            return values, pos + close.end()
        raise input_error(
            display, line_of(pos if pos < len(text) else start),
            "the INSERT statement is cut short" if pos >= len(text) else
            f"expected ',' or ')' at {text[pos : pos + 20]!r}",
            "give the whole dump",
        )  # fmt: skip


# --- the import ----------------------------------------------------------------------------


def import_registry(ws: Workspace, raw: bytes, display: str, path: Path | None) -> list[str]:
    """Plan the consortium and organisation records of a registry dump; return their files."""
    text = decode_text(raw, display, "the GA4GH registry SQL dump")
    dump = parse_dump(text, display)
    orgs = dump.rows["organization"]
    consortium_row = next((o for o in orgs if o["id"] == CONSORTIUM_ID), None)
    if consortium_row is None:
        raise input_error(
            display, 1, f"the dump has no organization {CONSORTIUM_ID!r} (GA4GH itself)",
            "give the GA4GH registry's dump",
        )  # fmt: skip
    source = ws.ensure_source(
        raw, path, display,
        {
            "title": f"GA4GH Service Registry dump ({path.name if path else display})",
            "kind": "database-dump",
            "publisher": "Global Alliance for Genomics and Health (ga4gh/ga4gh-registry)",
            "licence": "https://www.apache.org/licenses/LICENSE-2.0",
        },
    )  # fmt: skip
    versions = {r["id"]: r for r in dump.rows["standard_version"]}
    by_org: dict[str, list[dict[str, str | None]]] = {}
    for impl in dump.rows["implementation"]:
        by_org.setdefault(impl["organization_id"] or "", []).append(impl)
    written: list[str] = []

    consortium = _consortium(ws, dump, consortium_row, source)
    for row in orgs:
        if row is consortium_row:
            continue
        org_id = str(row["id"])
        slug = ws.find(
            "organisation", str(row["name"] or org_id), acronym=str(row["short_name"] or ""),
            identifiers=[("ga4gh-registry", org_id)], source=source,
        ) or ws.free_slug("organisation", slugify(org_id))  # fmt: skip
        impls = by_org.get(org_id, [])
        record: OrganisationFields = {
            "name": row["name"] or org_id,
            "acronym": row["short_name"],
            "homepage": row["url"],
            "identifiers": [{"scheme": "ga4gh-registry", "value": org_id}],
            "implementations": [
                _implementation(i, versions, source, str(consortium["id"])) for i in impls
            ],
            "sources": [source],
            "notes": [_MEMBER_NOTE if impls else _NO_IMPLEMENTATION_NOTE, *_times_note(impls)],
        }
        own = Ownership(
            source, frozenset({"implementations"}), note_prefixes=NOTE_PREFIXES,
            identifier_schemes=("ga4gh-registry",),
        )  # fmt: skip
        written.append(ws.put("organisation", slug, record, own).display)
    own = Ownership(source, frozenset({"working_groups", "standards", "implementations"}),
                    note_prefixes=NOTE_PREFIXES)  # fmt: skip
    impls = by_org.get(CONSORTIUM_ID, [])
    consortium["implementations"] = [_implementation(i, versions, source, None) for i in impls]
    consortium["notes"] = [*consortium.get("notes", []), *_times_note(impls)]
    slug = str(consortium.pop("id"))
    written.append(ws.put("consortium", slug, consortium, own).display)
    return written


def _consortium(
    ws: Workspace, dump: RegistryDump, row: dict[str, str | None], source: str
) -> ConsortiumFields:
    name, acronym = str(row["name"] or CONSORTIUM_ID), str(row["short_name"] or "")
    slug = ws.find("consortium", name, acronym=acronym, source=source)
    record: ConsortiumFields = {"name": name, "acronym": acronym or None, "homepage": row["url"]}
    if slug is None:
        slug = ws.free_slug("consortium", slugify(acronym or name))
        record["status"] = "active"
        record["notes"] = [
            "GA4GH registry: this record was created from the registry dump, which gives no "
            "status; `active` is assumed because the dump is the registry's production data."
        ]
    record["id"] = slug
    group_ids = work_stream_slugs(dump, ws.get("consortium", slug))
    groups: list[WorkingGroupFields] = []
    for stream in dump.rows["work_stream"]:
        stream_id = str(stream["id"])
        group: WorkingGroupFields = {
            "id": group_ids[stream_id],
            "name": stream["name"] or stream_id,
            "acronym": stream["abbreviation"],
            "registry_id": stream_id,
            "source": source,
        }
        groups.append(group)
    record["working_groups"] = groups
    record["standards"] = registry_standards(dump, source, group_ids)
    return record


def work_stream_slugs(dump: RegistryDump, existing: dict[str, Any] | None) -> dict[str, str]:
    """Return work stream id → the slug of its working group in the consortium's record.

    That is the id of the ``existing`` record's working group with the work stream as its
    ``registry_id``; else the work stream id's last segment (``org.ga4gh.workstream.gks`` → gks).
    """
    known = {
        str(g["registry_id"]): str(g["id"])
        for g in (existing or {}).get("working_groups") or []
        if g.get("registry_id") and g.get("id")
    }
    streams = [str(s["id"]) for s in dump.rows["work_stream"]]
    return {stream: known.get(stream) or _last_segment(stream) for stream in streams}


def _last_segment(stream_id: str) -> str:
    return slugify(stream_id.rsplit(".", 1)[-1])


def _stream_slug(group_ids: dict[str, str], stream_id: str | None) -> str | None:
    """The slug of a standard's work stream (one not in the dump's work streams: still kept)."""
    return (group_ids.get(stream_id) or _last_segment(stream_id)) if stream_id else None


def registry_standards(
    dump: RegistryDump, source: str, group_ids: dict[str, str]
) -> list[StandardFields]:
    """Return the dump's standards as ``standards`` items of the consortium record.

    One per row of table ``standard``, in the dump's order: its id, name, abbreviation
    (``acronym``), category and release status (``standard_category``, ``release_status``, as
    the record format's words), summary, description, documentation URL, artifact, work stream
    (``working_group``: its slug from ``group_ids``) and its rows of ``standard_version`` (id:
    the version number as a slug, ``1.0.0`` → ``1-0-0``), each with ``source``. A value the
    record format refuses (an unknown category, say) is kept as a note by the import.
    """
    statuses = {r["id"]: r["status"] for r in dump.rows["release_status"]}
    categories = {r["id"]: r["category"] for r in dump.rows["standard_category"]}
    out: list[StandardFields] = []
    for row in dump.rows["standard"]:
        category = categories.get(row["standard_category_id"]) or row["standard_category_id"]
        stream = row["work_stream_id"]
        versions: list[StandardVersionFields] = [
            {
                "id": slugify(str(v["version_number"] or v["id"])),
                "version": v["version_number"],
                "status": _status(statuses, v["release_status_id"]),
                "documentation": v["documentation_url"],
            }
            for v in dump.rows["standard_version"]
            if v["standard_id"] == row["id"]
        ]
        out.append(
            {
                "id": _standard_slug(str(row["id"])),
                "name": row["name"],
                "acronym": row["abbreviation"],
                "category": _CATEGORIES.get(str(category).casefold(), category),
                "status": _status(statuses, row["release_status_id"]),
                "summary": row["summary"],
                "description": row["description"],
                "documentation": row["documentation_url"],
                "artifact": row["artifact"],
                "working_group": _stream_slug(group_ids, stream),
                "versions": versions,
                "source": source,
            }
        )
    return out


def _status(statuses: dict[str | None, str | None], status_id: str | None) -> str | None:
    status = statuses.get(status_id) or status_id
    return status.casefold() if status else None


def _standard_slug(standard_id: str) -> str:
    """The slug of a registry standard id (they are slugs already: ``service-registry``)."""
    return standard_id if re.fullmatch(r"[a-z0-9][a-z0-9-]*", standard_id) else slugify(standard_id)


def _implementation(
    impl: dict[str, str | None],
    versions: dict[str | None, dict[str, str | None]],
    source: str,
    consortium: str | None,
) -> ImplementationFields:
    version = versions.get(impl["standard_version_id"], {})
    standard, _, number = str(impl["standard_version_id"] or "").partition(":")
    return {
        "id": slugify(str(impl["id"])),
        "name": impl["name"] or impl["id"],
        "description": impl["description"],
        "consortium": consortium,  # None: the consortium's own (it defaults to itself)
        "standard": _standard_slug(str(version.get("standard_id") or standard)),
        "standard_version": version.get("version_number") or number or None,
        "category": impl["category"],
        "url": impl["url"],
        "documentation": impl["documentation_url"],
        "software_version": impl["version"],
        "environment": impl["environment"],
        "curie_prefix": impl["curie_prefix"],
        "created": _date(impl["created_at"]),
        "updated": _date(impl["updated_at"]),
        "source": source,
    }


def _date(timestamp: str | None) -> str | None:
    """``2020-07-24 12:00:00+00`` → ``2020-07-24``; anything else as it is (then kept as a note)."""
    if not timestamp:
        return None
    match = _DATE.match(timestamp.strip())
    return match.group(1) if match else timestamp


def _times_note(impls: list[dict[str, str | None]]) -> list[str]:
    """The timestamps whose time of day ``created``/``updated`` cannot hold, verbatim, one note."""
    parts = []
    for impl in impls:
        times = [
            f"{column} {impl[column]}"
            for column in ("created_at", "updated_at")
            if impl[column] and impl[column] != _date(impl[column])
        ]
        if times:
            parts.append(f"{impl['id']}: {', '.join(times)}")
    if not parts:
        return []
    return [
        "GA4GH registry implementation timestamps (`created` and `updated` keep the date): "
        + "; ".join(parts)
    ]
