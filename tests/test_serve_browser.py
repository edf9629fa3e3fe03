"""A person's visit, in headless Chromium: the home page, a consortium page, the query page.

Skipped, saying why, only where Debian's chromium and chromedriver are not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from consortia_kg.serve.server import BackgroundServer
from helpers.browser import headless_chromium, missing_chromium

pytestmark = pytest.mark.skipif(missing_chromium() is not None, reason=str(missing_chromium()))


@pytest.fixture(scope="module")
def server(real_server: BackgroundServer) -> BackgroundServer:
    return real_server


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as chromium:
        chromium.set_page_load_timeout(60)
        yield chromium


def wait_for(driver: Any, condition: Any, seconds: float = 30) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(condition)


def test_home_page(server: BackgroundServer, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.get(server.url)
    assert driver.title.startswith("Home")
    counts = driver.find_element(By.ID, "counts").text
    assert "1 consortium" in counts and "15 organisations" in counts
    links = driver.find_elements(By.CSS_SELECTOR, "#consortium .things a")
    assert [a.text for a in links] == ["Global Alliance for Genomics and Health"]
    # search by name from the home page
    box = driver.find_element(By.ID, "home-search")
    box.send_keys("bioinformatics")
    box.submit()
    wait_for(driver, lambda d: "search" in d.current_url)
    assert "European Bioinformatics Institute" in driver.find_element(By.TAG_NAME, "main").text


def test_consortium_page(server: BackgroundServer, driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{server.url}consortium/ga4gh")  # the thing's IRI: 303 to its HTML document
    assert driver.current_url.endswith("/consortium/ga4gh.html")
    assert (
        driver.find_element(By.TAG_NAME, "h1").text
        == "Global Alliance for Genomics and Health (GA4GH)"
    )
    facts = driver.find_element(By.ID, "facts").text
    assert "Active" in facts and "2016-05-24" in facts
    groups = driver.find_element(By.ID, "working-groups").text
    assert "Cloud" in groups and "Genomic Knowledge Standards" in groups
    assert "Steering Committee" in driver.find_element(By.ID, "governance").text
    record = driver.find_element(By.ID, "record").text
    assert "Consortia-pedia" in record
    turtle = driver.find_element(By.LINK_TEXT, "Turtle").get_attribute("href")
    assert turtle.endswith("/consortium/ga4gh.ttl")


def test_query_page_runs_a_named_query(server: BackgroundServer, driver: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver.get(f"{server.url}sparql")
    editor = driver.find_element(By.ID, "query")
    Select(driver.find_element(By.ID, "examples")).select_by_value("working-groups")
    wait_for(driver, lambda d: "working groups" in editor.get_attribute("value").lower())
    assert "# title: Working groups of a consortium" in editor.get_attribute("value")
    driver.find_element(By.ID, "run").click()
    wait_for(driver, lambda d: "rows in" in d.find_element(By.ID, "status").text)
    table = driver.find_element(By.CSS_SELECTOR, "#results table")
    headers = [th.text for th in table.find_elements(By.TAG_NAME, "th")]
    assert headers[:2] == ["consortium", "name"] or "name" in headers
    cells = [td.text for td in table.find_elements(By.TAG_NAME, "td")]
    assert "Cloud" in cells and "Genomic Knowledge Standards" in cells
    assert driver.find_element(By.ID, "status").text.startswith("8 rows")
    # an error is shown, not swallowed
    editor.clear()
    editor.send_keys("SELECT * WHERE { ?s ?p }")
    driver.find_element(By.ID, "run").click()
    error = wait_for(
        driver,
        lambda d: (
            d.find_element(By.ID, "error")
            if d.find_element(By.ID, "error").is_displayed()
            else False
        ),
    )
    assert "400" in error.text and "syntax error" in error.text
