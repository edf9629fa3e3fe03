"""CORDIS's bulk downloads → a registry snapshot folder ``data/registries/<id>/`` (never records).

``consortia-kg import cordis PROJECTS ORGANISATIONS --id ID`` reads both files fully first,
through the same mapping the build runs (:mod:`consortia_kg.registries.cordis_bulk`), so every
finding is known before anything is written; with an error nothing is. Then it stages the
folder: the two files byte for byte as given (gzipped with ``mtime`` 0 when larger than 1 MB,
except XLSX, which is compressed already) and ``snapshot.yaml`` (mapping ``cordis``, the
Commission's licence and attribution, each file's sha256, the day it was taken). The folder is
written beside the target under a hidden name, checked as the build will read it, and only
then renamed into place; an existing folder is replaced whole, and only when asked to.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from consortia_kg.atomic import write_atomic
from consortia_kg.errors import InputError, Problem, Severity, plural
from consortia_kg.records.fieldtypes import FieldError, parse_iri, parse_slug
from consortia_kg.records.load import display_path
from consortia_kg.registries import MAPPINGS
from consortia_kg.registries.cordis_bulk import FILES, Summary, map_files
from consortia_kg.registries.cordis_files import FORMS, file_form, read_rows
from consortia_kg.registries.quads import Claims, QuadSink
from consortia_kg.registries.snapshot import (
    MANIFEST_NAME,
    SnapshotFile,
    UnreadableFile,
    read_snapshot,
)

__all__ = [
    "ATTRIBUTION",
    "LICENCE",
    "CheckedFiles",
    "Staged",
    "check_files",
    "snapshot_dir",
    "stage_snapshot",
    "summary_lines",
]

#: The Commission's reuse policy for CORDIS data, and the attribution it asks for.
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
ATTRIBUTION = "CORDIS, European Commission"
PUBLISHER = "European Commission (CORDIS)"
HOMEPAGE = "https://cordis.europa.eu/"
#: Files larger than this are kept gzipped in the snapshot (as the H2020 snapshot's are).
GZIP_ABOVE = 1_000_000
#: The mapping that reads the folder at build time.
MAPPING = "cordis"
_ROLES = ("projects", "organisations")
# any base will do: the quads are thrown away, only findings and counts are kept
_SCRATCH_BASE = "https://example.org/check/"


@dataclass
class CheckedFiles:
    """Both files read through the mapping: what it made of them, and every finding."""

    files: dict[str, SnapshotFile]
    summary: Summary
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """The findings that stop an import (and a build)."""
        return [p for p in self.problems if p.severity == Severity.VIOLATION]

    def counts(self) -> dict[str, int]:
        """The numbers a re-import compares: rows read and what they became."""
        s = self.summary
        return {
            "projects": s.projects,
            "organisation rows": s.organisation_rows,
            "consortia": s.consortia,
            "memberships": s.memberships,
            "organisations": s.organisations,
        }


def _input_file(role: str, path: Path) -> SnapshotFile:
    if not path.is_file():
        what = "a folder" if path.is_dir() else "not there"
        raise InputError(
            f"{path}: {what}, not a file",
            hint=f"name the CORDIS {role} file (its name ends in " + ", ".join(FORMS) + ")",
        )
    if file_form(path) is None:
        raise InputError(
            f"{path}: the {role} file's name does not end in " + ", ".join(FORMS),
            hint="give the file as downloaded from CORDIS (the form is told by its ending)",
        )
    return SnapshotFile(role, path, display_path(path), "", "", 0)


def check_files(projects: Path, organisations: Path) -> CheckedFiles:
    """Read both files fully through the mapping; raise ``InputError`` for a path that is wrong."""
    files = {
        "projects": _input_file("projects", projects),
        "organisations": _input_file("organisations", organisations),
    }
    return _check(files)


def _check(files: dict[str, SnapshotFile]) -> CheckedFiles:
    checked = CheckedFiles(files, Summary())
    for role, file in files.items():
        try:
            # a cut gzip or a bad header in either file, both said at once
            next(read_rows(file, FILES[role]), None)
        except UnreadableFile as exc:
            checked.problems.append(exc.problem)
    if checked.problems:
        return checked
    out = QuadSink(_SCRATCH_BASE + "graph")
    try:
        checked.summary = map_files(
            files["projects"], files["organisations"], _SCRATCH_BASE, Claims(), out, "<x:s>"
        )
    except UnreadableFile as exc:
        out.problems.append(exc.problem)
    checked.problems.extend(out.problems)
    return checked


def snapshot_dir(data_dir: Path, ident: str) -> Path:
    """Return ``data_dir/registries/<ident>``, after checking that ``ident`` is a slug."""
    try:
        parse_slug(ident)
    except FieldError as exc:
        raise InputError(f"--id {exc.message}", hint=exc.fix) from None
    if not data_dir.is_dir():
        raise InputError(
            f"{data_dir} is not a folder of records",
            hint="pass --data DIR, the folder holding consortia/, organisations/ and registries/",
        )
    return data_dir / "registries" / ident


@dataclass
class Staged:
    """What an import wrote (or would replace): the folder, its files, the diff of a --force."""

    folder: Path
    written: list[Path] = field(default_factory=list)
    diff: list[str] = field(default_factory=list)
    replaced: bool = False


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _stored_name(role: str, source: Path, raw: bytes) -> tuple[str, bytes, str]:
    """Return (name in the snapshot, its bytes, what the manifest says of where it came from)."""
    form = file_form(source) or ""
    ending = next(
        end for end, f in FORMS.items() if f == form and source.name.lower().endswith(end)
    )
    upstream = f"{source.name} as downloaded from CORDIS"
    if ending.endswith(".gz") or form == "xlsx" or len(raw) <= GZIP_ABOVE:
        return f"{role}{ending}", raw, upstream
    packed = gzip.compress(raw, compresslevel=9, mtime=0)
    return f"{role}{ending}.gz", packed, f"{upstream}, gzipped (-9n)"


def _manifest(
    ident: str,
    upstream: str,
    taken: str,
    checked: CheckedFiles,
    stored: dict[str, tuple[str, bytes, str]],
) -> str:
    s = checked.summary
    frameworks = ", ".join(f"{n} {fp}" for fp, n in sorted(s.frameworks.items()))
    programmes = ", ".join(sorted(s.frameworks)) or "no project"
    description = (
        f"CORDIS's bulk download of projects ({s.projects}: {frameworks}) and their "
        f"organisations ({plural(s.organisation_rows, 'row')}), as the Commission publishes them; "
        f"imported with `consortia-kg import cordis`. The data is CORDIS's, under the "
        f"Commission's reuse policy (CC BY 4.0)."
    )
    q = json.dumps  # a JSON string is a YAML double-quoted scalar
    lines = [
        "# Registry snapshot written by `consortia-kg import cordis`: CORDIS's projects and",
        "# organisations files as downloaded; the mapping is src/consortia_kg/registries/"
        "cordis_bulk.py.",
        f"id: {ident}",
        f"title: {q(f'CORDIS projects and organisations ({programmes})', ensure_ascii=False)}",
        f"mapping: {MAPPING}",
        f"publisher: {q(PUBLISHER)}",
        f"upstream: {q(upstream)}",
        f"homepage: {q(HOMEPAGE)}",
        f"licence: {q(LICENCE)}",
        f"attribution: {q(ATTRIBUTION)}",
        f"taken: {q(taken)}",
        f"description: {q(description, ensure_ascii=False)}",
        "files:",
    ]
    for role in _ROLES:
        name, raw, origin = stored[role]
        lines += [
            f"  {role}:",
            f"    path: {name}",
            f"    upstream: {q(origin, ensure_ascii=False)}",
            f"    sha256: {_sha256(raw)}",
        ]
    return "\n".join(lines) + "\n"


def _existing(folder: Path) -> tuple[dict[str, str], dict[str, int] | None]:
    """Return the sha256 of each file of an existing snapshot, and its counts when readable."""
    snapshot, _ = read_snapshot(folder, tuple(MAPPINGS))
    if snapshot is None:
        return {}, None
    digests = {role: f.sha256 for role, f in snapshot.files.items()}
    if snapshot.mapping != MAPPING:
        return digests, None
    checked = _check({role: snapshot.files[role] for role in _ROLES if role in snapshot.files})
    return digests, None if checked.errors else checked.counts()


def _diff(
    folder: Path, stored: dict[str, tuple[str, bytes, str]], after: dict[str, int]
) -> list[str]:
    digests, before = _existing(folder)
    shown = display_path(folder)
    lines = [f"{shown}: replaced whole; before → after"]
    for role in sorted(set(digests) | set(stored)):
        old = digests.get(role, "")
        new = _sha256(stored[role][1]) if role in stored else ""
        same = " (unchanged)" if old == new else ""
        lines.append(f"  {role} file: sha256 {old[:12] or 'none'} → {new[:12] or 'none'}{same}")
    for what, n in after.items():
        was = "?" if before is None else str(before.get(what, 0))
        lines.append(f"  {what}: {was} → {n}" + (" (unchanged)" if was == str(n) else ""))
    if before is None:
        lines.append("  (the snapshot there could not be read as a cordis snapshot: ? above)")
    return lines


def stage_snapshot(
    folder: Path,
    checked: CheckedFiles,
    *,
    upstream: str,
    taken: str | None = None,
    force: bool = False,
) -> Staged:
    """Write the snapshot folder (replacing an existing one only with ``force``)."""
    if checked.errors:
        raise InputError(
            f"{plural(len(checked.errors), 'error')} in the input: nothing written",
            hint="correct the rows above (or download the files again), then import again",
        )
    try:
        parse_iri(upstream)  # the snapshot's source IRI in the graph
    except FieldError:
        raise InputError(
            f"--upstream `{upstream}` is not a web address",
            hint="give the page the files were downloaded from, e.g. " + HOMEPAGE,
        ) from None
    day = taken or datetime.date.today().isoformat()
    try:
        datetime.date.fromisoformat(day)
    except ValueError:
        raise InputError(f"--taken `{day}` is not a date", hint="write YYYY-MM-DD") from None
    staged = Staged(folder)
    if folder.exists() and not force:
        raise InputError(
            f"{display_path(folder)} exists: nothing written",
            hint="choose another --id, or replace the snapshot with --force "
            "(the changes are printed first)",
        )
    stored = {
        role: _stored_name(role, file.path, file.path.read_bytes())
        for role, file in checked.files.items()
    }
    if folder.exists():
        staged.diff = _diff(folder, stored, checked.counts())
        staged.replaced = True
    root = folder.parent
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".cordis-import-", dir=root))
    try:
        new = scratch / folder.name
        for name, raw, _ in stored.values():
            write_atomic(new / name, raw)
        write_atomic(
            new / MANIFEST_NAME,
            _manifest(folder.name, upstream, day, checked, stored).encode(),
        )
        # mkdtemp and mkstemp make them private; a data folder is shared like the others
        new.chmod(0o755)
        for path in new.iterdir():
            path.chmod(0o644)
        _, problems = read_snapshot(new, tuple(MAPPINGS))
        if problems:  # our own manifest: a bug, not the user's input
            raise RuntimeError(f"the staged snapshot does not read back: {problems}")
        _swap(new, folder, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    staged.written = [folder / name for name, _, _ in stored.values()] + [folder / MANIFEST_NAME]
    return staged


def _swap(new: Path, folder: Path, scratch: Path) -> None:
    """Rename the staged folder into place; an old one moves aside first and is then removed."""
    if not folder.exists():
        os.rename(new, folder)
        return
    old = scratch / "old"
    os.rename(folder, old)
    try:
        os.rename(new, folder)
    except BaseException:
        os.rename(old, folder)
        raise


def summary_lines(checked: CheckedFiles) -> Sequence[str]:
    """What the files hold and what the mapping makes of them, for the importer's report."""
    s = checked.summary
    frameworks = ", ".join(f"{n} {fp}" for fp, n in sorted(s.frameworks.items()))
    return [
        f"read {plural(s.projects, 'project')} ({frameworks}) and "
        f"{plural(s.organisation_rows, 'organisation row')}",
        f"mapped: {s.line()}",
    ]
