"""``consortia-kg import cordis`` and the ``cordis`` mapping, on CORDIS's own files.

Everything starts from ``cordis-sample/`` (shared/data/SOURCES.md section 5: the JSON form of a
CORDIS bulk download, 26 projects and 1,076 organisation rows; CORDIS, CC BY 4.0). The CSV
(``;``-separated, every value quoted) and XLSX forms, the Horizon Europe and FP7 variants and the
broken files are derived from it here, in the test, so each case says what it changed.
"""

from __future__ import annotations

import copy
import csv
import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from consortia_kg import iris
from consortia_kg.registries.cordis_bulk import map_files
from consortia_kg.registries.cordis_files import HORIZON_EUROPE_COLUMNS
from consortia_kg.registries.quads import Claims, QuadSink, iri
from consortia_kg.registries.snapshot import SnapshotFile
from consortia_kg.vocab import CKG

BASE = "https://w3id.org/consortia-kg/"
Rows = list[dict[str, Any]]


@pytest.fixture(scope="module")
def sample(shared_data: Path) -> tuple[Rows, Rows]:
    """The sample's projects and organisations, as parsed JSON (copy before changing them)."""
    folder = shared_data / "cordis-sample"
    return (
        json.loads((folder / "project.json").read_text(encoding="utf-8")),
        json.loads((folder / "organization.json").read_text(encoding="utf-8")),
    )


# --- the three forms, written as the Commission writes them --------------------------------------


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def write_form(path: Path, rows: Rows, separator: str = ";") -> Path:
    """Write ``rows`` as CSV, JSON or XLSX (by ``path``'s ending; ``.gz`` gzipped)."""
    name = path.name.removesuffix(".gz")
    if name.endswith(".json"):
        raw = json.dumps(rows, ensure_ascii=False).encode()
    elif name.endswith(".csv"):
        lines: list[str] = []
        columns = list(rows[0])

        class _Lines:
            def write(self, text: str) -> None:
                lines.append(text)

        writer = csv.writer(_Lines(), delimiter=separator, quoting=csv.QUOTE_ALL)
        writer.writerow(columns)
        writer.writerows([[_csv_text(row.get(c)) for c in columns] for row in rows])
        raw = "".join(lines).encode()
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        columns = list(rows[0])
        sheet.append(columns)
        for row in rows:
            sheet.append([None if row.get(c) == "" else row.get(c) for c in columns])
        book.save(path)
        return path
    path.write_bytes(gzip.compress(raw, mtime=0) if path.name.endswith(".gz") else raw)
    return path


def map_pair(projects: Path, organisations: Path) -> tuple[bytes, list[str]]:
    """Map two files as the build does; return the N-Quads and the findings as text."""
    out = QuadSink(f"{BASE}graph/registry/test")
    map_files(
        SnapshotFile("projects", projects, projects.name, "", "", 0),
        SnapshotFile("organisations", organisations, organisations.name, "", "", 0),
        BASE,
        Claims(),
        out,
        iri(f"{BASE}registry/test"),
    )
    found = [f"{p.file}:{p.line} [{p.severity}] {p.message}" for p in out.problems]
    return out.nquads(), found


@pytest.mark.parametrize("ending", [".csv", ".xlsx", ".csv.gz", ".json.gz"])
def test_every_form_gives_the_same_quads_as_the_json(
    sample: tuple[Rows, Rows], tmp_path: Path, ending: str
) -> None:
    projects, organisations = sample
    as_json = map_pair(
        write_form(tmp_path / "p.json", projects), write_form(tmp_path / "o.json", organisations)
    )
    other = map_pair(
        write_form(tmp_path / f"p{ending}", projects),
        write_form(tmp_path / f"o{ending}", organisations),
    )
    assert other[0] == as_json[0]
    assert len(as_json[0].splitlines()) > 20_000
    # the one oddity of the sample, at the same row in every form (row 284 of the JSON list
    # is row 285 of a CSV or sheet, whose header is row 1)
    row = 284 if ending.startswith(".json") else 285
    assert [f.split(" ", 1)[0] for f in other[1]] == [f"o{ending}:{row}"]
    assert "grant 737459, PIC 998387051" in other[1][0]


def _lines(nquads: bytes, predicate: str) -> list[str]:
    return [line for line in nquads.decode().splitlines() if f" <{predicate}> " in line]


