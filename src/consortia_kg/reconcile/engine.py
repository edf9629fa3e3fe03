"""The reconciliation engine: which known organisation (or consortium) a name means.

Evidence is weighed strongest first:

1. **identifiers**: the same ROR, Wikidata, PIC, GEPRIS, GRID, ISNI, FundRef or registry id scores
   100 and is *certain*. A candidate carrying a *different* id of a scheme the query names is
   excluded: two registries' ids of one scheme say two organisations;
2. **names**: the same name, alias or label (case, accents, punctuation, "&"/"and" and a leading
   "The" aside) scores 100; a similar name scores its rapidfuzz ``token_sort_ratio``, capped at
   99; the same acronym (given, or written in brackets in either name) scores
   :data:`ACRONYM_SCORE`, and lifts a similar name it agrees with;
3. **place**: a country on both sides that differs caps the score at :data:`COUNTRY_CONFLICT_CAP`
   (below every band that links or asks); the same country or city adds a little.

A match is *certain* (an importer links it without a curator) only for an identical identifier,
or an identical name with no country conflict, where no other candidate is as good. Everything
else is a proposal: importers put it in the review file (``review``) unless a curator decided it.

Matching is *blocked*, never all-pairs: a name is scored only against the records that share its
exact name, an acronym, or one of its least common words (or a word's first four letters, which
catches most typos). :data:`CANDIDATE_CAP` bounds the work per name (bench/reconcile_scale.py:
50,000 names against 50,000 records).
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from consortia_kg.reconcile.names import (
    acronyms_in,
    looks_like_acronym,
    name_forms,
    normalise_identifier,
    normalise_name,
    split_trailing_acronym,
)

__all__ = [
    "ACRONYM_SCORE",
    "ASK_SCORE",
    "CANDIDATE_CAP",
    "COUNTRY_CONFLICT_CAP",
    "LINK_SCORE",
    "SHOW_SCORE",
    "Entity",
    "Match",
    "Query",
    "Reconciler",
]

#: A name scoring this much with no certainty is still only proposed: a curator decides.
LINK_SCORE = 95.0
#: From here up a candidate is proposed (asked, or put in the review file).
ASK_SCORE = 85.0
#: ``consortia-kg reconcile`` (and ``/reconcile``) list candidates from here up.
SHOW_SCORE = 60.0
#: The score of an acronym match: acronyms are short and shared, so never certain.
ACRONYM_SCORE = 90.0
#: A country on both sides that differs caps the score here: shown, never proposed.
COUNTRY_CONFLICT_CAP = 70.0
#: What the same country (or city) adds to a score below 100.
PLACE_BONUS = 2.0
#: At most this many records are scored per name (the least common words' records first).
CANDIDATE_CAP = 400
#: A word (or prefix) in more names than this is too common to block on ("university").
MAX_KEY_FREQUENCY = 5000
#: A one-word name this short matches like an acronym: proposed, never certain.
SHORT_NAME = 8
_FUZZY_CAP = 99.0
#: Names shorter than this (normalised) are matched only exactly.
_FUZZY_MIN_LENGTH = 5
_SCHEME_LABELS = {"ror": "ROR", "wikidata": "Wikidata", "pic": "PIC", "gepris": "GEPRIS",
                  "grid": "GRID", "isni": "ISNI", "fundref": "FundRef"}  # fmt: skip

Key = tuple[str, str]  # (kind, key)


@dataclass(frozen=True)
class Entity:
    """A thing names are matched against: a record, or a registry's organisation."""

    key: str
    kind: str
    name: str
    names: tuple[str, ...] = ()  # aliases
    labels: tuple[str, ...] = ()  # other names, other languages
    acronyms: tuple[str, ...] = ()
    identifiers: frozenset[tuple[str, str]] = frozenset()
    countries: frozenset[str] = frozenset()  # ISO 3166-1 alpha-2
    cities: frozenset[str] = frozenset()
    source: str = ""


@dataclass(frozen=True)
class Query:
    """A name to reconcile, with what else is known about it."""

    name: str = ""
    acronym: str = ""
    country: str = ""
    city: str = ""
    identifiers: tuple[tuple[str, str], ...] = ()
    kind: str | None = None


