"""Likely duplicates among organisation records: two records that may be one organisation.

``validate`` warns about each pair (:func:`find_likely_duplicates`). Names are blocked, never
scored all-pairs (:func:`likely_duplicate_pairs`); records whose ROR ids (or Wikidata ids) differ
are never paired: the registries say they are different organisations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from consortia_kg.errors import Problem, Severity
from consortia_kg.reconcile.names import normalise_name
from consortia_kg.records.model import Organisation, Record

__all__ = ["DUPLICATE_SCORE", "DuplicatePair", "find_likely_duplicates", "likely_duplicate_pairs"]

#: Two organisation records whose names score this much are reported as likely duplicates.
DUPLICATE_SCORE = 92.0
#: Names shorter than this (once normalised) are only ever matched exactly.
_FUZZY_MIN_LENGTH = 5


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
    acronyms: dict[str, str] = {}

    def add_acronym(text: str) -> None:
        if normalise_name(text):
            acronyms.setdefault(normalise_name(text), text)

    add_acronym(str(record.get("acronym") or ""))
    for label in record.get("labels") or []:
        value, types = str(label.get("value", "")), set(label.get("types") or ())
        if types == {"acronym"}:  # an acronym only: matched as one (short, often shared)
            add_acronym(value)
        else:
            add(value, "alias" if types == {"alias"} else "label")
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


def find_likely_duplicates(records: Iterable[Record]) -> list[Problem]:
    """Return a warning for each pair of organisation records that are likely one organisation.

    ``records`` is a ``records.RecordSet`` (or any iterable of ``records.Record``); only
    organisation records are compared, by :func:`likely_duplicate_pairs`. Identical identifiers
    and identical names (``name``, case aside) are left to the SHACL shapes, which report them
    as errors.
    """
    from consortia_kg.records.schema import SCHEMAS
    from consortia_kg.records.writer import item_to_dict

    orgs = {r.slug: (r, r.item) for r in records if isinstance(r.item, Organisation)}
    plain = {slug: item_to_dict(SCHEMAS[r.kind], item) for slug, (r, item) in orgs.items()}
    problems: list[Problem] = []
    for pair in likely_duplicate_pairs(plain):
        record, organisation = orgs[pair.second]
        located = organisation.name
        how = "the same name" if pair.score >= 100 else f"a similar name (score {pair.score:.0f})"
        problems.append(
            Problem(
                record.file,
                located.line if located else 1,
                "name",
                f'may be the same organisation as "{pair.first}": '
                f'"{pair.second_text}" and "{pair.first_text}" are {how}',
                why="two records for one organisation split its memberships and links",
                fix="merge the two records (keep one, list the other's names under `aliases`), "
                "or tell them apart with `ror:` or `wikidata:` ids or a more precise name",
                severity=Severity.WARNING,
                shape="likely duplicate",
            )
        )
    return problems


@dataclass(frozen=True)
class DuplicatePair:
    """Two organisation records (``first`` < ``second`` by slug) and their closest names."""

    first: str
    second: str
    score: float
    first_text: str
    second_text: str


def likely_duplicate_pairs(records: Mapping[str, Mapping[str, Any]]) -> list[DuplicatePair]:
    """Return the pairs of ``records`` (slug → record as plain data) that are likely duplicates.

    A pair is reported when a name, alias or label of one equals (normalised) or scores at least
    :data:`DUPLICATE_SCORE` (``token_sort_ratio``) against one of the other, unless both carry a
    ROR id (different ones: distinct by definition; the same: the shapes' error), they carry
    different Wikidata ids, or their ``name`` is the same, case aside (the shapes' error). Only
    names of :data:`_FUZZY_MIN_LENGTH` characters or more are compared.

    Scoring every pair is quadratic (10^10 scores for 100,000 organisations). Names are
    *blocked* instead (:func:`_blocking_keys`): two names are scored only when they share a
    key, and a name with a ROR id only against names without one. A key shared by more names
    than its cap (:data:`_MAX_WORD_BLOCK`, :data:`_MAX_BLOCK`) is not used, except a whole name.
    """
    from rapidfuzz import fuzz, process

    slugs = sorted(records)
    entries = [_entry(slug, "organisation", records[slug]) for slug in slugs]
    texts: list[str] = []  # each name once per record, its words sorted (as token_sort_ratio)
    owners: list[int] = []
    originals: list[str] = []
    for index, entry in enumerate(entries):
        for norm, _ in entry.names:
            if len(norm) >= _FUZZY_MIN_LENGTH:
                texts.append(" ".join(sorted(norm.split())))
                owners.append(index)
                originals.append(entry.original[norm])
    blocks: dict[str, list[int]] = {}
    for row, text in enumerate(texts):
        for key in _blocking_keys(text):
            blocks.setdefault(key, []).append(row)
    scores: dict[tuple[int, int], float] = {}  # (row, row) → score, for the pairs that score
    for key, rows in blocks.items():
        cap = _MAX_WORD_BLOCK if key[0] == "t" else _MAX_BLOCK
        if len(rows) < 2 or (len(rows) > cap and key[0] != "="):
            continue
        # the words are sorted already: ratio is token_sort_ratio without the sorting
        if len(rows) <= _SMALL_BLOCK:
            for i, one in enumerate(rows):
                for two in rows[i + 1 :]:
                    if (one, two) in scores or not _may_pair(entries, owners, one, two):
                        continue
                    score = fuzz.ratio(texts[one], texts[two], score_cutoff=DUPLICATE_SCORE)
                    if score:
                        scores[(one, two)] = score
            continue
        choices = [texts[row] for row in rows]
        for one in rows:
            if entries[owners[one]].ror:
                continue  # two ROR records are never duplicates: scored from the other side
            for _, score, k in process.extract(  # the whole block in one call (C++)
                texts[one], choices, scorer=fuzz.ratio, score_cutoff=DUPLICATE_SCORE, limit=None
            ):
                two = rows[k]
                pair = (one, two) if one < two else (two, one)
                if one != two and pair not in scores and _may_pair(entries, owners, *pair):
                    scores[pair] = score
    best: dict[tuple[int, int], tuple[float, int, int]] = {}
    for (one, two), score in scores.items():
        a, b = owners[one], owners[two]
        pair, rows_ab = ((a, b), (one, two)) if a < b else ((b, a), (two, one))
        if pair not in best or score > best[pair][0]:
            best[pair] = (float(score), *rows_ab)
    return [
        DuplicatePair(slugs[a], slugs[b], score, originals[one], originals[two])
        for (a, b), (score, one, two) in sorted(best.items())
    ]


def _may_pair(entries: list[_Entry], owners: list[int], one: int, two: int) -> bool:
    a, b = owners[one], owners[two]
    return a != b and _may_be_one(entries[a], entries[b])


#: A word shared by more names than this ("university", "of") does not pair them.
_MAX_WORD_BLOCK = 200
#: Any other blocking key (but a whole name) shared by more names than this does not pair them.
_MAX_BLOCK = 2000
#: Blocks up to this size are scored pair by pair; bigger ones a name against the block at once.
_SMALL_BLOCK = 16


def _blocking_keys(text: str) -> set[str]:
    """Return the keys under which a name (normalised, its words sorted) is blocked.

    Two names are scored only when they share a key:

    - ``=`` the whole name: equal names always meet, however many share the name;
    - ``t`` each word: names that share a word which is not common (see :data:`_MAX_WORD_BLOCK`);
    - ``-`` the name without one of its words, and the whole name: names that differ by a typo
      in one word, or by one added or dropped word ("… Ltd");
    - ``~`` the name without one of its words, with that word's first or last two letters: the
      same, when the rest is too common to pair by (every "University of …": "University of
      Lagos" and "University of Lagoss" share ``~la|of university``);
    - ``d`` for a one-word name, the word and the word without one of its letters: one-word
      names one letter apart ("Biocontainer", "Biocontainers").

    What is never scored: two names that differ in two or more words and share no uncommon word
    (such a pair seldom scores :data:`DUPLICATE_SCORE`: each different word costs several
    points), and, among names whose rest is that common, a typo that changes both the first two
    and the last two letters of a word.
    """
    words = text.split()
    keys = {"=" + text, "-" + text}
    if len(words) == 1:
        keys.update("d" + text[:i] + text[i + 1 :] for i in range(len(text)))
        keys.add("d" + text)
        return keys
    for index, word in enumerate(words):
        keys.add("t" + word)
        rest = " ".join(words[:index] + words[index + 1 :])
        keys.add("-" + rest)
        keys.add(f"~{word[:2]}|{rest}")
        keys.add(f"~|{word[-2:]}|{rest}")
    return keys


def _may_be_one(first: _Entry, second: _Entry) -> bool:
    """False when the registries say the two are different organisations, or the shapes judge."""
    if first.ror and second.ror:
        return False  # distinct ROR ids: different; equal ones: the shapes report them
    if first.name.lower() == second.name.lower():
        return False  # the same `name`: the shapes report it, as an error (say it once)
    return not (first.wikidata and second.wikidata and first.wikidata != second.wikidata)
