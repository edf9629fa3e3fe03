"""No traceback for a user's mistake: each case exits 2 (usage or input) with what and the fix.

One test per case found in issue 13; every command that reads the records must agree.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from consortia_kg.errors import plural
from consortia_kg.importers.inputs import JSON_DEPTH
from consortia_kg.records.yamlsource import MAX_DEPTH, parse_yaml
from consortia_kg.vocab import check_base_iri
from helpers.paths import VALID

Run = Callable[..., Result]


def _no_traceback(result: Result) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr


# --- entries named like records that cannot be read ---------------------------------------------


def _dir(folder: Path) -> None:
    (folder / "x.yaml").mkdir()


def _dangling(folder: Path) -> None:
    (folder / "x.yaml").symlink_to(folder / "gone.yaml")


def _loop(folder: Path) -> None:
    (folder / "x.yaml").symlink_to(folder / "x.yaml")


def _pipe(folder: Path) -> None:
    os.mkfifo(folder / "x.yaml")  # reading it would wait for a writer forever


def _unreadable(folder: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads a file whatever its mode: chmod 000 cannot make it unreadable")
    target = folder / "x.yaml"
    shutil.copy(folder / "alpha-institute.yaml", target)
    target.chmod(0)


#: (how the entry is made, words the message must hold, words the fix must hold)
BAD_ENTRIES = {
    "folder": (_dir, "this is a folder, named like a record file", "rename it"),
    "dangling link": (_dangling, "symbolic link to", "restore or remove it"),
    "link loop": (_loop, "leads back to itself", "remove the link"),
    "pipe": (_pipe, "not a regular file", "remove it"),
    "unreadable": (_unreadable, "permission denied", "chmod a+r"),
}

#: Every command that reads the records, as it is run on a data folder (``{data}``, ``{out}``).
READERS = {
    "validate": ["validate", "--data", "{data}"],
    "build": ["build", "--data", "{data}", "-o", "{out}"],
    "query": [
        "query", "working-groups", "-p", "consortium=demo-consortium",
        "--data", "{data}", "--store", "{out}/store",
    ],
    # refuses before it listens: a server is never started on records that cannot be read
    "serve": ["serve", "--data", "{data}", "--store", "{out}/store", "--port", "0"],
}  # fmt: skip


@pytest.mark.parametrize("command", sorted(READERS))
@pytest.mark.parametrize("case", sorted(BAD_ENTRIES))
def test_a_bad_entry_named_like_a_record_is_an_input_error(
    cli: Run, valid_copy: Path, tmp_path: Path, case: str, command: str
) -> None:
    make, what, fix = BAD_ENTRIES[case]
    make(valid_copy / "organisations")
    args = [a.format(data=valid_copy, out=tmp_path / "out") for a in READERS[command]]
    result = cli(*args)
    _no_traceback(result)
    assert result.exit_code == 2, result.output
    assert "organisations/x.yaml" in result.output
    assert what in result.output
    if command in ("validate", "build"):  # the others name the first error, send to validate
        assert fix in result.output
    assert not (tmp_path / "out" / "consortia.nq").exists()


@pytest.mark.parametrize("how", ["file", "dangling link"])
def test_a_kind_folder_that_is_not_a_folder_is_an_input_error(
    cli: Run, valid_copy: Path, how: str
) -> None:
    shutil.rmtree(valid_copy / "consortia")
    if how == "file":
        (valid_copy / "consortia").write_text("not a folder\n")
    else:
        (valid_copy / "consortia").symlink_to(valid_copy / "gone")
    result = cli("validate", "--data", valid_copy)
    _no_traceback(result)
    assert result.exit_code == 2
    assert "`consortia` is not a folder" in result.stdout


def test_a_bad_entry_added_after_a_build_makes_query_refuse(
    cli: Run, valid_copy: Path, tmp_path: Path
) -> None:
    """The store's up-to-date check lists records as the build does: it sees the new entry."""
    store = tmp_path / "store"
    args = ["query", "working-groups", "-p", "consortium=demo-consortium"]
    args += ["--data", str(valid_copy), "--store", str(store), "-q"]
    assert cli(*args).exit_code == 0
    _dir(valid_copy / "consortia")
    result = cli(*args)
    _no_traceback(result)
    assert result.exit_code == 2
    assert "consortia/x.yaml" in result.stderr