@dataclass(frozen=True)
class Match:
    """A candidate for a query: how good, and whether certain enough to link without a curator."""

    key: str
    kind: str
    name: str
    score: float
    certain: bool
    reason: str
    matched: str
    evidence: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        """The record's slug (the key of an entity made from a record)."""
        return self.key

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form of ``consortia-kg reconcile --format json``."""
        return {
            "slug": self.key,
            "kind": self.kind,
            "name": self.name,
            "score": round(self.score, 1),
            "certain": self.certain,
            "reason": self.reason,
            "matched": self.matched,
            "evidence": list(self.evidence),
        }


@dataclass
class _Prepared:
    entity: Entity
    names: dict[str, tuple[str, str]]  # normalised → (as written, what: name | alias | label)
    fuzzy: list[tuple[str, str]] = field(default_factory=list)  # (normalised, words sorted)
    acronyms: dict[str, str] = field(default_factory=dict)  # normalised → as written
    identifiers: dict[str, set[str]] = field(default_factory=dict)  # scheme → values
    countries: frozenset[str] = frozenset()
    cities: frozenset[str] = frozenset()


def _prepare(entity: Entity) -> _Prepared:
    prepared = _Prepared(entity, {})

    def add_name(text: str, what: str) -> None:
        bare, tail = split_trailing_acronym(text)
        for norm in {*name_forms(text), *(name_forms(bare) if bare != text else ())}:
            if norm and norm not in prepared.names:
                prepared.names[norm] = (text, what)
                if len(norm) >= _FUZZY_MIN_LENGTH:
                    prepared.fuzzy.append((norm, " ".join(sorted(norm.split()))))
        for acronym in acronyms_in(text) + ([tail] if looks_like_acronym(tail) else []):
            add_acronym(acronym)

    def add_acronym(text: str) -> None:
        norm = normalise_name(text)
        if norm:
            prepared.acronyms.setdefault(norm, text)

    add_name(entity.name, "name")
    for alias in entity.names:
        add_name(alias, "alias")
    for label in entity.labels:
        add_name(label, "label")
    for acronym in entity.acronyms:
        add_acronym(acronym)
    for scheme, value in entity.identifiers:
        prepared.identifiers.setdefault(scheme, set()).add(normalise_identifier(scheme, value))
    prepared.countries = frozenset(c.upper() for c in entity.countries if c)
    prepared.cities = frozenset(normalise_name(c) for c in entity.cities if c)
    return prepared


def _block_keys(norm: str) -> set[str]:
    """A name's blocking keys: its words, and the first four letters of its longer words."""
    keys = set()
    for word in norm.split():
        if len(word) >= 2:
            keys.add(word)
        if len(word) >= 5:
            keys.add("^" + word[:4])
    return keys


