"""The Reconciliation API 0.2's own JSON schemas, and OpenRefine-shaped requests to a server.

The schemas are the community group's (tests/fixtures/reconciliation-api/0.2/SOURCE.md); a
request is sent as OpenRefine sends it: a form-encoded POST of ``queries=<JSON>``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from functools import cache
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from helpers.paths import FIXTURES

__all__ = ["SPEC", "check", "http", "post_queries"]

#: The 0.2 fixtures: schemas/ and examples/.
SPEC = FIXTURES / "reconciliation-api" / "0.2"


@cache
def _registry() -> Registry:
    resources = []
    for path in sorted((SPEC / "schemas").glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema, DRAFT7)))
    return Registry().with_resources(resources)


@cache
def _validator(name: str) -> Draft7Validator:
    schema = json.loads((SPEC / "schemas" / f"{name}.json").read_text(encoding="utf-8"))
    return Draft7Validator(schema, registry=_registry())


def check(name: str, value: Any) -> Any:
    """Fail unless ``value`` is valid against the spec's schema ``name`` (``manifest``...)."""
    errors = sorted(_validator(name).iter_errors(value), key=str)
    assert not errors, f"{name}: " + "; ".join(e.message for e in errors[:5])
    return value


def http(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, bytes]:
    """GET (or POST ``data``) and return status, headers and body, errors included."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def post_queries(service: str, batch: dict[str, Any]) -> dict[str, Any]:
    """POST a query batch as OpenRefine does; the batch and the answer are checked by the schemas."""
    check("reconciliation-query-batch", batch)
    form = urllib.parse.urlencode({"queries": json.dumps(batch)}).encode()
    status, headers, body = http(
        service, form, {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
    )
    assert status == 200, body[:500]
    assert headers["Content-Type"].startswith("application/json")
    answer: dict[str, Any] = json.loads(body)
    check("reconciliation-result-batch", answer)
    assert set(answer) == set(batch)
    return answer
