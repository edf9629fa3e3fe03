"""Each invalid fixture breaks one rule; validate must report exactly the expected lines.

Cases live in tests/fixtures/invalid/<shape>/<reason>.yaml as edits of tests/fixtures/valid/
(see tests/fixtures/README.md). The valid fixture itself must conform with no finding at all.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from consortia_kg.build.graph import BuiltGraph
from consortia_kg.validate.engine import load_shapes, validate_graph
from helpers.cases import CASE_IDS, CASES, apply_case
from helpers.paths import FIXTURES


def _headlines(output: str) -> list[str]:
    """The first line of each finding: 'file:line key: message [severity]'."""
    return [
        line
        for line in output.splitlines()
        if line.startswith("data/") and not line.startswith("  ")
    ]


def test_valid_fixture_has_no_finding(
    valid_copy: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(valid_copy.parent)
    result = cli("validate", "--data", "data", "-q")
    assert result.exit_code == 0, result.output
    assert result.stdout == "no problems in 5 records\n"


@pytest.mark.parametrize("case_path", CASES, ids=CASE_IDS)
def test_invalid_case(
    case_path: Path,
    tmp_path: Path,
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = yaml.safe_load(case_path.read_text())
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "valid", data)
    apply_case(case, data)
    monkeypatch.chdir(tmp_path)
    result = cli("validate", "--data", "data", "-q")
    expected = sorted("data/" + line for line in case["expect"])
    assert sorted(_headlines(result.stdout)) == expected, result.stdout
    assert result.exit_code == case["exit"], result.stdout


def test_every_shape_has_an_invalid_case() -> None:
    shapes = load_shapes()
    from rdflib import RDF, URIRef
    from rdflib.namespace import SH

    named = {
        str(s).rsplit("#", 1)[-1]
        for s in shapes.subjects(RDF.type, SH.NodeShape)
        if isinstance(s, URIRef)
    }
    covered = {p.parent.name for p in CASES}
    structural = {"SteeringCommitteeShape", "WorkingGroupShape", "CommitteeShape", "PostShape",
                  "SourceShape", "MemberOrganizationShape", "StandardShape"}  # fmt: skip
    assert named - covered <= structural, named - covered


def test_every_constraint_speaks_to_curators() -> None:
    from rdflib import BNode, Namespace
    from rdflib.namespace import SH

    shapes = load_shapes()
    ann = Namespace("https://w3id.org/consortia-kg/shapes#")
    constraints = set(shapes.subjects(SH.message, None))
    assert len(constraints) > 30
    for node in constraints:
        assert shapes.value(node, SH.severity) is not None or isinstance(node, BNode), node
    for prop in shapes.objects(None, SH.property):
        assert shapes.value(prop, SH.message) is not None, prop
        assert shapes.value(prop, SH.severity) is not None, prop
        assert shapes.value(prop, ann.key) is not None, prop
        assert shapes.value(prop, ann.why) is not None, prop
        assert shapes.value(prop, ann.fix) is not None, prop


# Rules a record cannot break (its format allows one steering committee, and a working group
# lives inside one consortium record) still guard graphs from elsewhere, e.g. a pushed graph.
GRAPH_CASES = [
    ("two-steering-committees.ttl", "a consortium has at most one steering committee"),
    ("working-group-in-two-consortia.ttl",
     "a working group or committee belongs to exactly one consortium"),
    ("post-in-two-units.ttl", "a post is in exactly one body"),
    ("source-without-title.ttl", "a source needs exactly one title"),
    ("member-of-nothing.ttl", "a member organisation must be a member of a known consortium"),
    ("standard-by-two-groups.ttl", "a standard is developed by at most one working group"),
    ("two-preferred-names-in-one-language.ttl",
     "an organisation has two preferred names in one language"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "message"), GRAPH_CASES)
def test_structural_rule_on_a_graph(name: str, message: str) -> None:
    import pyoxigraph as ox

    quads = [
        ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
        for t in ox.parse(path=str(FIXTURES / "graphs" / name), format=ox.RdfFormat.TURTLE)
    ]
    built = BuiltGraph(base="https://example.org/", quads=quads)
    messages = [p.message for p in validate_graph(built).problems]
    assert messages == [message]


def test_same_name_with_different_ror_ids_is_not_a_duplicate(
    valid_copy: Path, cli: Callable[..., Result]
) -> None:
    beta = valid_copy / "organisations" / "beta-university.yaml"
    beta.write_text(
        beta.read_text().replace(
            "name: Beta University", "name: Alpha Institute\nror: https://ror.org/000000c00"
        )
    )
    result = cli("validate", "--data", valid_copy, "-q")
    assert result.exit_code == 0, result.stdout
    alpha = valid_copy / "organisations" / "alpha-institute.yaml"
    alpha.write_text(alpha.read_text().replace("ror: https://ror.org/000000a00\n", ""))
    result = cli("validate", "--data", valid_copy, "-q")
    assert "another organisation record has the same name" in result.stdout
