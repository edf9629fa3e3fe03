"""The Structure & Governance section of a catalogue page: units, posts, hosts, legal, funding.

The section's prose stays whole in ``governance``; these readers pick out of its sentences the
steering committee, the named working groups and committees (with ``(N)`` member counts), the
posts a committee appoints, the host institutions, the legal status and the kinds of funding.
"""

from __future__ import annotations

import re
from typing import Any

from consortia_kg.importers.page_text import (
    Mention,
    Para,
    ParsedPage,
    append_text,
    join_paras,
    split_sentences,
)
from consortia_kg.importers.plan import slugify

__all__ = ["read_governance"]

_DETERMINERS = {"the", "a", "an", "each", "all", "these", "this", "its", "our", "their", "every",
                "other", "and", "of", "in", "by", "to", "for", "with"}  # fmt: skip


_UNIT = re.compile(
    r"((?:[A-Z][\w&'’/-]*\s+){1,6}?)"
    r"(Working Group|Work Stream|Workstream|Task Force|Committee|Council|Board|Panel)\b"
    r"(?:\s*\((\d+)\))?"
)


def read_governance(paras: list[Para], record: dict[str, Any], page: ParsedPage) -> None:
    """Keep the section as ``governance`` and read what its sentences name."""
    text = join_paras(paras)
    append_text(record, "governance", text)
    sentences = split_sentences(text)
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
