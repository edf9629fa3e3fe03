"""The IRI layout: every kind of node minted by its function is parsed back to the same parts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consortia_kg import iris
from consortia_kg.iris import IriParts

BASE = "https://w3id.org/consortia-kg/"
CON = BASE + "consortium/ga4gh"
ORG = BASE + "organisation/uk-ac-ebi"

#: (what the function mints, the IRI as the build has always written it, the parts it parses to)
CASES: list[tuple[Callable[[], str], str, IriParts]] = [
    (lambda: iris.consortium_iri(BASE, "ga4gh"), CON, IriParts("consortium", "ga4gh")),
    (lambda: iris.organisation_iri(BASE, "uk-ac-ebi"), ORG, IriParts("organisation", "uk-ac-ebi")),
    (
        lambda: iris.source_iri(BASE, "ga4gh-web"),
        BASE + "source/ga4gh-web",
        IriParts("source", "ga4gh-web"),
    ),
    (
        lambda: iris.record_iri(BASE, "source", "s1"),
        BASE + "source/s1",
        IriParts("source", "s1"),
    ),
    (
        lambda: iris.disease_iri(BASE, "Alzheimer's Disease"),
        BASE + "disease/alzheimers-disease",
        IriParts("disease", "alzheimers-disease"),
    ),
    (
        lambda: iris.role_iri(BASE, "Full member"),
        BASE + "role/full-member",
        IriParts("role", "full-member"),
    ),
    (
        lambda: iris.record_graph(BASE, "consortium", "ga4gh"),
        BASE + "graph/consortium/ga4gh",
        IriParts("consortium", "ga4gh", graph=True),
    ),
    (
        lambda: iris.working_group_iri(CON, "dwg"),
        CON + "/working-group/dwg",
        IriParts("consortium", "ga4gh", "working-group", "dwg"),
    ),
    (
        lambda: iris.committee_iri(CON, "ethics"),
        CON + "/committee/ethics",
        IriParts("consortium", "ga4gh", "committee", "ethics"),
    ),
    (
        lambda: iris.steering_committee_iri(CON),
        CON + "/steering-committee",
        IriParts("consortium", "ga4gh", "steering-committee"),
    ),
    (
        lambda: iris.post_iri(CON, "chair"),
        CON + "/post/chair",
        IriParts("consortium", "ga4gh", "post", "chair"),
    ),
    (
        lambda: iris.post_holder_iri(CON + "/post/chair"),
        CON + "/post/chair/holder",
        IriParts("consortium", "ga4gh", "post", "chair", "holder"),
    ),
    (
        lambda: iris.membership_iri(CON, "uk-ac-ebi"),
        CON + "/membership/uk-ac-ebi",
        IriParts("consortium", "ga4gh", "membership", "uk-ac-ebi"),
    ),
    (
        lambda: iris.standard_iri(CON, "vrs"),
        CON + "/standard/vrs",
        IriParts("consortium", "ga4gh", "standard", "vrs"),
    ),
    (
        lambda: iris.standard_version_iri(CON + "/standard/vrs", "1.3"),
        CON + "/standard/vrs/version/1.3",
        IriParts("consortium", "ga4gh", "standard", "vrs", "version", "1.3"),
    ),
    (
        lambda: iris.implementation_iri(CON, "htsget-ref"),
        CON + "/implementation/htsget-ref",
        IriParts("consortium", "ga4gh", "implementation", "htsget-ref"),
    ),
    (
        lambda: iris.implementation_iri(ORG, "ena"),
        ORG + "/implementation/ena",
        IriParts("organisation", "uk-ac-ebi", "implementation", "ena"),
    ),
    (
        lambda: iris.activity_iri(CON, 2),
        CON + "/activity/2",
        IriParts("consortium", "ga4gh", "activity", "2"),
    ),
    (
        lambda: iris.event_iri(CON, 1),
        CON + "/event/1",
        IriParts("consortium", "ga4gh", "event", "1"),
    ),
    (
        lambda: iris.contact_iri(CON, 3),
        CON + "/contact/3",
        IriParts("consortium", "ga4gh", "contact", "3"),
    ),
    (
        lambda: iris.address_iri(CON),
        CON + "/address",
        IriParts("consortium", "ga4gh", "address"),
    ),
    (
        lambda: iris.participant_count_iri(CON),
        CON + "/participant-count",
        IriParts("consortium", "ga4gh", "participant-count"),
    ),
    (
        lambda: iris.location_iri(ORG, 1),
        ORG + "/location/1",
        IriParts("organisation", "uk-ac-ebi", "location", "1"),
    ),
    (lambda: iris.dataset_iri(BASE), BASE + "dataset", IriParts("dataset")),
    (
        lambda: iris.dataset_part_iri(BASE, "class", "ckg-Consortium"),
        BASE + "dataset/class/ckg-Consortium",
        IriParts("dataset", "", "class", "ckg-Consortium"),
    ),
    (
        lambda: iris.dataset_part_iri(BASE, "property", "rdfs-label"),
        BASE + "dataset/property/rdfs-label",
        IriParts("dataset", "", "property", "rdfs-label"),
    ),
    (
        lambda: iris.dataset_part_iri(BASE, "release", "20261203T175511.444Z-ab80ef0c"),
        BASE + "dataset/release/20261203T175511.444Z-ab80ef0c",
        IriParts("dataset", "", "release", "20261203T175511.444Z-ab80ef0c"),
    ),
    (
        lambda: iris.dump_iri(BASE, "turtle"),
        BASE + "dumps/turtle",
        IriParts("dumps", "turtle"),
    ),
    (
        lambda: iris.dump_checksum_iri(BASE, "turtle"),
        BASE + "dumps/turtle/sha256",
        IriParts("dumps", "turtle", "sha256"),
    ),
    (lambda: iris.sparql_iri(BASE), BASE + "sparql", IriParts("sparql")),
    (
        lambda: iris.programme_part_iri(BASE, "Innovation in SMEs"),
        BASE + "programme-part/innovation-in-smes",
        IriParts("programme-part", "innovation-in-smes"),
    ),
    (
        lambda: iris.subject_area_iri(BASE, "Agriculture, Forestry and Veterinary Medicine"),
        BASE + "subject-area/agriculture-forestry-and-veterinary-medicine",
        IriParts("subject-area", "agriculture-forestry-and-veterinary-medicine"),
    ),
    (
        lambda: iris.membership_iri(BASE + "organisation/elixir-node-pt", "elixir-inesc"),
        BASE + "organisation/elixir-node-pt/membership/elixir-inesc",
        IriParts("organisation", "elixir-node-pt", "membership", "elixir-inesc"),
    ),
    (
        lambda: iris.registry_iri(BASE, "cordis-h2020"),
        BASE + "registry/cordis-h2020",
        IriParts("registry", "cordis-h2020"),
    ),
    (
        lambda: iris.registry_file_iri(BASE, "cordis-h2020", "participations"),
        BASE + "registry/cordis-h2020/file/participations",
        IriParts("registry", "cordis-h2020", "file", "participations"),
    ),
    (
        lambda: iris.registry_graph(BASE, "nfdi"),
        BASE + "graph/registry/nfdi",
        IriParts("registry", "nfdi", graph=True),
    ),
]


@pytest.mark.parametrize(
    ("make", "written", "parts"), CASES, ids=[c[1][len(BASE) :] for c in CASES]
)
def test_every_kind_mints_the_same_iri_and_parses_back(
    make: Callable[[], str], written: str, parts: IriParts
) -> None:
    minted = make()
    assert minted == written
    assert iris.parse_iri(BASE, minted) == parts
    assert iris.iri_of(BASE, parts) == minted


def test_every_kind_of_the_layout_has_a_case() -> None:
    seen = {(p.kind, p.sub_kind, p.leaf_kind) for _, _, p in CASES}
    for parent, children in iris.LAYOUT.items():
        for child in children:
            assert any(child in kinds and (not parent or parent in kinds) for kinds in seen), (
                parent,
                child,
            )


_SLUG = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)


@given(
    kind=st.sampled_from(iris.RECORD_KINDS),
    slug=_SLUG,
    sub=st.sampled_from(sorted(k for k, takes in iris.LAYOUT["consortium"].items() if takes)),
    ident=_SLUG,
)
def test_any_slug_round_trips(kind: str, slug: str, sub: str, ident: str) -> None:
    thing = iris.record_iri(BASE, kind, slug)
    assert iris.parse_iri(BASE, thing) == IriParts(kind, slug)
    assert iris.record_of_iri(BASE, thing) == (kind, slug)
    graph = iris.record_graph(BASE, kind, slug)
    assert iris.parse_record_graph(BASE, graph) == (kind, slug)
    assert iris.record_of_iri(BASE, graph) == (kind, slug)
    item = iris.mint(iris.consortium_iri(BASE, slug) + "/", sub, ident)
    parts = iris.parse_iri(BASE, item)
    assert parts == IriParts("consortium", slug, sub, ident)
    assert iris.iri_of(BASE, parts) == item
    assert iris.record_of_iri(BASE, item) == ("consortium", slug)


@pytest.mark.parametrize(
    "iri",
    [
        "https://example.org/consortium/ga4gh",  # another base
        BASE,  # the base itself
        BASE + "consortium",  # a kind without its slug
        BASE + "consortium/",  # an empty slug
        BASE + "consortium/ga4gh/",  # a trailing slash
        BASE + "consortium/ga4gh/unknown/x",  # no such item kind
        BASE + "organisation/ebi/working-group/x",  # an item of another kind of record
        BASE + "consortium/ga4gh/working-group",  # an item without its id
        BASE + "consortium/ga4gh/address/1",  # an item that takes no id, given one
        BASE + "consortium/ga4gh/standard/vrs/version/1/more",  # deeper than the layout
        BASE + "graph/disease/cancer",  # a graph of no record kind
        BASE + "consortium/has space",
        "https://w3id.org/consortia-kg/ontology#Consortium",
    ],
)
def test_what_the_layout_does_not_mint_parses_to_none(iri: str) -> None:
    assert iris.parse_iri(BASE, iri) is None
    assert iris.record_of_iri(BASE, iri) is None


@pytest.mark.parametrize("segment", ["", "has space", "a/b", "-lead", "é"])
def test_mint_refuses_a_segment_that_is_not_a_slug(segment: str) -> None:
    with pytest.raises(ValueError, match="cannot mint"):
        iris.working_group_iri(CON, segment) if segment else iris.mint(BASE, segment)


@pytest.mark.parametrize(
    ("iri", "graph", "owner", "node_kind"),
    [
        (CON, BASE + "graph/consortium/ga4gh", None, "consortium"),
        (CON + "/working-group/dwg", BASE + "graph/consortium/ga4gh", CON, "working-group"),
        (
            CON + "/standard/vrs/version/1",
            BASE + "graph/consortium/ga4gh",
            CON + "/standard/vrs",
            "version",
        ),
        (ORG + "/implementation/ena", BASE + "graph/organisation/uk-ac-ebi", ORG, "implementation"),
        (BASE + "graph/source/s1", BASE + "graph/source/s1", None, "source"),
        (BASE + "disease/cancer", None, None, "disease"),
    ],
)
def test_the_record_graph_and_owner_of_a_node(
    iri: str, graph: str | None, owner: str | None, node_kind: str
) -> None:
    assert iris.record_graph_of(BASE, iri) == graph
    assert iris.owner_iri(BASE, iri) == owner
    parts = iris.parse_iri(BASE, iri)
    assert parts is not None and parts.node_kind == node_kind


def test_kind_namespaces() -> None:
    assert iris.kind_namespaces(BASE, ("consortium", "graph")) == {
        "consortium": BASE + "consortium/",
        "graph": BASE + "graph/",
    }
    with pytest.raises(ValueError, match="no top-level kind"):
        iris.kind_namespaces(BASE, ("working-group",))
