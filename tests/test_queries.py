"""Every named query, run on the real data (and on a richer copy of it), with its expected rows.

Also: the headers, parameter binding and its errors, syntax errors, output formats, the CLI
contract of `consortia-kg query`, and the generated docs page.
"""

from __future__ import annotations

import csv
import io
import json
import shlex
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner, Result

from consortia_kg.api import Graph, Rows, open_graph
from consortia_kg.cli.main import main
from consortia_kg.query.named import (
    NamedQuery,
    ParamError,
    bind_query,
    find_query,
    list_queries,
    parse_param_assignments,
    query_form,
    query_from_text,
    render_queries_page,
)
from consortia_kg.query.store import GraphResult
from helpers.paths import DATA

ROOT = Path(__file__).resolve().parent.parent
QUERIES = list_queries()
NAMES = [q.name for q in QUERIES]
BASE = "https://w3id.org/consortia-kg/"
CKG = "https://w3id.org/consortia-kg/ontology#"
C = BASE + "consortium/"
O = BASE + "organisation/"  # noqa: E741

GA4GH = "Global Alliance for Genomics and Health"
WORKING_GROUPS = {
    "Large Scale Genomics",
    "Discovery",
    "Cloud",
    "Data Use and Researcher Identities",
    "Genomic Knowledge Standards",
    "Clinical & Phenotypic Data Capture",
    "Regulatory & Ethics",
    "Data Security",
}
#: The 14 organisations of the GA4GH registry that run implementations (Gen3 runs none).
IMPLEMENTERS = {
    "AnVIL",
    "Autism Speaks",
    "BioData Catalyst",
    "Biocontainers",
    "CSC - IT Center for Science Ltd.",
    "California Institute of Technology",
    "Center for Translational Data Science",
    "Centre for Genomic Regulation",
    "Childrens Hospital of Philadelphia",
    "DNAstack",
    "Dockstore",
    "European Bioinformatics Institute",
    "NCI Data Commons Framework Services",
    "Seven Bridges",
}
ORGANISATIONS = IMPLEMENTERS | {"Gen3"}


@pytest.fixture(scope="module")
def kg(real_kg: Graph) -> Graph:
    return real_kg


def values(rows: Rows) -> list[dict[str, str]]:
    """Rows as column → lexical value (IRIs as IRIs), unbound columns left out."""
    return [{k: v.value for k, v in row.items()} for row in rows.terms]


def column(rows: Rows, name: str) -> list[str]:
    return [row[name] for row in values(rows) if name in row]


# --- the headers -----------------------------------------------------------------------------


def test_there_are_at_least_15_named_queries() -> None:
    assert len(QUERIES) >= 15
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("query", QUERIES, ids=NAMES)
def test_header_is_complete(query: NamedQuery) -> None:
    assert query.declared, f"{query.path} has no header"
    assert query.title and query.description
    assert query.form in ("SELECT", "CONSTRUCT")
    for param in query.params:
        assert param.doc, f"{query.name}: parameter {param.name} has no doc"
        assert f"?{param.name}" in query.text
    assert query.examples
    for example in query.examples:
        assert example.startswith(f"consortia-kg query {query.name}")


@pytest.mark.parametrize("query", QUERIES, ids=NAMES)
def test_example_runs(query: NamedQuery, kg: Graph, tmp_path: Path) -> None:
    """Each header's example is a working command on the real data."""
    args = shlex.split(query.examples[0])[1:]
    store = tmp_path / "store"
    result = CliRunner().invoke(main, [*args, "--data", str(DATA), "--store", str(store), "-q"])
    assert result.exit_code == 0, result.output
    assert result.stdout


def test_docs_page_is_up_to_date() -> None:
    page = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    assert page == render_queries_page(), (
        "docs/queries.md is out of date: run "
        "`consortia-kg query --list --format markdown > docs/queries.md`"
    )


def test_docs_page_lists_every_query_with_its_parameters() -> None:
    page = render_queries_page()
    for query in QUERIES:
        assert f"### {query.name}\n" in page
        assert query.description in page
        for param in query.params:
            assert f"| `{param.name}` | {param.describe_type()} |" in page


# --- expected rows on the real data -----------------------------------------------------------

#: query name → checks on the real data; a named query without an entry fails the test below.
Check = Callable[[Graph], None]
REAL: dict[str, Check] = {}


