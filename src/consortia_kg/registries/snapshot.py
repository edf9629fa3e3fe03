"""A registry snapshot: a third-party dataset mirrored in its published form, and its manifest.

Each snapshot is a folder ``data/registries/<id>/`` holding the files as the registry published
them (gzipped where large) and ``snapshot.yaml``, which says where they came from::

    id: cordis-h2020
    title: CORDIS Horizon 2020 participations
    mapping: cordis-h2020            # which module of registries/ maps it at build time
    publisher: European Commission (CORDIS)
    upstream: https://github.com/zambujo/eunets
    commit: f1bec7e0e150151f49fa3ff0c06b2f6ea31e2c05     # or version:
    licence: https://creativecommons.org/licenses/by/4.0/   # or none-stated (below)
    attribution: CORDIS, European Commission
    taken: 2026-12-03                # when the copy was made
    files:
      participations: {path: participations.csv.gz, upstream: data/h2020.csv.gz, sha256: ...}

``licence`` is the IRI of the data's licence, or ``none-stated`` when the upstream states none
(the ELIXIR node map): the snapshot then says so in the graph instead of naming a licence, and
its ``description`` says which facts are taken.

Reading a snapshot checks the manifest and every file's checksum, so a file edited by hand (or
cut short) is reported before anything is mapped. Rows are read with their numbers, so a
finding points at ``file:row`` like a record's finding points at ``file:line``.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from consortia_kg.errors import Problem, Severity
from consortia_kg.records.fieldtypes import FieldError, parse_iri
from consortia_kg.records.load import display_path
from consortia_kg.records.yamlsource import Mapping, Scalar, read_yaml

__all__ = [
    "MANIFEST_NAME",
    "NO_LICENCE",
    "Snapshot",
    "SnapshotFile",
    "read_csv_rows",
    "read_snapshot",
    "read_text",
    "snapshot_folders",
]

#: The manifest of a snapshot folder.
MANIFEST_NAME = "snapshot.yaml"
#: ``licence:`` of a snapshot whose upstream states no licence.
NO_LICENCE = "none-stated"
#: Where snapshots live under a data folder.
REGISTRIES_DIRNAME = "registries"

_REQUIRED = ("id", "title", "mapping", "publisher", "upstream", "licence", "attribution", "taken")
_OPTIONAL = ("commit", "version", "description", "files", "homepage")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class SnapshotFile:
    """One published file of a snapshot."""

    role: str
    path: Path
    #: the path shown in findings (relative to the working directory when inside it)
    shown: str
    upstream: str
    sha256: str
    line: int


@dataclass(frozen=True)
class Snapshot:
    """A snapshot's manifest, read and checked."""

    id: str
    title: str
    mapping: str
    publisher: str
    upstream: str
    licence: str
    attribution: str
    taken: str
    folder: Path
    manifest: str
    commit: str = ""
    version: str = ""
    description: str = ""
    homepage: str = ""
    files: dict[str, SnapshotFile] = field(default_factory=dict)

    def file(self, role: str) -> SnapshotFile:
        """Return the file playing ``role`` (the mapping checked it is there)."""
        return self.files[role]


def snapshot_folders(data_dir: Path) -> list[Path]:
    """Return every snapshot folder under ``data_dir/registries``, by name."""
    root = data_dir / REGISTRIES_DIRNAME
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def _problem(shown: str, line: int, key: str, message: str, fix: str, why: str = "") -> Problem:
    return Problem(
        shown, line, key, message, why=why, fix=fix, shape="registry snapshot", fatal=True
    )


