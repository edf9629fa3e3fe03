"""The record format: which keys each record and item may have, and how each value is parsed.

These tables are the one description of the format: the parse follows them, docs/records.md is
checked against them (tests/test_docs.py), and each :class:`Schema` names the typed class of
:mod:`consortia_kg.records.model` its mappings become (tests/test_record_types.py checks that
both name the same keys, with the same cardinality and value types).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from consortia_kg.records import fieldtypes as t
from consortia_kg.records import model as m

__all__ = [
    "COMMITTEE_KINDS",
    "CONSORTIUM",
    "CONTACT_KINDS",
    "FUNDING_KINDS",
    "IDENTIFIER_SCHEMES",
    "IMPLEMENTATION",
    "INITIATOR_TYPES",
    "KINDS",
    "LEGAL_STATUSES",
    "NAME_TYPES",
    "ORGANISATION",
    "ORG_STATUS_TERMS",
    "ORG_TYPES",
    "RELATIONSHIP_TYPES",
    "RELEASE_STATUSES",
    "SCHEMAS",
    "SCOPES",
    "SOURCE",
    "SOURCE_KINDS",
    "STANDARD",
    "STANDARD_CATEGORIES",
    "STATUS_TERMS",
    "Field",
    "Schema",
]


@dataclass(frozen=True)
class Field:
    """One key of a record or of an item inside it."""

    name: str
    type: t.FieldType | None = None
    required: bool = False
    many: bool = False
    terms: tuple[str, ...] = ()
    schema: Schema | None = None
    ref: str = ""
    none_or_list: bool = False
    doc: str = ""

    @property
    def type_name(self) -> str:
        """Return the type as docs/records.md names it."""
        if self.schema is not None:
            return "mapping"
        if self.terms:
            return "term"
        if self.ref:
            return "slug"
        return self.type.name if self.type else "text"


@dataclass(frozen=True)
class Schema:
    """The keys a mapping may have."""

    name: str
    #: the class a mapping of this schema is parsed into
    cls: type[m.Item]
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field | None:
        """Return the field called ``name``, if any."""
        return self._by_name.get(name)

    @cached_property
    def _by_name(self) -> dict[str, Field]:
        # the parse looks up every key it reads: a dict, not a scan of the tuple
        return {f.name: f for f in self.fields}


_SOURCE_REF = Field("source", ref="source", doc="the source of this item")


def _f(name: str, type_: t.FieldType = t.TEXT, **kw: Any) -> Field:
    return Field(name, type_, **kw)


STATUS_TERMS = ("active", "completed", "inactive")
ORG_STATUS_TERMS = ("active", "inactive", "withdrawn")
ORG_TYPES = (
    "education", "funder", "government", "facility", "company",
    "healthcare", "nonprofit", "archive", "other",
)  # fmt: skip
INITIATOR_TYPES = (
    "nonprofit-foundation", "third-party-organization", "government", "industry",
    "academic", "patient-advocacy", "multiple", "other",
)  # fmt: skip
SCOPES = ("international", "national", "regional", "local")
LEGAL_STATUSES = ("nonprofit", "for-profit", "government", "unincorporated")
FUNDING_KINDS = (
    "philanthropic-support", "research-agency-grants", "government-agency-grants",
    "membership-fees", "industry-support", "other-funding",
)  # fmt: skip
COMMITTEE_KINDS = ("plenary", "advisory", "executive", "other")
SOURCE_KINDS = ("web-page", "database-dump", "registry-release", "publication", "other")
RELATIONSHIP_TYPES = ("parent", "child", "related", "successor", "predecessor")
# pic (CORDIS's Participant Identification Code) and gepris (a DFG GEPRIS institution number)
# name an organisation of a registry snapshot: the record then speaks for it (docs/records.md)
IDENTIFIER_SCHEMES = ("grid", "isni", "fundref", "wikidata", "ga4gh-registry", "pic", "gepris")
NAME_TYPES = ("ror_display", "label", "alias", "acronym")
STANDARD_CATEGORIES = ("file-format", "api", "schema", "policy")
RELEASE_STATUSES = ("proposed", "approved", "legacy")
CONTACT_KINDS = ("phone", "email", "fax", "web")

IMPLEMENTATION = Schema(
    "implementation",
    m.Implementation,
    (
        _f("id", t.SLUG, required=True),
        _f("name", required=True),
        _f("description"),
        Field("consortium", ref="consortium"),
        _f("standard", required=True),
        _f("standard_version"),
        Field("category", terms=("implementation", "deployment"), required=True),
        _f("url", t.IRI),
        _f("documentation", t.IRI),
        _f("software_version"),
        _f("environment"),
        _f("curie_prefix"),
        _f("created", t.DATE),
        _f("updated", t.DATE),
        _SOURCE_REF,
    ),
)

STANDARD = Schema(
    "standard",
    m.Standard,
    (
        _f("id", t.SLUG, required=True),
        _f("name", required=True),
        _f("acronym"),
        Field("category", terms=STANDARD_CATEGORIES),
        Field("status", terms=RELEASE_STATUSES),
        _f("summary"),
        _f("description"),
        _f("documentation", t.IRI),
        _f("artifact"),
        _f("working_group", t.SLUG),
        Field(
            "versions",
            many=True,
            schema=Schema(
                "standard version",
                m.StandardVersion,
                (
                    _f("id", t.SLUG, required=True),
                    _f("version", required=True),
                    Field("status", terms=RELEASE_STATUSES),
                    _f("documentation", t.IRI),
                ),
            ),
        ),
        _SOURCE_REF,
    ),
)

SOURCE = Schema(
    "source",
    m.Source,
    (
        _f("id", t.SLUG, required=True),
        _f("title", required=True),
        Field("kind", terms=SOURCE_KINDS, required=True),
        _f("publisher"),
        _f("url", t.IRI),
        _f("date", t.DATE),
        _f("licence", t.IRI),
        _f("copy"),
        _f("sha256", t.SHA256),
        _f("description"),
    ),
)

ORGANISATION = Schema(
    "organisation",
    m.Organisation,
    (
        _f("id", t.SLUG, required=True),
        _f("name", required=True),
        _f("acronym"),
        _f("aliases", many=True),
        Field(
            "labels",
            many=True,
            schema=Schema(
                "label",
                m.Label,
                (
                    _f("value", required=True),
                    _f("lang", t.LANG),
                    Field("types", many=True, terms=NAME_TYPES),
                ),
            ),
        ),
        Field("types", many=True, terms=ORG_TYPES),
        Field("status", terms=ORG_STATUS_TERMS),
        _f("established", t.YEAR),
        _f("homepage", t.IRI),
        _f("links", t.IRI, many=True),
        _f("domains", many=True),
        _f("ror", t.ROR),
        _f("wikidata", t.WIKIDATA),
        Field(
            "identifiers",
            many=True,
            schema=Schema(
                "identifier",
                m.Identifier,
                (
                    Field("scheme", terms=IDENTIFIER_SCHEMES, required=True),
                    _f("value", required=True),
                ),
            ),
        ),
        Field(
            "locations",
            many=True,
            schema=Schema(
                "location",
                m.Location,
                (
                    _f("city"),
                    _f("region"),
                    _f("country"),
                    _f("country_code", t.COUNTRY_CODE),
                    _f("geonames_id", t.COUNT),
                ),
            ),
        ),
        Field(
            "relationships",
            many=True,
            schema=Schema(
                "relationship",
                m.Relationship,
                (
                    Field("type", terms=RELATIONSHIP_TYPES, required=True),
                    Field("organisation", ref="organisation"),
                    _f("ror", t.ROR),
                    _f("label"),
                ),
            ),
        ),
        Field("implementations", many=True, schema=IMPLEMENTATION),
        Field("sources", many=True, ref="source", required=True),
        _f("notes", many=True),
    ),
)

_UNIT_FIELDS = (
    _f("name", required=True),
    _f("acronym"),
    _f("description"),
    _f("member_count", t.COUNT),
    _SOURCE_REF,
)

CONSORTIUM = Schema(
    "consortium",
    m.Consortium,
    (
        _f("id", t.SLUG, required=True),
        _f("name", required=True),
        _f("acronym"),
        _f("aliases", many=True),
        Field("status", terms=STATUS_TERMS, required=True),
        _f("year_launched", t.YEAR),
        _f("year_ended", t.YEAR),
        Field("initiator_type", terms=INITIATOR_TYPES),
        Field("initiating_organisation", ref="organisation"),
        Field(
            "participating_organisations",
            schema=Schema(
                "participant count",
                m.ParticipantCount,
                (_f("count", t.COUNT, required=True), _f("as_of", t.DATE), _SOURCE_REF),
            ),
        ),
        _f("disease_focus", none_or_list=True, many=True),
        Field("scope", terms=SCOPES),
        _f("location"),
        _f("homepage", t.IRI),
        _f("ror", t.ROR),
        _f("wikidata", t.WIKIDATA),
        _f("description"),
        _f("mission"),
        Field(
            "activities",
            many=True,
            schema=Schema("activity", m.Activity, (_f("name", required=True), _f("description"))),
        ),
        _f("history"),
        Field(
            "events",
            many=True,
            schema=Schema(
                "event",
                m.Event,
                (_f("date", t.DATE, required=True), _f("description", required=True), _SOURCE_REF),
            ),
        ),
        _f("governance"),
        Field("legal_status", terms=LEGAL_STATUSES),
        Field("funding", many=True, terms=FUNDING_KINDS),
        _f("patient_engagement"),
        _f("data_sharing"),
        Field(
            "steering_committee",
            schema=Schema(
                "steering committee",
                m.SteeringCommittee,
                (
                    _f("name", required=True),
                    _f("description"),
                    _f("selection"),
                    _f("member_count", t.COUNT),
                    _SOURCE_REF,
                ),
            ),
        ),
        Field(
            "working_groups",
            many=True,
            schema=Schema(
                "working group",
                m.WorkingGroup,
                (
                    _f("id", t.SLUG, required=True),
                    *_UNIT_FIELDS,
                    _f("registry_id"),
                    Field("lead", ref="organisation", doc="the organisation that leads it"),
                    Field(
                        "members",
                        many=True,
                        ref="organisation",
                        doc="the organisations that take part in it",
                    ),
                ),
            ),
        ),
        Field(
            "committees",
            many=True,
            schema=Schema(
                "committee",
                m.Committee,
                (
                    _f("id", t.SLUG, required=True),
                    *_UNIT_FIELDS,
                    Field("kind", terms=COMMITTEE_KINDS, required=True),
                ),
            ),
        ),
        Field(
            "posts",
            many=True,
            schema=Schema(
                "post",
                m.Post,
                (
                    _f("id", t.SLUG, required=True),
                    _f("title", required=True),
                    _f("unit", t.SLUG),
                    _f("appointed_by", t.SLUG),
                    _f("description"),
                    Field(
                        "holder",
                        schema=Schema(
                            "holder",
                            m.Holder,
                            (
                                _f("name", required=True),
                                _f("public", t.YES_NO),
                                # an organisation holds the post: built as that organisation,
                                # never as a foaf:Person
                                Field("organisation", ref="organisation"),
                            ),
                        ),
                    ),
                    _SOURCE_REF,
                ),
            ),
        ),
        Field(
            "host_institutions",
            many=True,
            schema=Schema(
                "host institution",
                m.HostInstitution,
                (
                    Field("organisation", ref="organisation", required=True),
                    _f("description"),
                    _SOURCE_REF,
                ),
            ),
        ),
        Field(
            "members",
            many=True,
            schema=Schema(
                "membership",
                m.Member,
                (
                    Field("organisation", ref="organisation", required=True),
                    _f("role"),
                    _f("start", t.DATE),
                    _f("end", t.DATE),
                    _SOURCE_REF,
                ),
            ),
        ),
        Field(
            "contacts",
            many=True,
            schema=Schema(
                "contact",
                m.Contact,
                (
                    Field("kind", terms=CONTACT_KINDS, required=True),
                    _f("value", required=True),
                    _f("label"),
                    _f("person", t.YES_NO),
                    _f("public", t.YES_NO),
                    _SOURCE_REF,
                ),
            ),
        ),
        Field(
            "address",
            schema=Schema(
                "address",
                m.Address,
                (
                    _f("name"),
                    _f("street", many=True),
                    _f("locality"),
                    _f("region"),
                    _f("postal_code"),
                    _f("country"),
                    _SOURCE_REF,
                ),
            ),
        ),
        Field("standards", many=True, schema=STANDARD),
        Field("implementations", many=True, schema=IMPLEMENTATION),
        _f("last_updated", t.DATE),
        Field("sources", many=True, ref="source", required=True),
        _f("notes", many=True),
    ),
)

#: Record kinds: folder under data/, schema. The order is the build order.
KINDS: dict[str, tuple[str, Schema]] = {
    "source": ("sources", SOURCE),
    "organisation": ("organisations", ORGANISATION),
    "consortium": ("consortia", CONSORTIUM),
}
#: kind → schema
SCHEMAS = {kind: schema for kind, (_, schema) in KINDS.items()}
