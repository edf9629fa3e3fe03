"""`consortia-kg import page`: Consortia-pedia catalogue pages → consortium records."""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from consortia_kg.cli.main import main
from consortia_kg.errors import InputError, Severity
from consortia_kg.importers.inputs import decode_text
from consortia_kg.importers.page import import_page, parse_page
from consortia_kg.importers.plan import Workspace
from consortia_kg.pipeline import validate_data
from consortia_kg.records.writer import read_record_text
from helpers.deferred import resolve
from helpers.paths import DATA

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pages"

#: Keys of data/consortia/ga4gh.yaml that come from the GA4GH registry dump, not from the page.
FROM_REGISTRY = {"acronym", "homepage", "working_groups", "standards", "implementations"}


def _data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    return data


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


def _run(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def _read(path: Path) -> dict[str, Any]:
    return read_record_text(path.read_text(encoding="utf-8"), "consortium", str(path))


def _errors(data: Path) -> list[str]:
    run = validate_data(data)
    return [f"{p.file}:{p.line} {p.key} {p.message}" for p in run.problems
            if p.severity == Severity.VIOLATION]  # fmt: skip


# --- the real page -----------------------------------------------------------------------------


def test_real_page_reproduces_the_facts_of_ga4gh_yaml(tmp_path: Path, ga4gh_page: Path) -> None:
    data = _data(tmp_path)
    hand = _read(data / "consortia" / "ga4gh.yaml")
    (data / "consortia" / "ga4gh.yaml").unlink()
    result = _run("import", "page", str(ga4gh_page), "--data", str(data), "--id", "ga4gh")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"created {data / 'consortia' / 'ga4gh.yaml'}"]
    imported = _read(data / "consortia" / "ga4gh.yaml")
    # every key the page gives has the hand-written value, field by field ...
    same = sorted(set(imported) - {"sources", "notes"})
    assert same == sorted(set(hand) - FROM_REGISTRY - {"sources", "notes"})
    for key in same:
        assert imported[key] == hand[key], key
    # ... the page's source record is reused (same sha256), the registry is not a source of it ...
    assert imported["sources"] == ["consortia-pedia-ga4gh"] == hand["sources"][:1]
    # ... and the notes are the page's text verbatim, where the hand-written record paraphrases
    # the Sponsors & Partners section (whose link is missing on the page)
    assert imported["notes"][:2] == hand["notes"][:2]
    assert imported["notes"][2] == "Sponsors & Partners: A full list of members can be found at"
    assert hand["notes"][2].startswith("Sponsors & Partners: the page's text is")
    assert _errors(data) == []


def test_importing_into_the_real_data_needs_force_keeps_other_sources_and_is_idempotent(
    tmp_path: Path, ga4gh_page: Path
) -> None:
    data = _data(tmp_path)
    before = _snapshot(data)
    hand = _read(data / "consortia" / "ga4gh.yaml")

    result = _run("import", "page", str(ga4gh_page), "--data", str(data))
    assert result.exit_code == 1
    assert f"would change: {data / 'consortia' / 'ga4gh.yaml'}" in result.stderr
    assert "nothing written" in result.stderr and "--force" in result.stderr
    assert _snapshot(data) == before

    result = _run("import", "page", str(ga4gh_page), "--data", str(data), "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"--- {data / 'consortia' / 'ga4gh.yaml'}\n")
    assert '+  - "Sponsors & Partners: A full list of members can be found at"' in result.stdout
    assert _snapshot(data) == before

    result = _run("import", "page", str(ga4gh_page), "--data", str(data), "--force")
    assert result.exit_code == 0, result.output
    merged = _read(data / "consortia" / "ga4gh.yaml")
    assert {k: v for k, v in merged.items() if k != "notes"} == {
        k: v for k, v in hand.items() if k != "notes"
    }
    assert merged["notes"] == [
        *hand["notes"],
        "Sponsors & Partners: A full list of members can be found at",
    ]
    assert _errors(data) == []

    once = _snapshot(data)
    result = _run("import", "page", str(ga4gh_page), "--data", str(data))
    assert result.exit_code == 0, result.output
    assert "0 new, 0 changed, 1 unchanged" in result.stderr
    assert _snapshot(data) == once


def test_page_from_stdin_and_dry_run_of_a_new_record(tmp_path: Path, ga4gh_page: Path) -> None:
    data = _data(tmp_path)
    (data / "consortia" / "ga4gh.yaml").unlink()
    before = _snapshot(data)
    result = _run(
        "import", "page", "-", "--data", str(data), "--dry-run", input=ga4gh_page.read_bytes()
    )
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.startswith(f"# {data / 'sources' / 'stdin.yaml'} (new)\n")
        or "(new)\n" in result.stdout
    )
    assert '\nid: "global-alliance-for-genomics-and-health"\n' in result.stdout
    assert "dry run: nothing written" in result.stderr
    assert _snapshot(data) == before


