"""A membership as every registry mapping writes it: ORG's n-ary membership and its role.

``org:hasMember`` / ``org:memberOf`` between the group and the member, and the membership node
``<group>/membership/<member slug>`` with ``org:member``, ``org:organization``, ``org:role`` and
``dcterms:source``; a role is a SKOS concept in ``ckg:RoleScheme``, described once per snapshot.
"""

from __future__ import annotations

from consortia_kg import iris
from consortia_kg.registries.quads import QuadSink, iri, literal
from consortia_kg.vocab import CKG, DCTERMS, ORG, RDF, SKOS

__all__ = ["MembershipWriter"]

_A = iri(RDF + "type")
_HAS_MEMBER, _MEMBER_OF = iri(ORG + "hasMember"), iri(ORG + "memberOf")
_MEMBERSHIP, _MEMBER = iri(ORG + "Membership"), iri(ORG + "member")
_ORGANIZATION, _ROLE = iri(ORG + "organization"), iri(ORG + "role")
_MEMBER_ORG = iri(CKG + "MemberOrganization")
_CONCEPT, _PREF_LABEL = iri(SKOS + "Concept"), iri(SKOS + "prefLabel")
_IN_SCHEME, _ROLE_SCHEME = iri(SKOS + "inScheme"), iri(CKG + "RoleScheme")
_SOURCE = iri(DCTERMS + "source")


class MembershipWriter:
    """Write memberships of one snapshot into ``out``, each role's concept once."""

    def __init__(self, out: QuadSink, base: str, source: str) -> None:
        self.out, self.base, self.source = out, base, source
        #: role → its concept's IRI term (described in the snapshot's graph once)
        self.roles: dict[str, str] = {}

    def write(self, group: str, member: str, member_slug: str, role: str) -> str:
        """Write that ``member`` belongs to ``group`` (IRI terms) in ``role``; return the node."""
        add = self.out.add
        m = iri(iris.membership_iri(group[1:-1], member_slug))
        add(group, _HAS_MEMBER, member)
        add(member, _MEMBER_OF, group)
        add(member, _A, _MEMBER_ORG)
        add(m, _A, _MEMBERSHIP)
        add(m, _MEMBER, member)
        add(m, _ORGANIZATION, group)
        add(m, _SOURCE, self.source)
        r = self.roles.get(role)
        if r is None:
            r = self.roles[role] = iri(iris.role_iri(self.base, role))
            add(r, _A, _CONCEPT)
            add(r, _PREF_LABEL, literal(role))
            add(r, _IN_SCHEME, _ROLE_SCHEME)
        add(m, _ROLE, r)
        return m
