"""The package keeps its import rules: no cycle, a ground that imports nothing, layers upward only.

The rules are the tables below (adjust them here when the floor plan changes; docs/architecture.md
describes the same picture in words). The imports are read from the source with ``ast``
(tests/helpers/importgraph.py), so nothing of the package is imported to check it.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from helpers.importgraph import (
    Import,
    find_cycles,
    layer_violations,
    list_modules,
    read_imports,
    unit_of,
)
from helpers.paths import ROOT

PACKAGE = ROOT / "src" / "consortia_kg"
TESTS = ROOT / "tests"

# --- the rules ----------------------------------------------------------------------------------

#: Ground modules: they import nothing of the package (``iris`` once it exists; ``__init__``
#: holds only the version).
GROUND = ("paths", "errors", "atomic", "vocab", "formats", "iris", "sparqltext", "__init__")

#: Layers, lowest first. A unit (a top-level module, or a subpackage with all its modules) may
#: import its own modules and units of a lower layer, never one of its own layer or above.
#: records < build < (validate, export, query) < pipeline < (api, serve) < cli; the intake
#: (reconcile, then importers) stands on records; the CLI starts the server, so it sits above.
LAYERS: list[tuple[str, ...]] = [
    GROUND,
    ("records", "serialize"),
    ("build", "reconcile", "registries"),
    ("validate", "export", "query", "importers"),
    ("pipeline",),
    ("api", "serve", "session"),
    ("cli",),
    ("__main__",),
]

#: Units only the listed units may import, whatever the layers say.
ONLY_IMPORTED_BY: dict[str, set[str]] = {
    "cli": {"__main__"},
}

#: Known breaks of the layer table in the code as it stands (importer, imported, where), each
#: with who removes it. Only these pass; the list must shrink to nothing (a stale entry fails).
KNOWN_EXCEPTIONS: dict[tuple[str, str, str], str] = {}

#: Private names tests still import, waiting for a public name in src/ (module, name): each
#: tests a helper with no public caller that could check the same. Must shrink to nothing.
PRIVATE_IMPORTS_WAITING: set[tuple[str, str]] = set()

RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


def check_layers(package_dir: Path) -> tuple[list[str], set[tuple[str, str, str]]]:
    """The layer breaks not in ``KNOWN_EXCEPTIONS``, and the exceptions seen (to find stale ones)."""
    breaks: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for imp, rule in layer_violations(read_imports(package_dir), RANK, ONLY_IMPORTED_BY):
        key = (imp.importer, imp.imported, imp.where)
        if key in KNOWN_EXCEPTIONS:
            seen.add(key)
        else:
            breaks.append(f"{imp}: {rule}")
    return breaks, seen


# --- the package keeps them ---------------------------------------------------------------------


def test_no_import_cycle_at_module_level() -> None:
    imports = [i for i in read_imports(PACKAGE) if i.where == "module"]
    assert find_cycles(imports) == []


def test_no_import_cycle_counting_imports_inside_functions() -> None:
    # an import inside a function hides a cycle from Python (it runs late) but not from a reader
    imports = [i for i in read_imports(PACKAGE) if i.where != "typing"]
    assert find_cycles(imports) == []


def test_ground_modules_import_nothing_of_the_package() -> None:
    ground = [i for i in read_imports(PACKAGE) if unit_of(i.importer) in GROUND]
    assert [str(i) for i in ground] == []


def test_every_module_has_a_layer() -> None:
    units = {unit_of(name) for name in list_modules(PACKAGE)}
    assert sorted(units - set(RANK)) == []


def test_imports_follow_the_layer_table() -> None:
    breaks, _ = check_layers(PACKAGE)
    assert breaks == [], "\n".join(breaks)


def test_known_exceptions_are_still_there() -> None:
    _, seen = check_layers(PACKAGE)
    stale = sorted(set(KNOWN_EXCEPTIONS) - seen)
    assert stale == [], f"fixed: remove them from KNOWN_EXCEPTIONS in {__file__}: {stale}"


def test_a_new_upward_import_in_the_real_package_fails(tmp_path: Path) -> None:
    copy = tmp_path / "consortia_kg"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("static", "templates"))
    model = copy / "records" / "model.py"
    model.write_text(
        model.read_text() + "\n\ndef late():\n    from consortia_kg.pipeline import Run\n"
    )
    breaks, _ = check_layers(copy)
    assert len(breaks) == 1
    assert "consortia_kg.records.model -> consortia_kg.pipeline (function)" in breaks[0]
    assert "records (layer 1) imports pipeline (layer 4)" in breaks[0]


# --- the tests keep theirs ----------------------------------------------------------------------


def _test_imports() -> list[tuple[str, int, str, str]]:
    """(file, line, module, name) of every absolute import in tests/ (name "" for ``import m``)."""
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        shown = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), shown)):
            if isinstance(node, ast.Import):
                found += [(shown, node.lineno, alias.name, "") for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found += [(shown, node.lineno, node.module, a.name) for a in node.names]
    return found


def test_no_test_file_imports_another() -> None:
    # shared code lives in tests/helpers/ and tests/conftest.py's fixtures
    tests = {path.stem for path in TESTS.rglob("test_*.py")} | {"conftest", "regen_golden"}
    wrong = [f"{f}:{n} {m}" for f, n, m, _ in _test_imports() if m.split(".")[0] in tests]
    assert wrong == []


def test_tests_import_no_private_name_of_the_package() -> None:
    private = {
        (module, name)
        for _, _, module, name in _test_imports()
        if module.startswith("consortia_kg") and name.startswith("_") and name != "__version__"
    }
    assert sorted(private - PRIVATE_IMPORTS_WAITING) == []
    assert sorted(PRIVATE_IMPORTS_WAITING - private) == [], "public now: shrink the list"


# --- the checker, on a tiny package -------------------------------------------------------------


def _package(root: Path, files: dict[str, str]) -> Path:
    package = root / "pkg"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return package


def _pairs(imports: list[Import]) -> list[tuple[str, str, str]]:
    return [(i.importer, i.imported, i.where) for i in imports]


def test_checker_reads_every_form_of_import(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "__init__.py": "",
            "ground.py": "import os\n",
            "stage/__init__.py": "from pkg.stage.one import thing\n",
            "stage/one.py": "from .. import ground\nthing = 1\n",
            "stage/two.py": (
                "from __future__ import annotations\n"
                "from typing import TYPE_CHECKING\n"
                "import pkg.ground\n"
                "from . import one\n"
                "from pkg.stage import thing\n"
                "if TYPE_CHECKING:\n"
                "    from pkg.top import Top\n"
                "def f():\n"
                "    from pkg import top\n"
            ),
            "top.py": "class Top:\n    from pkg.ground import os\n",
        },
    )
    assert _pairs(read_imports(package)) == [
        ("pkg.stage", "pkg.stage.one", "module"),
        ("pkg.stage.one", "pkg.ground", "module"),
        ("pkg.stage.two", "pkg.ground", "module"),
        ("pkg.stage.two", "pkg.stage", "module"),  # ``thing`` is the package's attribute
        ("pkg.stage.two", "pkg.stage.one", "module"),
        ("pkg.stage.two", "pkg.top", "function"),
        ("pkg.stage.two", "pkg.top", "typing"),
        ("pkg.top", "pkg.ground", "module"),  # a class body runs at import
    ]


def test_checker_finds_cycles_and_tells_function_level_ones_apart(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from pkg import b\n",
            "b.py": "from pkg import c\n",
            "c.py": "def f():\n    from pkg import a\n",
            "d.py": "from pkg import e\n",
            "e.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import d\n",
        },
    )
    imports = read_imports(package)
    assert find_cycles([i for i in imports if i.where == "module"]) == []
    assert find_cycles([i for i in imports if i.where != "typing"]) == [["pkg.a", "pkg.b", "pkg.c"]]
    assert find_cycles(imports) == [["pkg.a", "pkg.b", "pkg.c"], ["pkg.d", "pkg.e"]]


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        ("from pkg.high import x\n", "low (layer 0) imports high (layer 1)"),
        ("from pkg import side\n", "low (layer 0) imports side (layer 0)"),
        ("from pkg import face\n", "only high may import face"),
        ("from pkg import nowhere\n", "nowhere has no layer in the table"),
    ],
)
def test_checker_reports_each_rule_broken(tmp_path: Path, source: str, rule: str) -> None:
    package = _package(
        tmp_path,
        {
            "__init__.py": "",
            "low/__init__.py": "",
            "low/mod.py": source,
            "side.py": "",
            "high.py": "from pkg.low import mod\nfrom pkg import face\nx = 1\n",
            "face.py": "",
            "nowhere.py": "",
        },
    )
    rank = {"low": 0, "side": 0, "high": 1, "face": 0}
    found = layer_violations(read_imports(package), rank, {"face": {"high"}})
    assert [(str(i.importer), r) for i, r in found] == [("pkg.low.mod", rule)]
