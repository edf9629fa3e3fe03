"""Registry snapshots: a small snapshot cut from the real CORDIS files, mapped, and broken.

The snapshot under test is derived in each test from ``data/registries/cordis-h2020``: the
first rows of each file (whole projects), re-gzipped, with the manifest's checksums rewritten.
Expected figures are computed from those rows with the csv module, never written down.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import Result

from consortia_kg.registries import map_snapshots
from consortia_kg.vocab import DEFAULT_BASE_IRI
from helpers.paths import REAL_DATA

SNAPSHOT = REAL_DATA / "registries" / "cordis-h2020"
FILES = {
    "participations": "participations.csv.gz",
    "programme_parts": "programme-parts.csv.gz",
    "organisations": "organisations-2017.csv.gz",
}
#: participation rows kept in the small snapshot (cut at a project's end)
ROWS = 400


def _rows(name: str) -> list[list[str]]:
    text = gzip.decompress((SNAPSHOT / name).read_bytes()).decode()
    return list(csv.reader(io.StringIO(text, newline="")))


def _write(folder: Path, name: str, rows: list[list[str]], *, raw: bytes | None = None) -> None:
    """Write ``rows`` as the registry's CSV (gzipped) and put its sha256 into the manifest."""
    if raw is None:
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\n").writerows(rows)
        raw = gzip.compress(out.getvalue().encode(), mtime=0)
    path = folder / name
    old = hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_bytes(raw)
    manifest = folder / "snapshot.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace(old, hashlib.sha256(raw).hexdigest()), encoding="utf-8")


@pytest.fixture(scope="module")
def small_rows() -> dict[str, list[list[str]]]:
    """The first projects of the real participations, their programme parts and names."""
    participations = _rows(FILES["participations"])
    header, body = participations[0], participations[1:]
    rcn = header.index("rcn")
    cut = ROWS
    while body[cut][rcn] == body[cut - 1][rcn]:  # whole projects only
        cut += 1
    kept = body[:cut]
    projects = {row[rcn] for row in kept}
    pics = {row[header.index("pic")] for row in kept}
    parts = _rows(FILES["programme_parts"])
    names = _rows(FILES["organisations"])
    org_id = names[0].index("orgId")
    return {
        "participations": [header, *kept],
        "programme_parts": [parts[0], *[r for r in parts[1:] if r[0] in projects]],
        "organisations": [names[0], *[r for r in names[1:] if r[org_id] in pics]],
    }


@pytest.fixture
def small(tmp_path: Path, small_rows: dict[str, list[list[str]]]) -> Path:
    """A data folder holding only the small CORDIS snapshot."""
    data = tmp_path / "data"
    folder = data / "registries" / "cordis-h2020"
    shutil.copytree(SNAPSHOT, folder)
    for role, name in FILES.items():
        _write(folder, name, small_rows[role])
    return data


def _store(data: Path) -> ox.Store:
    [mapped] = map_snapshots(data, DEFAULT_BASE_IRI)
    assert not [p for p in mapped.problems if p.fatal], mapped.problems
    store = ox.Store()
    store.load(mapped.nquads, format=ox.RdfFormat.N_QUADS)
    return store


def _count(store: ox.Store, where: str) -> int:
    query = (
        "PREFIX org: <http://www.w3.org/ns/org#> "
        "PREFIX ckg: <https://w3id.org/consortia-kg/ontology#> "
        f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"
    )
    [row] = list(store.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]
    return int(row["n"].value)


def test_projects_of_two_organisations_or_more_become_consortia(
    small: Path, small_rows: dict[str, list[list[str]]]
) -> None:
    header, *body = small_rows["participations"]
    per_project = Counter(row[header.index("rcn")] for row in body)
    consortia = [rcn for rcn, n in per_project.items() if n >= 2]
    store = _store(small)
    assert _count(store, "?c a ckg:Consortium") == len(consortia)
    assert _count(store, "?m a org:Membership") == sum(per_project[rcn] for rcn in consortia)
    coordinators = sum(
        1 for row in body if row[header.index("role")] == "coordinator" and per_project[row[0]] >= 2
    )
    assert (
        _count(
            store, "?m org:role ?r . FILTER(?r = <https://w3id.org/consortia-kg/role/coordinator>)"
        )
        == coordinators
    )


