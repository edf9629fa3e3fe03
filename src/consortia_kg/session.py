"""A validation session: validate everything once, then one changed record at a time, fast.

An editor or a watcher keeps the session: after the full validation, ``revalidate(path)`` reads
the one changed file, swaps its named graph in the store, and checks only that record's nodes
against their neighbourhood (the triples about them and around them in other records, and the
types of what they point at). SHACL-core constraints run on that small graph; the SHACL-SPARQL
constraints run on the whole store with the focus limited to the record's nodes. Full
validation (``consortia-kg validate``) stays the authority: a finding that another record gains
from this change (say, the other half of a duplicate name) shows up there.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from consortia_kg.build.graph import BuiltGraph
from consortia_kg.errors import Problem, Severity
from consortia_kg.iris import record_graph
from consortia_kg.pipeline import load_and_build, load_and_build_record
from consortia_kg.records import KINDS, display_path
from consortia_kg.validate.engine import (
    load_shapes,
    split_shapes,
    validate_graph,
    validate_nodes,
    without_cascades,
)
from consortia_kg.validate.sparqlrules import sparql_constraints
from consortia_kg.validate.units import find_duplicate_units
from consortia_kg.vocab import resolve_base_iri

__all__ = ["ValidationSession", "record_mtimes", "watch"]

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


class ValidationSession:
    """Holds the records, the graph and a store between validations of one data folder."""

    def __init__(self, data_dir: Path, base_iri: str | None = None) -> None:
        self.data_dir = data_dir
        self.base = resolve_base_iri(base_iri)
        self.shapes = load_shapes()
        self.core_shapes, _ = split_shapes(self.shapes)
        self.store = ox.Store()
        self.built: BuiltGraph | None = None
        self._compiled: Any = None
        self._rules: Any = None

    def validate_all(self) -> list[Problem]:
        """Load, build and validate everything; keep the state for later re-validations."""
        run = load_and_build(self.data_dir, self.base)
        self.built = run.built
        problems = list(run.problems)
        if run.fatal or run.built is None:
            return problems
        self.store = ox.Store()  # the previous one is dropped before validating
        problems.extend(without_cascades(problems, validate_graph(run.built, self.shapes).problems))
        problems.extend(find_duplicate_units(run.records))
        # filled after validating: the validation's own copy of the graph is gone by then
        self.store.bulk_extend(run.built.quads)
        return problems

    def revalidate(self, path: Path) -> list[Problem]:
        """Re-read one record file and validate what it says; return its problems."""
        if self.built is None:
            raise RuntimeError("call validate_all() first")
        one = load_and_build_record(self.data_dir, path, self.base)
        record, problems, scratch = one.record, one.problems, one.built
        graph = ox.NamedNode(record_graph(self.base, one.kind, path.stem))
        if self.store.contains_named_graph(graph):
            self.store.remove_graph(graph)
        self.built.graphs.pop(graph.value, None)
        self.built._indexes.pop(graph.value, None)
        if record is None:
            return problems
        self.built.graphs[graph.value] = record
        self.store.bulk_extend(scratch.quads)
        # the record's own nodes; other subjects in its graph (an organisation it lists as a
        # member) are checked through their own records
        subjects = {q.subject.value for q in scratch.quads if isinstance(q.subject, ox.NamedNode)}
        focus = sorted(s for s in subjects if self.built.record_of(s) is record)
        checked = without_cascades(problems, self._check(focus, scratch.quads))
        return problems + checked + find_duplicate_units([record])

    def _check(self, focus: list[str], own: list[ox.Quad]) -> list[Problem]:
        # heavy (it brings rdflib and pyshacl): imported where used, as the engine does
        from pyshacl_turbo import compile_shapes

        assert self.built is not None
        if self._compiled is None:  # compiled once per session
            self._compiled = compile_shapes(self.core_shapes, advanced=True)  # type: ignore[no-untyped-call]
            self._rules = sparql_constraints(self.shapes)
        neighbourhood = self._neighbourhood(focus, own)
        return validate_nodes(
            self.built, self.shapes, neighbourhood, self.store, focus, self._compiled, self._rules
        )

    def _neighbourhood(self, focus: list[str], own: list[ox.Quad]) -> ox.Store:
        """Collect what SHACL-core needs to check the record's own nodes.

        That is the record's triples, all triples about and pointing at its own nodes, and the
        types of everything they mention.
        """
        triples: set[Any] = {q.triple for q in own}
        for iri in focus:
            node = ox.NamedNode(iri)
            triples.update(q.triple for q in self.store.quads_for_pattern(node, None, None))
            triples.update(q.triple for q in self.store.quads_for_pattern(None, None, node))
        mentioned = {t.object for t in triples if isinstance(t.object, ox.NamedNode)}
        mentioned |= {t.subject for t in triples}
        for node in mentioned:
            triples.update(q.triple for q in self.store.quads_for_pattern(node, _RDF_TYPE, None))
        small = ox.Store()
        small.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
        return small


def record_mtimes(data_dir: Path) -> dict[Path, int]:
    """Every record file under ``data_dir`` with its modification time (ns) and size."""
    found: dict[Path, int] = {}
    for folder, _schema in KINDS.values():
        base = data_dir / folder
        if base.is_dir():
            for entry in os.scandir(base):
                if entry.name.endswith(".yaml") and entry.is_file():
                    stat = entry.stat()
                    found[base / entry.name] = stat.st_mtime_ns ^ stat.st_size
    return found


def watch(
    session: ValidationSession,
    report: Callable[[Path, list[Problem]], None],
    interval: float = 1.0,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Re-validate each record file when it changes, until ``should_stop()``."""
    seen = record_mtimes(session.data_dir)
    while not should_stop():
        time.sleep(interval)
        now = record_mtimes(session.data_dir)
        for path in sorted(p for p in now if seen.get(p) != now[p]):
            report(path, session.revalidate(path))
        for path in sorted(set(seen) - set(now)):
            report(path, [_removed(path)])
        seen = now


def _removed(path: Path) -> Problem:
    return Problem(
        display_path(path), 0, "", "the record was removed",
        why="other records may point at it; a watch only re-checks the files that change",
        fix="run `consortia-kg validate` for the whole picture", severity=Severity.INFO,
    )  # fmt: skip
