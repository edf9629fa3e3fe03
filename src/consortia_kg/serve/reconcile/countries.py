"""A country as a query gives it (a code or a name) → its ISO 3166 alpha-2 code."""

from __future__ import annotations

from consortia_kg.importers.countries import country_code

__all__ = ["resolve_country"]


def resolve_country(value: str) -> str | None:
    """Return the ISO 3166 alpha-2 code ``value`` names (a code or a name), or None.

    The same reading as ``import table``'s (``importers.countries``).

    >>> resolve_country("de"), resolve_country("United Kingdom"), resolve_country("EL")
    ('DE', 'GB', 'GR')
    """
    return country_code(value)