def test_named_organisations_get_their_name_and_the_others_their_pic(
    small: Path, small_rows: dict[str, list[list[str]]]
) -> None:
    header, *body = small_rows["participations"]
    per_project = Counter(row[0] for row in body)
    members = {row[header.index("pic")] for row in body if per_project[row[0]] >= 2}
    names = small_rows["organisations"]
    named = {r[names[0].index("orgId")] for r in names[1:]} & members
    store = _store(small)
    assert _count(store, "?o a org:FormalOrganization") == len(members)
    labelled = "?o a org:FormalOrganization ; <http://www.w3.org/2000/01/rdf-schema#label> ?l"
    assert _count(store, labelled) == len(named)
    assert 0 < len(named) < len(members)  # the sample has both kinds


def test_the_mapping_is_deterministic(small: Path) -> None:
    first = map_snapshots(small, DEFAULT_BASE_IRI)[0].nquads
    assert first and first == map_snapshots(small, DEFAULT_BASE_IRI)[0].nquads


def test_the_snapshot_names_its_licence_and_attribution(small: Path) -> None:
    store = _store(small)
    source = "<https://w3id.org/consortia-kg/registry/cordis-h2020>"
    ask = (
        f"ASK {{ {source} <http://purl.org/dc/terms/license> "
        "<https://creativecommons.org/licenses/by/4.0/> ; "
        '<http://creativecommons.org/ns#attributionName> "CORDIS, European Commission" }'
    )
    assert store.query(ask, use_default_graph_as_union=True)


def test_a_record_naming_a_pic_speaks_for_that_organisation(
    small: Path, small_rows: dict[str, list[list[str]]], cli: Callable[..., Result]
) -> None:
    _, *body = small_rows["participations"]
    per_project = Counter(row[0] for row in body)
    names = small_rows["organisations"]
    pic_col, name_col = names[0].index("orgId"), names[0].index("name")
    pic, registry_name = next(
        (r[pic_col], r[name_col])
        for r in names[1:]
        if any(row[2] == r[pic_col] and per_project[row[0]] >= 2 for row in body)
    )
    (small / "sources").mkdir()
    shutil.copy(REAL_DATA / "sources" / "cordis-h2020-organisations-2017.yaml", small / "sources")
    (small / "organisations").mkdir()
    (small / "organisations" / "claimed.yaml").write_text(
        f'id: "claimed"\nname: "Claimed Organisation"\nidentifiers:\n'
        f'  - scheme: "pic"\n    value: "{pic}"\n'
        'sources: ["cordis-h2020-organisations-2017"]\n',
        encoding="utf-8",
    )
    out = small.parent / "dist"
    result = cli("build", "--data", small, "-o", out, "--no-store", "-q")
    assert result.exit_code == 0, result.output
    nquads = (out / "consortia.nq").read_text(encoding="utf-8")
    claimed = "<https://w3id.org/consortia-kg/organisation/claimed>"
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    assert f'{claimed} {label} "Claimed Organisation"' in nquads
    assert f"{label} {ox.Literal(registry_name)}" not in nquads  # the record's name wins
    memberships = [
        line
        for line in nquads.splitlines()
        if line.startswith(f"{claimed} <http://www.w3.org/ns/org#memberOf>")
    ]
    expected = {row[0] for row in body if row[2] == pic and per_project[row[0]] >= 2}
    assert len(memberships) == len(expected)
    assert f"organisation/pic-{pic}>" not in nquads


# --- bad input: exit 2, file:row, a fix, nothing written ---------------------------------------