def test_the_sample_maps_to_its_consortia(sample: tuple[Rows, Rows], tmp_path: Path) -> None:
    projects, organisations = sample
    nquads, _ = map_pair(
        write_form(tmp_path / "p.json", projects), write_form(tmp_path / "o.json", organisations)
    )
    text = nquads.decode()
    c = f"<{BASE}consortium/cordis-197903>"  # 3Ccar, grant 662192 (the sample's first project)
    for fact in (
        f'{c} <{CKG}acronym> "3Ccar"',
        f'{c} <http://purl.org/dc/terms/title> "Integrated Components for Complexity Control in '
        'affordable electrified cars"',
        f'{c} <http://purl.org/dc/terms/identifier> "cordis-grant:662192"',
        f'{c} <{CKG}fundingScheme> "ECSEL-RIA"',
        f'{c} <{CKG}ecMaxContribution> "17320843.96"^^',
        f"{c} <http://www.w3.org/2000/01/rdf-schema#seeAlso> "
        "<https://cordis.europa.eu/project/rcn/197903>",
        # Infineon Technologies Romania (PIC 996588380), the first organisation row
        f"<{BASE}organisation/pic-996588380> <https://schema.org/url> <http://www.infineon.com>",
        f"<{BASE}organisation/pic-996588380/location/1> <https://schema.org/latitude> "
        '"44.4816891"^^',
        f'<{BASE}organisation/pic-996588380/location/1> <https://schema.org/addressCountry> "RO"',
    ):
        assert fact in text, fact
    assert len(_lines(nquads, f"{CKG}acronym")) == 26


def test_horizon_europe_columns_and_roles(sample: tuple[Rows, Rows], tmp_path: Path) -> None:
    projects, organisations = copy.deepcopy(sample)
    # INVENTED FOR THE TEST, not CORDIS data: the sample is H2020, so a Horizon Europe file is
    # made from it by naming the programme HORIZON and adding an associated partner (a PIC of
    # the sample's, in another project) with a net EC contribution, a cost and an early end.
    for project in projects:
        project["frameworkProgramme"] = "HORIZON"
    partner = dict(organisations[0], projectID=projects[1]["id"], role="associatedPartner")
    partner.update(netEcContribution=1000.5, totalCost=2000, endOfParticipation=True, order=99)
    organisations.append(partner)
    nquads, found = map_pair(
        write_form(tmp_path / "p.csv", projects), write_form(tmp_path / "o.csv", organisations)
    )
    assert len(found) == 1  # the sample's own (grant 737459), nothing about the new row
    m = f"<{BASE}consortium/cordis-{projects[1]['rcn']}/membership/pic-996588380>"
    text = nquads.decode()
    assert (
        f"{m} <http://www.w3.org/ns/org#role> <{iris.role_iri(BASE, 'associatedPartner')}>" in text
    )
    assert f'{m} <{CKG}netEcContribution> "1000.5"^^' in text
    assert f'{m} <{CKG}totalCost> "2000.0"^^' in text
    assert f'{m} <{CKG}endOfParticipation> "true"^^' in text
    assert len(_lines(nquads, f"{CKG}frameworkProgramme")) == 26
    assert all('"HORIZON"' in line for line in _lines(nquads, f"{CKG}frameworkProgramme"))


def test_fp7_files_lack_the_horizon_europe_columns(
    sample: tuple[Rows, Rows], tmp_path: Path
) -> None:
    projects, organisations = sample
    full, _ = map_pair(
        write_form(tmp_path / "p.csv", projects), write_form(tmp_path / "o.csv", organisations)
    )
    fp7 = [
        {k: v for k, v in row.items() if k not in HORIZON_EUROPE_COLUMNS} for row in organisations
    ]
    nquads, _ = map_pair(tmp_path / "p.csv", write_form(tmp_path / "o7.csv", fp7))
    he_only = (f"<{CKG}netEcContribution>", f"<{CKG}endOfParticipation>")

    def kept(line: str) -> bool:
        s, p = line.split(" ")[:2]
        return p not in he_only and not ("/membership/" in s and p == f"<{CKG}totalCost>")

    assert nquads.decode().splitlines() == [x for x in full.decode().splitlines() if kept(x)]
    assert len(nquads.splitlines()) < len(full.splitlines())


# --- the command, end to end --------------------------------------------------------------------


def _import(
    cli: Callable[..., Result], data: Path, projects: Path, orgs: Path, *extra: str
) -> Result:
    return cli(
        "import", "cordis", projects, orgs, "--id", "cordis-sample", "--data", data,
        "--taken", "2026-12-03", *extra,
    )  # fmt: skip


