"""A person's visit, in headless Chromium: every kind of page, screenshotted, with no console error.

Skipped, saying why, only where Debian's chromium and chromedriver are not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from consortia_kg.serve.server import BackgroundServer
from helpers.browser import console_problems, headless_chromium, missing_chromium, screenshot
from helpers.paths import ROOT

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


#: Every kind of page a person visits: (screenshot name, path, a CSS selector its content fills).
#: Add a page here (charts, the network view...) and it is rendered, screenshotted and checked
#: for console errors like the others.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("home", "", "#counts"),
    ("consortium", "consortium/ga4gh", "#facts"),
    ("organisation", "organisation/uk-ac-ebi", "main h1"),
    ("queries", "queries/", "main a"),
    ("named-query", "queries/working-groups", "main pre"),
    ("sparql-editor", "sparql", "#yasgui .CodeMirror"),  # needs the bundle (hatch_build.py)
    ("dumps", "dumps/", "main table"),
    ("vocabulary", "ontology", "main h2"),
)


_BUNDLE = ROOT / "src/consortia_kg/serve/static/vendor/yasgui.min.js"
_UNBUILT = pytest.mark.skipif(
    not _BUNDLE.is_file(), reason="the editor bundle is not built: pip install -e ."
)


@pytest.mark.parametrize(
    ("name", "path", "filled"),
    [pytest.param(*p, id=p[0], marks=[_UNBUILT] if "yasgui" in p[2] else []) for p in PAGES],
)
def test_page_renders_without_console_errors(
    server: BackgroundServer, driver: Any, name: str, path: str, filled: str
) -> None:
    from selenium.webdriver.common.by import By

    console_problems(driver)  # forget what earlier tests left in the console
    driver.get(server.url + path)
    element = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, filled))[0]
    assert element.is_displayed()
    assert driver.execute_script("return document.readyState") == "complete"
    shot = screenshot(driver, name)
    assert shot.stat().st_size > 0
    assert console_problems(driver) == [], f"{name} ({path}) logged problems"
