"""Read a package's imports from its source with ``ast`` (nothing is imported) and check rules.

``read_imports`` lists every import of one of the package's own modules, with where it is
written: at module level, inside a function (hidden from a reader of the module's head), or
under ``if TYPE_CHECKING:`` (never run). ``find_cycles`` finds the strongly connected groups of
modules; ``layer_violations`` checks imports against a table of units and ranks.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "Import",
    "find_cycles",
    "layer_violations",
    "list_modules",
    "read_imports",
    "unit_of",
]

#: Where an import is written.
Where = Literal["module", "function", "typing"]


@dataclass(frozen=True, order=True)
class Import:
    """``importer`` imports ``imported`` (both dotted module names) at ``file:line``."""

    importer: str
    imported: str
    where: Where
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.importer} -> {self.imported} ({self.where})"


def list_modules(package_dir: Path) -> dict[str, Path]:
    """Map every module of the package in ``package_dir`` to its file (namespace folders too)."""
    root = package_dir.name
    modules: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = [root, *path.relative_to(package_dir).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_package(name: str, modules: Mapping[str, Path]) -> bool:
    return modules[name].name == "__init__.py" or any(m.startswith(name + ".") for m in modules)


def _resolve(
    importer: str, node: ast.Import | ast.ImportFrom, modules: Mapping[str, Path]
) -> list[str]:
    """The package's modules an import statement loads (its own modules only)."""
    root = next(iter(modules)).split(".")[0]
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
        return [_deepest(n, modules) for n in names if n == root or n.startswith(root + ".")]
    if node.level:
        here = importer if _is_package(importer, modules) else importer.rpartition(".")[0]
        for _ in range(node.level - 1):
            here = here.rpartition(".")[0]
        base = f"{here}.{node.module}" if node.module else here
    else:
        base = node.module or ""
    if base != root and not base.startswith(root + "."):
        return []
    found = []
    for alias in node.names:
        # ``from pkg import sub`` loads the module pkg.sub; ``from pkg import name`` loads pkg
        candidate = f"{base}.{alias.name}"
        found.append(candidate if candidate in modules else _deepest(base, modules))
    return found


def _deepest(name: str, modules: Mapping[str, Path]) -> str:
    """The longest prefix of ``name`` that is a module (``a.b.c`` may name ``a.b``'s attribute)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def read_imports(package_dir: Path) -> list[Import]:
    """Every import of the package's own modules by the package's modules, sorted."""
    modules = list_modules(package_dir)
    found: set[Import] = set()
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        shown = str(path.relative_to(package_dir.parent))

        def visit(node: ast.AST, where: Where, module: str = name, shown: str = shown) -> None:
            if isinstance(node, ast.Import | ast.ImportFrom):
                for imported in _resolve(module, node, modules):
                    if imported and imported != module:
                        found.add(Import(module, imported, where, shown, node.lineno))
                return
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                where = "function" if where == "module" else where
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                for stmt in node.body:
                    visit(stmt, "typing")
                for stmt in node.orelse:
                    visit(stmt, where)
                return
            for child in ast.iter_child_nodes(node):
                visit(child, where)

        visit(tree, "module")
    return sorted(found)


def find_cycles(imports: Iterable[Import]) -> list[list[str]]:
    """The groups of modules that import each other, directly or not (Tarjan), sorted."""
    graph: defaultdict[str, set[str]] = defaultdict(set)
    for imp in imports:
        graph[imp.importer].add(imp.imported)
        graph.setdefault(imp.imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(groups)


def unit_of(module: str) -> str:
    """The part of the package a module belongs to: its first name below the package root."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def layer_violations(
    imports: Iterable[Import], rank: Mapping[str, int], only_importers: Mapping[str, set[str]]
) -> list[tuple[Import, str]]:
    """Imports that break the layer table, each with the rule it breaks.

    A unit may import its own modules and units of a lower rank. A unit named in
    ``only_importers`` may be imported only by the units listed for it. A unit missing from
    ``rank`` is itself a violation: every part of the package must have a place in the table.
    """
    out: list[tuple[Import, str]] = []
    for imp in imports:
        src, dst = unit_of(imp.importer), unit_of(imp.imported)
        if src == dst:
            continue
        missing = [u for u in (src, dst) if u not in rank]
        if missing:
            out.append((imp, f"{', '.join(missing)} has no layer in the table"))
        elif dst in only_importers and src not in only_importers[dst]:
            allowed = ", ".join(sorted(only_importers[dst]))
            out.append((imp, f"only {allowed} may import {dst}"))
        elif rank[dst] >= rank[src]:
            out.append((imp, f"{src} (layer {rank[src]}) imports {dst} (layer {rank[dst]})"))
    return out