def test_import_then_build_has_the_sample_consortia(
    sample: tuple[Rows, Rows], shared_data: Path, data_copy: Path, tmp_path: Path, cli: Any
) -> None:
    folder = shared_data / "cordis-sample"
    result = _import(cli, data_copy, folder / "project.json", folder / "organization.json")
    assert result.exit_code == 0, result.stderr
    assert "26 consortia, 1075 memberships (26 coordinator, 999 participant, 5 partner, " in (
        result.stderr
    )
    snapshot = data_copy / "registries" / "cordis-sample"
    assert sorted(p.name for p in snapshot.iterdir()) == [
        "organisations.json",
        "projects.json",
        "snapshot.yaml",
    ]
    # byte for byte as given
    assert (snapshot / "projects.json").read_bytes() == (folder / "project.json").read_bytes()
    manifest = (snapshot / "snapshot.yaml").read_text()
    for line in (
        "mapping: cordis",
        'licence: "https://creativecommons.org/licenses/by/4.0/"',
        'attribution: "CORDIS, European Commission"',
        'taken: "2026-12-03"',
        "sha256: " + hashlib.sha256((folder / "organization.json").read_bytes()).hexdigest(),
    ):
        assert line in manifest

    dist = tmp_path / "dist"
    built = cli("build", "--data", data_copy, "-o", dist)
    assert built.exit_code == 0, built.stderr
    from consortia_kg.api import open_graph

    kg = open_graph(data_copy, store=dist / "store")
    answer = kg.sparql(
        """
        PREFIX ckg: <https://w3id.org/consortia-kg/ontology#>
        PREFIX org: <http://www.w3.org/ns/org#>
        SELECT ?grant ?acronym (COUNT(DISTINCT ?m) AS ?members) WHERE {
          ?c a ckg:Consortium ; ckg:acronym ?acronym ;
             <http://purl.org/dc/terms/identifier> ?grant .
          FILTER(STRSTARTS(?grant, "cordis-grant:"))
          ?m org:organization ?c ; org:member ?o .
          ?o org:memberOf ?c .
        } GROUP BY ?grant ?acronym
        """
    )
    found = {(row["grant"], row["acronym"], int(row["members"])) for row in answer.records()}
    projects, organisations = sample
    members = Counter(p for p, _ in {(o["projectID"], o["organisationID"]) for o in organisations})
    assert found == {(f"cordis-grant:{p['id']}", p["acronym"], members[p["id"]]) for p in projects}


# --- what is refused: exit 2, the file and row, a fix, nothing written ----------------------------


