"""ROR v2 records (JSON lines, a JSON file, or a folder of ``*.json``) → organisation records.

Each ROR record becomes ``data/organisations/<slug>.yaml``: the slug of the existing record with
the same ROR id, Wikidata id or name (see ``reconcile``), else the ROR id's last segment
(``https://ror.org/0001j6c19`` → ``0001j6c19``). What maps onto record keys:

- names: ``ror_display`` → ``name``; labels and the display name with a language → ``labels``;
  the first acronym → ``acronym``; other acronyms, aliases and labels without a language →
  ``aliases``. Name types and the languages of aliases and acronyms have no key yet: when a
  record has any, the full ``names`` list is kept verbatim (JSON) in a note starting "ROR names".
- ``types``, ``status``, ``established``; ``locations`` (GeoNames id, city, region, country,
  country code; coordinates are GeoNames' data, reachable by the id, and are not copied);
- ``links``: the first website → ``homepage``, the others (Wikipedia, …) → ``links``;
- ``external_ids``: GRID, ISNI, FundRef → ``identifiers`` (every value, preferred first);
  Wikidata (preferred, else first) → ``wikidata``, further Wikidata ids → a note;
- ``relationships``: type, ROR id and label, plus ``organisation: <slug>`` when the related
  organisation is in the data (or in the same import); otherwise the ROR IRI stays the link;
- ``domains`` → a note (no key yet). ``admin`` (ROR's own bookkeeping) is not kept.

When two organisations would share a name (the record shapes refuse that), the city is added:
"Hospital San Agustín (Linares)"; ROR's display name stays in ``labels`` and a note says why.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consortia_kg.errors import InputError
from consortia_kg.fieldtypes import ROR as ROR_TYPE
from consortia_kg.fieldtypes import FieldError
from consortia_kg.importers.inputs import decode_text, input_error
from consortia_kg.importers.plan import Ownership, Workspace
from consortia_kg.records import ORG_STATUS_TERMS, ORG_TYPES

__all__ = ["ROR_KEYS", "RorInput", "RorRecord", "import_ror", "read_ror"]

#: The keys a ROR import is the authority for; an update replaces exactly these.
ROR_KEYS = frozenset(
    {
        "name", "acronym", "labels", "types", "status", "established", "homepage", "links",
        "ror", "wikidata", "locations", "relationships",
    }
)  # fmt: skip
#: Notes a ROR import writes start so; a re-import replaces them.
NOTE_PREFIXES = ("ROR names", "ROR domains", "ROR Wikidata", "ROR's display name")
#: Every ROR v2 record has these keys (``established`` may be null).
REQUIRED = (
    "id", "names", "types", "status", "locations", "links", "external_ids", "relationships",
    "established",
)  # fmt: skip
_CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
_NAME_TYPES = ("ror_display", "label", "alias", "acronym")
_RELATIONSHIP_TYPES = ("parent", "child", "related", "successor", "predecessor")


@dataclass(frozen=True)
class RorRecord:
    """One ROR record with where it was read."""

    display: str
    line: int
    data: dict[str, Any]

    @property
    def ror(self) -> str:
        """Return the ROR IRI."""
        return str(self.data["id"])


@dataclass(frozen=True)
class RorInput:
    """Every record of one input (file or folder), checked, and the input's bytes for its source."""

    display: str
    path: Path | None
    raw: bytes
    records: list[RorRecord]


def read_ror(name: str) -> RorInput:
    """Read and check every record of a JSON-lines file, a JSON file or a folder of JSON files."""
    path = Path(name)
    if path.is_dir():
        files = sorted(path.glob("*.json"))
        if not files:
            raise InputError(f"{name}: no *.json files in this folder", hint="name ROR records")
        records: list[RorRecord] = []
        digest = hashlib.sha256()
        for file in files:
            raw = file.read_bytes()
            digest.update(f"{file.name}\0{hashlib.sha256(raw).hexdigest()}\n".encode())
            records.extend(_read_json(raw, str(file)))
        _check_unique(records)
        # a folder's "bytes": the list of its files and their checksums, so its sha256 is stable
        return RorInput(name, path, digest.hexdigest().encode(), records)
    if not path.is_file():
        raise InputError(f"{name}: not there", hint="name a ROR .jsonl or .json file, or a folder")
    raw = path.read_bytes()
    records = _read_json(raw, name) if path.suffix == ".json" else _read_lines(raw, name)
    _check_unique(records)
    return RorInput(name, path, raw, records)


