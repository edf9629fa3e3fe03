"""Headless Debian Chromium, driven through its chromedriver with selenium (no browser download).

``with headless_chromium(folder) as driver: driver.get(url)``; ``missing_chromium()`` says why
the browser tests must be skipped (None when chromium and chromedriver are both installed).
The browser reaches 127.0.0.1 only: every other host goes to a proxy on a closed local port.
``console_problems(driver)`` reads the console (errors, CSP refusals); ``screenshot(driver, name)``
keeps a picture of the page in ``screenshot_folder()`` for people to look at (CI output).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "CHROMIUM_FLAGS",
    "console_problems",
    "find_chromium",
    "headless_chromium",
    "missing_chromium",
    "screenshot",
    "screenshot_folder",
]

#: Headless, sandbox-free (root in CI), and quiet: no update checks, no sync, no first-run UI.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1600",
)


def find_chromium() -> tuple[str, str] | None:
    """Return (chromium, chromedriver) as installed by apt, or None."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        return None
    return browser, driver


def missing_chromium() -> str | None:
    """Return why the browser tests cannot run here, or None when they can."""
    if find_chromium() is None:
        return (
            "Debian's chromium and chromium-driver are not installed (CI installs them: "
            "apt-get install -y chromium chromium-driver)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install -e '.[test]'"
    return None


@contextmanager
def headless_chromium(profile: Path, javascript: bool = True) -> Iterator[Any]:
    """Start headless Chromium with a fresh profile folder; quit it afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = find_chromium()
    if found is None:
        raise RuntimeError(missing_chromium())
    browser, driver_path = found
    os.environ.setdefault("SE_AVOID_STATS", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    # 127.0.0.1 goes direct (Chromium never proxies loopback); anything else meets a closed port
    options.add_argument(f"--proxy-server=http://127.0.0.1:{_closed_port()}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if not javascript:  # the pages must work without it
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    profile.mkdir(parents=True, exist_ok=True)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        yield driver
    finally:
        driver.quit()


def _closed_port() -> int:
    """Return a local port that nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


#: console lines that are not problems of the page (Chromium's own notices)
_NOT_PROBLEMS = re.compile(r"DevTools|favicon\.ico")


def console_problems(driver: Any) -> list[str]:
    """Return the console's errors and warnings since the last call (CSP refusals included)."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] in ("SEVERE", "WARNING") and not _NOT_PROBLEMS.search(entry["message"])
    ]


def screenshot_folder() -> Path:
    """Where screenshots go: ``$CONSORTIA_KG_SCREENSHOTS``, else test-output/screenshots/."""
    chosen = os.environ.get("CONSORTIA_KG_SCREENSHOTS")
    folder = (
        Path(chosen)
        if chosen
        else Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(driver: Any, name: str) -> Path:
    """Save the whole page as ``NAME.png`` in :func:`screenshot_folder`; return the file."""
    from selenium.webdriver.common.by import By

    height = driver.find_element(By.TAG_NAME, "body").size["height"]
    driver.set_window_size(1280, max(800, min(int(height) + 40, 8000)))
    target = screenshot_folder() / f"{name}.png"
    driver.save_screenshot(str(target))
    driver.set_window_size(1280, 1600)
    return target
