"""Kill ``consortia-kg build`` with SIGKILL at many random points; count broken releases.

``python bench/kill_build.py`` generates 1,000 consortia (``generate.py``, no planted
defects), publishes one release, then 200 times: changes one record, starts a build, kills it
(SIGKILL) after a random time between 0 and 1.1x a whole build's duration, and checks that
``dist/current`` is one whole release (``sha256sum -c SHA256SUMS`` passes; manifest, store and
VoID hold one version), that no worker of the killed build is alive a second later, and what
scratch it left (the next build removes it). Each build is killed before the next starts.
Prints one line per kill and a summary; exit 1 when a kill left a broken release or a worker.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generate import generate

from consortia_kg.export.releases import current_release, verify_release

_BUILD = [sys.executable, "-m", "consortia_kg", "build", "-q", "--allow-invalid"]


def _scratch(dist: Path) -> list[Path]:
    folders = [dist, dist / "releases"]
    return [p for f in folders if f.is_dir() for p in f.iterdir() if p.name.startswith(".")]


def _size(path: Path) -> int:
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def children_of(pid: int) -> list[int]:
    """Return the ids of the processes whose parent is ``pid`` (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    """Return True while ``pid`` runs (a zombie, killed but not reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _broken(dist: Path) -> str:
    """Return why ``dist/current`` is not one whole release (empty when it is)."""
    release = current_release(dist)
    if release is None:
        return "no current release"
    wrong = verify_release(release.folder)
    check = ["sha256sum", "--quiet", "-c", "SHA256SUMS"]
    if subprocess.run(check, cwd=release.folder, capture_output=True).returncode != 0:
        wrong.append("sha256sum -c fails")
    return "; ".join(wrong)


def _edit(data: Path, n: int) -> None:
    path = data / "consortia" / "consortium-000000.yaml"
    text = path.read_text()
    marker = "# kill_build:"
    lines = [line for line in text.splitlines() if not line.startswith(marker)]
    path.write_text("\n".join(lines) + f"\n{marker} {n}\n")


def main() -> int:
    """Command line: see the module's docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consortia", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--work", type=Path, help="folder for data and dist (default: a temp one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="kill-build-"))
    data, dist = work / "data", work / "dist"
    if not data.is_dir():
        generate(args.consortia, data, defect_rate=0)
    build = [*_BUILD, "--jobs", str(args.jobs), "--data", str(data), "-o", str(dist)]
    started = time.perf_counter()
    subprocess.run(build, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    whole = time.perf_counter() - started
    print(f"one build of {args.consortia} consortia: {whole:.1f} s", flush=True)
    rng = random.Random(args.seed)
    broken = orphans = finished = 0
    scratch_left: list[int] = []
    for n in range(args.kills):
        _edit(data, n)
        delay = rng.uniform(0, whole * 1.1)
        process = subprocess.Popen(build, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + delay
        workers: set[int] = set()
        while time.monotonic() < deadline and process.poll() is None:
            workers.update(children_of(process.pid))
            time.sleep(0.05)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        else:
            finished += 1
        process.wait()
        time.sleep(1.0)
        survivors = [w for w in workers if alive(w)]
        for worker in survivors:  # ours, started by the build we killed
            os.kill(worker, signal.SIGKILL)
        orphans += len(survivors)
        why = _broken(dist)
        broken += bool(why)
        left = _scratch(dist)
        scratch_left.append(sum(_size(p) for p in left))
        print(
            f"kill {n + 1:3d} at {delay:6.2f} s: {'BROKEN ' + why if why else 'whole'}; "
            f"scratch {len(left)} entries, {scratch_left[-1] / 1e6:.1f} MB; "
            f"{len(survivors)} workers alive",
            flush=True,
        )
    subprocess.run(
        build, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )  # the next build after the last kill
    after = _scratch(dist)
    print(
        f"\n{args.kills} kills ({finished} builds finished first): {broken} broken releases, "
        f"{orphans} workers outlived their build; scratch after a kill: at most "
        f"{max(scratch_left, default=0) / 1e6:.1f} MB; after the next build: {len(after)} entries"
    )
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if broken or orphans or after else 0


if __name__ == "__main__":
    sys.exit(main())