def _read_lines(raw: bytes, display: str) -> list[RorRecord]:
    text = decode_text(raw, display, "ROR records (one JSON object per line)")
    records = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            began = line.lstrip().startswith("{")
            cut = began and ("Unterminated" in exc.msg or not line.rstrip().endswith("}"))
            complete = "is not complete JSON (cut short?)" if cut else "is not JSON"
            raise input_error(
                display, number, f"line {number} {complete}: {exc.msg}, column {exc.colno}",
                "each line of a .jsonl file is one whole ROR record; re-export the file",
            ) from None  # fmt: skip
        records.append(_checked(data, display, number))
    return records


def _read_json(raw: bytes, display: str) -> list[RorRecord]:
    text = decode_text(raw, display, "ROR records (JSON)")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise input_error(
            display, exc.lineno, f"not JSON: {exc.msg} (column {exc.colno})",
            "give a ROR record, a JSON list of them, or a .jsonl file",
        ) from None  # fmt: skip
    if isinstance(data, list):
        # the line of each element, for messages: found by decoding the list element by element
        lines = _element_lines(text)
        return [_checked(d, display, lines[i] if i < len(lines) else 1) for i, d in enumerate(data)]
    return [_checked(data, display, 1)]


def _element_lines(text: str) -> list[int]:
    decoder = json.JSONDecoder()
    lines: list[int] = []
    pos = text.index("[") + 1
    while True:
        while pos < len(text) and text[pos] in " \t\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return lines
        lines.append(text.count("\n", 0, pos) + 1)
        _, pos = decoder.raw_decode(text, pos)


def _checked(data: Any, display: str, line: int) -> RorRecord:
    """Check the shape of a ROR v2 record; refuse it naming the file, line and field."""
    if not isinstance(data, dict):
        raise input_error(
            display, line, f"not a ROR record: a JSON {type(data).__name__}, not an object",
            "give ROR v2 records (objects with id, names, types, status, …)",
        )  # fmt: skip
    ident = data.get("id")
    who = f"ROR record {ident}" if isinstance(ident, str) else "this ROR record"

    def bad(what: str) -> InputError:
        return input_error(
            display, line, f"{who}: {what}",
            "give complete ROR v2 records (https://ror.readme.io/docs/data-structure)",
        )  # fmt: skip

    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise bad(f"`{'`, `'.join(missing)}` {'is' if len(missing) == 1 else 'are'} missing")
    try:
        ROR_TYPE.parse(str(ident))
    except FieldError:
        raise bad(f"`id` {ident!r} is not a ROR id (https://ror.org/0…)") from None
    if data["status"] not in ORG_STATUS_TERMS:
        raise bad(f"`status` {data['status']!r} is not one of {', '.join(ORG_STATUS_TERMS)}")
    if not isinstance(data["types"], list) or any(t not in ORG_TYPES for t in data["types"]):
        raise bad(f"`types` {data['types']!r} holds a type ROR does not define")
    names = data["names"]
    if not isinstance(names, list) or not all(_is_name(n) for n in names):
        raise bad("`names` must be a list of {value, types, lang}")
    if sum("ror_display" in n["types"] for n in names) != 1:
        raise bad("`names` must have exactly one name of type ror_display")
    for key in ("locations", "links", "external_ids", "relationships"):
        if not isinstance(data[key], list) or not all(isinstance(x, dict) for x in data[key]):
            raise bad(f"`{key}` must be a list of objects")
    for location in data["locations"]:
        if not isinstance(location.get("geonames_id"), int) or not isinstance(
            location.get("geonames_details"), dict
        ):
            raise bad("a location lacks `geonames_id` or `geonames_details`")
    for link in data["links"]:
        if not isinstance(link.get("value"), str) or not isinstance(link.get("type"), str):
            raise bad("a link lacks `type` or `value`")
    for ext in data["external_ids"]:
        if not isinstance(ext.get("type"), str) or not isinstance(ext.get("all"), list):
            raise bad("an external id lacks `type` or `all`")
    for rel in data["relationships"]:
        if rel.get("type") not in _RELATIONSHIP_TYPES or not isinstance(rel.get("id"), str):
            raise bad(f"a relationship has no ROR `id` or an unknown `type` ({rel.get('type')!r})")
    established = data["established"]
    if established is not None and not isinstance(established, int):
        raise bad(f"`established` {established!r} is not a year")
    return RorRecord(display, line, data)


def _is_name(name: Any) -> bool:
    return (
        isinstance(name, dict)
        and isinstance(name.get("value"), str)
        and bool(name["value"].strip())
        and isinstance(name.get("types"), list)
        and all(t in _NAME_TYPES for t in name["types"])
        and (name.get("lang") is None or isinstance(name.get("lang"), str))
    )


