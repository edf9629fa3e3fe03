"""The SPARQL editor (YASGUI, bundled by hatch_build.py) in headless Chromium, under the server's CSP.

A person types a query, runs it and reads the table; sorts and pages it; follows a result to its
page; draws a chart; completes a class of our ontology; loads a named query; shares a link that
brings the query back. Without JavaScript the same page still answers through its form.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from consortia_kg.serve.server import BackgroundServer
from helpers.browser import console_problems, headless_chromium, missing_chromium, screenshot

pytestmark = pytest.mark.skipif(missing_chromium() is not None, reason=str(missing_chromium()))

_VENDOR = Path(__file__).resolve().parents[1] / "src/consortia_kg/serve/static/vendor"
if not (_VENDOR / "yasgui.min.js").is_file():
    pytestmark = pytest.mark.skip(reason="the editor bundle is not built: pip install -e .")


@pytest.fixture(scope="module")
def server(real_server: BackgroundServer) -> BackgroundServer:
    return real_server


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with headless_chromium(tmp_path_factory.mktemp("editor-profile")) as chromium:
        chromium.set_page_load_timeout(60)
        yield chromium


def wait_for(driver: Any, condition: Any, seconds: float = 30) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(condition)


def open_editor(driver: Any, url: str) -> None:
    console_problems(driver)
    driver.get(url)
    wait_for(driver, lambda d: d.execute_script("return !!window.consortiaEditor"))


def editor_text(driver: Any) -> str:
    return str(driver.execute_script("return consortiaEditor.getTab().getYasqe().getValue()"))


def set_query(driver: Any, text: str) -> None:
    driver.execute_script("consortiaEditor.getTab().getYasqe().setValue(arguments[0])", text)


def run_and_read(driver: Any) -> tuple[list[str], list[list[str]]]:
    """Press the run button; return the result table's headers and rows as shown."""
    from selenium.webdriver.common.by import By

    driver.execute_script("document.querySelector('.yasr_results').replaceChildren()")
    driver.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    driver.find_element(By.CSS_SELECTOR, ".yasr .select_table").click()  # a chart may be chosen
    table = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".yasr_results table"))[0]
    wait_for(driver, lambda d: table.find_elements(By.CSS_SELECTOR, "tbody td"))
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    rows = [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    return headers, rows


def test_typed_query_runs_and_shows_a_table(server: BackgroundServer, driver: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_editor(driver, f"{server.url}sparql")
    assert "PREFIX ckg:" in editor_text(driver)  # our prefixes come preloaded
    driver.find_element(By.CSS_SELECTOR, "#yasgui .CodeMirror").click()
    typing = driver.switch_to.active_element
    typing.send_keys(Keys.CONTROL, "a")
    typing.send_keys(Keys.DELETE)
    typing.send_keys("SELECT ?wg ?name WHERE { ?wg a ckg:WorkingGroup ; rdfs:label ?name ")
    text = editor_text(driver)
    if not text.rstrip().endswith("}"):  # the editor may close the brace itself
        typing.send_keys("}")
    typed = editor_text(driver)
    assert "SELECT ?wg ?name WHERE { ?wg a ckg:WorkingGroup ; rdfs:label ?name }" in typed
    # the editor declared the prefixes it knows from our dumps as they were typed
    assert "PREFIX ckg: <https://w3id.org/consortia-kg/ontology#>" in typed
    assert "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>" in typed
    headers, rows = run_and_read(driver)
    assert [h for h in headers if h][-2:] == ["wg", "name"]
    names = [row[-1] for row in rows]
    assert "Cloud" in names and "Genomic Knowledge Standards" in names
    # a result of this graph links to its page on this server, and the page opens
    link = driver.find_element(By.CSS_SELECTOR, ".yasr_results table tbody a.iri")
    assert link.get_attribute("href").startswith(server.url)
    screenshot(driver, "sparql-editor-results")
    assert console_problems(driver) == []
    href = link.get_attribute("href")
    editor_window = driver.current_window_handle
    link.click()  # in a new tab: the editor keeps its query and answer
    wait_for(driver, lambda d: len(d.window_handles) == 2)
    driver.switch_to.window(next(h for h in driver.window_handles if h != editor_window))
    try:
        wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "main h1"))
        assert driver.current_url.startswith(href)  # the IRI's page (303 to its HTML document)
        assert driver.find_element(By.CSS_SELECTOR, "main h1").text
    finally:
        driver.close()
        driver.switch_to.window(editor_window)


