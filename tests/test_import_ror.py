"""`consortia-kg import ror`: ROR v2 records → organisation records."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from consortia_kg.cli.main import main
from consortia_kg.errors import Severity
from consortia_kg.pipeline import validate_data
from consortia_kg.records.writer import read_record_text
from helpers.deferred import resolve
from helpers.paths import DATA, RECORDS

ROOT = Path(__file__).resolve().parents[1]


def _data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    return data


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _org(data: Path, slug: str) -> dict[str, Any]:
    path = data / "organisations" / f"{slug}.yaml"
    return read_record_text(path.read_text(encoding="utf-8"), "organisation", str(path))


@pytest.mark.slow  # SHACL validation of ~500 records
def test_all_477_records_import_validate_and_reimport_changes_nothing(
    tmp_path: Path, ror_file: Path
) -> None:
    data = _data(tmp_path)
    result = _run("import", "ror", str(ror_file), "--data", str(data), "--force", "-q")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        'note: linked "European Bioinformatics Institute" to organisation uk-ac-ebi '
        "(same name, score 100)"
    )
    assert "477 ROR records: 477 new, 1 changed, 0 unchanged" in result.stderr
    assert len(list((data / "organisations").glob("*.yaml"))) == 15 + 476
    run = validate_data(data)
    errors = [p for p in run.problems if p.severity == Severity.VIOLATION]
    assert errors == []
    assert len(run.records) == RECORDS + 477  # 476 organisations and the ROR source
    once = _snapshot(data)
    result = _run("import", "ror", str(ror_file), "--data", str(data), "-q")
    assert result.exit_code == 0, result.output
    assert "0 new, 0 changed, 477 unchanged" in result.stderr  # the source is reused, unplanned
    assert result.stdout == ""
    assert _snapshot(data) == once


def test_a_record_maps_onto_the_record_keys(tmp_path: Path, ror_file: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    result = _run("import", "ror", str(ror_file), "--data", str(data), "-q")
    assert result.exit_code == 0, result.output
    assert _org(data, "0002pcv65") == {
        "id": "0002pcv65",
        "name": "National University of Río Cuarto",
        "acronym": "UNRC",
        "labels": [  # every ROR name, with its language and types, in ROR's order
            {"value": "National University of Río Cuarto", "lang": "en",
             "types": ["ror_display", "label"]},
            {"value": "UNRC", "types": ["acronym"]},
            {"value": "Universidad Nacional de Río Cuarto", "lang": "es", "types": ["label"]},
        ],
        "types": ["education", "funder"],
        "status": "active",
        "established": "1971",
        "homepage": "https://www.unrc.edu.ar/",
        "links": ["http://en.wikipedia.org/wiki/National_University_of_R%C3%ADo_Cuarto"],
        "ror": "https://ror.org/0002pcv65",
        "wikidata": "Q796023",
        "identifiers": [
            {"scheme": "fundref", "value": "501100007481"},
            {"scheme": "fundref", "value": "501100007868"},
            {"scheme": "grid", "value": "grid.412226.1"},
            {"scheme": "isni", "value": "0000 0000 8046 1202"},
        ],
        "locations": [
            {
                "city": "Córdoba",
                "region": "Cordoba",
                "country": "Argentina",
                "country_code": "AR",
                "geonames_id": "3860259",
            },
        ],
        "relationships": [
            {
                "type": "child",
                "organisation": "02xar8d89",
                "ror": "https://ror.org/02xar8d89",
                "label": "Instituto de Biotecnología Ambiental y Salud",
            },
        ],
        "sources": ["ror-records-v2-0"],
    }  # fmt: skip
    source = read_record_text(
        (data / "sources" / "ror-records-v2-0.yaml").read_text(), "source", "source"
    )
    assert source["sha256"] == "201400dd0956e6d934809d013c40902a49ee0cef10fbeae670e785808ad4c3e0"
    assert source["copy"] == "shared/data/ror-records-v2.0.jsonl"
    assert source["kind"] == "registry-release" and "zero/1.0" in source["licence"]
    # a relationship to an organisation in the data names its record, and keeps the ROR id
    bef = _org(data, "0001j6c19")
    assert bef["relationships"] == [
        {"type": "parent", "organisation": "003vg9w96", "ror": "https://ror.org/003vg9w96",
         "label": "Institut National de Recherche pour l'Agriculture, l'Alimentation et "
         "l'Environnement"},
    ]  # fmt: skip
    # an acronym with a language, and the domains: record keys, no notes
    assert bef["acronym"] == "BEF"
    assert bef["labels"][0] == {"value": "BEF", "lang": "fr", "types": ["acronym"]}
    assert bef["domains"] == ["inrae.fr"]
    assert "notes" not in bef


def test_every_name_domain_and_wikidata_id_of_every_record_is_kept(
    tmp_path: Path, ror_file: Path, ror_lines: list[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    assert _run("import", "ror", str(ror_file), "--data", str(data), "-q").exit_code == 0
    for line in ror_lines:
        ror = json.loads(line)
        record = _org(data, ror["id"].rsplit("/", 1)[1])
        assert record["labels"] == [  # values trimmed, as every record value is
            {"value": n["value"].strip(), **({"lang": n["lang"]} if n["lang"] else {}),
             "types": n["types"]} for n in ror["names"]
        ]  # fmt: skip
        assert record.get("domains", []) == ror["domains"]
        wikidata = [e for e in ror["external_ids"] if e["type"] == "wikidata"]
        ids = [i["value"] for i in record.get("identifiers", []) if i["scheme"] == "wikidata"]
        if wikidata:
            preferred = wikidata[0]["preferred"] or wikidata[0]["all"][0]
            assert record["wikidata"] == preferred
            assert ids == [q for q in wikidata[0]["all"] if q != preferred]
        else:
            assert "wikidata" not in record and ids == []
        assert "notes" not in record
    # a university with seven Wikidata items: the preferred one, and six identifiers
    mgu = _org(data, "00h4spn88")
    assert mgu["wikidata"] == "Q6733535"
    assert [i["value"] for i in mgu["identifiers"] if i["scheme"] == "wikidata"] == [
        "Q5139306", "Q7587279", "Q6733207", "Q24907683", "Q48725353", "Q7885497",
    ]  # fmt: skip


def test_two_organisations_with_one_name_keep_rors_name_and_validate(
    tmp_path: Path, ror_lines: list[str]
) -> None:
    data = _data(tmp_path)
    sample = tmp_path / "hospitals.jsonl"
    same_name = [line for line in ror_lines if '"Hospital San Agust' in line]
    sample.write_text("\n".join(same_name) + "\n", encoding="utf-8")
    result = _run("import", "ror", str(sample), "--data", str(data), "-q")
    assert result.exit_code == 0, result.output
    names = {slug: _org(data, slug)["name"] for slug in ("02jpxve44", "05sqaff46")}
    assert names == {"02jpxve44": "Hospital San Agustín", "05sqaff46": "Hospital San Agustín"}
    assert all("notes" not in _org(data, slug) for slug in names)
    problems = [p for p in validate_data(data).problems if p.severity != Severity.INFO]
    assert problems == []  # different ROR ids: two organisations, neither an error nor a warning


def test_a_reimport_removes_the_notes_earlier_versions_wrote(
    tmp_path: Path, ror_lines: list[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    sample = tmp_path / "sample.jsonl"
    sample.write_text(ror_lines[0] + "\n", encoding="utf-8")
    assert _run("import", "ror", str(sample), "--data", str(data), "-q").exit_code == 0
    path = data / "organisations" / "0001j6c19.yaml"
    imported = path.read_text(encoding="utf-8")
    path.write_text(
        imported
        + "notes:\n"
        + '  - "ROR domains (no record key yet): inrae.fr"\n'
        + '  - "A curator\'s note."\n'
        + '  - "ROR names with their types and languages (no record key yet): []"\n',
        encoding="utf-8",
    )
    result = _run("import", "ror", str(sample), "--data", str(data), "-q", "--force")
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == imported + 'notes: ["A curator\'s note."]\n'


def test_progress_bar_on_stderr_and_q_silences_it(tmp_path: Path, ror_lines: list[str]) -> None:
    sample = tmp_path / "sample.jsonl"
    sample.write_text("\n".join(ror_lines[:3]) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    result = _run("import", "ror", str(sample), "--data", str(data), "--dry-run")
    assert result.exit_code == 0, result.output
    # the bar (click.progressbar) draws only on a terminal; elsewhere it prints its label
    assert "importing ROR records" in result.stderr
    assert result.stdout.count("(new)\n") == 4  # three organisations and the source
    assert not (data / "organisations").exists()
    result = _run("import", "ror", str(sample), "--data", str(data), "-q")
    assert "importing ROR records" not in result.stderr
    assert result.stdout.splitlines() == [
        f"created {data / 'sources' / 'sample.yaml'}",
        *(f"created {data / 'organisations' / s}.yaml" for s in ("0001j6c19", "0002pcv65", "000xkb537")),
    ]  # fmt: skip


def test_a_json_array_and_a_folder_of_json_files(tmp_path: Path, ror_lines: list[str]) -> None:
    records = [json.loads(line) for line in ror_lines[:2]]
    array = tmp_path / "two.json"
    array.write_text(json.dumps(records, indent=2), encoding="utf-8")
    folder = tmp_path / "v2.0"
    folder.mkdir()
    for record in records:
        (folder / (record["id"].rsplit("/", 1)[1] + ".json")).write_text(json.dumps(record))
    texts = []
    for source in (array, folder):
        data = tmp_path / f"data-{source.stem}"
        data.mkdir()
        result = _run("import", "ror", str(source), "--data", str(data), "-q")
        assert result.exit_code == 0, result.output
        texts.append(_org(data, "0002pcv65"))
    assert texts[0] == {**texts[1], "sources": ["two"]}


def _break(record: dict[str, Any], key: str) -> str:
    del record[key]
    return json.dumps(record)


#: A row whose content needs an outside file is a function of the fixtures it names.
BAD: list[tuple[str, bytes | Callable[..., bytes], str]] = [
    ("empty", b"", "{file}:1: the file is empty"),
    ("binary", b"{\x00\x01", "{file}:1: this is a binary file"),
    ("truncated line", lambda ror_lines: ("\n".join(ror_lines[:3]) + "\n" + ror_lines[3][:200] + "\n").encode(),
     "{file}:4: line 4 is not complete JSON (cut short?): Unterminated string"),
    ("arbitrary text", b"just some words\n", "{file}:1: line 1 is not JSON: Expecting value"),
    ("bad json", b'{"id": nope}\n', "{file}:1: line 1 is not JSON: Expecting value, column 8"),
    ("another format", lambda ga4gh_page: ga4gh_page.read_bytes(),
     "{file}:1: line 1 is not JSON"),
    ("not an object", b"[1, 2]\n", "{file}:1: not a ROR record: a JSON list, not an object"),
    ("missing names", lambda ror_lines: (ror_lines[0] + "\n" + _break(json.loads(ror_lines[1]), "names") + "\n").encode(),
     "{file}:2: ROR record https://ror.org/0002pcv65: `names` is missing"),
    ("missing status", lambda ror_lines: (_break(json.loads(ror_lines[0]), "status") + "\n").encode(),
     "{file}:1: ROR record https://ror.org/0001j6c19: `status` is missing"),
    ("bad id", lambda ror_lines: ror_lines[0].replace("https://ror.org/0001j6c19", "0001j6c19").encode(),
     "{file}:1: ROR record 0001j6c19: `id` '0001j6c19' is not a ROR id"),
    ("twice", lambda ror_lines: (ror_lines[0] + "\n" + ror_lines[0] + "\n").encode(),
     "{file}:2: ROR record https://ror.org/0001j6c19 appears twice (first at {file}:1)"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "content", "message"), BAD, ids=[c for c, _, _ in BAD])
def test_bad_input_exits_2_naming_file_and_line_and_writes_nothing(
    tmp_path: Path,
    case: str,
    content: bytes | Callable[..., bytes],
    message: str,
    request: pytest.FixtureRequest,
) -> None:
    data = _data(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(resolve(content, request))
    before = _snapshot(data)
    result = _run("import", "ror", str(bad), "--data", str(data))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: " + message.format(file=bad)), result.stderr
    assert "\n  fix: " in result.stderr
    assert _snapshot(data) == before


def test_a_bad_json_file_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[\n  {"id": "https://ror.org/0001j6c19"},\n', encoding="utf-8")
    result = _run("import", "ror", str(bad), "--data", str(DATA))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {bad}:3: not JSON: Expecting value")
    bad.write_text('[\n  {"id": "https://ror.org/0001j6c19"}\n]\n', encoding="utf-8")
    result = _run("import", "ror", str(bad), "--data", str(DATA))
    assert result.stderr.startswith(
        f"error: {bad}:2: ROR record https://ror.org/0001j6c19: `names`, `types`, `status`"
    )
