"""Match names to organisation (or consortium) records, and find likely duplicate organisations.

A name is matched in three steps, strongest first:

1. the same identifier: ROR id, Wikidata id, or a registry identifier (``identifiers``): 100;
2. the same name, alias or label once normalised (case, accents, punctuation, ``&``/``and``,
   a leading "The" and white space do not count): 100; the same acronym: :data:`ACRONYM_SCORE`;
3. a fuzzy score (rapidfuzz ``token_sort_ratio`` of the normalised names, 0-100), capped at 99
   so that only an identical name or identifier scores 100.

Two records that carry different ROR ids (or different Wikidata ids) are different
organisations whatever their names: they are never candidates for each other.

Thresholds (importers and ``consortia-kg reconcile`` use the same ones):

=================  =====  =================================================================
``LINK_SCORE``     95     an importer links to the existing record without asking
``ASK_SCORE``      85     an importer asks (with ``--yes``: links, and reports it)
``SHOW_SCORE``     60     ``consortia-kg reconcile`` lists candidates from here up
``DUPLICATE_SCORE`` 92    ``find_likely_duplicates`` warns about two records from here up
=================  =====  =================================================================
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from consortia_kg.errors import Problem, Severity

__all__ = [
    "ACRONYM_SCORE",
    "ASK_SCORE",
    "DUPLICATE_SCORE",
    "LINK_SCORE",
    "SHOW_SCORE",
    "Candidate",
    "NameIndex",
    "find_likely_duplicates",
    "normalise_name",
]

#: An importer links a name to an existing record from this score up, without asking.
LINK_SCORE = 95.0
#: From this score up (and below ``LINK_SCORE``) an importer asks, or with ``--yes`` links.
ASK_SCORE = 85.0
#: ``consortia-kg reconcile`` shows candidates from this score up.
SHOW_SCORE = 60.0
#: Two organisation records whose names score this much are reported as likely duplicates.
DUPLICATE_SCORE = 92.0
#: The score of an acronym match: acronyms are short and shared, so a curator confirms them.
ACRONYM_SCORE = 90.0
#: Fuzzy scores stop here: 100 is kept for identical identifiers and names.
_FUZZY_CAP = 99.0
#: Names shorter than this (once normalised) are only ever matched exactly.
_FUZZY_MIN_LENGTH = 5

_TRAILING_ACRONYM = re.compile(r"\s*\(([^()]{1,20})\)\s*$")
_APOSTROPHES = re.compile("['’ʼ`´]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise_name(text: str) -> str:
    """Return ``text`` without case, accents, punctuation, ``&``, a leading "the" or extra spaces.

    >>> normalise_name("  The Children’s Hospital of Philadelphia ")
    'childrens hospital of philadelphia'
    >>> normalise_name("Biogéochimie des Écosystèmes & Forêts")
    'biogeochimie des ecosystemes and forets'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    plain = plain.replace("&", " and ").replace("ß", "ss")
    plain = _APOSTROPHES.sub("", plain)
    words = _NON_WORD.sub(" ", plain).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True)
