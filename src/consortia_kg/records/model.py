"""The record types: schemas for consortium, organisation and source files, and their loading.

A record is parsed field by field against its schema. Every value remembers its file, line and
key path (``members[3].organisation``) so that any later finding can be reported in record words.
Problems are collected, never raised: a curator sees every one at once.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consortia_kg.errors import InputError, Problem, Severity
from consortia_kg.records import fieldtypes as t
from consortia_kg.records.yamlsource import Mapping, Node, Scalar, Sequence, read_yaml

__all__ = [
    "KINDS",
    "SCHEMAS",
    "Field",
    "Item",
    "Located",
    "Record",
    "RecordFile",
    "RecordSet",
    "Schema",
    "data_version",
    "load_records",
    "parse_record",
    "read_found",
    "record_files",
]


@dataclass(frozen=True)
class Field:
    """One key of a record or of an item inside it."""

    name: str
    type: t.FieldType | None = None
    required: bool = False
    many: bool = False
    terms: tuple[str, ...] = ()
    schema: Schema | None = None
    ref: str = ""
    none_or_list: bool = False
    doc: str = ""

    @property
    def type_name(self) -> str:
        """Return the type as docs/records.md names it."""
        if self.schema is not None:
            return "mapping"
        if self.terms:
            return "term"
        if self.ref:
            return "slug"
        return self.type.name if self.type else "text"


@dataclass(frozen=True)
class Schema:
    """The keys a mapping may have."""

    name: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field | None:
        """Return the field called ``name``, if any."""
        for f in self.fields:
            if f.name == name:
                return f
        return None


@dataclass(frozen=True)
class Located:
    """A parsed value with where it was written."""

    value: Any
    line: int
    key: str


@dataclass
class Item:
    """A parsed mapping: the record itself or an item of one of its lists."""

    line: int
    key: str
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        """Return the plain value of a scalar field, or None."""
        located = self.values.get(name)
        return located.value if isinstance(located, Located) else None

    def located(self, name: str) -> Located | None:
        """Return a scalar field with its position, or None."""
        located = self.values.get(name)
        return located if isinstance(located, Located) else None

    def many(self, name: str) -> list[Located]:
        """Return a list of scalars (empty when absent)."""
        value = self.values.get(name)
        return list(value) if isinstance(value, list) else []

    def item(self, name: str) -> Item | None:
        """Return a nested mapping, or None."""
        value = self.values.get(name)
        return value if isinstance(value, Item) else None

    def items(self, name: str) -> list[Item]:
        """Return a list of nested mappings (empty when absent)."""
        value = self.values.get(name)
        return [v for v in value if isinstance(v, Item)] if isinstance(value, list) else []


@dataclass
class Record:
    """One file under data/: its kind, slug, parsed content and content hash."""

    kind: str
    slug: str
    file: str
    source_path: str
    item: Item
    sha256: str


@dataclass
class RecordSet:
    """All records of a data folder, by kind and slug, and every problem found reading them."""

    data_dir: Path
    records: dict[str, dict[str, Record]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Record]:
        """Return the records of one kind, sorted by slug."""
        found = self.records.get(kind, {})
        return [found[slug] for slug in sorted(found)]

    def __iter__(self) -> Iterator[Record]:
        for kind in KINDS:
            yield from self.of_kind(kind)

    def __len__(self) -> int:
        return sum(len(v) for v in self.records.values())

    @property
    def fatal(self) -> bool:
        """Return True when some file could not be read at all."""
        return any(p.fatal for p in self.problems)

    def digest(self) -> str:
        """Return a hash of every record's content: the data's version, independent of time."""
        return data_version((r.kind, r.slug, r.source_path, r.sha256) for r in self)


# --- schemas --------------------------------------------------------------------------------

_SOURCE_REF = Field("source", ref="source", doc="the source of this item")


def _f(name: str, type_: t.FieldType = t.TEXT, **kw: Any) -> Field:
    return Field(name, type_, **kw)


STATUS_TERMS = ("active", "completed", "inactive")
ORG_STATUS_TERMS = ("active", "inactive", "withdrawn")
ORG_TYPES = (
    "education", "funder", "government", "facility", "company",
    "healthcare", "nonprofit", "archive", "other",
)  # fmt: skip
INITIATOR_TYPES = (
    "nonprofit-foundation", "third-party-organization", "government", "industry",
    "academic", "patient-advocacy", "multiple", "other",
)  # fmt: skip
SCOPES = ("international", "national", "regional", "local")
LEGAL_STATUSES = ("nonprofit", "for-profit", "government", "unincorporated")
FUNDING_KINDS = (
    "philanthropic-support", "research-agency-grants", "government-agency-grants",
    "membership-fees", "industry-support", "other-funding",
)  # fmt: skip
COMMITTEE_KINDS = ("plenary", "advisory", "executive", "other")
SOURCE_KINDS = ("web-page", "database-dump", "registry-release", "publication", "other")
RELATIONSHIP_TYPES = ("parent", "child", "related", "successor", "predecessor")
IDENTIFIER_SCHEMES = ("grid", "isni", "fundref", "wikidata", "ga4gh-registry")
NAME_TYPES = ("ror_display", "label", "alias", "acronym")
STANDARD_CATEGORIES = ("file-format", "api", "schema", "policy")
RELEASE_STATUSES = ("proposed", "approved", "legacy")
CONTACT_KINDS = ("phone", "email", "fax", "web")

IMPLEMENTATION = Schema(
    "implementation",
    (
        _f("id", t.SLUG, required=True),
        _f("name", required=True),
        _f("description"),
        Field("consortium", ref="consortium"),
        _f("standard", required=True),
        _f("standard_version"),
        Field("category", terms=("implementation", "deployment"), required=True),
        _f("url", t.IRI),
        _f("documentation", t.IRI),
        _f("software_version"),
        _f("environment"),
        _f("curie_prefix"),
        _f("created", t.DATE),
        _f("updated", t.DATE),
        _SOURCE_REF,
    ),
)

STANDARD = Schema(
    "standard",
    (
        _f("id", t.SLUG, required=True),
        _f("name", required=True),
        _f("acronym"),
        Field("category", terms=STANDARD_CATEGORIES),
        Field("status", terms=RELEASE_STATUSES),
        _f("summary"),
        _f("description"),
        _f("documentation", t.IRI),
        _f("artifact"),
        _f("working_group", t.SLUG),
        Field(
            "versions",
            many=True,
            schema=Schema(
                "standard version",
                (
                    _f("id", t.SLUG, required=True),
                    _f("version", required=True),
                    Field("status", terms=RELEASE_STATUSES),
                    _f("documentation", t.IRI),
                ),
            ),
        ),
        _SOURCE_REF,
    ),
)

SOURCE = Schema(
    "source",
    (
        _f("id", t.SLUG, required=True),
        _f("title", required=True),
        Field("kind", terms=SOURCE_KINDS, required=True),
        _f("publisher"),
        _f("url", t.IRI),
        _f("date", t.DATE),
        _f("licence", t.IRI),
        _f("copy"),
        _f("sha256", t.SHA256),
        _f("description"),
    ),
)

ORGANISATION = Schema(
    "organisation",
    (
        _f("id", t.SLUG, required=True),
        _f("name", required=True),
        _f("acronym"),
        _f("aliases", many=True),
        Field(
            "labels",
            many=True,
            schema=Schema(
                "label",
                (
                    _f("value", required=True),
                    _f("lang", t.LANG),
                    Field("types", many=True, terms=NAME_TYPES),
                ),
            ),
        ),
        Field("types", many=True, terms=ORG_TYPES),
        Field("status", terms=ORG_STATUS_TERMS),
        _f("established", t.YEAR),
        _f("homepage", t.IRI),
        _f("links", t.IRI, many=True),
        _f("domains", many=True),
        _f("ror", t.ROR),
        _f("wikidata", t.WIKIDATA),
        Field(
            "identifiers",
            many=True,
            schema=Schema(
                "identifier",
                (
                    Field("scheme", terms=IDENTIFIER_SCHEMES, required=True),
                    _f("value", required=True),
                ),
            ),
        ),
        Field(
            "locations",
            many=True,
            schema=Schema(
                "location",
                (
                    _f("city"),
                    _f("region"),
                    _f("country"),
                    _f("country_code", t.COUNTRY_CODE),
                    _f("geonames_id", t.COUNT),
                ),
            ),
        ),
        Field(
            "relationships",
            many=True,
            schema=Schema(
                "relationship",
                (
                    Field("type", terms=RELATIONSHIP_TYPES, required=True),
                    Field("organisation", ref="organisation"),
                    _f("ror", t.ROR),
                    _f("label"),
                ),
            ),
        ),
        Field("implementations", many=True, schema=IMPLEMENTATION),
        Field("sources", many=True, ref="source", required=True),
        _f("notes", many=True),
    ),
)

_UNIT_FIELDS = (
    _f("name", required=True),
    _f("acronym"),
    _f("description"),
    _f("member_count", t.COUNT),
    _SOURCE_REF,
)

CONSORTIUM = Schema(
    "consortium",
    (
        _f("id", t.SLUG, required=True),
        _f("name", required=True),
        _f("acronym"),
        _f("aliases", many=True),
        Field("status", terms=STATUS_TERMS, required=True),
        _f("year_launched", t.YEAR),
        _f("year_ended", t.YEAR),
        Field("initiator_type", terms=INITIATOR_TYPES),
        Field("initiating_organisation", ref="organisation"),
        Field(
            "participating_organisations",
            schema=Schema(
                "participant count",
                (_f("count", t.COUNT, required=True), _f("as_of", t.DATE), _SOURCE_REF),
            ),
        ),
        _f("disease_focus", none_or_list=True, many=True),
        Field("scope", terms=SCOPES),
        _f("location"),
        _f("homepage", t.IRI),
        _f("ror", t.ROR),
        _f("wikidata", t.WIKIDATA),
        _f("description"),
        _f("mission"),
        Field(
            "activities",
            many=True,
            schema=Schema("activity", (_f("name", required=True), _f("description"))),
        ),
        _f("history"),
        Field(
            "events",
            many=True,
            schema=Schema(
                "event",
                (_f("date", t.DATE, required=True), _f("description", required=True), _SOURCE_REF),
            ),
        ),
        _f("governance"),
        Field("legal_status", terms=LEGAL_STATUSES),
        Field("funding", many=True, terms=FUNDING_KINDS),
        _f("patient_engagement"),
        _f("data_sharing"),
        Field(
            "steering_committee",
            schema=Schema(
                "steering committee",
                (
                    _f("name", required=True),
                    _f("description"),
                    _f("selection"),
                    _f("member_count", t.COUNT),
                    _SOURCE_REF,
                ),
            ),
        ),
        Field(
            "working_groups",
            many=True,
            schema=Schema(
                "working group",
                (_f("id", t.SLUG, required=True), *_UNIT_FIELDS, _f("registry_id")),
            ),
        ),
        Field(
            "committees",
            many=True,
            schema=Schema(
                "committee",
                (
                    _f("id", t.SLUG, required=True),
                    *_UNIT_FIELDS,
                    Field("kind", terms=COMMITTEE_KINDS, required=True),
                ),
            ),
        ),
        Field(
            "posts",
            many=True,
            schema=Schema(
                "post",
                (
                    _f("id", t.SLUG, required=True),
                    _f("title", required=True),
                    _f("unit", t.SLUG),
                    _f("appointed_by", t.SLUG),
                    _f("description"),
                    Field(
                        "holder",
                        schema=Schema(
                            "holder", (_f("name", required=True), _f("public", t.YES_NO))
                        ),
                    ),
                    _SOURCE_REF,
                ),
            ),
        ),
        Field(
            "host_institutions",
            many=True,
            schema=Schema(
                "host institution",
                (
                    Field("organisation", ref="organisation", required=True),
                    _f("description"),
                    _SOURCE_REF,
                ),
            ),
        ),
        Field(
            "members",
            many=True,
            schema=Schema(
                "membership",
                (
                    Field("organisation", ref="organisation", required=True),
                    _f("role"),
                    _f("start", t.DATE),
                    _f("end", t.DATE),
                    _SOURCE_REF,
                ),
            ),
        ),
        Field(
            "contacts",
            many=True,
            schema=Schema(
                "contact",
                (
                    Field("kind", terms=CONTACT_KINDS, required=True),
                    _f("value", required=True),
                    _f("label"),
                    _f("person", t.YES_NO),
                    _f("public", t.YES_NO),
                    _SOURCE_REF,
                ),
            ),
        ),
        Field(
            "address",
            schema=Schema(
                "address",
                (
                    _f("name"),
                    _f("street", many=True),
                    _f("locality"),
                    _f("region"),
                    _f("postal_code"),
                    _f("country"),
                    _SOURCE_REF,
                ),
            ),
        ),
        Field("standards", many=True, schema=STANDARD),
        Field("implementations", many=True, schema=IMPLEMENTATION),
        _f("last_updated", t.DATE),
        Field("sources", many=True, ref="source", required=True),
        _f("notes", many=True),
    ),
)

#: Record kinds: folder under data/, schema. The order is the build order.
KINDS: dict[str, tuple[str, Schema]] = {
    "source": ("sources", SOURCE),
    "organisation": ("organisations", ORGANISATION),
    "consortium": ("consortia", CONSORTIUM),
}
SCHEMAS = {kind: schema for kind, (_, schema) in KINDS.items()}


# --- parsing ---------------------------------------------------------------------------------


def parse_record(root: Mapping, schema: Schema, file: str) -> tuple[Item, list[Problem]]:
    """Parse a record's top mapping against its schema."""
    problems: list[Problem] = []
    item = _parse_mapping(root, schema, "", file, problems)
    return item, problems


