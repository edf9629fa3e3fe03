"""The Points of Contact section of a catalogue page: phones, e-mails, web links and the address.

A person's contact is marked ``person: true`` (it reaches a dump only when a curator marks it
public); a line that is not understood is kept as a note, with a warning.
"""

from __future__ import annotations

import re
from typing import Any

from consortia_kg.importers.page_text import Note, Para, ParsedPage, key_form
from consortia_kg.reconcile import normalise_name

__all__ = ["read_contacts"]

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


def read_contacts(
    paras: list[Para], record: dict[str, Any], page: ParsedPage, display: str, note: Note
) -> None:
    """Read the contact lines and the mailing address of Points of Contact into ``record``."""
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
    if texts and key_form(texts[-1]) in _COUNTRIES:
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
