"""What every CORDIS mapping shares: its IRIs, its codes and how a value is checked.

Both CORDIS forms (the Horizon 2020 participation table and the Commission's bulk downloads)
describe the same things, so they mint the same IRIs: a project is ``consortium/cordis-<rcn>``
(its CORDIS record number, the key of its page ``https://cordis.europa.eu/project/rcn/<rcn>``)
and an organisation ``organisation/pic-<pic>`` (its Participant Identification Code).
"""

from __future__ import annotations

import datetime
import functools
import re
from decimal import Decimal, InvalidOperation

from consortia_kg import iris
from consortia_kg.registries.memberships import MembershipWriter
from consortia_kg.registries.quads import Claims, QuadSink, iri, literal, typed
from consortia_kg.vocab import CKG, DCTERMS, ORG, RDF, RDFS, SCHEMA, SKOS

__all__ = [
    "ACTIVITY_TYPES",
    "MISSING",
    "ROLES",
    "Org",
    "as_date",
    "as_decimal",
    "country_code",
    "project_iri",
]

#: The value R wrote for "no value" in the Horizon 2020 table (the bulk files leave it empty).
MISSING = frozenset({"", "NA"})
#: Roles of an organisation in a project, as CORDIS writes them (Horizon Europe adds two).
ROLES = ("coordinator", "participant", "partner", "associatedPartner", "thirdParty")
#: CORDIS activity types (ckg:activity-<code> in the ontology).
ACTIVITY_TYPES = ("HES", "PRC", "REC", "PUB", "OTH")
#: The Commission writes the United Kingdom and Greece by their EU codes, not ISO 3166.
_EU_CODES = {"UK": "GB", "EL": "GR"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

A = iri(RDF + "type")
LABEL = iri(RDFS + "label")
NAME = iri(SCHEMA + "name")
SOURCE = iri(DCTERMS + "source")
IDENTIFIER = iri(DCTERMS + "identifier")
SEE_ALSO = iri(RDFS + "seeAlso")
START, END = iri(SCHEMA + "startDate"), iri(SCHEMA + "endDate")
HAS_MEMBER, MEMBER_OF = iri(ORG + "hasMember"), iri(ORG + "memberOf")
MEMBERSHIP, MEMBER = iri(ORG + "Membership"), iri(ORG + "member")
ORGANIZATION, ROLE = iri(ORG + "organization"), iri(ORG + "role")
CONSORTIUM, PROJECT = iri(CKG + "Consortium"), iri(SCHEMA + "ResearchProject")
MEMBER_ORG = iri(CKG + "MemberOrganization")
FORMAL_ORG, SCHEMA_ORG = iri(ORG + "FormalOrganization"), iri(SCHEMA + "Organization")
CONCEPT, PREF_LABEL = iri(SKOS + "Concept"), iri(SKOS + "prefLabel")
NOTATION, IN_SCHEME = iri(SKOS + "notation"), iri(SKOS + "inScheme")
ALT_LABEL = iri(SKOS + "altLabel")
ROLE_SCHEME = iri(CKG + "RoleScheme")
PART_SCHEME = iri(CKG + "ProgrammePartScheme")
PROGRAMME_PART = iri(CKG + "programmePart")
FRAMEWORK = iri(CKG + "frameworkProgramme")
FUNDING_SCHEME = iri(CKG + "fundingScheme")
EC_CONTRIBUTION = iri(CKG + "ecContribution")
EC_MAX = iri(CKG + "ecMaxContribution")
TOTAL_COST = iri(CKG + "totalCost")
ACTIVITY = iri(CKG + "activityType")
ACRONYM = iri(CKG + "acronym")
LOCATION, PLACE = iri(SCHEMA + "location"), iri(SCHEMA + "Place")
COUNTRY, LOCALITY = iri(SCHEMA + "addressCountry"), iri(SCHEMA + "addressLocality")
STREET, POSTCODE = iri(SCHEMA + "streetAddress"), iri(SCHEMA + "postalCode")
URL = iri(SCHEMA + "url")
STATUS = iri(CKG + "status")
DESCRIPTION = iri(DCTERMS + "description")
TITLE = iri(DCTERMS + "title")
LATITUDE, LONGITUDE = iri(SCHEMA + "latitude"), iri(SCHEMA + "longitude")


def project_iri(base: str, rcn: str) -> str:
    """Return a CORDIS project's IRI (by record number)."""
    return iris.consortium_iri(base, f"cordis-{rcn}")


def project_page(rcn: str) -> str:
    """Return the project's page on CORDIS."""
    return f"https://cordis.europa.eu/project/rcn/{rcn}"


# a few thousand distinct dates and two hundred countries over a table of 160,000 rows: each
# value is read once (a ValueError is not kept, so every bad row is still reported)
@functools.lru_cache(maxsize=1 << 16)
def as_date(value: str) -> str | None:
    """Return an ISO date, None for a missing value; raise ValueError for anything else."""
    if value in MISSING:
        return None
    value = value[:10] if _DATE.match(value) and value[10:].strip(" T0:") == "" else value
    if not _DATE.fullmatch(value):
        raise ValueError(f"`{value}` is not a date (YYYY-MM-DD)")
    try:
        datetime.date.fromisoformat(value)
    except ValueError as exc:  # 2020-13-45
        raise ValueError(f"`{value}` is not a date ({exc})") from None
    return value


def as_decimal(value: str) -> str | None:
    """Return a canonical xsd:decimal lexical form, None for a missing value."""
    if value in MISSING:
        return None
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"`{value}` is not a number") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"`{value}` is not an amount in euro")
    text = format(number.normalize(), "f")
    return text if "." in text else text + ".0"


