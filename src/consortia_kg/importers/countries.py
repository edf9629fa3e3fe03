"""ISO 3166-1 countries by alpha-2 or alpha-3 code or English name, for sheets and queries.

The names are the ``iso3166`` package's (MIT; ISO's own names, "Korea, Republic of", and their
short "apolitical" forms). The part before a comma or " of " is added where it names one
country only ("United Kingdom", "United States"; "Korea" stays ambiguous). ``OTHER_NAMES`` adds
the names partner lists commonly write where ISO's differ, and the codes CORDIS and the EU
write instead of ISO's (UK, EL). The import table and the ``/reconcile`` service read countries
with this one function.
"""

from __future__ import annotations

import re
import unicodedata

import iso3166

__all__ = ["CODES", "OTHER_NAMES", "country_code"]

#: ISO 3166-1 alpha-2 code → English name
CODES: dict[str, str] = {c.alpha2: c.apolitical_name for c in iso3166.countries}

#: Other ways partner lists write a country → its code (checked against ``CODES`` by the tests)
OTHER_NAMES: dict[str, str] = {
    "UK": "GB",  # CORDIS and the EU write the United Kingdom so
    "EL": "GR",  # and Greece so
    "United Kingdom": "GB",
    "Great Britain": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "USA": "US",
    "United States of America": "US",
    "Czechia": "CZ",
    "The Netherlands": "NL",
    "Holland": "NL",
    "South Korea": "KR",
    "Republic of Korea": "KR",
    "Russian Federation": "RU",
    "Türkiye": "TR",
    "Turkey": "TR",
    "Vatican": "VA",
    "Ivory Coast": "CI",
    "Côte d'Ivoire": "CI",
    "Macedonia": "MK",
    "North Macedonia": "MK",
}


def _key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    plain = plain.replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()


def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    short: dict[str, set[str]] = {}
    for country in iso3166.countries:
        for name in {country.name, country.apolitical_name}:
            names[_key(name)] = country.alpha2
            for cut in (name.split(",")[0], name.split(" of ")[0]):
                short.setdefault(_key(cut), set()).add(country.alpha2)
        names[country.alpha3.casefold()] = country.alpha2
    for name, codes in short.items():
        if len(codes) == 1 and name and name not in names:
            names[name] = codes.pop()
    names.update({_key(name): code for name, code in OTHER_NAMES.items()})
    return names


_BY_NAME = _names()


def country_code(text: str) -> str | None:
    """Return the alpha-2 code ``text`` names (a code, UK/EL, alpha-3, a name), else None.

    >>> country_code("de"), country_code("United Kingdom"), country_code("EL"), country_code("FRA")
    ('DE', 'GB', 'GR', 'FR')
    """
    value = text.strip()
    upper = value.upper()
    if len(upper) == 2 and upper in CODES:
        return upper
    return _BY_NAME.get(_key(value))
