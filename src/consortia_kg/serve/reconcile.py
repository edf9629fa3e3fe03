"""The W3C Entity Reconciliation API (0.2) over the served graph: what it says, without HTTP.

OpenRefine and other clients of the community group's API (https://reconciliation-api.github.io/
specs/0.2/) match a spreadsheet's names against our organisations and consortia, curated records
and registry organisations alike. This module holds the protocol: the service manifest, reading a
query batch (every mistake a :class:`ReconcileError` that names the query and the fix), the
answers, suggest and preview. :mod:`.views.reconcile` puts it on HTTP; the matching is the
engine's (:class:`consortia_kg.reconcile.Reconciler`), filled once per generation from the
server's index (names, acronyms, labels, identifiers: the names are scanned once for both) and
:data:`FACTS_QUERY` (places and ROR/Wikidata links).

An entity's id is its IRI without the base (``organisation/edu-caltech``): the identifier space
is the base IRI, and the view template is the entity's page on this server.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from consortia_kg.reconcile import Entity, Match, Query, Reconciler
from consortia_kg.registries.cordis_terms import country_code
from consortia_kg.vocab import CKG, ORG, RDFS, SCHEMA, SKOS

from .index import EntityIndex

__all__ = [
    "DEFAULT_LIMIT",
    "EXTEND_PROPERTIES",
    "FACTS_QUERY",
    "MAX_BATCH",
    "MAX_EXTEND",
    "MAX_LIMIT",
    "MAX_TEXT",
    "PREVIEW_SIZE",
    "PROPERTIES",
    "TYPES",
    "Parsed",
    "ReconType",
    "ReconcileError",
    "answer",
    "build_reconciler",
    "extend",
    "homepage_query",
    "manifest",
    "parse_batch",
    "parse_extend",
    "preview_html",
    "propose_properties",
    "resolve_country",
    "suggest_entities",
    "suggest_properties",
    "suggest_types",
]

#: At most this many queries in one batch (OpenRefine sends 10; the manifest's ``batchSize``).
MAX_BATCH = 100
#: At most this many characters in a query's name or a property's value.
MAX_TEXT = 500
#: Candidates per query when the query sets no ``limit``, and the most it may ask for.
DEFAULT_LIMIT, MAX_LIMIT = 5, 25
#: At most this many entities in one data extension request (OpenRefine sends 10 or so).
MAX_EXTEND = 200
#: The preview card's size in pixels (width, height), as the manifest tells clients.
PREVIEW_SIZE = (400, 160)


@dataclass(frozen=True)
class ReconType:
    """A type the service reconciles against: the class IRI every such thing has in the graph."""

    kind: str
    id: str
    name: str
    description: str

    def as_dict(self) -> dict[str, str]:
        """Return the type as the API writes it (``{"id", "name"}``)."""
        return {"id": self.id, "name": self.name}


#: The types, by record kind (the first segment of an entity's id).
TYPES: dict[str, ReconType] = {
    "organisation": ReconType(
        "organisation",
        ORG + "FormalOrganization",
        "Organisation",
        "a curated organisation record or a registry's organisation (CORDIS, GEPRIS, ELIXIR)",
    ),
    "consortium": ReconType(
        "consortium",
        CKG + "Consortium",
        "Consortium",
        "a curated consortium record, a CORDIS project or an NFDI consortium",
    ),
}

#: Identifier schemes a query may give as a property (the engine compares them normalised).
IDENTIFIER_SCHEMES = {
    "ror": "ROR id",
    "wikidata": "Wikidata id",
    "pic": "PIC (EU Participant Identification Code)",
    "gepris": "GEPRIS institution number",
    "grid": "GRID id",
    "isni": "ISNI",
    "fundref": "FundRef (Crossref Funder Registry) id",
    "ga4gh-registry": "GA4GH registry id",
}

#: Every property a query may name in ``properties`` (``pid``): id → (name, description).
PROPERTIES: dict[str, tuple[str, str]] = {
    "country": ("Country", "an ISO 3166 two- or three-letter code, or the country's name"),
    "city": ("City", "the city of one of the organisation's locations"),
    "acronym": ("Acronym", "the organisation's or consortium's acronym"),
    **{scheme: (label, f"the {label}: same id, certain match") for scheme, label in
       IDENTIFIER_SCHEMES.items()},
}  # fmt: skip

#: What data extension (``extend=``) adds to a reconciled column: id → name. The homepage is read
#: from the store; the rest is the engine's entity.
EXTEND_PROPERTIES: dict[str, str] = {
    "country": "Country (ISO 3166 code)",
    "city": "City",
    "acronym": "Acronym",
    "homepage": "Homepage",
    **{scheme: label for scheme, label in IDENTIFIER_SCHEMES.items()},
}

#: Places and outside links of organisations and consortia; their names and identifiers come from
#: the server's index (one scan of the names serves both). Rows are (subject, predicate, value).
FACTS_QUERY = (
    f"SELECT ?s ?p ?v WHERE {{ {{ ?s <{SKOS}exactMatch> ?v BIND(<{SKOS}exactMatch> AS ?p) }} "
    f"UNION {{ VALUES ?p {{ <{SCHEMA}addressCountry> <{SCHEMA}addressLocality> }} "
    f"?s <{SCHEMA}location> ?place . ?place ?p ?v }} }}"
)

_ROR = re.compile(r"^(?:https?://)?(?:www\.)?ror\.org/[0-9a-z]{9}$", re.IGNORECASE)
_WIKIDATA = re.compile(r"^(?:https?://(?:www\.)?wikidata\.org/(?:wiki|entity)/)?(Q\d+)$", re.I)
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$")
_QUERY_KEYS = frozenset({"query", "type", "limit", "properties", "type_strict"})


class ReconcileError(ValueError):
    """A request the service cannot answer: what is wrong, and how to fix it (a 400)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


