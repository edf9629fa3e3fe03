"""What a query may do here: read as SPARQL, refused when it would fetch or is too deep.

pyoxigraph executes ``SERVICE`` by calling the remote endpoint, so no query text reaches it
before this check has read it with the SPARQL grammar (never with a regular expression; the
reading itself is :mod:`consortia_kg.sparqltext`'s, this module decides): ``SERVICE``
anywhere (sub-queries and ``EXISTS`` included) and every update (``LOAD``, ``USING`` and all
the others) are refused with a message that says why, and so is a text too large or too deep
for the parsers (:func:`consortia_kg.sparqltext.check_limits`, before any parser reads it).
``FROM``/``FROM NAMED`` and the protocol's ``default-graph-uri``/``named-graph-uri`` name graphs
of the store, as in Oxigraph's own server: a graph it does not hold is empty, and no IRI
(``file:`` or any other) is ever dereferenced (pyoxigraph's ``default_graph``/``named_graphs``
read only the store; tests/test_sparql_local.py and tests/test_serve_sparql.py listen for a stray
request).

The server checks in its query workers (inside the time budget); the embedded store of the
CLI and the API checks with :func:`check_local` before pyoxigraph sees the text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from consortia_kg import sparqltext
from consortia_kg.errors import InputError

__all__ = ["Checked", "QueryGuard", "Refused", "check_local", "deterministic_text"]

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

_QUERY_FORMS_HINT = "send queries (SELECT, ASK, CONSTRUCT, DESCRIBE) as query=…"


class Refused(InputError):
    """A query that will not run: a message that says why (an input error, exit 2 in the CLI).

    ``status`` is the HTTP status the server answers it with.
    """

    def __init__(self, status: int, message: str, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.status = status

    def text(self) -> str:
        """Return the message and its hint, as the response body says them."""
        return str(self)


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


def _check_limits(text: str) -> None:
    try:
        sparqltext.check_limits(text)
    except sparqltext.SparqlTextError as exc:
        raise Refused(400, str(exc.args[0]), exc.hint) from None


#: rdflib's names of grammar rules, as a query writes what they start with
_RULE_WORDS = {
    "SelectQuery": "SELECT",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
    "AskQuery": "ASK",
}


def _in_user_words(what: str) -> str:
    """Return rdflib's (pyparsing's) reason in the words of a query, without rule names."""
    expected = re.fullmatch(r"Expected \{?([A-Za-z| ]+?)\}?(?:,.*)?", what)
    if expected:
        rules = [r.strip() for r in expected[1].split("|")]
        if len(rules) > 1 and all(r in _RULE_WORDS for r in rules):
            words = [_RULE_WORDS[r] for r in rules]
            return "expected " + ", ".join(words[:-1]) + " or " + words[-1]
        # pyparsing backs out to the rule that failed: say where, not the rule's name
        return "the query cannot be read on from here"
    return what


def _syntax_refusal(exc: Exception, text: str) -> Refused:
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "col", None)
    what = _in_user_words(" ".join(str(getattr(exc, "msg", exc)).split()))
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
    """Checks query texts for one store (answers are cached by text and dataset)."""

    def __init__(self, base: str, cache_size: int = 512) -> None:
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
        read by :meth:`check_query`. A text too large or too deep is refused first.
        """
        _check_limits(text)
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
        _check_limits(text)
        try:
            tree = sparqltext.parse_query(text)
        except Exception as exc:
            update = self._as_update(text)
            if update is not None:
                raise update from None
            raise _syntax_refusal(exc, text) from None
        refused = _service_refusal(tree)
        if refused is not None:
            raise refused
        deterministic = not sparqltext.is_volatile(tree)
        form = sparqltext.grammar_form(tree)
        if default_uris or named_uris:  # the protocol's dataset replaces the query's own
            return Checked(form, tuple(default_uris), tuple(named_uris), deterministic)
        try:
            clauses = sparqltext.dataset_clauses(tree, self.base)
        except Exception as exc:
            raise _syntax_refusal(exc, text) from None
        if not clauses:
            return Checked(form, deterministic=deterministic)
        default = [iri for is_named, iri in clauses if not is_named]
        named = [iri for is_named, iri in clauses if is_named]
        # SPARQL 1.1 §13.2: with only FROM NAMED the default graph is empty, and the reverse
        return Checked(form, tuple(default), tuple(named), deterministic)

    def check_update(self, text: str) -> Refused:
        """Return why an update is refused: 400 when it would fetch, 403 otherwise."""
        refused = self._as_update(text)
        if refused is not None:
            return refused
        return Refused(
            403,
            "this endpoint is read-only: SPARQL Update is refused",
            _QUERY_FORMS_HINT,
        )

    def _as_update(self, text: str) -> Refused | None:
        """Return the refusal of ``text`` read as an update, or None when it is not one."""
        return update_refusal(text)


def update_refusal(text: str) -> Refused | None:
    """Return why ``text``, read as an update, is refused; None when it is not an update."""
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
                f"LOAD {sparqltext.written_term(dict.get(node, 'iri'))} is refused: this "
                "endpoint is read-only and never fetches a document",
                "load the document into your own store; query this endpoint with query=…",
            )
    service = _service_refusal(tree)
    if service is not None:
        return service
    names = sorted({_UPDATE_NAMES.get(n.name, n.name) for n in operations})
    return Refused(
        403,
        f"this endpoint is read-only: SPARQL Update ({', '.join(names)}) is refused",
        _QUERY_FORMS_HINT,
    )


def _service_refusal(
    tree: Any, who: str = "this endpoint", fix: str = "that endpoint yourself"
) -> Refused | None:
    services = sparqltext.service_terms(tree)
    if not services:
        return None
    return Refused(
        400,
        f"SERVICE {services[0]} is refused: {who} answers from its own graph and never calls "
        "another endpoint (no federated queries)",
        f"run the federated part against {fix}",
    )


@functools.lru_cache(maxsize=64)
def check_local(text: str) -> None:
    """Refuse what the embedded store must not run: too large or deep, SERVICE, an update.

    For the CLI and the API, which have no network namespace around pyoxigraph: a text whose
    letters can hold no ``SERVICE`` (see :func:`consortia_kg.sparqltext.may_fetch`) is not
    parsed here; any other is read with the SPARQL grammar first, and one the grammar cannot
    read is refused with its syntax error rather than given to pyoxigraph to try.
    """
    _check_limits(text)
    if not sparqltext.may_fetch(text, dataset=False):
        return
    try:
        tree = sparqltext.parse_query(text)
    except Exception as exc:
        refused = update_refusal(text)
        raise (refused or _syntax_refusal(exc, text)) from None
    refused = _service_refusal(tree, "the embedded store", "that endpoint (query --endpoint URL)")
    if refused is not None:
        raise refused