class Reconciler:
    """Organisations and consortia to match names against, indexed for blocked matching."""

    def __init__(self, entities: Iterable[Entity] = ()) -> None:
        self._items: dict[Key, _Prepared] = {}
        self._by_id: dict[tuple[str, str], set[Key]] = {}
        self._by_name: dict[str, set[Key]] = {}
        self._by_acronym: dict[str, set[Key]] = {}
        self._by_block: dict[str, set[Key]] = {}
        self._tables: dict[str, tuple[list[Key], list[str], list[str]]] = {}  # by block
        for entity in entities:
            self.add(entity)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, kind: str, key: str) -> Entity | None:
        """Return the entity ``key`` of ``kind``, or None."""
        item = self._items.get((kind, key))
        return item.entity if item else None

    def add(self, entity: Entity) -> None:
        """Add ``entity``, replacing the one with its kind and key."""
        ident: Key = (entity.kind, entity.key)
        if ident in self._items:
            self.remove(entity.kind, entity.key)
        item = _prepare(entity)
        self._items[ident] = item
        for index, keys in self._keys(item):
            for k in keys:
                index.setdefault(k, set()).add(ident)
                if index is self._by_block:
                    self._tables.pop(k, None)

    def remove(self, kind: str, key: str) -> None:
        """Forget the entity ``key`` of ``kind`` (nothing happens when there is none)."""
        item = self._items.pop((kind, key), None)
        if item is None:
            return
        for index, keys in self._keys(item):
            for k in keys:
                index.get(k, set()).discard((kind, key))
                if index is self._by_block:
                    self._tables.pop(k, None)

    def _keys(
        self, item: _Prepared
    ) -> list[tuple[dict[str, set[Key]] | dict[tuple[str, str], set[Key]], set]]:  # type: ignore[type-arg]
        blocks: set[str] = set()
        for norm in item.names:
            blocks |= _block_keys(norm)
        ids = {(scheme, v) for scheme, values in item.identifiers.items() for v in values}
        return [
            (self._by_id, ids),
            (self._by_name, set(item.names)),
            (self._by_acronym, set(item.acronyms)),
            (self._by_block, blocks),
        ]

    # --- matching ------------------------------------------------------------------------

    def match(
        self,
        query: Query,
        *,
        limit: int | None = 5,
        floor: float = SHOW_SCORE,
        exclude: Container[str] = (),
    ) -> list[Match]:
        """Return the candidates ``query`` may mean, best first, scoring ``floor`` or more.

        ``exclude`` names keys that are not candidates (the entity the query describes, when
        entities are matched against each other).
        """
        ids = {(s, normalise_identifier(s, v)) for s, v in query.identifiers if v and v.strip()}
        kinds = {query.kind} if query.kind else None

        by_scheme: dict[str, set[str]] = {}
        for scheme, value in ids:
            by_scheme.setdefault(scheme, set()).add(value)

        def allowed(k: Key) -> bool:
            if (kinds is not None and k[0] not in kinds) or k[1] in exclude:
                return False
            return not by_scheme or not self._conflicts(k, by_scheme)

        by_id = {k for i in ids for k in self._by_id.get(i, ()) if allowed(k)}
        if by_id:
            found = [self._id_match(k, ids, len(by_id) == 1) for k in by_id]
            return _ranked(found, floor, limit)
        bare, tail = split_trailing_acronym(query.name)
        tail = tail if looks_like_acronym(tail) else ""
        acronym = query.acronym or tail or next(iter(acronyms_in(query.name)), "")
        # with and without a trailing bracket: "… (CRG)", "… (United States)"
        forms = list(dict.fromkeys([*name_forms(bare), *name_forms(query.name)]))
        name = forms[0]
        acronym_norm = normalise_name(acronym)
        if not name and not acronym_norm:
            return []
        fuzzy = self._fuzzy(name, floor)
        whole = normalise_name(query.name)
        if whole != name:  # a bracket may be part of the name: scored both ways, the best kept
            for key, scored in self._fuzzy(whole, floor).items():
                if scored[0] > fuzzy.get(key, (-1.0, ""))[0]:
                    fuzzy[key] = scored
        # only what shares a name, an acronym or a similar name is weighed (and checked for ids)
        signals = set(fuzzy)
        for text in forms:
            signals |= self._by_name.get(text, set())
        for text in {acronym_norm, name if len(name) <= 12 else ""} - {""}:
            signals |= self._by_acronym.get(text, set())
        place = (query.country.strip().upper(), normalise_name(query.city), query.city.strip())
        found = [
            m for k in signals
            if allowed(k) and (m := self._score(k, place, forms, acronym_norm, fuzzy.get(k)))
        ]  # fmt: skip
        exact = [m for m in found if m.certain]
        if len(exact) > 1:  # one name, several records: a curator chooses
            found = [_uncertain(m, "several records have this name") if m.certain else m
                     for m in found]  # fmt: skip
        return _ranked(found, floor, limit)

    def _conflicts(self, key: Key, by_scheme: dict[str, set[str]]) -> bool:
        """Whether record ``key`` has ids of a scheme the query names, none the query's."""
        held = self._items[key].identifiers
        return any(
            scheme in held and held[scheme].isdisjoint(values)
            for scheme, values in by_scheme.items()
        )

    def _id_match(self, key: Key, ids: set[tuple[str, str]], alone: bool) -> Match:
        item = self._items[key]
        scheme, value = min(i for i in ids if _holds(item, i))
        label = _SCHEME_LABELS.get(scheme, scheme)
        return Match(
            key[1], key[0], item.entity.name, 100.0, alone, f"same {label} id", value,
            () if alone else ("several records have this id",),
        )  # fmt: skip

    def _blocks(self, name: str) -> list[str]:
        """The blocking keys a name is scored under: its rarest words, within the work cap."""
        if len(name) < _FUZZY_MIN_LENGTH:
            return []
        blocks = sorted(
            (len(keys), k) for k in _block_keys(name)
            if (keys := self._by_block.get(k)) and len(keys) <= MAX_KEY_FREQUENCY
        )  # fmt: skip
        chosen: list[str] = []
        budget = CANDIDATE_CAP
        for size, k in blocks:
            if budget <= 0:
                break
            if size > budget and chosen:
                continue  # a commoner key than the work left allows: the rarer ones decided
            chosen.append(k)
            budget -= size
        return chosen

    def _table(self, block: str) -> tuple[list[Key], list[str], list[str]]:
        """A block's names as lists (owners, normalised, words sorted), made once and kept."""
        table = self._tables.get(block)
        if table is None:
            table = ([], [], [])
            for key in sorted(self._by_block.get(block, ())):
                for norm, words in self._items[key].fuzzy:
                    table[0].append(key)
                    table[1].append(norm)
                    table[2].append(words)
            self._tables[block] = table
        return table

    def _fuzzy(self, name: str, floor: float) -> dict[Key, tuple[float, str]]:
        """Each blocked record's best similar name, a block's names scored in one C++ call."""
        best: dict[Key, tuple[float, str]] = {}
        # the place and acronym bonuses lift a score by three steps at most
        cutoff = max(0.0, floor - 3 * PLACE_BONUS)
        query = " ".join(sorted(name.split()))
        for block in self._blocks(name):
            owners, norms, choices = self._table(block)
            for _, score, i in process.extract(
                query, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
            ):
                if score > best.get(owners[i], (-1.0, ""))[0]:
                    best[owners[i]] = (score, norms[i])
        return best

    def _score(
        self,
        key: Key,
        place: tuple[str, str, str],  # country code, city normalised, city as given
        forms: list[str],
        acronym: str,
        fuzzy: tuple[float, str] | None,
    ) -> Match | None:
        item = self._items[key]
        score, reason, matched = 0.0, "", ""
        name = forms[0]
        exact = next((f for f in forms if f in item.names), None)
        if exact is not None:
            written, what = item.names[exact]
            score, reason, matched = 100.0, f"same {what}", written
        elif fuzzy is not None:
            score, reason, matched = (
                min(fuzzy[0], _FUZZY_CAP),
                "similar name",
                item.names[fuzzy[1]][0],
            )
        shared_acronym = next(
            (item.acronyms[a] for a in (acronym, name) if a and a in item.acronyms), None
        )
        evidence: list[str] = []
        if shared_acronym is not None:
            if score < ACRONYM_SCORE:
                score, reason, matched = ACRONYM_SCORE, "same acronym", shared_acronym
            elif score < 100:
                score = min(score + PLACE_BONUS, _FUZZY_CAP)
                evidence.append(f"same acronym {shared_acronym}")
        if not score:
            return None
        certain = score == 100.0
        if certain and exact is not None and _short(exact):
            certain = False  # "AnVIL", "ANVIL": a short word is as often an acronym as a name
            evidence.append("a short name, perhaps an acronym")
        country, city, city_given = place
        if country and item.countries:
            if country in item.countries:
                evidence.append(f"same country {country}")
                score = score if score == 100 else min(score + PLACE_BONUS, _FUZZY_CAP)
            else:
                evidence.append(
                    f"other country: {', '.join(sorted(item.countries))}, not {country}"
                )
                score, certain = min(score, COUNTRY_CONFLICT_CAP), False
        if city and city in item.cities:
            evidence.append(f"same city {city_given}")
            score = score if score == 100 else min(score + PLACE_BONUS, _FUZZY_CAP)
        return Match(key[1], key[0], item.entity.name, float(score), certain, reason, matched,
                     tuple(evidence))  # fmt: skip


def _short(norm: str) -> bool:
    """A name of one word of at most :data:`SHORT_NAME` letters: never certain by itself."""
    return " " not in norm and len(norm) <= SHORT_NAME


def _holds(item: _Prepared, ident: tuple[str, str]) -> bool:
    """Whether ``item`` carries the identifier ``ident`` (scheme, normalised value)."""
    return ident[1] in item.identifiers.get(ident[0], ())


def _uncertain(match: Match, why: str) -> Match:
    return Match(match.key, match.kind, match.name, match.score, False, match.reason,
                 match.matched, (*match.evidence, why))  # fmt: skip


def _ranked(found: list[Match], floor: float, limit: int | None) -> list[Match]:
    kept = sorted((m for m in found if m.score >= floor), key=lambda m: (-m.score, m.kind, m.key))
    return kept[:limit] if limit is not None else kept