# --- derived pages (see tests/fixtures/pages/README.md) ------------------------------------------


def _parse(path: Path) -> dict[str, Any]:
    return parse_page(decode_text(path.read_bytes(), str(path), "page"), str(path)).record


def test_browser_noise_does_not_change_the_record(ga4gh_page: Path) -> None:
    noisy = _parse(FIXTURES / "ga4gh-browser-noise.txt")
    clean = _parse(ga4gh_page)
    noisy["patient_engagement"] = noisy["patient_engagement"].replace("’", "'")
    assert noisy == clean


def test_other_at_a_glance_values_and_governance_units(tmp_path: Path) -> None:
    data = _data(tmp_path)
    result = _run("import", "page", str(FIXTURES / "other-fields.txt"), "--data", str(data))
    assert result.exit_code == 0, result.output
    assert (
        'note: linked "European Bioinformatics Institute" to organisation uk-ac-ebi'
        in result.stderr
    )
    record = _read(data / "consortia" / "nda.yaml")
    assert record["name"] == "Neurodegeneration Data Alliance" and record["acronym"] == "NDA"
    assert record["status"] == "completed"
    assert record["initiator_type"] == "nonprofit-foundation"
    assert record["initiating_organisation"] == "uk-ac-ebi"
    assert record["disease_focus"] == ["Alzheimer's Disease", "Parkinson's Disease"]
    assert record["location"] == "Bethesda, Maryland" and "scope" not in record
    assert [(g["id"], g["name"], g["member_count"]) for g in record["working_groups"]] == [
        ("technologies", "Technologies Working Group", "35"),
        ("clinical", "Clinical Working Group", "12"),
    ]
    assert [(c["id"], c["kind"], c.get("member_count")) for c in record["committees"]] == [
        ("plenary", "plenary", None),
        ("scientific-advisory-board", "advisory", "9"),
    ]
    assert [h["organisation"] for h in record["host_institutions"]] == [
        "wellcome-sanger-institute", "broad-institute",
    ]  # fmt: skip
    for slug, name in [("wellcome-sanger-institute", "Wellcome Sanger Institute"),
                       ("broad-institute", "Broad Institute")]:  # fmt: skip
        org = read_record_text(
            (data / "organisations" / f"{slug}.yaml").read_text(), "organisation", slug
        )
        assert org == {"id": slug, "name": name, "sources": ["other-fields"]}
    assert [(c["kind"], c["value"], c["person"]) for c in record["contacts"]] == [
        ("phone", "416-977-7599", "false"),
        ("email", "info@example.org", "false"),
        ("fax", "416-977-7598", "false"),
        ("phone", "866-678-6427", "false"),
    ]
    assert (
        "Key Accomplishments: The alliance released its first framework in 2014." in record["notes"]
    )
    assert _errors(data) == []


