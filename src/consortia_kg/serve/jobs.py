"""What the server and its query workers say to each other: jobs, replies and why none came.

Plain dataclasses pickled over a worker's socket; both sides import them from here, so a job
unpickles as the same class in the worker process as in the server, and neither side needs the
other's code (the worker has no web stack, the server no query engine).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Busy", "Job", "QueryJob", "QueryTimeout", "Ready", "Reply", "UpdateJob"]


@dataclass(frozen=True)
class QueryJob:
    """Run one query: its text, whether we wrote it ourselves, and the formats to answer in."""

    text: str
    #: a query the server composed (pages, named queries): skips the check, default = union
    trusted: bool = False
    #: the format for SELECT/ASK answers (None: the client accepts none of them → 406)
    solution_format: str | None = "json"
    #: the format for CONSTRUCT/DESCRIBE answers (None: the client accepts none → 406)
    graph_format: str | None = "turtle"
    default_uris: tuple[str, ...] = ()
    named_uris: tuple[str, ...] = ()
    max_rows: int = 10_000


@dataclass(frozen=True)
class UpdateJob:
    """Say why an update is refused (it is read as SPARQL Update, never run)."""

    text: str


Job = QueryJob | UpdateJob


@dataclass(frozen=True)
class Reply:
    """What a worker answers: a status, and a body with its format or a message."""

    status: int
    body: bytes = b""
    #: the format name of the body (json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml, nquads)
    fmt: str = ""
    form: str = ""
    count: int = 0
    message: str = ""
    hint: str = ""
    #: the same query would give the same body again (no RAND, NOW, UUID, BNODE...)
    cacheable: bool = False


@dataclass(frozen=True)
class Ready:
    """A worker's first message: the graphs its store holds and how it is isolated."""

    graphs: tuple[str, ...]
    isolation: str
    pid: int


class Busy(Exception):
    """Every worker is busy: answer 503 with Retry-After."""


class QueryTimeout(Exception):
    """The query ran past its time budget; its worker was killed."""
