"""Named queries: ``queries/*.rq``, each with a header saying what it asks and what it takes.

The file stem is the query's name everywhere (CLI, API, docs). A header is a block of ``#``
comment lines at the top of the file holding YAML::

    # title: Working groups of a consortium
    # description: >-
    #   The working groups of each consortium, with acronym and registry id.
    # params:
    #   consortium: {type: consortium, doc: "the consortium's id, e.g. ga4gh"}
    # example: consortia-kg query working-groups --param consortium=ga4gh

Parameters are SPARQL variables of the same name. They are bound as RDF terms by a ``VALUES``
block put at the start of the query's WHERE group (:func:`bind_query`), never by pasting a value
into the query text, so a value can never change what the query means. A parameter with no value
(and no default) stays unbound: the query then lists every value. Because the block opens the
top-level group, parameters act there (in its patterns, OPTIONALs, FILTERs and, when listed in
GROUP BY, in HAVING), not inside sub-queries.

The same bound text goes to the embedded store, a remote endpoint and ``--print-query``.
pyoxigraph 0.5's own ``Store.query(substitutions=...)`` was measured in its place (19 named
queries with parameters, on the 1.05 million quads of ``bench/generate.py 1000``) and is not
used: it refuses a variable the SELECT does not project (7 of the 19 queries: ``?since``,
``?before``, ``?min_consortia``...), and where it runs it filters after evaluating the whole
pattern instead of joining the value in (``consortium-members`` 0.6 ms → 168 ms,
``consortia-by-member-country`` 281 ms → 1,762 ms; all 12: 424 ms → 2,247 ms).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pyoxigraph import Literal, NamedNode

from consortia_kg import sparqltext
from consortia_kg.errors import InputError
from consortia_kg.iris import record_iri
from consortia_kg.paths import queries_dir
from consortia_kg.vocab import PREFIXES, XSD

__all__ = [
    "PARAM_TYPES",
    "NamedQuery",
    "Param",
    "ParamError",
    "QueryFileError",
    "bind_query",
    "convert_param",
    "find_query",
    "list_queries",
    "load_query",
    "parse_header",
    "parse_param_assignments",
    "query_form",
    "query_from_text",
    "query_has_dataset",
    "query_variables",
    "render_queries_page",
]

Term = NamedNode | Literal


class ParamError(InputError):
    """A parameter that is unknown, missing or of the wrong type (exit 2)."""


class QueryFileError(InputError):
    """A query file whose header cannot be read."""


# --- parameter types -------------------------------------------------------------------------


@dataclass(frozen=True)
class ParamType:
    """How a ``--param`` value is read and which RDF term it becomes."""

    name: str
    #: what the user must write, for error messages and docs
    expects: str
    example: str
    convert: Callable[[str, Param, str], Term]


def _integer(value: str, _param: Param, _base: str) -> Term:
    if not re.fullmatch(r"[+-]?[0-9]+", value):
        raise ValueError
    return Literal(str(int(value)), datatype=NamedNode(XSD + "integer"))


def _year(value: str, _param: Param, _base: str) -> Term:
    if not re.fullmatch(r"[0-9]{4}", value):
        raise ValueError
    return Literal(value, datatype=NamedNode(XSD + "integer"))


def _date(value: str, _param: Param, _base: str) -> Term:
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", value)
    if not match:
        raise ValueError
    import datetime

    datetime.date(*(int(g) for g in match.groups()))  # rejects 2024-02-30
    return Literal(value, datatype=NamedNode(XSD + "date"))


def _string(value: str, _param: Param, _base: str) -> Term:
    if not value.strip():
        raise ValueError
    return Literal(value)


def _iri(value: str, _param: Param, _base: str) -> Term:
    if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", value):
        raise ValueError
    return NamedNode(value)


def _record(kind: str) -> Callable[[str, Param, str], Term]:
    def convert(value: str, _param: Param, base: str) -> Term:
        if value.startswith(("http://", "https://")):
            return _iri(value, _param, base)
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", value):
            raise ValueError
        return NamedNode(record_iri(base, kind, value))

    return convert


def _term(value: str, param: Param, _base: str) -> Term:
    if value not in param.choices:
        raise ValueError
    return NamedNode(expand_curie(param.prefix) + value)


#: Every type a parameter can declare, by name.
PARAM_TYPES: dict[str, ParamType] = {
    t.name: t
    for t in (
        ParamType("string", "some text", "Cancer", _string),
        ParamType("integer", "a whole number written in digits", "2", _integer),
        ParamType("year", "a year of four digits (bound as an xsd:integer)", "2013", _year),
        ParamType("date", "a date written YYYY-MM-DD", "2020-01-01", _date),
        ParamType("iri", "an absolute http(s) IRI", "https://ror.org/02catss52", _iri),
        ParamType(
            "consortium", "a consortium's id (its slug) or IRI", "ga4gh", _record("consortium"),
        ),
        ParamType(
            "organisation", "an organisation's id (its slug) or IRI", "uk-ac-ebi",
            _record("organisation"),
        ),
        ParamType(
            "source", "a source's id (its slug) or IRI", "ga4gh-registry-prd", _record("source"),
        ),
        ParamType("term", "one of the listed words", "active", _term),
    )
}  # fmt: skip


def expand_curie(curie: str) -> str:
    """Expand ``ckg:status-`` with the project's prefixes."""
    prefix, _, local = curie.partition(":")
    if prefix not in PREFIXES:
        raise KeyError(curie)
    return PREFIXES[prefix] + local