def _parse_mapping(
    node: Mapping, schema: Schema, prefix: str, file: str, problems: list[Problem]
) -> Item:
    item = Item(node.line, prefix.rstrip("."))
    known = [f.name for f in schema.fields]
    for key, value in node.items.items():
        line = node.key_lines[key]
        spec = schema.field(key)
        if spec is None:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            fix = f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(known)}"
            problems.append(
                Problem(
                    file, line, prefix + key, f"not a key of a {schema.name} record",
                    why="a record only holds the keys of the record format (docs/records.md)",
                    fix=fix, shape="record format",
                )
            )  # fmt: skip
            continue
        parsed = _parse_field(value, spec, prefix + key, file, problems, line)
        if parsed is not None:
            item.values[key] = parsed
    for spec in schema.fields:
        if spec.required and spec.name not in node.items:
            problems.append(
                Problem(
                    file, node.line, prefix + spec.name,
                    f"is missing from this {schema.name}",
                    why=f"every {schema.name} needs `{spec.name}` (docs/records.md)",
                    fix=f"add `{spec.name}: <{spec.type_name}>`", shape="record format",
                )
            )  # fmt: skip
    return item


def _parse_field(
    node: Node, spec: Field, key: str, file: str, problems: list[Problem], key_line: int = 0
) -> Any:
    if spec.none_or_list and isinstance(node, Scalar) and node.text.strip() == "none":
        return Located("none", node.line, key)
    if spec.many:
        if not isinstance(node, Sequence):
            problems.append(
                _bad(file, node.line, key, "must be a list",
                     "write one `- value` line per entry")
            )  # fmt: skip
            return None
        out = []
        for index, element in enumerate(node.items):
            parsed = _parse_one(element, spec, f"{key}[{index + 1}]", file, problems)
            if parsed is not None:
                out.append(parsed)
        _check_unique(out, spec, file, problems)
        return out
    parsed = _parse_one(node, spec, key, file, problems)
    if isinstance(parsed, Item) and key_line:
        parsed.line = key_line  # point at `key:`, not at its first sub-key
    return parsed


