"""Map the ELIXIR node map: ELIXIR, its Hub, its national nodes and their institutes.

One file, ``node_map`` (``docs/registries.md`` says where it comes from): JavaScript holding
three ``var NAME = {GeoJSON FeatureCollection};`` assignments, ``hub``, ``leadInstitutes`` and
``nodeInstitutes``. The JavaScript around them is stripped and each object read as JSON (a file
that cannot be read is an error at ``file:line``).

- ELIXIR is a Consortium ``consortium/elixir``; the Hub an ``org:OrganizationalUnit`` of it
  (``organisation/elixir-hub``).
- Each national node (``properties.node``: ``ELIXIR-PT``) is ``organisation/elixir-node-<code>``:
  a member of ELIXIR (role ``node``) and itself a Consortium of its institutes, led by its lead
  institute (``ckg:leadOrganisation``, and a membership with role ``lead-institute``); node
  institutes are members of their node (role ``node-institute``).
- An institute is ``organisation/elixir-<slug of its name>``, with its web address and a place:
  its coordinates, the country name as the file writes it (the Hub and lead institutes only) and
  the ISO code where the country name is one of :data:`COUNTRY_CODES`.

Findings at ``file:line`` (the line where the feature starts), all warnings: a node whose
institutes have no lead institute (kept as a node without a lead), a feature without a name,
node or coordinates (left out), an institute listed twice in one node (kept once).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from consortia_kg import iris
from consortia_kg.errors import Problem, Severity
from consortia_kg.registries.cordis_terms import (
    CONSORTIUM,
    COUNTRY,
    FORMAL_ORG,
    LABEL,
    LATITUDE,
    LOCATION,
    LONGITUDE,
    NAME,
    PLACE,
    SCHEMA_ORG,
    SOURCE,
    URL,
    A,
    http_url,
)
from consortia_kg.registries.memberships import MembershipWriter
from consortia_kg.registries.quads import Claims, QuadSink, iri, literal, typed
from consortia_kg.registries.snapshot import (
    Snapshot,
    SnapshotFile,
    UnreadableFile,
    read_text,
    row_problem,
)
from consortia_kg.vocab import CKG, ORG

__all__ = ["COUNTRY_CODES", "FILES", "VARIABLES", "map_snapshot", "read_node_map"]

#: The file this mapping reads (it has no columns: the variables below are read by name).
FILES: dict[str, tuple[str, ...]] = {"node_map": ()}
#: The three assignments the file holds, in the map's words.
VARIABLES = ("hub", "leadInstitutes", "nodeInstitutes")
#: Country names as the node map writes them → ISO 3166 alpha-2, only for the names that are
#: written exactly so in the GeoNames country names of shared/data/ror-records-v2.0.jsonl
#: (``locations[].geonames_details``; tests/test_registry_nfdi_elixir.py checks each pair
#: there). The map's ``UK``, ``Czech``, ``Swiss``, ``Netherlands``, ``Norway``, ``Estonia`` and
#: ``Luxembourg`` are not written so there: they get no code.
COUNTRY_CODES = {
    "Belgium": "BE",
    "Denmark": "DK",
    "Finland": "FI",
    "France": "FR",
    "Germany": "DE",
    "Greece": "GR",
    "Hungary": "HU",
    "Ireland": "IE",
    "Israel": "IL",
    "Italy": "IT",
    "Portugal": "PT",
    "Slovenia": "SI",
    "Spain": "ES",
    "Sweden": "SE",
}

_ASSIGNMENT = re.compile(r"^[ \t]*var[ \t]+([A-Za-z_$][\w$]*)[ \t]*=[ \t]*", re.MULTILINE)
_FEATURES = re.compile(r'"features"\s*:\s*\[')

HAS_UNIT, UNIT_OF = iri(ORG + "hasUnit"), iri(ORG + "unitOf")
UNIT = iri(ORG + "OrganizationalUnit")
LEAD = iri(CKG + "leadOrganisation")


@dataclass
class Feature:
    """One point of the map, with the line where it starts."""

    line: int
    name: str
    node: str
    website: str | None
    #: the country name as the file writes it (the Hub and lead institutes only)
    location: str
    longitude: Decimal
    latitude: Decimal


@dataclass
class NodeMap:
    """The three collections of the file, as read (features that cannot be used left out)."""

    collections: dict[str, list[Feature]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _unreadable(file: SnapshotFile, line: int, message: str, fix: str) -> UnreadableFile:
    return UnreadableFile(
        row_problem(
            file,
            line,
            file.role,
            message,
            why="the mapping reads the file's three `var NAME = {...};` assignments as JSON",
            fix=fix,
        )
    )


def _decode(file: SnapshotFile, text: str, position: int) -> tuple[Any, int]:
    try:
        return json.JSONDecoder(parse_float=Decimal).raw_decode(text, position)
    except json.JSONDecodeError as exc:
        raise _unreadable(
            file,
            _line(text, exc.pos),
            f"{file.path.name} cannot be read here: {exc.msg}",
            fix="restore the file as published (a file cut short ends in the middle of an "
            "object), or take the snapshot again",
        ) from None


def _feature_lines(text: str, start: int, end: int, count: int) -> list[int]:
    """Return the line each feature of the collection in ``text[start:end]`` starts on."""
    found = _FEATURES.search(text, start, end)
    lines: list[int] = []
    at = found.end() if found else end
    decoder = json.JSONDecoder()
    while found and len(lines) < count:
        while text[at] in " \t\r\n,":
            at += 1
        lines.append(_line(text, at))
        _, at = decoder.raw_decode(text, at)
    return lines + [_line(text, start)] * (count - len(lines))


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    return Decimal(value)


def read_node_map(file: SnapshotFile) -> NodeMap:
    """Read the three collections; raise ``UnreadableFile`` for a file that is not such JS."""
    text = read_text(file)
    result = NodeMap()
    for match in _ASSIGNMENT.finditer(text):
        name = match[1]
        if name not in VARIABLES:
            continue
        value, end = _decode(file, text, match.end())
        features = value.get("features") if isinstance(value, dict) else None
        if not isinstance(features, list):
            raise _unreadable(
                file,
                _line(text, match.start()),
                f"`{name}` is not a GeoJSON FeatureCollection (no `features` list)",
                fix="restore the file as published",
            )
        lines = _feature_lines(text, match.end(), end, len(features))
        result.collections[name] = [
            f
            for f in (
                _read_feature(file, name, item, line, result.problems)
                for item, line in zip(features, lines, strict=True)
            )
            if f is not None
        ]
    missing = [name for name in VARIABLES if name not in result.collections]
    if missing:
        raise _unreadable(
            file,
            1,
            f"{file.path.name} has no `var {missing[0]} = {{...}};`"
            + (f" (nor {', '.join(missing[1:])})" if len(missing) > 1 else ""),
            fix="restore the file as published: it assigns " + ", ".join(VARIABLES),
        )
    return result


def _read_feature(
    file: SnapshotFile, collection: str, item: Any, line: int, problems: list[Problem]
) -> Feature | None:
    properties = item.get("properties") if isinstance(item, dict) else None
    geometry = item.get("geometry") if isinstance(item, dict) else None
    properties = properties if isinstance(properties, dict) else {}
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    name = properties.get("name")
    node = properties.get("node")
    lon, lat = (
        (_number(coordinates[0]), _number(coordinates[1]))
        if isinstance(coordinates, list) and len(coordinates) == 2
        else (None, None)
    )
    lacking = [
        what
        for what, ok in (
            ("a name", isinstance(name, str) and name.strip()),
            ("a node", isinstance(node, str) and node.strip()),
            (
                "coordinates",
                lon is not None and lat is not None and abs(lon) <= 180 and abs(lat) <= 90,
            ),
        )
        if not ok
    ]
    if lacking or lon is None or lat is None:
        problems.append(
            row_problem(
                file,
                line,
                collection,
                f"a feature of `{collection}`"
                + (f" ({name.strip()})" if isinstance(name, str) and name.strip() else "")
                + f" has no {' and no '.join(lacking)}",
                why="an institute is placed on the map by its name, node and coordinates "
                "(longitude, latitude); it is left out",
                fix="nothing to do in the snapshot; report it to the map's maintainers",
                severity=Severity.WARNING,
            )
        )
        return None
    website = properties.get("website")
    location = item.get("location")
    return Feature(
        line,
        str(name).strip(),
        str(node).strip(),
        http_url(website) if isinstance(website, str) else None,
        location.strip() if isinstance(location, str) else "",
        lon,
        lat,
    )


def _decimal(value: Decimal) -> str:
    text = format(value, "f")
    return text if "." in text else text + ".0"


@dataclass
class Summary:
    """What the mapping made of the snapshot (reported by the build)."""

    nodes: int = 0
    led: int = 0
    institutes: int = 0
    memberships: int = 0


class _Mapper:
    def __init__(self, base: str, out: QuadSink, source: str, file: SnapshotFile) -> None:
        self.base, self.out, self.source, self.file = base, out, source, file
        self.summary = Summary()
        self.memberships = MembershipWriter(out, base, source)
        #: institute slug → its name (two names on one slug are told apart)
        self.slugs: dict[str, str] = {}
        self.institutes: dict[str, str] = {}
        self.nodes: dict[str, str] = {}
        self.elixir = iri(iris.consortium_iri(base, "elixir"))

    def warn(self, line: int, key: str, message: str, why: str) -> None:
        self.out.problems.append(
            row_problem(
                self.file,
                line,
                key,
                message,
                why=why,
                fix="nothing to do in the snapshot; report it to the map's maintainers",
                severity=Severity.WARNING,
            )
        )

    def place(self, o: str, feature: Feature) -> None:
        add = self.out.add
        place = iri(iris.location_iri(o[1:-1], 1))
        add(o, LOCATION, place)
        add(place, A, PLACE)
        add(place, LATITUDE, typed(_decimal(feature.latitude), "decimal"))
        add(place, LONGITUDE, typed(_decimal(feature.longitude), "decimal"))
        if feature.location:
            add(place, NAME, literal(feature.location))
            code = COUNTRY_CODES.get(feature.location)
            if code:
                add(place, COUNTRY, literal(code))

    def consortium(self, hub: list[Feature]) -> None:
        add, c = self.out.add, self.elixir
        add(c, A, CONSORTIUM)
        add(c, LABEL, literal("ELIXIR"))
        add(c, NAME, literal("ELIXIR"))
        add(c, SOURCE, self.source)
        for feature in hub[:1]:
            h = iri(iris.organisation_iri(self.base, "elixir-hub"))
            add(h, A, UNIT)
            add(h, LABEL, literal(feature.name))
            add(h, NAME, literal(feature.name))
            add(h, SOURCE, self.source)
            if feature.website:
                add(h, URL, feature.website)
            self.place(h, feature)
            add(c, HAS_UNIT, h)
            add(h, UNIT_OF, c)

    def node(self, name: str) -> str:
        """Return the node's IRI term, writing the node (a member of ELIXIR) the first time."""
        found = self.nodes.get(name)
        if found is not None:
            return found
        code = iris.slugify(name.removeprefix("ELIXIR-").removeprefix("ELIXIR "))
        n = self.nodes[name] = iri(iris.organisation_iri(self.base, f"elixir-node-{code}"))
        add = self.out.add
        self.summary.nodes += 1
        add(n, A, CONSORTIUM)
        add(n, A, FORMAL_ORG)
        add(n, A, SCHEMA_ORG)
        add(n, LABEL, literal(name))
        add(n, NAME, literal(name))
        add(n, SOURCE, self.source)
        self.membership(self.elixir, n, f"elixir-node-{code}", "node")
        return n

    def institute(self, feature: Feature) -> tuple[str, str]:
        """Return (IRI term, slug) of the institute, writing it the first time."""
        slug = self.institutes.get(feature.name)
        if slug is not None:
            return iri(iris.organisation_iri(self.base, slug)), slug
        slug = base_slug = f"elixir-{iris.slugify(feature.name)}"
        suffix = 1
        while slug in self.slugs:
            suffix += 1
            slug = f"{base_slug}-{suffix}"
        if suffix > 1:
            self.warn(
                feature.line,
                "name",
                f"`{feature.name}` and `{self.slugs[base_slug]}` make the same IRI; this one "
                f"is {slug}",
                why="institutes are named by the slug of their name",
            )
        self.slugs[slug] = feature.name
        self.institutes[feature.name] = slug
        o = iri(iris.organisation_iri(self.base, slug))
        add = self.out.add
        self.summary.institutes += 1
        add(o, A, FORMAL_ORG)
        add(o, A, SCHEMA_ORG)
        add(o, LABEL, literal(feature.name))
        add(o, NAME, literal(feature.name))
        add(o, SOURCE, self.source)
        if feature.website:
            add(o, URL, feature.website)
        self.place(o, feature)
        return o, slug

    def membership(self, group: str, member: str, slug: str, role: str) -> None:
        self.summary.memberships += 1
        self.memberships.write(group, member, slug, role)

    def institutes_of_nodes(self, leads: list[Feature], members: list[Feature]) -> None:
        led: dict[str, Feature] = {}
        for feature in leads:
            first = led.setdefault(feature.node, feature)
            if first is not feature:
                self.warn(
                    feature.line,
                    "leadInstitutes",
                    f"{feature.node} has a second lead institute, {feature.name} (the first, "
                    f"{first.name}, is on line {first.line})",
                    why="a node has one lead institute; the second is kept as a node institute",
                )
                members = [feature, *members]
                continue
            n = self.node(feature.node)
            o, slug = self.institute(feature)
            self.out.add(n, LEAD, o)
            self.membership(n, o, slug, "lead-institute")
            self.summary.led += 1
        seen: dict[tuple[str, str], int] = {}
        unled: set[str] = set()
        for feature in members:
            line = seen.setdefault((feature.node, feature.name), feature.line)
            if line != feature.line:
                self.warn(
                    feature.line,
                    "nodeInstitutes",
                    f"{feature.name} is listed twice in {feature.node} (lines {line} and "
                    f"{feature.line})",
                    why="an institute is a member of its node once; it is kept once",
                )
                continue
            if feature.node not in led and feature.node not in unled:
                unled.add(feature.node)
                self.warn(
                    feature.line,
                    "nodeInstitutes",
                    f"node {feature.node} has no lead institute (its first institute: "
                    f"{feature.name})",
                    why="each node is led by a lead institute; this one is kept as a node "
                    "without a lead",
                )
            n = self.node(feature.node)
            o, slug = self.institute(feature)
            if feature.node in led and led[feature.node].name == feature.name:
                continue  # the lead institute is a member already
            self.membership(n, o, slug, "node-institute")


def map_snapshot(snapshot: Snapshot, base: str, claims: Claims, out: QuadSink, source: str) -> str:
    """Write ELIXIR, its Hub, nodes, institutes and memberships; return a summary line."""
    del claims  # no record format names an ELIXIR institute yet
    file = snapshot.file("node_map")
    node_map = read_node_map(file)
    out.problems.extend(node_map.problems)
    mapper = _Mapper(base, out, source, file)
    mapper.consortium(node_map.collections["hub"])
    mapper.institutes_of_nodes(
        node_map.collections["leadInstitutes"], node_map.collections["nodeInstitutes"]
    )
    s = mapper.summary
    return (
        f"ELIXIR with {s.nodes} nodes ({s.led} with a lead institute), {s.institutes} "
        f"institutes, {s.memberships} memberships"
    )