# --- countries ----------------------------------------------------------------------------------


def _country_names() -> dict[str, str]:
    """Return normalised country name → ISO code, from the ``iso3166`` package's table.

    Its names are ISO's ("Korea, Republic of", "United Kingdom of Great Britain and Northern
    Ireland"); the part before a comma and the part before " of " are added when no other
    country has them ("United Kingdom", "United States"; "Korea" stays ambiguous).
    """
    import iso3166  # only the reconciliation service reads it, once per process

    from consortia_kg.reconcile import normalise_name

    names: dict[str, str] = {}
    short: dict[str, set[str]] = {}
    for country in iso3166.countries:
        code = country.alpha2
        for name in {country.name, country.apolitical_name}:
            names[normalise_name(name)] = code
            for cut in (name.split(",")[0], name.split(" of ")[0]):
                short.setdefault(normalise_name(cut), set()).add(code)
        names[country.alpha3.casefold()] = code
    for name, codes in short.items():
        if len(codes) == 1 and name and name not in names:
            names[name] = codes.pop()
    return names


_COUNTRIES: dict[str, str] = {}


def resolve_country(value: str) -> str | None:
    """Return the ISO 3166 alpha-2 code ``value`` names (a code or a name), or None.

    >>> resolve_country("de"), resolve_country("United Kingdom"), resolve_country("EL")
    ('DE', 'GB', 'GR')
    """
    from consortia_kg.reconcile import normalise_name

    if not _COUNTRIES:
        _COUNTRIES.update(_country_names())
    text = value.strip()
    if re.fullmatch(r"[A-Za-z]{2}", text):
        # the EU's UK and EL as ISO's GB and GR (CORDIS's "NA", no value, is Namibia here)
        code = country_code(text.upper()) or text.upper()
        return code if code in _COUNTRIES.values() else None
    return _COUNTRIES.get(normalise_name(text))


# --- the engine's entities, from the index and the facts --------------------------------------


def _outside_id(iri: str) -> tuple[str, str] | None:
    """Return (scheme, value) for a ROR or Wikidata IRI the graph links a thing to."""
    if _ROR.match(iri):
        return ("ror", iri)
    found = _WIKIDATA.match(iri)
    return ("wikidata", found.group(1)) if found else None


