"""SPARQL text, read one way: the questions the package asks of a query before running it.

Two readers, each used for what it answers well, both here and nowhere else:

- a small lexer (comments, strings, IRIs, variables, words, punctuation) that finds a query's
  form, its variables, whether it names its dataset (``FROM``), where its WHERE group opens,
  and writes a ``VALUES`` block there: cheap enough to run on every query;
- rdflib's SPARQL grammar, for what a lexer must not guess: whether a text the server was sent
  holds a ``SERVICE`` anywhere, which dataset its clauses name (prefixes and BASE resolved),
  whether it is an update, and whether it calls a function whose value changes between runs.

:func:`may_fetch` tells which texts the grammar must read at all: pyoxigraph matches keywords
letter by letter, so a text in which the letters of ``service`` and ``from`` appear nowhere
cannot fetch. Imports nothing of the package; rdflib only inside the functions that need it.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FORMS",
    "LIMITS",
    "SparqlTextError",
    "TextLimits",
    "Token",
    "bind_values",
    "check_limits",
    "dataset_clauses",
    "grammar_form",
    "has_dataset_clause",
    "is_volatile",
    "may_fetch",
    "mentions_volatile",
    "parse_query",
    "parse_update",
    "parsed_nodes",
    "query_form",
    "service_terms",
    "tokens",
    "update_operations",
    "variables",
    "where_group_start",
    "written_term",
]

#: The query forms, as the lexer and the grammar name them.
FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


class SparqlTextError(ValueError):
    """A query whose text cannot take what was asked (say, a VALUES block): with a hint."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


# --- the lexer -------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\ufffd]+)
  | (?P<number>\d+\.\d*[eE][+-]?\d+|\d*\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)
  | (?P<op>&&|\|\||!=|<=|>=|\^\^)
  | (?P<word>[A-Za-z_][A-Za-z0-9_.\-]*(?::[^\s{}();,]*)?|:[^\s{}();,]*)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    """One token of a query: its kind (string, iri, var, number, op, word, punct), text, offset."""

    kind: str
    text: str
    start: int


@functools.lru_cache(maxsize=128)
def tokens(text: str) -> tuple[Token, ...]:
    """Return the tokens of ``text``, without whitespace and comments."""
    # cached: binding a named query reads its text several times (variables, WHERE group)
    return tuple(
        Token(m.lastgroup or "punct", m.group(), m.start())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    )


@functools.lru_cache(maxsize=128)
def variables(text: str) -> frozenset[str]:
    """Return the names of the variables a query mentions."""
    return frozenset(t.text[1:] for t in tokens(text) if t.kind == "var")


@functools.lru_cache(maxsize=128)
def has_dataset_clause(text: str) -> bool:
    """Return True when the query names its dataset (a ``FROM`` or ``FROM NAMED`` clause).

    ``FROM`` is a keyword only there in the SPARQL grammar; the lexer skips comments, strings
    and IRIs, so a "from" in a description or a literal does not count.
    """
    return any(t.kind == "word" and t.text.upper() == "FROM" for t in tokens(text))


def query_form(text: str) -> str:
    """Return the query form (SELECT, ASK, CONSTRUCT, DESCRIBE); SELECT when none is found."""
    for tok in tokens(text):
        if tok.kind == "word" and tok.text.upper() in FORMS:
            return tok.text.upper()
    return "SELECT"


@functools.lru_cache(maxsize=128)
def where_group_start(text: str) -> int:
    """Return the offset just after the ``{`` that opens the query's WHERE group."""
    toks = tokens(text)
    form_at = next(
        (i for i, t in enumerate(toks) if t.kind == "word" and t.text.upper() in FORMS), None
    )
    if form_at is None:
        raise SparqlTextError("cannot bind parameters: no SELECT, CONSTRUCT, DESCRIBE or ASK found")
    form = toks[form_at].text.upper()
    depth_paren = depth_brace = 0
    skipped_template = False
    for i in range(form_at + 1, len(toks)):
        tok = toks[i]
        if tok.text == "(":
            depth_paren += 1
        elif tok.text == ")":
            depth_paren -= 1
        elif tok.text == "{" and depth_paren == 0:
            if depth_brace == 0:
                after_where = i > 0 and toks[i - 1].text.upper() == "WHERE"
                if form == "CONSTRUCT" and not skipped_template and not after_where:
                    depth_brace += 1  # the template: skip it
                    skipped_template = True
                    continue
                if form == "CONSTRUCT" and not skipped_template:
                    raise SparqlTextError(
                        "cannot bind parameters in a CONSTRUCT WHERE { … } short form",
                        hint="write CONSTRUCT { template } WHERE { pattern }",
                    )
                return tok.start + 1
            depth_brace += 1
        elif tok.text == "}" and depth_paren == 0:
            depth_brace -= 1
    raise SparqlTextError("cannot bind parameters: the query has no WHERE group")


