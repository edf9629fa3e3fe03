"""ROR v2 records (JSON lines, a JSON file, or a folder of ``*.json``) → organisation records.

Each ROR record becomes ``data/organisations/<slug>.yaml``: the slug of the existing record with
the same ROR id, Wikidata id or name (see ``reconcile``), else the ROR id's last segment
(``https://ror.org/0001j6c19`` → ``0001j6c19``). What maps onto record keys:

- names: ``ror_display`` → ``name``; every name, verbatim, → ``labels`` (``value``, ``lang`` when
  ROR gives one, and ``types``: ror_display, label, alias, acronym), in ROR's order; the first
  acronym also → ``acronym`` (what reconciliation and the record's ``ckg:acronym`` use);
- ``types``, ``status``, ``established``; ``locations`` (GeoNames id, city, region, country,
  country code; coordinates are GeoNames' data, reachable by the id, and are not copied);
- ``links``: the first website → ``homepage``, the others (Wikipedia, …) → ``links``;
- ``domains`` → ``domains``;
- ``external_ids``: GRID, ISNI, FundRef → ``identifiers`` (every value, preferred first);
  Wikidata: the preferred id (else the first) → ``wikidata``, every other one → ``identifiers``
  with scheme ``wikidata``;
- ``relationships``: type, ROR id and label, plus ``organisation: <slug>`` when the related
  organisation is in the data (or in the same import); otherwise the ROR IRI stays the link.

A ROR record named with ``--consortium`` becomes a consortium record instead (see
``ror_consortium``); one whose names say "Consortium" is listed as a candidate for it.

``admin`` (ROR's own bookkeeping) is not kept. Two ROR records may share a display name (two
hospitals called "Hospital San Agustín"): each keeps ROR's name, as the record shapes do not
call two organisations with different ROR ids duplicates.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consortia_kg.errors import InputError
from consortia_kg.importers.inputs import decode_text, input_error, parse_json
from consortia_kg.importers.plan import Ownership, Workspace, slugify
from consortia_kg.importers.ror_consortium import (
    CONSORTIUM_KEYS,
    consortium_fields,
    looks_like_consortium,
)
from consortia_kg.importers.ror_consortium import STATUS as CONSORTIUM_STATUS
from consortia_kg.records.fieldtypes import ROR as ROR_TYPE
from consortia_kg.records.fieldtypes import FieldError
from consortia_kg.records.plain import (
    IdentifierFields,
    LabelFields,
    LocationFields,
    OrganisationFields,
    RelationshipFields,
    SourceFields,
)
from consortia_kg.records.schema import ORG_STATUS_TERMS, ORG_TYPES

#: A ROR record nests a few levels (names, locations, geonames details).
_DEPTH_HINT = "give ROR records as exported by ROR; this is not one"

__all__ = ["ROR_KEYS", "RorInput", "RorRecord", "consortium_rors", "import_ror", "read_ror"]

#: The keys a ROR import is the authority for; an update replaces exactly these.
ROR_KEYS = frozenset(
    {
        "name", "acronym", "labels", "types", "status", "established", "homepage", "links",
        "domains", "ror", "wikidata", "locations", "relationships",
    }
)  # fmt: skip
#: The ROR identifier schemes of ``identifiers``; a re-import replaces them.
IDENTIFIER_SCHEMES = ("grid", "isni", "fundref", "wikidata")
#: Notes earlier versions of this import wrote (names, domains and Wikidata ids before the record
#: format had keys for them; a city added to a shared name): a re-import removes them.
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
            try:
                raw = file.read_bytes()
            except OSError as exc:
                raise InputError(
                    f"{file}: cannot read it: {exc.strerror}",
                    hint="keep only ROR record files (*.json) in the folder",
                ) from None
            digest.update(f"{file.name}\0{hashlib.sha256(raw).hexdigest()}\n".encode())
            records.extend(_read_json(raw, str(file)))
        _check_unique(records)
        # a folder's "bytes": the list of its files and their checksums, so its sha256 is stable
        return RorInput(name, path, digest.hexdigest().encode(), records)
    if not path.is_file():
        raise InputError(f"{name}: not there", hint="name a ROR .jsonl or .json file, or a folder")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: cannot read it: {exc.strerror}", hint="check the path") from None
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
            data = parse_json(line, display, number, _DEPTH_HINT)
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
        data = parse_json(text, display, 0, _DEPTH_HINT)
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


def _checked(data: object, display: str, line: int) -> RorRecord:
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


def _is_name(name: object) -> bool:
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


def import_ror(
    ws: Workspace,
    data: RorInput,
    tick: Callable[[], None] | None = None,
    consortia: Collection[str] = (),
) -> list[str]:
    """Plan a record per ROR record; return their slugs, in input order.

    Each ROR record becomes an organisation record, except those whose ROR ids are in
    ``consortia`` (see :func:`consortium_rors`): each of those a consortium record
    (``ror_consortium``). Records whose names say "Consortium" but are not in ``consortia`` are
    listed in ``ws.messages`` as candidates.
    """
    by_id = {record.ror: record for record in data.records}
    for ror in consortia:
        _check_consortium(by_id, ror, data.display)
    source = ws.ensure_source(data.raw, data.path, data.display, _source_fields(data))
    own = Ownership(
        source, ROR_KEYS, note_prefixes=NOTE_PREFIXES, identifier_schemes=IDENTIFIER_SCHEMES
    )
    slugs: dict[str, str] = {}
    for record in data.records:
        if record.ror in consortia:
            slugs[record.ror] = _consortium_slug_for(ws, record, source)
        elif (slug := _slug_for(ws, record, source)) is not None:
            slugs[record.ror] = slug
    by_ror = {str(r["ror"]): slug for slug, r in ws.records["organisation"].items() if r.get("ror")}
    by_ror.update((ror, slug) for ror, slug in slugs.items() if ror not in consortia)
    for record in data.records:
        if record.ror in consortia:
            _put_consortium(ws, record, slugs[record.ror], source)
        elif record.ror in slugs:  # the others wait for a curator (ws.pending)
            ws.put("organisation", slugs[record.ror], _record(record.data, by_ror, source), own)
        if tick is not None:
            tick()
    for record in data.records:
        if record.ror not in consortia and looks_like_consortium(record.data):
            ws.messages.append(
                f"note: {record.display}:{record.line} ROR record {record.ror} "
                f'("{_display_name(record.data)}") looks like a consortium; use --consortium '
                f"{record.ror} to import it as a consortium record"
            )
    return [slugs[r.ror] for r in data.records if r.ror in slugs]


def consortium_rors(values: Collection[str]) -> frozenset[str]:
    """Return the ROR IRIs of ``--consortium`` values (a ROR IRI, or its last segment)."""
    rors = set()
    for value in values:
        text = value.strip()
        full = text if text.startswith("https://ror.org/") else f"https://ror.org/{text}"
        try:
            rors.add(ROR_TYPE.parse(full))
        except FieldError:
            raise InputError(
                f"--consortium {value!r} is not a ROR id",
                hint="give the consortium's ROR id, e.g. --consortium https://ror.org/017yq1n41",
            ) from None
    return frozenset(str(r) for r in rors)


def _check_consortium(by_id: dict[str, RorRecord], ror: str, display: str) -> None:
    record = by_id.get(ror)
    if record is None:
        raise InputError(
            f"--consortium {ror}: {display} has no ROR record with this id",
            hint="name a ROR id of the file, or leave --consortium out",
        )
    status = record.data["status"]
    if status not in CONSORTIUM_STATUS:
        raise input_error(
            record.display, record.line,
            f"ROR record {ror} is {status}: a consortium record's status is one of "
            f"{', '.join(sorted(set(CONSORTIUM_STATUS.values())))}",
            "import the record ROR lists in its place, or import this one without --consortium",
        )  # fmt: skip


def _consortium_slug_for(ws: Workspace, record: RorRecord, source: str) -> str:
    data = record.data
    name = _display_name(data)
    acronyms = [str(n["value"]).strip() for n in data["names"] if "acronym" in n["types"]]
    found = ws.find(
        "consortium", name, acronym=acronyms[0] if acronyms else "", ror=record.ror,
        wikidata=_wikidata(data)[0], source=source,
    )  # fmt: skip
    return found or ws.free_slug("consortium", slugify(name))


def _put_consortium(ws: Workspace, record: RorRecord, slug: str, source: str) -> None:
    data = record.data
    fields = consortium_fields(data, _display_name(data), _wikidata(data)[0], source)
    ws.put("consortium", slug, fields, Ownership(source, CONSORTIUM_KEYS))
    for other, plain in sorted(ws.records["organisation"].items()):
        if plain.get("ror") == record.ror:
            ws.messages.append(
                f"warning: organisation record {other} has the ROR id {record.ror} of the "
                f"consortium {slug}: remove it if it stood only for the consortium"
            )


def _slug_for(ws: Workspace, record: RorRecord, source: str) -> str | None:
    """The record a ROR record updates (or its own new one); None while a curator decides."""
    data = record.data
    wikidata = _wikidata(data)[0]
    ids = [(e["type"], str(v)) for e in data["external_ids"] if e["type"] in ("grid", "isni",
           "fundref") for v in e["all"]]  # fmt: skip
    places = [loc["geonames_details"] for loc in data["locations"]]
    waiting = len(ws.pending)
    found = ws.find(
        "organisation", _display_name(data), ror=record.ror, wikidata=wikidata, source=source,
        identifiers=ids, country=str(places[0].get("country_code") or "") if places else "",
        city=str(places[0].get("name") or "") if places else "",
        where=f"{record.display}:{record.line}",
    )  # fmt: skip
    if found is None and len(ws.pending) > waiting:
        return None
    return found or record.ror.rsplit("/", 1)[1]


def _display_name(data: dict[str, Any]) -> str:
    return next(str(n["value"]).strip() for n in data["names"] if "ror_display" in n["types"])


def _wikidata(data: dict[str, Any]) -> tuple[str | None, list[str]]:
    for ext in data["external_ids"]:
        if ext["type"] == "wikidata" and ext["all"]:
            preferred = ext.get("preferred") or ext["all"][0]
            return str(preferred), [str(v) for v in ext["all"] if v != preferred]
    return None, []


def _record(data: dict[str, Any], by_ror: dict[str, str], source: str) -> OrganisationFields:
    names = data["names"]
    out: OrganisationFields = {"name": _display_name(data)}
    acronyms = [n["value"].strip() for n in names if "acronym" in n["types"]]
    if acronyms:
        out["acronym"] = acronyms[0]
    out["labels"] = [_label(n) for n in names]
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
    out["domains"] = [str(d).strip() for d in data.get("domains") or []]
    out["ror"] = data["id"]
    wikidata, more_wikidata = _wikidata(data)
    if wikidata:
        out["wikidata"] = wikidata
    identifiers: list[IdentifierFields] = []
    for ext in data["external_ids"]:
        if ext["type"] == "wikidata":
            values = more_wikidata  # the preferred one is `wikidata`
        elif ext["type"] in IDENTIFIER_SCHEMES:
            values = [str(v) for v in ext["all"]]
            preferred = ext.get("preferred")
            if preferred in values:
                values.remove(preferred)
                values.insert(0, preferred)
        else:
            continue
        identifiers.extend({"scheme": ext["type"], "value": v} for v in values)
    out["identifiers"] = identifiers
    out["locations"] = [_location(loc) for loc in data["locations"]]
    relationships: list[RelationshipFields] = []
    for rel in data["relationships"]:
        item: RelationshipFields = {"type": rel["type"]}
        if rel["id"] in by_ror:
            item["organisation"] = by_ror[rel["id"]]
        item["ror"] = rel["id"]
        if rel.get("label"):
            item["label"] = str(rel["label"]).strip()
        relationships.append(item)
    out["relationships"] = relationships
    out["sources"] = [source]
    return out


def _label(name: dict[str, Any]) -> LabelFields:
    """A ROR name as a ``labels`` item: its value, language (when ROR gives one) and types."""
    label: LabelFields = {"value": name["value"].strip()}
    if name.get("lang"):
        label["lang"] = name["lang"]
    label["types"] = list(name["types"])
    return label


def _location(location: dict[str, Any]) -> LocationFields:
    details = location["geonames_details"]
    out: LocationFields = {}
    # a key is left out, not set to None, where ROR gives nothing: a re-import merges by key
    if (city := _detail(details, "name")) is not None:
        out["city"] = city
    if (region := _detail(details, "country_subdivision_name")) is not None:
        out["region"] = region
    if (country := _detail(details, "country_name")) is not None:
        out["country"] = country
    if (country_code := _detail(details, "country_code")) is not None:
        out["country_code"] = country_code
    out["geonames_id"] = str(location["geonames_id"])
    return out


def _detail(details: dict[str, Any], key: str) -> str | None:
    """Return a GeoNames detail as text, or None when ROR gives none."""
    return str(details[key]).strip() if details.get(key) else None


def _source_fields(data: RorInput) -> SourceFields:
    stem = data.path.name if data.path is not None else data.display
    release = re.search(r"v\d+(?:\.\d+)+", stem)
    title = f"ROR records, release {release.group(0)}" if release else f"ROR records ({stem})"
    dates = [
        str(r.data.get("admin", {}).get("last_modified", {}).get("date") or "")
        for r in data.records
        if isinstance(r.data.get("admin"), dict)
        and isinstance(r.data["admin"].get("last_modified"), dict)
    ]
    fields: SourceFields = {
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
