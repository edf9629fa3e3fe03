"""Start a real Oxigraph SPARQL server (`oxigraph serve`, PyPI package `oxigraph`) for tests.

It listens on 127.0.0.1 on a free port, keeps its database in a temp folder, sees every named
graph as its default graph (``--union-default-graph``, unless told not to), and is stopped by
its PID.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

import pytest

__all__ = ["OxigraphServer", "find_oxigraph", "free_port", "require_oxigraph"]


def find_oxigraph() -> str | None:
    """Return the `oxigraph` command: beside this Python first (a venv), then on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    return shutil.which("oxigraph")


def require_oxigraph() -> None:
    """Skip without the server binary, except in CI, where its absence is a failure."""
    if find_oxigraph() is None:
        message = "`oxigraph` (PyPI package oxigraph, in the test extra) is not installed"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class OxigraphServer:
    """``with OxigraphServer() as server: server.query_url, server.store_url``."""

    def __init__(
        self,
        binary: str | None = None,
        startup_seconds: float = 30.0,
        union_default_graph: bool = True,
    ) -> None:
        found = binary or find_oxigraph()
        if found is None:
            raise FileNotFoundError("`oxigraph` is not installed: pip install -e '.[test]'")
        self.binary = found
        self.startup_seconds = startup_seconds
        self.union_default_graph = union_default_graph
        self.process: subprocess.Popen[bytes] | None = None
        self.folder: Path | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """Return the server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        """Return the SPARQL query endpoint."""
        return f"{self.url}/query"

    @property
    def update_url(self) -> str:
        """Return the SPARQL update endpoint."""
        return f"{self.url}/update"

    @property
    def store_url(self) -> str:
        """Return the Graph Store Protocol endpoint."""
        return f"{self.url}/store"

    def start(self) -> OxigraphServer:
        """Start the server and wait until it answers a query; retry on a port taken meanwhile."""
        self.folder = Path(tempfile.mkdtemp(prefix="oxigraph-test-"))
        last_error = ""
        for _attempt in range(3):
            self.port = free_port()
            log = open(self.folder / "server.log", "wb")  # noqa: SIM115 - kept by the process
            self.process = subprocess.Popen(
                [
                    self.binary,
                    "serve",
                    "--location",
                    str(self.folder / "db"),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    *(["--union-default-graph"] if self.union_default_graph else []),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            if self._wait_ready():
                return self
            last_error = (self.folder / "server.log").read_text(errors="replace")
            self._kill()
        raise RuntimeError(f"oxigraph serve did not start:\n{last_error}")

    def _wait_ready(self) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            request = urllib.request.Request(
                self.query_url + "?query=ASK%7B%7D",
                headers={"Accept": "application/sparql-results+json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        return False

    def update(self, sparql: str) -> None:
        """Run a SPARQL update on the server (to change it behind a client's back)."""
        request = urllib.request.Request(
            self.update_url,
            data=sparql.encode(),
            headers={"Content-Type": "application/sparql-update"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def _kill(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        """Stop the server by its PID and remove its folder."""
        self._kill()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