def _check_unique(records: list[RorRecord]) -> None:
    seen: dict[str, RorRecord] = {}
    for record in records:
        first = seen.setdefault(record.ror, record)
        if first is not record:
            raise input_error(
                record.display, record.line,
                f"ROR record {record.ror} appears twice (first at {first.display}:{first.line})",
                "keep one copy of each record",
            )  # fmt: skip


# --- the import ----------------------------------------------------------------------------


def import_ror(ws: Workspace, data: RorInput, tick: Callable[[], None] | None = None) -> list[str]:
    """Plan an organisation record per ROR record; return their slugs, in input order."""
    source = ws.ensure_source(data.raw, data.path, data.display, _source_fields(data))
    own = Ownership(
        source,
        ROR_KEYS,
        note_prefixes=NOTE_PREFIXES,
        identifier_schemes=("grid", "isni", "fundref"),
    )
    slugs: dict[str, str] = {}
    for record in data.records:
        slugs[record.ror] = _slug_for(ws, record, source)
    by_ror = {str(r["ror"]): slug for slug, r in ws.records["organisation"].items() if r.get("ror")}
    by_ror.update(slugs)
    clashes = _name_clashes(ws, data.records, slugs)
    for record in data.records:
        fields = _record(record.data, by_ror, source, clashes.get(record.ror, ""))
        ws.put("organisation", slugs[record.ror], fields, own)
        if tick is not None:
            tick()
    return [slugs[r.ror] for r in data.records]


def _slug_for(ws: Workspace, record: RorRecord, source: str) -> str:
    data = record.data
    wikidata = _wikidata(data)[0]
    found = ws.find(
        "organisation", _display_name(data), ror=record.ror, wikidata=wikidata, source=source
    )
    return found or record.ror.rsplit("/", 1)[1]


def _display_name(data: dict[str, Any]) -> str:
    return next(str(n["value"]).strip() for n in data["names"] if "ror_display" in n["types"])


def _wikidata(data: dict[str, Any]) -> tuple[str | None, list[str]]:
    for ext in data["external_ids"]:
        if ext["type"] == "wikidata" and ext["all"]:
            preferred = ext.get("preferred") or ext["all"][0]
            return str(preferred), [str(v) for v in ext["all"] if v != preferred]
    return None, []


def _name_clashes(ws: Workspace, records: list[RorRecord], slugs: dict[str, str]) -> dict[str, str]:
    """Return ROR id → the name to use, for records whose display name another record has."""
    batch = set(slugs.values())
    taken: dict[str, set[str]] = {}
    for slug, other in ws.records["organisation"].items():
        if slug in batch:
            continue
        for text in [other.get("name"), *(lab.get("value") for lab in other.get("labels") or [])]:
            if text:
                taken.setdefault(str(text).casefold(), set()).add(slug)
    for record in records:
        taken.setdefault(_display_name(record.data).casefold(), set()).add(slugs[record.ror])
    out: dict[str, str] = {}
    used: set[str] = set()
    for record in records:
        name = _display_name(record.data)
        if len(taken[name.casefold()] - {slugs[record.ror]}) == 0:
            continue
        city = next(
            (str(loc["geonames_details"].get("name") or "") for loc in record.data["locations"]),
            "",
        )
        candidate = f"{name} ({city})" if city else ""
        if not candidate or candidate.casefold() in used or candidate.casefold() in taken:
            candidate = f"{name} ({record.ror.rsplit('/', 1)[1]})"
        used.add(candidate.casefold())
        out[record.ror] = candidate
    return out


