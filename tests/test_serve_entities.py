"""Minted IRIs resolve: 303 to a document chosen by Accept, documents with ETags, pages, 404s.

The server runs over a copy of the valid fixture (a consortium with members, roles, dates,
governance and contacts) with a base IRI that has a path, ``http://127.0.0.1:PORT/kg/``, so
that every test also checks that the base's path is kept.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rdflib

from consortia_kg.serve.server import BackgroundServer

VALID = Path(__file__).resolve().parent / "fixtures" / "valid"
RDF_TYPES = {
    "ttl": ("text/turtle", "turtle"),
    "nt": ("application/n-triples", "nt"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdf": ("application/rdf+xml", "xml"),
}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_plain_opener = urllib.request.build_opener(NoRedirect)


def fetch(
    url: str, headers: dict[str, str] | None = None, method: str | None = None, follow: bool = True
) -> tuple[int, Any, bytes]:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    opener = urllib.request.build_opener() if follow else _plain_opener
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("entities") / "data"
    shutil.copytree(VALID, target)
    # text that must never become markup
    org = target / "organisations" / "beta-university.yaml"
    org.write_text(
        org.read_text().replace(
            "name: Beta University", "name: \"Beta University <script>alert('x')</script>\""
        )
    )
    return target


@pytest.fixture(scope="module")
def server(data: Path) -> Iterator[BackgroundServer]:
    running = BackgroundServer.for_data(
        data, data.parent, base_path="/kg/", workers=2, reload_interval=0
    )
    with running:
        yield running


def iri(server: BackgroundServer, path: str) -> str:
    return server.config.base + path


# --- things answer 303 to a document chosen by Accept ----------------------------------------


@pytest.mark.parametrize(
    ("accept", "extension"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
        ("*/*", "html"),
        ("text/turtle", "ttl"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml", "rdf"),
        ("application/rdf+xml;q=0.4, text/turtle;q=0.8", "ttl"),
        ("text/html;q=0, */*", "ttl"),
    ],
)
def test_thing_redirects_by_accept(server: BackgroundServer, accept: str, extension: str) -> None:
    status, headers, _ = fetch(
        iri(server, "consortium/demo-consortium"), {"Accept": accept}, follow=False
    )
    assert status == 303
    assert headers["Location"] == f"/kg/consortium/demo-consortium.{extension}"
    assert "Accept" in headers["Vary"]


@pytest.mark.parametrize("extension", sorted(RDF_TYPES))
def test_every_document_parses_back(server: BackgroundServer, extension: str) -> None:
    media_type, rdflib_format = RDF_TYPES[extension]
    status, headers, body = fetch(iri(server, "consortium/demo-consortium"), {"Accept": media_type})
    assert status == 200 and headers["Content-Type"].startswith(media_type)
    graph = rdflib.Graph().parse(data=body, format=rdflib_format)
    thing = rdflib.URIRef(iri(server, "consortium/demo-consortium"))
    assert (thing, rdflib.RDFS.label, rdflib.Literal("Demo Consortium")) in graph
    membership = rdflib.URIRef(iri(server, "consortium/demo-consortium/membership/alpha-institute"))
    assert (membership, rdflib.URIRef("https://schema.org/startDate"), None) in graph
    # provenance of the record comes along
    record = rdflib.URIRef(iri(server, "graph/consortium/demo-consortium"))
    assert (record, rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), None) in graph


@pytest.mark.parametrize("value", ["ttl", "turtle", "text/turtle"])
def test_format_parameter_overrides_accept(server: BackgroundServer, value: str) -> None:
    status, headers, _ = fetch(
        iri(server, f"organisation/alpha-institute?format={urllib.parse.quote(value)}"),
        {"Accept": "text/html"},
        follow=False,
    )
    assert status == 303 and headers["Location"] == "/kg/organisation/alpha-institute.ttl"


def test_not_acceptable_lists_what_is_available(server: BackgroundServer) -> None:
    status, headers, body = fetch(
        iri(server, "consortium/demo-consortium"), {"Accept": "image/png"}, follow=False
    )
    assert status == 406
    text = body.decode()
    for extension in ("html", "ttl", "nt", "jsonld", "rdf"):
        assert f"/kg/consortium/demo-consortium.{extension}" in text
    assert "Accept" in headers["Vary"]


def test_head_is_get_without_body(server: BackgroundServer) -> None:
    url = iri(server, "consortium/demo-consortium.ttl")
    get_status, get_headers, get_body = fetch(url)
    head_status, head_headers, head_body = fetch(url, method="HEAD")
    assert (head_status, head_body) == (get_status, b"")
    for name in ("Content-Type", "Content-Length", "ETag", "Last-Modified"):
        assert head_headers[name] == get_headers[name]
    assert int(head_headers["Content-Length"]) == len(get_body)
    status, headers, body = fetch(
        iri(server, "consortium/demo-consortium"), method="HEAD", follow=False
    )
    assert status == 303 and body == b"" and headers["Location"].endswith(".html")


def test_etag_and_last_modified_come_from_the_data(server: BackgroundServer) -> None:
    url = iri(server, "organisation/alpha-institute.jsonld")
    _, first, _ = fetch(url)
    _, second, _ = fetch(url)
    assert first["ETag"] == second["ETag"]
    built = (server.config.store_dir / "meta.json").stat().st_mtime
    assert first["Last-Modified"] == email.utils.formatdate(int(built), usegmt=True)
    status, _, body = fetch(url, {"If-None-Match": first["ETag"]})
    assert status == 304 and body == b""
    status, _, _ = fetch(url, {"If-Modified-Since": first["Last-Modified"]})
    assert status == 304
    status, _, _ = fetch(url, {"If-None-Match": '"something-else"'})
    assert status == 200
    _, html_headers, _ = fetch(iri(server, "organisation/alpha-institute.html"))
    assert html_headers["ETag"] != first["ETag"]


def test_unknown_iri_gets_a_helpful_404(server: BackgroundServer) -> None:
    status, _, body = fetch(iri(server, "consortium/demo-consortum"), {"Accept": "text/plain"})
    assert status == 404
    text = body.decode()
    assert "is not an IRI this graph mints" in text
    assert (
        iri(server, "consortium/demo-consortium")
        in text.replace("/kg/", server.config.base).replace(server.config.base + "http", "http")
        or "/kg/consortium/demo-consortium" in text
    )
    status, _, body = fetch(iri(server, "consortium/demo-consortum"), {"Accept": "text/html"})
    assert status == 404 and b'id="suggestions"' in body and b"Demo Consortium" in body


def test_the_base_path_is_kept(server: BackgroundServer) -> None:
    root = f"http://127.0.0.1:{server.port}"
    status, _, _ = fetch(f"{root}/consortium/demo-consortium", follow=False)
    assert status == 404
    status, headers, _ = fetch(f"{root}/", follow=False)
    assert status == 302 and headers["Location"] == "/kg/"


def test_parts_and_shared_concepts_resolve(server: BackgroundServer) -> None:
    for path in (
        "consortium/demo-consortium/working-group/tech",
        "consortium/demo-consortium/membership/alpha-institute",
        "role/founding-member",
        "graph/consortium/demo-consortium",
        "source/demo-source",
        "dataset",
    ):
        status, _, body = fetch(iri(server, path), {"Accept": "text/turtle"})
        assert status == 200, path
        assert len(rdflib.Graph().parse(data=body, format="turtle")) > 0, path


# --- pages for people ------------------------------------------------------------------------


def test_consortium_page_shows_every_fact(server: BackgroundServer) -> None:
    status, headers, body = fetch(iri(server, "consortium/demo-consortium.html"))
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = body.decode()
    for text in (
        "Demo Consortium (DEMO)",
        "A consortium invented for tests.",  # description
        "To test every key.",  # mission
        "Led by a steering committee.",  # governance
        "Steering Committee",
        "Technologies Working Group",
        "Committee chair",
        "Pat Example",  # a public post holder
        "founding member",  # a role
        "2010-06",  # a membership start
        "2020-12-31",  # and end
        "Alpha Institute",
        "555-0100",  # a contact
        "1 Example Street",
        "Demo API",  # a standard
        "Sources and record",
        "2016-05-24",  # participant count as of
    ):
        assert text in page, text
    assert "Sam Private" not in page  # not public: never in the graph, never on a page
    assert 'href="/kg/organisation/alpha-institute"' in page
    assert 'href="/kg/consortium/demo-consortium.ttl"' in page


def test_text_is_escaped_and_only_http_links(server: BackgroundServer) -> None:
    for path in (
        "consortium/demo-consortium.html",
        "organisation/beta-university.html",
        "search?q=beta",
    ):
        _, _, body = fetch(iri(server, path))
        page = body.decode()
        assert "<script>alert" not in page, path
        assert "&lt;script&gt;alert" in page or "\\u003cscript\\u003ealert" in page, path
        for href in re.findall(r'href="([^"]*)"', page):
            assert href.startswith(("/", "http://", "https://", "#")), href


def test_embedded_schema_org_json_ld(server: BackgroundServer) -> None:
    _, _, body = fetch(iri(server, "consortium/demo-consortium.html"))
    found = re.search(rb'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    assert found is not None
    doc = json.loads(found.group(1))
    assert doc["@type"] == "Consortium" and doc["name"] == "Demo Consortium"
    assert doc["@context"] == {"@vocab": "https://schema.org/"}  # inline: nothing to fetch
    graph = rdflib.Graph().parse(data=found.group(1), format="json-ld")
    assert (
        rdflib.URIRef(doc["@id"]),
        rdflib.URIRef("https://schema.org/name"),
        rdflib.Literal("Demo Consortium"),
    ) in graph
    assert any(member["member"]["name"] == "Alpha Institute" for member in doc["member"])


def test_organisation_page_lists_its_consortia(server: BackgroundServer) -> None:
    _, _, body = fetch(iri(server, "organisation/alpha-institute.html"))
    page = body.decode()
    assert 'id="consortia"' in page
    assert 'href="/kg/consortium/demo-consortium"' in page and "founding member" in page
    assert "Alpha API" in page  # an implementation it runs


def _section(page: str, anchor: str) -> str:
    """The HTML of the page's section ``anchor`` (up to the next heading of a section)."""
    start = page.index(f'id="{anchor}"')
    end = page.find("<h2>", page.index("</h2>", start))
    return page[start : end if end != -1 else len(page)]


