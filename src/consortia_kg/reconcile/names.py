"""Names and identifiers as reconciliation compares them: normalised, acronyms pulled out.

Everything here is pure text work, shared by the engine (``engine``), the likely-duplicate check
(``duplicates``) and the importers.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "acronyms_in",
    "looks_like_acronym",
    "name_forms",
    "normalise_identifier",
    "normalise_name",
    "split_trailing_acronym",
]

_APOSTROPHES = re.compile("['’ʼ`´]")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_TRAILING_ACRONYM = re.compile(r"\s*\(([^()]{1,20})\)\s*$")
#: "(ECRIN)", "(EMBL-EBI)", "(CNRS UMR 5535)": a bracket of at most 20 characters, one capital
_BRACKETED = re.compile(r"\(([^()]{1,20})\)")


_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def normalise_name(text: str, *, german: bool = False) -> str:
    """Return ``text`` without case, accents, punctuation, ``&``, a leading "the" or extra spaces.

    With ``german``, umlauts are written as German transliterates them (ä → ae), as CORDIS's
    upper-case names do ("UNIVERSITAET HAMBURG").

    >>> normalise_name("  The Children’s Hospital of Philadelphia ")
    'childrens hospital of philadelphia'
    >>> normalise_name("Biogéochimie des Écosystèmes & Forêts")
    'biogeochimie des ecosystemes and forets'
    >>> normalise_name("Universität Hamburg", german=True)
    'universitaet hamburg'
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_GERMAN) if german else text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    plain = plain.replace("&", " and ").replace("ß", "ss")
    plain = _APOSTROPHES.sub("", plain)
    words = _NON_WORD.sub(" ", plain).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def name_forms(text: str) -> list[str]:
    """Return the forms a name is matched by: normalised, and with umlauts transliterated."""
    plain = normalise_name(text)
    german = normalise_name(text, german=True)
    return [plain] if german == plain else [plain, german]


def split_trailing_acronym(name: str) -> tuple[str, str]:
    """Return ``name`` without a short trailing bracket, and the bracket's text (or "").

    The name is matched with and without the bracket; the bracket is an acronym only when it
    looks like one (:func:`looks_like_acronym`).

    >>> split_trailing_acronym("Centre for Genomic Regulation (CRG)")
    ('Centre for Genomic Regulation', 'CRG')
    >>> split_trailing_acronym("Envirogen (United States)")
    ('Envirogen', 'United States')
    """
    tail = _TRAILING_ACRONYM.search(name)
    if not tail or not name[: tail.start()].strip():
        return name, ""
    return name[: tail.start()], tail.group(1).strip()


def acronyms_in(name: str) -> list[str]:
    """Return the acronyms written in brackets anywhere in ``name``.

    >>> acronyms_in("European Clinical Research Infrastructure Network (ECRIN) - ERIC")
    ['ECRIN']
    """
    return [m.group(1).strip() for m in _BRACKETED.finditer(name) if looks_like_acronym(m.group(1))]


def looks_like_acronym(text: str) -> bool:
    """One or two words, mostly capitals: "ECRIN", "EMBL-EBI", "UdK"; not "(United States)"."""
    words = text.split()
    letters = [ch for ch in text if ch.isalpha()]
    capitals = sum(ch.isupper() for ch in letters)
    return 0 < len(words) <= 2 and bool(letters) and capitals * 2 >= len(letters)


_ROR_ID = re.compile(r"(?:https?://)?(?:www\.)?ror\.org/([0-9a-z]{9})$", re.IGNORECASE)
_WIKIDATA_ID = re.compile(r"(?:https?://(?:www\.)?wikidata\.org/(?:wiki|entity)/)?(Q\d+)$", re.I)
_GEPRIS_ID = re.compile(r"(?:https?://gepris\.dfg\.de/gepris/institution/)?(\d+)$")


def normalise_identifier(scheme: str, value: str) -> str:
    """Return ``value`` as the engine compares it: one spelling per identifier.

    >>> normalise_identifier("ror", "ROR.org/02CATSS52")
    'https://ror.org/02catss52'
    >>> normalise_identifier("isni", "0000 0001 2 153 8870")
    '0000000121538870'
    >>> normalise_identifier("gepris", "https://gepris.dfg.de/gepris/institution/10081")
    '10081'
    """
    text = value.strip()
    if scheme == "ror" and (m := _ROR_ID.search(text)):
        return "https://ror.org/" + m.group(1).lower()
    if scheme == "wikidata" and (m := _WIKIDATA_ID.search(text)):
        return m.group(1).upper()
    if scheme == "gepris" and (m := _GEPRIS_ID.search(text)):
        return m.group(1)
    if scheme in {"isni", "pic", "fundref"}:
        return re.sub(r"[\s-]", "", text).upper()
    return text.casefold()
