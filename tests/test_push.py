"""`consortia-kg push` against a real Oxigraph server: incremental, deletes, verified by counts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from consortia_kg.cli.main import main
from consortia_kg.errors import InputError
from consortia_kg.pipeline import load_and_build
from consortia_kg.query.endpoint import RemoteEndpoint, find_credentials
from consortia_kg.query.push import guess_graph_store, local_graphs, remote_counts
from consortia_kg.query.store import SelectResult
from helpers.oxigraph_server import OxigraphServer, free_port, require_oxigraph
from helpers.paths import RECORDS

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/consortia-kg/"
GRAPH = BASE + "graph/"


@pytest.fixture
def server() -> Iterator[OxigraphServer]:
    require_oxigraph()
    with OxigraphServer() as running:
        yield running


@pytest.fixture
def data(data_copy: Path) -> Path:
    return data_copy


@pytest.fixture
def push(server: OxigraphServer, data: Path) -> Callable[..., Result]:
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(
            main, ["push", "--endpoint", server.query_url, "--data", str(data), *args]
        )

    return invoke


def _puts(result: Result) -> list[str]:
    return [line.split(" ", 1)[1] for line in result.stdout.splitlines() if line.startswith("put ")]


def _server_counts(server: OxigraphServer) -> dict[str, int]:
    return remote_counts(RemoteEndpoint(server.query_url), BASE)


def _local_counts(data: Path) -> dict[str, int]:
    built = load_and_build(data).built
    assert built is not None
    return {graph: len(triples) for graph, triples in local_graphs(built).items()}


def test_first_push_uploads_every_record_graph(
    push: Callable[..., Result], server: OxigraphServer, data: Path
) -> None:
    result = push()
    assert result.exit_code == 0, result.output
    puts = _puts(result)
    assert len(puts) == RECORDS
    assert GRAPH + "consortium/ga4gh" in puts
    assert GRAPH + "organisation/uk-ac-ebi" in puts
    assert GRAPH + "source/ga4gh-registry-prd" in puts
    assert "push: graph store " + server.store_url + " (guessed" in result.stderr
    assert (
        f"push: verified {RECORDS} graphs on the server ({RECORDS} uploaded, 0 deleted, 0 unchanged)"
        in (result.stderr)
    )
    assert _server_counts(server) == _local_counts(data)


def test_second_push_uploads_nothing(push: Callable[..., Result]) -> None:
    assert push().exit_code == 0
    again = push()
    assert again.exit_code == 0, again.output
    assert again.stdout == ""
    assert f"push: 0 to upload, 0 to delete, {RECORDS} unchanged" in again.stderr
    assert f"push: verified {RECORDS} graphs" in again.stderr


def test_only_the_changed_record_is_uploaded(
    push: Callable[..., Result], server: OxigraphServer, data: Path
) -> None:
    assert push().exit_code == 0
    record = data / "organisations" / "uk-ac-ebi.yaml"
    record.write_text(record.read_text().replace('acronym: "EBI"', 'acronym: "EMBL-EBI"'))
    result = push()
    assert result.exit_code == 0, result.output
    assert result.stdout == f"put {GRAPH}organisation/uk-ac-ebi\n"
    rows = RemoteEndpoint(server.query_url).execute(
        f"SELECT ?a WHERE {{ <{BASE}organisation/uk-ac-ebi> "
        "<https://w3id.org/consortia-kg/ontology#acronym> ?a }"
    )
    assert isinstance(rows, SelectResult)
    assert [r["a"].value for r in rows.rows] == ["EMBL-EBI"]


def test_removed_record_is_deleted_and_foreign_graphs_kept(
    push: Callable[..., Result], server: OxigraphServer, data: Path
) -> None:
    assert push().exit_code == 0
    server.update(
        "INSERT DATA { GRAPH <http://example.org/theirs> "
        "{ <http://example.org/a> <http://example.org/b> 'c' } }"
    )
    (data / "organisations" / "org-gen3.yaml").unlink()
    result = push()
    assert result.exit_code == 0, result.output
    assert result.stdout == f"delete {GRAPH}organisation/org-gen3\n"
    counts = _server_counts(server)
    assert GRAPH + "organisation/org-gen3" not in counts
    assert len(counts) == RECORDS - 1
    theirs = RemoteEndpoint(server.query_url).execute(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/theirs> { ?s ?p ?o } }"
    )
    assert isinstance(theirs, SelectResult)
    assert theirs.rows[0]["n"].value == "1"


def test_all_uploads_every_graph_and_dry_run_changes_nothing(
    push: Callable[..., Result], server: OxigraphServer, data: Path
) -> None:
    dry = push("--dry-run")
    assert dry.exit_code == 0
    assert (
        len([line for line in dry.stdout.splitlines() if line.startswith("would put ")]) == RECORDS
    )
    assert _server_counts(server) == {}
    assert push().exit_code == 0
    forced = push("--all")
    assert forced.exit_code == 0
    assert len(_puts(forced)) == RECORDS


def test_verification_catches_a_store_that_lost_triples(
    push: Callable[..., Result], server: OxigraphServer, data: Path
) -> None:
    assert push().exit_code == 0
    graph = GRAPH + "consortium/ga4gh"
    expected = _local_counts(data)[graph]
    server.update(
        f"DELETE WHERE {{ GRAPH <{graph}> {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o }} }}"
    )
    lost = expected - _server_counts(server)[graph]
    assert lost > 0
    result = push()
    assert result.exit_code == 2
    assert "the server does not hold what was pushed: 1 graph differs" in result.stderr
    assert f"{graph}: built {expected} triples, the server holds {expected - lost}" in (
        result.stderr
    )
    assert "push again with --all" in result.stderr
    assert "Traceback" not in result.stderr
    fixed = push("--all")
    assert fixed.exit_code == 0, fixed.output
    assert _server_counts(server)[graph] == expected


def test_unreachable_endpoint_is_explained(data: Path) -> None:
    port = free_port()
    result = CliRunner().invoke(
        main,
        ["push", "--endpoint", f"http://127.0.0.1:{port}/query", "--data", str(data)],
    )
    assert result.exit_code == 2
    assert f"cannot reach http://127.0.0.1:{port}/query: connection refused" in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_graph_store_url_is_explained(
    push: Callable[..., Result], server: OxigraphServer
) -> None:
    result = push("--graph-store", server.url + "/nowhere")
    assert result.exit_code == 2
    assert "answered 404" in result.stderr
    assert "(graph https://w3id.org/consortia-kg/graph/" in result.stderr


def test_credentials_are_never_arguments(push: Callable[..., Result]) -> None:
    help_text = CliRunner().invoke(main, ["push", "--help"]).stdout
    assert "--password" not in help_text and "--user" not in help_text
    assert "CONSORTIA_KG_PASSWORD" in help_text
    result = push("--password", "secret")
    assert result.exit_code == 2
    assert "No such option '--password'" in result.stderr


def test_credentials_from_environment_or_netrc(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine store.example.org login curator password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.delenv("CONSORTIA_KG_USER", raising=False)
    monkeypatch.delenv("CONSORTIA_KG_PASSWORD", raising=False)
    found = find_credentials("https://store.example.org/sparql")
    assert found is not None
    assert (found.user, found.password, found.origin) == ("curator", "s3cret", str(netrc))
    assert find_credentials("https://other.example.org/sparql") is None
    monkeypatch.setenv("CONSORTIA_KG_USER", "dba")
    monkeypatch.setenv("CONSORTIA_KG_PASSWORD", "dba")
    monkeypatch.setenv("CONSORTIA_KG_HTTP_AUTH", "digest")
    env = find_credentials("https://store.example.org/sparql")
    assert env is not None
    assert (env.user, env.password, env.origin, env.scheme) == (
        "dba",
        "dba",
        "environment",
        "digest",
    )
    monkeypatch.delenv("CONSORTIA_KG_PASSWORD")
    with pytest.raises(InputError, match="only one of"):
        find_credentials("https://store.example.org/sparql")


@pytest.mark.parametrize(
    ("endpoint", "graph_store"),
    [
        ("http://127.0.0.1:7878/query", "http://127.0.0.1:7878/store"),
        ("http://h:3030/ds/query", "http://h:3030/ds/data"),
        ("http://h:3030/ds/sparql", "http://h:3030/ds/data"),
        ("http://h:8890/sparql", "http://h:8890/sparql-graph-crud-auth"),
        ("http://h:7200/repositories/kg", "http://h:7200/repositories/kg/rdf-graphs/service"),
        (
            "https://db.cluster-x.eu-west-1.neptune.amazonaws.com:8182/sparql",
            "https://db.cluster-x.eu-west-1.neptune.amazonaws.com:8182/sparql/gsp/",
        ),
        ("http://h/some/deep/path/endpoint", None),
    ],
)
def test_graph_store_url_is_guessed_for_known_stores(
    endpoint: str, graph_store: str | None
) -> None:
    assert guess_graph_store(endpoint) == graph_store


def test_unknown_graph_store_asks_for_the_url(data: Path) -> None:
    result = CliRunner().invoke(
        main, ["push", "--endpoint", "http://h/some/deep/path/endpoint", "--data", str(data)]
    )
    assert result.exit_code == 2
    assert "cannot guess the Graph Store Protocol URL" in result.stderr
    assert "pass --graph-store URL" in result.stderr


def test_broken_records_are_not_pushed(
    push: Callable[..., Result], server: OxigraphServer, data: Path
) -> None:
    record = data / "consortia" / "ga4gh.yaml"
    record.write_text(record.read_text().replace('status: "active"', 'status: "alive"'))
    result = push()
    assert result.exit_code == 2
    assert "the build stops at" in result.stderr
    assert _server_counts(server) == {}
