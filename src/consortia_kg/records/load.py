"""Find and read the record files of a data folder into typed records, with every problem found.

A broken file becomes problems, never an exception: a curator sees every one at once.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from consortia_kg.errors import InputError, Problem, Severity
from consortia_kg.records.model import Consortium, Organisation, Record, Source
from consortia_kg.records.parse import parse_record
from consortia_kg.records.schema import KINDS, SCHEMAS, Schema
from consortia_kg.records.yamlsource import read_yaml

__all__ = [
    "RecordFile",
    "RecordSet",
    "data_version",
    "display_path",
    "load_records",
    "read_found",
    "read_record",
    "record_file",
    "record_files",
]


@dataclass
class RecordSet:
    """All records of a data folder, by kind and slug, and every problem found reading them."""

    data_dir: Path
    records: dict[str, dict[str, Record]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Record]:
        """Return the records of one kind, sorted by slug."""
        found = self.records.get(kind, {})
        return [found[slug] for slug in sorted(found)]

    def __iter__(self) -> Iterator[Record]:
        for kind in KINDS:
            yield from self.of_kind(kind)

    def __len__(self) -> int:
        return sum(len(v) for v in self.records.values())

    @property
    def fatal(self) -> bool:
        """Return True when some file could not be read at all."""
        return any(p.fatal for p in self.problems)

    def digest(self) -> str:
        """Return a hash of every record's content: the data's version, independent of time."""
        return data_version((r.kind, r.slug, r.source_path, r.sha256) for r in self)


def display_path(path: Path) -> str:
    """Show a path as the curator typed it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


@dataclass(frozen=True)
class RecordFile:
    """A record file found under a data folder, before it is read."""

    kind: str
    path: Path
    #: the path as the curator is shown it
    shown: str
    #: ``<data folder name>/<kind folder>/<file name>``: what provenance records
    source_path: str


def record_files(data_dir: Path) -> tuple[list[RecordFile], list[Problem]]:
    """List every record file (kinds in build order, files by name), and what is not read."""
    if not data_dir.is_dir():
        raise InputError(
            f"{data_dir} is not a folder of records",
            hint="pass --data DIR, the folder holding consortia/, organisations/ and sources/",
        )
    files: list[RecordFile] = []
    problems: list[Problem] = []
    # registries/ holds the mirrored registry snapshots (read by the registries package)
    known_folders = {folder for folder, _ in KINDS.values()} | {"registries"}
    for entry in sorted(data_dir.iterdir()):
        if entry.is_dir() and entry.name not in known_folders and not entry.name.startswith("."):
            problems.append(
                Problem(
                    display_path(entry), 0, "", f"folder `{entry.name}` is not read",
                    why="records live in " + ", ".join(sorted(known_folders)),
                    fix="move its files into one of those folders", severity=Severity.WARNING,
                )
            )  # fmt: skip
    for kind, (folder, _) in KINDS.items():
        base = data_dir / folder
        if not base.is_dir():
            if base.exists() or base.is_symlink():  # a file, or a broken link, in its place
                problems.append(
                    Problem(
                        display_path(base), 0, "", f"`{folder}` is not a folder",
                        why=f"the {kind} records live in the folder {folder}/",
                        fix=f"make {folder} a folder of records", fatal=True,
                    )
                )  # fmt: skip
            continue
        try:
            entries = sorted(base.iterdir())
        except OSError as exc:
            problems.append(
                Problem(
                    display_path(base), 0, "", f"the folder cannot be listed: {exc.strerror}",
                    why=f"the {kind} records live in it", fix=f"chmod a+rx {display_path(base)}",
                    fatal=True,
                )
            )  # fmt: skip
            continue
        for path in entries:
            if path.name.startswith("."):
                continue
            shown = display_path(path)
            if path.suffix == ".yaml" and (refused := _not_a_record_file(path, shown)):
                problems.append(refused)
                continue
            if path.suffix != ".yaml" or not path.is_file():
                fix = f"rename it to {path.stem}.yaml" if path.suffix == ".yml" else "remove it"
                problems.append(
                    Problem(
                        shown, 0, "", "this file is not read: records end in .yaml",
                        why="only *.yaml files are records", fix=fix, severity=Severity.WARNING,
                    )
                )  # fmt: skip
                continue
            files.append(RecordFile(kind, path, shown, f"{data_dir.name}/{folder}/{path.name}"))
    return files, problems