def real(name: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        REAL[name] = check
        return check

    return register


@real("consortia-by-status")
def _status(kg: Graph) -> None:
    rows = values(kg.query("consortia-by-status"))
    assert rows == [
        {
            "consortium": C + "ga4gh",
            "name": GA4GH,
            "acronym": "GA4GH",
            "status": CKG + "status-active",
            "launched": "2013",
            "scope": CKG + "scope-international",
        }
    ]
    assert len(kg.query("consortia-by-status", status="active")) == 1
    assert len(kg.query("consortia-by-status", status="completed")) == 0


@real("consortia-by-scope")
def _scope(kg: Graph) -> None:
    assert column(kg.query("consortia-by-scope", scope="international"), "name") == [GA4GH]
    assert len(kg.query("consortia-by-scope", scope="national")) == 0


@real("consortia-by-disease-focus")
def _disease(kg: Graph) -> None:
    rows = values(kg.query("consortia-by-disease-focus"))
    assert rows == [{"consortium": C + "ga4gh", "name": GA4GH, "focus": "(no disease focus)"}]
    assert len(kg.query("consortia-by-disease-focus", disease="cancer")) == 0


@real("consortia-launched-between")
def _launched(kg: Graph) -> None:
    assert column(kg.query("consortia-launched-between"), "launched") == ["2013"]
    assert len(kg.query("consortia-launched-between", since=2013, until=2013)) == 1
    assert len(kg.query("consortia-launched-between", since=2014)) == 0
    assert len(kg.query("consortia-launched-between", until=2012)) == 0


@real("launch-timeline")
def _timeline(kg: Graph) -> None:
    rows = values(kg.query("launch-timeline", consortium="ga4gh"))
    assert [r["date"] for r in rows] == ["2013", "2013-01", "2013-06"]
    assert rows[0]["event"] == "launched"
    assert rows[2]["event"].startswith("In June 2013, 70 organizations came together")


@real("consortium-members")
def _members(kg: Graph) -> None:
    # the registry does not say its organisations are GA4GH members, so none are recorded
    assert len(kg.query("consortium-members", consortium="ga4gh")) == 0


@real("organisations-in-consortia")
def _in_consortia(kg: Graph) -> None:
    rows = values(kg.query("organisations-in-consortia"))
    assert {r["name"] for r in rows} == IMPLEMENTERS
    assert {r["consortia"] for r in rows} == {"1"}
    assert len(kg.query("organisations-in-consortia", min_consortia=2)) == 0


@real("organisations-without-consortium")
def _orphans(kg: Graph) -> None:
    assert values(kg.query("organisations-without-consortium")) == [
        {"organisation": O + "org-gen3", "name": "Gen3", "file": "data/organisations/org-gen3.yaml"}
    ]


@real("consortia-sharing-members")
def _sharing(kg: Graph) -> None:
    assert len(kg.query("consortia-sharing-members", consortium="ga4gh")) == 0


@real("consortium-governance")
def _governance(kg: Graph) -> None:
    rows = values(kg.query("consortium-governance", consortium="ga4gh"))
    assert Counter(r["kind"] for r in rows) == {
        "working group": 8,
        "steering committee": 1,
        "committee": 1,
        "post": 2,
    }
    assert {r["name"] for r in rows if r["kind"] == "working group"} == WORKING_GROUPS
    posts = {r["name"]: r.get("within") for r in rows if r["kind"] == "post"}
    assert posts == {"Committee chair": "Steering Committee", "Executive director": None}
    assert {r["name"] for r in rows if r["kind"] == "committee"} == {"Plenary body"}


@real("working-groups")
def _working_groups(kg: Graph) -> None:
    rows = values(kg.query("working-groups", consortium="ga4gh"))
    assert {r["name"] for r in rows} == WORKING_GROUPS
    assert len(rows) == 8
    gks = next(r for r in rows if r["name"] == "Genomic Knowledge Standards")
    assert gks["acronym"] == "GKS"
    assert gks["identifier"] == "ga4gh-registry:org.ga4gh.workstream.gks"
    assert gks["group"] == C + "ga4gh/working-group/gks"
    record = yaml.safe_load((DATA / "consortia" / "ga4gh.yaml").read_text(encoding="utf-8"))
    for group in record["working_groups"]:  # leads and members as the record names them
        row = next(r for r in rows if r["group"] == f"{C}ga4gh/working-group/{group['id']}")
        assert row.get("lead") == (O + group["lead"] if "lead" in group else None)
        named = {*group.get("members", []), *([group["lead"]] if "lead" in group else [])}
        assert int(row["organisations"]) == len(named)


@real("organisation-working-groups")
def _organisation_working_groups(kg: Graph) -> None:
    expected = set()
    for path in sorted((DATA / "consortia").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in record.get("working_groups") or []:
            if group.get("lead") == "eu-crg":
                expected.add((group["name"], "lead"))
            elif "eu-crg" in (group.get("members") or []):
                expected.add((group["name"], "member"))
    rows = values(kg.query("organisation-working-groups", organisation="eu-crg"))
    assert {(r["name"], r["role"]) for r in rows} == expected


@real("consortia-by-member-country")
def _member_country(kg: Graph) -> None:
    assert len(kg.query("consortia-by-member-country")) == 0


@real("organisations-by-type-and-country")
def _types(kg: Graph) -> None:
    rows = values(kg.query("organisations-by-type-and-country"))
    assert {r["name"] for r in rows} == ORGANISATIONS
    assert len(rows) == len(ORGANISATIONS)
    assert all("org_type" not in r and "org_country" not in r for r in rows)
    assert len(kg.query("organisations-by-type-and-country", type="facility")) == 0


@real("implementations-by-standard")
def _implementations(kg: Graph) -> None:
    refget = values(kg.query("implementations-by-standard", standard="refget"))
    assert Counter(r["runner"] for r in refget) == {
        "European Bioinformatics Institute": 4,
        GA4GH: 1,
    }
    ebi = values(kg.query("implementations-by-standard", organisation="uk-ac-ebi"))
    assert {r["name"] for r in ebi} == {
        "INSDC Refget Mirror",
        "Refget reference implementation",
        "CRAM Reference Registry",
        "Serverless refget on AWS",
    }
    assert {(r["standard"], r["version"]) for r in ebi} == {("refget", "1.0.0")}
    assert len(kg.query("implementations-by-standard")) == 29


@real("organisations-running-implementations")
def _running(kg: Graph) -> None:
    rows = values(kg.query("organisations-running-implementations", consortium="ga4gh"))
    assert {r["name"] for r in rows} == IMPLEMENTERS
    counts = {r["name"]: (int(r["implementations"]), int(r["standards"])) for r in rows}
    assert counts["Seven Bridges"] == (5, 2)
    assert counts["DNAstack"] == (4, 3)
    assert counts["European Bioinformatics Institute"] == (4, 1)
    assert sum(n for n, _ in counts.values()) == 24


@real("consortia-without-contacts")
def _without_contacts(kg: Graph) -> None:
    assert len(kg.query("consortia-without-contacts")) == 0


@real("stale-consortia")
def _stale(kg: Graph) -> None:
    assert values(kg.query("stale-consortia")) == [
        {
            "consortium": C + "ga4gh",
            "name": GA4GH,
            "last_updated": "2016-05-24",
            "file": "data/consortia/ga4gh.yaml",
        }
    ]
    assert len(kg.query("stale-consortia", before="2016-05-24")) == 0
    assert len(kg.query("stale-consortia", before="2016-05-25")) == 1


@real("records-by-source")
def _by_source(kg: Graph) -> None:
    page = values(kg.query("records-by-source", source="consortia-pedia-ga4gh"))
    assert {(r["kind"], r["file"]) for r in page} == {
        ("consortium", "data/consortia/ga4gh.yaml"),
        ("source", "data/sources/consortia-pedia-ga4gh.yaml"),
    }
    registry = values(kg.query("records-by-source", source="ga4gh-registry-prd"))
    assert Counter(r["kind"] for r in registry) == {
        "organisation": 15,
        "consortium": 1,
        "source": 1,
    }


@real("consortium-profile")
def _profile(kg: Graph) -> None:
    result = kg.query("consortium-profile", consortium="ga4gh").result
    assert isinstance(result, GraphResult)
    triples = {(str(t.subject), str(t.predicate), str(t.object)) for t in result.triples}
    ga4gh = f"<{C}ga4gh>"
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    gks = f"<{C}ga4gh/working-group/gks>"
    assert (ga4gh, label, f'"{GA4GH}"') in triples
    assert (ga4gh, "<http://www.w3.org/ns/org#hasUnit>", gks) in triples
    assert (gks, label, '"Genomic Knowledge Standards"') in triples
    assert {s for s, _, _ in triples} <= {ga4gh} | {o for _, _, o in triples}


@real("consortium-contacts")
def _contacts(kg: Graph) -> None:
    rows = values(kg.query("consortium-contacts", consortium="ga4gh"))
    assert {(r["kind"], r["value"], r.get("label")) for r in rows} == {
        ("phone", "416-977-7599", "phone"),
        ("phone", "866-678-6427", "toll-free"),
        (
            "address",
            "MaRS Centre, West Tower, 661 University Avenue, Suite 510, Toronto, Ontario M5G 0A3",
            None,
        ),
    }


def _records(folder: str) -> list[dict[str, Any]]:
    """The real records of one kind, read straight from YAML: expectations made independently."""
    return [yaml.safe_load(path.read_text()) for path in sorted((DATA / folder).glob("*.yaml"))]


def _implementations() -> list[dict[str, Any]]:
    return [
        impl
        for folder in ("consortia", "organisations")
        for record in _records(folder)
        for impl in record.get("implementations") or []
    ]


@real("dataset-summary")
def _summary(kg: Graph) -> None:
    rows = values(kg.query("dataset-summary"))
    consortia = _records("consortia")
    expected = {
        "consortia": len(consortia),
        "organisations": len(_records("organisations")),
        "sources": len(_records("sources")),
        "working groups": sum(len(c.get("working_groups") or []) for c in consortia),
        "memberships": sum(len(c.get("members") or []) for c in consortia),
        "standards": sum(len(c.get("standards") or []) for c in consortia),
        "standard implementations": len(_implementations()),
    }
    assert {r["what"]: int(r["count"]) for r in rows} == {k: v for k, v in expected.items() if v}
    assert expected["consortia"] == 1 and expected["organisations"] == 15
    assert expected["working groups"] == 8 and expected["standard implementations"] == 29


@real("consortium-standards")
def _standards(kg: Graph) -> None:
    (ga4gh,) = _records("consortia")
    standards = ga4gh.get("standards") or []
    rows = values(kg.query("consortium-standards", consortium="ga4gh"))
    assert {r["name"] for r in rows} == {s["name"] for s in standards}
    runs = Counter(impl["standard"] for impl in _implementations())
    groups = {g["id"]: g["name"] for g in ga4gh["working_groups"]}
    for standard in standards:
        row = next(r for r in rows if r["standard"] == f"{C}ga4gh/standard/{standard['id']}")
        assert int(row["implementations"]) == runs[standard["id"]], standard["id"]
        assert int(row["versions"]) == len(standard.get("versions") or [])
        assert row["release_status"] == CKG + "release-" + standard["status"]
        assert row.get("working_group") == groups.get(standard.get("working_group", ""))
    approved = values(kg.query("consortium-standards", status="approved"))
    assert {r["name"] for r in approved} == {
        s["name"] for s in standards if s.get("status") == "approved"
    }
    if standards:  # the registry's standards, as the importer wrote them
        refget = next(r for r in rows if r["name"] == "Refget")
        assert (refget["working_group"], refget["implementations"]) == ("Large Scale Genomics", "5")


#: Questions of the registry snapshots (CORDIS...): the curated records alone record no
#: memberships and no registry, so these answer nothing here; tests/test_queries_real.py asks
#: them of the whole default graph.
REGISTRY_QUESTIONS = {
    "organisation-consortia": {"organisation": "eu-crg"},
    "organisation-collaborators": {"organisation": "eu-crg"},
    "consortia-shared-by": {"organisation": "eu-crg", "other": "uk-ac-ebi"},
    "consortia-per-programme-part": {},
    "participation-by-country": {},
    "organisations-in-most-consortia": {},
    "organisations-in-several-sources": {},
    "organisation-everywhere": {"organisation": "eu-crg"},
    "linked-coordinators": {},
    "cross-source-links": {},
    "cross-source-link-counts": {},
}


def _nothing_without_registries(name: str, params: dict[str, str]) -> Check:
    def check(kg: Graph) -> None:
        assert len(kg.query(name, **params)) == 0

    return check


for _name, _params in REGISTRY_QUESTIONS.items():
    real(_name)(_nothing_without_registries(_name, _params))


def test_every_named_query_is_checked() -> None:
    assert sorted(REAL) == sorted(NAMES)


@pytest.mark.parametrize("name", sorted(REAL))
def test_named_query_on_real_data(name: str, kg: Graph) -> None:
    REAL[name](kg)


# --- a richer copy of the data: members, countries, types, diseases ----------------------------

EXTRA = {
    "consortia/alpha-net.yaml": """\
id: "alpha-net"
name: "Alpha Cancer Network"
status: "active"
year_launched: "2008"
disease_focus: ["Cancer", "Leukaemia"]
scope: "national"
host_institutions:
  - organisation: "uk-ac-ebi"
working_groups:
  - id: "wp1"
    name: "Data platform"
    lead: "test-university"
    members: ["test-lab", "test-university"]
  - id: "wp2"
    name: "Outreach"
    members: ["test-lab"]
members:
  - organisation: "uk-ac-ebi"
    role: "founding member"
    start: "2008-03"
  - organisation: "test-university"
    role: "member"
    start: "2010"
    end: "2015-06-30"
last_updated: "2010-01-15"
sources: ["consortia-pedia-ga4gh"]
""",
    "consortia/beta-alliance.yaml": """\
id: "beta-alliance"
name: "Beta Alliance for Alzheimer's Disease"
status: "completed"
year_launched: "2016"
year_ended: "2020"
disease_focus: ["Alzheimer's Disease"]
scope: "regional"
members:
  - organisation: "uk-ac-ebi"
    role: "member"
  - organisation: "test-university"
    role: "member"
  - organisation: "test-lab"
    role: "associate"
contacts:
  - kind: "email"
    value: "office@beta.example.org"
    label: "office"
last_updated: "2021-03-01"
sources: ["consortia-pedia-ga4gh"]
""",
    "organisations/test-university.yaml": """\
id: "test-university"
name: "Test University"
types: ["education"]
locations:
  - city: "Cambridge"
    country_code: "GB"
sources: ["consortia-pedia-ga4gh"]
""",
    "organisations/test-lab.yaml": """\
id: "test-lab"
name: "Test Laboratory"
types: ["facility", "nonprofit"]
locations:
  - city: "Helsinki"
    country_code: "FI"
sources: ["consortia-pedia-ga4gh"]
""",
    "organisations/test-orphan.yaml": """\
id: "test-orphan"
name: "Orphan Institute"
types: ["education"]
locations:
  - city: "Espoo"
    country_code: "FI"
sources: ["consortia-pedia-ga4gh"]
""",
}


def write_richer_data(target: Path) -> Path:
    """Copy data/ and add two made-up consortia sharing members, and three organisations."""
    shutil.copytree(DATA, target)
    for name, text in EXTRA.items():
        (target / name).write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    folder = tmp_path_factory.mktemp("rich")
    return open_graph(write_richer_data(folder / "data"), store=folder / "store")


RICH: list[tuple[str, dict[str, Any], list[tuple[str, ...]], tuple[str, ...]]] = [
    (
        "working-groups",
        {"consortium": "alpha-net"},
        [("Data platform", "Test University", "2"), ("Outreach", "", "1")],
        ("name", "lead_name", "organisations"),
    ),
    (
        "organisation-working-groups",
        {"organisation": "test-lab"},
        [
            ("Alpha Cancer Network", "Data platform", "member"),
            ("Alpha Cancer Network", "Outreach", "member"),
        ],
        ("consortium_name", "name", "role"),
    ),
    (
        "organisation-working-groups",
        {"organisation": "test-university"},
        [("Alpha Cancer Network", "Data platform", "lead")],
        ("consortium_name", "name", "role"),
    ),
    (
        "consortium-members",
        {"consortium": "alpha-net"},
        [
            ("European Bioinformatics Institute", "founding member", "2008-03", ""),
            ("Test University", "member", "2010", "2015-06-30"),
        ],
        ("name", "role", "start", "end"),
    ),
    (
        "consortium-members",
        {"consortium": "beta-alliance"},
        [
            ("European Bioinformatics Institute", "member"),
            ("Test Laboratory", "associate"),
            ("Test University", "member"),
        ],
        ("name", "role"),
    ),
    (
        "consortia-sharing-members",
        {"consortium": "alpha-net"},
        [("Beta Alliance for Alzheimer's Disease", "2")],
        ("other_name", "shared"),
    ),
    (
        "consortia-sharing-members",
        {},
        [
            ("Beta Alliance for Alzheimer's Disease", "2"),
            ("Alpha Cancer Network", "2"),
        ],
        ("other_name", "shared"),
    ),
    (
        "consortia-by-member-country",
        {},
        [
            ("Beta Alliance for Alzheimer's Disease", "FI", "1"),
            ("Alpha Cancer Network", "GB", "1"),
            ("Beta Alliance for Alzheimer's Disease", "GB", "1"),
        ],
        ("name", "country", "members"),
    ),
    (
        "consortia-by-member-country",
        {"country": "FI"},
        [("Beta Alliance for Alzheimer's Disease", "1")],
        ("name", "members"),
    ),
    (
        "organisations-in-consortia",
        {"min_consortia": 2},
        [("European Bioinformatics Institute", "3"), ("Test University", "2")],
        ("name", "consortia"),
    ),
    (
        "organisations-without-consortium",
        {},
        [("Gen3",), ("Orphan Institute",)],
        ("name",),
    ),
    (
        "organisations-by-type-and-country",
        {"type": "education", "country": "FI"},
        [("Orphan Institute", "Espoo")],
        ("name", "city"),
    ),
    (
        "organisations-by-type-and-country",
        {"type": "facility"},
        [("Test Laboratory", "FI")],
        ("name", "org_country"),
    ),
    (
        "consortia-by-disease-focus",
        {"disease": "ALZ"},
        [("Beta Alliance for Alzheimer's Disease", "Alzheimer's Disease")],
        ("name", "focus"),
    ),
    (
        "consortia-by-disease-focus",
        {},
        [
            ("Alpha Cancer Network", "Cancer"),
            ("Alpha Cancer Network", "Leukaemia"),
            ("Beta Alliance for Alzheimer's Disease", "Alzheimer's Disease"),
            (GA4GH, "(no disease focus)"),
        ],
        ("name", "focus"),
    ),
    (
        "consortia-by-status",
        {"status": "completed"},
        [("Beta Alliance for Alzheimer's Disease",)],
        ("name",),
    ),
    ("consortia-by-scope", {"scope": "national"}, [("Alpha Cancer Network",)], ("name",)),
    (
        "consortia-launched-between",
        {"since": 2010, "until": 2020},
        [(GA4GH, "2013", ""), ("Beta Alliance for Alzheimer's Disease", "2016", "2020")],
        ("name", "launched", "ended"),
    ),
    (
        "launch-timeline",
        {"consortium": "beta-alliance"},
        [("2016", "launched"), ("2020", "ended")],
        ("date", "event"),
    ),
    (
        "consortia-without-contacts",
        {},
        [("Alpha Cancer Network", "false", "data/consortia/alpha-net.yaml")],
        ("name", "has_address", "file"),
    ),
    (
        "stale-consortia",
        {},
        [("Alpha Cancer Network", "2010-01-15"), (GA4GH, "2016-05-24")],
        ("name", "last_updated"),
    ),
    (
        "consortium-governance",
        {"consortium": "alpha-net"},
        [
            ("host institution", "European Bioinformatics Institute"),
            ("working group", "Data platform"),
            ("working group", "Outreach"),
        ],
        ("kind", "name"),
    ),
    (
        "consortium-contacts",
        {"consortium": "beta-alliance"},
        [("email", "office@beta.example.org", "office")],
        ("kind", "value", "label"),
    ),
]


@pytest.mark.parametrize(
    ("name", "params", "expected", "columns"),
    RICH,
    ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in p.items()) or 'all'}" for n, p, _, _ in RICH],
)
def test_named_query_on_richer_data(
    rich: Graph,
    name: str,
    params: dict[str, Any],
    expected: list[tuple[str, ...]],
    columns: tuple[str, ...],
) -> None:
    rows = values(rich.query(name, **params))
    assert [tuple(r.get(c, "") for c in columns) for r in rows] == expected