def build_reconciler(index: EntityIndex, facts: Iterable[list[str]]) -> Reconciler:
    """Return the engine over every organisation and consortium of ``index``.

    ``facts`` are :data:`FACTS_QUERY`'s rows. An entity's name is the one its pages show; its
    other ``rdfs:label``/``schema:name`` values and ``skos:prefLabel`` are labels, its
    ``skos:altLabel`` aliases.
    """
    countries: dict[str, set[str]] = {}
    cities: dict[str, set[str]] = {}
    links: dict[str, set[tuple[str, str]]] = {}
    for subject, predicate, value in facts:
        if predicate == SCHEMA + "addressCountry":
            countries.setdefault(subject, set()).add(value.upper())
        elif predicate == SCHEMA + "addressLocality":
            cities.setdefault(subject, set()).add(value)
        elif (outside := _outside_id(value)) is not None:
            links.setdefault(subject, set()).add(outside)
    entities = []
    for thing in index.entities.values():
        if thing.void or not thing.is_record or thing.kind not in TYPES:
            continue
        labels = thing.labels
        name = thing.label
        others = {
            v
            for p in (RDFS + "label", SCHEMA + "name", SKOS + "prefLabel")
            for v in labels.get(p, ())
        }
        identifiers = {
            (scheme, value)
            for scheme, _, value in (i.partition(":") for i in thing.identifiers)
            if value
        }
        entities.append(
            Entity(
                thing.path,
                thing.kind,
                name,
                names=tuple(sorted(set(labels.get(SKOS + "altLabel", ())))),
                labels=tuple(sorted(others - {name})),
                acronyms=tuple(sorted(set(labels.get(CKG + "acronym", ())))),
                identifiers=frozenset(identifiers | links.get(thing.iri, set())),
                countries=frozenset(countries.get(thing.iri, ())),
                cities=frozenset(cities.get(thing.iri, ())),
            )
        )
    return Reconciler(entities)


# --- reading a query batch ----------------------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    """One query of a batch, read: what the engine is asked, how many answers, and an own id."""

    query: Query
    limit: int
    #: kinds the query allows (None: every kind)
    kinds: frozenset[str] | None = None
    #: an entity id given as the query text (``organisation/x`` or its IRI)
    own_id: str = ""


def _type_kind(value: object, where: str) -> str:
    """Return the kind a query's type names (its IRI, a CURIE or the plain word)."""
    text = str(value).strip()
    folded = text.casefold()
    for kind, rtype in TYPES.items():
        curie = rtype.id.replace(ORG, "org:").replace(CKG, "ckg:")
        if folded in {rtype.id.casefold(), curie.casefold(), kind, rtype.name.casefold()}:
            return kind
    if folded == "organization":
        return "organisation"
    known = ", ".join(f"{t.id} ({t.name})" for t in TYPES.values())
    raise ReconcileError(
        f"{where}: type {text!r} is not a type this service reconciles against",
        hint=f"use one of {known}, or leave the type out to match both",
    )


def _text(value: object, where: str) -> str:
    """Return a property value as text: a string, a number, or an entity's id."""
    if isinstance(value, Mapping):
        value = value.get("id", "")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ReconcileError(f'{where}: a value must be a string, a number or {{"id": …}}')
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if len(text) > MAX_TEXT:
        raise ReconcileError(
            f"{where}: the value is {len(text)} characters long; this service reads at most "
            f"{MAX_TEXT}",
            hint="send a shorter value",
        )
    return text.strip()


def _identifier_in(text: str) -> tuple[str, str] | None:
    """Return (scheme, value) when a query's text is an identifier (``pic:999…``, a ROR IRI)."""
    outside = _outside_id(text)
    if outside is not None:
        return outside
    scheme, sep, value = text.partition(":")
    if sep and scheme.casefold() in IDENTIFIER_SCHEMES and value.strip():
        return (scheme.casefold(), value.strip())
    return None


def _one_query(raw: object, where: str, base: str) -> Parsed:
    if not isinstance(raw, Mapping):
        raise ReconcileError(f"{where}: a query must be a JSON object", hint='{"query": "…"}')
    unknown = sorted(set(raw) - _QUERY_KEYS)
    if unknown:
        raise ReconcileError(
            f"{where}: {', '.join(map(repr, unknown))} is not a field of a reconciliation query",
            hint="a query has query, type, limit, properties and type_strict",
        )
    name = raw.get("query")
    properties = raw.get("properties")
    if name is None and not properties:
        raise ReconcileError(
            f"{where}: the query has neither a query string nor properties",
            hint='give "query": "a name", or properties such as [{"pid": "ror", "v": "…"}]',
        )
    if name is not None and not isinstance(name, str):
        raise ReconcileError(f"{where}: query must be a string")
    text = _text(name or "", f"{where}.query")
    limit = raw.get("limit", DEFAULT_LIMIT)
    if (
        isinstance(limit, bool)
        or not isinstance(limit, int | float)
        or limit < 1
        or (isinstance(limit, float) and not limit.is_integer())
    ):
        raise ReconcileError(f"{where}: limit must be a positive whole number, not {limit!r}")
    types = raw.get("type")
    type_list = [types] if isinstance(types, str) else types if isinstance(types, list) else None
    if types is not None and type_list is None:
        raise ReconcileError(f"{where}: type must be a type id or a list of them")
    kinds = frozenset(_type_kind(t, f"{where}.type") for t in type_list or ())
    fields = _properties(properties, where)
    own_id = ""
    if text.startswith(base) and text[len(base) :].partition("/")[0] in TYPES:
        own_id = text[len(base) :]
    elif text.partition("/")[0] in TYPES and "/" in text and " " not in text:
        own_id = text
    identifiers = list(fields["identifiers"])
    found = _identifier_in(text) if not own_id else None
    if found is not None:
        identifiers.append(found)
    query = Query(
        name=text,
        acronym=fields["acronym"],
        country=fields["country"],
        city=fields["city"],
        identifiers=tuple(identifiers),
        kind=next(iter(kinds)) if len(kinds) == 1 else None,
    )
    return Parsed(query, min(int(limit), MAX_LIMIT), kinds or None, own_id)


