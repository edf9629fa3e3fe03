"""Releases: a build writes a whole release folder, then ``current`` moves to it in one step.

    dist/releases/<id>/       every dump, SHA256SUMS, void.ttl, .manifest.json, store/
    dist/current -> releases/<id>
    dist/<name> -> current/<name>   for every dump, SHA256SUMS, void.ttl and store

A release is written under a scratch name (``releases/.release-new-<pid>-*``), synced to disk,
renamed to its id, and only then is ``current`` swapped (a new link under a scratch name,
renamed over the old one). A reader that resolves ``current`` once sees one whole release; a
build killed at any point leaves ``current`` on the previous release, and its scratch is
removed by the next build (``atomic.remove_stale``). Released folders are never changed.

The convenience links beside ``current`` are made once, so ``cd dist && sha256sum -c
SHA256SUMS`` and the default store path ``dist/store`` keep working; an old flat ``dist/``
(files, not links) is first adopted as a release of its own, so nothing of it is lost.

Pruning keeps the release ``current`` names and the ``keep`` newest of the others (by id,
which sorts by time); a release being deleted is first renamed to scratch, so a kill never
leaves half a release under a release id.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from consortia_kg.atomic import (
    fsync_dir,
    pause_point,
    remove_stale,
    replace_with_symlink,
    scratch_prefix,
)
from consortia_kg.build.manifest import MANIFEST_NAME, read_manifest
from consortia_kg.paths import DEFAULT_KEEP

__all__ = [
    "CURRENT",
    "DEFAULT_KEEP",
    "RELEASES",
    "Release",
    "adopt_flat",
    "current_release",
    "discard_release",
    "find_release",
    "prune_releases",
    "publish_release",
    "release_ids",
    "remove_if_empty",
    "start_release",
    "verify_release",
]

#: The folder of releases and the link to the one being served, inside the output folder.
RELEASES = "releases"
CURRENT = "current"
_STORE = "store"
_SUMS = "SHA256SUMS"


@dataclass(frozen=True)
class Release:
    """One published release: its id, its folder, and the data's version it holds."""

    id: str
    folder: Path
    version: str


def _read_release(folder: Path) -> Release:
    manifest = read_manifest(folder)
    return Release(folder.name, folder, manifest.version if manifest else "")


def current_release(root: Path) -> Release | None:
    """Return the release ``root/current`` points to, resolving the link once (None: no link).

    Every file a reader takes should come from the returned folder, never through ``current``
    again: a build may swap it meanwhile.
    """
    try:
        target = os.readlink(root / CURRENT)
    except OSError:
        return None
    folder = root / RELEASES / Path(target).name
    return _read_release(folder) if folder.is_dir() else None


def release_ids(root: Path) -> list[str]:
    """Return the ids of the published releases in ``root``, oldest first."""
    folder = root / RELEASES
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def find_release(root: Path, name: str) -> Release | None:
    """Return the release named by its id (or ``current``) in ``root``."""
    if name == CURRENT:
        return current_release(root)
    folder = root / RELEASES / name
    if name.startswith(".") or "/" in name or not folder.is_dir():
        return None
    return _read_release(folder)


def start_release(root: Path) -> Path:
    """Remove the scratch of killed builds and return a fresh scratch folder for a release."""
    releases = root / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    remove_stale(root)
    remove_stale(releases)
    scratch = Path(tempfile.mkdtemp(prefix=scratch_prefix("release-new"), dir=releases))
    os.chmod(scratch, 0o755)
    return scratch


def discard_release(scratch: Path) -> None:
    """Delete an unpublished release folder (a build that failed or was refused)."""
    shutil.rmtree(scratch, ignore_errors=True)


def remove_if_empty(root: Path) -> None:
    """Remove an output folder that holds nothing but an empty folder of releases."""
    for folder in (root / RELEASES, root):
        try:
            folder.rmdir()
        except OSError:
            return


