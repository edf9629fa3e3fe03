"""Push the graph to a triple store with the SPARQL 1.1 Graph Store HTTP Protocol.

One named graph per record, replaced with ``PUT`` only when the record's ``ckg:contentHash``
differs from the one the store holds (or with ``--all``); record graphs the data no longer has
are removed with ``DELETE``. Afterwards every record graph's triples are counted on the server
and compared with what was built, because some stores cut uploads or results without an error.

Only graphs that are ours are ever deleted: IRIs under ``{base}graph/`` that describe themselves
with ``ckg:contentHash``.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote, urlsplit, urlunsplit

import pyoxigraph as ox

from consortia_kg.errors import plural
from consortia_kg.query.endpoint import (
    DEFAULT_TIMEOUT,
    USER_AGENT,
    Credentials,
    EndpointError,
    RemoteEndpoint,
    check_url,
    explain_http_error,
    explain_url_error,
)
from consortia_kg.query.store import SelectResult
from consortia_kg.vocab import CKG

__all__ = [
    "GraphStore",
    "PushPlan",
    "PushReport",
    "Pushable",
    "guess_graph_store",
    "plan_push",
    "push_graph",
]


class Pushable(Protocol):
    """What a push needs of a built graph (the pipeline's ``BuiltGraph`` is one)."""

    @property
    def base(self) -> str:
        """Return the base IRI the graph was built with."""

    @property
    def quads(self) -> list[ox.Quad]:
        """Return every quad, one named graph per record."""


def guess_graph_store(endpoint: str) -> str | None:
    """Guess the Graph Store Protocol URL from a query endpoint's URL, for the stores we know.

    Oxigraph ``/query`` → ``/store``; Fuseki ``/DATASET/query`` or ``/DATASET/sparql`` →
    ``/DATASET/data``; Virtuoso ``/sparql`` → ``/sparql-graph-crud-auth``; Neptune ``/sparql``
    → ``/sparql/gsp/``; GraphDB ``/repositories/ID`` → ``/repositories/ID/rdf-graphs/service``.
    """
    parts = urlsplit(endpoint)
    path = parts.path.rstrip("/")
    segments = path.split("/")
    if path == "/query":
        new = "/store"
    elif path == "/sparql" and (parts.hostname or "").endswith(".neptune.amazonaws.com"):
        new = "/sparql/gsp/"
    elif path == "/sparql":
        new = "/sparql-graph-crud-auth"
    elif len(segments) == 3 and segments[-1] in ("query", "sparql"):
        new = "/".join(segments[:-1]) + "/data"
    elif len(segments) >= 3 and segments[-2] == "repositories":
        new = path + "/rdf-graphs/service"
    else:
        return None
    return urlunsplit((parts.scheme, parts.netloc, new, "", ""))


class GraphStore:
    """A Graph Store Protocol client over urllib: PUT and DELETE one graph at a time.

    Credentials answer either a Basic or a Digest challenge (Virtuoso asks for Digest).
    """

    def __init__(
        self, url: str, timeout: float = DEFAULT_TIMEOUT, credentials: Credentials | None = None
    ) -> None:
        self.url = check_url(url, "--graph-store")
        self.timeout = timeout
        handlers: list[urllib.request.BaseHandler] = []
        if credentials is not None:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, url, credentials.user, credentials.password)
            handlers += [
                urllib.request.HTTPBasicAuthHandler(passwords),
                urllib.request.HTTPDigestAuthHandler(passwords),
            ]
        self.opener = urllib.request.build_opener(*handlers)

    def graph_url(self, graph: str) -> str:
        """Return the URL of one graph (indirect identification: ``?graph=IRI``)."""
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}graph={quote(graph, safe='')}"

    def put(self, graph: str, data: bytes) -> None:
        """Replace a graph's content (sent as Turtle, which N-Triples is a subset of)."""
        self._send("PUT", graph, data, {"Content-Type": "text/turtle; charset=utf-8"})

    def delete(self, graph: str) -> None:
        """Remove a graph; one the store does not have is fine."""
        self._send("DELETE", graph, None, {}, missing_ok=True)

    def _send(
        self,
        method: str,
        graph: str,
        data: bytes | None,
        headers: dict[str, str],
        missing_ok: bool = False,
    ) -> None:
        request = urllib.request.Request(
            self.graph_url(graph),
            data=data,
            method=method,
            headers={"User-Agent": USER_AGENT, **headers},
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            if missing_ok and exc.code == 404:
                return
            raise explain_http_error(
                f"{method} {self.url} (graph {graph})", exc.code, exc.reason, exc.read()
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise explain_url_error(self.url, exc, self.timeout) from None


@dataclass
class PushPlan:
    """What a push will do, graph by graph."""

    put: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)


@dataclass
class PushReport:
    """What a push did and what the server holds afterwards."""

    plan: PushPlan
    #: graph → (triples built, triples the server holds), for every graph that differs
    mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)
    counted: int = 0

    @property
    def verified(self) -> bool:
        """Return True when every record graph on the server has the triples that were built."""
        return not self.mismatches