def test_richer_summary_counts_memberships(rich: Graph) -> None:
    rows = {r["what"]: int(r["count"]) for r in values(rich.query("dataset-summary"))}
    assert rows["memberships"] == 5
    assert rows["consortia"] == 3
    assert rows["organisations"] == 18


# --- binding parameters ------------------------------------------------------------------------


def test_values_block_opens_the_where_group_on_the_same_line() -> None:
    text = 'PREFIX ex: <http://ex/{x}#>\n# a { comment\nSELECT ?s WHERE {\n  ?s ?p "}" .\n}\n'
    bound = bind_query(text, {"p": ox.NamedNode("http://ex/p")})
    assert bound.splitlines()[2] == "SELECT ?s WHERE { VALUES (?p) { (<http://ex/p>) } "
    assert len(bound.splitlines()) == len(text.splitlines())
    assert bound.splitlines()[3] == '  ?s ?p "}" .'


@pytest.mark.parametrize(
    ("text", "opens_after"),
    [
        ("SELECT * { ?s ?p ?o }", "SELECT * {"),
        ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "WHERE {"),
        ("SELECT ?s WHERE { { SELECT ?s { ?s ?p ?o } } }", "SELECT ?s WHERE {"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "} WHERE {"),
        ("CONSTRUCT { ?s ?p ?o } { ?s ?p ?o }", "} {"),
        ("ASK { ?s ?p ?o }", "ASK {"),
        ("DESCRIBE ?s WHERE { ?s ?p ?o }", "WHERE {"),
        ("SELECT ?s # WHERE {\nWHERE { ?s <http://ex/a#b> '''{'''; ?p \"{\" }", "\nWHERE {"),
    ],
)
def test_values_block_position(text: str, opens_after: str) -> None:
    bound = bind_query(text, {"o": ox.Literal("x")})
    assert bound.index(' VALUES (?o) { ("x") } ') == text.index(opens_after) + len(opens_after)
    ox.Store().query(bound)  # still parses