def _properties(raw: object, where: str) -> dict[str, Any]:
    """Read ``properties`` into the engine's fields (of a place or an acronym, the first value)."""
    out: dict[str, Any] = {"acronym": "", "country": "", "city": "", "identifiers": []}
    if raw is None:
        return out
    if not isinstance(raw, list):
        raise ReconcileError(f'{where}: properties must be a list of {{"pid", "v"}} objects')
    for position, item in enumerate(raw):
        at = f"{where}.properties[{position}]"
        if not isinstance(item, Mapping) or "pid" not in item or "v" not in item:
            raise ReconcileError(f'{at}: a property is {{"pid": "…", "v": …}}')
        pid = str(item["pid"]).strip()
        if pid not in PROPERTIES:
            raise ReconcileError(
                f"{at}: {pid!r} is not a property this service knows",
                hint="use one of: " + ", ".join(PROPERTIES),
            )
        values = item["v"] if isinstance(item["v"], list) else [item["v"]]
        texts = [t for t in (_text(v, f"{at}.v") for v in values) if t]
        if pid in IDENTIFIER_SCHEMES:
            out["identifiers"].extend((pid, t) for t in texts)
        elif pid == "country" and texts and not out["country"]:
            code = resolve_country(texts[0])
            if code is None:
                raise ReconcileError(
                    f"{at}: {texts[0]!r} is not a country this service knows",
                    hint="give its ISO 3166 two-letter code (DE, GB, FR…)",
                )
            out["country"] = code
        elif texts and not out[pid]:
            out[pid] = texts[0]
    return out


