"""Releases: the layout a build publishes, the swap of ``current``, pruning, the flat dist/ of
before, VoID's predecessor, the build's refusals, progress, ``diff`` and the server's view."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from consortia_kg.export.releases import current_release, release_ids, verify_release
from consortia_kg.pipeline import build_dumps
from helpers.cases import CASES, apply_case
from helpers.paths import VALID

NOTE = "notes:\n"


def _edit(data: Path, note: str) -> None:
    """Change the records (a note on one consortium), so the next release differs."""
    path = data / "consortia" / "demo-consortium.yaml"
    text = path.read_text()
    if NOTE in text:
        path.write_text(text.replace(NOTE, f"{NOTE}  - {note}\n", 1))
    else:
        path.write_text(text + f"{NOTE}  - {note}\n")


def _sha256sum_ok(folder: Path) -> bool:
    done = subprocess.run(
        ["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, check=False
    )
    return done.returncode == 0


def test_a_build_publishes_a_release_behind_stable_links(valid_copy: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    run = build_dumps(valid_copy, dist)
    assert run.release is not None
    assert os.readlink(dist / "current") == f"releases/{run.release.id}"
    assert release_ids(dist) == [run.release.id]
    for name in ["SHA256SUMS", "void.ttl", "consortia.nq", "consortia.ttl.gz", "store"]:
        assert (dist / name).is_symlink() and os.readlink(dist / name) == f"current/{name}"
    assert _sha256sum_ok(dist) and _sha256sum_ok(dist / "current")
    assert verify_release(run.release.folder) == []
    # the scratch of the build (its unfinished release, its sort runs) is gone
    assert [p.name for p in dist.rglob(".*") if p.name != ".manifest.json"] == []


def test_void_names_the_predecessor_and_the_same_inputs_give_the_same_bytes(
    valid_copy: Path, tmp_path: Path
) -> None:
    first = build_dumps(valid_copy, tmp_path / "a").release
    assert first is not None
    assert "wasRevisionOf" not in (tmp_path / "a" / "void.ttl").read_text()
    shutil.copytree(tmp_path / "a", tmp_path / "b", symlinks=True)
    _edit(valid_copy, "A second release.")
    second = build_dumps(valid_copy, tmp_path / "a").release
    again = build_dumps(valid_copy, tmp_path / "b").release
    assert second is not None and again is not None and second.id != first.id
    void = (tmp_path / "a" / "void.ttl").read_bytes()
    assert f"dataset/release/{first.id}>".encode() in void
    assert f'"sha256:{first.version}"'.encode() in void
    assert void == (tmp_path / "b" / "void.ttl").read_bytes()  # same records, same predecessor


def test_pruning_keeps_current_and_the_n_newest_others(
    valid_copy: Path, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    dist = tmp_path / "dist"
    ids = []
    for n in range(4):
        _edit(valid_copy, f"Release {n}.")
        result = cli("build", "--data", valid_copy, "-o", dist, "-q", "--keep", "1")
        assert result.exit_code == 0, result.stderr
        current = current_release(dist)
        assert current is not None
        ids.append(current.id)
    assert release_ids(dist) == ids[-2:]
    # current is never pruned, even when it is not the newest (pointed back by hand)
    os.replace(dist / "current", dist / "old")
    (dist / "current").symlink_to(f"releases/{ids[-2]}")
    (dist / "old").unlink()
    _edit(valid_copy, "Release 4.")
    assert cli("build", "--data", valid_copy, "-o", dist, "-q", "--keep", "0").exit_code == 0
    assert len(release_ids(dist)) == 1 and _sha256sum_ok(dist)


def test_a_flat_dist_of_before_becomes_a_release(valid_copy: Path, tmp_path: Path) -> None:
    """The first build into an old flat dist/ keeps it as a release, then links the files."""
    made = build_dumps(valid_copy, tmp_path / "made").release
    assert made is not None
    flat = tmp_path / "dist"
    shutil.copytree(made.folder, flat)  # files and a store folder, no links: the old layout
    assert not (flat / "current").exists()
    before = (flat / "consortia.nq").read_bytes()
    _edit(valid_copy, "After the flat dist.")
    run = build_dumps(valid_copy, flat)
    assert run.release is not None
    ids = release_ids(flat)
    assert len(ids) == 2 and ids[-1] == run.release.id
    legacy = flat / "releases" / ids[0]
    assert (legacy / "consortia.nq").read_bytes() == before and verify_release(legacy) == []
    assert (flat / "consortia.nq").is_symlink() and (flat / "store").is_symlink()
    assert _sha256sum_ok(flat)
    assert f"dataset/release/{ids[0]}>" in (flat / "void.ttl").read_text()


@pytest.mark.parametrize("folder", ["empty", "docs"])
def test_build_of_no_records_publishes_nothing(
    cli: Callable[..., Result], tmp_path: Path, folder: str
) -> None:
    data = tmp_path / "empty"
    data.mkdir()
    source = data if folder == "empty" else Path(__file__).resolve().parents[1] / "docs"
    result = cli("build", "--data", source, "-o", tmp_path / "dist")
    assert result.exit_code == 2, result.output
    assert "holds no records" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "dist").exists()
    allowed = cli("build", "--data", data, "-o", tmp_path / "dist", "-q", "--allow-empty")
    assert allowed.exit_code == 0 and (tmp_path / "dist" / "current").is_symlink()


def _case(name: str) -> Path:
    return next(c for c in CASES if c.name == f"{name}.yaml")


@pytest.mark.parametrize("case", ["unknown-organisation", "unknown-source"])
def test_build_of_data_validate_rejects_publishes_nothing(
    cli: Callable[..., Result], valid_copy: Path, tmp_path: Path, case: str
) -> None:
    import yaml

    dist = tmp_path / "dist"
    assert cli("build", "--data", valid_copy, "-o", dist, "-q").exit_code == 0
    published = release_ids(dist)
    apply_case(yaml.safe_load(_case(case).read_text()), valid_copy)
    validated = cli("validate", "--data", valid_copy)
    built = cli("build", "--data", valid_copy, "-o", dist, "-q")
    assert validated.exit_code == built.exit_code == 1
    # the findings as `validate` prints them
    assert validated.stdout.strip() and validated.stdout in built.stderr
    assert release_ids(dist) == published
    allowed = cli("build", "--data", valid_copy, "-o", dist, "-q", "--allow-invalid")
    assert allowed.exit_code == 0 and validated.stdout in allowed.stderr
    assert len(release_ids(dist)) == 2


def test_progress_is_said_while_a_long_stage_runs(
    cli: Callable[..., Result], valid_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import consortia_kg.build.quadlines as quadlines

    build_lines = quadlines.build_lines

    def slow(found: object, base: str) -> object:
        time.sleep(0.6)  # 5 records: the build stage takes 3 s
        return build_lines(found, base)  # type: ignore[arg-type]

    monkeypatch.setattr(quadlines, "build_lines", slow)
    result = cli("build", "--data", valid_copy, "-o", tmp_path / "dist", "--jobs", "1")
    lines = result.stderr.splitlines()
    running = [i for i, line in enumerate(lines) if line.startswith("build: reading and building")]
    finished = [i for i, line in enumerate(lines) if line.startswith("build: 5 records")]
    assert running and finished and running[0] < finished[0], lines
    quiet = cli("build", "--data", valid_copy, "-o", tmp_path / "quiet", "--jobs", "1", "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_diff_lists_statements_per_entity(
    cli: Callable[..., Result], valid_copy: Path, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    assert cli("build", "--data", valid_copy, "-o", dist, "-q").exit_code == 0
    first = release_ids(dist)[0]
    path = valid_copy / "consortia" / "demo-consortium.yaml"
    path.write_text(path.read_text().replace("Demo Consortium", "Demo Consortium Renamed", 1))
    assert cli("build", "--data", valid_copy, "-o", dist, "-q").exit_code == 0
    table = cli("diff", "-o", dist)
    assert table.exit_code == 0
    consortium = "<https://w3id.org/consortia-kg/consortium/demo-consortium>"
    assert any(line.split()[-1] == consortium for line in table.stdout.splitlines())
    as_json = cli("diff", first, "current", "-o", dist, "--format", "json")
    report = json.loads(as_json.stdout)
    assert report["old"] == first and report["new"] == release_ids(dist)[1]
    change = next(e for e in report["entities"] if e["subject"] == consortium)
    assert any('"Demo Consortium Renamed"' in line for line in change["added"])
    assert any('"Demo Consortium"' in line for line in change["removed"])
    assert report["added"] == sum(len(e["added"]) for e in report["entities"])
    same = cli("diff", "current", str(dist / "current"), "-o", dist, "--format", "json")
    assert json.loads(same.stdout)["entities"] == []
    missing = cli("diff", "nope", "-o", dist)
    assert missing.exit_code == 2 and "is neither a release" in missing.stderr


def test_query_on_a_fresh_folder_publishes_a_whole_release(tmp_path: Path) -> None:
    from consortia_kg.api import prepare_store

    prepare_store(VALID, tmp_path / "dist" / "store")
    release = current_release(tmp_path / "dist")
    assert release is not None and verify_release(release.folder) == []
    assert _sha256sum_ok(tmp_path / "dist")


def test_the_server_takes_store_and_dumps_from_one_release(
    valid_copy: Path, tmp_path: Path
) -> None:
    from consortia_kg.serve.config import ServeConfig

    dist = tmp_path / "dist"
    first = build_dumps(valid_copy, dist).release
    config = ServeConfig(data_dir=valid_copy, store_dir=dist / "store")
    assert first is not None and config.resolve() == (first.folder / "store", first.folder)
    own = ServeConfig(data_dir=valid_copy, store_dir=tmp_path / "X" / "mystore")
    assert own.resolve() == (tmp_path / "X" / "mystore", tmp_path / "X")


def test_a_killed_store_fill_is_removed_once_its_lock_is_free(tmp_path: Path) -> None:
    """A store filled alone (``--store X/mystore``) is filled into ``.mystore.new-*`` under
    ``.mystore.lock``; a killed fill's folder goes when the lock is free, never while held."""
    import fcntl

    from consortia_kg.atomic import remove_stale

    (tmp_path / ".mystore.new-abc").mkdir()
    (tmp_path / ".mystore.new-abc" / "oxigraph").write_text("")
    with open(tmp_path / ".mystore.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert subprocess.run(
            [sys.executable, "-c", f"from consortia_kg.atomic import remove_stale; "
             f"from pathlib import Path; remove_stale(Path({str(tmp_path)!r}))"],
            check=True,
        ).returncode == 0  # fmt: skip
        assert (tmp_path / ".mystore.new-abc").exists()  # a fill holds the lock: kept
    assert [p.name for p in remove_stale(tmp_path)] == [".mystore.new-abc"]
    assert not (tmp_path / ".mystore.new-abc").exists()


def test_a_store_of_its_own_inside_a_folder_of_releases_is_refused(
    valid_copy: Path, tmp_path: Path
) -> None:
    from consortia_kg.errors import InputError
    from consortia_kg.serve.config import ServeConfig
    from consortia_kg.serve.server import prepare_serving

    build_dumps(valid_copy, tmp_path / "dist")
    config = ServeConfig(data_dir=valid_copy, store_dir=tmp_path / "dist" / "mystore")
    _edit(valid_copy, "Changed.")
    with pytest.raises(InputError, match="holds releases"):
        prepare_serving(config)
    assert _sha256sum_ok(tmp_path / "dist") and (tmp_path / "dist" / "consortia.nq").is_symlink()


def test_no_validate_publishes_without_the_checks(
    cli: Callable[..., Result], valid_copy: Path, tmp_path: Path
) -> None:
    import yaml

    apply_case(yaml.safe_load(_case("unknown-organisation").read_text()), valid_copy)
    result = cli("build", "--data", valid_copy, "-o", tmp_path / "dist", "--no-validate")
    assert result.exit_code == 0 and "validate:" not in result.stderr
    assert current_release(tmp_path / "dist") is not None
