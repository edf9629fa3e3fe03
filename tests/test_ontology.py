"""The ontology declares every term the build uses, with a label and a definition each."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, PROV, SDO, TIME, VOID

from consortia_kg.build.graph import build_graph
from consortia_kg.paths import ontology_file
from consortia_kg.records import load_records
from consortia_kg.vocab import CKG, DEFAULT_BASE_IRI

REUSED = [ORG, SDO, DCTERMS, PROV, SKOS, TIME, DCAT, VOID, FOAF]
CORE = {str(RDF.type), str(RDFS.label), str(RDFS.seeAlso)}
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ontology_file())


def _used_terms(data: Path) -> set[str]:
    built = build_graph(load_records(data), DEFAULT_BASE_IRI)
    terms = set()
    for quad in built.quads:
        terms.add(quad.predicate.value)
        if quad.predicate.value == str(RDF.type):
            terms.add(quad.object.value)
    return terms


@pytest.mark.parametrize("data", [ROOT / "data", ROOT / "tests" / "fixtures" / "valid"])
def test_every_term_used_is_declared(ontology: Graph, data: Path) -> None:
    undeclared = []
    for term in sorted(_used_terms(data)):
        if term in CORE:
            continue
        if term.startswith(CKG):
            if (URIRef(term), RDF.type, None) not in ontology:
                undeclared.append(term)
            continue
        namespace = next((ns for ns in REUSED if term.startswith(str(ns))), None)
        if namespace is None or term[len(str(namespace)) :] not in namespace.__annotations__:
            undeclared.append(term)
    assert undeclared == []


def test_every_concept_the_build_points_at_is_declared(ontology: Graph) -> None:
    built = build_graph(load_records(ROOT / "tests" / "fixtures" / "valid"), DEFAULT_BASE_IRI)
    for quad in built.quads:
        obj = quad.object
        if isinstance(obj, type(quad.predicate)) and obj.value.startswith(CKG):
            assert (URIRef(obj.value), RDF.type, None) in ontology, obj.value


def test_every_term_has_a_label_and_a_definition(ontology: Graph) -> None:
    kinds = [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, SKOS.Concept, SKOS.ConceptScheme]
    missing = []
    for kind in kinds:
        for term in ontology.subjects(RDF.type, kind):
            labelled = ontology.value(term, RDFS.label) or ontology.value(term, SKOS.prefLabel)
            if not labelled or not ontology.value(term, SKOS.definition):
                missing.append(str(term))
    assert missing == []


def test_ontology_metadata(ontology: Graph) -> None:
    (onto,) = ontology.subjects(RDF.type, OWL.Ontology)
    assert ontology.value(onto, DCTERMS.title)
    assert ontology.value(onto, OWL.versionInfo)
    assert ontology.value(onto, DCTERMS.license)
    assert (None, OWL.sameAs, None) not in ontology


def test_five_core_classes_reuse_w3c_org(ontology: Graph) -> None:
    ckg = {n: URIRef(CKG + n) for n in ("Consortium", "MemberOrganization", "SteeringCommittee",
                                          "WorkingGroup", "HostInstitution")}  # fmt: skip
    parents = {n: set(ontology.objects(c, RDFS.subClassOf)) for n, c in ckg.items()}
    assert ORG.OrganizationalCollaboration in parents["Consortium"]
    assert SDO.Consortium in parents["Consortium"]
    assert ORG.FormalOrganization in parents["MemberOrganization"]
    assert ORG.OrganizationalUnit in parents["SteeringCommittee"]
    assert ORG.OrganizationalUnit in parents["WorkingGroup"]
    assert ORG.FormalOrganization in parents["HostInstitution"]


def test_no_disease_focus_is_a_concept_apart_from_not_recorded(ontology: Graph) -> None:
    concept = URIRef(CKG + "NoDiseaseFocus")
    assert (concept, RDF.type, SKOS.Concept) in ontology
    assert "not recorded" in str(ontology.value(concept, SKOS.definition))


def test_status_concepts_map_to_ror(ontology: Graph) -> None:
    ror = URIRef(CKG + "rorStatus")
    mapping = {
        str(c).rsplit("-", 1)[-1]: str(ontology.value(c, ror))
        for c in ontology.subjects(SKOS.inScheme, URIRef(CKG + "StatusScheme"))
    }
    assert mapping == {
        "active": "active",
        "completed": "inactive",
        "inactive": "inactive",
        "withdrawn": "withdrawn",
    }
