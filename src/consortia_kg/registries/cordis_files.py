"""Read CORDIS's bulk downloads (a projects file, an organisations file) in any published form.

The Commission publishes, per framework programme and per search, the same two tables as CSV
(``;``-separated, every value quoted, UTF-8), JSON (a list of objects) and XLSX. Each is read
into plain rows, ``(row number, {column: text})``, whatever the form:

- CSV (``.csv``, ``.csv.gz``): the header is row 1, so the first project is row 2;
- JSON (``.json``, ``.json.gz``): the 1-based position of the object in the list;
- XLSX (``.xlsx``): the sheet's row number (the header is the first row of the first sheet).

JSON and XLSX cells carry numbers and booleans; they become the text a CSV would hold
(``996588380``, ``17320843.96``, ``false``), so the three forms map to the same quads.

The header is checked against the columns the mapping reads: a missing (or renamed) column, or a
CSV separated by ``,`` instead of ``;``, raises ``UnreadableFile`` at ``file:1``. Columns the
mapping does not read (a framework programme's extra ones) are kept and ignored.
"""

from __future__ import annotations

import csv
import datetime
import difflib
import io
import json
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from consortia_kg.errors import Problem
from consortia_kg.registries.snapshot import SnapshotFile, UnreadableFile, read_text

__all__ = [
    "FORMS",
    "HORIZON_EUROPE_COLUMNS",
    "ORGANISATION_COLUMNS",
    "ORGANISATION_NEEDS",
    "PROJECT_COLUMNS",
    "PROJECT_NEEDS",
    "cell_text",
    "file_form",
    "read_rows",
]

#: The projects file's columns, as CORDIS publishes them (the keys of its JSON form).
PROJECT_COLUMNS = (
    "id",
    "acronym",
    "status",
    "title",
    "startDate",
    "endDate",
    "totalCost",
    "ecMaxContribution",
    "legalBasis",
    "topics",
    "ecSignatureDate",
    "frameworkProgramme",
    "masterCall",
    "subCall",
    "fundingScheme",
    "nature",
    "objective",
    "contentUpdateDate",
    "rcn",
)
#: The organisations file's columns (Horizon Europe's; FP7 lacks ``HORIZON_EUROPE_COLUMNS``).
ORGANISATION_COLUMNS = (
    "projectID",
    "projectAcronym",
    "organisationID",
    "vatNumber",
    "name",
    "shortName",
    "SME",
    "activityType",
    "street",
    "postCode",
    "city",
    "country",
    "nutsCode",
    "geolocation",
    "organizationURL",
    "contactForm",
    "contentUpdateDate",
    "rcn",
    "order",
    "role",
    "ecContribution",
    "netEcContribution",
    "totalCost",
    "endOfParticipation",
    "active",
)
#: Organisation columns that Horizon Europe files have and FP7 files lack: read when present.
HORIZON_EUROPE_COLUMNS = ("netEcContribution", "totalCost", "endOfParticipation")
#: The project columns the mapping reads: a file without one of them cannot be mapped.
PROJECT_NEEDS = (
    "id",
    "acronym",
    "title",
    "startDate",
    "endDate",
    "totalCost",
    "ecMaxContribution",
    "frameworkProgramme",
    "fundingScheme",
    "objective",
    "rcn",
)
#: The organisation columns the mapping reads (besides ``HORIZON_EUROPE_COLUMNS``).
ORGANISATION_NEEDS = (
    "projectID",
    "organisationID",
    "name",
    "shortName",
    "activityType",
    "street",
    "postCode",
    "city",
    "country",
    "geolocation",
    "organizationURL",
    "role",
    "ecContribution",
)
#: File name endings and the form each is read as.
FORMS = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".json": "json",
    ".json.gz": "json",
    ".xlsx": "xlsx",
}
_DELIMITER = ";"


def file_form(path: Path) -> str | None:
    """Return ``csv``, ``json`` or ``xlsx`` by the file's name ending, None for another."""
    name = path.name.lower()
    return next((form for end, form in FORMS.items() if name.endswith(end)), None)


def cell_text(value: object) -> str:
    """Return a JSON or spreadsheet value as the text CORDIS's CSV form holds for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _problem(file: SnapshotFile, row: int, message: str, why: str, fix: str) -> Problem:
    return Problem(
        file.shown, row, file.role, message, why=why, fix=fix, shape="registry snapshot", fatal=True
    )


def read_rows(file: SnapshotFile, needs: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(row number, {column: text})`` of a CORDIS file in any of its forms.

    Raises ``UnreadableFile`` for a file that is not one of the forms, cut short, or lacking a
    column in ``needs``.
    """
    form = file_form(file.path)
    if form == "csv":
        yield from _csv_rows(file, needs)
    elif form == "json":
        yield from _json_rows(file, needs)
    elif form == "xlsx":
        yield from _xlsx_rows(file, needs)
    else:
        raise UnreadableFile(
            _problem(
                file,
                0,
                f"{file.path.name} is not a CORDIS download: its name does not end in "
                + ", ".join(FORMS),
                why="the form (CSV, JSON or XLSX) is told by the file's name ending",
                fix="give the file as downloaded from CORDIS, with its name ending",
            )
        )


