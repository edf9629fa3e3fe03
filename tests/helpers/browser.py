"""Headless Debian Chromium, driven through its chromedriver with selenium (no browser download).

``with headless_chromium(folder) as driver: driver.get(url)``; ``missing_chromium()`` says why
the browser tests must be skipped (None when chromium and chromedriver are both installed).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM_FLAGS", "find_chromium", "headless_chromium", "missing_chromium"]

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
def headless_chromium(profile: Path) -> Iterator[Any]:
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
    profile.mkdir(parents=True, exist_ok=True)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        yield driver
    finally:
        driver.quit()
