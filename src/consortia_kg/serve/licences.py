"""Whose facts a page shows, and under which licence: the VoID subsets, read once a generation.

The dumps' VoID file makes every named graph a ``void:subset`` with its own ``dcterms:license``,
attribution (``cc:attributionName``), title and sources (``dcterms:source``, each with its
licence): a registry snapshot's graph carries the snapshot's licence, a curated record's graph
the records' CC0 1.0 (docs/dumps.md). The pages name, from these, the licence and attribution of
the facts they show: an entity page those of the graphs its triples come from, every other page
all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from consortia_kg.iris import dataset_iri, parse_record_graph
from consortia_kg.vocab import DCTERMS, VOID

__all__ = ["Licensing", "Source", "Subset", "licence_name"]

_CC = "http://creativecommons.org/ns#"

#: Short names of the licences the data names (others are shown as their IRI).
_LICENCE_NAMES = {
    "https://creativecommons.org/publicdomain/zero/1.0/": "CC0 1.0",
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "https://creativecommons.org/licenses/by-sa/4.0/": "CC BY-SA 4.0",
    "https://www.apache.org/licenses/LICENSE-2.0": "Apache-2.0",
    "https://opensource.org/licenses/MIT": "MIT",
}


def licence_name(iri: str) -> str:
    """Return the short name of a licence (``CC BY 4.0``), or its IRI."""
    return _LICENCE_NAMES.get(iri) or _LICENCE_NAMES.get(iri.rstrip("/") + "/") or iri


@dataclass(frozen=True)
class Source:
    """Something a subset's facts are taken from, with its own licence when it states one."""

    iri: str
    title: str
    licence: str = ""
    attribution: str = ""

    @property
    def licence_name(self) -> str:
        """Return the licence's short name ("" when the source states none)."""
        return licence_name(self.licence) if self.licence else ""


@dataclass(frozen=True)
class Subset:
    """One named graph: its title, licence, attribution and sources."""

    graph: str
    title: str
    licence: str
    attribution: str = ""
    sources: tuple[Source, ...] = ()
    quads: int = 0
    #: the graph of a registry snapshot (else a curated record's)
    registry: bool = False

    @property
    def licence_name(self) -> str:
        """Return the licence's short name ("" when none is stated)."""
        return licence_name(self.licence) if self.licence else ""

    @property
    def credit(self) -> str:
        """Return the line a page shows: "Facts from TITLE, ATTRIBUTION, LICENCE"."""
        parts = [self.title, self.attribution, self.licence_name or "licence not stated"]
        return "Facts from " + ", ".join(p for p in parts if p)


@dataclass
class Licensing:
    """The subsets of one generation, by graph."""

    subsets: dict[str, Subset] = field(default_factory=dict)

    @classmethod
    def from_void(cls, base: str, void: Iterable[ox.Triple]) -> Licensing:
        """Read the subsets the VoID file describes."""
        facts: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = {}
        for t in void:
            if isinstance(t.subject, ox.NamedNode) and not isinstance(t.object, ox.BlankNode):
                obj = t.object
                if isinstance(obj, ox.NamedNode | ox.Literal):
                    facts.setdefault(t.subject.value, {}).setdefault(t.predicate.value, [])
                    facts[t.subject.value][t.predicate.value].append(obj)

        def first(subject: str, predicate: str) -> str:
            values = sorted(v.value for v in facts.get(subject, {}).get(predicate, []))
            return values[0] if values else ""

        out = cls()
        for node in facts.get(dataset_iri(base), {}).get(VOID + "subset", []):
            graph = node.value
            sources = tuple(
                Source(
                    s.value,
                    first(s.value, DCTERMS + "title") or s.value,
                    first(s.value, DCTERMS + "license"),
                    first(s.value, _CC + "attributionName"),
                )
                for s in sorted(facts.get(graph, {}).get(DCTERMS + "source", []), key=str)
            )
            kind = parse_record_graph(base, graph)
            quads = first(graph, VOID + "triples")
            out.subsets[graph] = Subset(
                graph,
                first(graph, DCTERMS + "title") or graph,
                first(graph, DCTERMS + "license"),
                first(graph, _CC + "attributionName"),
                sources,
                int(quads) if quads.isdigit() else 0,
                kind is not None and kind[0] == "registry",
            )
        return out

    def of(self, graphs: Iterable[str]) -> list[Subset]:
        """Return the subsets of these graphs: registry snapshots first, then records, by title."""
        found = [self.subsets[g] for g in set(graphs) if g in self.subsets]
        return sorted(found, key=lambda s: (not s.registry, s.title))

    def summary(self) -> list[str]:
        """Return what every page's footer says: each snapshot, and the curated records at once."""
        lines = [s.credit for s in self.of(self.subsets) if s.registry]
        records = [s for s in self.subsets.values() if not s.registry]
        if records:
            names = sorted({s.licence_name or "licence not stated" for s in records})
            lines.append(
                f"Facts from {len(records)} curated record{'s' if len(records) != 1 else ''}, "
                f"{' / '.join(names)} (what they take from a source keeps its terms)"
            )
        return lines

    def licences(self) -> list[tuple[str, str]]:
        """Return every licence the subsets name, as (short name, IRI)."""
        iris = {s.licence for s in self.subsets.values() if s.licence}
        return sorted((licence_name(i), i) for i in iris)