def parse_batch(text: str, base: str) -> list[tuple[str, Parsed]]:
    """Read a query batch (the ``queries`` parameter's JSON) into (key, query) pairs."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ReconcileError(
            f"queries is not JSON: {exc}",
            hint='send queries={"q0": {"query": "a name"}} (URL-encoded)',
        ) from None
    if not isinstance(raw, dict):
        raise ReconcileError(
            "queries must be a JSON object of queries by key",
            hint='{"q0": {"query": "a name"}, "q1": …}',
        )
    if len(raw) > MAX_BATCH:
        raise ReconcileError(
            f"the batch holds {len(raw)} queries; this service answers at most {MAX_BATCH} at once",
            hint=f"send batches of at most {MAX_BATCH} (the manifest's batchSize)",
        )
    return [(str(key), _one_query(value, str(key), base)) for key, value in raw.items()]


# --- answers ------------------------------------------------------------------------------------


def _candidate(reconciler: Reconciler, match: Match) -> dict[str, Any]:
    entity = reconciler.get(match.kind, match.key)
    rtype = TYPES[match.kind]
    place = ""
    if entity is not None and (entity.countries or entity.cities):
        place = ", ".join([*sorted(entity.cities), *sorted(entity.countries)])
    why = "; ".join([match.reason, *match.evidence]) if match.reason else "; ".join(match.evidence)
    description = " · ".join(part for part in (rtype.name, place, why) if part)
    return {
        "id": match.key,
        "name": match.name,
        "description": description,
        "score": round(match.score, 1),
        "match": match.certain,
        "type": [rtype.as_dict()],
    }


def answer(reconciler: Reconciler, parsed: Parsed) -> list[dict[str, Any]]:
    """Return one query's candidates, best first, in the API's form."""
    if parsed.own_id:
        kind, _, _ = parsed.own_id.partition("/")
        entity = reconciler.get(kind, parsed.own_id)
        if entity is None or (parsed.kinds is not None and kind not in parsed.kinds):
            return []
        own = Match(entity.key, kind, entity.name, 100.0, True, "same id", entity.key)
        return [_candidate(reconciler, own)]
    return [
        _candidate(reconciler, m)
        for m in reconciler.match(parsed.query, limit=parsed.limit)
        if parsed.kinds is None or m.kind in parsed.kinds
    ]


# --- data extension ---------------------------------------------------------------------------


def parse_extend(text: str) -> tuple[list[str], list[str]]:
    """Read a data extension query (``extend=``) into entity ids and property ids."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ReconcileError(
            f"extend is not JSON: {exc}",
            hint='send extend={"ids": ["organisation/…"], "properties": [{"id": "country"}]}',
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("ids"), list):
        raise ReconcileError(
            'extend must be {"ids": [...], "properties": [{"id": ...}]}',
            hint='send extend={"ids": ["organisation/…"], "properties": [{"id": "country"}]}',
        )
    ids, properties = raw["ids"], raw.get("properties")
    if not all(isinstance(i, str) and len(i) <= MAX_TEXT for i in ids):
        raise ReconcileError("extend: every id must be a string, as a reconciliation answer gives")
    if len(ids) > MAX_EXTEND:
        raise ReconcileError(
            f"extend: {len(ids)} ids; this service extends at most {MAX_EXTEND} at once",
            hint=f"send at most {MAX_EXTEND} ids a request",
        )
    if not isinstance(properties, list) or not all(
        isinstance(p, Mapping) and isinstance(p.get("id"), str) for p in properties
    ):
        raise ReconcileError('extend: properties must be a list of {"id": "…"}')
    pids = [str(p["id"]) for p in properties]
    unknown = [pid for pid in pids if pid not in EXTEND_PROPERTIES]
    if unknown:
        raise ReconcileError(
            f"extend: {unknown[0]!r} is not a property this service extends with",
            hint="use one of: " + ", ".join(EXTEND_PROPERTIES),
        )
    return ids, pids


def homepage_query(iris: Iterable[str]) -> str:
    """Return the SELECT of the homepages (``schema:url``) of ``iris`` (IRIs the graph mints)."""
    values = " ".join(f"<{iri}>" for iri in sorted(set(iris)))
    return f"SELECT ?s ?url WHERE {{ VALUES ?s {{ {values} }} ?s <{SCHEMA}url> ?url }}"


def extend(
    reconciler: Reconciler,
    ids: list[str],
    pids: list[str],
    homepages: Mapping[str, list[str]],
) -> dict[str, Any]:
    """Return the data extension answer: each id's values of each property, as strings."""
    rows: dict[str, dict[str, list[dict[str, str]]]] = {}
    for ident in ids:
        kind = ident.partition("/")[0]
        entity = reconciler.get(kind, ident) if kind in TYPES else None
        row: dict[str, list[str]] = {pid: [] for pid in pids}
        if entity is not None:
            ids_by_scheme: dict[str, list[str]] = {}
            for scheme, value in sorted(entity.identifiers):
                ids_by_scheme.setdefault(scheme, []).append(value)
            for pid in pids:
                if pid == "country":
                    row[pid] = sorted(entity.countries)
                elif pid == "city":
                    row[pid] = sorted(entity.cities)
                elif pid == "acronym":
                    row[pid] = list(entity.acronyms)
                elif pid == "homepage":
                    row[pid] = sorted(homepages.get(ident, ()))
                else:
                    row[pid] = ids_by_scheme.get(pid, [])
        rows[ident] = {pid: [{"str": v} for v in values] for pid, values in row.items()}
    return {"meta": [{"id": pid, "name": EXTEND_PROPERTIES[pid]} for pid in pids], "rows": rows}


def propose_properties(type_id: str, limit: int) -> dict[str, Any]:
    """Return the properties data extension offers for a type (both types have the same)."""
    kind = _type_kind(type_id, "type")
    return {
        "type": TYPES[kind].id,
        "properties": [{"id": p, "name": n} for p, n in EXTEND_PROPERTIES.items()][:limit],
        "limit": limit,
    }


# --- manifest, suggest, preview -----------------------------------------------------------------