def test_construct_where_short_form_cannot_take_parameters() -> None:
    from consortia_kg.errors import InputError

    with pytest.raises(InputError, match="short form"):
        bind_query("CONSTRUCT WHERE { ?s ?p ?o }", {"o": ox.Literal("x")})


def test_a_value_stays_one_term_whatever_it_holds(kg: Graph) -> None:
    nasty = '"} } SELECT * WHERE { ?s ?p ?o } #\\'
    assert len(kg.query("consortia-by-disease-focus", disease=nasty)) == 0
    text = bind_query("SELECT ?x WHERE { }", {"x": ox.Literal(nasty)})
    rows = list(ox.Store().query(text))
    assert [r["x"].value for r in rows] == [nasty]


@pytest.mark.parametrize(
    ("name", "param", "value", "message"),
    [
        ("working-groups", "consortium", "GA4GH", "is of type consortium: 'GA4GH' is not"),
        ("consortia-launched-between", "since", "20x", "is of type year: '20x' is not a year"),
        ("consortia-launched-between", "until", "13", "is not a year of four digits"),
        ("organisations-in-consortia", "min_consortia", "two", "is not a whole number"),
        ("stale-consortia", "before", "2020-02-30", "is not a date written YYYY-MM-DD"),
        ("stale-consortia", "before", "01/02/2020", "is not a date written YYYY-MM-DD"),
        ("consortia-by-status", "status", "actve", "'actve' is not one of its words"),
        ("consortia-by-disease-focus", "disease", "  ", "is of type string"),
        ("records-by-source", "source", "a source", "is of type source"),
    ],
)
def test_wrong_typed_parameter_is_refused(
    name: str, param: str, value: str, message: str, kg: Graph
) -> None:
    with pytest.raises(ParamError, match=message.replace("(", r"\(")):
        kg.query(name, **{param: value})


