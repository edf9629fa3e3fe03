"""The review file: links the engine proposed but could not decide, and the curators' decisions.

``data/review.yaml`` lists *proposals*: a name (with its country and where it was read) that may
mean a candidate record, the score and why. A curator sets each ``decision:`` to ``accept`` or
``reject`` (or ``consortia-kg review accept|reject N``); the next import (or build) follows it and
never asks again. A proposal is known by its kind, name (normalised), country and candidate, so a
re-import of the same sheet finds the decision whatever row the name moved to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from consortia_kg.atomic import write_atomic
from consortia_kg.errors import InputError
from consortia_kg.reconcile.engine import Match
from consortia_kg.reconcile.names import normalise_name
from consortia_kg.records.yamlsource import Mapping, Scalar, Sequence, parse_yaml

__all__ = ["DECISIONS", "REVIEW_FILE", "Proposal", "Review"]

#: Where the review file lives, in the data folder.
REVIEW_FILE = "review.yaml"
#: What a curator may write under ``decision:``.
DECISIONS = ("pending", "accept", "reject")
_FIELDS = ("kind", "name", "country", "where", "candidate", "candidate_name", "score", "reason",
           "decision")  # fmt: skip
_HEADER = """\
# Links consortia-kg proposed but could not decide (see docs/reconciliation.md).
# Set each `decision:` to accept or reject (or run `consortia-kg review accept|reject N`),
# then run the import again: accepted names link to the candidate, rejected ones do not.
"""


@dataclass(frozen=True)
class Proposal:
    """A name that may mean a candidate record."""

    kind: str
    name: str
    country: str
    where: str
    candidate: str
    candidate_name: str
    score: float
    reason: str
    decision: str = "pending"
    line: int = 0  # where the proposal is in the review file (0: not written yet)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What identifies a proposal across imports: kind, name, country, candidate."""
        return (self.kind, normalise_name(self.name), self.country.upper(), self.candidate)

    @classmethod
    def of(cls, kind: str, name: str, country: str, where: str, match: Match) -> Proposal:
        """Return the proposal that ``name`` (read at ``where``) is ``match``."""
        why = "; ".join((match.reason, *match.evidence))
        return cls(kind, name.strip(), country.strip().upper(), where, match.key, match.name,
                   round(match.score, 1), why)  # fmt: skip


class Review:
    """The proposals of one data folder's review file."""

    def __init__(self, path: Path, proposals: list[Proposal]) -> None:
        self.path = path
        self.proposals = proposals
        self._by_key = {p.key: i for i, p in enumerate(proposals)}
        self.changed = False

    @classmethod
    def load(cls, data_dir: Path) -> Review:
        """Read ``data_dir/review.yaml`` (none yet: no proposals); refuse a broken one."""
        path = data_dir / REVIEW_FILE
        if not path.is_file():
            return cls(path, [])
        shown = str(path)
        root, problems = parse_yaml(path.read_bytes(), shown)
        if problems:
            first = problems[0]
            raise InputError(f"{first.file}:{first.line}: {first.message}", hint=first.fix)
        items = root.items.get("proposals") if root is not None else None
        if root is None or not isinstance(items, Sequence):
            raise InputError(f"{shown}:1: no `proposals:` list", hint="restore the file's layout, "
                             "or delete it: the next import proposes again")  # fmt: skip
        return cls(path, [_proposal(item, shown) for item in items.items])

    def decision(self, kind: str, name: str, country: str, candidate: str) -> str | None:
        """Return ``accept`` or ``reject`` when a curator decided; None when not (yet)."""
        key = (kind, normalise_name(name), country.strip().upper(), candidate)
        index = self._by_key.get(key)
        found = self.proposals[index].decision if index is not None else None
        return found if found in ("accept", "reject") else None

    def propose(self, proposal: Proposal) -> Proposal:
        """Add ``proposal`` unless it is there already; return the one the file keeps."""
        index = self._by_key.get(proposal.key)
        if index is not None:
            return self.proposals[index]
        self._by_key[proposal.key] = len(self.proposals)
        self.proposals.append(proposal)
        self.changed = True
        return proposal

    def decide(self, number: int, decision: str) -> Proposal:
        """Set proposal ``number`` (1-based, as listed) to ``decision``; return it."""
        if not 1 <= number <= len(self.proposals):
            raise InputError(
                f"there is no proposal {number} in {self.path} ({len(self.proposals)} there)",
                hint="list them with `consortia-kg review`",
            )
        proposal = replace(self.proposals[number - 1], decision=decision)
        self.proposals[number - 1] = proposal
        self.changed = True
        return proposal

    def pending(self) -> list[tuple[int, Proposal]]:
        """Return the undecided proposals with their numbers."""
        return [(n, p) for n, p in enumerate(self.proposals, 1) if p.decision == "pending"]

    def render(self) -> str:
        """Return the file's text: every proposal, in the order they were made."""
        lines = [_HEADER.rstrip("\n"), "proposals:"]
        for proposal in self.proposals:
            for i, name in enumerate(_FIELDS):
                value = getattr(proposal, name)
                text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else (
                    f"{value:g}")  # fmt: skip
                lines.append(f"  {'- ' if i == 0 else '  '}{name}: {text}")
        return "\n".join(lines) + "\n"

    def save(self) -> None:
        """Write the file (atomically) when something changed."""
        if self.changed:
            write_atomic(self.path, self.render().encode("utf-8"))
            self.changed = False


def _proposal(node: object, shown: str) -> Proposal:
    line = getattr(node, "line", 1)
    if not isinstance(node, Mapping):
        raise InputError(f"{shown}:{line}: a proposal is a mapping of {', '.join(_FIELDS)}",
                         hint="restore the item, or delete it")  # fmt: skip
    values: dict[str, str] = {}
    for name in _FIELDS:
        value = node.items.get(name)
        if not isinstance(value, Scalar) or (value.is_null and name != "country"):
            raise InputError(f"{shown}:{line}: this proposal has no `{name}`",
                             hint="restore the item, or delete it")  # fmt: skip
        values[name] = "" if value.is_null else value.text
    decision = values["decision"]
    if decision not in DECISIONS:
        at = node.key_lines.get("decision", line)
        raise InputError(f'{shown}:{at}: decision "{decision}" is not one of '
                         f"{', '.join(DECISIONS)}", hint="write accept or reject")  # fmt: skip
    try:
        score = float(values["score"])
    except ValueError:
        raise InputError(f"{shown}:{line}: score {values['score']!r} is not a number",
                         hint="restore the score the import wrote") from None  # fmt: skip
    return Proposal(values["kind"], values["name"], values["country"], values["where"],
                    values["candidate"], values["candidate_name"], score, values["reason"],
                    decision, line)  # fmt: skip
