"""hatch_build.py, the build step that puts YASGUI into serve/static/vendor/.

It runs for real over a copy of web/ (npm's packages already installed here are linked, never
downloaded by the tests); without npm it stops with a message that says what to install.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from helpers.paths import ROOT


def load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hatch_build", ROOT / "hatch_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def project_copy(tmp_path: Path, with_modules: bool) -> Path:
    root = tmp_path / "project"
    (root / "web").mkdir(parents=True)
    for name in ("package.json", "package-lock.json", ".npmrc"):
        shutil.copy(ROOT / "web" / name, root / "web" / name)
    shutil.copy(ROOT / "hatch_build.py", root / "hatch_build.py")
    if with_modules:
        (root / "web" / "node_modules").symlink_to(ROOT / "web" / "node_modules")
    return root


def test_install_runs_the_hook_and_ships_the_ignored_bundle() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    hook = project["tool"]["hatch"]["build"]["targets"]["wheel"]["hooks"]["custom"]
    assert hook["path"] == "hatch_build.py"
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "/src/consortia_kg/serve/static/vendor/" in ignored
    assert "/web/node_modules/" in ignored
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@zazuko/yasgui"]["license"] == "MIT"
    # the lock names no registry: npm uses the one it is configured with
    assert not any("resolved" in entry for entry in lock["packages"].values())


def test_without_npm_the_install_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = load_hook()
    root = project_copy(tmp_path, with_modules=False)
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    with pytest.raises(hook.EditorBundleError) as problem:
        hook.bundle_editor(root)
    assert "npm, which is not installed" in str(problem.value)
    assert "fix: install Node.js and npm" in str(problem.value)
    assert not (root / hook.VENDOR).exists()


@pytest.mark.skipif(
    not (ROOT / "web" / "node_modules" / ".package-lock.json").is_file(),
    reason="web/node_modules is not installed here: pip install -e . (or python hatch_build.py)",
)
def test_bundle_is_the_locked_one_with_its_notice_and_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = load_hook()
    root = project_copy(tmp_path, with_modules=True)
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))  # installed: npm not needed
    vendor = hook.bundle_editor(root)
    files = {p.name: p.read_bytes() for p in sorted(vendor.iterdir())}
    assert {"yasgui.min.js", "yasgui.min.css", "NOTICE"} <= set(files)
    assert b"sourceMappingURL" not in files["yasgui.min.js"]
    notice = files["NOTICE"].decode()
    lock = json.loads((root / "web" / "package-lock.json").read_text())
    for path, entry in lock["packages"].items():
        if path:
            name = path.removeprefix("node_modules/")
            assert f"{name} {entry['version']}:" in notice, name
    assert "@zazuko/yasgui 4.6.2: MIT" in notice
    # the stamp skips the work the second time; a forced rebuild writes the same bytes
    (vendor / "yasgui.min.js").touch()
    assert hook.bundle_editor(root) == vendor
    (vendor / ".bundle-stamp").unlink()
    again = hook.bundle_editor(root)
    assert {p.name: p.read_bytes() for p in sorted(again.iterdir())} == files