def _replace_cell(rows: list[list[str]], row: int, column: str, value: str) -> list[list[str]]:
    changed = [list(r) for r in rows]
    changed[row - 1][changed[0].index(column)] = value
    return changed


BROKEN: dict[str, Callable[[list[list[str]]], tuple[list[list[str]] | bytes, str]]] = {
    "bad date": lambda rows: (
        _replace_cell(rows, 5, "start_date", "2019-13-01"),
        "participations.csv.gz:5 start_date",
    ),
    "non-numeric PIC": lambda rows: (
        _replace_cell(rows, 7, "pic", "99861X262"),
        "participations.csv.gz:7 pic",
    ),
    "duplicate row": lambda rows: ([*rows[:4], rows[3], *rows[4:]], "participations.csv.gz:5 pic"),
    "missing column": lambda rows: (
        [[c for i, c in enumerate(r) if i != rows[0].index("role")] for r in rows],
        "participations.csv.gz:1 participations: column role missing",
    ),
    "renamed column": lambda rows: (
        [["PIC" if c == "pic" else c for c in rows[0]], *rows[1:]],
        "participations.csv.gz:1 participations: column pic missing",
    ),
    "wrong separator": lambda rows: (
        "\n".join(";".join(r) for r in rows).encode(),
        "separated by `;`",
    ),
    "truncated gzip": lambda rows: (b"", "not a whole gzip file"),
}


@pytest.mark.parametrize("fault", sorted(BROKEN))
def test_bad_input_stops_the_build_at_its_row(
    fault: str,
    small: Path,
    small_rows: dict[str, list[list[str]]],
    cli: Callable[..., Result],
) -> None:
    folder = small / "registries" / "cordis-h2020"
    rows = small_rows["participations"]
    broken, expected = BROKEN[fault](rows)
    if fault == "truncated gzip":
        whole = gzip.compress(b"\n".join(",".join(r).encode() for r in rows), mtime=0)
        _write(folder, FILES["participations"], rows, raw=whole[: len(whole) // 2])
    elif isinstance(broken, bytes):
        _write(folder, FILES["participations"], rows, raw=gzip.compress(broken, mtime=0))
    else:
        _write(folder, FILES["participations"], broken)
    out = small.parent / "dist"
    result = cli("build", "--data", small, "-o", out, "-q")
    assert result.exit_code == 2, result.output
    assert expected in result.stderr, result.stderr
    assert "fix: " in result.stderr
    assert "Traceback" not in result.stderr
    assert not (out / "consortia.nq").exists()
    validated = cli("validate", "--data", small, "-q")
    assert validated.exit_code == 2 and expected in validated.stdout + validated.stderr


def test_an_edited_file_is_refused_by_its_checksum(small: Path, cli: Callable[..., Result]) -> None:
    path = small / "registries" / "cordis-h2020" / FILES["programme_parts"]
    path.write_bytes(path.read_bytes() + b"\x00")
    result = cli("validate", "--data", small, "-q")
    assert result.exit_code == 2
    assert (
        "snapshot.yaml:" in result.stdout and "is not the file the manifest names" in result.stdout
    )


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace("licence:", "licenses:"), "`licence` is missing"),
        (
            lambda t: t.replace("mapping: cordis-h2020", "mapping: cordis-h2021"),
            "no mapping is called",
        ),
        (lambda t: t.replace('taken: "2026-12-03"', 'taken: "3 Dec"'), "is not a date"),
    ],
)
def test_a_manifest_that_cannot_be_mapped_is_an_input_error(
    edit: Callable[[str], str], expected: str, small: Path, cli: Callable[..., Result]
) -> None:
    manifest = small / "registries" / "cordis-h2020" / "snapshot.yaml"
    manifest.write_text(edit(manifest.read_text(encoding="utf-8")), encoding="utf-8")
    result = cli("validate", "--data", small, "-q")
    assert result.exit_code == 2
    assert expected in result.stdout, result.stdout
    assert "snapshot.yaml:" in result.stdout