def test_missing_sections_are_warnings_not_failures(tmp_path: Path) -> None:
    data = _data(tmp_path)
    (data / "consortia" / "ga4gh.yaml").unlink()
    page = FIXTURES / "missing-sections.txt"
    result = _run("import", "page", str(page), "--data", str(data), "--id", "ga4gh")
    assert result.exit_code == 0, result.output
    for title in ("Patient Engagement", "Data Sharing", "Sponsors & Partners"):
        assert f'warning: {page}: no "{title}" section' in result.stderr
    record = _read(data / "consortia" / "ga4gh.yaml")
    assert "patient_engagement" not in record and "data_sharing" not in record
    assert record["history"].startswith("The Global Alliance’s origin")
    assert _errors(data) == []


def test_boilerplate_under_a_heading_is_left_out_and_the_section_is_kept(
    ga4gh_page_text: str,
) -> None:
    # found by test_mutated_real_pages_never_crash_nor_lose_a_sentence: the catalogue's
    # "living resource" line right under "Patient Engagement", in one paragraph with the
    # section's text, made the importer drop the whole paragraph (the section's only text)
    footer = next(line for line in ga4gh_page_text.split("\n") if line.startswith(_BOILERPLATE[0]))
    shape = ga4gh_page_text.replace("Patient Engagement\n\n", f"Patient Engagement\n{footer}\n", 1)
    assert shape != ga4gh_page_text
    record = parse_page(shape, "page.txt").record
    assert record == parse_page(ga4gh_page_text, "page.txt").record
    assert record["patient_engagement"].startswith("Participant-centric consent is a core value")
    assert "Consortia-pedia" not in "\n".join(_strings(record))


# --- bad input ----------------------------------------------------------------------------------

#: A row whose content needs an outside file is a function of the fixtures it names.
BAD_PAGES: list[tuple[str, bytes | Callable[..., bytes], str]] = [
    ("empty", b"", "{file}:1: the file is empty"),
    ("blank", b" \n\n \r\n", "{file}:1: the file is empty"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "{file}:3: this is a binary file"),
    ("latin-1", "Caf\u00e9\n".encode("latin-1"), "{file}:1: byte 0xe9 is not UTF-8"),
    ("arbitrary text", b"Dear colleague,\n\nplease find the minutes attached.\n",
     '{file}:1: this is not a Consortia-pedia catalogue page: it has no "At a Glance" block'),
    ("html", b"<!DOCTYPE html>\n<html><body>At a Glance</body></html>\n",
     "{file}:1: this looks like HTML or XML, not the text of a Consortia-pedia catalogue page"),
    ("ror json line", lambda ror_file: ror_file.read_bytes()[:2000],
     "{file}:1: this looks like JSON"),
    ("a yaml record", (DATA / "consortia" / "ga4gh.yaml").read_bytes(),
     "{file}:1: this looks like YAML"),
    ("no title", lambda ga4gh_page_text: ga4gh_page_text[ga4gh_page_text.index("At a Glance"):].encode(),
     '{file}:1: the page has no title line before "At a Glance"'),
    ("no status", lambda ga4gh_page_text: ga4gh_page_text.replace("  • Status: Active Consortium\n", "").encode(),
     "{file}: At a Glance gives no Status, and a consortium record needs one"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "content", "message"), BAD_PAGES, ids=[c for c, _, _ in BAD_PAGES]
)
def test_bad_input_exits_2_naming_file_and_line_and_writes_nothing(
    tmp_path: Path,
    case: str,
    content: bytes | Callable[..., bytes],
    message: str,
    request: pytest.FixtureRequest,
) -> None:
    data = _data(tmp_path)
    page = tmp_path / "page.txt"
    page.write_bytes(resolve(content, request))
    before = _snapshot(data)
    result = _run("import", "page", str(page), "--data", str(data))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: " + message.format(file=page)), result.stderr
    assert "\n  fix: " in result.stderr
    assert _snapshot(data) == before


def test_no_status_can_be_given_on_the_command_line(tmp_path: Path, ga4gh_page_text: str) -> None:
    data = _data(tmp_path)
    page = tmp_path / "page.txt"
    page.write_text(
        ga4gh_page_text.replace("  • Status: Active Consortium\n", ""), encoding="utf-8"
    )
    result = _run("import", "page", str(page), "--data", str(data), "--status", "inactive",
                  "--id", "new-one")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _read(data / "consortia" / "new-one.yaml")["status"] == "inactive"


