"""The NFDI and ELIXIR snapshots: each mapped alone from the real files, checked, and broken.

Expected figures are computed here from the published files (csv, ast, json), never written
down; the few fixed numbers (19 consortia, 21 lead institutes) are the ones SOURCES.md states.
Bad input goes through ``consortia-kg validate --data`` on a copy whose manifest checksum is
rewritten, so the mapping (not the checksum) is what refuses it.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import Result

from consortia_kg.build.graph import BuiltGraph
from consortia_kg.errors import Severity
from consortia_kg.registries import MappedSnapshot, map_snapshots
from consortia_kg.registries.elixir import COUNTRY_CODES
from consortia_kg.validate.engine import validate_graph
from consortia_kg.vocab import DEFAULT_BASE_IRI
from helpers.paths import REAL_DATA

BASE = DEFAULT_BASE_IRI
NFDI = REAL_DATA / "registries" / "nfdi"
ELIXIR = REAL_DATA / "registries" / "elixir"
NFDI_FILE, ELIXIR_FILE = "consortia-gepris.csv", "node-map.js"
ROLE_COLUMNS = {
    "Applying institution": "applicant",
    "Co-applicant institution": "co-applicant",
    "Participating Institution": "participant",
    "Cooperation partners": "cooperation-partner",
}
PREFIXES = (
    "PREFIX org: <http://www.w3.org/ns/org#> "
    "PREFIX ckg: <https://w3id.org/consortia-kg/ontology#> "
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX dcterms: <http://purl.org/dc/terms/> "
    "PREFIX schema: <https://schema.org/> "
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
)


# --- the published files, read here independently of the mappings ------------------------------


def _nfdi_rows() -> list[dict[str, str]]:
    text = (NFDI / NFDI_FILE).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _nfdi_memberships() -> set[tuple[str, str, str]]:
    """(project number, institution number, role) of every institution pair in the file."""
    found = set()
    for row in _nfdi_rows():
        project = row["gepris"].rsplit("/", 1)[1]
        for column, role in ROLE_COLUMNS.items():
            for _name, page in ast.literal_eval(row[column]) if row[column] else []:
                if "/institution/" in page:
                    found.add((project, page.rsplit("/", 1)[1], role))
    return found


def _elixir_collections() -> dict[str, list[dict[str, Any]]]:
    text = (ELIXIR / ELIXIR_FILE).read_text(encoding="utf-8")
    found = re.findall(r"var (\w+) = (\{.*?\n\});", text, re.DOTALL)
    return {name: json.loads(value)["features"] for name, value in found}


# --- mapping one snapshot alone -----------------------------------------------------------------


def _data_with(tmp: Path, snapshot: Path) -> Path:
    data = tmp / "data"
    shutil.copytree(snapshot, data / "registries" / snapshot.name)
    for path in (data / "registries" / snapshot.name).iterdir():
        path.chmod(0o644)
    return data


def _mapped(data: Path) -> MappedSnapshot:
    [mapped] = map_snapshots(data, BASE)
    assert not [p for p in mapped.problems if p.fatal], mapped.problems
    return mapped


def _store(mapped: MappedSnapshot) -> ox.Store:
    store = ox.Store()
    store.load(mapped.nquads, format=ox.RdfFormat.N_QUADS)
    return store


@pytest.fixture(scope="module")
def nfdi(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> MappedSnapshot:
    """The NFDI snapshot mapped alone."""
    return _mapped(_data_with(tmp_path_factory.mktemp("nfdi"), NFDI))


@pytest.fixture(scope="module")
def elixir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> MappedSnapshot:
    """The ELIXIR snapshot mapped alone."""
    return _mapped(_data_with(tmp_path_factory.mktemp("elixir"), ELIXIR))


def _rows(store: ox.Store, where: str, select: str = "*") -> list[dict[str, str]]:
    query = f"{PREFIXES} SELECT {select} WHERE {{ {where} }}"
    solutions = store.query(query, use_default_graph_as_union=True)  # type: ignore[arg-type]
    names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
    return [{n: s[n].value for n in names if s[n] is not None} for s in solutions]  # type: ignore[union-attr]


def _count(store: ox.Store, where: str) -> int:
    return len(_rows(store, where))


# --- the snapshots are the published files --------------------------------------------------------


@pytest.mark.parametrize(
    ("snapshot", "name", "published"),
    [
        (NFDI, NFDI_FILE, "nfdi-consortia-gepris.csv"),
        (ELIXIR, ELIXIR_FILE, "elixir-node-map.js"),
    ],
)
def test_the_snapshot_holds_the_file_as_published(
    shared_data: Path, snapshot: Path, name: str, published: str
) -> None:
    assert (snapshot / name).read_bytes() == (shared_data / published).read_bytes()


# --- NFDI ---------------------------------------------------------------------------------------


def test_nfdi_consortia_institutions_and_memberships_as_the_file_lists_them(
    nfdi: MappedSnapshot,
) -> None:
    store = _store(nfdi)
    rows = _nfdi_rows()
    memberships = _nfdi_memberships()
    assert len(rows) == 19
    assert _count(store, "?c a ckg:Consortium") == 19
    institutions = {institution for _, institution, _ in memberships}
    assert _count(store, "?o a org:FormalOrganization") == len(institutions)
    assert _count(store, "?m a org:Membership") == len(memberships)
    for role in ROLE_COLUMNS.values():
        expected = sum(1 for *_, r in memberships if r == role)
        where = f"?m org:role <{BASE}role/{role}>"
        assert _count(store, where) == expected, role


def test_nfdi_consortia_are_matched_to_their_gepris_pages(nfdi: MappedSnapshot) -> None:
    store = _store(nfdi)
    found = {
        (r["page"], r["name"])
        for r in _rows(store, "?c a ckg:Consortium ; skos:exactMatch ?page ; ckg:acronym ?name")
    }
    assert found == {(row["gepris"], row["title"]) for row in _nfdi_rows()}
    iris = {r["c"] for r in _rows(store, "?c a ckg:Consortium")}
    assert iris == {
        f"{BASE}consortium/gepris-{row['gepris'].rsplit('/', 1)[1]}" for row in _nfdi_rows()
    }


def test_nfdi_institutions_carry_their_gepris_number_and_page(nfdi: MappedSnapshot) -> None:
    store = _store(nfdi)
    rows = _rows(
        store, "?o a org:FormalOrganization ; dcterms:identifier ?id ; skos:exactMatch ?page"
    )
    assert rows
    for row in rows:
        number = row["o"].rsplit("-", 1)[1]
        assert row["id"] == f"gepris:{number}"
        assert row["page"] == f"https://gepris.dfg.de/gepris/institution/{number}"


def test_nfdi_subject_areas_are_the_cells_areas_as_published(nfdi: MappedSnapshot) -> None:
    store = _store(nfdi)
    labels = {
        r["c"]: []
        for r in _rows(store, "?c a ckg:Consortium")  # every consortium has areas
    }
    for r in _rows(store, "?c dcterms:subject ?a . ?a skos:prefLabel ?label"):
        labels[r["c"]].append(r["label"])
    for row in _nfdi_rows():
        areas = labels[f"{BASE}consortium/gepris-{row['gepris'].rsplit('/', 1)[1]}"]
        # the areas, joined as the cell joins them, are the cell: nothing split or lost
        assert sum(map(len, areas)) + 2 * (len(areas) - 1) == len(row["subject_area"])
        assert all(area in row["subject_area"] for area in areas)
    concepts = {r["label"] for r in _rows(store, "?a a skos:Concept ; skos:prefLabel ?label")}
    assert "Agriculture, Forestry and Veterinary Medicine" in concepts
    assert "Agriculture" not in concepts and "Computer Science" not in concepts


def test_nfdi_people_are_not_published(nfdi: MappedSnapshot) -> None:
    assert b"/gepris/person/" not in nfdi.nquads
    [people] = [p for p in nfdi.problems if "person page" in p.message]
    assert people.severity == Severity.WARNING
    assert people.file.endswith(f"nfdi/{NFDI_FILE}") and people.line > 1


def test_nfdi_quirks_are_warnings_at_file_row(nfdi: MappedSnapshot) -> None:
    assert nfdi.problems
    for problem in nfdi.problems:
        assert problem.severity == Severity.WARNING, problem
        assert problem.file.endswith(NFDI_FILE) and problem.line > 1, problem
    namesakes = [p for p in nfdi.problems if "two GEPRIS institutions are named" in p.message]
    assert len(namesakes) == 2  # EMBL and GESIS each have two GEPRIS institution pages


def test_nfdi_snapshot_names_its_licence(nfdi: MappedSnapshot) -> None:
    store = _store(nfdi)
    [row] = _rows(store, f"<{BASE}registry/nfdi> dcterms:license ?l")
    assert row["l"] == "https://opensource.org/licenses/MIT"


# --- ELIXIR -------------------------------------------------------------------------------------


def test_elixir_nodes_and_their_leads(elixir: MappedSnapshot) -> None:
    store = _store(elixir)
    features = _elixir_collections()
    leads = features["leadInstitutes"]
    nodes = {f["properties"]["node"] for f in leads + features["nodeInstitutes"]}
    assert len(leads) == 21
    assert _count(store, f"<{BASE}consortium/elixir> org:hasMember ?n") == len(nodes)
    led = _rows(store, "?n ckg:leadOrganisation ?o . ?n rdfs:label ?node . ?o rdfs:label ?name")
    assert {(r["node"], r["name"]) for r in led} == {
        (f["properties"]["node"], f["properties"]["name"]) for f in leads
    }
    lead_roles = "?m org:role <%srole/lead-institute> ; org:member ?o ; org:organization ?n"
    assert _count(store, lead_roles % BASE) == len(leads)
    [hub] = _rows(store, f"<{BASE}consortium/elixir> org:hasUnit ?h . ?h rdfs:label ?name")
    assert hub["name"] == features["hub"][0]["properties"]["name"]


def test_every_node_institute_is_a_member_of_its_node(elixir: MappedSnapshot) -> None:
    store = _store(elixir)
    features = _elixir_collections()
    members = _rows(
        store,
        "?m org:member ?o ; org:organization ?n ; org:role ?r . "
        "?o rdfs:label ?name . ?n rdfs:label ?node",
    )
    found = {(r["node"], r["name"]) for r in members if r["r"].endswith("/node-institute")}
    expected = {
        (f["properties"]["node"], f["properties"]["name"]) for f in features["nodeInstitutes"]
    }
    assert found == expected
    unled = {node for node, _ in expected} - {
        f["properties"]["node"] for f in features["leadInstitutes"]
    }
    warned = {p.message.split()[1] for p in elixir.problems if "has no lead institute" in p.message}
    assert warned == unled and unled  # ELIXIR-SP, ELIXIR-Cyprus, EMBL-EBI in this snapshot


def test_elixir_institutes_are_placed(elixir: MappedSnapshot) -> None:
    store = _store(elixir)
    features = _elixir_collections()
    names = {
        f["properties"]["name"] for f in features["leadInstitutes"] + features["nodeInstitutes"]
    }
    placed = _rows(
        store,
        "?o a org:FormalOrganization ; rdfs:label ?name ; schema:location ?p . "
        "?p schema:latitude ?lat ; schema:longitude ?lon . "
        "FILTER (datatype(?lat) = xsd:decimal && datatype(?lon) = xsd:decimal)",
    )
    assert {r["name"] for r in placed} == names
    countries = _rows(
        store,
        "?p a schema:Place ; schema:name ?country . OPTIONAL { ?p schema:addressCountry ?code }",
    )
    assert len(countries) == 1 + len(features["leadInstitutes"])  # the Hub and the leads
    for row in countries:
        assert row.get("code") == COUNTRY_CODES.get(row["country"])


def test_country_codes_are_the_ror_files_geonames_names(shared_data: Path) -> None:
    geonames = {}
    for line in (shared_data / "ror-records-v2.0.jsonl").read_text(encoding="utf-8").splitlines():
        for location in json.loads(line).get("locations", []):
            details = location.get("geonames_details", {})
            geonames[details.get("country_name")] = details.get("country_code")
    assert {name: geonames.get(name) for name in COUNTRY_CODES} == COUNTRY_CODES


def test_elixir_quirks_are_warnings_at_file_line(elixir: MappedSnapshot) -> None:
    features = _elixir_collections()
    pairs = [(f["properties"]["node"], f["properties"]["name"]) for f in features["nodeInstitutes"]]
    repeated = len(pairs) - len(set(pairs))
    twice = [p for p in elixir.problems if "is listed twice" in p.message]
    assert len(twice) == repeated
    text = (ELIXIR / ELIXIR_FILE).read_text(encoding="utf-8").splitlines()
    for problem in elixir.problems:
        assert problem.severity == Severity.WARNING, problem
        assert problem.file.endswith(ELIXIR_FILE)
        assert text[problem.line - 1].strip().startswith("{"), problem  # a feature starts there


def test_elixir_snapshot_says_no_licence_is_stated(elixir: MappedSnapshot) -> None:
    store = _store(elixir)
    source = f"<{BASE}registry/elixir>"
    assert _count(store, f"{source} dcterms:license ?l") == 0
    [row] = _rows(store, f"{source} dcterms:rights ?r")
    assert "no licence" in row["r"]


# --- both conform to the shapes -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["nfdi", "elixir"])
def test_the_mapped_graph_conforms_to_the_shapes(name: str, request: pytest.FixtureRequest) -> None:
    mapped: MappedSnapshot = request.getfixturevalue(name)
    quads = list(ox.parse(mapped.nquads, format=ox.RdfFormat.N_QUADS))
    result = validate_graph(BuiltGraph(base=BASE, quads=quads))
    violations = [p.message for p in result.problems if p.severity == Severity.VIOLATION]
    assert violations == []


# --- bad input: exit 2 with a finding at file:row -------------------------------------------------


def _broken(tmp_path: Path, snapshot: Path, name: str, edit: Callable[[str], str]) -> Path:
    data = _data_with(tmp_path, snapshot)
    folder = data / "registries" / snapshot.name
    path = folder / name
    old = hashlib.sha256(path.read_bytes()).hexdigest()
    raw = edit(path.read_bytes().decode("utf-8")).encode("utf-8")
    path.write_bytes(raw)
    manifest = folder / "snapshot.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace(old, hashlib.sha256(raw).hexdigest()), encoding="utf-8")
    return data


def _second_row_cell(text: str) -> str:
    row = _nfdi_rows()[0]["Applying institution"]
    assert text.count(row) == 1
    return text.replace(row, "DKFZ", 1)


def _truncated(text: str) -> str:
    # half the file: the NFDI file then ends inside row 10 (8 of its 9 fields)
    return text[: len(text) // 2]


def _renamed_column(text: str) -> str:
    return text.replace("Participating Institution", "Participating Institutions", 1)


def _renamed_variable(text: str) -> str:
    return text.replace("var nodeInstitutes", "var nodes", 1)


def _error_lines(cli: Callable[..., Result], data: Path) -> list[str]:
    result = cli("validate", "-q", "--format", "json", "--data", data)
    assert result.exit_code == 2, result.output
    findings = json.loads(result.stdout)
    findings = findings["problems"] if isinstance(findings, dict) else findings
    return [
        f"{Path(f['file']).name}:{f['line']} {f['message']}"
        for f in findings
        if f["severity"] == "error"
    ]


@pytest.mark.parametrize(
    ("snapshot", "name", "edit", "expected"),
    [
        (NFDI, NFDI_FILE, _second_row_cell,
         f"{NFDI_FILE}:2 Applying institution of GHGA is not a Python list of (name, page) pairs"),
        (NFDI, NFDI_FILE, _truncated, f"{NFDI_FILE}:10 row 10 has 8 fields, the header 9"),
        (NFDI, NFDI_FILE, _renamed_column,
         f"{NFDI_FILE}:1 column Participating Institution missing"),
        (ELIXIR, ELIXIR_FILE, _truncated, f"{ELIXIR_FILE}:"),
        (ELIXIR, ELIXIR_FILE, _renamed_variable,
         f"{ELIXIR_FILE}:1 {ELIXIR_FILE} has no `var nodeInstitutes"),
    ],
    ids=["nfdi-cell-not-a-list", "nfdi-truncated", "nfdi-missing-column", "elixir-truncated",
         "elixir-missing-variable"],
)  # fmt: skip
def test_bad_input_is_an_error_at_file_row(
    shared_data: Path,
    tmp_path: Path,
    cli: Callable[..., Result],
    snapshot: Path,
    name: str,
    edit: Callable[[str], str],
    expected: str,
) -> None:
    errors = _error_lines(cli, _broken(tmp_path, snapshot, name, edit))
    assert len(errors) == 1, errors
    assert errors[0].startswith(expected), errors


def test_a_truncated_node_map_names_the_line_where_it_stops(
    shared_data: Path, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    cut = _truncated((ELIXIR / ELIXIR_FILE).read_bytes().decode("utf-8"))
    [error] = _error_lines(cli, _broken(tmp_path, ELIXIR, ELIXIR_FILE, _truncated))
    assert error.startswith(f"{ELIXIR_FILE}:{cut.count(chr(10)) + 1} "), error
