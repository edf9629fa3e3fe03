"""Spreadsheets as rows of text: CSV (``,`` or ``;`` as Excel writes it), TSV and XLSX.

Every row keeps the number a curator sees in a spreadsheet program (the header is row 1), so a
finding can say ``partners.csv:7``. Cells are stripped; rows with no text are dropped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from consortia_kg.errors import InputError
from consortia_kg.importers.inputs import decode_text, input_error

__all__ = ["Sheet", "read_sheet"]

#: Bigger than any partner or work-package list; a larger file is not the one meant.
MAX_SHEET_BYTES = 20 * 1024 * 1024


@dataclass
class Sheet:
    """The header and the rows of one sheet, each row with its number."""

    display: str
    raw: bytes
    header: list[str]
    rows: list[tuple[int, list[str]]]


def read_sheet(path: Path, sheet: str | None = None) -> Sheet:
    """Read ``path`` by its extension: .xlsx (``sheet``, else the first), .tsv/.tab, else CSV."""
    display = str(path)
    if not path.is_file():
        raise InputError(f"{display}: not there, or not a file", hint="name the spreadsheet file")
    if path.stat().st_size > MAX_SHEET_BYTES:
        raise input_error(display, 0, "the file is bigger than 20 MiB", "check the file name")
    raw = path.read_bytes()
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        cells = _xlsx_rows(raw, display, sheet)
    else:
        text = decode_text(raw, display, "a CSV or TSV spreadsheet")
        delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") else _delimiter(text)
        cells = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    numbered = [
        (number, [cell.strip() for cell in row])
        for number, row in enumerate(cells, start=1)
        if any(cell.strip() for cell in row)
    ]
    if not numbered:
        raise input_error(display, 1, "the sheet has no rows", "give a sheet with a header row")
    (_, header), rows = numbered[0], numbered[1:]
    return Sheet(display, raw, header, rows)


def _delimiter(text: str) -> str:
    """Excel writes ``;`` where the decimal mark is a comma: pick what the header uses most."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _xlsx_rows(raw: bytes, display: str, sheet: str | None) -> list[list[str]]:
    # openpyxl is only needed by this command: imported here, not at CLI start
    from zipfile import BadZipFile

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise input_error(
            display, 0, f"cannot be read as an XLSX workbook ({exc})",
            "save it again from the spreadsheet program as .xlsx, or export it as CSV",
        ) from None  # fmt: skip
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise InputError(
                f"{display}: no sheet named {sheet!r}",
                hint=f"use --sheet with one of: {', '.join(names)}",
            )
        ws = book[sheet or names[0]]
        return [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and hasattr(value, "isoformat"):  # a date or datetime cell
        return str(value.isoformat())[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
