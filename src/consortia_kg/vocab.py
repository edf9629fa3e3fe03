"""Namespaces, prefixes and the base IRI.

Imports nothing of ours: :mod:`consortia_kg.iris` owns the layout of instance IRIs. Ontology
terms live under a fixed namespace; instance IRIs live under a configurable base so that a
server can make every minted IRI a working URL.
"""

from __future__ import annotations

import os
import re

__all__ = [
    "CKG",
    "DEFAULT_BASE_IRI",
    "PREFIXES",
    "check_base_iri",
    "resolve_base_iri",
]

#: Where instance IRIs live unless ``--base-iri`` or ``CONSORTIA_KG_BASE_IRI`` says otherwise.
DEFAULT_BASE_IRI = "https://w3id.org/consortia-kg/"

#: Our ontology's namespace (hash IRIs: the whole ontology is one document).
CKG = "https://w3id.org/consortia-kg/ontology#"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
TIME = "http://www.w3.org/2006/time#"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SH = "http://www.w3.org/ns/shacl#"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"

#: Prefixes written into every dump, in this order (the base is added as ``kg:``).
PREFIXES: dict[str, str] = {
    "ckg": CKG,
    "dcat": DCAT,
    "dcterms": DCTERMS,
    "foaf": FOAF,
    "org": ORG,
    "owl": OWL,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "schema": SCHEMA,
    "skos": SKOS,
    "time": TIME,
    "void": VOID,
    "xsd": XSD,
}


#: Characters an IRI may not hold (RFC 3987): they would break out of ``<...>`` in Turtle and
#: SPARQL, or of an attribute in the server's HTML.
_NOT_IN_IRI = re.compile(r'[\x00-\x20\x7f"<>{}|\\^`]')


def check_base_iri(base: str) -> str:
    """Return ``base`` if it can carry slash IRIs, else raise ``ValueError`` saying why."""
    bad = _NOT_IN_IRI.search(base)
    if bad:
        shown = repr(bad.group()) if bad.group() != " " else "a space"
        raise ValueError(f"base IRI {base!r} holds {shown}, which an IRI may not hold")
    if not re.match(r"^https?://[^/?#]+(/[^?#]*)?$", base):
        raise ValueError(f"base IRI {base!r} must be an http(s) IRI with no query or fragment")
    if not base.endswith("/"):
        raise ValueError(f"base IRI {base!r} must end with '/' so that minted IRIs are paths")
    return base


def resolve_base_iri(base: str | None = None) -> str:
    """Pick the base IRI: the argument, else ``CONSORTIA_KG_BASE_IRI``, else the default."""
    return check_base_iri(base or os.environ.get("CONSORTIA_KG_BASE_IRI") or DEFAULT_BASE_IRI)
