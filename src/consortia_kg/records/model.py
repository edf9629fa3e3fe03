"""The record types: one frozen class per record kind and per item inside a record.

Every value is a :class:`Located`: the parsed value with the line and key path
(``members[3].organisation``) it was written at, so any later finding can be told to the curator
in record words. A scalar field is ``Located[...] | None`` (absent, or not parseable: the parse
reported why), a list field a tuple (empty when absent), a nested mapping its own class.

The field tables of :mod:`consortia_kg.records.schema` say how each key is parsed and documented;
these classes say what the parse gives, for the type checker. ``tests/test_record_types.py``
checks that the two name the same keys with the same cardinality and value types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from consortia_kg.records.fieldtypes import DateValue

__all__ = [
    "Activity",
    "Address",
    "Committee",
    "Consortium",
    "Contact",
    "Event",
    "Holder",
    "HostInstitution",
    "Identifier",
    "Implementation",
    "Item",
    "Label",
    "Located",
    "Location",
    "Member",
    "Organisation",
    "ParticipantCount",
    "Post",
    "Record",
    "RecordItem",
    "Relationship",
    "Source",
    "Standard",
    "StandardVersion",
    "SteeringCommittee",
    "WorkingGroup",
]

V = TypeVar("V", covariant=True)


@dataclass(frozen=True, slots=True)
class Located(Generic[V]):
    """A parsed value with where it was written."""

    value: V
    line: int
    key: str


#: the value types a field can have, by the name the classes use
Text = Located[str] | None
Date = Located[DateValue] | None
Int = Located[int] | None
YesNo = Located[bool] | None
Texts = tuple[Located[str], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """A parsed mapping (a record, or an item of one of its lists) and where it was written."""

    line: int
    key: str


# --- items inside records ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StandardVersion(Item):
    """A version of a standard."""

    id: Text = None
    version: Text = None
    status: Text = None
    documentation: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Standard(Item):
    """A standard a consortium publishes."""

    id: Text = None
    name: Text = None
    acronym: Text = None
    category: Text = None
    status: Text = None
    summary: Text = None
    description: Text = None
    documentation: Text = None
    artifact: Text = None
    working_group: Text = None
    versions: tuple[StandardVersion, ...] = ()
    source: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Implementation(Item):
    """An implementation or deployment of a standard, run by an organisation or consortium."""

    id: Text = None
    name: Text = None
    description: Text = None
    consortium: Text = None
    standard: Text = None
    standard_version: Text = None
    category: Text = None
    url: Text = None
    documentation: Text = None
    software_version: Text = None
    environment: Text = None
    curie_prefix: Text = None
    created: Date = None
    updated: Date = None
    source: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Label(Item):
    """A name of an organisation, with its language and kinds."""

    value: Text = None
    lang: Text = None
    types: Texts = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Identifier(Item):
    """An identifier of an organisation in another scheme."""

    scheme: Text = None
    value: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Location(Item):
    """Where an organisation is."""

    city: Text = None
    region: Text = None
    country: Text = None
    country_code: Text = None
    geonames_id: Int = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Relationship(Item):
    """A link from an organisation to another (a record, or a ROR id)."""

    type: Text = None
    organisation: Text = None
    ror: Text = None
    label: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantCount(Item):
    """How many organisations take part in a consortium, as of a date."""

    count: Int = None
    as_of: Date = None
    source: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Activity(Item):
    """One of a consortium's mission activities."""

    name: Text = None
    description: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Event(Item):
    """A dated event of a consortium's history."""

    date: Date = None
    description: Text = None
    source: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SteeringCommittee(Item):
    """A consortium's steering committee."""

    name: Text = None
    description: Text = None
    selection: Text = None
    member_count: Int = None
    source: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkingGroup(Item):
    """A working group of a consortium."""

    id: Text = None
    name: Text = None
    acronym: Text = None
    description: Text = None
    member_count: Int = None
    source: Text = None
    registry_id: Text = None
    lead: Text = None
    members: Texts = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Committee(Item):
    """A committee of a consortium."""

    id: Text = None
    name: Text = None
    acronym: Text = None
    description: Text = None
    member_count: Int = None
    source: Text = None
    kind: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Holder(Item):
    """Who holds a post: a person (published only when ``public``) or an organisation record."""

    name: Text = None
    public: YesNo = None
    organisation: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Post(Item):
    """A post in a consortium, in one of its units."""

    id: Text = None
    title: Text = None
    unit: Text = None
    appointed_by: Text = None
    description: Text = None
    holder: Holder | None = None
    source: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HostInstitution(Item):
    """An organisation that hosts a consortium."""

    organisation: Text = None
    description: Text = None
    source: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Member(Item):
    """An organisation's membership of a consortium."""

    organisation: Text = None
    role: Text = None
    start: Date = None
    end: Date = None
    source: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact(Item):
    """A way to reach a consortium (a person's only when marked public)."""

    kind: Text = None
    value: Text = None
    label: Text = None
    person: YesNo = None
    public: YesNo = None
    source: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Address(Item):
    """A consortium's postal address."""

    name: Text = None
    street: Texts = ()
    locality: Text = None
    region: Text = None
    postal_code: Text = None
    country: Text = None
    source: Text = None


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Source(Item):
    """A source document records cite (data/sources/)."""

    id: Text = None
    title: Text = None
    kind: Text = None
    publisher: Text = None
    url: Text = None
    date: Date = None
    licence: Text = None
    copy: Text = None
    sha256: Text = None
    description: Text = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Organisation(Item):
    """An organisation (data/organisations/)."""

    id: Text = None
    name: Text = None
    acronym: Text = None
    aliases: Texts = ()
    labels: tuple[Label, ...] = ()
    types: Texts = ()
    status: Text = None
    established: Int = None
    homepage: Text = None
    links: Texts = ()
    domains: Texts = ()
    ror: Text = None
    wikidata: Text = None
    identifiers: tuple[Identifier, ...] = ()
    locations: tuple[Location, ...] = ()
    relationships: tuple[Relationship, ...] = ()
    implementations: tuple[Implementation, ...] = ()
    sources: Texts = ()
    notes: Texts = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Consortium(Item):
    """A research consortium (data/consortia/)."""

    id: Text = None
    name: Text = None
    acronym: Text = None
    aliases: Texts = ()
    status: Text = None
    year_launched: Int = None
    year_ended: Int = None
    initiator_type: Text = None
    initiating_organisation: Text = None
    participating_organisations: ParticipantCount | None = None
    #: the word ``none`` (stated: no disease focus), or the diseases
    disease_focus: Located[str] | Texts = ()
    scope: Text = None
    location: Text = None
    homepage: Text = None
    ror: Text = None
    wikidata: Text = None
    description: Text = None
    mission: Text = None
    activities: tuple[Activity, ...] = ()
    history: Text = None
    events: tuple[Event, ...] = ()
    governance: Text = None
    legal_status: Text = None
    funding: Texts = ()
    patient_engagement: Text = None
    data_sharing: Text = None
    steering_committee: SteeringCommittee | None = None
    working_groups: tuple[WorkingGroup, ...] = ()
    committees: tuple[Committee, ...] = ()
    posts: tuple[Post, ...] = ()
    host_institutions: tuple[HostInstitution, ...] = ()
    members: tuple[Member, ...] = ()
    contacts: tuple[Contact, ...] = ()
    address: Address | None = None
    standards: tuple[Standard, ...] = ()
    implementations: tuple[Implementation, ...] = ()
    last_updated: Date = None
    sources: Texts = ()
    notes: Texts = ()


#: what a record file parses into
RecordItem = Source | Organisation | Consortium


@dataclass
class Record:
    """One file under data/: its kind, slug, parsed content and content hash."""

    kind: str
    slug: str
    file: str
    source_path: str
    item: RecordItem
    sha256: str