def test_consortium_page_shows_working_group_lead_and_members(server: BackgroundServer) -> None:
    _, _, body = fetch(iri(server, "consortium/demo-consortium.html"))
    groups = _section(body.decode(), "working-groups")
    assert "lead organisation" in groups and "participating organisation" in groups
    assert 'href="/kg/organisation/alpha-institute"' in groups  # the lead, linked
    assert 'href="/kg/organisation/beta-university"' in groups  # a member, linked


def test_organisation_page_lists_the_working_groups_it_leads_or_is_in(
    server: BackgroundServer,
) -> None:
    pages = {
        slug: _section(
            fetch(iri(server, f"organisation/{slug}.html"))[2].decode(), "working-groups"
        )
        for slug in ("alpha-institute", "beta-university")
    }
    for slug, role in (("alpha-institute", "lead"), ("beta-university", "member")):
        assert 'href="/kg/consortium/demo-consortium/working-group/tech"' in pages[slug]
        assert 'href="/kg/consortium/demo-consortium"' in pages[slug]
        assert f"<td>{role}</td>" in pages[slug], pages[slug]


def test_post_held_by_an_organisation_is_no_person(server: BackgroundServer) -> None:
    _, _, body = fetch(iri(server, "consortium/demo-consortium.ttl"))
    graph = rdflib.Graph().parse(data=body, format="turtle")
    post = rdflib.URIRef(iri(server, "consortium/demo-consortium/post/secretariat"))
    holder = rdflib.URIRef(iri(server, "organisation/beta-university"))
    org = rdflib.Namespace("http://www.w3.org/ns/org#")
    assert (post, org.heldBy, holder) in graph
    assert (holder, rdflib.RDF.type, rdflib.FOAF.Person) not in graph