def _parse_one(node: Node, spec: Field, key: str, file: str, problems: list[Problem]) -> Any:
    if spec.schema is not None:
        if not isinstance(node, Mapping):
            fields = ", ".join(f.name for f in spec.schema.fields[:3])
            problems.append(
                _bad(file, node.line, key, "must be a mapping",
                     f"write its keys ({fields}, …) on indented lines")
            )  # fmt: skip
            return None
        return _parse_mapping(node, spec.schema, key + ".", file, problems)
    if not isinstance(node, Scalar):
        problems.append(
            _bad(file, node.line, key, "must be a single value, not a "
                 f"{'list' if isinstance(node, Sequence) else 'mapping'}", "write one value")
        )  # fmt: skip
        return None
    if node.is_null or not node.text.strip():
        problems.append(_bad(file, node.line, key, "is empty", "write a value or remove the key"))
        return None
    raw = node.text
    try:
        if spec.terms:
            value: Any = _parse_term(raw, spec.terms)
        elif spec.ref:
            value = t.parse_slug(raw.strip())
        else:
            value = (spec.type or t.TEXT).parse(raw)
    except t.FieldError as exc:
        problems.append(_bad(file, node.line, key, exc.message, exc.fix))
        return None
    return Located(value, node.line, key)


def _check_unique(parsed: list[Any], spec: Field, file: str, problems: list[Problem]) -> None:
    """Items of a list are told apart by ``id`` (or the member's ``organisation``)."""
    if spec.schema is None:
        return
    identity = "id" if spec.schema.field("id") else "organisation" if spec.name == "members" else ""
    if not identity:
        return
    seen: dict[str, Located] = {}
    for element in parsed:
        located = element.located(identity) if isinstance(element, Item) else None
        if located is None:
            continue
        first = seen.setdefault(located.value, located)
        if first is not located:
            message = f'"{located.value}" is listed twice (first at line {first.line})'
            problems.append(
                _bad(file, located.line, located.key, message, "keep one entry; merge the two")
            )