def _not_a_record_file(path: Path, shown: str) -> Problem | None:
    """Say why an entry named like a record cannot be read as one, or None when it can.

    Decided here, where records are listed, so that every command (and the fingerprint that
    decides whether to rebuild) agrees: an input problem (exit 2), never a crash on reading.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        target = os.readlink(path) if path.is_symlink() else "?"
        what, fix = (
            f"this is a symbolic link to {target}, which does not exist",
            "restore or remove it",
        )
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            what, fix = "this is a symbolic link that leads back to itself", "remove the link"
        else:
            what, fix = f"this cannot be looked at: {exc.strerror}", "check the file and its folder"
    else:
        if stat.S_ISDIR(mode):
            what = "this is a folder, named like a record file"
            fix = f"rename it (records are files), or move its records up into {path.parent.name}/"
        elif not stat.S_ISREG(mode):
            what, fix = "this is not a regular file (a pipe, socket or device)", "remove it"
        elif not os.access(path, os.R_OK):
            what, fix = "this file cannot be read: permission denied", f"chmod a+r {shown}"
        else:
            return None
    return Problem(shown, 0, "", what, why="a record is a readable YAML file", fix=fix, fatal=True)


def load_records(data_dir: Path) -> RecordSet:
    """Read every record under ``data_dir``; a broken file becomes problems, not an exception."""
    files, listing_problems = record_files(data_dir)
    records = RecordSet(data_dir, {kind: {} for kind in KINDS}, listing_problems)
    for found in files:
        record, problems = read_found(found)
        records.problems.extend(problems)
        if record is not None:
            records.records[found.kind][record.slug] = record
    return records


def read_found(found: RecordFile) -> tuple[Record | None, list[Problem]]:
    """Read one listed record file."""
    return read_record(found.kind, SCHEMAS[found.kind], found.path, found.shown, found.source_path)


def data_version(entries: Iterable[tuple[str, str, str, str]]) -> str:
    """Hash (kind, slug, source path, sha256) of every record: the data's version.

    A registry snapshot is an entry too (kind ``registry``, after every record kind).

    Records are taken in build order (kind, then slug), whatever order they come in.
    """
    rank = {kind: i for i, kind in enumerate(KINDS)}
    h = hashlib.sha256()
    for _, _, source_path, sha256 in sorted(
        entries, key=lambda e: (rank.get(e[0], len(rank)), e[1])
    ):
        h.update(f"{source_path}\0{sha256}\n".encode())
    return h.hexdigest()


def read_record(
    kind: str, schema: Schema, path: Path, shown: str, source_path: str
) -> tuple[Record | None, list[Problem]]:
    """Read and parse one record file; a record that cannot be named comes back as None."""
    root, problems = read_yaml(path, shown)
    if root is None:
        return None, problems
    parsed, more = parse_record(root, schema, shown)
    problems = problems + more
    item = parsed
    assert isinstance(item, Source | Organisation | Consortium), "a record schema's class"
    if item.id is None:
        return None, problems
    slug = item.id.value
    if slug != path.stem:
        problems.append(
            Problem(
                shown, item.id.line, "id",
                f'"{slug}" differs from the file name {path.name}',
                why="a record's IRI comes from its id, and curators find it by file name",
                fix=f"rename the file to {slug}.yaml or set id: {path.stem}", shape="record format",
            )
        )  # fmt: skip
        return None, problems
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Record(kind, slug, shown, source_path, item, digest), problems


def record_file(data_dir: Path, path: Path) -> tuple[str, Schema, str]:
    """Return (kind, schema, source path) of a record file inside ``data_dir``."""
    if path.suffix != ".yaml":
        raise InputError(
            f"{path} is not a record file: records end in .yaml",
            hint="name a record file (consortia/NAME.yaml, ...) or the data folder",
        )
    folder = path.parent.name
    for kind, (kind_folder, schema) in KINDS.items():
        if kind_folder == folder and path.parent.resolve() == (data_dir / folder).resolve():
            return kind, schema, f"{data_dir.name}/{folder}/{path.name}"
    raise InputError(
        f"{path} is not a record file of {data_dir}",
        hint="name a file under consortia/, organisations/ or sources/ of the data folder",
    )
