"""A consortium record → RDF: its facts, standards, disease focus, governance, members, contacts."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from consortia_kg import iris
from consortia_kg.build.emit import (
    RDF_TYPE,
    XSD_INTEGER,
    Emitter,
    ckg,
    emit_implementations,
    emit_item_source,
    emit_labels,
    first_of_each,
    iri_node,
    value_of,
    year_literal,
)
from consortia_kg.errors import Problem
from consortia_kg.records.model import (
    Committee,
    Consortium,
    Located,
    Record,
    SteeringCommittee,
    WorkingGroup,
)
from consortia_kg.vocab import (
    CKG,
    DCTERMS,
    FOAF,
    ORG,
    RDFS,
    SCHEMA,
    SKOS,
)

__all__ = ["build_consortium"]


def build_consortium(emit: Emitter, record: Record, item: Consortium, base: str) -> None:
    """Add a consortium record's quads through ``emit``."""
    c = NamedNode(iris.consortium_iri(base, record.slug))
    emit.node(c, item, ckg("Consortium"))
    emit_labels(emit, c, item)
    emit.term(c, ckg("status"), item.status, "status")
    launched = item.year_launched
    if launched is not None:
        emit.add(c, NamedNode(SCHEMA + "foundingDate"), year_literal(launched.value), launched)
    ended = item.year_ended
    if ended is not None:
        emit.add(c, ckg("yearEnded"), year_literal(ended.value), ended)
    emit.term(c, ckg("initiatorType"), item.initiator_type, "initiator")
    founder = item.initiating_organisation
    if founder is not None:
        target = NamedNode(iris.organisation_iri(base, founder.value))
        emit.add(c, NamedNode(SCHEMA + "founder"), target, founder)
    participants = item.participating_organisations
    if participants is not None:
        node = NamedNode(iris.participant_count_iri(c.value))
        emit.add(c, ckg("participantCount"), node, participants)
        emit.node(node, participants, NamedNode(SCHEMA + "QuantitativeValue"))
        emit.count(node, NamedNode(SCHEMA + "value"), participants.count)
        emit.date(node, NamedNode(DCTERMS + "date"), participants.as_of)
        emit_item_source(emit, node, participants.source, base)
    _disease_focus(emit, c, item, base)
    emit.term(c, ckg("geographicScope"), item.scope, "scope")
    emit.text(c, NamedNode(SCHEMA + "location"), item.location)
    emit.text(c, NamedNode(DCTERMS + "description"), item.description)
    emit.text(c, NamedNode(ORG + "purpose"), item.mission)
    for index, activity in enumerate(item.activities, start=1):
        node = NamedNode(iris.activity_iri(c.value, index))
        emit.add(c, ckg("activity"), node, activity)
        emit.node(node, activity, ckg("MissionActivity"))
        emit.text(node, NamedNode(RDFS + "label"), activity.name)
        emit.text(node, NamedNode(DCTERMS + "description"), activity.description)
        emit.add(node, NamedNode(SCHEMA + "position"), Literal(str(index), datatype=XSD_INTEGER))
    emit.text(c, ckg("history"), item.history)
    for index, event in enumerate(item.events, start=1):
        node = NamedNode(iris.event_iri(c.value, index))
        emit.add(c, ckg("event"), node, event)
        emit.node(node, event, ckg("HistoryEvent"))
        emit.date(node, NamedNode(DCTERMS + "date"), event.date)
        emit.text(node, NamedNode(DCTERMS + "description"), event.description)
        emit_item_source(emit, node, event.source, base)
    emit.text(c, ckg("governance"), item.governance)
    emit.term(c, ckg("legalStatus"), item.legal_status, "legal")
    for kind in item.funding:
        emit.add(c, ckg("fundingKind"), ckg(f"funding-{kind.value}"), kind)
    emit.text(c, ckg("patientEngagement"), item.patient_engagement)
    emit.text(c, ckg("dataSharing"), item.data_sharing)
    units = _governance_units(emit, c, item, base)
    _posts(emit, c, item, units, base)
    for host in item.host_institutions:
        org_slug = host.organisation
        if org_slug is None:
            continue
        target = NamedNode(iris.organisation_iri(base, org_slug.value))
        emit.add(c, ckg("hostInstitution"), target, org_slug)
        emit.add(target, RDF_TYPE, ckg("HostInstitution"), org_slug)
    _members(emit, c, item, base)
    _contacts(emit, c, item, base)
    _standards(emit, c, item, units, base)
    emit_implementations(emit, c, item, base, default_consortium=c.value)
    last = item.last_updated
    emit.date(c, ckg("lastUpdated"), last)