def test_a_missing_file_and_a_bad_id_exit_2(tmp_path: Path, ga4gh_page: Path) -> None:
    result = _run("import", "page", str(tmp_path / "nope.txt"), "--data", str(DATA))
    assert result.exit_code == 2
    assert f"error: {tmp_path / 'nope.txt'}: not there, not a file" in result.stderr
    result = _run("import", "page", str(ga4gh_page), "--data", str(DATA), "--id", "Not A Slug")
    assert result.exit_code == 2
    assert 'error: --id "Not A Slug" is not a slug' in result.stderr


# --- properties ---------------------------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)]


def _flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _import(text: str) -> tuple[dict[str, Any], str] | None:
    """Plan the import of ``text`` into an empty data folder; None when refused (InputError)."""
    with tempfile.TemporaryDirectory() as folder:
        ws = Workspace(Path(folder))
        raw = text.encode("utf-8", "surrogatepass")
        try:
            slug, _ = import_page(ws, raw, "page.txt", None, status="active")
        except InputError:
            return None
        record = ws.records["consortium"][slug]
        out = _flat("\n".join(_strings(record)))
        return record, out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_never_crashes(text: str) -> None:
    _import(text)


@settings(max_examples=150, deadline=None)
@given(st.binary())
def test_arbitrary_bytes_never_crash(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder, contextlib.suppress(InputError):
        import_page(Workspace(Path(folder)), raw, "page.txt", None, status="active")


_BOILERPLATE = (
    "The Consortia-pedia Catalogue is a living resource",
    "All the information contained",
)


@st.composite
def mutated_pages(draw: st.DrawFn, page_lines: list[str]) -> str:
    lines = list(page_lines)
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "replace", "blank",
                                     "bullet", "nbsp"]))  # fmt: skip
        text = draw(st.text(max_size=80))
        if kind == "delete":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "insert":
            lines.insert(at, text)
        elif kind == "replace":
            lines[at] = text
        elif kind == "blank":
            lines[at:at] = [""] * draw(st.integers(1, 4))
        elif kind == "bullet":
            lines[at] = "• " + lines[at].lstrip(" •")
        else:
            lines[at] = lines[at].replace(" ", "\u00a0")
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return ending.join(lines)


def _prose_lines(text: str) -> list[str]:
    """Lines that are sentences: these must land somewhere in the record."""
    out = []
    for line in re.split(r"\r\n|\r|\n", text):
        flat = _flat(line).lstrip("•· ").strip()
        if flat.endswith(".") and len(flat.split()) >= 6 and not flat.startswith(_BOILERPLATE):
            out.append(flat)
    return out


def _kept(line: str, out: str) -> bool:
    if line in out:
        return True
    for separator in (": ", ", "):
        head, _, tail = line.partition(separator)
        if tail and head.strip() in out and tail.strip() in out:
            return True
    return False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_real_pages_never_crash_nor_lose_a_sentence(
    ga4gh_page_text: str, data: st.DataObject
) -> None:
    text = data.draw(mutated_pages(ga4gh_page_text.split("\n")), label="text")
    result = _import(text)
    if result is None:
        return
    _, out = result
    lost = [line for line in _prose_lines(text) if not _kept(line, out)]
    assert lost == []


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)
_SENTENCE = st.lists(_WORD, min_size=4, max_size=14).map(lambda w: " ".join(w).capitalize() + ".")
_PARAGRAPH = st.lists(_SENTENCE, min_size=1, max_size=3).map(" ".join)
_KNOWN = ["Consortium History", "Structure & Governance", "Patient Engagement", "Data Sharing",
          "Sponsors & Partners"]  # fmt: skip
_UNKNOWN = st.lists(
    st.text(alphabet="ABCDEFGHIJKLMNOPRSTUVWYZ", min_size=1, max_size=1).flatmap(
        lambda first: _WORD.map(lambda rest: first + rest)
    ),
    min_size=1,
    max_size=4,
).map(" ".join)