def test_table_sorts_and_pages(server: BackgroundServer, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    open_editor(driver, f"{server.url}sparql")
    set_query(driver, "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o }")
    _, rows = run_and_read(driver)
    total = int(
        driver.execute_script(
            "return consortiaEditor.getTab().getYasr().results.getBindings().length"
        )
    )
    assert len(rows) < total  # more answers than one page: the table pages them
    assert driver.find_elements(
        By.CSS_SELECTOR, ".yasr_results .dt-paging button, .yasr_results .dt-paging a"
    )
    header = driver.find_elements(By.CSS_SELECTOR, ".yasr_results thead th")[-1]
    header.click()  # sort by the label, one way then the other
    first = [r[-1] for r in run_rows(driver)]
    header = driver.find_elements(By.CSS_SELECTOR, ".yasr_results thead th")[-1]
    header.click()
    second = [r[-1] for r in run_rows(driver)]
    assert first != second and (
        first == sorted(first, key=str.lower) or second == sorted(second, key=str.lower)
    ), (first[:3], second[:3])
    assert console_problems(driver) == []


def run_rows(driver: Any) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    return [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in driver.find_elements(By.CSS_SELECTOR, ".yasr_results table tbody tr")
    ]


def test_chart_of_a_count(server: BackgroundServer, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    open_editor(driver, f"{server.url}sparql")
    set_query(
        driver,
        "SELECT ?type (COUNT(?s) AS ?things) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?things)",
    )
    _, rows = run_and_read(driver)
    driver.find_element(By.CSS_SELECTOR, ".yasr .select_chart").click()
    bars = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "svg.result-chart rect"))
    assert len(bars) == min(len(rows), 60)
    figures = [t.text for t in driver.find_elements(By.CSS_SELECTOR, "svg.result-chart text")][1::2]
    counts = [
        row[-1].split('"')[1] if '"' in row[-1] else row[-1] for row in rows
    ]  # "30"^^xsd:integer
    assert figures == counts[: len(figures)]
    screenshot(driver, "sparql-editor-chart")
    assert console_problems(driver) == []


def test_completion_offers_our_classes(server: BackgroundServer, driver: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    settings = driver.execute_script(
        "return fetch('/sparql/editor.json').then(function (r) { return r.json(); })"
    )
    open_editor(driver, f"{server.url}sparql")
    set_query(
        driver,
        "PREFIX ckg: <https://w3id.org/consortia-kg/ontology#>\nSELECT * WHERE { ?s a ckg:Con",
    )
    driver.execute_script(
        "var y = consortiaEditor.getTab().getYasqe(); y.focus(); y.setCursor(y.lineCount(), 0);"
    )
    driver.switch_to.active_element.send_keys(Keys.CONTROL, " ")
    hints = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".CodeMirror-hints li"))
    offered = {h.text for h in hints}
    ours = {
        c.replace("https://w3id.org/consortia-kg/ontology#", "ckg:") for c in settings["classes"]
    }
    assert offered and offered <= ours | {h for h in offered if h in ours}
    assert "ckg:Consortium" in offered
    assert console_problems(driver) == []


def test_named_query_example_and_shared_link(server: BackgroundServer, driver: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    open_editor(driver, f"{server.url}sparql")
    Select(driver.find_element(By.ID, "examples")).select_by_value("working-groups")
    wait_for(driver, lambda d: "# title: Working groups of a consortium" in editor_text(d))
    query = editor_text(driver)
    link = driver.execute_script("return consortiaEditor.getTab().getShareableLink()")
    assert link.startswith(server.url + "sparql") and "query=" in link
    open_editor(driver, link)
    assert editor_text(driver) == query
    _, rows = run_and_read(driver)  # the shared link ran the query on opening; run it again
    assert any("Cloud" in row for row in rows)
    assert console_problems(driver) == []


def test_without_javascript_the_form_answers(
    server: BackgroundServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from selenium.webdriver.common.by import By

    profile = tmp_path_factory.mktemp("no-js-profile")
    with headless_chromium(profile, javascript=False) as plain:
        plain.get(f"{server.url}sparql")
        assert not plain.find_element(By.ID, "plain-editor").get_attribute("hidden")
        box = plain.find_element(By.ID, "query")
        box.clear()
        box.send_keys(
            "SELECT ?name WHERE { ?wg a <https://w3id.org/consortia-kg/ontology#WorkingGroup> ;"
            " <http://www.w3.org/2000/01/rdf-schema#label> ?name }"
        )
        plain.find_element(By.ID, "run").click()
        wait_for(plain, lambda d: d.find_elements(By.CSS_SELECTOR, "#results table td"))
        cells = [td.text for td in plain.find_elements(By.CSS_SELECTOR, "#results table td")]
        assert "Cloud" in cells
        screenshot(plain, "sparql-without-javascript")
