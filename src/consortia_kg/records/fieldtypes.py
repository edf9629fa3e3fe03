"""Value types of record fields: each turns the string a curator wrote into a checked value.

A parser raises ``FieldError`` with what is wrong and how to fix it; it never guesses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pyoxigraph import NamedNode

__all__ = [
    "DateValue",
    "FieldError",
    "FieldType",
    "parse_count",
    "parse_date",
    "parse_iri",
    "parse_slug",
    "parse_text",
    "parse_year",
    "parse_yes_no",
]


class FieldError(ValueError):
    """A value that does not fit its field."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message, self.fix = message, fix


@dataclass(frozen=True)
class FieldType:
    """A named parser, documented in docs/records.md under the same name."""

    name: str
    parse: Callable[[str], Any]
    example: str


@dataclass(frozen=True, order=True)
class DateValue:
    """A date at the precision it was written: ``2016-05-24``, ``2013-06`` or ``2013``."""

    lexical: str

    @property
    def xsd_type(self) -> str:
        """Return the XSD datatype local name for this precision."""
        return {10: "date", 7: "gYearMonth", 4: "gYear"}[len(self.lexical)]

    @property
    def earliest(self) -> dt.date:
        """Return the first day the value can mean."""
        parts = [int(p) for p in self.lexical.split("-")] + [1, 1]
        return dt.date(parts[0], parts[1], parts[2])

    @property
    def year(self) -> int:
        """Return the year."""
        return int(self.lexical[:4])


_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_text(raw: str) -> str:
    """Any non-empty text, trimmed."""
    text = raw.strip()
    if not text:
        raise FieldError("is empty", "write a value, or remove the key")
    return text


def parse_slug(raw: str) -> str:
    """Lower-case letters, digits and ``-``."""
    if not _SLUG.match(raw):
        suggestion = re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")
        fix = "use lower-case letters, digits and '-'"
        if suggestion and _SLUG.match(suggestion):
            fix += f", e.g. {suggestion!r}"
        raise FieldError(f'"{raw}" is not a slug', fix)
    return raw


def parse_year(raw: str) -> int:
    """Four digits, not after next year."""
    text = raw.strip()
    if not re.fullmatch(r"\d{4}", text):
        raise FieldError(f'"{raw}" is not a year', "write four digits, e.g. 2013")
    year = int(text)
    if year < 1000 or year > dt.date.today().year + 1:
        raise FieldError(f'"{raw}" is not a plausible year', "write the year it happened")
    return year


def parse_date(raw: str) -> DateValue:
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``."""
    text = raw.strip()
    us = _US_DATE.match(text)
    if us:
        month, day, year = us.groups()
        iso = f"{year}-{int(month):02d}-{int(day):02d}"
        raise FieldError(f'"{raw}" is not an ISO date', f"write it as {iso}")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            dt.date.fromisoformat(text)
        elif re.fullmatch(r"\d{4}-\d{2}", text):
            if not 1 <= int(text[5:]) <= 12:
                raise ValueError
        elif not re.fullmatch(r"\d{4}", text):
            raise ValueError
    except ValueError:
        raise FieldError(
            f'"{raw}" is not a date', "write YYYY-MM-DD, YYYY-MM or YYYY, e.g. 2016-05-24"
        ) from None
    value = DateValue(text)
    if value.year < 1000 or value.earliest > dt.date.today() + dt.timedelta(days=366):
        raise FieldError(f'"{raw}" is not a plausible date', "write the date it happened")
    return value


def parse_count(raw: str) -> int:
    """A whole number ≥ 0 written in digits."""
    text = raw.strip()
    if not re.fullmatch(r"\d+", text) or (len(text) > 1 and text.startswith("0")):
        raise FieldError(f'"{raw}" is not a count', "write a whole number in digits, e.g. 70")
    return int(text)


def parse_yes_no(raw: str) -> bool:
    """``true`` or ``false``."""
    text = raw.strip().lower()
    if text not in ("true", "false"):
        raise FieldError(f'"{raw}" is not true or false', "write true or false")
    return text == "true"


def parse_iri(raw: str) -> str:
    """An absolute http(s) IRI."""
    text = raw.strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # "Invalid IPv6 URL": a bracket in the host part
        raise FieldError(
            f'"{raw}" is not an http(s) IRI', "write a full address, e.g. https://…"
        ) from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or re.search(r"[\s<>\"{}|\\^`]", text)
    ):
        raise FieldError(f'"{raw}" is not an http(s) IRI', "write a full address, e.g. https://…")
    try:  # the graph's own IRI parser has the last word (percent escapes, ports, IPv6 hosts)
        NamedNode(text)
    except ValueError as exc:
        raise FieldError(
            f'"{raw}" is not an http(s) IRI: {exc}', "write a full address, e.g. https://…"
        ) from None
    return text


def pattern(name: str, regex: str, example: str, what: str) -> FieldType:
    """Make a type that accepts strings matching ``regex``."""
    compiled = re.compile(regex)

    def parse(raw: str) -> str:
        text = raw.strip()
        if not compiled.fullmatch(text):
            raise FieldError(f'"{raw}" is not {what}', f"write e.g. {example}")
        return text

    return FieldType(name, parse, example)


TEXT = FieldType("text", parse_text, "Global Alliance for Genomics and Health")
SLUG = FieldType("slug", parse_slug, "ga4gh")
YEAR = FieldType("year", parse_year, "2013")
DATE = FieldType("date", parse_date, "2016-05-24")
COUNT = FieldType("count", parse_count, "70")
YES_NO = FieldType("yes/no", parse_yes_no, "true")
IRI = FieldType("iri", parse_iri, "https://ga4gh.org")
ROR = pattern(
    "ror", r"https://ror\.org/0[a-z0-9]{6}[0-9]{2}", "https://ror.org/02catss52", "a ROR id"
)
WIKIDATA = pattern("wikidata", r"Q[1-9][0-9]*", "Q1341845", "a Wikidata id")
COUNTRY_CODE = pattern("country code", r"[A-Z]{2}", "GB", "an ISO 3166 two-letter code")
LANG = pattern("language", r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*", "fr", "a language tag")
SHA256 = pattern("sha256", r"[0-9a-f]{64}", "01b8…(64 hex digits)", "a SHA-256 hex digest")