def bind_values(text: str, terms: Mapping[str, str]) -> str:
    """Return ``text`` with ``VALUES`` opening its WHERE group, binding each variable.

    ``terms`` are in N-Triples syntax (pyoxigraph's ``str`` of a term: IRIs checked, literals
    escaped), so a value stays one RDF term whatever it contains. The block goes on the line
    of the ``{``, so every other line keeps its number. This is the binding for texts that
    leave this process (a remote endpoint, ``--print``); the embedded store is given the
    terms themselves (see :mod:`consortia_kg.query.store`).
    """
    if not terms:
        return text
    at = where_group_start(text)
    names = sorted(terms)
    block = (
        " VALUES ("
        + " ".join(f"?{n}" for n in names)
        + ") { ("
        + " ".join(terms[n] for n in names)
        + ") } "
    )
    return text[:at] + block + text[at:]


# --- limits: what the engines can read without running out of stack ------------------------


@dataclass(frozen=True)
class TextLimits:
    """How large and how deep a query may be before any parser reads it.

    pyoxigraph (0.5) and rdflib both read SPARQL by recursive descent: a query nested or
    chained deep enough overflows the stack. pyoxigraph then kills the process (SIGSEGV, measured
    from 2,235 nested braces, 4,695 nested parentheses, 3,000 MINUS groups, 7,000 ``+`` or 10,000
    ``&&`` in a row); rdflib raises RecursionError from about 25 nested parentheses at Python's
    default limit (its parse here runs with a higher one, see :func:`parse_query`). Each limit
    is far below the first crash measured and far above what a person writes.
    """

    #: characters in the whole text
    max_chars: int = 500_000
    #: brackets ( [ { open at once, outside strings, IRIs and comments
    max_depth: int = 64
    #: group patterns: every { outside strings, IRIs and comments
    max_groups: int = 1_000
    #: operators and separators in all: . ; && || | / + - * = != < <= > >= ! ^
    max_operators: int = 2_500


#: The limits every query run on the embedded store or the server is held to.
LIMITS = TextLimits()

_OPERATORS = frozenset(
    [".", ";", "&&", "||", "|", "/", "+", "-", "*", "=", "!=", "<", "<=", ">", ">=", "!", "^"]
)
_LIMIT_HINT = (
    "split the query into smaller ones, or write long lists of values as one VALUES block "
    "(which has no limit on groups or operators)"
)


def check_limits(text: str, limits: TextLimits = LIMITS) -> None:
    """Raise :class:`SparqlTextError` when ``text`` is too large or too deep for the engines.

    A cheap look at the tokens (no parser, no recursion), for every query text before any
    parser reads it.
    """
    if len(text) > limits.max_chars:
        raise SparqlTextError(
            f"the query is {len(text):,} characters long, more than the {limits.max_chars:,} "
            "a query may have here",
            # a VALUES block counts its characters too: only splitting helps here
            "split the query into smaller ones",
        )
    depth = deepest = groups = operators = 0
    for tok in tokens(text):
        if tok.kind in ("punct", "op"):
            char = tok.text
            if char in "([{":
                depth += 1
                deepest = max(deepest, depth)
                groups += char == "{"
            elif char in ")]}":
                depth -= 1
            elif char in _OPERATORS:
                operators += 1
    if deepest > limits.max_depth:
        raise SparqlTextError(
            f"the query nests brackets {deepest} deep, more than the {limits.max_depth} "
            "a query may nest here (parentheses, [ ] and { } counted together)",
            "write the nested part as a flatter pattern, or split the query",
        )
    if groups > limits.max_groups:
        raise SparqlTextError(
            f"the query has {groups:,} group patterns ({{ … }}), more than the "
            f"{limits.max_groups:,} a query may have here",
            _LIMIT_HINT,
        )
    if operators > limits.max_operators:
        raise SparqlTextError(
            f"the query has {operators:,} operators and separators (. ; && || + = …), more than "
            f"the {limits.max_operators:,} a query may have here",
            _LIMIT_HINT,
        )


# --- letters: what can be told without reading the text as SPARQL ------------------------------

#: the functions whose value changes from one run to the next, as the letters name them
_VOLATILE_WORDS = ("RAND", "NOW", "UUID", "BNODE")