def _record(
    data: dict[str, Any], by_ror: dict[str, str], source: str, clash_name: str
) -> dict[str, Any]:
    names = data["names"]
    display = _display_name(data)
    out: dict[str, Any] = {"name": clash_name or display}
    acronyms = [n["value"].strip() for n in names if "acronym" in n["types"]]
    if acronyms:
        out["acronym"] = acronyms[0]
    aliases: list[str] = list(acronyms[1:])
    labels: list[dict[str, str]] = []
    for n in names:
        value, lang, types = n["value"].strip(), n.get("lang"), n["types"]
        if ("label" in types or "ror_display" in types) and lang:
            labels.append({"value": value, "lang": lang})
        elif "label" in types and "ror_display" not in types:
            aliases.append(value)
        if "alias" in types:
            aliases.append(value)
    if clash_name and not any(lab["value"] == display for lab in labels):
        aliases.append(display)
    out["aliases"] = [a for i, a in enumerate(aliases) if a != out["name"] and a not in aliases[:i]]
    out["labels"] = labels
    out["types"] = list(data["types"])
    out["status"] = data["status"]
    if data["established"] is not None:
        out["established"] = str(data["established"])
    websites = [link["value"].strip() for link in data["links"] if link["type"] == "website"]
    if websites:
        out["homepage"] = websites[0]
    out["links"] = [
        link["value"].strip()
        for link in data["links"]
        if not (link["type"] == "website" and link["value"].strip() == websites[0])
    ]
    out["ror"] = data["id"]
    wikidata, more_wikidata = _wikidata(data)
    if wikidata:
        out["wikidata"] = wikidata
    identifiers: list[dict[str, str]] = []
    for ext in data["external_ids"]:
        if ext["type"] not in ("grid", "isni", "fundref"):
            continue
        values = [str(v) for v in ext["all"]]
        preferred = ext.get("preferred")
        if preferred in values:
            values.remove(preferred)
            values.insert(0, preferred)
        identifiers.extend({"scheme": ext["type"], "value": v} for v in values)
    out["identifiers"] = identifiers
    out["locations"] = [_location(loc) for loc in data["locations"]]
    relationships = []
    for rel in data["relationships"]:
        item: dict[str, Any] = {"type": rel["type"]}
        if rel["id"] in by_ror:
            item["organisation"] = by_ror[rel["id"]]
        item["ror"] = rel["id"]
        if rel.get("label"):
            item["label"] = str(rel["label"]).strip()
        relationships.append(item)
    out["relationships"] = relationships
    out["sources"] = [source]
    out["notes"] = _notes(data, more_wikidata, clash_name, display)
    return out


def _location(location: dict[str, Any]) -> dict[str, Any]:
    details = location["geonames_details"]
    out: dict[str, Any] = {}
    for key, ror_key in (
        ("city", "name"),
        ("region", "country_subdivision_name"),
        ("country", "country_name"),
        ("country_code", "country_code"),
    ):
        if details.get(ror_key):
            out[key] = str(details[ror_key]).strip()
    out["geonames_id"] = str(location["geonames_id"])
    return out


def _representable(name: dict[str, Any]) -> bool:
    """Return True when the record keys can hold this name with its types and language."""
    types, lang = set(name["types"]), name.get("lang")
    if types <= {"ror_display", "label"}:
        return bool(lang) or "ror_display" in types
    return len(types) == 1 and not lang  # a lone acronym or alias without a language


def _notes(
    data: dict[str, Any], more_wikidata: list[str], clash_name: str, display: str
) -> list[str]:
    notes = []
    if not all(_representable(n) for n in data["names"]):
        verbatim = json.dumps(
            [
                {"value": n["value"], "types": n["types"], "lang": n.get("lang")}
                for n in data["names"]
            ],
            ensure_ascii=False,
        )
        notes.append(f"ROR names with their types and languages (no record key yet): {verbatim}")
    domains = [str(d) for d in data.get("domains") or []]
    if domains:
        notes.append(f"ROR domains (no record key yet): {', '.join(domains)}")
    if more_wikidata:
        extra = ", ".join(more_wikidata)
        notes.append(f"ROR Wikidata ids besides the preferred one (no record key yet): {extra}")
    if clash_name:
        notes.append(
            f'ROR\'s display name is "{display}"; "{clash_name}" tells it apart from another '
            "organisation record with the same name."
        )
    return notes


def _source_fields(data: RorInput) -> dict[str, Any]:
    stem = data.path.name if data.path is not None else data.display
    release = re.search(r"v\d+(?:\.\d+)+", stem)
    title = f"ROR records, release {release.group(0)}" if release else f"ROR records ({stem})"
    dates = [
        str(r.data.get("admin", {}).get("last_modified", {}).get("date") or "")
        for r in data.records
        if isinstance(r.data.get("admin"), dict)
        and isinstance(r.data["admin"].get("last_modified"), dict)
    ]
    fields: dict[str, Any] = {
        "title": title,
        "kind": "registry-release",
        "publisher": "Research Organization Registry (ROR)",
        "licence": _CC0,
        "description": (
            f"{len(data.records)} ROR v2 records ({stem}), read by `consortia-kg import ror`. "
            "ROR data is CC0 1.0. The date is the latest last_modified date of the records."
        ),
    }
    valid = sorted(d for d in dates if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d))
    if valid:
        fields["date"] = valid[-1]
    return fields
