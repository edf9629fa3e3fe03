"""The builder fingerprint covers every module whose code decides a record's quads."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from consortia_kg.build import BUILDER_MODULES
from consortia_kg.build.manifest import builder_fingerprint

#: imported by builder modules, but without a say in which quads a record becomes
NOT_BUILDERS = {"consortia_kg.errors"}


def _imports(module: str) -> set[str]:
    source = Path(str(importlib.import_module(module).__file__)).read_text()
    found = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("consortia_kg")
        ):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                try:
                    importlib.import_module(candidate)
                    found.add(candidate)
                except ImportError:
                    found.add(node.module)
    return found


def test_builder_modules_import_only_builder_modules() -> None:
    for module in BUILDER_MODULES:
        missing = _imports(module) - set(BUILDER_MODULES) - NOT_BUILDERS - {"consortia_kg.records"}
        assert not missing, f"{module} imports {missing}: add them to BUILDER_MODULES"


def test_fingerprint_is_stable() -> None:
    assert builder_fingerprint() == builder_fingerprint()
    assert len(builder_fingerprint()) == 64