def _standards(
    emit: Emitter, c: NamedNode, item: Consortium, units: dict[str, NamedNode], base: str
) -> None:
    """A consortium's standards, each developed by one of its working groups, with versions."""
    for standard in first_of_each(item.standards, lambda it: it.id):
        slug = value_of(standard.id)
        if slug is None:
            continue
        node = NamedNode(iris.standard_iri(c.value, slug))
        emit.add(c, ckg("publishesStandard"), node, standard)
        emit.node(node, standard, ckg("Standard"))
        emit.add(node, ckg("standardOf"), c, standard)
        emit.text(node, NamedNode(RDFS + "label"), standard.name)
        emit.text(node, ckg("acronym"), standard.acronym)
        emit.term(node, ckg("standardCategory"), standard.category, "category")
        emit.term(node, ckg("releaseStatus"), standard.status, "release")
        emit.text(node, NamedNode(DCTERMS + "abstract"), standard.summary)
        emit.text(node, NamedNode(DCTERMS + "description"), standard.description)
        emit.iri(node, NamedNode(SCHEMA + "documentation"), standard.documentation)
        emit.text(node, ckg("artifact"), standard.artifact)
        group = standard.working_group
        if group is not None:
            if group.value in units:
                emit.add(node, ckg("developedBy"), units[group.value], group)
            else:
                emit.out.problems.append(
                    Problem(
                        emit.record.file, group.line, group.key,
                        f'"{group.value}" is not a working group of this consortium',
                        why="a standard is developed by a working group listed in the same record",
                        fix="use the id of one of its working_groups", shape="record format",
                    )
                )  # fmt: skip
        for version in first_of_each(standard.versions, lambda it: it.id):
            vslug = value_of(version.id)
            if vslug is None:
                continue
            vnode = NamedNode(iris.standard_version_iri(node.value, vslug))
            emit.add(node, ckg("hasVersion"), vnode, version)
            emit.node(vnode, version, ckg("StandardVersion"))
            emit.add(vnode, ckg("versionOf"), node, version)
            emit.text(vnode, NamedNode(SCHEMA + "version"), version.version)
            emit.term(vnode, ckg("releaseStatus"), version.status, "release")
            emit.iri(vnode, NamedNode(SCHEMA + "documentation"), version.documentation)
        emit_item_source(emit, node, standard.source, base)


def _disease_focus(emit: Emitter, c: NamedNode, item: Consortium, base: str) -> None:
    focus = item.disease_focus
    if isinstance(focus, Located):  # the word `none`
        emit.add(c, ckg("diseaseFocus"), ckg("NoDiseaseFocus"), focus)
        return
    for disease in focus:
        node = NamedNode(iris.disease_iri(base, disease.value))
        emit.add(c, ckg("diseaseFocus"), node, disease)
        if not emit.once(node.value):
            continue
        emit.add(node, RDF_TYPE, NamedNode(SKOS + "Concept"), disease)
        emit.add(node, NamedNode(SKOS + "prefLabel"), Literal(disease.value), disease)
        emit.add(node, NamedNode(SKOS + "inScheme"), ckg("DiseaseFocusScheme"), disease)