def read_snapshot(folder: Path, mappings: Sequence[str]) -> tuple[Snapshot | None, list[Problem]]:
    """Read ``folder/snapshot.yaml`` and check its files; None when it cannot be mapped."""
    path = folder / MANIFEST_NAME
    shown = display_path(path)
    if not path.is_file():
        return None, [
            _problem(
                display_path(folder),
                0,
                "",
                f"snapshot folder `{folder.name}` has no {MANIFEST_NAME}",
                fix=f"add {MANIFEST_NAME} naming its source, licence and files "
                "(see docs/registries.md), or remove the folder",
            )
        ]
    node, problems = read_yaml(path, shown)
    if node is None:
        return None, problems
    values: dict[str, str] = {}
    for key in _REQUIRED + _OPTIONAL:
        if key == "files":
            continue
        item = node.items.get(key)
        if item is None:
            if key in _REQUIRED:
                problems.append(
                    _problem(
                        shown,
                        node.line,
                        key,
                        f"`{key}` is missing",
                        fix=f"add `{key}:` (see docs/registries.md)",
                    )
                )
            continue
        if not isinstance(item, Scalar) or item.is_null:
            problems.append(
                _problem(
                    shown,
                    item.line,
                    key,
                    f"`{key}` is not a text",
                    fix=f"write `{key}:` as one value",
                )
            )
            continue
        values[key] = item.text
    for key in sorted(set(node.items) - set(_REQUIRED) - set(_OPTIONAL)):
        problems.append(
            _problem(
                shown,
                node.key_lines.get(key, node.line),
                key,
                f"`{key}` is not a manifest field",
                fix="remove it or fix its spelling: " + ", ".join(_REQUIRED + _OPTIONAL),
            )
        )
    if "mapping" in values and values["mapping"] not in mappings:
        problems.append(
            _problem(
                shown,
                node.key_lines.get("mapping", node.line),
                "mapping",
                f"no mapping is called `{values['mapping']}`",
                fix="use one of: " + ", ".join(mappings),
            )
        )
    if "taken" in values and not _DATE.fullmatch(values["taken"]):
        problems.append(
            _problem(
                shown,
                node.key_lines["taken"],
                "taken",
                f"`{values['taken']}` is not a date",
                fix="write the day the copy was made as YYYY-MM-DD",
            )
        )
    licence = values.get("licence", NO_LICENCE)
    if licence != NO_LICENCE and not _is_iri(licence):
        problems.append(
            _problem(
                shown,
                node.key_lines["licence"],
                "licence",
                f"licence `{licence}` is not a web address",
                fix=f"write the licence's IRI, or `{NO_LICENCE}` when the upstream states none "
                "(and say in `description` which facts are taken)",
            )
        )
    for key in ("upstream", "homepage"):  # both become IRIs in the graph
        if values.get(key) and not _is_iri(values[key]):
            problems.append(
                _problem(
                    shown,
                    node.key_lines[key],
                    key,
                    f"{key} `{values[key]}` is not a web address",
                    fix="write the full address it was taken from, e.g. https://…",
                )
            )
    if values.get("id") not in (None, folder.name):
        problems.append(
            _problem(
                shown,
                node.key_lines["id"],
                "id",
                f"id `{values['id']}` is not the folder's name `{folder.name}`",
                fix=f"write id: {folder.name}, or rename the folder",
            )
        )
    files = _read_files(folder, node, shown, problems)
    if problems:
        return None, problems
    return Snapshot(
        folder=folder,
        manifest=shown,
        files=files,
        **{k: values.get(k, "") for k in _REQUIRED + _OPTIONAL if k != "files"},
    ), problems


def _is_iri(text: str) -> bool:
    try:
        parse_iri(text)
    except FieldError:
        return False
    return True