@dataclass(frozen=True)
class Param:
    """A parameter a query takes: a SPARQL variable of the same name."""

    name: str
    type: str
    doc: str = ""
    default: str | None = None
    required: bool = False
    #: for ``term``: the allowed words and the CURIE prefix they are appended to
    choices: tuple[str, ...] = ()
    prefix: str = ""

    def describe_type(self) -> str:
        """Return the type as the docs show it."""
        if self.type == "term":
            return "term: " + " | ".join(self.choices)
        return self.type


def convert_param(param: Param, value: str, base: str, query: str = "") -> Term:
    """Read one parameter value as its RDF term; raise :class:`ParamError` saying what to write."""
    ptype = PARAM_TYPES[param.type]
    try:
        return ptype.convert(value, param, base)
    except (ValueError, TypeError):
        where = f" of query {query}" if query else ""
        if param.type == "term":
            close = difflib.get_close_matches(value, param.choices, n=1)
            guess = f"did you mean {close[0]}? " if close else ""
            raise ParamError(
                f"parameter {param.name}{where}: {value!r} is not one of its words",
                hint=f"{guess}use one of: {', '.join(param.choices)}",
            ) from None
        example = param.default or ptype.example
        raise ParamError(
            f"parameter {param.name}{where} is of type {param.type}: "
            f"{value!r} is not {ptype.expects}",
            hint=f"write e.g. --param {param.name}={example}",
        ) from None


# --- named queries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedQuery:
    """A query file: its name (the file stem), header and SPARQL text."""

    name: str
    path: Path
    text: str
    title: str = ""
    description: str = ""
    params: tuple[Param, ...] = ()
    examples: tuple[str, ...] = ()
    #: False for a query given as text or a file without a header: any ``--param`` is accepted
    declared: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def form(self) -> str:
        """Return SELECT, ASK, CONSTRUCT or DESCRIBE."""
        return query_form(self.text)

    def param(self, name: str) -> Param | None:
        """Return the declared parameter ``name``, if any."""
        return next((p for p in self.params if p.name == name), None)

    def bindings(self, values: Mapping[str, str], base: str) -> dict[str, Term]:
        """Check ``--param`` values against the header and turn them (and defaults) into terms."""
        out: dict[str, Term] = {}
        variables = sparqltext.variables(self.text)
        for name, raw in values.items():
            typed_name, _, type_name = name.partition(":")
            param = self.param(typed_name)
            if param is None and self.declared:
                known = ", ".join(p.name for p in self.params) or "none"
                close = difflib.get_close_matches(typed_name, [p.name for p in self.params], n=1)
                hint = f"did you mean {close[0]}? " if close else ""
                raise ParamError(
                    f"query {self.name} takes no parameter {typed_name!r}",
                    hint=f"{hint}its parameters: {known} (see consortia-kg query --list)",
                )
            if param is None:
                if typed_name not in variables:
                    raise ParamError(
                        f"the query has no variable ?{typed_name} to bind",
                        hint="a parameter binds the variable of the same name",
                    )
                if type_name and type_name not in PARAM_TYPES:
                    raise ParamError(
                        f"unknown parameter type {type_name!r}",
                        hint="use one of: " + ", ".join(t for t in PARAM_TYPES if t != "term"),
                    )
                param = Param(typed_name, type_name or "string")
            elif type_name and type_name != param.type:
                raise ParamError(
                    f"parameter {param.name} of query {self.name} is of type {param.type}, "
                    f"not {type_name}",
                    hint=f"write --param {param.name}=VALUE",
                )
            out[param.name] = convert_param(param, raw, base, self.name)
        for param in self.params:
            if param.name in out:
                continue
            if param.default is not None:
                out[param.name] = convert_param(param, param.default, base, self.name)
            elif param.required:
                ptype = PARAM_TYPES[param.type]
                example = param.choices[0] if param.choices else ptype.example
                raise ParamError(
                    f"query {self.name} needs parameter {param.name} ({param.describe_type()})",
                    hint=f"add e.g. --param {param.name}={example}",
                )
        return out


