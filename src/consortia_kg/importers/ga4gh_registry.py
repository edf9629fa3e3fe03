"""The GA4GH registry's SQL dump (``INSERT INTO ga4gh_schema.<table> VALUES (…);``) → records.

What the dump says becomes (see shared/data/SOURCES.md, section 1):

- organisation ``org.ga4gh`` is the consortium: its record (found by name, else created) gets
  ``acronym`` and ``homepage`` when it lacks them, its work streams as ``working_groups``
  (id: the last segment of the work stream id), its own implementations, and, until the record
  format has a key for standards, one note per standard (``GA4GH registry standard …``);
- every other organisation becomes (or is linked to, by its ``ga4gh-registry`` identifier, ROR
  id or name) an organisation record with its name, short name, URL, the identifier, and the
  implementations it runs. The dump does not say they are GA4GH members, and a note says so.

Implementation fields without a record key (software version, environment, created and updated
times, CURIE prefix) are kept in a note per organisation. The ``contact_url`` column is left
out: it may be a person's address, and personal contacts never go into a public record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consortia_kg.importers.inputs import decode_text, input_error, sniff_format
from consortia_kg.importers.plan import Ownership, Workspace, slugify

__all__ = ["COLUMNS", "CONSORTIUM_ID", "RegistryDump", "import_registry", "parse_dump"]

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


def _line_finder(text: str) -> Any:
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
    text: str, pos: int, display: str, line_of: Any, start: int
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
    statuses = {r["id"]: r["status"] for r in dump.rows["release_status"]}
    categories = {r["id"]: r["category"] for r in dump.rows["standard_category"]}
    versions = {r["id"]: r for r in dump.rows["standard_version"]}
    by_org: dict[str, list[dict[str, str | None]]] = {}
    for impl in dump.rows["implementation"]:
        by_org.setdefault(impl["organization_id"] or "", []).append(impl)
    written: list[str] = []

    consortium = _consortium(ws, dump, consortium_row, source, versions, statuses, categories)
    for row in orgs:
        if row is consortium_row:
            continue
        org_id = str(row["id"])
        slug = ws.find(
            "organisation", str(row["name"] or org_id), acronym=str(row["short_name"] or ""),
            identifiers=[("ga4gh-registry", org_id)], source=source,
        ) or ws.free_slug("organisation", slugify(org_id))  # fmt: skip
        impls = by_org.get(org_id, [])
        record: dict[str, Any] = {
            "name": row["name"] or org_id,
            "acronym": row["short_name"],
            "homepage": row["url"],
            "identifiers": [{"scheme": "ga4gh-registry", "value": org_id}],
            "implementations": [
                _implementation(i, versions, source, str(consortium["id"])) for i in impls
            ],
            "sources": [source],
            "notes": [_MEMBER_NOTE if impls else _NO_IMPLEMENTATION_NOTE, *_extra_notes(impls)],
        }
        own = Ownership(
            source, frozenset({"implementations"}), note_prefixes=NOTE_PREFIXES,
            identifier_schemes=("ga4gh-registry",),
        )  # fmt: skip
        written.append(ws.put("organisation", slug, record, own).display)
    own = Ownership(source, frozenset({"working_groups", "implementations"}),
                    note_prefixes=NOTE_PREFIXES)  # fmt: skip
    impls = by_org.get(CONSORTIUM_ID, [])
    consortium["implementations"] = [_implementation(i, versions, source, None) for i in impls]
    consortium["notes"] = [*consortium.get("notes", []), *_extra_notes(impls)]
    slug = str(consortium.pop("id"))
    written.append(ws.put("consortium", slug, consortium, own).display)
    return written


def _consortium(
    ws: Workspace,
    dump: RegistryDump,
    row: dict[str, str | None],
    source: str,
    versions: dict[str | None, dict[str, str | None]],
    statuses: dict[str | None, str | None],
    categories: dict[str | None, str | None],
) -> dict[str, Any]:
    name, acronym = str(row["name"] or CONSORTIUM_ID), str(row["short_name"] or "")
    slug = ws.find("consortium", name, acronym=acronym, source=source)
    record: dict[str, Any] = {"name": name, "acronym": acronym or None, "homepage": row["url"]}
    if slug is None:
        slug = ws.free_slug("consortium", slugify(acronym or name))
        record["status"] = "active"
        record["notes"] = [
            "GA4GH registry: this record was created from the registry dump, which gives no "
            "status; `active` is assumed because the dump is the registry's production data."
        ]
    record["id"] = slug
    groups = []
    for stream in dump.rows["work_stream"]:
        stream_id = str(stream["id"])
        group: dict[str, Any] = {
            "id": slugify(stream_id.rsplit(".", 1)[-1]),
            "name": stream["name"] or stream_id,
            "acronym": stream["abbreviation"],
            "registry_id": stream_id,
            "source": source,
        }
        groups.append(group)
    record["working_groups"] = groups
    notes = record.setdefault("notes", [])
    for standard in dump.rows["standard"]:
        notes.append(_standard_note(standard, versions, statuses, categories))
    return record


def _standard_note(
    standard: dict[str, str | None],
    versions: dict[str | None, dict[str, str | None]],
    statuses: dict[str | None, str | None],
    categories: dict[str | None, str | None],
) -> str:
    """The standard's row (and its versions) verbatim, until the record format has `standards`."""
    parts = [
        f"name: {standard['name']}",
        f"category: {categories.get(standard['standard_category_id'])}",
        f"status: {statuses.get(standard['release_status_id'])}",
        f"work stream: {standard['work_stream_id']}",
    ]
    for column in ("abbreviation", "artifact", "summary", "description", "documentation_url"):
        if standard[column]:
            parts.append(f"{column.replace('_', ' ')}: {standard[column]}")
    own_versions = [
        f"{v['version_number']} ({statuses.get(v['release_status_id'])}, {v['documentation_url']})"
        for v in versions.values()
        if v["standard_id"] == standard["id"]
    ]
    if own_versions:
        parts.append(f"versions: {'; '.join(own_versions)}")
    return f"GA4GH registry standard {standard['id']} (no record key yet): " + "; ".join(parts)


def _implementation(
    impl: dict[str, str | None],
    versions: dict[str | None, dict[str, str | None]],
    source: str,
    consortium: str | None,
) -> dict[str, Any]:
    version = versions.get(impl["standard_version_id"], {})
    standard, _, number = str(impl["standard_version_id"] or "").partition(":")
    return {
        "id": slugify(str(impl["id"])),
        "name": impl["name"] or impl["id"],
        "description": impl["description"],
        "consortium": consortium,  # None: the consortium's own (it defaults to itself)
        "standard": version.get("standard_id") or standard,
        "standard_version": version.get("version_number") or number or None,
        "category": impl["category"],
        "url": impl["url"],
        "documentation": impl["documentation_url"],
        "source": source,
    }


def _extra_notes(impls: list[dict[str, str | None]]) -> list[str]:
    """Implementation columns without a record key, one note per organisation (never contacts)."""
    parts = []
    for impl in impls:
        fields = [
            f"{label} {impl[column]}"
            for column, label in (
                ("version", "software version"),
                ("environment", "environment"),
                ("created_at", "created"),
                ("updated_at", "updated"),
                ("curie_prefix", "CURIE prefix"),
            )
            if impl[column]
        ]
        if fields:
            parts.append(f"{impl['id']}: {', '.join(fields)}")
    if not parts:
        return []
    return ["GA4GH registry implementation details (no record key yet): " + "; ".join(parts)]
