"""Build: records → RDF quads, one named graph per record (``graph``), streamed (``quadlines``).

:data:`BUILDER_MODULES` lists the modules whose code decides which quads a record becomes: a
change to any of them means a store or dump built before is stale (``build.manifest`` hashes
their source files by name, without importing them), so a module split off one of them must be
added here. tests/test_builder_modules.py fails when a builder module imports one of ours that
is not listed.
"""

__all__ = ["BUILDER_MODULES"]

#: modules whose code turns record files into quads (read in this order by the fingerprint)
BUILDER_MODULES = (
    "consortia_kg.records.yamlsource",
    "consortia_kg.records.fieldtypes",
    "consortia_kg.records.schema",
    "consortia_kg.records.model",
    "consortia_kg.records.parse",
    "consortia_kg.records.load",
    "consortia_kg.build.index",
    "consortia_kg.build.emit",
    "consortia_kg.build.consortium",
    "consortia_kg.build.graph",
    "consortia_kg.build.quadlines",
    "consortia_kg.registries",
    "consortia_kg.registries.snapshot",
    "consortia_kg.registries.quads",
    "consortia_kg.registries.memberships",
    "consortia_kg.registries.cordis_terms",
    "consortia_kg.registries.cordis_h2020",
    "consortia_kg.registries.nfdi",
    "consortia_kg.registries.elixir",
    "consortia_kg.registries.cordis_files",
    "consortia_kg.registries.cordis_bulk",
    "consortia_kg.reconcile",
    "consortia_kg.reconcile.names",
    "consortia_kg.reconcile.engine",
    "consortia_kg.reconcile.records",
    "consortia_kg.reconcile.review",
    "consortia_kg.reconcile.duplicates",
    "consortia_kg.reconcile.links",
    "consortia_kg.atomic",
    "consortia_kg.records.writer",
    "consortia_kg.iris",
    "consortia_kg.vocab",
)
