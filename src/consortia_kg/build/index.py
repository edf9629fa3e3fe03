"""The way back from a node to its record: where each triple came from (file, line, key).

The full build emits quads only; when a finding needs a location, the one record it is about is
built again with indexing on (builds are deterministic), and ``graph.BuiltGraph.where`` answers
from that record's index.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

__all__ = ["RecordIndex", "Where"]


@dataclass(frozen=True)
class Where:
    """A place in a record: what a finding about a node or a triple points the curator to."""

    file: str
    line: int
    key: str
    value: str = ""


@dataclass
class RecordIndex:
    """Where each node and triple of one record was written."""

    #: subject IRI → where the node was written (or first mentioned)
    nodes: dict[str, Where] = field(default_factory=dict)
    #: (subject IRI, predicate IRI) → [(object as N-Triples, where)]
    values: dict[tuple[str, str], list[tuple[str, Where]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: (subject IRI, object as N-Triples) → where the triple was written, whatever the predicate
    objects: dict[tuple[str, str], Where] = field(default_factory=dict)
    #: (subject IRI, record key's last part) → where that key was written
    keyed: dict[tuple[str, str], Where] = field(default_factory=dict)

    def add(self, s: str, p: str, o: str, where: Where) -> None:
        """Remember where one triple came from."""
        self.values[(s, p)].append((o, where))
        self.objects.setdefault((s, o), where)
        self.nodes.setdefault(s, where)
        if where.key:
            self.keyed.setdefault((s, where.key.rsplit(".", 1)[-1]), where)
