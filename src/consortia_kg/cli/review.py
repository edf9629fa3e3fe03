"""``consortia-kg review``: list the links imports proposed, and accept or reject them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click

from consortia_kg.cli.common import data_option, handle_errors
from consortia_kg.errors import InputError
from consortia_kg.reconcile.review import Review

__all__ = ["review"]


@click.group(invoke_without_command=True)
@data_option
@click.option("--all", "show_all", is_flag=True, help="List decided proposals too.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)  # fmt: skip
@click.pass_context
@handle_errors
def review(ctx: click.Context, data_dir: Path, show_all: bool, fmt: str) -> None:
    """List the links imports proposed but could not decide (data/review.yaml).

    Each proposal says a name (where it was read, its country) may mean a record. Accept or
    reject it by number (`consortia-kg review accept 3 4`), or edit `decision:` in the file;
    the next import follows the decision and does not ask again.
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = data_dir
        return
    loaded = _load(data_dir)
    shown = [
        (n, p) for n, p in enumerate(loaded.proposals, 1) if show_all or p.decision == "pending"
    ]
    if fmt == "json":
        click.echo(json.dumps([{"number": n, **{k: getattr(p, k) for k in (
            "kind", "name", "country", "where", "candidate", "candidate_name", "score", "reason",
            "decision")}} for n, p in shown], ensure_ascii=False, indent=2))  # fmt: skip
        return
    if not shown:
        click.echo(f"no proposals wait for a decision in {loaded.path}")
        return
    for n, p in shown:
        where = f" ({p.where})" if p.where else ""
        country = f" [{p.country}]" if p.country else ""
        click.echo(
            f'{n:>4}  {p.decision:<7}  "{p.name}"{country}{where}\n'
            f'      may be {p.kind} {p.candidate} ("{p.candidate_name}"): {p.reason}, '
            f"score {p.score:.0f}"
        )
    pending = len(loaded.pending())
    click.echo(f"{pending} proposal{'' if pending == 1 else 's'} pending", err=True)


def _decide(decision: str) -> Callable[..., None]:
    @click.argument("numbers", nargs=-1, type=click.IntRange(min=1), required=True)
    @click.pass_obj
    @handle_errors
    def command(data_dir: Path, numbers: tuple[int, ...]) -> None:
        loaded = _load(data_dir)
        for number in numbers:
            proposal = loaded.decide(number, decision)
            click.echo(f'{decision}ed {number}: "{proposal.name}" → {proposal.candidate}')
        loaded.save()

    command.__doc__ = f"{decision.capitalize()} proposals by number; the next import follows."
    return command


def _load(data_dir: Path) -> Review:
    if not data_dir.is_dir():
        raise InputError(f"{data_dir} is not a folder of records", hint="pass --data DIR")
    return Review.load(data_dir)


review.command("accept")(_decide("accept"))
review.command("reject")(_decide("reject"))
