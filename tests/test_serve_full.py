"""The server over the whole default graph: 12,000 consortia, registry snapshots and licences.

One server for the module, over the default data with its registry snapshots, built once
(about a minute and a half: the base IRI is the server's own address, so ``full_dist`` cannot be
shared). Every expected value is read from the data: counts from SPARQL on the same store,
licences and attributions from the snapshots' ``snapshot.yaml``, the busiest organisation and a
nameless one by query.
"""

from __future__ import annotations

import html
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import rdflib

from consortia_kg.registries import registry_sources
from consortia_kg.registries.snapshot import NO_LICENCE, Snapshot
from consortia_kg.serve.index import COUNT_NAMES, COUNTED
from consortia_kg.serve.licences import licence_name
from consortia_kg.serve.pages import PAGE_SIZE
from consortia_kg.serve.server import BackgroundServer
from consortia_kg.serve.views.home import LIST_PAGE
from consortia_kg.vocab import DCTERMS, ORG, RDFS, SKOS
from helpers.paths import REAL_DATA

CC = rdflib.Namespace("http://creativecommons.org/ns#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
RECORDS_LICENCE = "https://creativecommons.org/publicdomain/zero/1.0/"


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    request = urllib.request.Request(url, headers=headers or {"Accept": "text/html"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@dataclass
class Full:
    """The running server, how long its first answer took, and the snapshots it serves."""

    server: BackgroundServer
    first_answer: float
    snapshots: list[Snapshot]

    def url(self, path: str) -> str:
        return self.server.url + path

    def iri(self, path: str) -> str:
        return self.server.config.base + path

    def page(self, path: str) -> str:
        status, _, body = fetch(self.url(path))
        assert status == 200, (path, body[:500])
        return body.decode()

    def select(self, query: str) -> list[dict[str, str]]:
        url = self.url("sparql?" + urllib.parse.urlencode({"query": query}))
        status, _, body = fetch(url, {"Accept": "application/sparql-results+json"})
        assert status == 200, body[:500]
        rows = json.loads(body)["results"]["bindings"]
        return [{k: v["value"] for k, v in row.items()} for row in rows]


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Full]:
    work = tmp_path_factory.mktemp("serve-full")
    running = BackgroundServer.for_data(REAL_DATA, work, workers=2, reload_interval=0)
    started = time.monotonic()
    with running:
        status, _, _ = fetch(running.url)
        assert status == 200
        snapshots = registry_sources(REAL_DATA)
        assert snapshots, "the default data holds no registry snapshot to test"
        yield Full(running, time.monotonic() - started, snapshots)


def text_of(page: str) -> str:
    """The page's visible text, one space between words."""
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def section(page: str, anchor: str) -> str:
    found = re.search(rf'<section id="{anchor}".*?</section>', page, flags=re.S)
    assert found is not None, anchor
    return found.group(0)


def listed(page: str) -> str:
    found = re.search(r'<ul class="things" id="things">.*?</ul>', page, flags=re.S)
    assert found is not None
    return found.group(0)


def links_in(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', html)


# --- starting, counting, paging -----------------------------------------------------------------


def test_first_answer_within_the_startup_wait(full: Full) -> None:
    # the server indexes 1.76 million quads before it answers
    assert full.first_answer < full.server.startup_seconds
    print(f"first answer {full.first_answer:.1f} s after start")


def test_home_page_counts_match_sparql(full: Full) -> None:
    counts = section(full.page(""), "counts")
    for cls, plural in COUNTED:
        (row,) = full.select(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{cls}> }}")
        n = int(row["n"])
        if n:
            name = plural if n != 1 else COUNT_NAMES[plural]
            assert f"<strong>{n:,}</strong> {name}</li>" in counts, (cls, n)
    assert "consortia</li>" in counts  # thousands of them: the plural


def test_home_page_lists_a_few_and_links_to_the_list(full: Full) -> None:
    consortia = section(full.page(""), "consortium")
    shown = links_in(consortia.split('<p class="all">')[0])
    (row,) = full.select(
        "PREFIX ckg: <https://w3id.org/consortia-kg/ontology#> "
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ckg:Consortium }"
    )
    assert 0 < len(shown) < int(row["n"])
    assert f'href="{full.server.config.prefix}consortium/"' in consortia


def test_list_pages_are_paged(full: Full) -> None:
    first = full.page("consortium/")
    second = full.page("consortium/?page=2")
    items = [links_in(listed(page)) for page in (first, second)]
    assert 0 < len(items[0]) <= LIST_PAGE and 0 < len(items[1]) <= LIST_PAGE
    assert not set(items[0]) & set(items[1])
    assert 'rel="next" href="?page=2"' in first
    status, _, _ = fetch(full.url("consortium/?page=999999"))
    assert status == 404


def test_busiest_organisation_is_paged(full: Full) -> None:
    (busiest,) = full.select(
        f"SELECT ?o (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?m <{ORG}member> ?o }} "
        "GROUP BY ?o ORDER BY DESC(?n) LIMIT 1"
    )
    n = int(busiest["n"])
    path = busiest["o"][len(full.server.config.base) :]
    started = time.monotonic()
    page = full.page(f"{path}.html")
    seconds = time.monotonic() - started
    rows = section(page, "consortia").count("<tr>") - 1  # the header row
    assert rows == min(n, PAGE_SIZE)
    assert seconds < full.server.config.timeout
    if n > PAGE_SIZE:
        assert f"{n} in all" in text_of(section(page, "consortia"))
        second = section(full.page(f"{path}.html?page=2"), "consortia")
        assert 0 < second.count("<tr>") - 1 <= PAGE_SIZE
        assert links_in(second) != links_in(section(page, "consortia"))


# --- registry things on pages --------------------------------------------------------------------


def test_an_organisation_known_by_pic_only_says_so(full: Full) -> None:
    (row,) = full.select(
        f"SELECT ?o ?id WHERE {{ ?o a <{ORG}FormalOrganization> ; <{DCTERMS}identifier> ?id . "
        f'FILTER(STRSTARTS(?id, "pic:")) FILTER NOT EXISTS {{ ?o <{RDFS}label> ?l }} }} LIMIT 1'
    )
    pic = row["id"].removeprefix("pic:")
    page = full.page(row["o"][len(full.server.config.base) :] + ".html")
    heading = re.search(r"<h1>(.*?)</h1>", page).group(1)  # type: ignore[union-attr]
    assert heading == f"PIC {pic}"
    assert "Known by PIC only" in text_of(page) and "gives no name for it" in text_of(page)


def test_a_cordis_consortium_page_names_licence_and_attribution(full: Full) -> None:
    for snapshot in full.snapshots:
        source = full.iri(f"registry/{snapshot.id}")
        (row,) = full.select(
            f"SELECT ?c WHERE {{ ?c a <https://w3id.org/consortia-kg/ontology#Consortium> ; "
            f"<{DCTERMS}source> <{source}> }} LIMIT 1"
        )
        text = text_of(full.page(row["c"][len(full.server.config.base) :] + ".html"))
        credit = f"Facts from {snapshot.title}, {snapshot.attribution}, "
        assert credit + licence_name(snapshot.licence) in text
    cordis = [s for s in full.snapshots if s.id == "cordis-h2020"]
    assert cordis and licence_name(cordis[0].licence) == "CC BY 4.0"
    assert cordis[0].attribution == "CORDIS, European Commission"


def test_a_curated_record_with_registry_memberships_names_both(full: Full) -> None:
    (row,) = full.select(
        f"SELECT ?o WHERE {{ GRAPH ?g {{ ?o <{DCTERMS}identifier> ?id }} "
        f'FILTER(STRSTARTS(?id, "pic:") && STRSTARTS(STR(?g), "{full.iri("graph/organisation/")}")) '
        f"?m <{ORG}member> ?o }} LIMIT 1"
    )
    page = full.page(row["o"][len(full.server.config.base) :] + ".html")
    provenance = text_of(section(page, "provenance"))
    assert "CC0 1.0" in provenance  # the curated record
    assert any(s.attribution in provenance for s in full.snapshots)


def test_an_organisation_page_names_the_same_organisation_in_other_sources(full: Full) -> None:
    # the node with the most links across sources, and each linked node's name and source
    rows = full.select(
        f"SELECT ?o ?linked ?name ?source WHERE {{ "
        f"{{ SELECT ?o WHERE {{ GRAPH <{full.iri('graph/links')}> {{ ?o <{SKOS}exactMatch> ?x }} }}"
        f" GROUP BY ?o ORDER BY DESC(COUNT(?x)) ?o LIMIT 1 }} "
        f"GRAPH <{full.iri('graph/links')}> {{ ?o <{SKOS}exactMatch> ?linked }} "
        f"OPTIONAL {{ ?linked <{RDFS}label> ?name }} "
        f"?linked <{DCTERMS}source> ?registry . ?registry <{RDFS}label> ?source }}"
    )
    assert rows, "the default graph has no links across sources"
    page = full.page(rows[0]["o"][len(full.server.config.base) :] + ".html")
    same = section(page, "same-elsewhere")
    assert same.count("<tr>") - 1 == len({r["linked"] for r in rows})
    for r in rows:
        assert (
            f'href="{full.server.config.prefix}{r["linked"][len(full.server.config.base) :]}"'
            in same
        )
        assert r["source"] in text_of(same) and r.get("name", "") in text_of(same)
    # an external IRI (GEPRIS, ROR) is no node of ours: it stays among the facts only
    assert all(href.startswith(full.server.config.prefix) for href in links_in(same))


def test_a_snapshot_has_a_page(full: Full) -> None:
    for snapshot in full.snapshots:
        text = text_of(full.page(f"registry/{snapshot.id}.html"))
        assert snapshot.title in text and snapshot.attribution in text
        assert licence_name(snapshot.licence) in text and snapshot.upstream in text
        for file in snapshot.files.values():
            assert file.sha256 in text


# --- licences in VoID and on /dumps/ -------------------------------------------------------------


def test_void_describes_each_snapshot_as_a_subset_with_its_licence(full: Full) -> None:
    status, _, body = fetch(full.url("dataset.ttl"))
    assert status == 200
    void = rdflib.Graph().parse(data=body, format="turtle")
    dataset = rdflib.URIRef(full.iri("dataset"))
    subsets = set(void.objects(dataset, VOID.subset))
    for snapshot in full.snapshots:
        graph = rdflib.URIRef(full.iri(f"graph/registry/{snapshot.id}"))
        assert graph in subsets
        if snapshot.licence == NO_LICENCE:  # the upstream states none: said, not invented
            assert void.value(graph, rdflib.DCTERMS.license) is None
            assert void.value(graph, rdflib.DCTERMS.rights) is not None
        else:
            assert (graph, rdflib.DCTERMS.license, rdflib.URIRef(snapshot.licence)) in void
        assert (graph, CC.attributionName, rdflib.Literal(snapshot.attribution)) in void
    records = [s for s in subsets if "/graph/registry/" not in str(s)]
    assert records and all(
        (s, rdflib.DCTERMS.license, rdflib.URIRef(RECORDS_LICENCE)) in void for s in records
    )
    # no single licence for the whole: each subset has its own
    assert void.value(dataset, rdflib.DCTERMS.license) is None
    assert void.value(dataset, rdflib.DCTERMS.rights) is not None
    _, _, health = fetch(full.url("health"), {"Accept": "application/json"})
    total = sum(int(void.value(s, VOID.triples)) for s in subsets)  # type: ignore[arg-type]
    assert total == json.loads(health)["quads"]


def test_dumps_page_names_the_licences(full: Full) -> None:
    text = text_of(section(full.page("dumps/"), "licences"))
    for snapshot in full.snapshots:
        assert snapshot.title in text and snapshot.attribution in text
        assert licence_name(snapshot.licence) in text
    assert "CC0 1.0" in text  # the curated records' own text


def test_every_page_footer_names_the_sources(full: Full) -> None:
    for path in ("", "dumps/", "consortium/", "sparql"):
        footer = full.page(path).split("<footer>", 1)[1]
        for snapshot in full.snapshots:
            assert snapshot.attribution in text_of(footer), path


def test_pages_answer_fast(full: Full) -> None:
    # pages no other test asked for (a page is kept once made), each timed; -s prints them
    (named,) = full.select(
        f"SELECT ?c WHERE {{ ?c a <https://w3id.org/consortia-kg/ontology#Consortium> ; "
        f"<{DCTERMS}source> ?src . FILTER(STRSTARTS(STR(?src), "
        f'"{full.iri("registry/")}")) }} ORDER BY ?c LIMIT 1 OFFSET 7'
    )
    (second,) = full.select(
        f"SELECT ?o (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?m <{ORG}member> ?o }} "
        "GROUP BY ?o ORDER BY DESC(?n) LIMIT 1 OFFSET 1"
    )
    paths = [
        "consortium/?page=5",
        "organisation/?page=2",
        named["c"][len(full.server.config.base) :] + ".html",
        second["o"][len(full.server.config.base) :] + ".html",
        *(f"graph/registry/{s.id}.html" for s in full.snapshots),
        "role/participant.html",
        "search?q=university",
    ]
    for path in paths:
        started = time.monotonic()
        full.page(path)
        seconds = time.monotonic() - started
        print(f"{seconds:6.3f} s  {path}")
        assert seconds < full.server.config.timeout, path


# --- /reconcile over every organisation and consortium ------------------------------------------


def test_reconcile_finds_registry_organisations_by_name_place_and_id(full: Full) -> None:
    from helpers.reconciliation import post_queries

    rows = []
    for scheme in ("pic", "gepris"):  # a CORDIS and an NFDI (GEPRIS) organisation, chosen by query
        chosen = full.select(
            "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT DISTINCT ?s ?id WHERE { "
            f'?s dcterms:identifier ?id FILTER(STRSTARTS(?id, "{scheme}:")) }} ORDER BY DESC(?id) LIMIT 20'
        )  # sorted by the id (by the IRI took 10 s); the highest PICs are the oldest
        named = []
        for row in chosen:  # its facts by its IRI: a join over every organisation is too slow
            (facts,) = full.select(
                "PREFIX schema: <https://schema.org/> "
                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                "SELECT (MIN(?label) AS ?name) (MIN(?c) AS ?country) WHERE { "
                f"<{row['s']}> rdfs:label ?label "
                f"OPTIONAL {{ <{row['s']}> schema:location/schema:addressCountry ?c }} }}"
            )
            if facts.get("name"):  # some are known by their PIC alone
                named.append({**row, **facts})
        rows += named[:3]
    assert len(rows) == 6, rows
    base = full.server.config.base
    batch: dict[str, dict[str, object]] = {}
    for i, row in enumerate(rows):
        scheme, _, value = row["id"].partition(":")
        country = row.get("country", "")  # GEPRIS gives no place
        place = [{"pid": "country", "v": country}] if country else []
        batch[f"name{i}"] = {"query": row["name"], "type": "Organisation", "properties": place}
        if country:
            other = "FR" if country != "FR" else "DE"
            batch[f"elsewhere{i}"] = {
                "query": row["name"],
                "properties": [{"pid": "country", "v": other}],
            }
        batch[f"id{i}"] = {"properties": [{"pid": scheme, "v": value}]}
    started = time.monotonic()
    answer = post_queries(full.url("reconcile"), batch)
    print(f"/reconcile: {len(batch)} queries in {time.monotonic() - started:.2f} s")
    for i, row in enumerate(rows):
        path = row["s"].removeprefix(base)
        best = [c["id"] for c in answer[f"name{i}"]["result"] if c["score"] == 100]
        assert path in best, (row, answer[f"name{i}"])
        assert [(c["id"], c["match"]) for c in answer[f"id{i}"]["result"]][:1] == [(path, True)]
        elsewhere = [
            c for c in answer.get(f"elsewhere{i}", {"result": []})["result"] if c["id"] == path
        ]
        assert all(c["score"] < 100 and not c["match"] for c in elsewhere), elsewhere
