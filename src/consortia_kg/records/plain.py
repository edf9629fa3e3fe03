"""Records as plain data: what importers produce and the record writer writes.

One TypedDict per record kind and item, keyed as the record format is
(:mod:`consortia_kg.records.schema`). Every scalar is text as a curator writes it (``"2013"``,
``"true"``); ``None`` means "not given" and is left out when the record is written.
``tests/test_record_types.py`` checks that the keys and their cardinality match the schema.
"""

from __future__ import annotations

from typing import TypedDict

__all__ = [
    "ActivityFields",
    "AddressFields",
    "CommitteeFields",
    "ConsortiumFields",
    "ContactFields",
    "EventFields",
    "HolderFields",
    "HostInstitutionFields",
    "IdentifierFields",
    "ImplementationFields",
    "LabelFields",
    "LocationFields",
    "MemberFields",
    "OrganisationFields",
    "ParticipantCountFields",
    "PostFields",
    "RelationshipFields",
    "SourceFields",
    "StandardFields",
    "StandardVersionFields",
    "SteeringCommitteeFields",
    "WorkingGroupFields",
]


class SourceFields(TypedDict, total=False):
    """A source as plain data."""

    id: str | None
    title: str | None
    kind: str | None
    publisher: str | None
    url: str | None
    date: str | None
    licence: str | None
    copy: str | None
    sha256: str | None
    description: str | None


class LabelFields(TypedDict, total=False):
    """A label as plain data."""

    value: str | None
    lang: str | None
    types: list[str]


class IdentifierFields(TypedDict, total=False):
    """A identifier as plain data."""

    scheme: str | None
    value: str | None


class LocationFields(TypedDict, total=False):
    """A location as plain data."""

    city: str | None
    region: str | None
    country: str | None
    country_code: str | None
    geonames_id: str | None


class RelationshipFields(TypedDict, total=False):
    """A relationship as plain data."""

    type: str | None
    organisation: str | None
    ror: str | None
    label: str | None


class ImplementationFields(TypedDict, total=False):
    """A implementation as plain data."""

    id: str | None
    name: str | None
    description: str | None
    consortium: str | None
    standard: str | None
    standard_version: str | None
    category: str | None
    url: str | None
    documentation: str | None
    software_version: str | None
    environment: str | None
    curie_prefix: str | None
    created: str | None
    updated: str | None
    source: str | None


class OrganisationFields(TypedDict, total=False):
    """A organisation as plain data."""

    id: str | None
    name: str | None
    acronym: str | None
    aliases: list[str]
    labels: list[LabelFields]
    types: list[str]
    status: str | None
    established: str | None
    homepage: str | None
    links: list[str]
    domains: list[str]
    ror: str | None
    wikidata: str | None
    identifiers: list[IdentifierFields]
    locations: list[LocationFields]
    relationships: list[RelationshipFields]
    implementations: list[ImplementationFields]
    sources: list[str]
    notes: list[str]


class ParticipantCountFields(TypedDict, total=False):
    """A participant count as plain data."""

    count: str | None
    as_of: str | None
    source: str | None


class ActivityFields(TypedDict, total=False):
    """A activity as plain data."""

    name: str | None
    description: str | None


class EventFields(TypedDict, total=False):
    """A event as plain data."""

    date: str | None
    description: str | None
    source: str | None


class SteeringCommitteeFields(TypedDict, total=False):
    """A steering committee as plain data."""

    name: str | None
    description: str | None
    selection: str | None
    member_count: str | None
    source: str | None


class WorkingGroupFields(TypedDict, total=False):
    """A working group as plain data."""

    id: str | None
    name: str | None
    acronym: str | None
    description: str | None
    member_count: str | None
    source: str | None
    registry_id: str | None
    lead: str | None
    members: list[str]


class CommitteeFields(TypedDict, total=False):
    """A committee as plain data."""

    id: str | None
    name: str | None
    acronym: str | None
    description: str | None
    member_count: str | None
    source: str | None
    kind: str | None


class HolderFields(TypedDict, total=False):
    """A holder as plain data."""

    name: str | None
    public: str | None
    organisation: str | None


class PostFields(TypedDict, total=False):
    """A post as plain data."""

    id: str | None
    title: str | None
    unit: str | None
    appointed_by: str | None
    description: str | None
    holder: HolderFields | None
    source: str | None


class HostInstitutionFields(TypedDict, total=False):
    """A host institution as plain data."""

    organisation: str | None
    description: str | None
    source: str | None


class MemberFields(TypedDict, total=False):
    """A membership as plain data."""

    organisation: str | None
    role: str | None
    start: str | None
    end: str | None
    source: str | None


class ContactFields(TypedDict, total=False):
    """A contact as plain data."""

    kind: str | None
    value: str | None
    label: str | None
    person: str | None
    public: str | None
    source: str | None


class AddressFields(TypedDict, total=False):
    """A address as plain data."""

    name: str | None
    street: list[str]
    locality: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    source: str | None


class StandardVersionFields(TypedDict, total=False):
    """A standard version as plain data."""

    id: str | None
    version: str | None
    status: str | None
    documentation: str | None


class StandardFields(TypedDict, total=False):
    """A standard as plain data."""

    id: str | None
    name: str | None
    acronym: str | None
    category: str | None
    status: str | None
    summary: str | None
    description: str | None
    documentation: str | None
    artifact: str | None
    working_group: str | None
    versions: list[StandardVersionFields]
    source: str | None


class ConsortiumFields(TypedDict, total=False):
    """A consortium as plain data."""

    id: str | None
    name: str | None
    acronym: str | None
    aliases: list[str]
    status: str | None
    year_launched: str | None
    year_ended: str | None
    initiator_type: str | None
    initiating_organisation: str | None
    participating_organisations: ParticipantCountFields | None
    disease_focus: str | list[str] | None
    scope: str | None
    location: str | None
    homepage: str | None
    ror: str | None
    wikidata: str | None
    description: str | None
    mission: str | None
    activities: list[ActivityFields]
    history: str | None
    events: list[EventFields]
    governance: str | None
    legal_status: str | None
    funding: list[str]
    patient_engagement: str | None
    data_sharing: str | None
    steering_committee: SteeringCommitteeFields | None
    working_groups: list[WorkingGroupFields]
    committees: list[CommitteeFields]
    posts: list[PostFields]
    host_institutions: list[HostInstitutionFields]
    members: list[MemberFields]
    contacts: list[ContactFields]
    address: AddressFields | None
    standards: list[StandardFields]
    implementations: list[ImplementationFields]
    last_updated: str | None
    sources: list[str]
    notes: list[str]
