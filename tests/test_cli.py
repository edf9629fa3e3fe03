"""The CLI contract: exit codes, stdout for the product, stderr for the rest, messages that help."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from helpers.paths import REAL_DATA


def test_validate_real_data_conforms(cli: Callable[..., Result]) -> None:
    """The default data has no error; the registries' own quirks are warnings at file:row."""
    result = cli("validate", "-q", "--format", "json", "--data", REAL_DATA)
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)
    findings = findings["problems"] if isinstance(findings, dict) else findings
    assert findings, "the CORDIS snapshot's second coordinators are reported"
    for finding in findings:
        assert finding["severity"] == "warning", finding
        assert "data/registries/" in finding["file"], finding
        assert finding["line"] > 1, finding


def test_build_lists_what_it_wrote(cli: Callable[..., Result], tmp_path: Path) -> None:
    result = cli("build", "-o", tmp_path, "-q")
    assert result.exit_code == 0
    assert [line for line in result.stdout.splitlines() if "store" not in line] == [
        str(tmp_path / name)
        for name in sorted(
            ["SHA256SUMS", "void.ttl"]
            + [
                f"consortia.{ext}{gz}"
                for ext in ("jsonld", "nq", "nt", "ttl")
                for gz in ("", ".gz")
            ]
        )
    ]
    assert result.stderr == ""


def test_progress_goes_to_stderr(cli: Callable[..., Result], tmp_path: Path) -> None:
    result = cli("build", "-o", tmp_path)
    stages = [line.split(":")[0] for line in result.stderr.splitlines()]
    assert stages[:4] == ["build", "export", "store", "validate"]


def test_build_without_store_writes_the_same_dumps(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    assert cli("build", "-o", tmp_path / "with", "-q").exit_code == 0
    result = cli("build", "-o", tmp_path / "without", "--no-store", "--jobs", "2", "-q")
    assert result.exit_code == 0, result.stderr
    assert not (tmp_path / "without" / "store").exists()
    assert (tmp_path / "with" / "store").is_dir()
    names = sorted(p.name for p in (tmp_path / "without").iterdir() if p.is_file())
    assert names == sorted(p.name for p in (tmp_path / "with").iterdir() if p.is_file())
    for name in names:
        assert (tmp_path / "without" / name).read_bytes() == (tmp_path / "with" / name).read_bytes()


def test_build_refuses_a_negative_job_count(cli: Callable[..., Result], tmp_path: Path) -> None:
    result = cli("build", "-o", tmp_path, "--jobs", "-1")
    assert result.exit_code == 2
    assert "-1 is not in the range x>=0" in result.stderr


def _broken(valid_copy: Path) -> Path:
    path = valid_copy / "consortia" / "demo-consortium.yaml"
    text = path.read_text().replace('year_launched: "2010"', 'year_launched: "2020"')
    path.write_text(
        text.replace('start: "2010-06"', 'start: "2020-06"').replace('"2011"', '"2021"')
    )
    return path


def test_broken_record_report(
    valid_copy: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    _broken(valid_copy)
    monkeypatch.chdir(valid_copy.parent)
    result = cli("validate", "--data", "data", "-q")
    assert result.exit_code == 1
    assert result.stdout == (
        'data/consortia/demo-consortium.yaml:8 year_launched: "2020" is after the record\'s last '
        "update (2016-05-24)\n"
        "  why: a consortium cannot be launched after it was last described (ConsortiumShape)\n"
        "  fix: correct year_launched or last_updated\n"
        "\n"
        "1 error in 1 file (5 records read)\n"
    )


def test_json_report(valid_copy: Path, cli: Callable[..., Result]) -> None:
    _broken(valid_copy)
    result = cli("validate", "--data", valid_copy, "--format", "json", "-q")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    assert report["counts"] == {"records": 5, "files": 1, "errors": 1, "warnings": 0, "infos": 0}
    (problem,) = report["problems"]
    assert set(problem) == {"file", "line", "key", "severity", "message", "why", "fix", "shape"}
    assert (problem["line"], problem["key"], problem["shape"]) == (
        8,
        "year_launched",
        "ConsortiumShape",
    )


def test_github_annotations(valid_copy: Path, cli: Callable[..., Result]) -> None:
    _broken(valid_copy)
    result = cli("validate", "--data", valid_copy, "--format", "github", "-q")
    first = result.stdout.splitlines()[0]
    assert first.startswith("::error file=")
    assert ",line=8,title=year_launched::" in first
    assert "%0Afix: correct year_launched or last_updated" in first


def test_validate_paths_narrow_the_report(
    valid_copy: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    _broken(valid_copy)
    monkeypatch.chdir(valid_copy.parent)
    other = cli("validate", "--data", "data", "-q", "data/organisations/beta-university.yaml")
    assert other.exit_code == 0
    broken = cli("validate", "--data", "data", "-q", "data/consortia/demo-consortium.yaml")
    assert broken.exit_code == 1


def test_warnings_as_errors(valid_copy: Path, cli: Callable[..., Result]) -> None:
    path = valid_copy / "consortia" / "demo-consortium.yaml"
    path.write_text(path.read_text().replace("description: A consortium invented for tests.\n", ""))
    assert cli("validate", "--data", valid_copy, "-q").exit_code == 0
    assert cli("validate", "--data", valid_copy, "-q", "--warnings-as-errors").exit_code == 1


def test_report_written_atomically_to_a_file(
    valid_copy: Path, cli: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    result = cli("validate", "--data", valid_copy, "--format", "json", "-o", out, "-q")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(out.read_text())["conforms"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["validate", "--data", "no/such/folder"],
            "error: no/such/folder is not a folder of records",
        ),
        (["validate", "no/such/file.yaml"], "error: no/such/file.yaml does not exist"),
        (["build", "--base-iri", "ftp://x"], "must be an http(s) IRI"),
        (["build", "--base-iri", "https://example.org/kg"], "must end with '/'"),
        (["validate", "--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_usage_errors_exit_2_without_traceback(
    cli: Callable[..., Result], args: list[str], message: str
) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_python_m_and_console_script_agree() -> None:
    module = subprocess.run(
        [sys.executable, "-m", "consortia_kg", "--help"], capture_output=True, text=True, check=True
    )
    assert "validate" in module.stdout and "build" in module.stdout
    version = subprocess.run(
        [sys.executable, "-m", "consortia_kg", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.startswith("consortia-kg, version ")
