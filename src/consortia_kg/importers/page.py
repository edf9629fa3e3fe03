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
(:func:`import_page`), which needs the data folder. This module reads the page's frame (title,
At a Glance, the prose sections, Last Updated); ``page_text`` splits the text into sections of
paragraphs, ``page_governance`` and ``page_contacts`` read the two structured sections.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from consortia_kg.importers.inputs import decode_text, input_error, sniff_format
from consortia_kg.importers.page_contacts import read_contacts
from consortia_kg.importers.page_governance import read_governance
from consortia_kg.importers.page_text import (
    BULLET,
    SECTION_TITLES,
    Mention,
    Note,
    Para,
    ParsedPage,
    Section,
    append_text,
    join_paras,
    key_form,
    normalise_page_text,
    plain_quotes,
    split_sections,
    split_sentences,
    without_boilerplate,
)
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
    glance_at = next((n for n, line in numbered if key_form(line) == "at a glance"), None)
    if glance_at is None:
        raise input_error(
            display, numbered[0][0],
            'this is not a Consortia-pedia catalogue page: it has no "At a Glance" block',
            "give the text of a catalogue page: a title line, then At a Glance, then sections",
        )  # fmt: skip
    title_line, title = numbered[0]
    if title_line == glance_at or BULLET.match(title) or len(title.strip()) > 200:
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
        bullet = BULLET.match(line)
        body = line[bullet.end() :] if bullet else line
        if bullet or _glance_key(body) or key_form(body) == "no disease focus":
            glance.append((index + 1, body.strip()))
            index += 1
        else:
            break
    if not glance:
        warn(f"{display}:{glance_at}: the At a Glance block is empty")
    initiator = _read_glance(glance, record, page, display, note)

    sections = split_sections(lines[index:], index + 1)
    seen: set[str] = set()
    for section in sections:
        _read_section(section, record, page, display, note, seen)
    if "abstract" not in seen and "description" not in record:
        warn(f"{display}: no abstract (the paragraph after At a Glance)")
    for key in ("history", "governance", "patient_engagement", "data_sharing", "contacts",
                "sponsors", "last_updated"):  # fmt: skip
        if key not in seen:
            warn(f'{display}: no "{SECTION_TITLES[key]}" section')
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
    return _GLANCE_KEYS.get(key_form(match.group(1)), "") if match else ""


def _read_glance(
    glance: list[tuple[int, str]],
    record: dict[str, Any],
    page: ParsedPage,
    display: str,
    note: Note,
) -> tuple[int, str] | None:
    """Fill the At a Glance keys; return the Initiating Organization value (line, text)."""
    initiator: tuple[int, str] | None = None
    for line_no, text in glance:
        where = f"{display}:{line_no}"
        if key_form(text) == "no disease focus":
            record["disease_focus"] = "none"
            continue
        key = _glance_key(text)
        value = text.split(":", 1)[1].strip() if key else ""
        if key == "status" and _STATUSES.get(key_form(value)):
            record["status"] = _STATUSES[key_form(value)]
        elif key == "year" and re.fullmatch(r"\d{4}", value):
            record["year_launched"] = value
        elif key == "initiator" and value:
            initiator = (line_no, value)
        elif key == "initiator_type" and _INITIATOR_TYPES.get(key_form(value)):
            record["initiator_type"] = _INITIATOR_TYPES[key_form(value)]
        elif key == "disease" and key_form(value) in ("none", "no disease focus"):
            record["disease_focus"] = "none"
        elif key == "disease" and value:
            # "Alzheimer’s Disease" is the disease "Alzheimer's Disease": one spelling, so that
            # one concept (and a search with a plain apostrophe) finds every record of it
            diseases = [d.strip() for d in re.split(r"[,;]\s*", value) if d.strip()]
            plain = [plain_quotes(d) for d in diseases]
            if plain != diseases:
                page.warnings.append(
                    f"{where}: the disease focus is written with typographic quotes; recorded "
                    f"with plain ones: {', '.join(plain)}"
                )
            record["disease_focus"] = plain
        elif key == "location" and _SCOPES.get(key_form(value)):
            record["scope"] = _SCOPES[key_form(value)]
        elif key == "location" and value:
            record["location"] = value
        elif key == "disease":
            page.warnings.append(f"{where}: the disease focus is empty; not recorded")
        else:
            page.warnings.append(f'{where}: "{text}" is not understood; kept as a note')
            note(f"At a Glance: {text}")
    return initiator


def _read_initiator(
    initiator: tuple[int, str], record: dict[str, Any], page: ParsedPage, note: Note
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
    if normalise_name(value) in own or key_form(value) in ("the consortium", "consortium"):
        note(f"At a Glance: Initiating Organization: {value} (the consortium itself)")
        return
    page.mentions.append(Mention("initiating", value, line_no))


def _read_section(
    section: Section,
    record: dict[str, Any],
    page: ParsedPage,
    display: str,
    note: Note,
    seen: set[str],
) -> None:
    section.paras = without_boilerplate(section.paras)
    blocks = section.blocks()
    key = section.key
    seen.add(key)
    if key == "pre":
        if not blocks:
            return
        if len(blocks) == 1 and len(blocks[0]) > 1:
            blocks = [blocks[0][:1], blocks[0][1:]]
        append_text(record, "description", join_paras(blocks.pop(0)))
        seen.add("abstract")
        if blocks:
            _read_mission(blocks.pop(0), record)
            seen.add("mission")
        for block in blocks:
            for para in block:
                note(para.text())
        return
    if key == "governance":
        read_governance([p for b in blocks for p in b], record, page, display)
        return
    if key == "contacts":
        read_contacts([p for b in blocks for p in b], record, page, display, note)
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
        append_text(record, "description", join_paras(first))
    elif key == "mission":
        _read_mission(first, record)
    elif key == "history":
        append_text(record, "history", join_paras(first))
        _read_events(first, record)
    elif key in ("patient_engagement", "data_sharing"):
        append_text(record, key, join_paras(first))
    if not first:
        page.warnings.append(f'{display}:{section.line}: the "{section.title}" section is empty')
    for block in rest:
        for para in block:
            note(para.text())


def _read_mission(block: list[Para], record: dict[str, Any]) -> None:
    """Prose → ``mission``; bullets ``Name: description`` → ``activities``."""
    prose: list[str] = []
    for para in block:
        lines: list[str] = []
        for _, line in para.lines:
            bullet = BULLET.match(line)
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
    append_text(record, "mission", "\n".join(prose))


def _read_events(block: list[Para], record: dict[str, Any]) -> None:
    for sentence in split_sentences(join_paras(block)):
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


def _read_last_updated(
    section: Section, record: dict[str, Any], page: ParsedPage, display: str, note: Note
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
        waiting = len(ws.pending)
        org = ws.find("organisation", mention.name, source=source, where=display)
        if org is None and len(ws.pending) > waiting:
            # a curator decides first: no record is made that the decision would orphan
            record.setdefault("notes", []).append(
                f"{mention.role.capitalize()} organisation (waits for review): {mention.name}"
            )
            continue
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
