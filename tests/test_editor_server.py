"""What the server gives the query page's editor: its settings, its bundle, its policy.

Over the real server (``real_server``); the browser's side is in test_editor_browser.py.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import pytest

from consortia_kg.paths import ontology_file
from consortia_kg.query.named import list_queries
from consortia_kg.serve.front import CONTENT_SECURITY_POLICY, EDITOR_CONTENT_SECURITY_POLICY
from consortia_kg.serve.server import BackgroundServer
from consortia_kg.vocab import OWL, PREFIXES, RDF

_VENDOR = Path(__file__).resolve().parents[1] / "src/consortia_kg/serve/static/vendor"


def fetch(url: str, data: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=data, headers={"Accept": "text/html"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, _lower(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _lower(error.headers.items()), error.read()


def _lower(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {k.lower(): v for k, v in pairs}


def test_settings_name_our_terms_prefixes_and_queries(real_server: BackgroundServer) -> None:
    status, headers, body = fetch(f"{real_server.url}sparql/editor.json")
    assert status == 200 and headers["content-type"].startswith("application/json")
    settings = json.loads(body)
    ontology = list(ox.parse(path=str(ontology_file()), format=ox.RdfFormat.TURTLE))
    typed = {
        (t.subject.value, t.object.value) for t in ontology if t.predicate.value == RDF + "type"
    }
    assert {s for s, o in typed if o == OWL + "Class"} <= set(settings["classes"])
    assert {s for s, o in typed if o == OWL + "ObjectProperty"} <= set(settings["properties"])
    assert not set(settings["classes"]) & set(settings["properties"])
    assert {k: settings["prefixes"][k] for k in PREFIXES} == PREFIXES
    assert [q["name"] for q in settings["examples"]] == sorted(q.name for q in list_queries())
    named = {q.name: q.text for q in list_queries()}
    assert all(q["text"] == named[q["name"]] for q in settings["examples"])
    # nothing outside this server: the endpoint is ours, relative
    assert settings["endpoint"].endswith("sparql") and "//" not in settings["endpoint"]


def test_query_page_loads_the_bundle_under_its_own_policy(real_server: BackgroundServer) -> None:
    status, headers, body = fetch(f"{real_server.url}sparql")
    page = body.decode()
    assert status == 200
    assert headers["content-security-policy"] == EDITOR_CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in EDITOR_CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in EDITOR_CONTENT_SECURITY_POLICY
    assert 'src="/static/vendor/yasgui.min.js"' in page and 'src="/static/editor.js"' in page
    assert "http" not in "".join(
        line for line in page.splitlines() if "<script src" in line or "stylesheet" in line
    )
    # every other page keeps the strict policy
    status, headers, _ = fetch(real_server.url)
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_without_javascript_the_form_posts_and_answers(real_server: BackgroundServer) -> None:
    status, _, body = fetch(f"{real_server.url}sparql")
    assert 'method="post"' in body.decode() and 'name="query"' in body.decode()
    form = urllib.parse.urlencode(
        {
            "query": "SELECT ?name WHERE { ?c a <https://w3id.org/consortia-kg/ontology#Consortium> ;"
            " <http://www.w3.org/2000/01/rdf-schema#label> ?name }",
            "format": "html",
        }
    ).encode()
    status, headers, body = fetch(f"{real_server.url}sparql", form)
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "Global Alliance for Genomics and Health" in body.decode()


@pytest.mark.skipif(
    not (_VENDOR / "yasgui.min.js").is_file(),
    reason="the editor bundle is not built: pip install -e .",
)
def test_bundle_is_served_from_vendor_and_only_its_files(real_server: BackgroundServer) -> None:
    for name, kind in (("yasgui.min.js", "text/javascript"), ("yasgui.min.css", "text/css")):
        status, headers, body = fetch(f"{real_server.url}static/vendor/{name}")
        assert status == 200 and headers["content-type"].startswith(kind)
        assert body == (_VENDOR / name).read_bytes()
    for wrong in ("vendor/NOTICE", "vendor/../style.css", "vendor/x/yasgui.min.js", "other/a.js"):
        assert fetch(f"{real_server.url}static/{wrong}")[0] == 404, wrong