def test_home_page_counts_and_search(server: BackgroundServer) -> None:
    status, _, body = fetch(server.url, {"Accept": "text/html"})
    page = body.decode()
    assert (
        status == 200
        and "<strong>1</strong> consortium" in page  # singular for one
        and "<strong>2</strong> organisations" in page
    )
    status, _headers, body = fetch(iri(server, "search?q=alpha"), {"Accept": "application/json"})
    found = json.loads(body)
    assert found[0]["iri"] == iri(server, "organisation/alpha-institute")
    assert found[0]["url"] == "/kg/organisation/alpha-institute"
    _, _, body = fetch(iri(server, "search?q=DEMO"))
    assert b"Demo Consortium" in body


def test_ontology_and_shapes_pages(server: BackgroundServer) -> None:
    for name, expected in (("ontology", b'id="Consortium"'), ("shapes", b'id="ConsortiumShape"')):
        status, headers, body = fetch(iri(server, name), {"Accept": "text/html"})
        assert status == 200 and expected in body, name
        for extension, (media_type, fmt) in RDF_TYPES.items():
            status, headers, body = fetch(iri(server, f"{name}.{extension}"))
            assert status == 200 and headers["Content-Type"].startswith(media_type)
            assert len(rdflib.Graph().parse(data=body, format=fmt)) > 50
        status, headers, _ = fetch(iri(server, name), {"Accept": "text/turtle"})
        assert headers["Content-Location"] == f"/kg/{name}.ttl"