def manifest(base: str, here: str, service_version: str) -> dict[str, Any]:
    """Return the service manifest; ``here`` is the URL of this server's prefix (ends with /)."""
    service = here + "reconcile"
    return {
        "versions": ["0.2"],
        "name": "consortia-kg: organisations and consortia",
        "identifierSpace": base,
        "schemaSpace": CKG,
        "serviceVersion": service_version,
        "documentation": here,
        "defaultTypes": [rtype.as_dict() for rtype in TYPES.values()],
        "view": {"url": here + "{{id}}"},
        "preview": {
            "url": service + "/preview?id={{id}}",
            "width": PREVIEW_SIZE[0],
            "height": PREVIEW_SIZE[1],
        },
        "suggest": {
            kind: {"service_url": service, "service_path": f"/suggest/{kind}"}
            for kind in ("entity", "type", "property")
        },
        "extend": {
            "propose_properties": {"service_url": service, "service_path": "/propose"},
            "property_settings": [],
        },
        "batchSize": MAX_BATCH,
    }


def suggest_entities(index: EntityIndex, prefix: str, cursor: int, limit: int) -> dict[str, Any]:
    """Return organisations and consortia whose name, acronym or id starts with ``prefix``."""
    wanted = cursor + limit
    found = [
        e
        for e in index.search(prefix, limit=wanted * 4 + 20)
        if e.is_record and e.kind in TYPES and not e.void
    ]
    return {
        "result": [
            {
                "id": e.path,
                "name": e.label,
                "description": TYPES[e.kind].name,
                "notable": [TYPES[e.kind].as_dict()],
            }
            for e in found[cursor:wanted]
        ]
    }


def suggest_types(prefix: str, cursor: int, limit: int) -> dict[str, Any]:
    """Return the types whose name or id starts with (or contains) ``prefix``."""
    needle = prefix.strip().casefold()
    found = [
        {**t.as_dict(), "description": t.description}
        for t in TYPES.values()
        if needle in t.name.casefold() or needle in t.id.casefold()
    ]
    return {"result": found[cursor : cursor + limit]}


def suggest_properties(prefix: str, cursor: int, limit: int) -> dict[str, Any]:
    """Return the properties whose id or name contains ``prefix``."""
    needle = prefix.strip().casefold()
    found = [
        {"id": pid, "name": name, "description": description}
        for pid, (name, description) in PROPERTIES.items()
        if needle in pid or needle in name.casefold()
    ]
    return {"result": found[cursor : cursor + limit]}


def preview_html(entity: Entity, page: str) -> str:
    """Return the small HTML card a client shows in an iframe (every value escaped)."""
    e = html.escape
    rows = [
        ("Type", TYPES[entity.kind].name),
        ("Acronym", ", ".join(entity.acronyms)),
        ("Also", "; ".join([*entity.names, *entity.labels][:4])),
        ("Place", ", ".join([*sorted(entity.cities), *sorted(entity.countries)])),
        ("Ids", ", ".join(f"{s}:{v}" for s, v in sorted(entity.identifiers))),
    ]
    body = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows if v)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(entity.name)}</title><style>"
        "body{font:13px/1.35 system-ui,sans-serif;margin:6px}h1{font-size:15px;margin:0 0 4px}"
        "th{text-align:left;padding-right:8px;color:#555;font-weight:normal;vertical-align:top}"
        "</style></head><body>"
        f'<h1><a href="{e(page)}" target="_blank" rel="noopener">{e(entity.name)}</a></h1>'
        f"<table>{body}</table></body></html>\n"
    )


def callback_name(value: str) -> str:
    """Return a JSONP callback name, refusing anything but a dotted JavaScript name."""
    if not _CALLBACK.match(value) or len(value) > 100:
        raise ReconcileError(
            f"callback={value[:40]!r} is not a JavaScript function name",
            hint="use letters, digits, _ and $ (dotted names allowed), or leave callback out",
        )
    return value


def bounded_int(value: str | None, name: str, default: int, top: int) -> int:
    """Read a whole-number parameter (``cursor``, ``limit``) between 0 and ``top``."""
    if value is None or value == "":
        return default
    if not value.isdigit() or int(value) > top:
        raise ReconcileError(f"{name}={value[:20]} must be a whole number from 0 to {top}")
    return int(value)


def dumps(value: object) -> str:
    """Return JSON as every answer of the service writes it (UTF-8, no ASCII escapes)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