# --- base IRIs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "why"),
    [
        ('http://x.org/"><script>/', "holds '\"'"),
        ("http://x.org/a b/", "holds a space"),
        ("http://x.org/<a>/", "holds '<'"),
        ("http://x.org/{a}/", "holds '{'"),
        ("http://x.org/a\\b/", "holds '\\\\'"),
        ("http://x.org/a|b/", "holds '|'"),
        ("http://x.org/kg\n/", "holds '\\n'"),
        ("ftp://x.org/kg/", "must be an http(s) IRI"),
        ("http://x.org/kg", "must end with '/'"),
        ("http://x.org/kg?a=/", "must be an http(s) IRI"),
    ],
)
def test_a_base_iri_that_would_break_out_of_its_brackets_is_refused(base: str, why: str) -> None:
    with pytest.raises(ValueError, match="base IRI") as caught:
        check_base_iri(base)
    assert why in str(caught.value)


@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["build", "-o", "{out}"],
        ["query", "working-groups", "-p", "consortium=x", "--store", "{out}"],
        ["serve", "--store", "{out}"],
        ["push", "--endpoint", "http://127.0.0.1:9/sparql", "--graph-store", "http://127.0.0.1:9/"],
    ],
)
def test_every_command_taking_a_base_iri_refuses_a_bad_one(
    cli: Run, tmp_path: Path, command: list[str]
) -> None:
    args = [a.format(out=tmp_path / "out") for a in command]
    result = cli(*args, "--data", VALID, "--base-iri", 'http://x.org/"><script>/')
    _no_traceback(result)
    assert result.exit_code == 2
    assert "which an IRI may not hold" in result.stderr
    assert "fix: pass e.g. --base-iri" in result.stderr
    assert not (tmp_path / "out").exists()


# --- outputs that cannot be written -------------------------------------------------------------


def _blocked_paths(tmp_path: Path) -> dict[str, Path]:
    afile = tmp_path / "afile"
    afile.write_text("not a folder\n")
    return {
        "under a file": afile / "report.txt",
        "deep under a file": afile / "a" / "b.txt",
        "in /proc": Path("/proc/no-such-folder/report.txt"),
    }


@pytest.mark.parametrize("where", ["under a file", "deep under a file", "in /proc"])
@pytest.mark.parametrize(
    "command",
    [
        ["validate", "--data", str(VALID)],
        ["query", "working-groups", "-p", "consortium=demo-consortium", "--data", str(VALID)],
        ["query", "--list"],
    ],
)
def test_an_output_that_cannot_be_written_is_a_usage_error(
    cli: Run, tmp_path: Path, command: list[str], where: str
) -> None:
    target = _blocked_paths(tmp_path)[where]
    extra = ["--store", str(tmp_path / "store")] if "working-groups" in command else []
    result = cli(*command, *extra, "-o", target)
    _no_traceback(result)
    assert result.exit_code == 2, result.output
    assert f"cannot write {target}" in result.stderr
    assert "fix: pass -o with" in result.stderr
    assert not (tmp_path / "store").exists(), "refused before any work"


def test_an_output_in_a_read_only_folder_is_a_usage_error(cli: Run, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder: its mode cannot refuse it")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    result = cli("validate", "--data", VALID, "-o", folder / "report.txt")
    folder.chmod(0o755)
    _no_traceback(result)
    assert result.exit_code == 2
    assert "Permission denied" in result.stderr


# --- nesting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("lists.json", "[" * 100_000 + "]" * 100_000),
        ("objects.json", '{"a":' * 100_000 + "1" + "}" * 100_000),
        ("lists.jsonl", "[" * 100_000 + "]" * 100_000 + "\n"),
    ],
)
def test_json_nested_too_deep_is_an_input_error(
    cli: Run, valid_copy: Path, tmp_path: Path, name: str, text: str
) -> None:
    source = tmp_path / name
    source.write_text(text)
    before = sorted(p.read_bytes() for p in valid_copy.rglob("*") if p.is_file())
    result = cli("import", "ror", source, "--data", valid_copy)
    _no_traceback(result)
    assert result.exit_code == 2
    assert f"the JSON is nested deeper than {JSON_DEPTH} levels" in result.stderr
    assert sorted(p.read_bytes() for p in valid_copy.rglob("*") if p.is_file()) == before