def _cut_gzip(projects: Rows, organisations: Rows, folder: Path) -> tuple[Path, Path]:
    orgs = write_form(folder / "o.json.gz", organisations)
    orgs.write_bytes(orgs.read_bytes()[: orgs.stat().st_size // 2])
    return write_form(folder / "p.json", projects), orgs


def _changed(
    form: str, change: Callable[[Rows, Rows], None], separator: str = ";"
) -> Callable[[Rows, Rows, Path], tuple[Path, Path]]:
    def make(projects: Rows, organisations: Rows, folder: Path) -> tuple[Path, Path]:
        projects, organisations = copy.deepcopy(projects), copy.deepcopy(organisations)
        change(projects, organisations)
        return (
            write_form(folder / f"p{form}", projects, separator),
            write_form(folder / f"o{form}", organisations, separator),
        )

    return make


def _drop(rows: Rows, column: str, renamed: str = "") -> None:
    for row in rows:
        value = row.pop(column)
        if renamed:
            row[renamed] = value


BAD_INPUTS = {
    "truncated gzip": (_cut_gzip, "o.json.gz:", "is not a whole gzip file"),
    "missing column": (
        _changed(".json", lambda p, o: _drop(o, "organisationID")),
        "o.json:1",
        "column `organisationID` missing from o.json",
    ),
    "renamed column": (
        _changed(".csv", lambda p, o: _drop(o, "organisationID", "organisationId")),
        "o.csv:1",
        "`organisationID` (is `organisationId` it, renamed?)",
    ),
    "wrong separator": (
        _changed(".csv", lambda p, o: None, separator=","),
        "p.csv:1",
        "p.csv is separated by `,`, not `;`",
    ),
    "files swapped": (
        lambda p, o, folder: (write_form(folder / "o.csv", o), write_form(folder / "p.csv", p)),
        "o.csv:1",
        "o.csv is a CORDIS organisations file, given as the projects file",
    ),
    "bad date": (
        _changed(".csv", lambda p, o: p[0].update(startDate="2015-06-31")),
        "p.csv:2",
        "grant 662192: startDate `2015-06-31` is not a date (day is out of range for month)",
    ),
    "non-numeric PIC": (
        _changed(".csv", lambda p, o: o[0].update(organisationID="99658838O")),
        "o.csv:2",
        "PIC `99658838O` is not a number (grant 662192)",
    ),
    "duplicate rows": (
        _changed(".json", lambda p, o: o.append(dict(o[0]))),
        "o.json:1077",
        "grant 662192, PIC 996588380: the organisation is listed twice in the project "
        "(rows 1 and 1077)",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_refused_at_its_row(
    sample: tuple[Rows, Rows], data_copy: Path, tmp_path: Path, cli: Any, case: str
) -> None:
    make, where, message = BAD_INPUTS[case]
    projects, orgs = make(*sample, tmp_path)
    result = _import(cli, data_copy, projects, orgs)
    assert result.exit_code == 2, result.stderr
    assert where in result.stderr
    assert message in result.stderr
    assert "fix: " in result.stderr
    assert "nothing written" in result.stderr
    assert not (data_copy / "registries").exists() or not any((data_copy / "registries").iterdir())
    assert result.stdout == ""


def test_an_existing_snapshot_is_replaced_only_with_force(
    sample: tuple[Rows, Rows], data_copy: Path, tmp_path: Path, cli: Any
) -> None:
    projects, organisations = sample
    first = (
        write_form(tmp_path / "p1.json", projects[1:]),
        write_form(
            tmp_path / "o1.json", [o for o in organisations if o["projectID"] != projects[0]["id"]]
        ),
    )
    assert _import(cli, data_copy, *first).exit_code == 0
    manifest = data_copy / "registries" / "cordis-sample" / "snapshot.yaml"
    before = manifest.read_text()
    full = (
        write_form(tmp_path / "p.json", projects),
        write_form(tmp_path / "o.json", organisations),
    )

    refused = _import(cli, data_copy, *full)
    assert refused.exit_code == 2
    assert "cordis-sample exists: nothing written" in refused.stderr
    assert "fix: choose another --id, or replace the snapshot with --force" in refused.stderr
    assert manifest.read_text() == before

    replaced = _import(cli, data_copy, *full, "--force")
    assert replaced.exit_code == 0, replaced.stderr
    old_sha = hashlib.sha256(first[0].read_bytes()).hexdigest()[:12]
    new_sha = hashlib.sha256(full[0].read_bytes()).hexdigest()[:12]
    assert f"  projects file: sha256 {old_sha} → {new_sha}" in replaced.stdout
    assert "  projects: 25 → 26" in replaced.stdout
    assert "  consortia: 25 → 26" in replaced.stdout
    assert hashlib.sha256(full[1].read_bytes()).hexdigest() in manifest.read_text()
    assert sorted(p.name for p in manifest.parent.parent.iterdir()) == ["cordis-sample"]


def test_every_ontology_term_the_mapping_writes_is_declared(
    sample: tuple[Rows, Rows], tmp_path: Path
) -> None:
    from rdflib import RDF, Graph, URIRef

    from consortia_kg.paths import ontology_file

    ontology = Graph().parse(ontology_file())
    nquads, _ = map_pair(
        write_form(tmp_path / "p.json", sample[0]), write_form(tmp_path / "o.json", sample[1])
    )
    used = set()
    for line in nquads.decode().splitlines():
        _, p, o = line.split(" ", 3)[:3]
        used |= {t[1:-1] for t in (p, o) if t.startswith(f"<{CKG}")}
    assert len(used) > 10
    assert sorted(t for t in used if (URIRef(t), RDF.type, None) not in ontology) == []


def test_a_file_over_1_mb_is_kept_gzipped_and_the_build_reads_it(
    sample: tuple[Rows, Rows], data_copy: Path, tmp_path: Path, cli: Any
) -> None:
    from consortia_kg.registries import map_snapshots

    projects = write_form(tmp_path / "p.json", sample[0])
    organisations = tmp_path / "o.json"
    organisations.write_text(json.dumps(sample[1], indent=4, ensure_ascii=False))
    assert organisations.stat().st_size > 1_000_000
    result = _import(cli, data_copy, projects, organisations)
    assert result.exit_code == 0, result.stderr
    folder = data_copy / "registries" / "cordis-sample"
    stored = (folder / "organisations.json.gz").read_bytes()
    assert stored[4:8] == b"\0\0\0\0"  # mtime 0: the same file always gives the same bytes
    assert gzip.decompress(stored) == organisations.read_bytes()
    assert (folder / "projects.json").read_bytes() == projects.read_bytes()
    (mapped,) = map_snapshots(data_copy, BASE)
    assert [p.severity for p in mapped.problems] == ["warning"]
    assert mapped.summary.startswith("26 consortia, 1075 memberships")
