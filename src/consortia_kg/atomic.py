"""Write files so that a failed or killed run leaves the previous version intact."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["SCRATCH_KINDS", "remove_stale", "scratch_prefix", "write_atomic"]


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


#: Scratch folders and files a build makes beside its output: ``.<kind>-<pid>-<random>``.
SCRATCH_KINDS = ("dumps-new", "sort", "store-load")


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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
