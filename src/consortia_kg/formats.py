"""RDF and result formats: one table shared by ``--format``, dump names and content negotiation.

Imports nothing of ours (as rdflib-endpoint keeps its media types), so the server can use it too.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RDF_FORMATS", "RdfFormatInfo", "rdf_format"]


@dataclass(frozen=True)
class RdfFormatInfo:
    """An RDF serialisation: its CLI name, media type and file extension."""

    name: str
    media_type: str
    extension: str
    quads: bool = False


#: Every RDF format we write, in the order a server prefers them after HTML.
RDF_FORMATS: tuple[RdfFormatInfo, ...] = (
    RdfFormatInfo("turtle", "text/turtle", "ttl"),
    RdfFormatInfo("ntriples", "application/n-triples", "nt"),
    RdfFormatInfo("nquads", "application/n-quads", "nq", quads=True),
    RdfFormatInfo("jsonld", "application/ld+json", "jsonld"),
    RdfFormatInfo("rdfxml", "application/rdf+xml", "rdf"),
)


def rdf_format(name_or_extension: str) -> RdfFormatInfo:
    """Find a format by name, extension or media type; raise ``KeyError`` if unknown."""
    key = name_or_extension.lower().lstrip(".")
    for fmt in RDF_FORMATS:
        if key in (fmt.name, fmt.extension, fmt.media_type):
            return fmt
    raise KeyError(name_or_extension)
