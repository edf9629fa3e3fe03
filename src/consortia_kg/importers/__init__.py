"""Importers: outside formats become record dicts (never triples), written by ``records.writer``.

One module per format: ``page`` (Consortia-pedia catalogue pages), ``ror`` (ROR v2 records),
``ga4gh_registry`` (the GA4GH registry's SQL dump), ``cordis`` (CORDIS's bulk downloads, staged
as a registry snapshot rather than as records: see docs/registries.md). ``inputs`` reads and
checks the bytes; ``plan`` holds the data folder as an import sees it: existing records,
reconciliation, merging an import into an existing record, source records, and the files to
write.
"""

__all__: list[str] = []
