"""Namespaces, prefixes and the one function that mints IRIs.

Imports nothing of ours. Ontology terms live under a fixed namespace; instance IRIs live under a
configurable base so that a server can make every minted IRI a working URL.
"""

from __future__ import annotations

import os
import re
import unicodedata

__all__ = [
    "CKG",
    "DEFAULT_BASE_IRI",
    "PREFIXES",
    "check_base_iri",
    "mint",
    "resolve_base_iri",
    "slugify",
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

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def check_base_iri(base: str) -> str:
    """Return ``base`` if it can carry slash IRIs, else raise ``ValueError`` saying why."""
    if not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", base):
        raise ValueError(f"base IRI {base!r} must be an http(s) IRI with no query or fragment")
    if not base.endswith("/"):
        raise ValueError(f"base IRI {base!r} must end with '/' so that minted IRIs are paths")
    return base


def resolve_base_iri(base: str | None = None) -> str:
    """Pick the base IRI: the argument, else ``CONSORTIA_KG_BASE_IRI``, else the default."""
    return check_base_iri(base or os.environ.get("CONSORTIA_KG_BASE_IRI") or DEFAULT_BASE_IRI)


def mint(base: str, *segments: str) -> str:
    """Mint the IRI of a thing from path segments: ``mint(b, "consortium", "ga4gh")``.

    Every instance IRI comes from here, so the server can map paths back to IRIs.
    """
    for segment in segments:
        if not _SEGMENT.match(segment):
            raise ValueError(f"cannot mint an IRI from segment {segment!r}")
    return base + "/".join(segments)


def slugify(text: str) -> str:
    """Turn a label into a slug (``Alzheimer's Disease`` → ``alzheimers-disease``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['’]", "", ascii_text.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug or "x"