def _governance_units(
    emit: Emitter, c: NamedNode, item: Consortium, base: str
) -> dict[str, NamedNode]:
    """Emit the steering committee, working groups and committees; return them by id."""
    units: dict[str, NamedNode] = {}
    unit_of, has_unit = NamedNode(ORG + "unitOf"), NamedNode(ORG + "hasUnit")

    def unit(
        node: NamedNode, it: SteeringCommittee | WorkingGroup | Committee, rdf_type: NamedNode
    ) -> None:
        emit.add(c, has_unit, node, it)
        emit.node(node, it, rdf_type, NamedNode(ORG + "OrganizationalUnit"))
        emit.add(node, unit_of, c, it)
        emit.text(node, NamedNode(RDFS + "label"), it.name)
        if not isinstance(it, SteeringCommittee):  # a steering committee has no acronym
            emit.text(node, ckg("acronym"), it.acronym)
        emit.text(node, NamedNode(DCTERMS + "description"), it.description)
        emit.count(node, ckg("memberCount"), it.member_count)
        emit_item_source(emit, node, it.source, base)

    steering = item.steering_committee
    if steering is not None:
        node = NamedNode(iris.steering_committee_iri(c.value))
        unit(node, steering, ckg("SteeringCommittee"))
        emit.text(node, ckg("selection"), steering.selection)
        units["steering-committee"] = node
    for group in first_of_each(item.working_groups, lambda it: it.id):
        slug = value_of(group.id)
        if slug is not None:
            node = NamedNode(iris.working_group_iri(c.value, slug))
            unit(node, group, ckg("WorkingGroup"))
            registry_id = group.registry_id
            if registry_id is not None:
                emit.add(
                    node, NamedNode(DCTERMS + "identifier"),
                    Literal(f"ga4gh-registry:{registry_id.value}"), registry_id,
                )  # fmt: skip
            _group_organisations(emit, node, group, base)
            units.setdefault(slug, node)
    for committee in first_of_each(item.committees, lambda it: it.id):
        slug = value_of(committee.id)
        if slug is not None:
            node = NamedNode(iris.committee_iri(c.value, slug))
            unit(node, committee, ckg("Committee"))
            emit.term(node, ckg("committeeKind"), committee.kind, "committee")
            units.setdefault(slug, node)
    return units


def _group_organisations(emit: Emitter, node: NamedNode, group: WorkingGroup, base: str) -> None:
    """A working group's lead and member organisations, as links to organisation records.

    Not ``org:hasMember``: the named queries read ``org:hasMember``/``org:memberOf`` as
    consortium membership, and a group's members would count as the consortium's. The two
    properties are declared sub-properties of ``org:hasMember`` in the ontology instead.
    """
    lead = group.lead
    if lead is not None:
        emit.add(node, _LEAD, NamedNode(iris.organisation_iri(base, lead.value)), lead)
    for member in group.members:
        emit.add(node, _PARTICIPANT, NamedNode(iris.organisation_iri(base, member.value)), member)


def _posts(
    emit: Emitter, c: NamedNode, item: Consortium, units: dict[str, NamedNode], base: str
) -> None:
    for post in first_of_each(item.posts, lambda it: it.id):
        slug = value_of(post.id)
        if slug is None:
            continue
        node = NamedNode(iris.post_iri(c.value, slug))
        emit.node(node, post, NamedNode(ORG + "Post"))
        emit.text(node, NamedNode(RDFS + "label"), post.title)
        emit.text(node, NamedNode(DCTERMS + "description"), post.description)
        for ref, predicate in (
            (post.unit, ORG + "postIn"),
            (post.appointed_by, CKG + "appointedBy"),
        ):
            if ref is None:
                if predicate == ORG + "postIn":  # a post without a unit is in the consortium
                    emit.add(node, NamedNode(predicate), c, post)
                continue
            if ref.value not in units:
                emit.out.problems.append(
                    Problem(
                        emit.record.file, ref.line, ref.key,
                        f'"{ref.value}" is not a unit of this consortium',
                        why="a post belongs to the steering committee, a working group or a "
                        "committee listed in the same record",
                        fix="use steering-committee or the id of one of its working_groups or "
                        "committees" + (f" ({', '.join(sorted(units))})" if units else ""),
                        shape="record format",
                    )
                )  # fmt: skip
                continue
            emit.add(node, NamedNode(predicate), units[ref.value], ref)
        holder = post.holder
        held_by = holder.organisation if holder is not None else None
        if held_by is not None:  # an organisation, never a person: no personal data either
            target = NamedNode(iris.organisation_iri(base, held_by.value))
            emit.add(node, NamedNode(ORG + "heldBy"), target, held_by)
        elif holder is not None and value_of(holder.public) is True:
            person = NamedNode(iris.post_holder_iri(node.value))
            emit.add(node, NamedNode(ORG + "heldBy"), person, holder)
            emit.node(person, holder, NamedNode(FOAF + "Person"))
            emit.text(person, NamedNode(FOAF + "name"), holder.name)
        emit_item_source(emit, node, post.source, base)


