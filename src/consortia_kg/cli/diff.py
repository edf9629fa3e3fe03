"""``consortia-kg diff``: what changed between two releases, per entity."""

from __future__ import annotations

import json
from pathlib import Path

import click

from consortia_kg.cli.common import handle_errors
from consortia_kg.errors import InputError
from consortia_kg.paths import DEFAULT_OUTPUT_DIR

__all__ = ["diff"]

_NQUADS = "consortia.nq"


def _resolve(root: Path, name: str) -> tuple[str, Path]:
    """Return (label, N-Quads file) of a release id, ``current`` or a release folder."""
    from consortia_kg.export.releases import find_release, release_ids

    folder = Path(name)
    if (folder / _NQUADS).is_file():
        return name, folder / _NQUADS
    release = find_release(root, name)
    if release is None or not (release.folder / _NQUADS).is_file():
        known = ", ".join(release_ids(root)[-5:]) or "none"
        raise InputError(
            f"{name} is neither a release in {root / 'releases'} nor a folder of dumps",
            hint=f"name a release id (the latest: {known}), `current`, or a folder with "
            f"{_NQUADS}; pass -o DIR when the releases are not in {DEFAULT_OUTPUT_DIR}",
        )
    return release.id, release.folder / _NQUADS


def _default_pair(root: Path) -> tuple[str, str]:
    """Return the release before the current one, and the current one."""
    from consortia_kg.export.releases import current_release, release_ids

    current = current_release(root)
    earlier = [r for r in release_ids(root) if current is not None and r < current.id]
    if current is None or not earlier:
        raise InputError(
            f"{root} holds no two releases to compare",
            hint="build twice (each build publishes a release), or name two releases: "
            "consortia-kg diff A B",
        )
    return earlier[-1], current.id


@click.command()
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option(
    "-o",
    "--output",
    "root",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_OUTPUT_DIR,
    show_default=True,
    help="Folder of the releases (what `build -o` wrote).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table of counts per entity, or JSON with every statement added and removed.",
)
@handle_errors
def diff(old: str | None, new: str | None, root: Path, fmt: str) -> None:
    """List the statements added and removed per entity between releases OLD and NEW.

    OLD and NEW are release ids (see OUTPUT/releases/), `current`, or folders of dumps;
    without them, the release before the current one and the current one. Exit 0 whether
    or not anything changed.
    """
    from consortia_kg.export.diff import diff_nquads

    if old is None:
        old, new = _default_pair(root)
    elif new is None:
        new = "current"
    assert new is not None
    old_label, old_path = _resolve(root, old)
    new_label, new_path = _resolve(root, new)
    changes = diff_nquads(old_path, new_path)
    added = removed = entities = 0
    if fmt == "json":
        click.echo(f'{{"old": {json.dumps(old_label)}, "new": {json.dumps(new_label)}, ')
        click.echo('"entities": [', nl=False)
        for change in changes:  # streamed: a diff of two big releases is not held in memory
            item = {"subject": change.subject, "added": change.added, "removed": change.removed}
            click.echo(("," if entities else "") + "\n" + json.dumps(item), nl=False)
            entities += 1
            added, removed = added + len(change.added), removed + len(change.removed)
        click.echo(f'\n], "added": {added}, "removed": {removed}, "entities_changed": {entities}}}')
        return
    click.echo(f"{'added':>7} {'removed':>7}  entity")
    for change in changes:
        click.echo(f"{len(change.added):>7} {len(change.removed):>7}  {change.subject}")
        entities += 1
        added, removed = added + len(change.added), removed + len(change.removed)
    click.echo(
        f"{added} statements added, {removed} removed, about {entities} entities "
        f"({old_label} -> {new_label})",
        err=True,
    )
