"""The ``consortia-kg`` command: the root group, with each face's commands attached to it.

Each module of this package owns its commands and imports nothing of the others but
``common``; this one assembles them with ``add_command`` (as bioregistry does), so no command
module imports the root back.
"""

from __future__ import annotations

import click

from consortia_kg import __version__
from consortia_kg.cli.build import build
from consortia_kg.cli.diff import diff
from consortia_kg.cli.importing import import_group, reconcile
from consortia_kg.cli.query import push, query
from consortia_kg.cli.review import review
from consortia_kg.cli.serve import serve
from consortia_kg.cli.validate import validate

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="consortia-kg")
def main() -> None:
    """Build, validate, query and serve the consortia knowledge graph.

    Records under data/ (YAML, one file per consortium, organisation and source) become RDF
    under the consortia-kg ontology, checked with SHACL. Read more: docs/records.md.
    """


for command in (build, diff, validate, query, push, serve, import_group, reconcile, review):
    main.add_command(command)