def _parse_term(raw: str, terms: tuple[str, ...]) -> str:
    text = raw.strip()
    if text in terms:
        return text
    close = difflib.get_close_matches(text.lower().replace(" ", "-"), terms, n=1, cutoff=0.5)
    hint = f"did you mean `{close[0]}`? " if close else ""
    raise t.FieldError(
        f'"{raw}" is not one of the allowed words', f"{hint}use one of: {', '.join(terms)}"
    )


def _bad(file: str, line: int, key: str, message: str, fix: str) -> Problem:
    return Problem(
        file, line, key, message, why="the value does not fit the record format (docs/records.md)",
        fix=fix, shape="record format",
    )  # fmt: skip


# --- loading a folder ------------------------------------------------------------------------


def display_path(path: Path) -> str:
    """Show a path as the curator typed it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


@dataclass(frozen=True)
class RecordFile:
    """A record file found under a data folder, before it is read."""

    kind: str
    path: Path
    #: the path as the curator is shown it
    shown: str
    #: ``<data folder name>/<kind folder>/<file name>``: what provenance records
    source_path: str


def record_files(data_dir: Path) -> tuple[list[RecordFile], list[Problem]]:
    """List every record file (kinds in build order, files by name), and what is not read."""
    if not data_dir.is_dir():
        raise InputError(
            f"{data_dir} is not a folder of records",
            hint="pass --data DIR, the folder holding consortia/, organisations/ and sources/",
        )
    files: list[RecordFile] = []
    problems: list[Problem] = []
    known_folders = {folder for folder, _ in KINDS.values()}
    for entry in sorted(data_dir.iterdir()):
        if entry.is_dir() and entry.name not in known_folders and not entry.name.startswith("."):
            problems.append(
                Problem(
                    display_path(entry), 0, "", f"folder `{entry.name}` is not read",
                    why="records live in " + ", ".join(sorted(known_folders)),
                    fix="move its files into one of those folders", severity=Severity.WARNING,
                )
            )  # fmt: skip
    for kind, (folder, _) in KINDS.items():
        base = data_dir / folder
        if not base.is_dir():
            continue
        for path in sorted(base.iterdir()):
            if path.name.startswith("."):
                continue
            shown = display_path(path)
            if path.suffix != ".yaml" or not path.is_file():
                fix = f"rename it to {path.stem}.yaml" if path.suffix == ".yml" else "remove it"
                problems.append(
                    Problem(
                        shown, 0, "", "this file is not read: records end in .yaml",
                        why="only *.yaml files are records", fix=fix, severity=Severity.WARNING,
                    )
                )  # fmt: skip
                continue
            files.append(RecordFile(kind, path, shown, f"{data_dir.name}/{folder}/{path.name}"))
    return files, problems


def load_records(data_dir: Path) -> RecordSet:
    """Read every record under ``data_dir``; a broken file becomes problems, not an exception."""
    files, listing_problems = record_files(data_dir)
    records = RecordSet(data_dir, {kind: {} for kind in KINDS}, listing_problems)
    for found in files:
        record, problems = read_found(found)
        records.problems.extend(problems)
        if record is not None:
            records.records[found.kind][record.slug] = record
    return records


def read_found(found: RecordFile) -> tuple[Record | None, list[Problem]]:
    """Read one listed record file."""
    return read_record(found.kind, SCHEMAS[found.kind], found.path, found.shown, found.source_path)


def data_version(entries: Iterable[tuple[str, str, str, str]]) -> str:
    """Hash (kind, slug, source path, sha256) of every record: the data's version.

    Records are taken in build order (kind, then slug), whatever order they come in.
    """
    rank = {kind: i for i, kind in enumerate(KINDS)}
    h = hashlib.sha256()
    for _, _, source_path, sha256 in sorted(entries, key=lambda e: (rank[e[0]], e[1])):
        h.update(f"{source_path}\0{sha256}\n".encode())
    return h.hexdigest()


def read_record(
    kind: str, schema: Schema, path: Path, shown: str, source_path: str
) -> tuple[Record | None, list[Problem]]:
    """Read and parse one record file; a record that cannot be named comes back as None."""
    root, problems = read_yaml(path, shown)
    if root is None:
        return None, problems
    item, more = parse_record(root, schema, shown)
    problems = problems + more
    slug = item.get("id")
    if slug is None:
        return None, problems
    if slug != path.stem:
        located = item.located("id")
        problems.append(
            Problem(
                shown, located.line if located else 1, "id",
                f'"{slug}" differs from the file name {path.name}',
                why="a record's IRI comes from its id, and curators find it by file name",
                fix=f"rename the file to {slug}.yaml or set id: {path.stem}", shape="record format",
            )
        )  # fmt: skip
        return None, problems
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Record(kind, slug, shown, source_path, item, digest), problems


def record_file(data_dir: Path, path: Path) -> tuple[str, Schema, str]:
    """Return (kind, schema, source path) of a record file inside ``data_dir``."""
    folder = path.parent.name
    for kind, (kind_folder, schema) in KINDS.items():
        if kind_folder == folder and path.parent.resolve() == (data_dir / folder).resolve():
            return kind, schema, f"{data_dir.name}/{folder}/{path.name}"
    raise InputError(
        f"{path} is not a record file of {data_dir}",
        hint="name a file under consortia/, organisations/ or sources/ of the data folder",
    )
