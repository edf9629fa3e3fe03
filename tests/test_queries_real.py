"""The named queries researchers ask of the whole default graph, checked against the source CSV.

Each expectation is computed here from ``../shared/data/cordis-h2020-participations.csv.gz``
with ``csv`` (the file the CORDIS snapshot was taken from), never typed in: projects of two
organisations or more are consortia, as the mapping says. The graph is the session's
``full_kg``, built once.
"""

from __future__ import annotations

import csv
import gzip
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from consortia_kg.api import Graph
from helpers.paths import REAL_DATA

BASE = "https://w3id.org/consortia-kg/"
#: The European Molecular Biology Laboratory's PIC: an organisation in many projects.
EMBL = "999988230"


def _claimed_pics() -> dict[str, str]:
    """PIC → the id of the organisation record that claims it (its IRI carries the PIC's facts)."""
    claimed = {}
    for path in sorted((REAL_DATA / "organisations").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        for identifier in record.get("identifiers") or []:
            if identifier["scheme"] == "pic":
                claimed[str(identifier["value"])] = record["id"]
    return claimed


#: PICs that curated records claim (eu-crg, fi-csc).
CLAIMED = _claimed_pics()
#: The Commission writes the United Kingdom and Greece by their EU codes.
EU_CODES = {"UK": "GB", "EL": "GR"}


@dataclass(frozen=True)
class Row:
    rcn: str
    pic: str
    role: str
    country: str
    contribution: Decimal
    start_year: int | None


@dataclass(frozen=True)
class Cordis:
    """The consortia of the participations table: rcn → its rows (two organisations or more)."""

    projects: dict[str, list[Row]]

    def consortia_of(self, pic: str) -> dict[str, Row]:
        return {r.rcn: r for rows in self.projects.values() for r in rows if r.pic == pic}

    def collaborators_of(self, pic: str) -> Counter[str]:
        shared: Counter[str] = Counter()
        for rcn in self.consortia_of(pic):
            shared.update(r.pic for r in self.projects[rcn] if r.pic != pic)
        return shared


@pytest.fixture(scope="module")
def cordis(shared_data: Path) -> Cordis:
    rows: dict[str, list[Row]] = defaultdict(list)
    with gzip.open(shared_data / "cordis-h2020-participations.csv.gz", "rt", newline="") as f:
        for row in csv.DictReader(f):
            start = row["start_date"]
            rows[row["rcn"]].append(
                Row(
                    row["rcn"],
                    row["pic"],
                    row["role"],
                    EU_CODES.get(row["country"], row["country"]),
                    Decimal(row["contribution"]) if row["contribution"] not in ("", "NA") else 0,
                    int(start[:4]) if start[:4].isdigit() else None,
                )
            )
    return Cordis({rcn: r for rcn, r in rows.items() if len(r) >= 2})


def org_iri(pic: str) -> str:
    return BASE + "organisation/" + CLAIMED.get(pic, f"pic-{pic}")


def slug(pic: str) -> str:
    return CLAIMED.get(pic, f"pic-{pic}")


def test_organisation_consortia_of_embl(full_kg: Graph, cordis: Cordis) -> None:
    expected = cordis.consortia_of(EMBL)
    rows = full_kg.query("organisation-consortia", organisation=slug(EMBL)).records()
    assert {r["consortium"].rsplit("cordis-", 1)[1] for r in rows} == set(expected)
    for r in rows:
        source = expected[r["consortium"].rsplit("cordis-", 1)[1]]
        assert (r["role_name"], r["start_year"]) == (source.role, source.start_year)
        assert Decimal(str(r.get("contribution") or 0)) == source.contribution
    coordinated = full_kg.query(
        "organisation-consortia", organisation=slug(EMBL), role="coordinator"
    )
    assert len(coordinated) == sum(r.role == "coordinator" for r in expected.values())
    year = Counter(r.start_year for r in expected.values()).most_common(1)[0][0]
    assert len(full_kg.query("organisation-consortia", organisation=slug(EMBL), year=year)) == (
        sum(r.start_year == year for r in expected.values())
    )


def test_organisation_collaborators_of_embl(full_kg: Graph, cordis: Cordis) -> None:
    expected = cordis.collaborators_of(EMBL)
    rows = full_kg.query("organisation-collaborators", organisation=slug(EMBL)).records()
    got = {r["collaborator"]: r["shared"] for r in rows}
    assert got == {org_iri(pic): n for pic, n in expected.items()}
    assert [r["shared"] for r in rows] == sorted(got.values(), reverse=True)
    top = full_kg.query("organisation-collaborators", organisation=slug(EMBL), min_shared=10)
    assert len(top) == sum(n >= 10 for n in expected.values())


def test_consortia_shared_by(full_kg: Graph, cordis: Cordis) -> None:
    (other, shared), *_ = cordis.collaborators_of(EMBL).most_common(1)
    rows = full_kg.query(
        "consortia-shared-by", organisation=slug(EMBL), other=slug(other)
    ).records()
    both = set(cordis.consortia_of(EMBL)) & set(cordis.consortia_of(other))
    assert len(both) == shared
    assert {r["consortium"].rsplit("cordis-", 1)[1] for r in rows} == both


def test_organisations_in_most_consortia(full_kg: Graph, cordis: Cordis, shared_data: Path) -> None:
    counts = Counter(r.pic for rows in cordis.projects.values() for r in rows)
    rows = full_kg.query("organisations-in-most-consortia").records()
    assert len(rows) == 100
    assert [r["consortia"] for r in rows] == [n for _, n in counts.most_common(100)]
    for r in rows[:10]:
        pic = r["organisation"].rsplit("pic-", 1)[1]
        assert r["consortia"] == counts[pic]
    country = Counter(r.pic for rows in cordis.projects.values() for r in rows if r.country == "FI")
    finnish = full_kg.query("organisations-in-most-consortia", country="FI").records()
    assert [r["consortia"] for r in finnish] == [n for _, n in country.most_common(100)]
    assert {r["country"] for r in finnish} == {"FI"}


def home_countries(cordis: Cordis, shared_data: Path) -> dict[str, str]:
    """PIC → the country its organisation is placed in: the 2017 organisations table's, else
    the one of its first row (projects by record number), as the snapshot's docs say."""
    homes: dict[str, str] = {}
    for rcn in sorted(cordis.projects, key=int):
        for row in cordis.projects[rcn]:
            homes.setdefault(row.pic, row.country)
    table = shared_data / "cordis-h2020-organisations-2017.csv.gz"
    named: set[str] = set()
    with gzip.open(table, "rt", newline="") as f:
        for row in csv.DictReader(f):
            pic, country = row["orgId"].strip(), row["country"]
            if pic in homes and pic not in named and country not in ("", "NA"):
                homes[pic] = EU_CODES.get(country, country)
            named.add(pic)
    return homes


#: Memberships in consortia that are not CORDIS projects (ELIXIR's nodes and institutes), which
#: the query counts too and the CORDIS file cannot know of.
OTHER_MEMBERSHIPS = """
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?country (COUNT(*) AS ?memberships) (COUNT(DISTINCT ?o) AS ?organisations)
WHERE {
  ?m org:organization ?c ; org:member ?o .
  ?o schema:location/schema:addressCountry ?country .
  FILTER NOT EXISTS { ?c dcterms:source <https://w3id.org/consortia-kg/registry/cordis-h2020> }
}
GROUP BY ?country
"""


def test_participation_by_country(full_kg: Graph, cordis: Cordis, shared_data: Path) -> None:
    rows = {r["country"]: r for r in full_kg.query("participation-by-country").records()}
    others = {r["country"]: r for r in full_kg.sparql(OTHER_MEMBERSHIPS).records()}
    homes = home_countries(cordis, shared_data)
    every = [r for rows in cordis.projects.values() for r in rows]
    for code in ("DE", "FI", "GB"):
        mine = [r for r in every if homes[r.pic] == code]
        other = others.get(code, {"memberships": 0, "organisations": 0})
        assert rows[code]["memberships"] - other["memberships"] == len(mine)
        assert rows[code]["coordinations"] == sum(r.role == "coordinator" for r in mine)
        assert rows[code]["organisations"] - other["organisations"] == len({r.pic for r in mine})
        assert Decimal(str(rows[code]["ec_contribution"])).quantize(Decimal("0.01")) == sum(
            (r.contribution for r in mine), Decimal(0)
        ).quantize(Decimal("0.01"))


def test_participation_and_projects_by_programme_part(
    full_kg: Graph, cordis: Cordis, shared_data: Path
) -> None:
    parts: dict[str, set[str]] = defaultdict(set)
    with gzip.open(shared_data / "cordis-h2020-programme-parts.csv.gz", "rt", newline="") as f:
        for row in csv.DictReader(f):
            if row["rcn"] in cordis.projects and row["programme_part"] == "SC1":
                parts["SC1"].add(row["rcn"])
    years = Counter(cordis.projects[rcn][0].start_year for rcn in parts["SC1"])
    rows = full_kg.query(
        "consortia-per-programme-part", programme_part="SC1", since=2016, until=2018
    ).records()
    assert {r["start_year"]: r["consortia"] for r in rows} == {
        y: n for y, n in years.items() if y is not None and 2016 <= y <= 2018
    }
    homes = home_countries(cordis, shared_data)
    sc1 = [r for rcn in parts["SC1"] for r in cordis.projects[rcn] if homes[r.pic] == "DE"]
    de = next(
        r
        for r in full_kg.query("participation-by-country", programme_part="SC1").records()
        if r["country"] == "DE"
    )
    assert de["memberships"] == len(sc1)


def test_organisations_in_several_sources(full_kg: Graph) -> None:
    rows = full_kg.query("organisations-in-several-sources").records()
    by_iri = {r["organisation"]: r for r in rows}
    # the two records that claim CORDIS PICs are in their record and in the CORDIS snapshot
    assert len(CLAIMED) >= 2
    for pic, record in CLAIMED.items():
        row = by_iri[org_iri(pic)]
        assert row["sources"] >= 2
        assert f"data/organisations/{record}.yaml" in row["found_in"]
        assert "registry cordis-h2020" in row["found_in"]
    assert all(r["sources"] >= 2 for r in rows)
