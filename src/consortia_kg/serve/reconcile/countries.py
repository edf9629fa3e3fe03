"""A country as a query gives it (a code or a name) → its ISO 3166 alpha-2 code."""

from __future__ import annotations

import re

from consortia_kg.reconcile import normalise_name
from consortia_kg.registries.cordis_terms import country_code

__all__ = ["resolve_country"]


def _country_names() -> dict[str, str]:
    """Return normalised country name → ISO code, from the ``iso3166`` package's table.

    Its names are ISO's ("Korea, Republic of", "United Kingdom of Great Britain and Northern
    Ireland"); the part before a comma and the part before " of " are added when no other
    country has them ("United Kingdom", "United States"; "Korea" stays ambiguous).
    """
    import iso3166  # only the reconciliation service reads it, once per process

    names: dict[str, str] = {}
    short: dict[str, set[str]] = {}
    for country in iso3166.countries:
        code = country.alpha2
        for name in {country.name, country.apolitical_name}:
            names[normalise_name(name)] = code
            for cut in (name.split(",")[0], name.split(" of ")[0]):
                short.setdefault(normalise_name(cut), set()).add(code)
        names[country.alpha3.casefold()] = code
    for name, codes in short.items():
        if len(codes) == 1 and name and name not in names:
            names[name] = codes.pop()
    return names


_COUNTRIES: dict[str, str] = {}


def resolve_country(value: str) -> str | None:
    """Return the ISO 3166 alpha-2 code ``value`` names (a code or a name), or None.

    >>> resolve_country("de"), resolve_country("United Kingdom"), resolve_country("EL")
    ('DE', 'GB', 'GR')
    """
    if not _COUNTRIES:
        _COUNTRIES.update(_country_names())
    text = value.strip()
    if re.fullmatch(r"[A-Za-z]{2}", text):
        # the EU's UK and EL as ISO's GB and GR (CORDIS's "NA", no value, is Namibia here)
        code = country_code(text.upper()) or text.upper()
        return code if code in _COUNTRIES.values() else None
    return _COUNTRIES.get(normalise_name(text))
