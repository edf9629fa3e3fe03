"""The fast engine gives SHACL-core only the triples it can read; what that leaves out."""

from __future__ import annotations

from rdflib import Graph

from consortia_kg.validate.engine import core_predicates, load_shapes, split_shapes

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
"""


def test_our_shapes_read_paths_targets_and_types() -> None:
    core, _ = split_shapes(load_shapes())
    read = core_predicates(core)
    assert read is not None
    for iri in (
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
        "http://www.w3.org/2000/01/rdf-schema#subClassOf",
        "http://www.w3.org/2000/01/rdf-schema#label",  # a path
        "https://w3id.org/consortia-kg/ontology#contentHash",  # sh:targetSubjectsOf
        "https://w3id.org/consortia-kg/ontology#hostInstitution",  # an inverse path
        "https://w3id.org/consortia-kg/ontology#successor",  # one of alternative paths
    ):
        assert iri in read, iri
    # read by SPARQL rules only (they run on the whole graph), or by no rule
    for iri in ("https://schema.org/startDate", "https://schema.org/telephone"):
        assert iri not in read, iri


def test_every_path_form_is_followed() -> None:
    shapes = Graph().parse(
        data=PREFIXES
        + """
        ex:S a sh:NodeShape ; sh:targetObjectsOf ex:t ;
            sh:property [ sh:path ( ex:a [ sh:zeroOrMorePath ex:b ] ) ] ,
                [ sh:path [ sh:oneOrMorePath [ sh:inversePath ex:c ] ] ] ,
                [ sh:path ex:d ; sh:lessThan ex:e ; sh:equals ex:f ; sh:disjoint ex:g ] .
        """,
        format="turtle",
    )
    read = core_predicates(shapes)
    assert read is not None
    assert {f"https://example.org/{x}" for x in "tabcdefg"} <= read
    assert "https://example.org/h" not in read


def test_closed_shapes_and_sparql_read_everything() -> None:
    for body in (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .",
        "ex:S a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ; sh:select 'SELECT ?this {}' ] .",
        "ex:K a sh:ConstraintComponent ; sh:validator [ sh:ask 'ASK {}' ] .",
    ):
        assert core_predicates(Graph().parse(data=PREFIXES + body, format="turtle")) is None
    open_shape = "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed false ."
    assert core_predicates(Graph().parse(data=PREFIXES + open_shape, format="turtle")) is not None