class Candidate:
    """An existing record that may be the thing a name means."""

    slug: str
    kind: str
    name: str
    score: float
    reason: str
    matched: str

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form of ``consortia-kg reconcile --format json``."""
        return {
            "slug": self.slug,
            "kind": self.kind,
            "name": self.name,
            "score": round(self.score, 1),
            "reason": self.reason,
            "matched": self.matched,
        }


@dataclass
class _Entry:
    slug: str
    kind: str
    name: str
    names: list[tuple[str, str]]  # (normalised text, what: name | alias | label)
    acronyms: dict[str, str]  # normalised → as written
    ror: str | None
    wikidata: str | None
    identifiers: set[tuple[str, str]]
    original: dict[str, str] = field(default_factory=dict)  # normalised → as written


def _entry(slug: str, kind: str, record: Mapping[str, Any]) -> _Entry:
    name = str(record.get("name") or slug)
    names: list[tuple[str, str]] = []
    original: dict[str, str] = {}

    def add(text: str, what: str) -> None:
        norm = normalise_name(text)
        if norm and all(norm != n for n, _ in names):
            names.append((norm, what))
            original.setdefault(norm, text)

    add(name, "name")
    for alias in record.get("aliases") or []:
        add(str(alias), "alias")
    for label in record.get("labels") or []:
        add(str(label.get("value", "")), "label")
    acronym = str(record.get("acronym") or "")
    acronyms = {normalise_name(acronym): acronym} if normalise_name(acronym) else {}
    identifiers = {
        (str(i.get("scheme")), str(i.get("value"))) for i in record.get("identifiers") or []
    }
    ror = record.get("ror")
    wikidata = record.get("wikidata")
    return _Entry(
        slug,
        kind,
        name,
        names,
        acronyms,
        str(ror) if ror else None,
        str(wikidata) if wikidata else None,
        identifiers,
        original,
    )


class NameIndex:
    """Records (as plain dicts) that names are matched against."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], _Entry] = {}

    def add(self, slug: str, record: Mapping[str, Any], kind: str = "organisation") -> None:
        """Add (or replace) a record: its name, acronym, aliases, labels and identifiers."""
        self._entries[(kind, slug)] = _entry(slug, kind, record)

    def __len__(self) -> int:
        return len(self._entries)

    def match(
        self,
        name: str = "",
        *,
        acronym: str = "",
        ror: str | None = None,
        wikidata: str | None = None,
        identifiers: Iterable[tuple[str, str]] = (),
        floor: float = SHOW_SCORE,
        limit: int | None = None,
    ) -> list[Candidate]:
        """Return the records ``name`` (and the ids given) may mean, best first."""
        from rapidfuzz import fuzz

        tail = _TRAILING_ACRONYM.search(name)
        if tail and not acronym:  # "Centre for Genomic Regulation (CRG)"
            name, acronym = name[: tail.start()], tail.group(1)
        query = normalise_name(name)
        query_acronym = normalise_name(acronym) if acronym else ""
        ids = set(identifiers)
        best: dict[tuple[str, str], Candidate] = {}

        def offer(entry: _Entry, score: float, reason: str, matched: str) -> None:
            key = (entry.kind, entry.slug)
            old = best.get(key)
            if score >= floor and (old is None or score > old.score):
                best[key] = Candidate(entry.slug, entry.kind, entry.name, score, reason, matched)

        for entry in self._entries.values():
            if (ror and entry.ror and ror != entry.ror) or (
                wikidata and entry.wikidata and wikidata != entry.wikidata
            ):
                continue  # the registries say these are different organisations
            if ror and entry.ror == ror:
                offer(entry, 100.0, "same ROR id", ror)
                continue
            if wikidata and entry.wikidata == wikidata:
                offer(entry, 100.0, "same Wikidata id", wikidata)
                continue
            shared = sorted(ids & entry.identifiers)
            if shared:
                offer(entry, 100.0, f"same {shared[0][0]} id", shared[0][1])
                continue
            if not query and not query_acronym:
                continue
            for norm, what in entry.names:
                if query and norm == query:
                    offer(entry, 100.0, f"same {what}", entry.original[norm])
            for text in {query, query_acronym} & entry.acronyms.keys():
                offer(entry, ACRONYM_SCORE, "same acronym", entry.acronyms[text])
            if len(query) >= _FUZZY_MIN_LENGTH:
                for norm, _ in entry.names:
                    if len(norm) < _FUZZY_MIN_LENGTH:
                        continue
                    score = min(float(fuzz.token_sort_ratio(query, norm)), _FUZZY_CAP)
                    offer(entry, score, "similar name", entry.original[norm])
        found = sorted(best.values(), key=lambda c: (-c.score, c.kind, c.slug))
        return found[:limit] if limit is not None else found


def find_likely_duplicates(records: Iterable[Any]) -> list[Problem]:
    """Return a warning for each pair of organisation records that are likely one organisation.

    ``records`` is a ``records.RecordSet`` (or any iterable of ``records.Record``); only
    organisation records are compared. A pair is reported when a name, alias or label of one
    equals (normalised) or scores at least :data:`DUPLICATE_SCORE` against one of the other, and
    the two do not carry different ROR or Wikidata ids (then they are distinct by definition).
    Identical identifiers are left to the SHACL shapes, which report them as errors.
    """
    from rapidfuzz import fuzz, process

    from consortia_kg.records import SCHEMAS
    from consortia_kg.recordwriter import item_to_dict

    orgs = sorted((r for r in records if r.kind == "organisation"), key=lambda r: r.slug)
    entries = [_entry(r.slug, "organisation", item_to_dict(SCHEMAS[r.kind], r.item)) for r in orgs]
    texts: list[str] = []
    owners: list[int] = []
    for index, entry in enumerate(entries):
        for norm, _ in entry.names:
            if len(norm) >= _FUZZY_MIN_LENGTH:
                texts.append(norm)
                owners.append(index)
    if not texts:
        return []
    pairs: dict[tuple[int, int], tuple[float, str, str]] = {}
    for row, text in enumerate(texts):
        found = process.extract(
            text, texts, scorer=fuzz.token_sort_ratio, score_cutoff=DUPLICATE_SCORE, limit=None
        )
        for _, raw_score, col in found:
            a, b = owners[row], owners[col]
            if a >= b:
                continue
            first, second = entries[a], entries[b]
            if (first.ror and second.ror) or (
                first.wikidata and second.wikidata and first.wikidata != second.wikidata
            ):
                continue  # distinct ROR ids: different; equal ones: the shapes report them
            score = float(raw_score)
            old = pairs.get((a, b))
            if old is None or score > old[0]:
                pairs[(a, b)] = (score, first.original[text], second.original[texts[col]])
    problems: list[Problem] = []
    for (a, b), (score, text_a, text_b) in sorted(pairs.items()):
        first, record = entries[a], orgs[b]
        located = record.item.located("name")
        how = "the same name" if score >= 100 else f"a similar name (score {score:.0f})"
        problems.append(
            Problem(
                record.file,
                located.line if located else 1,
                "name",
                f'may be the same organisation as "{first.slug}": '
                f'"{text_b}" and "{text_a}" are {how}',
                why="two records for one organisation split its memberships and links",
                fix="merge the two records (keep one, list the other's names under `aliases`), "
                "or tell them apart with `ror:` or `wikidata:` ids or a more precise name",
                severity=Severity.WARNING,
                shape="likely duplicate",
            )
        )
    return problems