def test_void_description(server: BackgroundServer) -> None:
    status, _headers, _ = fetch(iri(server, ".well-known/void"), follow=False)
    assert status == 303
    status, _, body = fetch(iri(server, "dataset.ttl"))
    graph = rdflib.Graph().parse(data=body, format="turtle")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    dataset = rdflib.URIRef(iri(server, "dataset"))
    assert (dataset, void.sparqlEndpoint, rdflib.URIRef(iri(server, "sparql"))) in graph
    dumps = set(graph.objects(dataset, void.dataDump))
    assert rdflib.URIRef(iri(server, "dumps/consortia.ttl")) in dumps
    # every dump IRI is a working download URL
    for dump in dumps:
        status, _, _ = fetch(str(dump), method="HEAD")
        assert status == 200, dump


def test_dumps_with_checksums(server: BackgroundServer) -> None:
    status, _, body = fetch(iri(server, "dumps/"))
    assert status == 200 and b'id="dump-files"' in body
    _, _, sums = fetch(iri(server, "dumps/SHA256SUMS"))
    listed = dict(reversed(line.split("  ")) for line in sums.decode().splitlines())
    assert "consortia.nt" in listed and "void.ttl" in listed
    for name, digest in listed.items():
        status, headers, content = fetch(iri(server, f"dumps/{name}"))
        assert status == 200 and hashlib.sha256(content).hexdigest() == digest
        assert digest in body.decode()
        assert headers["ETag"] == f'"{digest}"'
    _, headers, _ = fetch(iri(server, "dumps/consortia.nt.gz"))
    assert headers["Content-Type"] == "application/gzip"


# --- named queries ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "accept", "media_type"),
    [
        ("queries/consortium-members.csv?consortium=demo-consortium", "*/*", "text/csv"),
        (
            "queries/consortium-members.tsv?consortium=demo-consortium",
            "*/*",
            "text/tab-separated-values",
        ),
        (
            "queries/consortium-members.json?consortium=demo-consortium",
            "*/*",
            "application/sparql-results+json",
        ),
        (
            "queries/consortium-members.xml?consortium=demo-consortium",
            "*/*",
            "application/sparql-results+xml",
        ),
        (
            "queries/consortium-members?consortium=demo-consortium",
            "application/json",
            "application/sparql-results+json",
        ),
        ("queries/consortium-members?consortium=demo-consortium", "text/html", "text/html"),
        ("queries/consortium-profile.ttl?consortium=demo-consortium", "*/*", "text/turtle"),
        (
            "queries/consortium-profile?consortium=demo-consortium",
            "application/ld+json",
            "application/ld+json",
        ),
        ("queries/consortium-profile.rdf?consortium=demo-consortium", "*/*", "application/rdf+xml"),
        (
            "queries/consortium-profile?consortium=demo-consortium&format=nt",
            "text/html",
            "application/n-triples",
        ),
    ],
)
def test_named_queries_by_extension_or_accept(
    server: BackgroundServer, path: str, accept: str, media_type: str
) -> None:
    status, headers, body = fetch(iri(server, path), {"Accept": accept})
    assert status == 200, body
    assert headers["Content-Type"].startswith(media_type)
    text = body.decode()
    if "consortium-members" in path:
        assert "Alpha Institute" in text and "founding member" in text
    if media_type in (
        "text/turtle",
        "application/ld+json",
        "application/rdf+xml",
        "application/n-triples",
    ):
        fmt = {
            "text/turtle": "turtle",
            "application/ld+json": "json-ld",
            "application/rdf+xml": "xml",
            "application/n-triples": "nt",
        }[media_type]
        assert len(rdflib.Graph().parse(data=body, format=fmt)) > 10


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("queries/consortium-membres", 404, "consortium-members"),
        ("queries/consortium-members.csv?consortium=Not%20A%20Slug", 400, "is not a consortium"),
        ("queries/consortium-members.csv?country=NL", 400, "takes no parameter 'country'"),
        ("queries/consortium-profile.csv?consortium=demo-consortium", 406, "turtle"),
        ("queries/consortium-members.yaml", 404, "csv"),
        ("queries/consortium-profile.ttl", 400, "needs parameter consortium"),
    ],
)
def test_named_query_errors(server: BackgroundServer, path: str, status: int, says: str) -> None:
    got, _, body = fetch(iri(server, path), {"Accept": "text/plain"})
    assert got == status and says in body.decode(), body


def test_named_query_text_and_list(server: BackgroundServer) -> None:
    status, headers, body = fetch(iri(server, "queries/working-groups.rq"))
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-query")
    assert body.decode().startswith("# title:")
    status, _, body = fetch(iri(server, "queries/"), {"Accept": "application/json"})
    names = {q["name"] for q in json.loads(body)}
    assert {"consortium-members", "working-groups", "dataset-summary"} <= names
