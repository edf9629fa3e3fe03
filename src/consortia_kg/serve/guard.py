"""What a query may do here: read as SPARQL, refused when it would fetch.

pyoxigraph executes ``SERVICE`` by calling the remote endpoint, so no query text reaches it
before this check has read it with the SPARQL grammar (never with a regular expression; the
reading itself is :mod:`consortia_kg.sparqltext`'s, this module decides): ``SERVICE``
anywhere (sub-queries and ``EXISTS`` included), ``FROM``/``FROM NAMED`` and the protocol's
``default-graph-uri``/``named-graph-uri`` naming a graph the store does not hold or a
``file:`` IRI, and every update (``LOAD``, ``USING`` and all the others) are refused with
a message that says why. The check runs in the query worker (see :mod:`.worker`), inside the
time budget, so a query that is slow to parse cannot hold up the server either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from consortia_kg import sparqltext

__all__ = ["Checked", "QueryGuard", "Refused", "deterministic_text"]

_UPDATE_NAMES = {
    "Load": "LOAD",
    "Clear": "CLEAR",
    "Drop": "DROP",
    "Create": "CREATE",
    "Add": "ADD",
    "Move": "MOVE",
    "Copy": "COPY",
    "InsertData": "INSERT DATA",
    "DeleteData": "DELETE DATA",
    "DeleteWhere": "DELETE WHERE",
    "Modify": "DELETE/INSERT",
}


class Refused(Exception):
    """A request the endpoint will not run: an HTTP status and a message that says why."""

    def __init__(self, status: int, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.hint = status, message, hint

    def text(self) -> str:
        """Return the message and its hint, as the response body says them."""
        return self.message + (f"\n  fix: {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class Checked:
    """A query that may run: its form and the dataset to run it on."""

    form: str
    #: the graphs that make up the default graph; None for the union of every graph
    default_graphs: tuple[str, ...] | None = None
    #: the graphs GRAPH may reach; None for every graph the store holds
    named_graphs: tuple[str, ...] | None = None
    #: False when the answer may differ from one run to the next (RAND, NOW, UUID, BNODE...)
    deterministic: bool = True


def deterministic_text(text: str) -> bool:
    """Return True when ``text`` names none of the volatile functions (for our own queries).

    A conservative look at the letters, for queries the server wrote itself (never parsed):
    any mention of RAND, NOW, UUID or BNODE, or a backslash-u escape, counts as volatile.
    """
    return not sparqltext.mentions_volatile(text)


def _syntax_refusal(exc: Exception, text: str) -> Refused:
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "col", None)
    what = " ".join(str(getattr(exc, "msg", exc)).split())
    if len(what) > 200:
        what = what[:199] + "…"
    if isinstance(line, int) and isinstance(column, int):
        lines = text.splitlines() or [""]
        shown = lines[line - 1] if 0 < line <= len(lines) else ""
        caret = " " * (max(column, 1) - 1) + "^"
        message = f"SPARQL syntax error at line {line}, column {column}: {what}\n"
        message += f"    {shown}\n    {caret}"
    else:
        message = f"SPARQL syntax error: {what}"
    return Refused(400, message, "see https://www.w3.org/TR/sparql11-query/#grammar")


class QueryGuard:
    """Checks query texts against the graphs one store holds (answers are cached by text)."""

    def __init__(self, held: Iterable[str], base: str, cache_size: int = 512) -> None:
        self.held = frozenset(held)
        self.base = base
        self.cache_size = cache_size
        self._cache: dict[tuple[str, tuple[str, ...], tuple[str, ...]], Checked | Refused] = {}

    def quick_check(
        self, text: str, default_uris: Iterable[str] = (), named_uris: Iterable[str] = ()
    ) -> Checked | None:
        """Return how to run ``text`` when it cannot hold anything to refuse; else None.

        pyoxigraph matches SPARQL keywords letter by letter, ASCII case aside. A text in which
        the letters ``service`` and ``from`` appear nowhere, in any case (not in a comment or
        a string either), and with no backslash-u escape, can hold neither a ``SERVICE`` nor a
        dataset clause: it is run without being parsed here first (pyoxigraph still refuses
        an update sent as a query, whose refusal is then worded by :meth:`check_query`). Any
        other text, or one with ``default-graph-uri``/``named-graph-uri``, gets None: it is
        read by :meth:`check_query`.
        """
        if default_uris or named_uris or sparqltext.may_fetch(text):
            return None
        return Checked("", deterministic=deterministic_text(text))

    def check_query(
        self, text: str, default_uris: Iterable[str] = (), named_uris: Iterable[str] = ()
    ) -> Checked:
        """Return how to run ``text``, or raise :class:`Refused` saying why it may not run."""
        key = (text, tuple(default_uris), tuple(named_uris))
        found = self._cache.get(key)
        if found is None:
            try:
                found = self._check_query(text, key[1], key[2])
            except Refused as refused:
                found = refused
            if len(self._cache) >= self.cache_size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = found
        if isinstance(found, Refused):
            raise found
        return found

    def _check_query(
        self, text: str, default_uris: tuple[str, ...], named_uris: tuple[str, ...]
    ) -> Checked:
        try:
            tree = sparqltext.parse_query(text)
        except Exception as exc:
            update = self._as_update(text)
            if update is not None:
                raise update from None
            raise _syntax_refusal(exc, text) from None
        self._refuse_service(tree)
        deterministic = not sparqltext.is_volatile(tree)
        form = sparqltext.grammar_form(tree)
        for name in ("default-graph-uri", "named-graph-uri"):
            for iri in default_uris if name == "default-graph-uri" else named_uris:
                self._check_graph(str(iri), name)
        if default_uris or named_uris:  # the protocol's dataset replaces the query's own
            return Checked(form, tuple(default_uris), tuple(named_uris), deterministic)
        try:
            clauses = sparqltext.dataset_clauses(tree, self.base)
        except Exception as exc:
            raise _syntax_refusal(exc, text) from None
        if not clauses:
            return Checked(form, deterministic=deterministic)
        default: list[str] = []
        named: list[str] = []
        for is_named, iri in clauses:
            self._check_graph(iri, "FROM NAMED" if is_named else "FROM")
            (named if is_named else default).append(iri)
        # SPARQL 1.1 §13.2: with only FROM NAMED the default graph is empty, and the reverse
        return Checked(form, tuple(default), tuple(named), deterministic)

    def _refuse_service(self, tree: Any) -> None:
        services = sparqltext.service_terms(tree)
        if services:
            raise Refused(
                400,
                f"SERVICE {services[0]} is refused: this endpoint answers from its own graph and "
                "never calls another endpoint (no federated queries)",
                "run the federated part against that endpoint yourself",
            )

    def _check_graph(self, iri: str, where: str) -> None:
        if iri.lower().startswith("file:"):
            raise Refused(
                400,
                f"{where} <{iri}> is refused: file: IRIs are never read; this endpoint only "
                "answers from the graphs it holds",
                "leave it out to query every record graph",
            )
        if iri not in self.held:
            example = min(self.held) if self.held else ""
            raise Refused(
                400,
                f"{where} <{iri}> is refused: this endpoint holds no such graph and never "
                "fetches one",
                f"name one of its record graphs (e.g. <{example}>; the service description at "
                "this URL lists them all) or leave it out to query every record graph",
            )

    def check_update(self, text: str) -> Refused:
        """Return why an update is refused: 400 when it would fetch, 403 otherwise."""
        refused = self._as_update(text)
        if refused is not None:
            return refused
        return Refused(
            403,
            "this endpoint is read-only: SPARQL Update is refused",
            "send queries (SELECT, ASK, CONSTRUCT, DESCRIBE) as query=…",
        )

    def _as_update(self, text: str) -> Refused | None:
        """Return the refusal of ``text`` read as an update, or None when it is not one."""
        try:
            tree = sparqltext.parse_update(text)
        except Exception:
            return None
        operations = sparqltext.update_operations(tree)
        if not operations:
            return None
        for node in operations:
            if node.name == "Load":
                return Refused(
                    400,
                    f"LOAD <{dict.get(node, 'iri')}> is refused: this endpoint is read-only and "
                    "never fetches a document",
                    "load the document into your own store; query this endpoint with query=…",
                )
            for using in dict.get(node, "using") or ():
                iri = str(dict.get(using, "named") or dict.get(using, "default"))
                if iri.lower().startswith("file:") or iri not in self.held:
                    return Refused(
                        400,
                        f"USING <{iri}> is refused: this endpoint never fetches a graph, and it "
                        "is read-only",
                        "send queries (SELECT, ASK, CONSTRUCT, DESCRIBE) as query=…",
                    )
        try:
            self._refuse_service(tree)
        except Refused as refused:
            return refused
        names = sorted({_UPDATE_NAMES.get(n.name, n.name) for n in operations})
        return Refused(
            403,
            f"this endpoint is read-only: SPARQL Update ({', '.join(names)}) is refused",
            "send queries (SELECT, ASK, CONSTRUCT, DESCRIBE) as query=…",
        )
