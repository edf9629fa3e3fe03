"""Write files so that a failed or killed run leaves the previous version intact."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

__all__ = [
    "PAUSE_ENV",
    "SCRATCH_KINDS",
    "fsync_dir",
    "pause_point",
    "remove_stale",
    "replace_with_symlink",
    "scratch_prefix",
    "write_atomic",
]

#: Names a point where a build stops for a test to kill it (``pause_point``).
PAUSE_ENV = "CONSORTIA_KG_PAUSE_AT"


def write_atomic(path: Path, content: bytes) -> None:
    """Write ``content`` to a temp file beside ``path``, fsync it, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fsync_dir(folder: Path) -> None:
    """Sync a folder's entries (a rename or a new link in it) to disk."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_with_symlink(link: Path, target: str) -> None:
    """Point ``link`` at ``target`` in one step: a new link under a scratch name, renamed over.

    A reader resolving ``link`` sees the old target or the new one, never no link at all.
    """
    tmp = link.parent / f"{scratch_prefix('link-new')}{link.name}"
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    fsync_dir(link.parent)
    pause_point("before-swap")
    os.replace(tmp, link)
    fsync_dir(link.parent)


def pause_point(name: str) -> None:
    """Stop here for good when ``CONSORTIA_KG_PAUSE_AT`` names this point (tests kill us here).

    Says so on stderr first, so a test knows the process reached the point.
    """
    if os.environ.get(PAUSE_ENV) == name:
        os.write(2, f"paused at {name}\n".encode())
        while True:
            time.sleep(3600)


#: Scratch folders and files a build makes beside its output: ``.<kind>-<pid>-<random>``
#: (a release being written, a link about to be swapped in, a folder moved aside to delete).
SCRATCH_KINDS = ("dumps-new", "sort", "store-load", "release-new", "link-new", "aside")


def scratch_prefix(kind: str) -> str:
    """Return the name prefix of this process's scratch of ``kind`` (see ``remove_stale``)."""
    assert kind in SCRATCH_KINDS
    return f".{kind}-{os.getpid()}-"


def remove_stale(folder: Path) -> list[Path]:
    """Delete scratch left in ``folder`` by runs that were killed (their process is gone).

    A killed build cannot clean up after itself; at 10,000 consortia its scratch is gigabytes.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    removed.extend(_remove_unlocked_fills(folder))
    for entry in folder.iterdir():
        for kind in SCRATCH_KINDS:
            head = f".{kind}-"
            if not entry.name.startswith(head):
                continue
            pid = entry.name[len(head) :].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
                removed.append(entry)
    return removed


def _remove_unlocked_fills(folder: Path) -> list[Path]:
    """Delete ``.<store>.new-*`` / ``.<store>.old-*`` when no fill holds ``.<store>.lock``.

    A store is filled into ``.<store>.new-*`` beside it under that lock (``query/store.py``):
    free, the lock says no fill is running, so what is left is a killed one's.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: left in place
        return []
    removed: list[Path] = []
    for lock in folder.glob(".*.lock"):
        stem = lock.name[: -len(".lock")]
        left = [*folder.glob(f"{stem}.new-*"), *folder.glob(f"{stem}.old-*")]
        if not left:
            continue
        with open(lock, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a fill is running
            try:
                for entry in left:
                    shutil.rmtree(entry, ignore_errors=True)
                    removed.append(entry)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
