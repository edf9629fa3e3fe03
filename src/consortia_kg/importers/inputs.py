"""Read an importer's input and refuse, with file and line, what is not text of the right kind."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from consortia_kg.errors import InputError

__all__ = ["JSON_DEPTH", "decode_text", "input_error", "parse_json", "read_input", "sniff_format"]

#: Python's JSON reader recurses once per level and fails near the recursion limit (1,000):
#: a file that makes it fail is nested deeper than this, whatever the caller's stack.
JSON_DEPTH = 500


def input_error(display: str, line: int, message: str, hint: str) -> InputError:
    """Return the ``InputError`` for ``display:line: message`` (exit 2)."""
    where = f"{display}:{line}" if line else display
    return InputError(f"{where}: {message}", hint=hint)


def read_input(name: str, max_bytes: int | None = None) -> tuple[bytes, str, Path | None]:
    """Return the bytes of file ``name`` (``-`` is stdin), how to show it, and its path."""
    if name == "-":
        return sys.stdin.buffer.read(), "<stdin>", None
    path = Path(name)
    if not path.is_file():
        what = "a folder" if path.is_dir() else "not there"
        raise InputError(f"{name}: {what}, not a file", hint="name the file to import")
    if max_bytes is not None and path.stat().st_size > max_bytes:
        raise input_error(
            name, 0, f"the file is bigger than {max_bytes // 1024 // 1024} MiB",
            "check that this is really the file to import",
        )  # fmt: skip
    try:
        return path.read_bytes(), name, path
    except OSError as exc:
        raise InputError(f"{name}: cannot read it: {exc.strerror}", hint="check the path") from None


def decode_text(raw: bytes, display: str, what: str) -> str:
    """Return ``raw`` as text (BOM dropped, line ends unified), or refuse empty/binary/non-UTF-8."""
    if not raw.strip():
        raise input_error(display, 1, "the file is empty", f"give {what}")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise input_error(
            display, line, f"this is a binary file, not {what}", f"give {what} as UTF-8 text"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise input_error(
            display, line, f"byte 0x{raw[exc.start]:02x} is not UTF-8",
            "save the file as UTF-8 text",
        ) from None  # fmt: skip
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_json(text: str, display: str, line: int, hint: str) -> Any:
    """Return ``json.loads(text)``; JSON nested too deep to read is an input error at ``line``.

    ``json.JSONDecodeError`` is left to the caller, which knows what the text should be.
    """
    try:
        return json.loads(text)
    except RecursionError:
        raise input_error(
            display, line, f"the JSON is nested deeper than {JSON_DEPTH} levels", hint
        ) from None


def sniff_format(text: str) -> str:
    """Name the format ``text`` looks like: html, json, sql, yaml, pdf, or ``""`` (plain text)."""
    head = text.lstrip()[:200]
    lower = head.lower()
    if lower.startswith(("<!doctype", "<html", "<?xml", "<")):
        return "HTML or XML"
    if head.startswith(("{", "[")):
        return "JSON"
    if lower.startswith(("insert into", "create table", "--")):
        return "SQL"
    if head.startswith("%PDF"):
        return "PDF"
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    while lines and lines[0].startswith("#"):
        lines.pop(0)  # YAML comments
    keys = sum(bool(re.match(r"[a-z_][a-z0-9_]*:(\s|$)", line)) for line in lines)
    if head.startswith("---") or (lines and lines[0].startswith("id:")) or keys >= 3:
        return "YAML"
    return ""