def test_term_parameter_suggests_the_word() -> None:
    with pytest.raises(ParamError) as info:
        find_query("consortia-by-status").bindings({"status": "actve"}, BASE)
    assert "did you mean active?" in str(info.value)


def test_unknown_and_missing_parameters() -> None:
    query = find_query("consortium-profile")
    with pytest.raises(ParamError, match="needs parameter consortium"):
        query.bindings({}, BASE)
    with pytest.raises(ParamError, match="takes no parameter 'consortia'"):
        query.bindings({"consortia": "ga4gh"}, BASE)


def test_defaults_are_bound_as_typed_terms() -> None:
    bindings = find_query("consortia-launched-between").bindings({"until": "2015"}, BASE)
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    assert bindings == {
        "since": ox.Literal("1900", datatype=integer),
        "until": ox.Literal("2015", datatype=integer),
    }
    status = find_query("consortia-by-status").bindings({"status": "active"}, BASE)
    assert status == {"status": ox.NamedNode(CKG + "status-active")}
    iri = find_query("working-groups").bindings({"consortium": "ga4gh"}, "https://example.org/kg/")
    assert iri == {"consortium": ox.NamedNode("https://example.org/kg/consortium/ga4gh")}


def test_ad_hoc_query_takes_typed_parameters(kg: Graph) -> None:
    text = (
        "PREFIX schema: <https://schema.org/>\n"
        "SELECT ?c WHERE { ?c schema:foundingDate ?d FILTER(STR(?d) = STR(?year)) }"
    )
    assert len(kg.sparql(text, year__integer=2013)) == 1
    assert len(kg.sparql(text, year=2013)) == 1
    with pytest.raises(ParamError, match="no variable \\?month"):
        kg.sparql(text, month="1")
    with pytest.raises(ParamError, match="is of type integer"):
        kg.sparql(text, year__integer="MMXIII")


