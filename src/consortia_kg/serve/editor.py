"""What the query page's editor (YASGUI, static/vendor/) knows of this graph, as one JSON object.

The editor completes only from here, never from a site on the internet: the prefixes of our
dumps, the classes and properties our ontology declares, and the named queries as examples.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from consortia_kg.query.named import NamedQuery
from consortia_kg.vocab import OWL, PREFIXES, RDF, RDFS

__all__ = ["CLASS_TYPES", "PROPERTY_TYPES", "editor_settings"]

#: a term typed with one of these is a class the editor completes after ``a``
CLASS_TYPES = frozenset({OWL + "Class", RDFS + "Class"})
#: a term typed with one of these is a property the editor completes as a predicate
PROPERTY_TYPES = frozenset(
    {
        OWL + "ObjectProperty",
        OWL + "DatatypeProperty",
        OWL + "AnnotationProperty",
        RDF + "Property",
    }
)


def editor_settings(
    ontology: Iterable[ox.Triple], queries: Iterable[NamedQuery], base: str, prefix: str
) -> dict[str, Any]:
    """Return the editor's settings: endpoint, prefixes, classes, properties and examples."""
    classes: set[str] = set()
    properties: set[str] = set()
    for triple in ontology:
        kind = triple.object
        if triple.predicate.value != RDF + "type" or not isinstance(triple.subject, ox.NamedNode):
            continue
        if not isinstance(kind, ox.NamedNode):
            continue
        if kind.value in CLASS_TYPES:
            classes.add(triple.subject.value)
        elif kind.value in PROPERTY_TYPES:
            properties.add(triple.subject.value)
    return {
        "endpoint": prefix + "sparql",
        "base": base,
        "prefix": prefix,
        "prefixes": {"kg": base, **PREFIXES},
        "classes": sorted(classes),
        "properties": sorted(properties),
        "examples": [
            {
                "name": q.name,
                "title": q.title or q.name,
                "description": q.description,
                "text": q.text,
            }
            for q in sorted(queries, key=lambda q: q.name)
        ],
    }
