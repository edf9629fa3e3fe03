"""Findings as text for people, JSON for tools, or GitHub workflow annotations."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable

from consortia_kg.errors import Problem, Severity, plural

__all__ = ["FORMATS", "format_report", "sort_problems", "summarise"]

#: ``validate --format`` choices.
FORMATS = ("text", "json", "github")


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Order findings by file, line, then severity, dropping exact repeats."""
    unique = {(p.file, p.line, p.key, p.message, p.severity): p for p in problems}
    return sorted(
        unique.values(),
        key=lambda p: (p.file, p.line, Severity.ORDER[p.severity], p.key, p.message),
    )


def summarise(problems: list[Problem], records: int) -> str:
    """One closing line: how many of each severity, in how many files."""
    counts = Counter(p.severity for p in problems)
    files = len({p.file for p in problems})
    if not problems:
        return f"no problems in {plural(records, 'record')}"
    parts = []
    for severity in (Severity.VIOLATION, Severity.WARNING, Severity.INFO):
        n = counts.get(severity, 0)
        if n:
            parts.append(plural(n, severity))
    return f"{', '.join(parts)} in {plural(files, 'file')} ({plural(records, 'record')} read)"


def _where(p: Problem) -> str:
    location = f"{p.file}:{p.line}" if p.line else p.file
    return f"{location} {p.key}:" if p.key else f"{location}:"


def format_text(problems: list[Problem], records: int) -> str:
    """Group by file; each finding says where, what, why and how to fix it."""
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for p in problems:
        by_file[p.file].append(p)
    lines = []
    for file in sorted(by_file):
        for p in by_file[file]:
            tag = "" if p.severity == Severity.VIOLATION else f" [{p.severity}]"
            lines.append(f"{_where(p)} {p.message}{tag}")
            if p.why:
                lines.append(f"  why: {p.why}")
            if p.fix:
                lines.append(f"  fix: {p.fix}")
        lines.append("")
    lines.append(summarise(problems, records))
    return "\n".join(lines) + "\n"


def format_json(problems: list[Problem], records: int) -> str:
    """The machine form: conforms, problems, counts."""
    counts = Counter(p.severity for p in problems)
    document = {
        "conforms": not counts.get(Severity.VIOLATION),
        "problems": [p.as_dict() for p in problems],
        "counts": {
            "records": records,
            "files": len({p.file for p in problems}),
            "errors": counts.get(Severity.VIOLATION, 0),
            "warnings": counts.get(Severity.WARNING, 0),
            "infos": counts.get(Severity.INFO, 0),
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _escape_github(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(problems: list[Problem], records: int) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    level = {Severity.VIOLATION: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for p in problems:
        props = f"file={_escape_github(p.file, prop=True)}"
        if p.line:
            props += f",line={p.line}"
        if p.key:
            props += f",title={_escape_github(p.key, prop=True)}"
        body = (
            p.message + (f"\nwhy: {p.why}" if p.why else "") + (f"\nfix: {p.fix}" if p.fix else "")
        )
        lines.append(f"::{level[p.severity]} {props}::{_escape_github(body)}")
    lines.append(summarise(problems, records))
    return "\n".join(lines) + "\n"


def format_report(problems: list[Problem], records: int, fmt: str) -> str:
    """Render findings in one of ``FORMATS``."""
    ordered = sort_problems(problems)
    if fmt == "json":
        return format_json(ordered, records)
    if fmt == "github":
        return format_github(ordered, records)
    return format_text(ordered, records)
