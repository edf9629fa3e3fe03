"""How long the query page takes to become a working editor in headless Chromium, and its weight.

    python bench/bench_editor.py [--loads 5]

Starts the real server over the curated records (tests' DATA copy, no registry snapshots) and
Debian's chromium as the browser tests do, then loads ``/sparql`` ``--loads`` times: the first
with an empty cache, the rest with the bundle cached (ETag, max-age). Each figure is the time
from navigation start to the editor ready (``window.consortiaEditor``), beside the baseline of
the same run: the home page (no editor), navigation start to DOMContentLoaded. Also prints the
bytes of the bundle and of our own script.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from consortia_kg.serve.server import BackgroundServer  # noqa: E402
from helpers.browser import headless_chromium  # noqa: E402
from helpers.paths import DATA  # noqa: E402

_LOADED = "return performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
_READY = """
var done = arguments[0];
(function wait() {
  if (window.consortiaEditor) { done(performance.now()); } else { setTimeout(wait, 5); }
})();
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    static = ROOT / "src/consortia_kg/serve/static"
    for name in ("vendor/yasgui.min.js", "vendor/yasgui.min.css", "editor.js"):
        print(f"{name}: {(static / name).stat().st_size:,} bytes")
    work = Path(tempfile.mkdtemp(prefix="bench-editor-"))
    with (
        BackgroundServer.for_data(DATA, work, workers=2, reload_interval=0) as server,
        headless_chromium(work / "profile") as driver,
    ):
        driver.set_script_timeout(60)
        ready, plain = [], []
        for _ in range(args.loads):
            driver.get(server.url + "sparql")
            ready.append(driver.execute_async_script(_READY))
            driver.get(server.url)
            plain.append(driver.execute_script(_LOADED))
            time.sleep(0.2)
    shutil.rmtree(work, ignore_errors=True)
    cached = statistics.median(ready[1:])
    print(f"editor ready, first load (empty cache): {ready[0]:.0f} ms")
    print(f"editor ready, cached (median of {len(ready) - 1}): {cached:.0f} ms")
    print(f"baseline, the home page's DOMContentLoaded (median): {statistics.median(plain):.0f} ms")


if __name__ == "__main__":
    main()
