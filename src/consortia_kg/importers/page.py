"""Consortia-pedia catalogue pages (text copied from a browser) → a consortium record.

The page format (see shared/data/SOURCES.md, section 3): a title line; an "At a Glance" block of
bullets (Status, Year Launched, Initiating Organization, Initiator Type, disease focus,
Location); the abstract and the mission (often without their headings, separated by two blank
lines); headed sections (Consortium History, Structure & Governance, Patient Engagement, Data
Sharing, Points of Contact, Sponsors & Partners); "Last Updated: MM/DD/YYYY"; the catalogue's
footer.

Rules that keep every word of the page:

- A heading is a line on its own whose words of four or more letters are all capitalised and
  that ends without punctuation. A known heading fills its keys; any other heading's section is
  kept verbatim as a note (``Heading: text``).
- Inside a section, text after two or more blank lines is an untitled block: kept verbatim as
  one note per paragraph, except in Structure & Governance, where the catalogue puts legal
  status and funding (that block stays in ``governance`` and yields them).
- Structured lines (At a Glance, Points of Contact, Last Updated) that are not understood become
  notes, with a warning. A missing section is a warning.
- The catalogue's own footer and disclaimer lines are recognised and left out, line by line
  (wherever they are: one never ends a section, nor takes the lines around it along).

Parsing (:func:`parse_page`) is separate from linking to organisation records
(:func:`import_page`), which needs the data folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consortia_kg.importers.inputs import decode_text, input_error, sniff_format
from consortia_kg.importers.plan import Ownership, Workspace, slugify
from consortia_kg.reconcile import normalise_name

__all__ = [
    "PAGE_KEYS",
    "Mention",
    "ParsedPage",
    "import_page",
    "normalise_page_text",
    "parse_page",
]

#: A page is a few pages of text; more is not a catalogue page.
MAX_PAGE_BYTES = 5 * 1024 * 1024

#: The keys a page import is the authority for; an update replaces exactly these.
PAGE_KEYS = frozenset(
    {
        "name", "status", "year_launched", "initiator_type", "initiating_organisation",
        "participating_organisations", "disease_focus", "scope", "location", "description",
        "mission", "activities", "history", "events", "governance", "legal_status", "funding",
        "patient_engagement", "data_sharing", "steering_committee", "working_groups",
        "committees", "posts", "host_institutions", "contacts", "address", "last_updated",
    }
)  # fmt: skip

_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000\t]")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")
_BULLET = re.compile(r"^\s*[•·◦▪▫‣●○■□\-*–—]\s+(?=\S)")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})

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
_SECTION_TITLES = {
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

_GLANCE_KEYS = {
    "status": "status",
    "year launched": "year",
    "launched": "year",
    "initiating organization": "initiator",
    "initiating organisation": "initiator",
    "initiator type": "initiator_type",
    "disease focus": "disease",
    "location": "location",
}
_STATUSES = {
    "active consortium": "active",
    "active": "active",
    "completed consortium": "completed",
    "completed": "completed",
    "inactive consortium": "inactive",
    "inactive": "inactive",
}
_INITIATOR_TYPES = {
    "nonprofit foundation": "nonprofit-foundation",
    "non-profit foundation": "nonprofit-foundation",
    "foundation": "nonprofit-foundation",
    "third-party organization": "third-party-organization",
    "third party organization": "third-party-organization",
    "third-party organisation": "third-party-organization",
    "government": "government",
    "government agency": "government",
    "industry": "industry",
    "company": "industry",
    "academic": "academic",
    "academic institution": "academic",
    "academia": "academic",
    "patient advocacy": "patient-advocacy",
    "patient advocacy organization": "patient-advocacy",
    "patient advocacy group": "patient-advocacy",
    "multiple": "multiple",
    "multiple initiators": "multiple",
    "other": "other",
}
_SCOPES = {"international": "international", "global": "international", "national": "national",
           "regional": "regional", "local": "local"}  # fmt: skip
_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_MONTH_YEAR = re.compile(
    r"\b(" + "|".join(_MONTHS) + r")\s+(?:\d{1,2},\s+)?(\d{4})\b", re.IGNORECASE
)
_IN_YEAR = re.compile(r"\b[Ii]n (\d{4})\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘(])")
_DETERMINERS = {"the", "a", "an", "each", "all", "these", "this", "its", "our", "their", "every",
                "other", "and", "of", "in", "by", "to", "for", "with"}  # fmt: skip
_UNIT = re.compile(
    r"((?:[A-Z][\w&'’/-]*\s+){1,6}?)"
    r"(Working Group|Work Stream|Workstream|Task Force|Committee|Council|Board|Panel)\b"
    r"(?:\s*\((\d+)\))?"
)
_CONTACT = re.compile(
    r"^(phone|telephone|tel|toll-free|fax|e-?mail|web ?site|web|url)"
    r"\s*(?:\(([^)]*)\))?\s*:\s*(.+)$",
    re.IGNORECASE,
)
_ADDRESS = re.compile(r"^(?:mailing |postal |street )?address\s*:\s*(.*)$", re.IGNORECASE)
_ROLE_MAILBOX = re.compile(
    r"^(info|contact|office|support|admin|hello|secretariat|enquiries|inquiries|communications|"
    r"media|press|general|help|team|membership|partnerships)@",
    re.IGNORECASE,
)
_POSTAL = re.compile(
    r"^(?:[A-Z]\d[A-Z]\s?\d[A-Z]\d|\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|\d{4,6})$"
)
_US_LOCALITY = re.compile(r"^(.+?),\s*([A-Za-z .]+?)\.?\s+(\d{5}(?:-\d{4})?)$")
_COUNTRIES = {
    "united states", "united states of america", "usa", "u.s.a.", "us", "canada",
    "united kingdom", "uk", "england", "scotland", "ireland", "germany", "france", "switzerland",
    "netherlands", "the netherlands", "belgium", "italy", "spain", "sweden", "denmark",
    "norway", "finland", "austria", "australia", "japan", "china", "india", "israel",
    "singapore", "brazil",
}  # fmt: skip


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
class _Para:
    """A paragraph: consecutive non-blank lines, and how many blank lines came before it."""

    lines: list[tuple[int, str]]
    gap: int

    @property
    def line(self) -> int:
        return self.lines[0][0]

    def text(self) -> str:
        """Prose lines joined by spaces; bullet lines each on their own line, marked •."""
        out: list[str] = []
        prose: list[str] = []
        for _, line in self.lines:
            bullet = _BULLET.match(line)
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
class _Section:
    key: str  # a _HEADINGS value, or "" for an unknown heading, or "pre" before any heading
    title: str
    line: int
    inline: str = ""  # "Last Updated: 05/24/2016" → "05/24/2016"
    paras: list[_Para] = field(default_factory=list)

    def blocks(self) -> list[list[_Para]]:
        """Split the paragraphs where two or more blank lines separate them."""
        blocks: list[list[_Para]] = []
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


def _key_form(text: str) -> str:
    text = text.translate(_QUOTES).replace("&", " and ").casefold()
    return re.sub(r"\s+", " ", text).strip().rstrip(":").strip()


def _is_heading(text: str) -> bool:
    """A heading: short, no final punctuation, every word of 4+ letters capitalised."""
    stripped = text.strip()
    if not stripped or len(stripped) > 60 or _BULLET.match(text) or stripped[-1] in ".,;:!?":
        return False
    words = re.findall(r"[^\W\d_][\w'’-]*", stripped)
    if not words or len(stripped.split()) > 8 or not stripped[0].isupper():
        return False
    return all(w[0].isupper() for w in words if len(w) >= 4)


def _is_boilerplate(text: str) -> bool:
    flat = " ".join(text.split())
    return any(p.search(flat) for p in _BOILERPLATE)


def parse_page(text: str, display: str) -> ParsedPage:
    """Parse the text of a catalogue page; ``InputError`` (with the line) when it is not one."""
    lines = normalise_page_text(text)
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        raise input_error(display, 1, "the page is empty", "give the text of a catalogue page")
    other = sniff_format(text)
    if other:
        raise input_error(
            display, numbered[0][0],
            f"this looks like {other}, not the text of a Consortia-pedia catalogue page",
            "open the page in a browser, select all, copy, and save the text as a .txt file",
        )  # fmt: skip
    glance_at = next((n for n, line in numbered if _key_form(line) == "at a glance"), None)
    if glance_at is None:
        raise input_error(
            display, numbered[0][0],
            'this is not a Consortia-pedia catalogue page: it has no "At a Glance" block',
            "give the text of a catalogue page: a title line, then At a Glance, then sections",
        )  # fmt: skip
    title_line, title = numbered[0]
    if title_line == glance_at or _BULLET.match(title) or len(title.strip()) > 200:
        raise input_error(
            display, title_line, "the page has no title line before \"At a Glance\"",
            "the first line of the page is the consortium's name",
        )  # fmt: skip
    page = ParsedPage({})
    record = page.record
    warn = page.warnings.append

    def note(text: str) -> None:
        text = text.strip()
        if text and text not in record.setdefault("notes", []):
            record["notes"].append(text)

    # the title; the lines between it and At a Glance are kept as notes
    name, acronym = _split_acronym(title.strip())
    record["name"] = name
    if acronym:
        record["acronym"] = acronym
    for n, line in numbered:
        if title_line < n < glance_at:
            warn(f"{display}:{n}: text between the title and At a Glance; kept as a note")
            note(line.strip())

    # At a Glance: bullets (or key: value lines), up to the first line that is neither
    index = glance_at  # lines[] is 0-based: lines[glance_at] is the line after the heading
    glance: list[tuple[int, str]] = []
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        bullet = _BULLET.match(line)
        body = line[bullet.end() :] if bullet else line
        if bullet or _glance_key(body) or _key_form(body) == "no disease focus":
            glance.append((index + 1, body.strip()))
            index += 1
        else:
            break
    if not glance:
        warn(f"{display}:{glance_at}: the At a Glance block is empty")
    initiator = _read_glance(glance, record, page, display, note)

    sections = _sections(lines[index:], index + 1)
    seen: set[str] = set()
    for section in sections:
        _read_section(section, record, page, display, note, seen)
    if "abstract" not in seen and "description" not in record:
        warn(f"{display}: no abstract (the paragraph after At a Glance)")
    for key in ("history", "governance", "patient_engagement", "data_sharing", "contacts",
                "sponsors", "last_updated"):  # fmt: skip
        if key not in seen:
            warn(f'{display}: no "{_SECTION_TITLES[key]}" section')
    if initiator is not None:
        _read_initiator(initiator, record, page, note)
    _find_aliases(record)
    return page


def _split_acronym(title: str) -> tuple[str, str]:
    match = re.fullmatch(r"(.+?)\s*\(([A-Z0-9][A-Za-z0-9&/-]{1,15})\)", title)
    if match and sum(ch.isupper() for ch in match.group(2)) >= 2:
        return match.group(1).strip(), match.group(2)
    return title, ""


def _glance_key(text: str) -> str:
    match = re.match(r"^([^:]{1,40}):\s*(.*)$", text)
    return _GLANCE_KEYS.get(_key_form(match.group(1)), "") if match else ""


def _read_glance(
    glance: list[tuple[int, str]], record: dict[str, Any], page: ParsedPage, display: str, note: Any
) -> tuple[int, str] | None:
    """Fill the At a Glance keys; return the Initiating Organization value (line, text)."""
    initiator: tuple[int, str] | None = None
    for line_no, text in glance:
        where = f"{display}:{line_no}"
        if _key_form(text) == "no disease focus":
            record["disease_focus"] = "none"
            continue
        key = _glance_key(text)
        value = text.split(":", 1)[1].strip() if key else ""
        if key == "status" and _STATUSES.get(_key_form(value)):
            record["status"] = _STATUSES[_key_form(value)]
        elif key == "year" and re.fullmatch(r"\d{4}", value):
            record["year_launched"] = value
        elif key == "initiator" and value:
            initiator = (line_no, value)
        elif key == "initiator_type" and _INITIATOR_TYPES.get(_key_form(value)):
            record["initiator_type"] = _INITIATOR_TYPES[_key_form(value)]
        elif key == "disease" and _key_form(value) in ("none", "no disease focus"):
            record["disease_focus"] = "none"
        elif key == "disease" and value:
            diseases = [d.strip() for d in re.split(r"[,;]\s*", value) if d.strip()]
            record["disease_focus"] = diseases
        elif key == "location" and _SCOPES.get(_key_form(value)):
            record["scope"] = _SCOPES[_key_form(value)]
        elif key == "location" and value:
            record["location"] = value
        elif key == "disease":
            page.warnings.append(f"{where}: the disease focus is empty; not recorded")
        else:
            page.warnings.append(f'{where}: "{text}" is not understood; kept as a note')
            note(f"At a Glance: {text}")
    return initiator


def _read_initiator(
    initiator: tuple[int, str], record: dict[str, Any], page: ParsedPage, note: Any
) -> None:
    line_no, value = initiator
    count = re.match(
        r"^(\d[\d,]*)\s+(?:participating\s+)?(?:organi[sz]ations|members|institutions|partners)\b",
        value,
        re.IGNORECASE,
    )
    if count:
        record["participating_organisations"] = {"count": count.group(1).replace(",", "")}
        if record.get("last_updated"):
            record["participating_organisations"]["as_of"] = record["last_updated"]
        return
    own = {normalise_name(record["name"]), normalise_name(record.get("acronym", "") or "")}
    if normalise_name(value) in own or _key_form(value) in ("the consortium", "consortium"):
        note(f"At a Glance: Initiating Organization: {value} (the consortium itself)")
        return
    page.mentions.append(Mention("initiating", value, line_no))


#: Sections whose lines are often names: only a known heading ends them.
_LISTS = ("contacts", "sponsors")


def _sections(lines: list[str], first_line: int) -> list[_Section]:
    """Split the body into sections at headings; text before the first heading is ``pre``."""
    sections = [_Section("pre", "", first_line)]
    gap = 0
    para: list[tuple[int, str]] = []

    def flush() -> None:
        nonlocal para
        if para:
            sections[-1].paras.append(_Para(para, gap))
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
            sections.append(_Section(key, line.strip().rstrip(":").strip(), number, inline))
            if inline:
                sections[-1].title = line.split(":", 1)[0].strip()
            gap = 0
            continue
        para.append((number, line))
    flush()
    return sections


def _heading_of(line: str) -> tuple[str, str] | None:
    """Return (section key, inline value) when ``line`` is a heading, else None."""
    form = _key_form(line)
    if form in _HEADINGS:
        return _HEADINGS[form], ""
    match = re.match(r"^\s*last updated\s*:\s*(.+)$", line, re.IGNORECASE)
    if match:
        return "last_updated", match.group(1).strip()
    if _is_heading(line):
        return "", ""
    return None


def _read_section(
    section: _Section,
    record: dict[str, Any],
    page: ParsedPage,
    display: str,
    note: Any,
    seen: set[str],
) -> None:
    section.paras = _without_boilerplate(section.paras)
    blocks = section.blocks()
    key = section.key
    seen.add(key)
    if key == "pre":
        if not blocks:
            return
        if len(blocks) == 1 and len(blocks[0]) > 1:
            blocks = [blocks[0][:1], blocks[0][1:]]
        _append(record, "description", _prose(blocks.pop(0)))
        seen.add("abstract")
        if blocks:
            _read_mission(blocks.pop(0), record)
            seen.add("mission")
        for block in blocks:
            for para in block:
                note(para.text())
        return
    if key == "governance":
        _read_governance([p for b in blocks for p in b], record, page)
        return
    if key == "contacts":
        _read_contacts([p for b in blocks for p in b], record, page, display, note)
        return
    if key == "last_updated":
        _read_last_updated(section, record, page, display, note)
        for para in section.paras:
            note(para.text())
        return
    if key == "sponsors" or not key:
        body = "\n".join(p.text() for b in blocks for p in b)
        note(f"{section.title}: {body}" if body else section.title)
        return
    first, rest = (blocks[0], blocks[1:]) if blocks else ([], [])
    if key == "abstract":
        _append(record, "description", _prose(first))
    elif key == "mission":
        _read_mission(first, record)
    elif key == "history":
        _append(record, "history", _prose(first))
        _read_events(first, record)
    elif key in ("patient_engagement", "data_sharing"):
        _append(record, key, _prose(first))
    if not first:
        page.warnings.append(f'{display}:{section.line}: the "{section.title}" section is empty')
    for block in rest:
        for para in block:
            note(para.text())


def _without_boilerplate(paras: list[_Para]) -> list[_Para]:
    """Drop the catalogue's boilerplate line by line; every other line of a paragraph stays.

    Boilerplate may sit anywhere (a copy can put the footer right under a heading, in the
    same paragraph as the section's text): it never ends a section nor takes a line with it.
    A paragraph that was only boilerplate goes, and the blank lines before it still count for
    the paragraph after it, so the section's blocks (see :meth:`_Section.blocks`) stay as laid out.
    """
    out: list[_Para] = []
    gap = 0
    for para in paras:
        lines = [(n, line) for n, line in para.lines if not _is_boilerplate(line)]
        gap = max(gap, para.gap)
        if lines:
            out.append(_Para(lines, gap))
            gap = 0
    return out


def _prose(paras: list[_Para]) -> str:
    return "\n".join(p.text() for p in paras).strip()


def _append(record: dict[str, Any], key: str, text: str) -> None:
    if text:
        record[key] = f"{record[key]}\n{text}" if record.get(key) else text


def _read_mission(block: list[_Para], record: dict[str, Any]) -> None:
    """Prose → ``mission``; bullets ``Name: description`` → ``activities``."""
    prose: list[str] = []
    for para in block:
        lines: list[str] = []
        for _, line in para.lines:
            bullet = _BULLET.match(line)
            if not bullet:
                lines.append(line.strip())
                continue
            if lines:
                prose.append(" ".join(lines))
                lines = []
            item = line[bullet.end() :].strip()
            name, _, description = item.partition(":")
            if description.strip() and 0 < len(name) <= 80:
                activity = {"name": name.strip(), "description": description.strip()}
            else:
                activity = {"name": item}
            record.setdefault("activities", []).append(activity)
        if lines:
            prose.append(" ".join(lines))
    _append(record, "mission", "\n".join(prose))


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(s.strip() for s in _SENTENCE_END.split(line.lstrip("• ")) if s.strip())
    return out


def _read_events(block: list[_Para], record: dict[str, Any]) -> None:
    for sentence in _sentences(_prose(block)):
        month = _MONTH_YEAR.search(sentence)
        year = _IN_YEAR.search(sentence)
        if month:
            date = f"{month.group(2)}-{_MONTHS[month.group(1).lower()]:02d}"
        elif year:
            date = year.group(1)
        else:
            continue
        if 1000 <= int(date[:4]) <= 2100:
            record.setdefault("events", []).append({"date": date, "description": sentence})


def _read_governance(paras: list[_Para], record: dict[str, Any], page: ParsedPage) -> None:
    text = _prose(paras)
    _append(record, "governance", text)
    sentences = _sentences(text)
    _read_steering_committee(sentences, record)
    _read_units(text, sentences, record)
    _read_posts(sentences, record)
    _read_hosts(sentences, page)
    _read_legal_and_funding(sentences, record)
    plenary = re.search(r"\b(plenary (?:body|assembly|session|meeting)|general assembly)\b", text,
                        re.IGNORECASE)  # fmt: skip
    if plenary and not any(c["id"] == "plenary" for c in record.get("committees", [])):
        paragraph = next(p.text() for p in paras if plenary.group(0) in p.text())
        committee = {"id": "plenary", "name": plenary.group(1).capitalize(), "kind": "plenary",
                     "description": paragraph.lstrip("• ")}  # fmt: skip
        record.setdefault("committees", []).insert(0, committee)


_SC_SUBJECT = re.compile(
    r"^(?:the\s+)?(?:role of the\s+)?steering committee\b(?!\s+and\b)", re.IGNORECASE
)
_SC_SELECTION = re.compile(
    r"\bmembers?\b.*\b(determined|selected|elected|appointed|nominat\w*|chosen)\b", re.IGNORECASE
)


def _read_steering_committee(sentences: list[str], record: dict[str, Any]) -> None:
    mentioned = [s for s in sentences if re.search(r"steering committee", s, re.IGNORECASE)]
    if not mentioned:
        return
    committee: dict[str, Any] = {"name": "Steering Committee"}
    description: list[str] = []
    selection: list[str] = []
    for sentence in mentioned:
        if not _SC_SUBJECT.match(sentence):
            continue
        (selection if _SC_SELECTION.search(sentence) else description).append(sentence)
    if description:
        committee["description"] = " ".join(description)
    if selection:
        committee["selection"] = " ".join(selection)
    for sentence in mentioned:
        count = re.search(
            r"steering committee\s*\((\d+)\)|(\d+)[- ]member steering committee|"
            r"steering committee (?:of|with|has|comprises|consists of) (\d+) members",
            sentence,
            re.IGNORECASE,
        )
        if count:
            committee["member_count"] = next(g for g in count.groups() if g)
            break
    record["steering_committee"] = committee


def _read_units(text: str, sentences: list[str], record: dict[str, Any]) -> None:
    """Named working groups and committees, with ``(N)`` member counts."""
    for match in _UNIT.finditer(text):
        words = match.group(1).split()
        while words and words[0].lower() in _DETERMINERS:
            words.pop(0)
        if not words:
            continue
        kind_word = match.group(2)
        name = " ".join([*words, kind_word])
        if name.lower() == "steering committee" or "steering" in name.lower():
            continue
        sentence = next((s for s in sentences if name in s), "")
        if kind_word in ("Working Group", "Work Stream", "Workstream", "Task Force"):
            key = "working_groups"
            unit: dict[str, Any] = {"id": slugify(" ".join(words)), "name": name}
        else:
            key = "committees"
            lower = name.lower()
            kind = (
                "advisory"
                if "advisory" in lower
                else "executive"
                if "executive" in lower
                else "other"
            )
            unit = {"id": slugify(name), "name": name, "kind": kind}
        if sentence and sentence.lstrip("• ") != match.group(0):
            unit["description"] = sentence
        if match.group(3):
            unit["member_count"] = match.group(3)
        units = record.setdefault(key, [])
        same = next((u for u in units if u["id"] == unit["id"]), None)
        if same is None:
            units.append(unit)
        else:
            same.update({k: v for k, v in unit.items() if k not in same})


_APPOINTS = re.compile(
    r"^(?:[Tt]he\s+)?(?P<who>[A-Z][\w ]*?(?:Committee|Board|Council))\s+"
    r"(?:appoints|elects|selects|names)\s+(?P<what>.+?)\.?$"
)


def _read_posts(sentences: list[str], record: dict[str, Any]) -> None:
    for sentence in sentences:
        match = _APPOINTS.match(sentence)
        if not match:
            continue
        who = match.group("who").strip()
        if who.lower() == "steering committee" and "steering_committee" in record:
            unit = "steering-committee"
        else:
            unit = next((c["id"] for c in record.get("committees", []) if c["name"] == who), "")
        if not unit:
            continue
        for part in re.split(r",\s*(?:and\s+)?|\s+and\s+", match.group("what")):
            title = re.sub(r"^(?:a|an|the|its|their)\s+", "", part.strip(), flags=re.IGNORECASE)
            if not title or len(title) > 60:
                continue
            title = title[0].upper() + title[1:]
            post: dict[str, Any] = {"id": slugify(title), "title": title}
            if re.fullmatch(r"(committee )?chair(person|man|woman)?", title, re.IGNORECASE):
                post["id"], post["unit"] = "chair", unit
            post["appointed_by"] = unit
            if all(p["id"] != post["id"] for p in record.get("posts", [])):
                record.setdefault("posts", []).append(post)


def _read_hosts(sentences: list[str], page: ParsedPage) -> None:
    for sentence in sentences:
        match = re.search(
            r"\b(?:hosted|housed|based) (?:at|by) (?P<names>[^.;]+)|"
            r"\bHost Institutions?:\s*(?P<listed>[^.;]+)",
            sentence,
        )
        if not match:
            continue
        names = match.group("names") or match.group("listed") or ""
        for part in re.split(r",\s*(?:and\s+)?|\s+and\s+", names):
            name = re.sub(r"^(?:the|its|their)\s+", "", part.strip(), flags=re.IGNORECASE)
            if len(name) >= 2 and name[0].isupper() and "host institution" not in name.lower():
                page.mentions.append(Mention("host", name, 0, sentence))


def _read_legal_and_funding(sentences: list[str], record: dict[str, Any]) -> None:
    for sentence in sentences:
        lower = sentence.lower()
        if re.search(r"\bis an? (non-?profit|not-for-profit)\b", lower):
            record.setdefault("legal_status", "nonprofit")
        elif re.search(r"\bis an? for-profit\b", lower):
            record.setdefault("legal_status", "for-profit")
        elif re.search(r"\bis an? unincorporated\b", lower):
            record.setdefault("legal_status", "unincorporated")
        if not re.search(r"\b(supported by|funded by|funding|funds)\b", lower):
            continue
        found: list[str] = []
        if re.search(r"\bphilanthrop", lower):
            found.append("philanthropic-support")
        for agencies in re.findall(r"grants? from ([\w ,]+?) agencies", lower):
            if "research" in agencies:
                found.append("research-agency-grants")
            if "government" in agencies:
                found.append("government-agency-grants")
        if re.search(r"\bgovernment (grants|funding)\b", lower):
            found.append("government-agency-grants")
        if re.search(r"\bmembership (fees|dues)\b|\bmember dues\b", lower):
            found.append("membership-fees")
        if re.search(r"\bindustry (support|funding|partners|sponsors)\b", lower):
            found.append("industry-support")
        if re.search(r"\bother (funding|sources)\b", lower):
            found.append("other-funding")
        funding = record.setdefault("funding", [])
        funding.extend(f for f in found if f not in funding)
        if not funding:
            del record["funding"]


def _read_contacts(
    paras: list[_Para], record: dict[str, Any], page: ParsedPage, display: str, note: Any
) -> None:
    for para in paras:
        lines = [(n, line.strip()) for n, line in para.lines]
        person_label = ""
        first = lines[0][1] if lines else ""
        if (
            first
            and not _CONTACT.match(first)
            and not _ADDRESS.match(first)
            and any(_CONTACT.match(line) for _, line in lines[1:])
        ):
            person_label = lines.pop(0)[1]
        address: list[tuple[int, str]] | None = None
        for n, line in lines:
            if address is not None:
                address.append((n, line))
                continue
            start = _ADDRESS.match(line)
            if start:
                address = [(n, start.group(1))] if start.group(1) else []
                continue
            contact = _CONTACT.match(line)
            if contact:
                record.setdefault("contacts", []).append(
                    _contact(contact.group(1), contact.group(2), contact.group(3), person_label)
                )
            else:
                page.warnings.append(
                    f"{display}:{n}: a contact line not understood; kept as a note"
                )
                note(f"Points of Contact: {line}")
        if address:
            _read_address(address, record, page, display)
        elif address is not None:
            page.warnings.append(f"{display}:{para.line}: the mailing address is empty")


def _contact(word: str, label: str | None, value: str, person_label: str) -> dict[str, Any]:
    form = word.lower().replace("-", "").replace(" ", "")
    kind = {"telephone": "phone", "tel": "phone", "tollfree": "phone", "email": "email",
            "website": "web", "url": "web"}.get(form, form)  # fmt: skip
    contact: dict[str, Any] = {"kind": kind, "value": value.strip()}
    if person_label:
        contact["label"] = person_label + (f" ({label.strip()})" if label else "")
        contact["person"] = "true"
    else:
        contact["label"] = (label or word).strip().lower()
        personal = kind == "email" and not _ROLE_MAILBOX.match(value.strip())
        contact["person"] = "true" if personal else "false"
    return contact


def _read_address(
    lines: list[tuple[int, str]], record: dict[str, Any], page: ParsedPage, display: str
) -> None:
    texts = [t for _, t in lines if t]
    address: dict[str, Any] = {}
    if texts and _key_form(texts[-1]) in _COUNTRIES:
        address["country"] = texts.pop()
    locality_at = None
    for index in range(len(texts) - 1, -1, -1):
        text = texts[index]
        us = _US_LOCALITY.match(text)
        if us:
            address.update(locality=us.group(1), region=us.group(2), postal_code=us.group(3))
            locality_at = index
            break
        if _POSTAL.match(text) and "postal_code" not in address and index == len(texts) - 1:
            address["postal_code"] = text
            continue
        euro = re.match(r"^(\d{4,6}|[A-Z]{1,2}-\d{4,5})\s+(\D.+)$", text)
        if euro and index >= 1:
            address.update(postal_code=euro.group(1), locality=euro.group(2))
            locality_at = index
            break
        if "," in text and not re.search(r"\d", text.split(",")[0]) and index >= 1:
            city, _, region = text.partition(",")
            address["locality"] = city.strip()
            if region.strip():
                address["region"] = region.strip()
            locality_at = index
            break
        break
    if locality_at is None:
        page.warnings.append(
            f"{display}:{lines[0][0]}: no city line found in the mailing address; "
            "its lines are kept as the street"
        )
        locality_at = len(texts) - (1 if "postal_code" in address else 0)
    before = texts[:locality_at]
    name = normalise_name(record.get("name", ""))
    if before and (len(before) >= 3 or (name and name in normalise_name(before[0]))):
        address["name"] = before.pop(0)
    if before:
        address["street"] = before
    ordered = {k: address[k] for k in ("name", "street", "locality", "region", "postal_code",
                                       "country") if k in address}  # fmt: skip
    record["address"] = ordered


def _read_last_updated(
    section: _Section, record: dict[str, Any], page: ParsedPage, display: str, note: Any
) -> None:
    value = section.inline or (section.paras[0].text() if section.paras else "")
    if not section.inline and section.paras:
        section.paras = section.paras[1:]
    us = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value.strip())
    iso = re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip())
    named = re.fullmatch(r"([A-Za-z]+)\s+(\d{1,2}),\s*(\d{4})", value.strip())
    date = ""
    if us and 1 <= int(us.group(1)) <= 12 and 1 <= int(us.group(2)) <= 31:
        date = f"{us.group(3)}-{int(us.group(1)):02d}-{int(us.group(2)):02d}"
    elif iso:
        date = value.strip()
    elif named and named.group(1).lower() in _MONTHS:
        date = f"{named.group(3)}-{_MONTHS[named.group(1).lower()]:02d}-{int(named.group(2)):02d}"
    try:
        from consortia_kg.records.fieldtypes import parse_date

        if date:
            parse_date(date)
    except ValueError:
        date = ""
    if date:
        record["last_updated"] = date
        counted = record.get("participating_organisations")
        if counted is not None:
            counted["as_of"] = date
    else:
        page.warnings.append(
            f'{display}:{section.line}: "Last Updated: {value}" is not a date; kept as a note'
        )
        note(f"Last Updated: {value}".strip())


def _find_aliases(record: dict[str, Any]) -> None:
    """``The Global Alliance for Genomics & Health (Global Alliance)`` → an alias (or acronym)."""
    text = record.get("description", "")
    target = normalise_name(record["name"])
    for match in re.finditer(r"\(([^()]{2,60})\)", text):
        before = normalise_name(text[: match.start()])
        if not target or not before.endswith(target):
            continue
        inner = match.group(1).strip()
        acronym_like = (
            re.fullmatch(r"[A-Z0-9][A-Za-z0-9&/-]{1,15}", inner)
            and sum(ch.isupper() for ch in inner) >= 2
        )
        if acronym_like and "acronym" not in record:
            record["acronym"] = inner
        elif normalise_name(inner) != target and inner not in record.get("aliases", []):
            record.setdefault("aliases", []).append(inner)


# --- the import ----------------------------------------------------------------------------


def import_page(
    ws: Workspace,
    raw: bytes,
    display: str,
    path: Path | None,
    slug: str | None = None,
    status: str | None = None,
) -> tuple[str, ParsedPage]:
    """Plan the consortium record of a page (and the organisation records it names).

    ``status`` is used when At a Glance gives none; without either, ``InputError``: a
    consortium record needs a status, and the importer does not guess it.
    """
    text = decode_text(raw, display, "the text of a catalogue page")
    page = parse_page(text, display)
    record = page.record
    name = record["name"]
    if "status" not in record:
        if status is None:
            raise input_error(
                display, 0, "At a Glance gives no Status, and a consortium record needs one",
                'add "• Status: Active Consortium" under At a Glance, or pass --status active',
            )  # fmt: skip
        record["status"] = status
    source_fields: dict[str, Any] = {
        "title": f"Consortia-pedia Catalogue: {name}",
        "kind": "web-page",
        "publisher": "FasterCures, Milken Institute",
    }
    if record.get("last_updated"):
        source_fields["date"] = record["last_updated"]
    source = ws.ensure_source(raw, path, display, source_fields)
    if slug is None:
        slug = ws.find("consortium", name, acronym=record.get("acronym", ""), source=source)
    if slug is None:
        slug = ws.free_slug("consortium", slugify(record.get("acronym") or name))
    for mention in page.mentions:
        org = ws.find("organisation", mention.name, source=source)
        if org is None:
            org = ws.free_slug("organisation", slugify(mention.name))
            ws.put(
                "organisation", org, {"name": mention.name, "sources": [source]},
                Ownership(source, frozenset({"name"}), primary=True),
            )  # fmt: skip
        if mention.role == "initiating":
            record["initiating_organisation"] = org
        else:
            host: dict[str, Any] = {"organisation": org}
            if mention.description:
                host["description"] = mention.description
            hosts = record.setdefault("host_institutions", [])
            if all(h["organisation"] != org for h in hosts):
                hosts.append(host)
    record["sources"] = [source]
    ws.put("consortium", slug, record, Ownership(source, PAGE_KEYS, primary=True))
    return slug, page
