"""``/reconcile``: the W3C Reconciliation API 0.2 over the curated records, as OpenRefine uses it.

One server for the module over the curated records (DATA), with a base IRI that has a path so
that every URL the manifest gives is checked to keep it. Every answer is validated against the
API's own JSON schemas (tests/fixtures/reconciliation-api/0.2); every batch sent is checked to be
a valid query batch first. Expected candidates are read from the records' YAML, never written
here.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from consortia_kg.reconcile import Entity, Reconciler
from consortia_kg.serve import reconcile as api
from consortia_kg.serve.server import BackgroundServer
from helpers.paths import DATA
from helpers.reconciliation import SPEC, check, http, post_queries

ORGANISATION = api.TYPES["organisation"].id
CONSORTIUM = api.TYPES["consortium"].id


def _records(kind: str) -> list[dict[str, Any]]:
    folder = {"organisation": "organisations", "consortium": "consortia"}[kind]
    out = []
    for path in sorted((DATA / folder).glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        out.append({**record, "path": f"{kind}/{record['id']}", "kind": kind})
    return out


RECORDS = _records("organisation") + _records("consortium")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    work = tmp_path_factory.mktemp("reconcile")
    with BackgroundServer.for_data(
        DATA, work, base_path="/kg/", workers=2, reload_interval=0
    ) as running:
        yield running


@pytest.fixture(scope="module")
def service(server: BackgroundServer) -> str:
    return server.url + "reconcile"


def _get(url: str, **params: str) -> tuple[int, Any, bytes]:
    return http(url + ("?" + urllib.parse.urlencode(params) if params else ""))


# --- the manifest -------------------------------------------------------------------------------


def test_manifest_is_valid_and_its_urls_answer(server: BackgroundServer, service: str) -> None:
    status, headers, body = _get(service)
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    manifest = check("manifest", json.loads(body))
    assert "0.2" in manifest["versions"]
    assert manifest["identifierSpace"] == server.config.base
    assert {t["id"] for t in manifest["defaultTypes"]} == {ORGANISATION, CONSORTIUM}
    assert manifest["batchSize"] == api.MAX_BATCH
    record = RECORDS[0]
    view = manifest["view"]["url"].replace("{{id}}", record["path"])
    status, _, page = http(view, headers={"Accept": "text/html"})
    assert status == 200 and record["name"].encode() in page
    preview = manifest["preview"]["url"].replace("{{id}}", urllib.parse.quote(record["path"]))
    status, headers, _ = http(preview)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    for what, schema in (("entity", "entities"), ("type", "types"), ("property", "properties")):
        suggest = manifest["suggest"][what]
        status, _, body = _get(suggest["service_url"] + suggest["service_path"], prefix="a")
        assert status == 200, (what, body[:300])
        check(f"suggest-{schema}-response", json.loads(body))


def test_jsonp_wraps_the_manifest_and_refuses_a_callback_that_is_not_a_name(
    service: str,
) -> None:
    status, headers, body = _get(service, callback="jQuery123_456")
    assert status == 200 and "javascript" in headers["Content-Type"]
    wrapped = re.fullmatch(rb"/\*\*/jQuery123_456\((.*)\);", body, re.DOTALL)
    assert wrapped is not None
    check("manifest", json.loads(wrapped.group(1)))
    status, _, body = _get(service, callback="alert(1)//")
    assert status == 400 and b"callback" in body


@pytest.mark.parametrize("origin", [None, "https://openrefine.example"])
def test_every_answer_allows_any_origin(service: str, origin: str | None) -> None:
    headers = {"Origin": origin} if origin else {}
    batch = json.dumps({"q0": {"query": RECORDS[0]["name"]}})
    for url in (
        service,
        service + "?" + urllib.parse.urlencode({"queries": batch}),
        service + "/suggest/entity?prefix=a",
        service + "/preview?" + urllib.parse.urlencode({"id": RECORDS[0]["path"]}),
    ):
        status, answer, _ = http(url, headers=headers)
        assert status == 200 and answer["Access-Control-Allow-Origin"] == "*", url


# --- queries ------------------------------------------------------------------------------------


def test_every_record_is_found_by_its_name_as_a_certain_match(service: str) -> None:
    from consortia_kg.reconcile import normalise_name
    from consortia_kg.reconcile.engine import SHORT_NAME

    batch = {f"q{i}": {"query": r["name"]} for i, r in enumerate(RECORDS)}
    answer = post_queries(service, batch)
    for key, record in zip(batch, RECORDS, strict=True):
        best = answer[key]["result"][0]
        assert (best["id"], best["name"], best["score"]) == (record["path"], record["name"], 100)
        # a name of one short word ("DNAstack") is as often an acronym: never a match by itself
        norm = normalise_name(record["name"])
        short = " " not in norm and len(norm) <= SHORT_NAME
        assert best["match"] is not short, best
        assert best["type"][0]["id"] == api.TYPES[record["kind"]].id


def test_get_answers_as_post_does(service: str) -> None:
    batch = {"q0": {"query": RECORDS[-1]["name"]}, "q1": {"query": RECORDS[0]["name"][:-2]}}
    status, _, body = _get(service, queries=json.dumps(batch))
    assert status == 200
    assert check("reconciliation-result-batch", json.loads(body)) == post_queries(service, batch)


def test_a_type_keeps_candidates_of_that_type(service: str) -> None:
    consortium = next(r for r in RECORDS if r["kind"] == "consortium")
    batch = {
        "any": {"query": consortium["name"]},
        "org": {"query": consortium["name"], "type": ORGANISATION, "type_strict": "should"},
        "both": {"query": consortium["name"], "type": [ORGANISATION, CONSORTIUM]},
    }
    answer = post_queries(service, batch)
    assert answer["any"]["result"][0]["id"] == consortium["path"]
    assert answer["both"]["result"][0]["id"] == consortium["path"]
    assert all(c["type"][0]["id"] == ORGANISATION for c in answer["org"]["result"])


def test_an_identifier_property_finds_its_record_without_a_name(service: str) -> None:
    with_ids = [r for r in RECORDS if r.get("identifiers")]
    assert with_ids, "the curated records carry registry identifiers"
    batch = {
        f"q{i}": {
            "properties": [
                {"pid": r["identifiers"][0]["scheme"], "v": str(r["identifiers"][0]["value"])}
            ]
        }
        for i, r in enumerate(with_ids)
    }
    answer = post_queries(service, batch)
    for key, record in zip(batch, with_ids, strict=True):
        assert [(c["id"], c["match"]) for c in answer[key]["result"]] == [(record["path"], True)]


def test_an_entity_id_as_the_query_finds_the_entity(server: BackgroundServer, service: str) -> None:
    record = RECORDS[-1]
    batch = {"id": {"query": record["path"]}, "iri": {"query": server.config.base + record["path"]}}
    answer = post_queries(service, batch)
    for key in batch:
        assert [(c["id"], c["score"], c["match"]) for c in answer[key]["result"]] == [
            (record["path"], 100, True)
        ]


def test_limit_caps_the_candidates(service: str) -> None:
    words = "Center for Data Science"  # near two records' names (CTDS, CSC)
    answer = post_queries(service, {"q": {"query": words, "limit": 1}, "all": {"query": words}})
    assert len(answer["all"]["result"]) >= 2
    assert answer["q"]["result"] == answer["all"]["result"][:1]


# --- what is refused, and why -----------------------------------------------------------------


def _refused(service: str, batch: str) -> str:
    form = urllib.parse.urlencode({"queries": batch}).encode()
    status, _, body = http(service, form)
    assert status == 400, body[:300]
    return body.decode()


@pytest.mark.parametrize(
    "path", sorted((SPEC / "examples" / "reconciliation-query-batch" / "invalid").glob("*.json"))
)
def test_the_specs_invalid_batches_are_refused(service: str, path: Path) -> None:
    _refused(service, path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("batch", "said"),
    [
        ("{not json", "not JSON"),
        ('["a list"]', "JSON object"),
        ('{"q0": {"query": "x", "type": "Person"}}', "'Person' is not a type"),
        ('{"q0": {"query": "x", "properties": [{"pid": "colour", "v": "red"}]}}', "colour"),
        ('{"q0": {"query": "x", "properties": [{"pid": "country", "v": "Atlantis"}]}}', "ISO"),
        ('{"q0": {"query": "x", "limit": 0}}', "limit"),
        (json.dumps({"q0": {"query": "x" * (api.MAX_TEXT + 1)}}), "at most"),
        (json.dumps({f"q{i}": {"query": "x"} for i in range(api.MAX_BATCH + 1)}), "at most"),
    ],
)
def test_a_mistake_is_a_400_that_says_what_to_fix(service: str, batch: str, said: str) -> None:
    text = _refused(service, batch)
    assert said in text, text


def test_a_body_that_is_not_a_form_is_refused(service: str) -> None:
    status, _, body = http(service, b'{"q0": {}}', {"Content-Type": "application/json"})
    assert status == 415 and b"x-www-form-urlencoded" in body


# --- data extension -----------------------------------------------------------------------------


def test_extension_proposes_its_properties(service: str) -> None:
    _, _, body = _get(service)
    extend = json.loads(body)["extend"]["propose_properties"]
    url = extend["service_url"] + extend["service_path"]
    status, _, body = _get(url, type=ORGANISATION)
    proposal = check("data-extension-property-proposal", json.loads(body))
    assert status == 200 and proposal["type"] == ORGANISATION
    assert {"country", "homepage", "acronym", "ror", "pic"} <= {
        p["id"] for p in proposal["properties"]
    }
    status, _, _ = _get(url, type="Person")
    assert status == 400


def test_extension_adds_the_records_values(service: str) -> None:
    chosen = [r for r in RECORDS if r.get("homepage") and r.get("identifiers")][:3]
    chosen += [r for r in RECORDS if r.get("acronym")][:2]
    assert len(chosen) >= 2
    properties = ["acronym", "homepage", "ga4gh-registry", "pic", "country"]
    query = {
        "ids": [r["path"] for r in chosen] + ["organisation/no-such-record"],
        "properties": [{"id": p} for p in properties],
    }
    check("data-extension-query", query)
    form = urllib.parse.urlencode({"extend": json.dumps(query)}).encode()
    status, _, body = http(service, form)
    assert status == 200, body[:300]
    answer = check("data-extension-response", json.loads(body))
    assert [m["id"] for m in answer["meta"]] == properties
    for record in chosen:
        row = {
            p: [v["str"] for v in values] for p, values in answer["rows"][record["path"]].items()
        }
        assert row["acronym"] == ([record["acronym"]] if record.get("acronym") else [])
        assert row["homepage"] == ([record["homepage"]] if record.get("homepage") else [])
        for scheme in ("ga4gh-registry", "pic"):
            given = [
                str(i["value"]) for i in record.get("identifiers", []) if i["scheme"] == scheme
            ]
            assert row[scheme] == sorted(given)
    assert all(v == [] for v in answer["rows"]["organisation/no-such-record"].values())
    status, _, body = _get(service, extend=json.dumps({"ids": [], "properties": [{"id": "x"}]}))
    assert status == 400 and b"'x' is not a property" in body


# --- preview and suggest ------------------------------------------------------------------------


def test_preview_shows_a_record_and_refuses_an_unknown_id(service: str) -> None:
    record = next(r for r in RECORDS if r.get("acronym"))
    status, _, body = _get(service + "/preview", id=record["path"])
    page = body.decode()
    assert status == 200 and record["acronym"] in page and record["path"] in page
    status, _, _ = _get(service + "/preview", id="organisation/no-such-record")
    assert status == 404


def test_preview_escapes_what_it_shows() -> None:
    entity = Entity(
        "organisation/x", "organisation", "<script>alert(1)</script>", acronyms=("A&B",)
    )
    page = api.preview_html(entity, 'http://h/"x')
    assert "<script>" not in page and "&lt;script&gt;" in page and "A&amp;B" in page
    assert 'href="http://h/&quot;x"' in page


def test_suggest_finds_a_record_by_the_start_of_its_name_and_pages_with_cursor(
    service: str,
) -> None:
    record = RECORDS[0]
    prefix = record["name"][:4]
    status, _, body = _get(service + "/suggest/entity", prefix=prefix)
    found = check("suggest-entities-response", json.loads(body))["result"]
    assert status == 200 and record["path"] in [s["id"] for s in found]
    _, _, body = _get(service + "/suggest/entity", prefix=prefix, cursor="1")
    assert check("suggest-entities-response", json.loads(body))["result"] == found[1:]
    status, _, _ = _get(service + "/suggest/entity", prefix=prefix, cursor="-1")
    assert status == 400


def test_suggest_types_and_properties(service: str) -> None:
    _, _, body = _get(service + "/suggest/type", prefix="consort")
    types = check("suggest-types-response", json.loads(body))["result"]
    assert [t["id"] for t in types] == [CONSORTIUM]
    _, _, body = _get(service + "/suggest/property", prefix="coun")
    properties = check("suggest-properties-response", json.loads(body))["result"]
    assert [p["id"] for p in properties] == ["country"]


# --- the protocol without HTTP: countries, and a country that conflicts -----------------------


@pytest.mark.parametrize(
    ("given", "code"),
    [("de", "DE"), ("DEU", "DE"), ("Germany", "DE"), ("United Kingdom", "GB"), ("UK", "GB"),
     ("EL", "GR"), ("na", "NA"), ("United States", "US"), ("Côte d'Ivoire", "CI"), ("korea", None),
     ("Atlantis", None), ("XX", None)],
)  # fmt: skip
def test_a_country_is_a_code_or_a_name(given: str, code: str | None) -> None:
    assert api.resolve_country(given) == code


def test_a_country_by_name_reaches_the_engine() -> None:
    engine = Reconciler(
        [Entity("organisation/a", "organisation", "Institut Alpha", countries=frozenset({"FR"}))]
    )
    (_, same), (_, other) = api.parse_batch(
        json.dumps(
            {
                "same": {
                    "query": "Institut Alpha",
                    "properties": [{"pid": "country", "v": "France"}],
                },
                "other": {
                    "query": "Institut Alpha",
                    "properties": [{"pid": "country", "v": "Spain"}],
                },
            }
        ),
        "http://h/",
    )
    assert [(c["score"], c["match"]) for c in api.answer(engine, same)] == [(100, True)]
    [conflict] = api.answer(engine, other)
    assert conflict["score"] < 100 and conflict["match"] is False
