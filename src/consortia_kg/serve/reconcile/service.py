"""The service around the queries: its manifest, suggest, preview, and how answers are written."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from consortia_kg.reconcile import Entity
from consortia_kg.vocab import CKG

from ..index import EntityIndex
from .terms import MAX_BATCH, PREVIEW_SIZE, PROPERTIES, TYPES, ReconcileError

__all__ = [
    "bounded_int",
    "callback_name",
    "dumps",
    "manifest",
    "preview_html",
    "suggest_entities",
    "suggest_properties",
    "suggest_types",
]

_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$")


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
