"""Reconciliation: identifiers, normalised names, fuzzy scores, thresholds, likely duplicates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from consortia_kg.cli import main
from consortia_kg.errors import Severity
from consortia_kg.reconcile import (
    ACRONYM_SCORE,
    ASK_SCORE,
    DUPLICATE_SCORE,
    LINK_SCORE,
    NameIndex,
    find_likely_duplicates,
    normalise_name,
)
from consortia_kg.records import load_records
from consortia_kg.recordwriter import render_record

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("European Bioinformatics Institute", "european bioinformatics institute"),
        ("  EUROPEAN   bioinformatics\tinstitute ", "european bioinformatics institute"),
        ("Children's Hospital of Philadelphia", "childrens hospital of philadelphia"),
        ("Children’s Hospital of Philadelphia", "childrens hospital of philadelphia"),
        ("Global Alliance for Genomics & Health", "global alliance for genomics and health"),
        ("The Global Alliance for Genomics and Health", "global alliance for genomics and health"),
        ("Biogéochimie des Écosystèmes Forestiers", "biogeochimie des ecosystemes forestiers"),
        ("CSC - IT Center for Science Ltd.", "csc it center for science ltd"),
        ("Universität Straße", "universitat strasse"),
        ("The", "the"),
        ("", ""),
    ],
)
def test_normalise_name(raw: str, normal: str) -> None:
    assert normalise_name(raw) == normal


def _index() -> NameIndex:
    index = NameIndex()
    index.add(
        "uk-ac-ebi",
        {
            "name": "European Bioinformatics Institute",
            "acronym": "EBI",
            "aliases": ["EMBL-EBI"],
            "labels": [{"value": "Institut européen de bioinformatique", "lang": "fr"}],
            "ror": "https://ror.org/02catss52",
            "wikidata": "Q1341845",
            "identifiers": [{"scheme": "ga4gh-registry", "value": "uk.ac.ebi"}],
        },
    )
    index.add("eu-crg", {"name": "Centre for Genomic Regulation", "acronym": "CRG"})
    index.add(
        "other-ebi",
        {"name": "European Bioinformatics Institute", "ror": "https://ror.org/0abcdef12"},
    )
    return index


@pytest.mark.parametrize(
    ("query", "kw", "slug", "score", "reason"),
    [
        ("", {"ror": "https://ror.org/02catss52"}, "uk-ac-ebi", 100, "same ROR id"),
        ("", {"wikidata": "Q1341845"}, "uk-ac-ebi", 100, "same Wikidata id"),
        ("", {"identifiers": [("ga4gh-registry", "uk.ac.ebi")]}, "uk-ac-ebi", 100,
         "same ga4gh-registry id"),
        ("embl ebi", {}, "uk-ac-ebi", 100, "same alias"),
        ("Institut Européen de Bioinformatique", {}, "uk-ac-ebi", 100, "same label"),
        ("centre for genomic regulation.", {}, "eu-crg", 100, "same name"),
        ("Centre for Genomic Regulation (CRG)", {}, "eu-crg", 100, "same name"),
        ("CRG", {}, "eu-crg", ACRONYM_SCORE, "same acronym"),
        ("Center for Genomic Regulation", {}, "eu-crg", None, "similar name"),
    ],
)  # fmt: skip
def test_match_finds_the_record(
    query: str, kw: dict[str, object], slug: str, score: float | None, reason: str
) -> None:
    best = _index().match(query, **kw)[0]  # type: ignore[arg-type]
    assert (best.slug, best.reason) == (slug, reason)
    if score is not None:
        assert best.score == score
    else:
        assert LINK_SCORE <= best.score < 100  # fuzzy: linked, but never a perfect 100


def test_different_ror_ids_are_never_candidates() -> None:
    found = _index().match("European Bioinformatics Institute", ror="https://ror.org/02catss52")
    assert [c.slug for c in found] == ["uk-ac-ebi"]


def test_scores_fall_with_distance_and_respect_the_floor() -> None:
    found = _index().match("Centre for Genome Research", floor=0)
    assert found[0].slug == "eu-crg"
    assert ASK_SCORE > found[0].score > 50
    assert _index().match("Completely unrelated words") == []
    assert _index().match("") == []


def _write(folder: Path, slug: str, record: dict[str, object]) -> None:
    (folder / "organisations").mkdir(parents=True, exist_ok=True)
    text = render_record("organisation", {"id": slug, "sources": ["s"], **record})
    (folder / "organisations" / f"{slug}.yaml").write_text(text, encoding="utf-8")


def test_likely_duplicates_are_warnings_with_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, "crg", {"name": "Centre for Genomic Regulation"})
    _write(tmp_path, "crg-2", {"name": "Center for Genomic Regulation"})
    _write(tmp_path, "embl", {"name": "EMBL", "aliases": ["European Molecular Biology Lab."]})
    _write(tmp_path, "embl-2", {"name": "European Molecular Biology Lab"})
    _write(tmp_path, "h1", {"name": "Hospital San Agustín", "ror": "https://ror.org/02jpxve44"})
    _write(tmp_path, "h2", {"name": "Hospital San Agustin", "ror": "https://ror.org/05sqaff46"})
    _write(tmp_path, "unrelated", {"name": "Completely Different Institute"})
    problems = find_likely_duplicates(load_records(tmp_path))
    assert [(Path(p.file).name, p.line, p.key, p.severity) for p in problems] == [
        ("crg-2.yaml", 2, "name", Severity.WARNING),
        ("embl-2.yaml", 2, "name", Severity.WARNING),
    ]
    assert problems[0].message.startswith('may be the same organisation as "crg": ')
    assert "similar name (score" in problems[0].message
    assert "the same name" in problems[1].message
    assert all(p.fix and p.why and p.shape == "likely duplicate" for p in problems)


def test_the_real_data_has_no_likely_duplicates() -> None:
    assert find_likely_duplicates(load_records(DATA)) == []


def test_duplicate_threshold_is_documented_between_ask_and_link() -> None:
    assert ASK_SCORE < DUPLICATE_SCORE < LINK_SCORE


def test_cli_reconcile_table_and_json(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    runner = CliRunner()
    result = runner.invoke(
        main, ["reconcile", "Center for Genomic Regulation", "--data", str(data)]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["score", "slug", "name", "(why)"]
    assert lines[1].split()[1] == "eu-crg"
    assert "similar name" in lines[1]
    result = runner.invoke(
        main,
        ["reconcile", "CRG", "--data", str(data), "--format", "json", "--limit", "1"],
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [
        {
            "slug": "eu-crg", "kind": "organisation", "name": "Centre for Genomic Regulation",
            "score": 90.0, "reason": "same acronym", "matched": "CRG",
        }
    ]  # fmt: skip
    result = runner.invoke(
        main, ["reconcile", "Global Alliance", "--kind", "consortium", "--data", str(data)]
    )
    assert "ga4gh" in result.stdout and "same alias" in result.stdout
    result = runner.invoke(main, ["reconcile", "Nothing Like It Anywhere", "--data", str(data)])
    assert result.exit_code == 0
    assert result.stdout.startswith('no organisation record matches "Nothing Like It Anywhere"')


def test_cli_reconcile_bad_input_exits_2(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["reconcile", "  ", "--data", str(DATA)])
    assert result.exit_code == 2
    assert "error: the name is empty" in result.stderr
    result = runner.invoke(main, ["reconcile", "x", "--data", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "is not a folder of records" in result.stderr