def _members(emit: Emitter, c: NamedNode, item: Consortium, base: str) -> None:
    """A membership is its own node (ORG), dated with schema:startDate/endDate.

    ORG's memberDuring would add an OWL-Time interval and instants: five more nodes' worth of
    triples per membership, which at CORDIS scale is most of the graph, for no fact more.
    """
    for member in first_of_each(item.members, lambda m: m.organisation):
        org_slug = member.organisation
        if org_slug is None:
            continue
        o = NamedNode(iris.organisation_iri(base, org_slug.value))
        m = NamedNode(iris.membership_iri(c.value, org_slug.value))
        emit.add(c, _HAS_MEMBER, o, org_slug)
        emit.add(o, _MEMBER_OF, c, org_slug)
        emit.add(o, RDF_TYPE, _MEMBER_ORGANISATION, org_slug)
        emit.node(m, member, _MEMBERSHIP)
        emit.add(m, _MEMBER, o, org_slug)
        emit.add(m, _ORGANIZATION, c, member)
        role = member.role
        if role is not None:
            r = NamedNode(iris.role_iri(base, role.value))
            emit.add(m, _ROLE, r, role)
            if emit.once(r.value):
                emit.add(r, RDF_TYPE, _CONCEPT, role)
                emit.add(r, _PREF_LABEL, Literal(role.value), role)
                emit.add(r, _IN_SCHEME, _ROLE_SCHEME, role)
        emit.date(m, _START_DATE, member.start)
        emit.date(m, _END_DATE, member.end)
        emit_item_source(emit, m, member.source, base)


_LEAD = NamedNode(CKG + "leadOrganisation")
_PARTICIPANT = NamedNode(CKG + "participatingOrganisation")
_HAS_MEMBER = NamedNode(ORG + "hasMember")
_MEMBER_OF = NamedNode(ORG + "memberOf")
_MEMBER_ORGANISATION = NamedNode(CKG + "MemberOrganization")
_MEMBERSHIP = NamedNode(ORG + "Membership")
_MEMBER = NamedNode(ORG + "member")
_ORGANIZATION = NamedNode(ORG + "organization")
_ROLE = NamedNode(ORG + "role")
_CONCEPT = NamedNode(SKOS + "Concept")
_PREF_LABEL = NamedNode(SKOS + "prefLabel")
_IN_SCHEME = NamedNode(SKOS + "inScheme")
_ROLE_SCHEME = NamedNode(CKG + "RoleScheme")
_START_DATE = NamedNode(SCHEMA + "startDate")
_END_DATE = NamedNode(SCHEMA + "endDate")

_CONTACT_PROPERTY = {"phone": "telephone", "email": "email", "fax": "faxNumber", "web": "url"}


def _contacts(emit: Emitter, c: NamedNode, item: Consortium, base: str) -> None:
    for index, contact in enumerate(item.contacts, start=1):
        is_person = value_of(contact.person) is True
        public = value_of(contact.public)
        if is_person and public is not True:
            continue  # personal data never reaches a dump unless the record marks it public
        kind, value = value_of(contact.kind), contact.value
        if kind is None or value is None:
            continue
        node = NamedNode(iris.contact_iri(c.value, index))
        emit.add(c, NamedNode(SCHEMA + "contactPoint"), node, contact)
        emit.node(node, contact, NamedNode(SCHEMA + "ContactPoint"))
        obj = iri_node(value.value) if kind == "web" else Literal(value.value)
        emit.add(node, NamedNode(SCHEMA + _CONTACT_PROPERTY[kind]), obj, value)
        emit.text(node, NamedNode(SCHEMA + "contactType"), contact.label)
        emit_item_source(emit, node, contact.source, base)
    address = item.address
    if address is not None:
        node = NamedNode(iris.address_iri(c.value))
        emit.add(c, NamedNode(SCHEMA + "address"), node, address)
        emit.node(node, address, NamedNode(SCHEMA + "PostalAddress"))
        emit.text(node, NamedNode(SCHEMA + "name"), address.name)
        street = address.street
        if street:
            lines = "\n".join(str(line.value) for line in street)
            emit.add(node, NamedNode(SCHEMA + "streetAddress"), Literal(lines), street[0])
        for located, prop in (
            (address.locality, "addressLocality"),
            (address.region, "addressRegion"),
            (address.postal_code, "postalCode"),
            (address.country, "addressCountry"),
        ):
            emit.text(node, NamedNode(SCHEMA + prop), located)
        emit_item_source(emit, node, address.source, base)