def list_queries(folder: Path | None = None) -> list[NamedQuery]:
    """Return every named query, sorted by name."""
    folder = folder or queries_dir()
    return [load_query(path) for path in sorted(folder.glob("*.rq"))]


def load_query(path: Path) -> NamedQuery:
    """Read a query file and its header."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(
            f"query file {path} is not UTF-8 text", hint="save it as UTF-8 SPARQL text"
        ) from None
    except OSError as exc:
        raise InputError(
            f"cannot read query file {path}: {exc.strerror or exc}", hint="check the path"
        ) from None
    header = parse_header(text, str(path))
    if header is None:
        return NamedQuery(path.stem, path, text, declared=False)
    return _from_header(path.stem, path, text, header)


def query_from_text(text: str, name: str = "sparql") -> NamedQuery:
    """Wrap a query given as text (``--sparql``); a header in it declares its parameters."""
    header = parse_header(text, "--sparql")
    path = Path(f"<{name}>")
    if header is None:
        return NamedQuery(name, path, text, declared=False)
    return _from_header(name, path, text, header)


def find_query(name_or_file: str, folder: Path | None = None) -> NamedQuery:
    """Find a named query by name, or read a ``.rq`` file; say what exists when nothing fits."""
    path = Path(name_or_file)
    if name_or_file.endswith(".rq") or "/" in name_or_file or path.is_file():
        if not path.is_file():
            what = "is a folder" if path.is_dir() else "does not exist"
            raise InputError(
                f"query file {name_or_file} {what}",
                hint="name a .rq file, or a named query (consortia-kg query --list)",
            )
        return load_query(path)
    folder = folder or queries_dir()
    candidate = folder / f"{name_or_file}.rq"
    if candidate.is_file():
        return load_query(candidate)
    names = [p.stem for p in sorted(folder.glob("*.rq"))]
    close = difflib.get_close_matches(name_or_file, names, n=3)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise InputError(
        f"no named query {name_or_file!r}",
        hint=f"{hint}list them with: consortia-kg query --list",
    )


def parse_header(text: str, where: str = "query") -> dict[str, Any] | None:
    """Return the YAML in the leading ``#`` lines, or None when the file has no header."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[2:] if line.startswith("# ") else line[1:])
    if not any(re.match(r"^title\s*:", line) for line in lines):
        return None
    try:
        header = yaml.safe_load("\n".join(lines))
    except yaml.YAMLError as exc:
        raise QueryFileError(f"{where}: the header is not valid YAML: {exc}") from None
    except RecursionError:  # PyYAML composes recursively: [[[[...]]]] exhausts the stack
        raise QueryFileError(f"{where}: the header is nested too deep to read") from None
    if not isinstance(header, dict):
        raise QueryFileError(f"{where}: the header must be `key: value` lines")
    return header


_HEADER_KEYS = {"title", "description", "params", "example"}
_PARAM_KEYS = {"type", "doc", "default", "required", "choices", "prefix"}


