"""The server's settings: where the data and the store are, the base IRI and every limit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from consortia_kg.export.releases import current_release
from consortia_kg.paths import DEFAULT_DATA_DIR
from consortia_kg.query.store import DEFAULT_STORE_DIR, STORE_DIRNAME
from consortia_kg.vocab import DEFAULT_BASE_IRI

__all__ = ["ServeConfig"]


@dataclass(frozen=True)
class ServeConfig:
    """Everything ``consortia-kg serve`` can be told (defaults are the CLI's)."""

    data_dir: Path = DEFAULT_DATA_DIR
    store_dir: Path = DEFAULT_STORE_DIR
    base: str = DEFAULT_BASE_IRI
    #: seconds a query may run before its worker is killed and the client gets 504
    timeout: float = 10.0
    #: query worker processes, and so the number of queries run at once
    workers: int = 4
    #: seconds a request waits for a free worker before it is answered 503
    admission_wait: float = 1.0
    #: most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) an answer may hold
    max_rows: int = 10_000
    #: largest request body, in bytes (413 above)
    max_body: int = 1 << 20
    #: longest request target (path and query string), in bytes (414 above)
    max_url: int = 16_384
    #: seconds between two looks at the store for a rebuilt version (0: never look)
    reload_interval: float = 2.0
    #: run each worker in a network namespace of its own where Linux allows it
    isolate: bool = True
    #: bytes of answers kept for the next identical query, per version of the data (0: none)
    cache_bytes: int = 32 << 20

    @property
    def dumps_dir(self) -> Path:
        """Return the folder of the dumps: the one holding the store, as ``build`` writes them."""
        return self.store_dir.parent

    def resolve(self) -> tuple[Path, Path]:
        """Return the store and dumps folders of one release, reading ``current`` once.

        In a folder of releases (``dist/store`` -> ``current/store``) both come from the
        release ``current`` names at this moment, so a build that swaps ``current`` meanwhile
        cannot give a store of one release and dumps of another; elsewhere (a store of its
        own) they are ``store_dir`` and the folder beside it.
        """
        if self.store_dir.name == STORE_DIRNAME:
            release = current_release(self.dumps_dir)
            if release is not None:
                return release.folder / STORE_DIRNAME, release.folder
        return self.store_dir, self.dumps_dir

    @property
    def prefix(self) -> str:
        """Return the path every minted IRI has on this server (the base IRI's path)."""
        return urlsplit(self.base).path or "/"
