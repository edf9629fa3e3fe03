"""The data folder as an import sees it: what exists, what an import would change, and writing it.

An import never writes while it reads. It builds record dicts, merges each into the existing
record (if any), renders the result with ``records.writer`` and collects a :class:`Change` per file.
Only when every input was read and every record rendered does :meth:`Workspace.write` touch the
folder, and never to overwrite a record that would change unless ``force`` is given.

Merging (an import *updates in place*): each import owns some keys (:class:`Ownership`). An
owned key is replaced by the import's value (or removed when the import has none); items of an
owned list whose ``source`` is another source are kept. Keys the import does not own are kept,
and filled when the record lacks them. ``aliases`` and ``sources`` are unions; ``notes`` are
kept, except those the import recognises as its own, which it replaces. Re-importing the same
input therefore changes nothing. An existing file is updated key by key
(``records.writer.update_record_text``): what did not change keeps its text and its comments.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consortia_kg.atomic import write_atomic
from consortia_kg.errors import InputError
from consortia_kg.reconcile import ASK_SCORE, Match, Query, Reconciler, entity_from_record
from consortia_kg.reconcile.review import Proposal, Review
from consortia_kg.records import display_path, load_records
from consortia_kg.records import fieldtypes as t
from consortia_kg.records.schema import KINDS, SCHEMAS, Field, Schema
from consortia_kg.records.writer import (
    canonical,
    item_to_dict,
    render_record,
    update_record_text,
)

__all__ = [
    "Change",
    "Decide",
    "Ownership",
    "Workspace",
    "copy_path",
    "merge_record",
    "sanitise_record",
    "slugify",
]

#: Asked (at a terminal) when a name may mean a candidate but is not certain: link to it?
Decide = Callable[[str, Match], bool]

_SLUG_MAX = 60


def slugify(text: str) -> str:
    """Return a slug for ``text``: ``"Global Alliance (GA4GH)"`` → ``"global-alliance-ga4gh"``."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    plain = re.sub(r"['’]", "", plain.replace("&", " and "))
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    if len(slug) > _SLUG_MAX:
        slug = slug[:_SLUG_MAX].rsplit("-", 1)[0]
    return slug or "record"


def copy_path(path: Path | None) -> str | None:
    """Return ``shared/…`` for a file under a ``shared`` folder (the team's copies), else None."""
    if path is None:
        return None
    parts = path.resolve().parts
    if "shared" not in parts:
        return None
    return "/".join(parts[len(parts) - 1 - parts[::-1].index("shared") :])


@dataclass(frozen=True)
class Ownership:
    """What one import is the authority for in the records it writes."""

    source: str
    keys: frozenset[str]
    primary: bool = False  # its source goes first in `sources`: facts naming no source are its
    note_prefixes: tuple[str, ...] = ()  # notes starting so are this import's (replaced)
    identifier_schemes: tuple[str, ...] = ()  # `identifiers` of these schemes are this import's


@dataclass
class Change:
    """One file an import would create or change (or leave as it is)."""

    kind: str
    slug: str
    path: Path
    old_text: str | None
    new_text: str

    @property
    def status(self) -> str:
        """Return ``new``, ``changed`` or ``unchanged``."""
        if self.old_text is None:
            return "new"
        return "unchanged" if self.old_text == self.new_text else "changed"

    @property
    def display(self) -> str:
        """Return the path as the curator typed it."""
        return display_path(self.path)

    def diff(self) -> str:
        """Return a unified diff from the file on disk to the new text."""
        return "".join(
            difflib.unified_diff(
                (self.old_text or "").splitlines(keepends=True),
                self.new_text.splitlines(keepends=True),
                fromfile=self.display if self.old_text is not None else "/dev/null",
                tofile=f"{self.display} (imported)",
            )
        )


def merge_record(
    kind: str, existing: dict[str, Any], imported: dict[str, Any], own: Ownership
) -> dict[str, Any]:
    """Return ``existing`` updated with ``imported`` as ``own`` allows (see the module doc)."""
    schema = SCHEMAS[kind]
    old_sources = [str(s) for s in existing.get("sources") or []]
    default_source = old_sources[0] if old_sources else own.source
    out: dict[str, Any] = {}
    for spec in schema.fields:
        key = spec.name
        old, new = existing.get(key), imported.get(key)
        if key == "id":
            out[key] = old or new
        elif key == "sources":
            if own.primary:
                out[key] = [own.source, *(s for s in old_sources if s != own.source)]
            else:
                out[key] = _union(old_sources, [own.source])
        elif key == "notes":
            kept = [n for n in old or [] if not str(n).startswith(own.note_prefixes or ("\0",))]
            out[key] = kept + [n for n in new or [] if n not in kept]
        elif key == "aliases":
            out[key] = _union(old or [], new or [])
        elif key == "identifiers":
            kept = [i for i in old or [] if i.get("scheme") not in own.identifier_schemes]
            out[key] = _union(kept, new or [])
        elif key not in own.keys:
            out[key] = old if old is not None else new
        elif spec.schema is not None and spec.many and spec.schema.field("source") is not None:
            out[key] = _merge_items(old or [], new or [], own.source, default_source)
        else:
            out[key] = new
            if key == "name" and old and new and old != new:
                out["aliases"] = _union(out.get("aliases") or [], [old])
    name = out.get("name")
    if out.get("aliases"):
        out["aliases"] = [a for a in out["aliases"] if a != name]
    return {k: v for k, v in out.items() if v not in (None, [], {})}


def sanitise_record(kind: str, record: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Return ``record`` with every value the record format refuses moved into ``notes``.

    An importer's input is outside data: a year of 0999, a count written "035", an empty name.
    Such a value is dropped from its key and kept verbatim as a note (so nothing is lost), and
    the returned messages say so. An item that loses a required key is kept whole as a note.
    """
    messages: list[str] = []
    notes: list[str] = []
    clean = _clean_mapping(SCHEMAS[kind], record, "", messages, notes)
    if notes:
        clean["notes"] = [
            *clean.get("notes", []),
            *(n for n in notes if n not in clean.get("notes", [])),
        ]
    return clean, messages


def _clean_mapping(
    schema: Schema, record: dict[str, Any], prefix: str, messages: list[str], notes: list[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in schema.fields:
        value = record.get(spec.name)
        if value is None:
            continue
        key = prefix + spec.name
        if spec.none_or_list and value == "none":
            out[spec.name] = "none"
        elif spec.many:
            cleaned = [
                _clean_one(spec, v, f"{key}[{i}]", messages, notes)
                for i, v in enumerate(value, start=1)
            ]
            kept = [v for v in cleaned if v is not None]
            if kept:
                out[spec.name] = kept
        else:
            one = _clean_one(spec, value, key, messages, notes)
            if one is not None:
                out[spec.name] = one
    return out


def _clean_one(spec: Field, value: Any, key: str, messages: list[str], notes: list[str]) -> Any:
    if spec.schema is not None:
        item = _clean_mapping(spec.schema, value, key + ".", messages, notes)
        missing = [f.name for f in spec.schema.fields if f.required and f.name not in item]
        if missing or not item:
            shown = "; ".join(f"{k}: {v}" for k, v in value.items() if isinstance(v, str | int))
            messages.append(f"{key} lacks {', '.join(missing) or 'values'}; kept as a note")
            if shown:
                notes.append(f"{key.split('[')[0]}: {shown}")
            return None
        return item
    text = str(value).strip() if not isinstance(value, bool) else str(value).lower()
    if not text:
        return None
    try:
        if spec.terms:
            if text not in spec.terms:
                raise t.FieldError(f'"{text}" is not one of {", ".join(spec.terms)}', "")
        elif spec.ref:
            t.parse_slug(text)
        else:
            (spec.type or t.TEXT).parse(text)
    except t.FieldError as exc:
        messages.append(f"{key}: {exc.message}; kept as a note")
        notes.append(f"{key}: {text}")
        return None
    return text


def _union(first: list[Any], second: list[Any]) -> list[Any]:
    out = list(first)
    out.extend(v for v in second if v not in out)
    return out


def _merge_items(
    old: list[dict[str, Any]], new: list[dict[str, Any]], source: str, default_source: str
) -> list[dict[str, Any]]:
    """Replace this source's items; keep other sources', filling them from a same-id new item."""
    foreign = [dict(i) for i in old if (i.get("source") or default_source) != source]
    by_id = {i["id"]: i for i in foreign if "id" in i}
    merged: list[dict[str, Any]] = []
    for item in new:
        other = by_id.get(item.get("id", object()))
        if other is None:
            merged.append(item)
        else:  # the other source's item wins; this import fills what it lacks
            other.update({k: v for k, v in item.items() if k not in other})
    return merged + foreign


class Workspace:
    """The records of a data folder, and the changes an import would make to it."""

    def __init__(self, data_dir: Path, decide: Decide | None = None) -> None:
        records = load_records(data_dir)
        self.data_dir = data_dir
        self.decide = decide
        self.records: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
        self.unreadable = {p.file for p in records.problems if p.fatal}
        for record in records:
            self.records[record.kind][record.slug] = item_to_dict(SCHEMAS[record.kind], record.item)
        #: the records as read (``records`` gains what the import plans): what identity changes
        self._loaded = {kind: dict(by_slug) for kind, by_slug in self.records.items()}
        self.reconciler = Reconciler(
            entity_from_record(slug, kind, plain)
            for kind in ("organisation", "consortium")
            for slug, plain in sorted(self.records[kind].items())
        )
        self.review = Review.load(data_dir)
        self.changes: dict[tuple[str, str], Change] = {}
        self.messages: list[str] = []
        #: proposals no curator decided yet, made by this import (in the review file on write)
        self.pending: list[Proposal] = []

    # --- reading -------------------------------------------------------------------------

    def path(self, kind: str, slug: str) -> Path:
        """Return where the ``kind`` record ``slug`` lives."""
        return self.data_dir / KINDS[kind][0] / f"{slug}.yaml"

    def get(self, kind: str, slug: str) -> dict[str, Any] | None:
        """Return a record as plain data, including what this import already planned."""
        return self.records[kind].get(slug)

    def find(
        self,
        kind: str,
        name: str,
        *,
        acronym: str = "",
        ror: str | None = None,
        wikidata: str | None = None,
        identifiers: Iterable[tuple[str, str]] = (),
        source: str = "",
        country: str = "",
        city: str = "",
        where: str = "",
    ) -> str | None:
        """Return the slug of the record ``name`` means, or None (nothing, or not decided).

        A certain match links. An uncertain one links only when a curator accepted it (in the
        review file, or at the prompt: the answer is kept); a rejected one does not; an
        undecided one becomes a proposal in :attr:`pending` and the review file, and None is
        returned. A link by name is reported, except to a record that already names ``source``.
        """
        ids = list(identifiers)
        ids += [(scheme, v) for scheme, v in (("ror", ror), ("wikidata", wikidata)) if v]
        query = Query(name, acronym, country, city, tuple(ids), kind)
        for best in self.reconciler.match(query, floor=ASK_SCORE, limit=5):
            known = source and source in (self.records[kind].get(best.key) or {}).get("sources", [])
            if best.certain:
                if not best.reason.endswith(" id") and not known:  # by name: a curator may check
                    self.messages.append(
                        f'note: linked "{name}" to {kind} {best.key} ({best.reason}, '
                        f"score {best.score:.0f})"
                    )
                return best.key
            decision = self.review.decision(kind, name, country, best.key)
            if decision is None and self.decide is not None:
                asked = self.decide(name, best)
                decision = "accept" if asked else "reject"
                proposal = self.review.propose(Proposal.of(kind, name, country, where, best))
                self.review.decide(self.review.proposals.index(proposal) + 1, decision)
            if decision == "accept":
                self.messages.append(
                    f'note: linked "{name}" to {kind} {best.key} ("{best.name}", {best.reason}, '
                    f"score {best.score:.0f}): a curator accepted it"
                )
                return best.key
            if decision == "reject":
                continue  # the next candidate, if any, is weighed on its own
            proposal = self.review.propose(Proposal.of(kind, name, country, where, best))
            self.pending.append(proposal)
            return None
        return None

    def free_slug(self, kind: str, wanted: str) -> str:
        """Return ``wanted``, or ``wanted-2``… when a record already has it."""
        slug, n = wanted, 1
        while slug in self.records[kind] or self.path(kind, slug).exists():
            n += 1
            slug = f"{wanted}-{n}"
        return slug

    # --- planning ------------------------------------------------------------------------

    def put(
        self, kind: str, slug: str, record: Mapping[str, object], own: Ownership, comment: str = ""
    ) -> Change:
        """Merge ``record`` into the existing ``kind`` record ``slug`` (if any) and plan it."""
        path = self.path(kind, slug)
        if display_path(path) in self.unreadable:
            raise InputError(
                f"{display_path(path)} cannot be read, so the import cannot update it",
                hint="run `consortia-kg validate` and fix that file first",
            )
        existing = self.records[kind].get(slug)
        clean, problems = sanitise_record(kind, {**record, "id": slug})
        self.messages.extend(f"warning: {display_path(path)}: {m}" for m in problems)
        imported = canonical(kind, clean)
        merged = merge_record(kind, existing or {}, imported, own)
        sources = ", ".join(merged.get("sources") or [])
        comment = comment or _comment(kind, sources)
        old_text = path.read_text(encoding="utf-8") if path.is_file() else None
        # an existing file changes only where its values do: comments and layout stay
        text = (
            render_record(kind, merged, comment)
            if old_text is None
            else update_record_text(kind, old_text, merged, comment)
        )
        change = Change(kind, slug, path, old_text, text)
        self.changes[(kind, slug)] = change
        self.records[kind][slug] = merged
        if kind in ("organisation", "consortium"):
            self.reconciler.add(entity_from_record(slug, kind, merged))
        return change

    def ensure_source(
        self, raw: bytes, path: Path | None, display: str, record: Mapping[str, object]
    ) -> str:
        """Return the slug of the source record for these bytes, planning one if none has them.

        An existing source with the same SHA-256 is reused as it is. ``record`` holds the
        source's keys except ``id``, ``sha256`` and ``copy``, which are filled in here.
        """
        digest = hashlib.sha256(raw).hexdigest()
        for slug, existing in sorted(self.records["source"].items()):
            if existing.get("sha256") == digest:
                return slug
        stem = path.name if path is not None else display
        wanted = slugify(re.sub(r"\.(txt|jsonl|json|sql|html?)$", "", stem))
        slug = wanted if wanted not in self.records["source"] else f"{wanted}-{digest[:8]}"
        source = {**record, "id": slug, "sha256": digest}
        copy = copy_path(path)
        if copy:
            source["copy"] = copy
        comment = f"Source record for {copy or stem}, written by consortia-kg import."
        own = Ownership(slug, frozenset(f.name for f in SCHEMAS["source"].fields))
        self.put("source", slug, source, own, comment)
        return slug

    # --- writing -------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Return how many planned files are new, changed and unchanged."""
        out = {"new": 0, "changed": 0, "unchanged": 0}
        for change in self.changes.values():
            out[change.status] += 1
        return out

    def blocked(self, force: bool) -> list[Change]:
        """Return the existing records that would change, unless ``force``."""
        if force:
            return []
        return [c for c in self.ordered() if c.status == "changed"]

    def ordered(self) -> list[Change]:
        """Return the planned changes: sources, then organisations, then consortia, by slug."""
        order = list(KINDS)
        return sorted(self.changes.values(), key=lambda c: (order.index(c.kind), c.slug))

    def write(self) -> list[Change]:
        """Write every new or changed file (each atomically) and the review file; return them."""
        written = [c for c in self.ordered() if c.status != "unchanged"]
        for change in written:
            write_atomic(change.path, change.new_text.encode("utf-8"))
        self.review.save()
        return written

    def identity_changes(self) -> list[Change]:
        """Return the changes to an existing record's name, identifiers or locations."""
        out = []
        for change in self.ordered():
            if change.status != "changed" or change.kind not in ("organisation", "consortium"):
                continue
            old = self._loaded[change.kind].get(change.slug, {})
            new = self.records[change.kind][change.slug]
            if any(_identity(old, k) != _identity(new, k) for k in IDENTITY_KEYS):
                out.append(change)
        return out


#: What says which organisation a record is: an import changes these only with --force and a diff.
IDENTITY_KEYS = ("name", "ror", "wikidata", "identifiers", "locations")


def _identity(record: Mapping[str, Any], key: str) -> object:
    value = record.get(key)
    if key == "identifiers":
        return sorted((str(i.get("scheme")), str(i.get("value"))) for i in value or [])
    if key == "locations":
        return sorted(
            str(loc.get("country_code") or loc.get("country") or "") for loc in value or []
        )
    return value


def _comment(kind: str, sources: str) -> str:
    return (
        f"{kind.capitalize()} record written by `consortia-kg import` from: {sources}\n"
        "(data/sources/). Edit freely: a re-import replaces only the keys its source fills."
    )
