"""Every real record under data/ reads cleanly and conforms; GA4GH answers the questions it should."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from consortia_kg.errors import Severity
from consortia_kg.pipeline import Run, validate_data
from consortia_kg.records import display_path
from consortia_kg.records.model import Source
from helpers.paths import DATA

ROOT = Path(__file__).resolve().parent.parent
RECORDS = sorted(DATA.glob("*/*.yaml"))


@pytest.fixture(scope="module")
def run() -> Run:
    return validate_data(DATA)


@pytest.mark.parametrize("path", RECORDS, ids=[f"{p.parent.name}/{p.stem}" for p in RECORDS])
def test_record_conforms(run: Run, path: Path) -> None:
    shown = display_path(path)
    problems = [p for p in run.problems if p.file == shown and p.severity != Severity.INFO]
    assert problems == []
    kind = {"consortia": "consortium", "organisations": "organisation", "sources": "source"}
    assert path.stem in run.records.records[kind[path.parent.name]]


@pytest.mark.parametrize("path", RECORDS, ids=[f"{p.parent.name}/{p.stem}" for p in RECORDS])
def test_record_names_its_sources(run: Run, path: Path) -> None:
    kind = {"consortia": "consortium", "organisations": "organisation", "sources": "source"}
    record = run.records.records[kind[path.parent.name]][path.stem]
    if isinstance(record.item, Source):
        assert record.item.copy or record.item.url
    else:
        assert record.item.sources


def test_no_personal_e_mail_in_data() -> None:
    import re

    for path in RECORDS:
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", path.read_text()), path


@pytest.fixture(scope="module")
def store(run: Run) -> ox.Store:
    assert run.built is not None
    store = ox.Store()
    store.extend(run.built.quads)
    return store


def _select(store: ox.Store, where: str) -> list[dict[str, str]]:
    query = f"""
        PREFIX ckg: <https://w3id.org/consortia-kg/ontology#>
        PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX schema: <https://schema.org/>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX kg: <https://w3id.org/consortia-kg/>
        SELECT * WHERE {{ {where} }}"""
    results = store.query(query, use_default_graph_as_union=True)
    return [{v.value: s[v].value for v in results.variables if s[v] is not None} for s in results]


GA4GH = "<https://w3id.org/consortia-kg/consortium/ga4gh>"


def test_ga4gh_launch_year_status_scope_and_last_update(store: ox.Store) -> None:
    (row,) = _select(
        store,
        f"{GA4GH} schema:foundingDate ?launched ; ckg:status ?status ; "
        "ckg:geographicScope ?scope ; ckg:lastUpdated ?updated ; ckg:diseaseFocus ?focus .",
    )
    assert row == {
        "launched": "2013",
        "status": "https://w3id.org/consortia-kg/ontology#status-active",
        "scope": "https://w3id.org/consortia-kg/ontology#scope-international",
        "updated": "2016-05-24",
        "focus": "https://w3id.org/consortia-kg/ontology#NoDiseaseFocus",
    }


def test_ga4gh_has_the_eight_registry_work_streams(store: ox.Store) -> None:
    rows = _select(store, f"?wg a ckg:WorkingGroup ; org:unitOf {GA4GH} ; rdfs:label ?name .")
    assert sorted(r["name"] for r in rows) == [
        "Clinical & Phenotypic Data Capture",
        "Cloud",
        "Data Security",
        "Data Use and Researcher Identities",
        "Discovery",
        "Genomic Knowledge Standards",
        "Large Scale Genomics",
        "Regulatory & Ethics",
    ]


def test_ga4gh_steering_committee_and_its_posts(store: ox.Store) -> None:
    (committee,) = _select(
        store, f"?sc a ckg:SteeringCommittee ; org:unitOf {GA4GH} ; dcterms:description ?what ."
    )
    assert "high-level decisions" in committee["what"]
    posts = _select(store, "?p a org:Post ; rdfs:label ?title ; ckg:appointedBy ?by .")
    assert sorted(p["title"] for p in posts) == ["Committee chair", "Executive director"]
    assert {p["by"] for p in posts} == {committee["sc"]}


def test_ga4gh_address_and_phones(store: ox.Store) -> None:
    (address,) = _select(
        store,
        f"{GA4GH} schema:address ?a . ?a schema:streetAddress ?street ; "
        "schema:addressLocality ?city ; schema:addressRegion ?region ; schema:postalCode ?code .",
    )
    assert address["street"] == "MaRS Centre, West Tower\n661 University Avenue, Suite 510"
    assert (address["city"], address["region"], address["code"]) == (
        "Toronto",
        "Ontario",
        "M5G 0A3",
    )
    phones = _select(store, f"{GA4GH} schema:contactPoint/schema:telephone ?phone .")
    assert sorted(p["phone"] for p in phones) == ["416-977-7599", "866-678-6427"]


def test_ga4gh_participant_count_with_its_date(store: ox.Store) -> None:
    (row,) = _select(store, f"{GA4GH} ckg:participantCount [ schema:value ?n ; dcterms:date ?d ] .")
    assert row == {"n": "70", "d": "2016-05-24"}


def test_registry_organisations_run_implementations_and_are_not_members(store: ox.Store) -> None:
    rows = _select(
        store, f"?o a org:FormalOrganization ; ckg:runsImplementation/ckg:standardOf {GA4GH} ."
    )
    assert len({r["o"] for r in rows}) == 14  # Gen3 is listed in the registry with none
    own = _select(store, f"{GA4GH} ckg:runsImplementation/rdfs:label ?name .")
    assert len(own) == 5  # the registry lists five implementations under GA4GH itself
    assert _select(store, "?o org:memberOf ?c .") == []
