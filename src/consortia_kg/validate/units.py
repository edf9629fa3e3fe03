"""Two working groups (or two committees) of one consortium with the same name or acronym.

The record format tells a consortium's bodies apart by ``id``; a second body with another id
but the same name is most often one body written twice (an import and a curator, two pages).
SHACL sees no order between two nodes, so the check reads the records: the finding is at the
second body's line and names the first, as the record format does for an id listed twice.

Severity follows the shapes' other duplicate rules: the same name is an **error**, as for two
organisation or two consortium records (Organisation-duplicateName, Consortium-duplicateName),
since two bodies for one split its posts, standards and members. The same acronym under
different names is a **warning**: the shapes check no acronym for duplicates (organisations
share them freely), and two bodies may be abbreviated alike; a curator decides.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from consortia_kg.errors import Problem, Severity
from consortia_kg.records.model import Committee, Consortium, Located, Record, WorkingGroup

__all__ = ["find_duplicate_units"]

_WHY_NAME = "two entries for one body split its posts, standards and members (record format)"
_WHY_ACRONYM = "an acronym names one body of a consortium on its pages and in queries"


def find_duplicate_units(records: Iterable[Record]) -> list[Problem]:
    """Return a finding for each body that repeats an earlier one's name or acronym.

    Working groups are compared with the working groups of the same consortium record, and
    committees with its committees; case, accents and runs of white space do not count.
    """
    problems: list[Problem] = []
    for record in records:
        item = record.item
        if isinstance(item, Consortium):
            problems.extend(
                _repeats(record, "working_groups", "working group", item.working_groups)
            )
            problems.extend(_repeats(record, "committees", "committee", item.committees))
    return problems


def _repeats(
    record: Record, key: str, what: str, units: Sequence[WorkingGroup | Committee]
) -> list[Problem]:
    problems: list[Problem] = []
    names: dict[str, WorkingGroup | Committee] = {}
    acronyms: dict[str, WorkingGroup | Committee] = {}
    for unit in units:
        name, acronym = _key(unit.name), _key(unit.acronym)
        first = names.get(name) if name else None
        if first is not None and unit.name is not None:
            problems.append(_finding(record, key, what, unit.name, first, "name", _WHY_NAME))
        elif acronym and (earlier := acronyms.get(acronym)) is not None and unit.acronym:
            problems.append(
                _finding(record, key, what, unit.acronym, earlier, "acronym", _WHY_ACRONYM)
            )
        if name:
            names.setdefault(name, unit)
        if acronym:
            acronyms.setdefault(acronym, unit)
    return problems


def _finding(
    record: Record,
    key: str,
    what: str,
    repeated: Located[str],
    first: WorkingGroup | Committee,
    field: str,
    why: str,
) -> Problem:
    first_id = first.id.value if first.id is not None else "?"
    located = first.name if field == "name" else first.acronym
    line = located.line if located is not None else 0
    if field == "name":
        fix = "keep one entry (merge the two), or make the names tell the two bodies apart"
        severity = Severity.VIOLATION
    else:
        fix = "correct the acronym, or keep it if the two bodies really are abbreviated alike"
        severity = Severity.WARNING
    return Problem(
        record.file,
        repeated.line,
        repeated.key,
        f'another {what} of this consortium has the {field} "{repeated.value}" '
        f"({first_id}, line {line})",
        why=why,
        fix=fix,
        severity=severity,
        shape=f"duplicate {what}",
    )


def _key(located: Located[str] | None) -> str:
    """The text compared: case, accents and runs of white space aside."""
    if located is None:
        return ""
    text = unicodedata.normalize("NFKD", located.value)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())
