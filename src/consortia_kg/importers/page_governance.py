"""The Structure & Governance section of a catalogue page: units, posts, hosts, legal, funding.

The section's prose stays whole in ``governance``; these readers pick out of its sentences the
steering committee, the named working groups and committees (with ``(N)`` member counts), the
posts a committee appoints, the host institutions, the legal status and the kinds of funding.

A body is capitalised words ending in a head word (``_WORKING_HEADS``, ``_COMMITTEE_HEADS``),
lower-case connectors kept inside its name ("Ethics and Policy Committee") and a leading
determiner left out ("the", "its", "Members of the ..."). Every body the section names is read
under its own name, the steering committee too ("International Steering Committee"); a member
count "(N)" that belongs to no body read is a warning naming the words before it, never
dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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

#: Words that open a phrase naming a body without being part of its name ("the", "its").
_LEADING = {"the", "a", "an", "each", "all", "these", "this", "its", "our", "their", "every",
            "other", "both", "two", "three", "four", "five", "several", "many", "most", "some",
            "and", "of", "in", "by", "to", "for", "with", "on", "&"}  # fmt: skip


#: People of a body, left out before "of" ("Members of the Imaging Subgroup"); kept where they
#: are part of a name ("Members Forum").
_PEOPLE = {"member", "members", "chair", "chairs", "co-chair", "co-chairs", "head", "heads",
           "lead", "leads", "leader", "leaders", "representative", "representatives"}  # fmt: skip


def _without_leading(words: list[str]) -> list[str]:
    """``words`` without the determiners and "Members of the" that open them."""
    words = list(words)
    while words and (
        words[0].lower() in _LEADING
        or (words[0].lower() in _PEOPLE and words[1:2] in (["of"], ["in"], ["for"], ["on"]))
    ):
        words.pop(0)
    return words


#: Lower-case words that may join the capitalised words of a name ("Ethics and Policy").
_CONNECTORS = r"(?:and|of|for|on|the|in|&)"


_CAPITALISED = r"[A-Z][\w'’/-]*"


#: Head words of working bodies → ``working_groups`` (unless the name says advisory/executive).
_WORKING_HEADS = ("Working Group", "Working Party", "Work Group", "Workgroup", "Work Stream",
                  "Workstream", "Work Package", "Task Force", "Subgroup", "Sub-group",
                  "Sub-Group", "Group", "Team", "Core", "Network")  # fmt: skip


#: Head words of governing and advisory bodies → ``committees`` (or the steering committee).
_COMMITTEE_HEADS = ("Committee", "Subcommittee", "Sub-committee", "Sub-Committee", "Council",
                    "Board", "Panel", "Forum", "Assembly", "Secretariat", "Office")  # fmt: skip


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


#: A named body: capitalised words (joined by connectors) ending in a head word, then an
#: optional "of Directors", "on the Ethics of Sharing" (only before a count) and an optional
#: member count "(12)".
_UNIT = re.compile(
    rf"(?<![\w'’-])((?:{_CAPITALISED}\s+(?:{_CONNECTORS}\s+){{0,2}}){{0,8}}?)"
    rf"({_alternatives(_WORKING_HEADS + _COMMITTEE_HEADS)})(?![\w-])"
    rf"(\s+(?:of|on|for)\s+(?:the\s+)?{_CAPITALISED}(?:\s+(?:{_CONNECTORS}\s+){{0,2}}{_CAPITALISED}){{0,4}}"
    r"(?=\s*\(\d))?"
    r"(?:\s*\((\d+)(?:\s+members?)?\))?"
)


#: A member count in brackets, "(9)" or "(9 members)", and the words before it.
_COUNT = re.compile(r"(?<![\w'’&/-])((?:[\w'’&/-]+\s+){0,5}[\w'’&/-]+)\s*\((\d+)(\s+members?)?\)")


@dataclass(frozen=True)
class _Body:
    """A body the section names: its name, head word, member count and where it was read."""

    name: str
    head: str
    count: str
    span: tuple[int, int]
    text: str  # the words as the page has them, "the Imaging Subgroup (5)"

    @property
    def is_steering(self) -> bool:
        return "steering" in self.name.lower() and self.head in ("Committee", "Group", "Board",
                                                                  "Council")  # fmt: skip


def read_governance(
    paras: list[Para], record: dict[str, Any], page: ParsedPage, display: str = ""
) -> None:
    """Keep the section as ``governance`` and read what its sentences name."""
    text = join_paras(paras)
    append_text(record, "governance", text)
    sentences = split_sentences(text)
    bodies = _find_bodies(text)
    steering = _steering_bodies(bodies)
    _read_steering_committee(sentences, record, steering)
    _read_units([b for b in bodies if b not in steering], sentences, record)
    _warn_unread_counts(text, bodies, paras, page, display)
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


def _find_bodies(text: str) -> list[_Body]:
    """Every named body of the text, in the order named.

    Generic mentions ("Working Groups", "each Committee") are not bodies.
    """
    bodies: list[_Body] = []
    for match in _UNIT.finditer(text):
        words = _without_leading(match.group(1).split())
        head, tail, count = match.group(2), (match.group(3) or "").strip(), match.group(4) or ""
        if not words and not tail and not count:
            continue
        name = " ".join([*words, head, *tail.split()])
        bodies.append(_Body(name, head, count, match.span(), match.group(0).strip()))
    return bodies


_SC_SELECTION = re.compile(
    r"\bmembers?\b.*\b(determined|selected|elected|appointed|nominat\w*|chosen)\b", re.IGNORECASE
)


def _steering_bodies(bodies: list[_Body]) -> list[_Body]:
    """The mentions of the steering committee, under its own name.

    It is the first steering body with a name of its own ("International Steering Committee"),
    or else the first one; the plain "Steering Committee" mentions beside it are the page's
    short form for it. Another steering body the page names ("Scientific Steering Committee"
    beside the international one) is a committee.
    """
    steering = [b for b in bodies if b.is_steering]
    if not steering:
        return []
    plain = {f"Steering {b.head}" for b in steering}
    first = next((b for b in steering if b.name not in plain), steering[0])
    short = f"Steering {first.head}"
    return [b for b in steering if b.name in (first.name, short)]


def _read_steering_committee(
    sentences: list[str], record: dict[str, Any], mentions: list[_Body]
) -> None:
    """The steering committee under its own name, its role, how it is chosen and its size.

    A sentence is about it when it opens with its name, or with "the Steering Committee"
    (the page's short form for it); "... Steering Committee and Working Groups ..." is not.
    """
    if not mentions:
        return
    steering = max(mentions, key=lambda b: len(b.name))
    names = rf"(?:{re.escape(steering.name)}|steering\s+{re.escape(steering.head)})"
    subject = re.compile(rf"^(?:the\s+)?(?:role of the\s+)?{names}\b(?!\s+and\b)", re.IGNORECASE)
    committee: dict[str, Any] = {"name": steering.name}
    description: list[str] = []
    selection: list[str] = []
    mentioned = [s for s in sentences if re.search(names, s, re.IGNORECASE)]
    for sentence in mentioned:
        if not subject.match(sentence):
            continue
        (selection if _SC_SELECTION.search(sentence) else description).append(sentence)
    if description:
        committee["description"] = " ".join(description)
    if selection:
        committee["selection"] = " ".join(selection)
    counts = [b.count for b in mentions if b.count]
    if counts:
        committee["member_count"] = counts[0]
    for sentence in mentioned if not counts else []:
        count = re.search(
            rf"(\d+)[- ]member {names}|{names} (?:of|with|has|comprises|consists of) (\d+) members",
            sentence,
            re.IGNORECASE,
        )
        if count:
            committee["member_count"] = next(g for g in count.groups() if g)
            break
    record["steering_committee"] = committee


def _read_units(bodies: list[_Body], sentences: list[str], record: dict[str, Any]) -> None:
    """Named working groups and committees, with ``(N)`` member counts."""
    for body in bodies:
        name, lower = body.name, body.name.lower()
        sentence = next((s for s in sentences if name in s), "")
        kind = (
            "advisory" if "advisory" in lower
            else "executive" if "executive" in lower
            else "plenary" if lower in ("general assembly", "plenary assembly")
            else "other"
        )  # fmt: skip
        if body.head in _WORKING_HEADS and kind in ("other", "plenary"):
            key = "working_groups"
            # "Technologies Working Group" is the working group "technologies"
            short = name[: -len(body.head)].strip() if body.head == "Working Group" else name
            unit: dict[str, Any] = {"id": slugify(short or name), "name": name}
        else:
            key = "committees"
            unit = {"id": "plenary" if kind == "plenary" else slugify(name), "name": name,
                    "kind": kind}  # fmt: skip
        if sentence and sentence.lstrip("• ") != body.text:
            unit["description"] = sentence
        if body.count:
            unit["member_count"] = body.count
        units = record.setdefault(key, [])
        same = next((u for u in units if u["id"] == unit["id"]), None)
        if same is None:
            units.append(unit)
        else:
            same.update({k: v for k, v in unit.items() if k not in same})


def _warn_unread_counts(
    text: str, bodies: list[_Body], paras: list[Para], page: ParsedPage, display: str
) -> None:
    """A member count that belongs to no body read: say what was left (the text stays)."""
    read = [b.span for b in bodies if b.count]
    for match in _COUNT.finditer(text):
        if any(start <= match.start(2) < end for start, end in read):
            continue
        if 1900 <= int(match.group(2)) <= 2100 and not match.group(3):
            continue  # a year, "(2014)"
        phrase = f"{_named_part(match.group(1).split())} ({match.group(2)})"
        page.warnings.append(
            f'{_where(display, paras, phrase)}: Structure & Governance: "{phrase}" looks like a '
            f"body with {match.group(2)} members, but not of a kind the importer knows (working "
            "group, subgroup, team, network, committee, board, council, panel, ...); not recorded "
            "as one (its text stays in governance)"
        )


def _named_part(words: list[str]) -> str:
    """The capitalised words (and the connectors between them) that end ``words``."""
    kept: list[str] = []
    for word in reversed(words):
        if word[0].isupper() or (kept and re.fullmatch(_CONNECTORS, word)):
            kept.insert(0, word)
        else:
            break
    return " ".join(_without_leading(kept) or words)


def _where(display: str, paras: list[Para], phrase: str) -> str:
    """``file:line`` of the line holding the end of ``phrase`` (its count)."""
    last = phrase.split()[-2:]  # "Roundtable (11)"
    line = next((n for p in paras for n, text in p.lines if " ".join(last) in text), 0)
    line = line or next((n for p in paras for n, text in p.lines if last[-1] in text), 0)
    return f"{display}:{line}" if line else display


_APPOINTS = re.compile(
    r"^(?:[Tt]he\s+)?(?P<who>[A-Z][\w &-]*?"
    rf"(?:{_alternatives(_WORKING_HEADS + _COMMITTEE_HEADS)}))\s+"
    r"(?:appoints|elects|selects|names)\s+(?P<what>.+?)\.?$"
)


def _read_posts(sentences: list[str], record: dict[str, Any]) -> None:
    for sentence in sentences:
        match = _APPOINTS.match(sentence)
        if not match:
            continue
        who = match.group("who").strip()
        steering = record.get("steering_committee", {}).get("name", "")
        # its name, or the short form "Steering Committee" of a named one
        if steering and who.lower() in (
            steering.lower(),
            f"steering {steering.split()[-1]}".lower(),
        ):
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