@pytest.mark.parametrize(
    "text",
    [
        "id: x\nname: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5),
        "id: x\nname: " + "[" * 100_000 + "]" * 100_000,
        "id: x\nname:\n  " + "- " * 50_000 + "a",
        "id: x\nname: " + "{a: " * (MAX_DEPTH + 5) + "b" + "}" * (MAX_DEPTH + 5),
    ],
    ids=["flow-past-cap", "flow-100k", "block-50k", "mappings-past-cap"],
)
def test_yaml_nested_too_deep_is_a_broken_record(text: str) -> None:
    root, problems = parse_yaml(text.encode(), "consortia/x.yaml")
    assert root is None
    assert [p.fatal for p in problems] == [True]
    assert "nest" in problems[0].message, problems[0].message


def test_a_deep_record_in_the_data_folder_stops_validate(cli: Run, valid_copy: Path) -> None:
    record = valid_copy / "consortia" / "deep.yaml"
    record.write_text("id: deep\nname: " + "[" * 100_000 + "]" * 100_000 + "\n")
    result = cli("validate", "--data", valid_copy)
    _no_traceback(result)
    assert result.exit_code == 2
    assert "consortia/deep.yaml:2" in result.stdout


# --- validate's paths ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/etc/passwd", "is not a record file: records end in .yaml"),
        ("{tmp}/other/x.yaml", "is not a record file of"),
        ("{tmp}", "is not a folder of records"),
        ("{tmp}/missing.yaml", "does not exist"),
    ],
)
def test_validate_refuses_a_path_that_is_not_a_record(
    cli: Run, tmp_path: Path, path: str, message: str
) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.yaml").write_text("id: x\n")
    result = cli("validate", "--data", VALID, path.format(tmp=tmp_path))
    _no_traceback(result)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "fix:" in result.stderr
    assert "no problems" not in result.stdout


def test_validate_narrows_to_a_record_file_it_is_given(cli: Run) -> None:
    result = cli("validate", "--data", VALID, VALID / "consortia" / "demo-consortium.yaml")
    assert result.exit_code == 0, result.output


# --- counts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "word", "words", "said"),
    [
        (0, "row", "", "0 rows"),
        (1, "row", "", "1 row"),
        (2, "row", "", "2 rows"),
        (1, "entry", "entries", "1 entry"),
        (3, "entry", "entries", "3 entries"),
    ],
)
def test_plural(count: int, word: str, words: str, said: str) -> None:
    assert plural(count, word, words) == said


def test_one_row_is_one_row(cli: Run, tmp_path: Path) -> None:
    result = cli(
        "query", "--sparql", "SELECT (1 AS ?one) WHERE {}", "--data", VALID,
        "--store", tmp_path / "store",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1].startswith("sparql: 1 row in "), result.stderr


def test_a_single_record_report_says_record(cli: Run, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "sources").mkdir(parents=True)
    shutil.copy(VALID / "sources" / "demo-source.yaml", data / "sources")
    result = cli("validate", "--data", data, "-q")
    assert result.stdout == "no problems in 1 record\n"