def _new_id(releases: Path, version: str, now: float) -> str:
    """Return an id that sorts by time and is unique: UTC time to the millisecond + version."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
    stem = f"{stamp}-{(version or 'empty')[:8]}"
    name, n = stem, 1
    while (releases / name).exists():
        n += 1
        name = f"{stem}-{n}"
    return name


def _sync_tree(folder: Path) -> None:
    """Sync every file and folder under ``folder`` to disk (a release is published whole)."""
    for path, _, names in os.walk(folder):
        for name in names:
            fd = os.open(os.path.join(path, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(path))


def publish_release(
    root: Path, scratch: Path, keep: int = DEFAULT_KEEP, now: float | None = None
) -> Release:
    """Publish a complete release folder: sync, name it, swap ``current``, link, prune."""
    (scratch / f".{_STORE}.lock").unlink(missing_ok=True)  # the store's fill lock: not data
    _sync_tree(scratch)
    releases = root / RELEASES
    manifest = read_manifest(scratch)
    version = manifest.version if manifest else ""
    release_id = _new_id(releases, version, time.time() if now is None else now)
    pause_point("before-rename")
    os.rename(scratch, releases / release_id)
    fsync_dir(releases)
    pause_point("after-rename")
    if (root / CURRENT).is_dir() and not (root / CURRENT).is_symlink():
        _move_aside(root / CURRENT)  # a copy that followed the links: the link comes back
    replace_with_symlink(root / CURRENT, f"{RELEASES}/{release_id}")
    pause_point("after-swap")
    release = Release(release_id, releases / release_id, version)
    _link_beside(root, release.folder)
    prune_releases(root, keep)
    return release


def _linked_names(folder: Path) -> list[str]:
    """Return what a release offers beside ``current``: its dumps, SHA256SUMS and store."""
    try:
        text = (folder / _SUMS).read_text(encoding="utf-8")
    except OSError:
        return []
    names = [line.partition("  ")[2] for line in text.splitlines()]
    store = [_STORE] if (folder / _STORE).is_dir() else []  # none after `build --no-store`
    return [*sorted(n for n in names if n and "/" not in n), _SUMS, *store]


def _link_beside(root: Path, folder: Path) -> None:
    """Make ``root/<name> -> current/<name>`` for what the release offers, where not yet made."""
    for name in _linked_names(folder):
        link = root / name
        if link.is_symlink():
            continue
        if link.is_dir():  # a flat store: moved aside, then the link renamed in its place
            tmp = root / f"{scratch_prefix('link-new')}{name}"
            os.symlink(f"{CURRENT}/{name}", tmp)
            aside = _move_aside(link)
            os.replace(tmp, link)
            shutil.rmtree(aside, ignore_errors=True)
        else:  # missing, or a flat file: replaced by the link in one rename
            replace_with_symlink(link, f"{CURRENT}/{name}")
    (root / MANIFEST_NAME).unlink(missing_ok=True)  # a flat dist's: the release keeps its own
    fsync_dir(root)


def _move_aside(folder: Path) -> Path:
    """Rename a folder to scratch (deleted now, or by the next build if this one is killed)."""
    aside = folder.parent / f"{scratch_prefix('aside')}{folder.name}"
    os.rename(folder, aside)
    return aside


def prune_releases(root: Path, keep: int = DEFAULT_KEEP) -> list[str]:
    """Delete all but the current release and the ``keep`` newest others; return their ids."""
    current = current_release(root)
    others = [r for r in release_ids(root) if current is None or r != current.id]
    doomed = others[: max(0, len(others) - keep)]
    releases = root / RELEASES
    for release_id in doomed:
        # renamed to scratch first: a kill mid-delete leaves scratch, never half a release
        shutil.rmtree(_move_aside(releases / release_id), ignore_errors=True)
    return doomed


def adopt_flat(root: Path) -> Release | None:
    """Make an old flat output folder (dumps as files, no ``current``) a release of its own.

    Its files are hard-linked (copied where links cannot be made) into a release named after
    its SHA256SUMS's time, which ``current`` then points to; the flat files are replaced by
    links to the same bytes. Nothing is adopted when a file the checksums name is missing.
    """
    if (root / CURRENT).is_symlink() or not (root / _SUMS).is_file() or (root / _SUMS).is_symlink():
        return None
    names = _linked_names(root)
    dumps = [n for n in names if n != _STORE]
    if not all((root / n).is_file() for n in dumps):
        return None
    scratch = start_release(root)
    try:
        for name in [*dumps, MANIFEST_NAME]:
            if (root / name).is_file():
                _link_or_copy(str(root / name), str(scratch / name))
        if (root / _STORE).is_dir() and not (root / _STORE).is_symlink():
            shutil.copytree(root / _STORE, scratch / _STORE, copy_function=_link_or_copy)
        stamp = (root / _SUMS).stat().st_mtime
        return publish_release(root, scratch, keep=len(release_ids(root)) + 1, now=stamp)
    except BaseException:
        discard_release(scratch)
        raise


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def verify_release(folder: Path) -> list[str]:
    """Return what is wrong with a release folder (empty: whole).

    Every file SHA256SUMS names has its checksum; the manifest, the store and VoID hold the
    same version of the data.
    """
    wrong: list[str] = []
    try:
        sums = (folder / _SUMS).read_text(encoding="utf-8").splitlines()
    except OSError:
        return [f"{folder.name}: no {_SUMS}"]
    for line in sums:
        digest, _, name = line.partition("  ")
        try:
            with (folder / name).open("rb") as handle:
                if hashlib.file_digest(handle, "sha256").hexdigest() != digest:
                    wrong.append(f"{name}: checksum differs")
        except OSError:
            wrong.append(f"{name}: missing")
    manifest = read_manifest(folder)
    if manifest is None:
        return [*wrong, f"{folder.name}: no manifest"]
    if (folder / _STORE).exists():
        try:
            meta = json.loads((folder / _STORE / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        if meta.get("version") != manifest.version:
            wrong.append(f"{_STORE}: not of the release's version")
    void = (
        (folder / "void.ttl").read_text(encoding="utf-8") if (folder / "void.ttl").is_file() else ""
    )
    if f'"sha256:{manifest.version}"' not in void:
        wrong.append("void.ttl: not of the release's version")
    return wrong