_HASHES = f"""SELECT ?g ?hash WHERE {{ GRAPH ?g {{ ?g <{CKG}contentHash> ?hash }} }}"""
_COUNTS = """SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"""


def _value(term: object) -> str:
    """Return the IRI or lexical form of a term ("" for the default graph or a quoted triple)."""
    return term.value if isinstance(term, ox.NamedNode | ox.Literal | ox.BlankNode) else ""


def local_graphs(built: Pushable) -> dict[str, list[ox.Triple]]:
    """Return each record graph's distinct triples."""
    graphs: dict[str, set[ox.Triple]] = defaultdict(set)
    for quad in built.quads:
        graphs[_value(quad.graph_name)].add(quad.triple)
    return {g: sorted(ts, key=str) for g, ts in graphs.items()}


def _hashes(built: Pushable) -> dict[str, str]:
    predicate = CKG + "contentHash"
    return {
        _value(q.graph_name): _value(q.object)
        for q in built.quads
        if q.predicate.value == predicate and _value(q.subject) == _value(q.graph_name)
    }


def _ours(graph: str, base: str) -> bool:
    return graph.startswith(base + "graph/")


def remote_hashes(endpoint: RemoteEndpoint, base: str) -> dict[str, str]:
    """Ask the store which of our record graphs it holds, with their content hashes."""
    result = endpoint.execute(_HASHES)
    assert isinstance(result, SelectResult)
    return {
        row["g"].value: row["hash"].value
        for row in result.rows
        if "g" in row and "hash" in row and _ours(row["g"].value, base)
    }


def remote_counts(endpoint: RemoteEndpoint, base: str) -> dict[str, int]:
    """Count the triples of each of our graphs on the server."""
    result = endpoint.execute(_COUNTS)
    assert isinstance(result, SelectResult)
    return {
        row["g"].value: int(row["n"].value)
        for row in result.rows
        if "g" in row and "n" in row and _ours(row["g"].value, base)
    }


def plan_push(built: Pushable, remote: dict[str, str], push_all: bool = False) -> PushPlan:
    """Decide which graphs to put, delete and keep, by content hash."""
    plan = PushPlan()
    for graph, digest in sorted(_hashes(built).items()):
        if push_all or remote.get(graph) != digest:
            plan.put.append(graph)
        else:
            plan.keep.append(graph)
    local = set(_hashes(built))
    plan.delete = sorted(g for g in remote if g not in local)
    return plan


def push_graph(
    built: Pushable,
    endpoint: RemoteEndpoint,
    store: GraphStore,
    push_all: bool = False,
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> PushReport:
    """Push every changed record graph, delete removed ones, then count and compare."""
    graphs = local_graphs(built)
    plan = plan_push(built, remote_hashes(endpoint, built.base), push_all)
    changes = f"{len(plan.put)} to upload, {len(plan.delete)} to delete"
    progress(f"push: {changes}, {len(plan.keep)} unchanged")
    report = PushReport(plan)
    if dry_run:
        return report
    for index, graph in enumerate(plan.put, start=1):
        # pyoxigraph's own N-Triples writer: the server parses the body, no layout is needed
        body = ox.serialize(graphs[graph], format=ox.RdfFormat.N_TRIPLES)
        assert body is not None  # written to bytes when given no output
        store.put(graph, body)
        if index % 50 == 0:
            progress(f"push: {index}/{plural(len(plan.put), 'graph')} uploaded")
    for graph in plan.delete:
        store.delete(graph)
    counts = remote_counts(endpoint, built.base)
    report.counted = len(counts)
    expected = Counter({g: len(ts) for g, ts in graphs.items()})
    for graph in sorted(set(expected) | set(counts)):
        if expected[graph] != counts.get(graph, 0):
            report.mismatches[graph] = (expected[graph], counts.get(graph, 0))
    return report


def mismatch_error(report: PushReport) -> EndpointError:
    """Explain a failed verification: which graphs hold fewer (or more) triples than built."""
    lines = [
        f"  {graph}: built {want} triples, the server holds {got}"
        for graph, (want, got) in sorted(report.mismatches.items())[:20]
    ]
    more = len(report.mismatches) - len(lines)
    if more > 0:
        lines.append(f"  … and {more} more")
    return EndpointError(
        "the server does not hold what was pushed: "
        f"{plural(len(report.mismatches), 'graph')} "
        f"{'differs' if len(report.mismatches) == 1 else 'differ'}\n" + "\n".join(lines),
        hint="some stores cut uploads or results silently (Virtuoso: ResultSetMaxRows, "
        "MaxQueryExecutionTime); push again with --all, and check the store's limits",
    )
