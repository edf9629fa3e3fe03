"""The build step that puts the SPARQL editor (YASGUI) into the package's static files.

``pip install -e .`` (and every wheel build) runs :class:`EditorBundleHook`: ``npm ci`` installs
the exact packages of ``web/package-lock.json`` into ``web/node_modules``, and the ready-made
browser bundle of ``@zazuko/yasgui`` is copied into ``src/consortia_kg/serve/static/vendor/``
with a NOTICE naming every package it holds and its licence. Nothing is fetched when the server
runs, and no page loads anything from another site. The folder is not committed (.gitignore);
a stamp (the lock file's digest) skips ``npm ci`` when the bundle is already the locked one.
``python hatch_build.py`` does the same by hand.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

try:  # absent when the file is run by hand, outside a build
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # pragma: no cover
    BuildHookInterface = object  # type: ignore[assignment,misc]

#: the npm project that pins the editor (package.json, package-lock.json, .npmrc)
WEB = "web"
#: where the bundle lands, inside the package
VENDOR = "src/consortia_kg/serve/static/vendor"
#: the files copied from the installed packages: (package folder, file in it, name in vendor/)
BUNDLE = (
    ("@zazuko/yasgui", "build/yasgui.min.js", "yasgui.min.js"),
    ("@zazuko/yasgui", "build/yasgui.min.css", "yasgui.min.css"),
)
_STAMP = ".bundle-stamp"
_SOURCE_MAP = ("//# sourceMappingURL", "/*# sourceMappingURL")
_LICENCE_FILES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "license", "LICENSE-MIT")


class EditorBundleError(RuntimeError):
    """The editor's bundle could not be made (npm missing or failing)."""


def bundle_editor(root: Path) -> Path:
    """Install the locked editor packages and copy the bundle into ``VENDOR``; return it."""
    web, vendor = root / WEB, root / VENDOR
    lock = web / "package-lock.json"
    stamp = hashlib.sha256(lock.read_bytes() + Path(__file__).read_bytes()).hexdigest()
    stamped = (vendor / _STAMP).is_file() and (vendor / _STAMP).read_text().strip() == stamp
    if stamped and all((vendor / name).is_file() for _, _, name in BUNDLE):
        return vendor
    modules = web / "node_modules"
    if not _installed_as_locked(web):
        npm = shutil.which("npm")
        if npm is None:
            raise EditorBundleError(
                "the SPARQL editor is built with npm, which is not installed\n"
                "  fix: install Node.js and npm (Debian: apt-get install nodejs npm), then run "
                "pip install -e . again"
            )
        done = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--omit=dev"],
            cwd=web,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise EditorBundleError(
                f"npm ci in {web} failed (exit {done.returncode}):\n{done.stderr.strip()}\n"
                "  fix: check that npm can reach its registry, then run pip install -e . again"
            )
    scratch = vendor.with_name(".vendor-scratch")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    for package, path, name in BUNDLE:
        text = (modules / package / path).read_text(encoding="utf-8")
        # the source map stays behind: without this line the browser does not ask for it
        lines = [x for x in text.splitlines() if not x.startswith(_SOURCE_MAP)]
        (scratch / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (scratch / "NOTICE").write_text(notice(modules), encoding="utf-8")
    (scratch / _STAMP).write_text(stamp + "\n", encoding="utf-8")
    shutil.rmtree(vendor, ignore_errors=True)
    scratch.rename(vendor)
    return vendor


def _installed_as_locked(web: Path) -> bool:
    """True when ``node_modules`` holds what the lock file names (npm's own copy of the lock)."""
    hidden = web / "node_modules" / ".package-lock.json"
    if not hidden.is_file():
        return False
    locked = json.loads((web / "package-lock.json").read_text())["packages"]
    installed = json.loads(hidden.read_text())["packages"]
    return all(
        installed.get(k, {}).get("version") == v.get("version") for k, v in locked.items() if k
    )


def notice(modules: Path) -> str:
    """Name every package the bundle is made of, with its licence and licence text."""
    out = [
        "The SPARQL editor in this folder is YASGUI (@zazuko/yasgui, MIT), bundled by its",
        "authors with the packages below; copied here by hatch_build.py (web/package-lock.json).",
        "",
    ]
    texts: list[str] = []
    for manifest in sorted(modules.glob("**/package.json")):
        folder = manifest.parent
        relative = folder.relative_to(modules).as_posix()
        if relative.count("node_modules") or relative.count("/") > (1 if relative[0] == "@" else 0):
            continue  # a nested package.json (a build folder's), not a package
        data: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
        name, version = data.get("name", relative), data.get("version", "?")
        licence = data.get("license") or "(no licence field; see its text below)"
        out.append(f"{name} {version}: {licence}")
        for file_name in _LICENCE_FILES:
            if (folder / file_name).is_file():
                text = (folder / file_name).read_text(encoding="utf-8", errors="replace").strip()
                texts.append(f"--- {name} {version} ({file_name}) ---\n{text}\n")
                break
    return "\n".join(out) + "\n\n" + "\n".join(texts)


class EditorBundleHook(BuildHookInterface):  # type: ignore[misc,valid-type]
    """Hatchling's hook: make the bundle, and ship it although git ignores it."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Build the bundle before the wheel (or the editable install) is made."""
        try:
            bundle_editor(Path(self.root))
        except EditorBundleError as error:
            raise SystemExit(f"consortia-kg: {error}") from None
        build_data.setdefault("artifacts", []).append(f"{VENDOR}/*")


if __name__ == "__main__":
    try:
        print(bundle_editor(Path(__file__).resolve().parent))
    except EditorBundleError as problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
