"""``build`` killed with SIGKILL at a dozen points: ``dist/current`` is always one whole release.

Four kills stop at named points of the publication (``CONSORTIA_KG_PAUSE_AT``: the process
says it has reached the point, then waits to be killed), eight at random moments. After each,
the release ``current`` names passes ``sha256sum -c SHA256SUMS`` and holds one version in its
dumps, store and VoID; the next build removes the killed one's scratch. bench/kill_build.py
does the same at 200 points of a 1,000-consortium build.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kill_build import alive, children_of  # bench/kill_build.py: one reading of /proc

from consortia_kg.atomic import PAUSE_ENV
from consortia_kg.export.releases import current_release, release_ids, verify_release
from consortia_kg.pipeline import build_dumps

#: The named points of publication, in the order a build passes them.
POINTS = ["before-rename", "after-rename", "before-swap", "after-swap"]
#: Seconds after the start at which the other kills fall (a small build takes ~1-2 s).
DELAYS = [round(random.Random(13).uniform(0.2, 2.5), 2) for _ in range(8)]


def _edit(data: Path, note: str) -> None:
    path = data / "consortia" / "demo-consortium.yaml"
    path.write_text(path.read_text().replace("notes:\n", f"notes:\n  - {note}\n", 1))


def _build(data: Path, dist: Path, pause: str | None) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    if pause is not None:
        env[PAUSE_ENV] = pause
    command = [sys.executable, "-m", "consortia_kg", "build", "-q", "--data", str(data)]
    return subprocess.Popen(
        [*command, "-o", str(dist)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _wait_for(process: subprocess.Popen[bytes], text: bytes, seconds: float = 60) -> None:
    assert process.stderr is not None
    said, deadline = b"", time.monotonic() + seconds
    while text not in said:
        assert time.monotonic() < deadline, said
        ready, _, _ = select.select([process.stderr], [], [], 0.1)
        if ready:
            chunk = os.read(process.stderr.fileno(), 4096)
            assert chunk, f"the build ended before {text!r}: {said!r}"
            said += chunk


def _scratch(dist: Path) -> list[str]:
    folders = [dist, dist / "releases"]
    return [p.name for f in folders if f.is_dir() for p in f.iterdir() if p.name.startswith(".")]


def _assert_whole(dist: Path) -> str:
    release = current_release(dist)
    assert release is not None
    assert verify_release(release.folder) == []
    done = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=release.folder)
    assert done.returncode == 0
    return release.id


@pytest.mark.parametrize(
    ("point", "delay"), [(p, 0.0) for p in POINTS] + [(None, d) for d in DELAYS]
)
def test_a_killed_build_leaves_one_whole_release(
    valid_copy: Path, tmp_path: Path, point: str | None, delay: float
) -> None:
    dist = tmp_path / "dist"
    before = build_dumps(valid_copy, dist).release
    assert before is not None
    _edit(valid_copy, "A note the killed build was publishing.")
    process = _build(valid_copy, dist, point)
    if point is not None:
        _wait_for(process, f"paused at {point}".encode())
    else:
        time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    now = _assert_whole(dist)
    if point in ("before-rename", "after-rename", "before-swap"):
        assert now == before.id  # not swapped yet: the previous release is served
    elif point == "after-swap":
        assert now != before.id and len(release_ids(dist)) == 2
    after = build_dumps(valid_copy, dist).release  # cleans the killed build's scratch
    assert after is not None and _assert_whole(dist) == after.id
    assert _scratch(dist) == []


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table in /proc")
def test_the_workers_of_a_killed_build_die_with_it(tmp_path: Path) -> None:
    from generate import generate  # bench/generate.py

    generate(300, tmp_path / "data", defect_rate=0, max_members=10)  # 300: a pool is used
    command = [sys.executable, "-m", "consortia_kg", "build", "-q", "--allow-invalid"]
    process = subprocess.Popen(
        [*command, "--jobs", "2", "--data", str(tmp_path / "data"), "-o", str(tmp_path / "d")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
        workers = children_of(process.pid)
        time.sleep(0.02)
    assert workers, "the build never started its workers"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if alive(w)], "a worker outlived its build"