@st.composite
def generated_pages(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """A page from the format's parts, shuffled; returns (text, paragraphs, unknown headings)."""
    title = draw(_UNKNOWN)
    glance = ["At a Glance", "  • Status: Active Consortium", "  • Year Launched: 2013"]
    paragraphs: list[str] = []
    headings: list[str] = []
    body: list[str] = []
    for _ in range(draw(st.integers(0, 2))):  # abstract and mission, without headings
        para = draw(_PARAGRAPH)
        paragraphs.append(para)
        body += ["", "", para]
    sections = draw(st.lists(st.one_of(st.sampled_from(_KNOWN), _UNKNOWN), max_size=6))
    for heading in sections:
        if heading.lower() in ("at a glance", "last updated") or (
            heading in _KNOWN and heading in body
        ):
            continue
        if heading not in _KNOWN:
            headings.append(heading)
        body += ["" for _ in range(draw(st.integers(1, 3)))] + [heading, ""]
        for _ in range(draw(st.integers(1, 3))):
            para = draw(_PARAGRAPH)
            paragraphs.append(para)
            body += [para] + ["" for _ in range(draw(st.integers(1, 3)))]
    lines = [title, "", *glance, *body, "", "Last Updated: 05/24/2016"]
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return ending.join(lines), paragraphs, headings


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_pages())
def test_generated_pages_keep_every_paragraph_and_every_unknown_section(
    page: tuple[str, list[str], list[str]],
) -> None:
    text, paragraphs, headings = page
    assume(not any(h.lower() in ("summary", "mission", "history", "governance", "contact",
                                 "contacts", "sponsors", "partners", "abstract") for h in headings))  # fmt: skip
    result = _import(text)
    assert result is not None
    record, out = result
    for para in paragraphs:
        assert _flat(para) in out
    notes = record.get("notes", [])
    for heading in headings:
        # its own note, or (after Sponsors & Partners, where lines are often names) inside one
        assert any(n == heading or n.startswith(heading + ": ") or heading in n for n in notes)


@pytest.mark.parametrize("options", [[], ["--yes"]])
def test_a_name_that_is_not_certain_is_proposed_and_linked_once_accepted(
    tmp_path: Path, options: list[str], ga4gh_page_text: str
) -> None:
    data = _data(tmp_path)
    page = tmp_path / "page.txt"
    page.write_text(
        ga4gh_page_text.replace(
            "Initiating Organization: 70 Participating Organizations",
            "Initiating Organization: Center for Genome Regulation",
        ),
        encoding="utf-8",
    )
    args = ["import", "page", str(page), "--data", str(data), "--id", "new-one", *options]
    result = _run(*args)  # stdin is not a terminal here (or --yes): nobody to ask
    assert result.exit_code == 0, result.output
    record = _read(data / "consortia" / "new-one.yaml")
    assert "initiating_organisation" not in record  # not linked, and no record made for it
    assert (
        "Initiating organisation (waits for review): Center for Genome Regulation"
        in (record["notes"])
    )
    assert not (data / "organisations" / "center-for-genome-regulation.yaml").exists()
    assert (
        f'proposed: "Center for Genome Regulation" ({page}) may be organisation eu-crg '
        '("Centre for Genomic Regulation", similar name, score 91): not linked'
    ) in result.stderr
    review = data / "review.yaml"
    text = review.read_text(encoding="utf-8")
    assert 'candidate: "eu-crg"' in text and 'decision: "pending"' in text
    # the curator accepts; the next import links without asking again
    review.write_text(text.replace('decision: "pending"', 'decision: "accept"'), encoding="utf-8")
    result = _run(*args, "--force")
    assert result.exit_code == 0, result.output
    assert _read(data / "consortia" / "new-one.yaml")["initiating_organisation"] == "eu-crg"
    assert 'to organisation eu-crg ("Centre for Genomic Regulation", similar name, score 91)' \
        ": a curator accepted it" in result.stderr  # fmt: skip
    assert review.read_text(encoding="utf-8").count("candidate:") == 1  # not proposed again