def _read_files(
    folder: Path, node: Mapping, shown: str, problems: list[Problem]
) -> dict[str, SnapshotFile]:
    files: dict[str, SnapshotFile] = {}
    listing = node.items.get("files")
    if not isinstance(listing, Mapping) or not listing.items:
        problems.append(
            _problem(
                shown,
                node.line,
                "files",
                "`files` names no file",
                fix="list each file: role: {path: ..., sha256: ...}",
            )
        )
        return files
    for role, entry in listing.items.items():
        line = listing.key_lines.get(role, listing.line)
        if not isinstance(entry, Mapping):
            problems.append(
                _problem(
                    shown,
                    line,
                    f"files.{role}",
                    "a file is not a mapping",
                    fix="write {path: ..., upstream: ..., sha256: ...}",
                )
            )
            continue
        fields = {
            k: v.text for k, v in entry.items.items() if isinstance(v, Scalar) and not v.is_null
        }
        name, digest = fields.get("path", ""), fields.get("sha256", "")
        target = folder / name
        if not name or "/" in name or name.startswith("."):
            problems.append(
                _problem(
                    shown,
                    line,
                    f"files.{role}.path",
                    f"`{name}` is not a file of this folder",
                    fix="name a file beside snapshot.yaml",
                )
            )
            continue
        if not _SHA256.fullmatch(digest):
            problems.append(
                _problem(
                    shown,
                    line,
                    f"files.{role}.sha256",
                    "the file's sha256 is missing or malformed",
                    fix=f"write the 64 hex digits of `sha256sum {name}`",
                )
            )
            continue
        if not target.is_file():
            problems.append(
                _problem(
                    shown,
                    line,
                    f"files.{role}.path",
                    f"{name} is not there",
                    fix=f"put the published file at {display_path(target)}",
                )
            )
            continue
        actual = _sha256(target)
        if actual != digest:
            problems.append(
                _problem(
                    shown,
                    line,
                    f"files.{role}.sha256",
                    f"{name} is not the file the manifest names (sha256 {actual[:12]}…, "
                    f"manifest {digest[:12]}…)",
                    why="a snapshot is kept as the registry published it; an edited or cut "
                    "file would be mapped as if it were the registry's",
                    fix="restore the published file, or take a new snapshot and write its "
                    "sha256 and date into the manifest",
                )
            )
            continue
        files[role] = SnapshotFile(
            role, target, display_path(target), fields.get("upstream", ""), digest, line
        )
    return files


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class UnreadableFile(Exception):
    """A snapshot file that cannot be read to its end (cut short, not text, not CSV)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def read_text(file: SnapshotFile) -> str:
    """Return a file's text (gunzipped when it ends in .gz), or raise ``UnreadableFile``."""
    try:
        raw = file.path.read_bytes()
        if file.path.suffix == ".gz":
            raw = gzip.decompress(raw)
        return raw.decode("utf-8-sig")
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise UnreadableFile(
            _problem(
                file.shown,
                0,
                file.role,
                f"{file.path.name} is not a whole gzip file ({exc})",
                why="a gzip cut short loses its last rows without a sign in the rows before",
                fix="download the file again and check its sha256",
            )
        ) from exc
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            _problem(
                file.shown,
                0,
                file.role,
                f"{file.path.name} is not UTF-8 text ({exc.reason})",
                fix="save the file as UTF-8, as the registry publishes it",
            )
        ) from exc


def read_csv_rows(
    file: SnapshotFile, columns: Sequence[str], delimiter: str = ","
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(row number, {column: value})``; the header is row 1, as a spreadsheet shows it.

    Raises ``UnreadableFile`` when a column the mapping reads is missing (or the file is
    separated by another character than ``delimiter``).
    """
    text = read_text(file)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        header = []
    missing = [c for c in columns if c not in header]
    if missing:
        other = next((d for d in ";,\t" if d != delimiter and header and d in header[0]), "")
        why = (
            f"the header is separated by `{other}`, not `{delimiter}`"
            if other
            else "the mapping reads these columns by name"
        )
        raise UnreadableFile(
            _problem(
                file.shown,
                1,
                file.role,
                f"column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing from "
                f"{file.path.name}",
                why=why,
                fix=f"use the file as published, with the columns {', '.join(columns)}"
                + (f" separated by `{delimiter}`" if other else ""),
            )
        )
    positions = [(c, header.index(c)) for c in columns]
    width = len(header)
    for number, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != width:
            raise UnreadableFile(
                _problem(
                    file.shown,
                    number,
                    file.role,
                    f"row {number} has {len(row)} fields, the header {width}",
                    why="a row cut short or an unquoted separator shifts every value after it",
                    fix="restore the published file (quote values holding the separator)",
                )
            )
        yield number, {c: row[i] for c, i in positions}


def row_problem(
    file: SnapshotFile,
    row: int,
    key: str,
    message: str,
    *,
    why: str = "",
    fix: str = "",
    severity: str = Severity.VIOLATION,
) -> Problem:
    """A finding on one row of a snapshot file, in the file's own words."""
    return Problem(
        file.shown,
        row,
        key,
        message,
        why=why,
        fix=fix,
        severity=severity,
        shape="registry snapshot",
        fatal=severity == Severity.VIOLATION,
    )
