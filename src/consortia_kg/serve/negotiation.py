"""Content negotiation (RFC 7231 §5.3.2): which representation a client's ``Accept`` asks for.

Imports nothing of ours but the format table in :mod:`consortia_kg.formats` (which imports
nothing either), from which every offer below is read, so the rules can be tested as a table of
(Accept header, expected type).

An *offer* is a (media type, format name) pair; offers are listed in the server's order of
preference, which breaks ties between equal q-values (so ``*/*`` gets the first offer).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from consortia_kg.formats import (
    ANSWER_GRAPH_FORMATS,
    ANSWER_ROW_FORMATS,
    DOCUMENT_FORMATS,
    Format,
    find_format,
    format_named,
)

__all__ = [
    "ENTITY_OFFERS",
    "GRAPH_OFFERS",
    "HTML",
    "SOLUTION_OFFERS",
    "MediaRange",
    "Offer",
    "canonical_media_type",
    "format_from_name",
    "negotiate",
    "offers_of",
    "parse_accept",
]

#: A representation the server can send: (media type, format name).
Offer = tuple[str, str]

HTML = "text/html"


def offers_of(formats: tuple[Format, ...], answers: bool = False) -> tuple[Offer, ...]:
    """Return the offers of ``formats`` in their order, each format's media types in theirs.

    ``answers`` adds the general media types a query's answer is also sent for
    (``application/json`` for JSON-LD, as SPARQLWrapper asks).
    """
    return tuple(
        (media, fmt.name)
        for fmt in formats
        for media in fmt.media_types + (fmt.answer_types if answers else ())
    )


#: Representations of a thing's document, in the order ``*/*`` prefers them.
ENTITY_OFFERS: tuple[Offer, ...] = offers_of(DOCUMENT_FORMATS)

#: Results of SELECT and ASK (SPARQL 1.1 result formats), JSON first; HTML (only as
#: text/html) for browsers.
SOLUTION_OFFERS: tuple[Offer, ...] = (
    *offers_of(ANSWER_ROW_FORMATS, answers=True),
    (HTML, "html"),
)

#: Results of CONSTRUCT and DESCRIBE, Turtle first; HTML for browsers.
GRAPH_OFFERS: tuple[Offer, ...] = (
    *offers_of(ANSWER_GRAPH_FORMATS, answers=True),
    (HTML, "html"),
)


@dataclass(frozen=True)
class MediaRange:
    """One element of an ``Accept`` header."""

    type: str
    subtype: str
    q: float
    #: 0 for ``*/*``, 1 for ``type/*``, 2 for ``type/subtype``, 3 with parameters
    specificity: int

    def matches(self, media_type: str) -> bool:
        """Return True when this range covers ``media_type`` (parameters are not compared)."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*":
            return True
        return self.type == kind and self.subtype in ("*", sub)


def parse_accept(header: str | None) -> list[MediaRange]:
    """Read an ``Accept`` header; an absent or empty one accepts everything.

    Elements that are not ``type/subtype`` are skipped, as RFC 7231 lets a server do, and a
    q-value that is not a number between 0 and 1 counts as 1.
    """
    if header is None or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges = []
    for element in header.split(","):
        media, *params = (part.strip() for part in element.split(";"))
        kind, slash, sub = media.lower().partition("/")
        if not slash or not kind or not sub or (kind == "*" and sub != "*"):
            continue
        q = 1.0
        extra = 0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 1.0
                if not 0.0 <= q <= 1.0:
                    q = 1.0
                break  # what follows q are accept-extensions, not media type parameters
            if name.strip():
                extra = 1
        specificity = 0 if kind == "*" else 1 if sub == "*" else 2 + extra
        ranges.append(MediaRange(kind, sub, q, specificity))
    return ranges


def _match(ranges: Sequence[MediaRange], media_type: str) -> MediaRange | None:
    """Return the most specific range that covers ``media_type``."""
    best: MediaRange | None = None
    for media_range in ranges:
        if media_range.matches(media_type) and (
            best is None or media_range.specificity > best.specificity
        ):
            best = media_range
    return best


def negotiate(header: str | None, offers: Sequence[Offer]) -> Offer | None:
    """Return the offer the client prefers, or None when it accepts none of them (406).

    A format is sent with the media type of its first offer; another offer of the same format
    (an alias such as ``application/x-turtle``) counts only when the client names it, so
    ``text/turtle;q=0, */*`` never gets Turtle through an alias. Clients send the same few
    headers again and again: the answers for the last 1024 (header, offers) are kept.
    """
    if isinstance(offers, tuple) and (header is None or len(header) <= 1024):
        return _negotiate_cached(header, offers)
    return _negotiate(header, offers)


def _negotiate(header: str | None, offers: Sequence[Offer]) -> Offer | None:
    ranges = parse_accept(header)
    scores: dict[str, float] = {}
    first: dict[str, Offer] = {}
    for offer in offers:
        media, name = offer
        found = _match(ranges, media)
        canonical = name not in first
        if canonical:
            first[name] = offer
            scores[name] = found.q if found is not None else 0.0
        elif found is not None and found.specificity >= 2:
            scores[name] = max(scores[name], found.q)
    best: Offer | None = None
    best_q = 0.0
    for name, offer in first.items():
        if scores[name] > best_q:
            best, best_q = offer, scores[name]
    return best


_negotiate_cached = functools.lru_cache(maxsize=1024)(_negotiate)


def canonical_media_type(name: str) -> str:
    """Return the Content-Type a format is sent with."""
    return format_named(name).content_type


def format_from_name(value: str, offers: Sequence[Offer]) -> str | None:
    """Read ``?format=`` (name, extension or media type) among ``offers``; None if unknown.

    For a graph, ``json`` and ``xml`` (as SPARQLWrapper sends them) mean JSON-LD and RDF/XML.
    """
    key = value.strip().lower()
    names = {name for _, name in offers}
    for media, name in offers:
        if key == media:
            return name
    # a media type counts only where it is offered (``text/xml`` is no graph's)
    fmt = None if "/" in key else find_format(key)
    if fmt is None:  # a name the table does not hold but the offers do (``text``)
        return key if key in names else None
    if fmt.name not in names and fmt.for_graphs in names:
        return fmt.for_graphs
    return fmt.name if fmt.name in names else None