# --- query files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: p.write_bytes(b"\xff\xfeSELECT"), "is not UTF-8 text"),
        (
            lambda p: p.write_text(
                "# title: x\n# params: " + "[" * 5000 + "]" * 5000 + "\nASK {}\n"
            ),
            "the header is nested too deep to read",
        ),
    ],
    ids=["folder", "not-utf8", "deep-header"],
)
def test_a_query_file_that_is_not_one_is_a_usage_error(
    cli: Run, tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    target = tmp_path / "q.rq"
    make(target)
    result = cli("query", target, "--data", VALID, "--store", tmp_path / "store")
    _no_traceback(result)
    assert result.exit_code == 2
    assert message in result.stderr


# --- the shared check of output paths (build's -o is a folder) ----------------------------------


def test_check_output_for_a_folder(tmp_path: Path) -> None:
    from consortia_kg.cli.common import check_output
    from consortia_kg.errors import InputError

    afile = tmp_path / "afile"
    afile.write_text("x")
    check_output(tmp_path / "new" / "dist", folder=True)  # made by the build: fine
    check_output(tmp_path, folder=True)
    with pytest.raises(InputError, match="is a file; the output must be a folder"):
        check_output(afile, folder=True)
    with pytest.raises(InputError, match="afile is not a folder"):
        check_output(afile / "dist", folder=True)
    with pytest.raises(InputError, match="is a folder; the output must be a file"):
        check_output(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"], "the check leaves nothing"


# --- IRIs in records that the graph's IRI parser refuses (found by tests/test_cli_fuzz.py) ------


@pytest.mark.parametrize(
    "value",
    [
        "https://[example.org/",
        "http://x.org/%zz",
        "http://x.org:abc/",
        "http://[a]/",
        "http://x/#a#b",
    ],
)
def test_an_iri_the_graph_cannot_hold_is_a_record_error(
    cli: Run, valid_copy: Path, value: str
) -> None:
    record = valid_copy / "organisations" / "alpha-institute.yaml"
    text = record.read_text(encoding="utf-8")
    assert "\nhomepage: " in text
    lines = [f"homepage: {value}" if ln.startswith("homepage:") else ln for ln in text.split("\n")]
    record.write_text("\n".join(lines), encoding="utf-8")
    result = cli("validate", "--data", valid_copy, "-q")
    _no_traceback(result)
    assert result.exit_code == 1, result.output
    assert f'"{value}" is not an http(s) IRI' in result.stdout


def test_a_snapshot_whose_upstream_is_no_iri_is_reported(cli: Run, valid_copy: Path) -> None:
    """Written by hand (or by an older import): the manifest is checked, the build not reached."""
    folder = valid_copy / "registries" / "hand-made"
    folder.mkdir(parents=True)
    (folder / "data.csv").write_text("a\n1\n")
    (folder / "snapshot.yaml").write_text(
        "id: hand-made\ntitle: t\nmapping: cordis\npublisher: p\nupstream: 'http://[x/'\n"
        "licence: https://creativecommons.org/licenses/by/4.0/\nattribution: a\n"
        "taken: '2026-01-01'\nfiles:\n  projects: {path: data.csv, upstream: x, sha256: '0'}\n"
    )
    result = cli("validate", "--data", valid_copy, "-q")
    _no_traceback(result)
    assert result.exit_code in (1, 2), result.output
    assert "upstream `http://[x/` is not a web address" in result.stdout


def test_import_cordis_refuses_an_upstream_that_is_no_iri(
    cli: Run, valid_copy: Path, tmp_path: Path, shared_data: Path
) -> None:
    """Real CORDIS files (../shared/data/cordis-sample, CC BY 4.0) that import as they are."""
    import csv
    import json

    folder = shared_data / "cordis-sample"
    project = json.loads((folder / "project.json").read_text(encoding="utf-8"))[0]
    rows = json.loads((folder / "organization.json").read_text(encoding="utf-8"))
    partners = [r for r in rows if str(r["projectID"]) == str(project["id"])]
    paths = []
    for name, table in (("project.csv", [project]), ("organization.csv", partners)):
        with (tmp_path / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_ALL)
            writer.writerow(list(table[0]))
            writer.writerows([["" if v is None else str(v) for v in r.values()] for r in table])
        paths.append(tmp_path / name)
    args = ["import", "cordis", *paths, "--id", "c", "--data", valid_copy, "-q"]
    result = cli(*args, "--upstream", "http://[x/")
    _no_traceback(result)
    assert result.exit_code == 2
    assert "--upstream `http://[x/` is not a web address" in result.stderr
    assert not (valid_copy / "registries").exists()
    assert cli(*args).exit_code == 0, "the same files with the default upstream import"
