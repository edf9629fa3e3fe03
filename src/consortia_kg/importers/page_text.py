"""The text of a catalogue page: its lines, paragraphs, sections and sentences.

What the section readers (``page``, ``page_governance``, ``page_contacts``) share: the page
normalised, split at headings into sections of paragraphs (the catalogue's boilerplate left
out line by line), and what a parse produces (:class:`ParsedPage`, :class:`Mention`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BULLET",
    "SECTION_TITLES",
    "Mention",
    "Note",
    "Para",
    "ParsedPage",
    "Section",
    "append_text",
    "join_paras",
    "key_form",
    "normalise_page_text",
    "plain_quotes",
    "split_sections",
    "split_sentences",
    "without_boilerplate",
]

#: keeps a line of the page as a note of the record
Note = Callable[[str], None]

_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000\t]")


_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")


BULLET = re.compile(r"^\s*[•·◦▪▫‣●○■□\-*–—]\s+(?=\S)")


#: Typographic quotes and apostrophes → plain ones.
_QUOTES = str.maketrans({"’": "'", "‘": "'", "‛": "'", "ʼ": "'", "“": '"', "”": '"', "„": '"'})


#: Known headings (in key form: lower case, "&" as "and", no trailing colon) → section.
_HEADINGS = {
    "abstract": "abstract",
    "summary": "abstract",
    "mission": "mission",
    "mission statement": "mission",
    "consortium history": "history",
    "history": "history",
    "structure and governance": "governance",
    "governance": "governance",
    "patient engagement": "patient_engagement",
    "data sharing": "data_sharing",
    "points of contact": "contacts",
    "point of contact": "contacts",
    "contact": "contacts",
    "contacts": "contacts",
    "contact information": "contacts",
    "sponsors and partners": "sponsors",
    "sponsors": "sponsors",
    "partners": "sponsors",
    "last updated": "last_updated",
}


SECTION_TITLES = {
    "abstract": "Abstract",
    "mission": "Mission",
    "history": "Consortium History",
    "governance": "Structure & Governance",
    "patient_engagement": "Patient Engagement",
    "data_sharing": "Data Sharing",
    "contacts": "Points of Contact",
    "sponsors": "Sponsors & Partners",
    "last_updated": "Last Updated",
}


#: The catalogue's footer and disclaimers: a line that starts so is left out (only that line).
_BOILERPLATE = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^the consortia-pedia catalogue is a living resource",
        r"^all the information contained in the consortia-pedia",
        r"^provide information here about your collaboration",
        r"^(back to|return to) (the )?(consortia-pedia )?catalogue$",
        r"^(©|copyright)\s*\d{4}.*(milken|fastercures)",
        r"^fastercures is a center of the milken institute",
    )
)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘(])")


@dataclass(frozen=True)
class Mention:
    """An organisation the page names, to be linked to (or created as) a record."""

    role: str  # "initiating" | "host"
    name: str
    line: int
    description: str = ""


@dataclass
class ParsedPage:
    """What a page says, as a consortium record without ``id`` and ``sources``."""

    record: dict[str, Any]
    mentions: list[Mention] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Para:
    """A paragraph: consecutive non-blank lines, and how many blank lines came before it."""

    lines: list[tuple[int, str]]
    gap: int

    @property
    def line(self) -> int:
        """Return the line the paragraph starts at."""
        return self.lines[0][0]

    def text(self) -> str:
        """Prose lines joined by spaces; bullet lines each on their own line, marked •."""
        out: list[str] = []
        prose: list[str] = []
        for _, line in self.lines:
            bullet = BULLET.match(line)
            if bullet:
                if prose:
                    out.append(" ".join(prose))
                    prose = []
                out.append("• " + line[bullet.end() :].strip())
            else:
                prose.append(line.strip())
        if prose:
            out.append(" ".join(prose))
        return "\n".join(out)


@dataclass
class Section:
    """A headed part of the page, as paragraphs."""

    key: str  # a _HEADINGS value, or "" for an unknown heading, or "pre" before any heading
    title: str
    line: int
    inline: str = ""  # "Last Updated: 05/24/2016" → "05/24/2016"
    paras: list[Para] = field(default_factory=list)

    def blocks(self) -> list[list[Para]]:
        """Split the paragraphs where two or more blank lines separate them."""
        blocks: list[list[Para]] = []
        for para in self.paras:
            if not blocks or para.gap >= 2:
                blocks.append([])
            blocks[-1].append(para)
        return blocks


def normalise_page_text(text: str) -> list[str]:
    """Return the page's lines: unified line ends, odd spaces as spaces, no trailing spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", _SPACES.sub(" ", text))
    return [line.rstrip() for line in text.split("\n")]