@functools.lru_cache(maxsize=1 << 12)
def country_code(value: str) -> str | None:
    """Return the ISO 3166 alpha-2 code for a CORDIS country code (``UK`` → ``GB``)."""
    if value in MISSING:
        return None
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise ValueError(f"`{value}` is not a two-letter country code")
    return _EU_CODES.get(value, value)


def http_url(value: str) -> str | None:
    """Return a web address as an IRI (CORDIS often leaves out ``http://``), or None."""
    value = value.strip()
    if value in MISSING or " " in value or "<" in value or '"' in value:
        return None
    if not re.match(r"https?://", value, re.IGNORECASE):
        value = "http://" + value
    try:
        return iri(value)
    except ValueError:
        return None


class Org:
    """Write one CORDIS organisation's facts, under a record's IRI when a record claims its PIC."""

    def __init__(self, base: str, claims: Claims, out: QuadSink, source: str) -> None:
        self.base, self.claims, self.out, self.source = base, claims, out, source
        self.memberships = MembershipWriter(out, base, source)
        self.activities: set[str] = set()
        # an organisation takes part in four projects on average
        self._nodes: dict[str, tuple[str, str]] = {}

    def node(self, pic: str) -> tuple[str, str]:
        """Return (IRI term, slug) of the organisation with ``pic``."""
        found = self._nodes.get(pic)
        if found is not None:
            return found
        claimed = self.claims.iris.get(f"pic:{pic}")
        if claimed is not None:
            found = iri(claimed), claimed.rsplit("/", 1)[1]
        else:
            slug = f"pic-{pic}"
            found = iri(iris.organisation_iri(self.base, slug)), slug
        self._nodes[pic] = found
        return found

    def states(self, node: str, predicate: str) -> bool:
        """Return True when a record about ``node`` states ``predicate`` itself (it wins)."""
        said = self.claims.predicates.get(node[1:-1])
        return said is not None and predicate[1:-1] in said

    def describe(
        self,
        pic: str,
        *,
        name: str | None,
        short_name: str | None,
        activity: str | None,
        country: str | None,
        city: str | None = None,
        street: str | None = None,
        postcode: str | None = None,
        url: str | None = None,
    ) -> str:
        """Write what is known of the organisation; return its IRI term."""
        o, _ = self.node(pic)
        add, out = self.out.add, self.out
        add(o, A, FORMAL_ORG)
        add(o, A, SCHEMA_ORG)
        add(o, IDENTIFIER, literal(f"pic:{pic}"))
        add(o, SOURCE, self.source)
        if name and not self.states(o, LABEL):
            add(o, LABEL, literal(name))
            add(o, NAME, literal(name))
        if short_name and short_name != name and not self.states(o, ALT_LABEL):
            add(o, ALT_LABEL, literal(short_name))
        if url and not self.states(o, URL):
            add(o, URL, url)
        if activity in ACTIVITY_TYPES and not self.states(o, ACTIVITY):
            add(o, ACTIVITY, iri(f"{CKG}activity-{activity}"))
        if country and not self.states(o, LOCATION):
            place = iri(iris.location_iri(o[1:-1], 1))
            add(o, LOCATION, place)
            add(place, A, PLACE)
            add(place, COUNTRY, literal(country))
            out.text(place, LOCALITY, city)
            out.text(place, STREET, street)
            out.text(place, POSTCODE, postcode)
        return o

    def membership(
        self,
        project: str,
        pic: str,
        role: str,
        *,
        contribution: str | None,
        start: str | None,
        end: str | None,
    ) -> None:
        """Write that organisation ``pic`` took part in ``project`` (an IRI term) in ``role``."""
        o, slug = self.node(pic)
        m = self.memberships.write(project, o, slug, role)
        add = self.out.add
        if contribution is not None:
            add(m, EC_CONTRIBUTION, typed(contribution, "decimal"))
        if start is not None:
            add(m, START, typed(start, "date"))
        if end is not None:
            add(m, END, typed(end, "date"))


def programme_part(base: str, out: QuadSink, project: str, code: str, seen: set[str]) -> None:
    """Say that ``project`` is funded under a programme part (a concept, minted once)."""
    part = iri(iris.programme_part_iri(base, code))
    out.add(project, PROGRAMME_PART, part)
    if code not in seen:
        seen.add(code)
        out.add(part, A, CONCEPT)
        out.add(part, PREF_LABEL, literal(code))
        out.add(part, NOTATION, literal(code))
        out.add(part, IN_SCHEME, PART_SCHEME)
