"""`consortia-kg import table`: partner and work-package sheets → members and working groups."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import Result

from helpers.paths import FIXTURES

TABLES = FIXTURES / "tables"
PARTNERS, WORK_PACKAGES = TABLES / "partners.csv", TABLES / "work-packages.tsv"


def _snapshot(data: Path) -> dict[str, bytes]:
    return {str(p.relative_to(data)): p.read_bytes() for p in sorted(data.rglob("*.yaml"))}


def _ga4gh(data: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((data / "consortia" / "ga4gh.yaml").read_text(encoding="utf-8"))


def test_partners_and_work_packages_become_members_and_groups(
    cli: Callable[..., Result], data_copy: Path
) -> None:
    result = cli(
        "import", "table", "ga4gh", "--partners", PARTNERS, "--work-packages", WORK_PACKAGES,
        "--data", data_copy, "--force",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = _ga4gh(data_copy)
    members = {m["organisation"]: m for m in record["members"]}
    assert set(members) == {"eu-crg", "uk-ac-ebi", "fi-csc"}  # BOM, `;`, blank row, quotes
    assert members["eu-crg"]["role"] == "coordinator"
    assert members["fi-csc"]["start"] == "2021-03"
    groups = {g["id"]: g for g in record["working_groups"]}
    assert groups["wp1"]["name"] == "Management, coordination and outreach"
    assert (groups["wp1"]["lead"], groups["wp1"]["members"]) == ("eu-crg", ["uk-ac-ebi", "fi-csc"])
    assert groups["wp2"]["lead"] == "uk-ac-ebi"  # "EBl", one letter from EBI
    assert 'work-packages.tsv:3: "EBl" read as uk-ac-ebi' in result.stderr
    assert "lsg" in groups  # the registry's groups are kept
    validated = cli("validate", "--data", data_copy, "-q")
    assert validated.exit_code == 0, validated.output


def test_an_existing_consortium_changes_only_with_force(
    cli: Callable[..., Result], data_copy: Path
) -> None:
    before = _snapshot(data_copy)
    result = cli("import", "table", "ga4gh", "--partners", PARTNERS, "--data", data_copy)
    assert result.exit_code == 1
    assert "would change: " in result.stderr and "--force" in result.stderr
    assert _snapshot(data_copy) == before


def test_xlsx_sheet_with_mapped_columns(
    cli: Callable[..., Result], data_copy: Path, tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Partners"
    sheet.append(["Organisation", "Land", "Kürzel"])
    sheet.append(["Centre for Genomic Regulation", "Spain", "CRG"])
    sheet.append(["California Institute of Technology", "US", "Caltech"])
    path = tmp_path / "partners.xlsx"
    book.save(path)
    result = cli(
        "import", "table", "ga4gh", "--partners", path, "--sheet", "Partners",
        "--column", "country=Land", "--column", "acronym=kurzel", "--data", data_copy, "--force",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert {m["organisation"] for m in _ga4gh(data_copy)["members"]} == {"eu-crg", "edu-caltech"}


@pytest.mark.parametrize(
    ("text", "args", "expected"),
    [
        (
            "Name;Country\nCentre for Genomic Regulation;XX\n",
            (),
            "partners.csv:2: country 'XX' is not an ISO 3166",
        ),
        ("Name;Country\n ;ES\n", (), "partners.csv:2: the partner has no name"),
        ("Acronym;Country\nCRG;ES\n", (), "partners.csv:1: the partners sheet has no name column"),
        ("Name;Start\nCentre for Genomic Regulation;31/31/2020\n", (), "partners.csv:2: start"),
        (
            "Name\nCentre for Genomic Regulation\n",
            ("--column", "country=Land"),
            "has no column 'Land'",
        ),
        (
            "Name\nCentre for Genomic Regulation\n",
            ("--column", "colour=Name"),
            "'colour' is not a column",
        ),
    ],
    ids=["country", "empty-name", "no-name-column", "bad-date", "missing-mapped", "unknown-key"],
)
def test_bad_input_exits_2_and_writes_nothing(
    cli: Callable[..., Result], data_copy: Path, tmp_path: Path, text: str, args: tuple[str, ...],
    expected: str,
) -> None:  # fmt: skip
    path = tmp_path / "partners.csv"
    path.write_text(text, encoding="utf-8")
    before = _snapshot(data_copy)
    result = cli("import", "table", "ga4gh", "--partners", path, *args, "--data", data_copy)
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
    assert "Traceback" not in result.output
    assert _snapshot(data_copy) == before


def test_unknown_partner_is_listed_and_created_only_with_create(
    cli: Callable[..., Result], data_copy: Path, tmp_path: Path
) -> None:
    path = tmp_path / "partners.csv"
    path.write_text(
        "Name,Acronym,Country\nCentre for Genomic Regulation,CRG,ES\n"
        "Zeta Institute of Made-up Studies,ZIMS,DE\n",
        encoding="utf-8",
    )
    before = _snapshot(data_copy)
    result = cli("import", "table", "ga4gh", "--partners", path, "--data", data_copy, "--force")
    assert result.exit_code == 1
    assert 'partners.csv:3: "Zeta Institute of Made-up Studies" matches no' in result.stderr
    assert "--create" in result.stderr
    assert _snapshot(data_copy) == before
    result = cli(
        "import", "table", "ga4gh", "--partners", path, "--data", data_copy, "--force", "--create"
    )
    assert result.exit_code == 0, result.output
    created = yaml.safe_load(
        (data_copy / "organisations" / "zeta-institute-of-made-up-studies.yaml").read_text()
    )
    assert created["locations"] == [{"country_code": "DE"}] and created["acronym"] == "ZIMS"


def test_work_package_member_found_nowhere_is_a_finding(
    cli: Callable[..., Result], data_copy: Path, tmp_path: Path
) -> None:
    path = tmp_path / "wp.csv"
    path.write_text(
        'WP,Title,Leader,Participants\n1,"Ethics, legal",CRG,"QQQQ"\n', encoding="utf-8"
    )
    shutil.copy(PARTNERS, tmp_path / "partners.csv")
    result = cli(
        "import", "table", "ga4gh", "--partners", tmp_path / "partners.csv",
        "--work-packages", path, "--data", data_copy, "--force",
    )  # fmt: skip
    assert result.exit_code == 1
    assert 'wp.csv:2: "QQQQ" is neither in the partner list nor a record' in result.stderr


def test_a_partner_that_may_be_a_record_waits_for_a_curator_then_links(
    cli: Callable[..., Result], data_copy: Path, tmp_path: Path
) -> None:
    sheet = tmp_path / "partners.csv"
    sheet.write_text(
        "Partner name,Country,Role\nCenter for Genome Regulation,ES,coordinator\n",
        encoding="utf-8",
    )
    before = _snapshot(data_copy)
    args = ["import", "table", "ga4gh", "--partners", sheet, "--data", data_copy, "--force"]
    result = cli(*args)
    assert result.exit_code == 1  # a curator decides first; only the review file is written
    assert f'{sheet}:2: "Center for Genome Regulation" may be organisation eu-crg' in (
        result.stderr
    )
    after = _snapshot(data_copy)
    assert after.pop("review.yaml") and after == before  # the review file is all that is new
    review = data_copy / "review.yaml"
    assert 'candidate: "eu-crg"' in review.read_text(encoding="utf-8")
    assert cli("review", "--data", data_copy, "accept", "1").exit_code == 0
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert [m["organisation"] for m in _ga4gh(data_copy)["members"]] == ["eu-crg"]