def _from_header(name: str, path: Path, text: str, header: dict[str, Any]) -> NamedQuery:
    where = str(path)
    unknown = set(header) - _HEADER_KEYS
    if unknown:
        raise QueryFileError(
            f"{where}: unknown header keys {sorted(unknown)}",
            hint="use " + ", ".join(sorted(_HEADER_KEYS)),
        )
    for key in ("title", "description", "example"):
        if not header.get(key):
            raise QueryFileError(f"{where}: the header needs `{key}:`")
    params = []
    variables = query_variables(text)
    for pname, spec in (header.get("params") or {}).items():
        spec = spec or {}
        if not isinstance(spec, dict) or set(spec) - _PARAM_KEYS:
            raise QueryFileError(
                f"{where}: parameter {pname} must be a mapping with keys "
                + ", ".join(sorted(_PARAM_KEYS))
            )
        ptype = str(spec.get("type", "string"))
        if ptype not in PARAM_TYPES:
            raise QueryFileError(
                f"{where}: parameter {pname} has unknown type {ptype!r}",
                hint="use one of: " + ", ".join(PARAM_TYPES),
            )
        if pname not in variables:
            raise QueryFileError(f"{where}: parameter {pname} is not a variable of the query")
        default = spec.get("default")
        param = Param(
            name=str(pname),
            type=ptype,
            doc=str(spec.get("doc", "")),
            default=None if default is None else str(default),
            required=bool(spec.get("required", False)),
            choices=tuple(str(c) for c in spec.get("choices") or ()),
            prefix=str(spec.get("prefix", "")),
        )
        if ptype == "term" and (
            not param.choices or param.prefix.partition(":")[0] not in PREFIXES
        ):
            raise QueryFileError(
                f"{where}: term parameter {pname} needs `choices:` and a `prefix:` "
                "such as ckg:status-"
            )
        params.append(param)
    examples = header["example"]
    return NamedQuery(
        name=name,
        path=path,
        text=text,
        title=str(header["title"]).strip(),
        description=" ".join(str(header["description"]).split()),
        params=tuple(params),
        examples=tuple(examples if isinstance(examples, list) else [str(examples)]),
    )


def parse_param_assignments(assignments: Iterable[str]) -> dict[str, str]:
    """Read ``k=v`` pairs from ``--param``; a key may carry a type: ``year:integer=2013``."""
    out: dict[str, str] = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(:[a-z]+)?", key):
            raise ParamError(
                f"--param {item!r} is not NAME=VALUE",
                hint="write e.g. --param consortium=ga4gh (names are SPARQL variable names)",
            )
        if key.partition(":")[0] in {k.partition(":")[0] for k in out}:
            raise ParamError(f"--param {key} is given twice", hint="give each parameter once")
        out[key] = value
    return out


# --- binding parameters into the text ----------------------------------------------------------


def query_variables(text: str) -> set[str]:
    """Return the names of the variables a query mentions."""
    return set(sparqltext.variables(text))


def query_has_dataset(text: str) -> bool:
    """Return True when the query names its dataset (a ``FROM`` or ``FROM NAMED`` clause)."""
    return sparqltext.has_dataset_clause(text)


def query_form(text: str) -> str:
    """Return the query form (SELECT, ASK, CONSTRUCT, DESCRIBE); SELECT when none is found."""
    return sparqltext.query_form(text)


def bind_query(text: str, bindings: Mapping[str, Term]) -> str:
    """Return the query with ``VALUES`` opening its WHERE group, binding each variable to its term.

    The terms are written by pyoxigraph in N-Triples syntax (IRIs checked, literals escaped), so
    a value stays one RDF term whatever it contains. The block goes on the line of the ``{``,
    so every other line keeps its number.
    """
    try:
        return sparqltext.bind_values(text, {name: str(term) for name, term in bindings.items()})
    except sparqltext.SparqlTextError as exc:
        raise InputError(str(exc), hint=exc.hint) from None


# --- the generated docs page -----------------------------------------------------------------

#: The hand-written part of docs/queries.md, before the generated list of queries: prose kept
#: as Markdown beside this module, so that it reads (and diffs) as the page it becomes. Named
#: ``.md.in``, not ``.md``: ruff format rewrites the Python blocks of Markdown files.
_GUIDE = Path(__file__).with_name("guide.md.in")


def render_queries_page(queries: Iterable[NamedQuery] | None = None) -> str:
    """Return docs/queries.md: the guide, then every named query with its parameters."""
    queries = list(list_queries() if queries is None else queries)
    out = [
        _GUIDE.read_text(encoding="utf-8"),
        "## The named queries",
        "",
        "| query | form | what it answers |",
        "| --- | --- | --- |",
    ]
    for q in queries:
        out.append(f"| [`{q.name}`](#{q.name}) | {q.form} | {q.title} |")
    for q in queries:
        out += ["", f"### {q.name}", "", f"**{q.title}.** {q.description}", ""]
        if q.params:
            out += ["| parameter | type | default | meaning |", "| --- | --- | --- | --- |"]
            for p in q.params:
                if p.default is not None:
                    default = f"`{p.default}`"
                else:
                    default = "required" if p.required else "(unbound: every value)"
                out.append(f"| `{p.name}` | {p.describe_type()} | {default} | {p.doc} |")
        else:
            out.append("No parameters.")
        out += ["", "```bash", *q.examples, "```"]
    return "\n".join(out) + "\n"