def test_param_assignments() -> None:
    assert parse_param_assignments(["a=1", "b:integer=2", "c="]) == {
        "a": "1",
        "b:integer": "2",
        "c": "",
    }
    with pytest.raises(ParamError, match="is not NAME=VALUE"):
        parse_param_assignments(["a-b=1"])
    with pytest.raises(ParamError, match="given twice"):
        parse_param_assignments(["a=1", "a:integer=2"])


def test_query_form() -> None:
    assert query_form("# SELECT\nPREFIX a: <http://x/>\nCONSTRUCT { ?s ?p ?o } { ?s ?p ?o }") == (
        "CONSTRUCT"
    )
    assert query_form("ask { }") == "ASK"
    assert query_from_text("SELECT * {}").declared is False


# --- the command line --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store_dir(kg: Graph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "store"
    runner = CliRunner()
    result = runner.invoke(main, ["query", "dataset-summary", "--store", str(folder), "-q"])
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def run(store_dir: Path) -> Callable[..., Result]:
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(
            main, ["query", *args, "--data", str(DATA), "--store", str(store_dir)]
        )

    return invoke


def test_table_is_aligned_and_stdout_holds_rows_only(run: Callable[..., Result]) -> None:
    result = run("working-groups", "--param", "consortium=ga4gh")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "consortium", "group", "name", "acronym", "identifier", "members", "lead", "lead_name",
        "organisations",
    ]  # fmt: skip
    assert set(lines[1]) == {"-", " "}
    assert len(lines) == 2 + 8
    starts = [lines[0].index(word) for word in ("group", "name", "acronym")]
    for line in lines[2:]:
        assert [line[s - 2 : s] for s in starts] == ["  "] * 3
    assert "consortium:ga4gh/working-group/gks" in result.stdout
    assert "working-groups: 8 rows in" in result.stderr


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml"])
def test_select_formats_parse_back(run: Callable[..., Result], fmt: str) -> None:
    result = run("working-groups", "-p", "consortium=ga4gh", "--format", fmt, "-q")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    text = result.stdout
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        names = {r["name"] for r in rows}
        assert rows[0]["consortium"] == C + "ga4gh"
    elif fmt == "tsv":
        header, *lines = text.splitlines()
        assert header.split("\t")[:3] == ["?consortium", "?group", "?name"]
        names = {line.split("\t")[2].strip('"') for line in lines}
    elif fmt == "json":
        doc = json.loads(text)
        assert doc["head"]["vars"][:3] == ["consortium", "group", "name"]
        names = {b["name"]["value"] for b in doc["results"]["bindings"]}
    else:
        ns = "{http://www.w3.org/2005/sparql-results#}"
        root = ET.fromstring(text)
        names = {
            b.find(f"{ns}literal").text  # type: ignore[union-attr]
            for b in root.iter(f"{ns}binding")
            if b.get("name") == "name"
        }
    assert names == WORKING_GROUPS


