"""``consortia-kg serve``: its options, and a fresh clone served end to end by the real command."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from consortia_kg.serve.server import free_port
from helpers.paths import DATA, RECORDS


def test_help_names_every_option(cli: Callable[..., Result]) -> None:
    result = cli("serve", "--help")
    assert result.exit_code == 0
    for option in (
        "--host",
        "--port",
        "--data",
        "--base-iri",
        "--timeout",
        "--store",
        "--workers",
        "--max-rows",
    ):
        assert option in result.output
    assert "docs/serving.md" in result.output


def test_bad_base_iri_is_a_usage_error(cli: Callable[..., Result], tmp_path: Path) -> None:
    result = cli("serve", "--base-iri", "ftp://example.org/kg", "--store", tmp_path / "store")
    assert result.exit_code == 2
    assert "base IRI" in result.stderr and "--base-iri" in result.stderr


def test_cache_size_from_the_option_or_the_environment(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consortia_kg.serve import server

    seen = []
    monkeypatch.setattr(server, "prepare_serving", lambda config, progress: None)
    monkeypatch.setattr(server, "run_server", lambda config, *args: seen.append(config))
    monkeypatch.delenv("CONSORTIA_KG_CACHE_MIB", raising=False)
    store = tmp_path / "store"
    assert cli("serve", "--store", store, "-q").exit_code == 0
    assert cli("serve", "--store", store, "-q", "--cache-mib", "0").exit_code == 0
    monkeypatch.setenv("CONSORTIA_KG_CACHE_MIB", "1.5")
    assert cli("serve", "--store", store, "-q").exit_code == 0
    assert [c.cache_bytes for c in seen] == [32 << 20, 0, 3 << 19]


def test_a_fresh_clone_is_built_and_served(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    store = tmp_path / "dist" / "store"
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    command = [
        sys.executable, "-m", "consortia_kg", "serve", "--data", str(data), "--store", str(store),
        "--port", str(port), "--base-iri", base, "--workers", "2", "-q",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        health = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"{base}health", timeout=5) as response:
                    health = json.loads(response.read())
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert health is not None, process.stderr.read().decode() if process.stderr else ""
        assert health["base"] == base and health["graphs"] == RECORDS
        # every minted IRI is a working URL
        request = urllib.request.Request(
            f"{base}consortium/ga4gh", headers={"Accept": "text/turtle"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200 and response.url == f"{base}consortium/ga4gh.ttl"
        assert (tmp_path / "dist" / "SHA256SUMS").is_file() and (store / "meta.json").is_file()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert code == 0
    assert not list((tmp_path / "dist").glob(".store.serve-*"))  # its snapshots are gone
