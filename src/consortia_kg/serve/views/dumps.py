"""The dump files ``build`` wrote: their list, and each file as the build's own bytes.

A dump is sent from disk in chunks (Starlette's ``FileResponse``: HEAD, ``Range``, ``If-Range``),
never read whole: six parallel downloads of a 247 MB dump once took the server from 384 to
1,539 MiB. Its ``ETag`` is the SHA-256 the release's ``SHA256SUMS`` gives, read once per
version of the data, never computed per download.
"""

from __future__ import annotations

import asyncio
import hashlib

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from consortia_kg.formats import rdf_format

from ..generation import Generation
from .base import Context, http_date
from .entity import entity

__all__ = ["dump_file", "dump_list", "dump_type"]


def dump_type(name: str) -> str:
    """Return the media type of a dump file, by its extension."""
    if name.endswith(".gz"):
        return "application/gzip"
    if name == "SHA256SUMS":
        return "text/plain; charset=utf-8"
    try:
        return rdf_format(name.rsplit(".", 1)[-1]).media_type
    except KeyError:
        return "application/octet-stream"


async def dump_list(ctx: Context, request: Request, generation: Generation) -> Response:
    """List the dump files with their types, sizes and checksums."""
    dumps = [
        {"name": d.name, "size": d.size, "sha256": d.sha256, "media_type": dump_type(d.name)}
        for d in generation.dumps
    ]
    licensing = generation.licensing

    def render() -> str:
        linker = ctx.site.linker(generation)
        snapshots = [
            {
                "source": linker.iri_value(s.sources[0].iri if s.sources else s.graph, s.title),
                "licence": linker.iri_value(s.licence, s.licence_name) if s.licence else None,
                "attribution": s.attribution,
                "quads": f"{s.quads:,}",
            }
            for s in licensing.of(licensing.subsets)
            if s.registry
        ]
        records = [s for s in licensing.of(licensing.subsets) if not s.registry]
        sources = sorted(
            {src for s in records for src in s.sources}, key=lambda src: src.title.casefold()
        )
        return ctx.site.render(
            "dumps.html",
            generation,
            title="Dumps",
            dumps=dumps,
            version=generation.version,
            snapshots=snapshots,
            records=len(records),
            record_quads=f"{sum(s.quads for s in records):,}",
            record_licences=sorted({s.licence_name or "not stated" for s in records}),
            sources=[
                {
                    "source": linker.iri_value(src.iri, src.title),
                    "licence": linker.iri_value(src.licence, src.licence_name)
                    if src.licence
                    else None,
                }
                for src in sources
            ],
            licences=[linker.iri_value(iri, name) for name, iri in licensing.licences()],
        )

    return ctx.cached_page(request, generation, "dumps", render)


async def dump_file(ctx: Context, request: Request, generation: Generation, name: str) -> Response:
    """Send one dump file; a name that is no dump is looked up as an IRI (and so 404s helpfully)."""
    path = generation.dumps_dir / name
    if name == "SHA256SUMS":
        # a line a file: small, and the checksum of the checksums is in no list
        content = await asyncio.to_thread(path.read_bytes)
        etag = '"' + hashlib.sha256(content).hexdigest() + '"'
        cached = ctx.not_modified(request, generation, etag)
        if cached is not None:
            return cached
        return ctx.ok(request, generation, content, dump_type(name), etag, vary=False)
    dump = next((d for d in generation.dumps if d.name == name), None)
    if dump is None:
        return await entity(ctx, request, generation, f"dumps/{name}")
    etag = f'"{dump.sha256}"'
    cached = ctx.not_modified(request, generation, etag)
    if cached is not None:
        return cached
    return FileResponse(
        path,
        media_type=dump_type(name),
        headers={
            "ETag": etag,
            "Last-Modified": http_date(generation.built_at),
            "Cache-Control": "public, max-age=60",
        },
    )