@pytest.mark.parametrize(
    ("fmt", "rdf_format"),
    [
        ("turtle", ox.RdfFormat.TURTLE),
        ("jsonld", ox.RdfFormat.JSON_LD),
        ("ntriples", ox.RdfFormat.N_TRIPLES),
    ],
)
def test_construct_formats_parse_back(
    run: Callable[..., Result], fmt: str, rdf_format: ox.RdfFormat, kg: Graph
) -> None:
    result = run("consortium-profile", "-p", "consortium=ga4gh", "-f", fmt, "-q")
    assert result.exit_code == 0, result.output
    parsed = {q.triple for q in ox.parse(result.stdout_bytes, format=rdf_format)}
    expected = kg.query("consortium-profile", consortium="ga4gh").result
    assert isinstance(expected, GraphResult)
    assert parsed == set(expected.triples)


def test_format_is_guessed_from_output_extension(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    target = tmp_path / "groups.csv"
    result = run("working-groups", "-o", str(target), "-q")
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text().startswith("consortium,group,name,acronym,identifier,members")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["working-groups", "-p", "consortium=GA4GH"], "is of type consortium"),
        (["consortium-profile"], "needs parameter consortium"),
        (["working-groups", "-f", "turtle"], "--format turtle does not fit a SELECT query"),
        (["consortium-profile", "-p", "consortium=ga4gh", "-f", "csv"], "does not fit"),
        (["workinggroups"], "did you mean working-groups or organisation-working-groups?"),
        ([], "give a query"),
        (["working-groups", "--sparql", "SELECT * {}"], "give a query"),
        (["working-groups", "-f", "markdown"], "--format markdown is for --list"),
        (["working-groups", "-p", "consortium"], "is not NAME=VALUE"),
        (["nope.rq"], "query file nope.rq does not exist"),
    ],
)
def test_usage_errors_exit_2_without_traceback(
    run: Callable[..., Result], args: list[str], message: str
) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_syntax_error_names_file_line_and_column(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    path = tmp_path / "broken.rq"
    path.write_text("SELECT ?x WHERE {\n  ?x a ?y .\n  ?x foo:bar ?z\n}\n")
    result = run(str(path))
    assert result.exit_code == 2
    assert f"{path}:3:13: SPARQL syntax error: the prefix foo: is not declared" in result.stderr
    assert "    ?x foo:bar ?z\n" in result.stderr
    inline = run("--sparql", "SELECT ?x WHERE {\n ?x ?y ?z . ?x ?y\n}")
    assert inline.exit_code == 2
    assert "--sparql:3:2: SPARQL syntax error" in inline.stderr


def test_syntax_error_position_ignores_bound_parameters(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    path = tmp_path / "broken.rq"
    path.write_text("SELECT ?x WHERE { ?x ?p ?v . ?x foo:bar ?y }\n")
    bare = run(str(path))
    bound = run(str(path), "-p", "v=hello")
    assert bare.exit_code == bound.exit_code == 2
    position = bare.stderr.split(": SPARQL syntax error")[0]
    assert position.endswith(":1:40")
    assert bound.stderr.split(": SPARQL syntax error")[0] == position


def test_list_shows_every_query(run: Callable[..., Result]) -> None:
    result = run("--list")
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == NAMES
    assert "consortia-launched-between" in result.stdout
    listed = json.loads(run("--list", "--format", "json").stdout)
    assert [q["name"] for q in listed] == NAMES
    between = next(q for q in listed if q["name"] == "consortia-launched-between")
    assert [(p["name"], p["type"], p["default"]) for p in between["params"]] == [
        ("since", "year", "1900"),
        ("until", "year", "2100"),
    ]
    assert run("--list", "--format", "markdown").stdout == render_queries_page()


def test_print_query_shows_the_bound_query(run: Callable[..., Result]) -> None:
    result = run("working-groups", "-p", "consortium=ga4gh", "--print-query")
    assert result.exit_code == 0
    assert (
        "WHERE { VALUES (?consortium) { (<https://w3id.org/consortia-kg/consortium/ga4gh>) }"
        in (result.stdout)
    )


def test_rows_as_records_and_dataframe(kg: Graph) -> None:
    rows = kg.query("organisations-running-implementations", consortium="ga4gh")
    records = rows.records()
    ebi = next(r for r in records if r["name"] == "European Bioinformatics Institute")
    assert ebi["implementations"] == 4 and isinstance(ebi["implementations"], int)
    pandas = pytest.importorskip("pandas")
    frame = rows.to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == [
        "consortium",
        "organisation",
        "name",
        "implementations",
        "standards",
    ]
    assert int(frame["implementations"].sum()) == 24


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * FROM <http://x/g> WHERE { ?s ?p ?o }", True),
        ("select * from named <http://x/g> { GRAPH ?g { ?s ?p ?o } }", True),
        ("# records derived from a source\nSELECT * WHERE { ?s ?p 'from' }", False),
        ("SELECT ?from WHERE { ?s <http://x/FROM> ?from }", False),
        ("PREFIX from: <http://x/> SELECT * WHERE { ?s from:a ?o }", False),
    ],
)
def test_a_dataset_clause_is_found_by_the_lexer(text: str, expected: bool) -> None:
    from consortia_kg.query.named import query_has_dataset

    assert query_has_dataset(text) is expected
