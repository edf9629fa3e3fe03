"""The IRI layout: mint and parse the IRI of every kind of node, and the record graph names.

Imports nothing of ours. Every instance IRI is a path under the base::

    {base}consortium/ga4gh                         a record's thing (consortium, organisation,
    {base}consortium/ga4gh/working-group/dwg        source), an item minted under it,
    {base}consortium/ga4gh/standard/vrs/version/v1  and an item under that item;
    {base}disease/cancer  {base}role/member         concepts shared by records;
    {base}graph/consortium/ga4gh                    the named graph a record's build writes;
    {base}dataset  {base}dumps/turtle  {base}sparql the VoID description's nodes.

:data:`LAYOUT` says which kinds of node exist under which, so :func:`parse_iri` and
:func:`iri_of` read and write exactly what the ``*_iri`` functions mint (a test round-trips
every kind). A server maps a path back to its thing, and a finding back to its record, here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "LAYOUT",
    "RECORD_KINDS",
    "IriParts",
    "activity_iri",
    "address_iri",
    "committee_iri",
    "consortium_iri",
    "contact_iri",
    "dataset_iri",
    "dataset_part_iri",
    "disease_iri",
    "dump_checksum_iri",
    "dump_iri",
    "event_iri",
    "implementation_iri",
    "iri_of",
    "kind_namespaces",
    "location_iri",
    "membership_iri",
    "mint",
    "organisation_iri",
    "owner_iri",
    "parse_iri",
    "parse_path",
    "parse_record_graph",
    "participant_count_iri",
    "post_holder_iri",
    "post_iri",
    "programme_part_iri",
    "record_graph",
    "record_graph_of",
    "record_iri",
    "record_of_iri",
    "registry_file_iri",
    "registry_graph",
    "registry_iri",
    "role_iri",
    "slugify",
    "source_iri",
    "sparql_iri",
    "standard_iri",
    "standard_version_iri",
    "steering_committee_iri",
    "subject_area_iri",
    "working_group_iri",
]

#: The kinds of record, each a file under data/ with a thing and a named graph of its own.
RECORD_KINDS = ("consortium", "organisation", "source")

#: Which node may stand under which: ``{parent kind: {child kind: takes an id}}``. The top
#: level is ``""``; a record's thing's items are under its kind; an item's items under theirs.
LAYOUT: dict[str, dict[str, bool]] = {
    "": {
        "consortium": True,
        "organisation": True,
        "source": True,
        "disease": True,
        "role": True,
        "programme-part": True,
        "subject-area": True,
        "registry": True,
        "dataset": False,
        "dumps": True,
        "sparql": False,
    },
    "consortium": {
        "activity": True,
        "address": False,
        "committee": True,
        "contact": True,
        "event": True,
        "implementation": True,
        "membership": True,
        "participant-count": False,
        "post": True,
        "standard": True,
        "steering-committee": False,
        "working-group": True,
    },
    "organisation": {"implementation": True, "location": True, "membership": True},
    "registry": {"file": True},
    "dataset": {"class": True, "property": True, "release": True},
    "dumps": {"sha256": False},
    "standard": {"version": True},
    "post": {"holder": False},
}

_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class IriParts:
    """What an IRI under the base names, read by :func:`parse_iri`.

    ``consortium/ga4gh/standard/vrs/version/v1`` is
    ``IriParts("consortium", "ga4gh", "standard", "vrs", "version", "v1")``.

    ``graph`` is True for the record graph ``graph/<kind>/<slug>`` (kind and slug then name the
    record). A part that takes no id (``dataset``, ``steering-committee``) has ``""`` as its id.
    """

    kind: str
    slug: str = ""
    sub_kind: str = ""
    sub_id: str = ""
    leaf_kind: str = ""
    leaf_id: str = ""
    graph: bool = False

    @property
    def is_record(self) -> bool:
        """Return True for the thing a record describes (not an item of it, nor its graph)."""
        return self.kind in RECORD_KINDS and not self.sub_kind and not self.graph

    @property
    def node_kind(self) -> str:
        """Return the kind of the node itself: ``version`` for a standard's version."""
        return self.leaf_kind or self.sub_kind or self.kind

    @property
    def record(self) -> tuple[str, str] | None:
        """Return (kind, slug) of the record whose build mints this IRI, if any."""
        return (self.kind, self.slug) if self.kind in RECORD_KINDS else None


def mint(base: str, *segments: str) -> str:
    """Mint an IRI from path segments: ``mint(b, "consortium", "ga4gh")``.

    Raises ``ValueError`` for a segment that is not a slug, so no IRI holds a space or a slash
    a parser would misread.
    """
    for segment in segments:
        if not _SEGMENT.fullmatch(segment):
            raise ValueError(f"cannot mint an IRI from segment {segment!r}")
    return base + "/".join(segments)