def may_fetch(text: str, dataset: bool = True) -> bool:
    """Return False only when ``text`` can hold neither ``SERVICE`` nor a dataset clause.

    pyoxigraph matches SPARQL keywords letter by letter, ASCII case aside: a text in which the
    letters ``service`` and ``from`` appear nowhere, in any case (not in a comment or a string
    either), and with no backslash-u escape, holds neither. Any other text may. With
    ``dataset=False`` only ``SERVICE`` counts (a dataset clause names graphs of the store).
    """
    letters = text.encode("utf-8", "surrogatepass").lower()  # ASCII letters only
    if b"service" in letters or b"\\u" in letters:
        return True
    return dataset and b"from" in letters


def mentions_volatile(text: str) -> bool:
    """Return True when ``text`` may call RAND, NOW, UUID, STRUUID or BNODE (letters only).

    A conservative look, for queries the server wrote itself (never parsed): any mention of
    those names, or a backslash-u escape, counts.
    """
    upper = text.upper()
    return "\\U" in upper or any(word in upper for word in _VOLATILE_WORDS)


# --- the grammar (rdflib) --------------------------------------------------------------------

#: rdflib's names of the volatile functions
_VOLATILE = {"Builtin_RAND", "Builtin_NOW", "Builtin_UUID", "Builtin_STRUUID", "Builtin_BNODE"}

#: rdflib's names of the query forms
_GRAMMAR_FORMS = {
    "SelectQuery": "SELECT",
    "ConstructQuery": "CONSTRUCT",
    "AskQuery": "ASK",
    "DescribeQuery": "DESCRIBE",
}


#: Python's recursion limit while rdflib parses: its grammar takes 40 to 75 frames for each
#: nested parenthesis, so the default (1,000) fails at about 25; 20,000 reads the 64 levels
#: :data:`LIMITS` lets through (measured: 256 levels at 40,000, no crash on an 8 MiB stack).
_PARSE_RECURSION = 20_000


@contextlib.contextmanager
def _deep_recursion() -> Iterator[None]:
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(max(before, _PARSE_RECURSION))
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


def parse_query(text: str) -> Any:
    """Return rdflib's parse tree of a query; raise its exception on a syntax error.

    Call :func:`check_limits` first: the depth it allows is what this parse can read.
    """
    from rdflib.plugins.sparql.parser import parseQuery

    with _deep_recursion():
        return parseQuery(text)


def parse_update(text: str) -> Any:
    """Return rdflib's parse tree of an update; raise its exception when ``text`` is not one."""
    from rdflib.plugins.sparql.parser import parseUpdate

    with _deep_recursion():
        return parseUpdate(text)


def written_term(term: Any) -> str:
    """Return an IRI, a prefixed name or a variable of a parse tree as a query writes it."""
    if hasattr(term, "name") and term.name == "pname":  # rdflib's CompValue of ex:name
        return f"{dict.get(term, 'prefix') or ''}:{dict.get(term, 'localname') or ''}"
    if type(term).__name__ == "Variable":
        return f"?{term}"
    return f"<{term}>"


def parsed_nodes(tree: Any) -> Iterator[Any]:
    """Yield every parsed element (rdflib ``CompValue``) of a parse tree, however deep."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            yield node
            stack.extend(dict.values(node))
        elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
            stack.extend(node)


def service_terms(tree: Any) -> list[str]:
    """Return the endpoint of every ``SERVICE`` in a parse tree, as the query writes it."""
    return [
        written_term(dict.get(node, "term"))
        for node in parsed_nodes(tree)
        if node.name == "ServiceGraphPattern"
    ]


def is_volatile(tree: Any) -> bool:
    """Return True when a parse tree calls a function whose value changes between runs."""
    return any(node.name in _VOLATILE for node in parsed_nodes(tree))


def grammar_form(tree: Any) -> str:
    """Return the form of a parsed query."""
    return _GRAMMAR_FORMS.get(tree[1].name, "SELECT")


def dataset_clauses(tree: Any, base: str) -> list[tuple[bool, str]]:
    """Return the query's ``FROM`` (False) and ``FROM NAMED`` (True) IRIs, resolved.

    Prefixes and BASE are resolved against ``base``; rdflib's exception is raised when they
    cannot be.
    """
    from rdflib.plugins.sparql.algebra import translatePrologue

    clauses = list(dict.get(tree[1], "datasetClause") or ())
    if not clauses:
        return []
    prologue = translatePrologue(tree[0], base)
    out = []
    for clause in clauses:
        is_named = "named" in clause
        iri = str(prologue.absolutize(dict.get(clause, "named" if is_named else "default")))
        out.append((is_named, iri))
    return out


def update_operations(tree: Any) -> list[Any]:
    """Return the operations of a parsed update (empty when the text held none)."""
    return [n for n in dict.get(tree, "request") or () if hasattr(n, "name")]