def _check_header(
    file: SnapshotFile, header: Sequence[str], needs: Sequence[str], separator: str = ""
) -> None:
    missing = [c for c in needs if c not in header]
    if not missing:
        return
    if separator:
        raise UnreadableFile(
            _problem(
                file,
                1,
                f"{file.path.name} is separated by `{separator}`, not `{_DELIMITER}`",
                why="CORDIS publishes its CSV files with `;` between values (so that commas "
                "in titles and objectives need no care); a file saved again by a "
                "spreadsheet may have another separator",
                fix=f"download the file again from CORDIS, or save it as CSV separated by "
                f"`{_DELIMITER}` with every value quoted",
            )
        )
    kind = (
        "organisations"
        if "organisationID" in header
        else "projects"
        if "ecMaxContribution" in header
        else ""
    )
    if kind and kind != file.role:
        raise UnreadableFile(
            _problem(
                file,
                1,
                f"{file.path.name} is a CORDIS {kind} file, given as the {file.role} file",
                why="its header has the columns of the other table",
                fix="give the projects file first, then the organisations file",
            )
        )
    hints = []
    for column in missing:
        close = difflib.get_close_matches(column, [h for h in header if h not in needs], 1, 0.6)
        hints.append(f"`{column}`" + (f" (is `{close[0]}` it, renamed?)" if close else ""))
    raise UnreadableFile(
        _problem(
            file,
            1,
            f"column{'s' if len(missing) > 1 else ''} {', '.join(hints)} missing from "
            f"{file.path.name}",
            why="the mapping reads these columns by their CORDIS names",
            fix="use the file as CORDIS publishes it, with the columns " + ", ".join(needs),
        )
    )


def _text(file: SnapshotFile) -> str:
    """Return the file's text; a gzip cut short is reported at the line where it breaks off."""
    try:
        return read_text(file)
    except UnreadableFile as exc:
        if not file.path.name.endswith(".gz"):
            raise
        try:
            head = zlib.decompressobj(wbits=47).decompress(file.path.read_bytes())
        except zlib.error:
            raise exc from None
        line = head.count(b"\n") + 1
        problem = exc.problem
        raise UnreadableFile(
            Problem(
                problem.file,
                line,
                problem.key,
                f"{file.path.name} breaks off in line {line}: {problem.message}",
                why=problem.why,
                fix=problem.fix,
                shape=problem.shape,
                fatal=True,
            )
        ) from exc


def _csv_rows(file: SnapshotFile, needs: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(_text(file), newline=""), delimiter=_DELIMITER)
    header = next(reader, [])
    separator = ""
    if len(header) == 1:
        separator = next((d for d in ",\t|" if d in header[0]), "")
    _check_header(file, header, needs, separator)
    width = len(header)
    try:
        for number, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != width:
                raise UnreadableFile(
                    _problem(
                        file,
                        number,
                        f"row {number} has {len(row)} values, the header {width}",
                        why="a row cut short or an unquoted `;` shifts every value after it",
                        fix="download the file again (CORDIS quotes every value)",
                    )
                )
            yield number, dict(zip(header, row, strict=True))
    except csv.Error as exc:
        raise UnreadableFile(
            _problem(
                file,
                reader.line_num,
                f"{file.path.name} is not CSV from line {reader.line_num} on ({exc})",
                why="a quote left open swallows the rows after it",
                fix="download the file again (CORDIS quotes every value)",
            )
        ) from exc


def _json_rows(file: SnapshotFile, needs: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        data = json.loads(_text(file))
    except RecursionError:
        raise UnreadableFile(
            _problem(
                file,
                1,
                f"{file.path.name} is JSON nested too deep to read",
                why="CORDIS's JSON is a flat list of objects",
                fix="download the file again from CORDIS",
            )
        ) from None
    except json.JSONDecodeError as exc:
        raise UnreadableFile(
            _problem(
                file,
                exc.lineno,
                f"{file.path.name} is not JSON ({exc.msg} at line {exc.lineno})",
                why="a file cut short ends in the middle of an object",
                fix="download the file again from CORDIS",
            )
        ) from exc
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise UnreadableFile(
            _problem(
                file,
                1,
                f"{file.path.name} is not a list of objects",
                why="CORDIS's JSON form is a list with one object per row",
                fix="give the JSON file as downloaded from CORDIS",
            )
        )
    _check_header(file, list(data[0]) if data else [], needs)
    for number, item in enumerate(data, start=1):
        missing = [c for c in needs if c not in item]
        if missing:
            raise UnreadableFile(
                _problem(
                    file,
                    number,
                    f"object {number} has no {', '.join(missing)}",
                    why="every object of a CORDIS file has the same keys",
                    fix="download the file again from CORDIS",
                )
            )
        yield number, {key: cell_text(value) for key, value in item.items()}


def _xlsx_rows(file: SnapshotFile, needs: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    # heavy, and only an XLSX download needs it
    from openpyxl import load_workbook

    try:
        book = load_workbook(file.path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(
            _problem(
                file,
                0,
                f"{file.path.name} is not a whole XLSX workbook ({exc})",
                why="a workbook cut short or saved in another format cannot be opened",
                fix="download the file again from CORDIS",
            )
        ) from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [cell_text(v) for v in next(rows, ())]
        while header and not header[-1]:
            header.pop()  # cells formatted beyond the table
        _check_header(file, header, needs)
        width = len(header)
        for number, values in enumerate(rows, start=2):
            texts = [cell_text(v) for v in values]
            if not any(texts):
                continue
            texts = (texts + [""] * width)[:width]
            yield number, dict(zip(header, texts, strict=True))
    finally:
        book.close()