def slugify(text: str) -> str:
    """Turn a label into a slug (``Alzheimer's Disease`` → ``alzheimers-disease``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['’]", "", ascii_text.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug or "x"


# --- records and shared concepts -------------------------------------------------------------


def record_iri(base: str, kind: str, slug: str) -> str:
    """Return the IRI of the thing a record describes."""
    return mint(base, kind, slug)


def consortium_iri(base: str, slug: str) -> str:
    """Return ``{base}consortium/<slug>``."""
    return mint(base, "consortium", slug)


def organisation_iri(base: str, slug: str) -> str:
    """Return ``{base}organisation/<slug>``."""
    return mint(base, "organisation", slug)


def source_iri(base: str, slug: str) -> str:
    """Return ``{base}source/<slug>``."""
    return mint(base, "source", slug)


def disease_iri(base: str, name: str) -> str:
    """Return the concept of a disease focus, named as the record writes it."""
    return mint(base, "disease", slugify(name))


def role_iri(base: str, name: str) -> str:
    """Return the concept of a membership role, named as the record writes it."""
    return mint(base, "role", slugify(name))


def programme_part_iri(base: str, code: str) -> str:
    """Return the concept of a funding programme's part (CORDIS's ``SC1``, ``ERC``...)."""
    return mint(base, "programme-part", slugify(code))


def subject_area_iri(base: str, name: str) -> str:
    """Return the concept of a research subject area (the DFG's ``Medicine``, ``Biology``...)."""
    return mint(base, "subject-area", slugify(name))


def record_graph(base: str, kind: str, slug: str) -> str:
    """Return the named graph one record's build writes: ``{base}graph/<kind>/<slug>``."""
    return mint(base, "graph", kind, slug)


# --- registry snapshots (data/registries/<id>/) ----------------------------------------------


def registry_iri(base: str, ident: str) -> str:
    """Return the snapshot itself (licence, attribution, files): ``{base}registry/<id>``."""
    return mint(base, "registry", ident)


def registry_file_iri(base: str, ident: str, role: str) -> str:
    """Return one published file of a snapshot."""
    return _under(registry_iri(base, ident), "file", role)


def registry_graph(base: str, ident: str) -> str:
    """Return the named graph a snapshot's mapping writes: ``{base}graph/registry/<id>``."""
    return mint(base, "graph", "registry", ident)


def links_graph(base: str) -> str:
    """Return the named graph of the links the build finds across sources: ``{base}graph/links``."""
    return mint(base, "graph", "links")


# --- items minted under a record's thing (``parent`` is that thing's IRI) ----------------------


def _under(parent: str, kind: str, ident: str | int = "") -> str:
    if ident == "":
        return f"{parent}/{kind}"
    return mint(parent + "/", kind, str(ident))


def working_group_iri(consortium: str, ident: str) -> str:
    """Return a working group of the consortium ``consortium`` (its IRI)."""
    return _under(consortium, "working-group", ident)


def committee_iri(consortium: str, ident: str) -> str:
    """Return a committee of a consortium."""
    return _under(consortium, "committee", ident)


def steering_committee_iri(consortium: str) -> str:
    """Return the steering committee of a consortium (one at most)."""
    return _under(consortium, "steering-committee")


def post_iri(consortium: str, ident: str) -> str:
    """Return a post of a consortium."""
    return _under(consortium, "post", ident)


def post_holder_iri(post: str) -> str:
    """Return the person holding a post (only minted when the record says it is public)."""
    return _under(post, "holder")


def membership_iri(consortium: str, organisation_slug: str) -> str:
    """Return the membership of an organisation in a consortium (or in an ELIXIR node)."""
    return _under(consortium, "membership", organisation_slug)


def standard_iri(consortium: str, ident: str) -> str:
    """Return a standard a consortium publishes."""
    return _under(consortium, "standard", ident)


def standard_version_iri(standard: str, ident: str) -> str:
    """Return a version of a standard (``standard`` is the standard's IRI)."""
    return _under(standard, "version", ident)


def implementation_iri(owner: str, ident: str) -> str:
    """Return an implementation a consortium or an organisation runs."""
    return _under(owner, "implementation", ident)


def activity_iri(consortium: str, position: int) -> str:
    """Return the ``position``-th (from 1) mission activity of a consortium."""
    return _under(consortium, "activity", position)


def event_iri(consortium: str, position: int) -> str:
    """Return the ``position``-th (from 1) history event of a consortium."""
    return _under(consortium, "event", position)


def contact_iri(consortium: str, position: int) -> str:
    """Return the ``position``-th (from 1) contact point written in a consortium's record."""
    return _under(consortium, "contact", position)


def address_iri(consortium: str) -> str:
    """Return the postal address of a consortium."""
    return _under(consortium, "address")


def participant_count_iri(consortium: str) -> str:
    """Return the dated count of a consortium's participating organisations."""
    return _under(consortium, "participant-count")


def location_iri(organisation: str, position: int) -> str:
    """Return the ``position``-th (from 1) location of an organisation."""
    return _under(organisation, "location", position)


# --- the VoID description --------------------------------------------------------------------


def dataset_iri(base: str) -> str:
    """Return the dataset the VoID description describes."""
    return mint(base, "dataset")


def dataset_part_iri(base: str, part: str, slug: str) -> str:
    """Return a partition (``class``, ``property``) or an earlier ``release`` of the dataset."""
    return mint(base, "dataset", part, slug)


def dump_iri(base: str, name: str) -> str:
    """Return the distribution of one dump format."""
    return mint(base, "dumps", name)


def dump_checksum_iri(base: str, name: str) -> str:
    """Return the checksum node of one dump."""
    return _under(dump_iri(base, name), "sha256")


def sparql_iri(base: str) -> str:
    """Return the SPARQL endpoint's IRI."""
    return mint(base, "sparql")


# --- reading IRIs back -----------------------------------------------------------------------


def parse_record_graph(base: str, iri: str) -> tuple[str, str] | None:
    """Return (kind, slug) of the record whose graph ``iri`` names, or None."""
    if not iri.startswith(base):
        return None
    parts = iri[len(base) :].split("/")
    if len(parts) != 3 or parts[0] != "graph" or parts[1] not in (*RECORD_KINDS, "registry"):
        return None
    return (parts[1], parts[2]) if _SEGMENT.fullmatch(parts[2]) else None


def parse_iri(base: str, iri: str) -> IriParts | None:
    """Return what an IRI under ``base`` names, or None when the layout mints no such IRI."""
    return parse_path(iri[len(base) :]) if iri.startswith(base) else None


def parse_path(path: str) -> IriParts | None:
    """Return what the IRI ``{base}<path>`` names, or None (a server reads its URL paths so)."""
    graph = parse_record_graph("", path)
    if graph is not None:
        return IriParts(graph[0], graph[1], graph=True)
    segments = path.split("/")
    found: list[str] = []
    parent = ""
    at = 0
    while at < len(segments):
        kind = segments[at]
        takes_id = LAYOUT.get(parent, {}).get(kind)
        if takes_id is None or len(found) >= 6:
            return None
        ident = ""
        if takes_id:
            if at + 1 >= len(segments) or not _SEGMENT.fullmatch(segments[at + 1]):
                return None
            ident = segments[at + 1]
        found += [kind, ident]
        parent = kind
        at += 2 if takes_id else 1
    if not found:
        return None
    found += [""] * (6 - len(found))
    return IriParts(found[0], found[1], found[2], found[3], found[4], found[5])


def iri_of(base: str, parts: IriParts) -> str:
    """Write the IRI ``parts`` names: the inverse of :func:`parse_iri`."""
    if parts.graph:
        return record_graph(base, parts.kind, parts.slug)
    iri = base[:-1]
    for kind, ident in (
        (parts.kind, parts.slug),
        (parts.sub_kind, parts.sub_id),
        (parts.leaf_kind, parts.leaf_id),
    ):
        if kind:
            iri = _under(iri, kind, ident)
    return iri


def record_of_iri(base: str, iri: str) -> tuple[str, str] | None:
    """Return (kind, slug) of the record whose build mints ``iri`` (its thing, items or graph)."""
    parts = parse_iri(base, iri)
    return parts.record if parts is not None else None


def record_graph_of(base: str, iri: str) -> str | None:
    """Return the record graph whose build mints ``iri`` (a thing, an item of it, or the graph)."""
    owner = record_of_iri(base, iri)
    return record_graph(base, *owner) if owner is not None else None


def owner_iri(base: str, iri: str) -> str | None:
    """Return the IRI of the node ``iri`` is minted under (an implementation's consortium)."""
    parts = parse_iri(base, iri)
    if parts is None or parts.graph or not parts.sub_kind:
        return None
    if parts.leaf_kind:
        return iri_of(base, IriParts(parts.kind, parts.slug, parts.sub_kind, parts.sub_id))
    return iri_of(base, IriParts(parts.kind, parts.slug))


def kind_namespaces(base: str, kinds: tuple[str, ...]) -> dict[str, str]:
    """Return ``{kind: "{base}<kind>/"}``: the namespaces a dump or a table shortens IRIs by."""
    for kind in kinds:
        if kind != "graph" and kind not in LAYOUT[""]:
            raise ValueError(f"{kind!r} is no top-level kind of the IRI layout")
    return {kind: f"{base}{kind}/" for kind in kinds}