def plain_quotes(text: str) -> str:
    """Return ``text`` with typographic quotes and apostrophes as plain ones (’ → ')."""
    return text.translate(_QUOTES)


def key_form(text: str) -> str:
    """Return a heading or key as compared: case-folded, "&" as "and", no trailing colon."""
    text = text.translate(_QUOTES).replace("&", " and ").casefold()
    return re.sub(r"\s+", " ", text).strip().rstrip(":").strip()


def _is_heading(text: str) -> bool:
    """A heading: short, no final punctuation, every word of 4+ letters capitalised."""
    stripped = text.strip()
    if not stripped or len(stripped) > 60 or BULLET.match(text) or stripped[-1] in ".,;:!?":
        return False
    words = re.findall(r"[^\W\d_][\w'’-]*", stripped)
    if not words or len(stripped.split()) > 8 or not stripped[0].isupper():
        return False
    return all(w[0].isupper() for w in words if len(w) >= 4)


def _is_boilerplate(text: str) -> bool:
    flat = " ".join(text.split())
    return any(p.search(flat) for p in _BOILERPLATE)


#: Sections whose lines are often names: only a known heading ends them.
_LISTS = ("contacts", "sponsors")


def split_sections(lines: list[str], first_line: int) -> list[Section]:
    """Split the body into sections at headings; text before the first heading is ``pre``."""
    sections = [Section("pre", "", first_line)]
    gap = 0
    para: list[tuple[int, str]] = []

    def flush() -> None:
        nonlocal para
        if para:
            sections[-1].paras.append(Para(para, gap))
            para = []

    for offset, line in enumerate(lines):
        number = first_line + offset
        if not line.strip():
            if para:
                flush()
                gap = 0
            gap += 1
            continue
        heading = _heading_of(line) if not para else None
        if heading is not None and not heading[0] and sections[-1].key in _LISTS:
            heading = None  # a name on its own line in a list of contacts or sponsors
        if heading is not None:
            key, inline = heading
            sections.append(Section(key, line.strip().rstrip(":").strip(), number, inline))
            if inline:
                sections[-1].title = line.split(":", 1)[0].strip()
            gap = 0
            continue
        para.append((number, line))
    flush()
    return sections


def _heading_of(line: str) -> tuple[str, str] | None:
    """Return (section key, inline value) when ``line`` is a heading, else None."""
    form = key_form(line)
    if form in _HEADINGS:
        return _HEADINGS[form], ""
    match = re.match(r"^\s*last updated\s*:\s*(.+)$", line, re.IGNORECASE)
    if match:
        return "last_updated", match.group(1).strip()
    if _is_heading(line):
        return "", ""
    return None


def without_boilerplate(paras: list[Para]) -> list[Para]:
    """Drop the catalogue's boilerplate line by line; every other line of a paragraph stays.

    Boilerplate may sit anywhere (a copy can put the footer right under a heading, in the
    same paragraph as the section's text): it never ends a section nor takes a line with it.
    A paragraph that was only boilerplate goes, and the blank lines before it still count for
    the paragraph after it, so the section's blocks (see :meth:`Section.blocks`) stay as laid out.
    """
    out: list[Para] = []
    gap = 0
    for para in paras:
        lines = [(n, line) for n, line in para.lines if not _is_boilerplate(line)]
        gap = max(gap, para.gap)
        if lines:
            out.append(Para(lines, gap))
            gap = 0
    return out


def join_paras(paras: list[Para]) -> str:
    """Return the text of the paragraphs, one paragraph a line."""
    return "\n".join(p.text() for p in paras).strip()


def append_text(record: dict[str, Any], key: str, text: str) -> None:
    """Add ``text`` to the text under ``key`` (on a new line), or set it."""
    if text:
        record[key] = f"{record[key]}\n{text}" if record.get(key) else text


def split_sentences(text: str) -> list[str]:
    """Return the sentences of ``text`` (bullets are sentences of their own)."""
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(s.strip() for s in _SENTENCE_END.split(line.lstrip("• ")) if s.strip())
    return out
