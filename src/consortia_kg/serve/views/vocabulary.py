"""The ontology and the shapes: a readable page, or the RDF, by ``Accept`` or extension."""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import Response

from consortia_kg.serialize import serialize_graph

from ..generation import Generation
from ..negotiation import ENTITY_OFFERS, canonical_media_type, negotiate
from .base import DOC_EXTENSIONS, EXT_TO_FORMAT, Context, HTTPProblem

__all__ = ["vocabulary"]


async def vocabulary(
    ctx: Context, request: Request, generation: Generation, name: str, ext: str | None = None
) -> Response:
    """Answer ``ontology`` or ``shapes`` (negotiated) or ``ontology.EXT`` (that format)."""
    site_vocabulary = ctx.site.vocabularies[name]
    if ext is not None:
        fmt = EXT_TO_FORMAT.get(ext)
        if fmt is None:
            raise ctx.missing(generation, f"{name}.{ext}")
    else:
        fmt = ctx.format_param(request, ENTITY_OFFERS) or ""
        if not fmt:
            chosen = negotiate(request.headers.get("accept"), ENTITY_OFFERS)
            if chosen is None:
                raise HTTPProblem(
                    406,
                    f"the {name} has no representation of the types the Accept header allows",
                    hint="accept one of the types below",
                    headers={"Vary": "Accept"},
                    links=ctx.alternates(name),
                )
            fmt = chosen[1]
    digest = hashlib.sha256(site_vocabulary.content).hexdigest()[:32]
    etag = generation.etag("vocabulary", name, fmt, digest)
    cached = ctx.not_modified(request, generation, etag, site_vocabulary.modified)
    if cached is not None:
        return cached
    if fmt == "html":
        body: bytes | str = ctx.site.vocabulary(generation, name, ctx.alternates(name))
    elif fmt == "turtle":
        body = site_vocabulary.content  # the file as we wrote it, comments and all
    else:
        body = serialize_graph(site_vocabulary.triples, fmt, generation.base)
    headers = {"Content-Location": f"{ctx.prefix}{name}.{DOC_EXTENSIONS[fmt]}"}
    return ctx.ok(
        request,
        generation,
        body,
        canonical_media_type(fmt),
        etag,
        vary=ext is None,
        headers=headers,
        modified=site_vocabulary.modified,
    )
