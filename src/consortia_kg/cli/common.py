"""What every command shares: the common options, progress lines and the exit-code contract.

stdout carries the product (a report, rows, RDF) so that pipes work; progress and errors go to
stderr. Exit codes: 0 ok, 1 the data needs a curator, 2 usage or input error, 3 internal error.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from consortia_kg.errors import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    InputError,
)
from consortia_kg.paths import DEFAULT_DATA_DIR
from consortia_kg.vocab import resolve_base_iri

F = TypeVar("F", bound=Callable[..., Any])


def progress_printer(quiet: bool) -> Callable[[str], None]:
    """Return a callback that prints stage lines on stderr unless ``quiet``."""

    def show(line: str) -> None:
        if not quiet:
            click.echo(line, err=True)

    return show


def handle_errors(func: F) -> F:
    """Turn an ``InputError`` into a message and exit 2, and a bug into exit 3 with a plea."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except BrokenPipeError:
            # the reader went away (`… | head`): not an error of ours, and nothing more to say
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(EXIT_OK)
        except KeyboardInterrupt:
            click.echo("interrupted; outputs were left as they were", err=True)
            sys.exit(130)
        except Exception:
            click.echo(traceback.format_exc(), err=True)
            click.echo(
                "internal error: this is a bug in consortia-kg, not in your data; "
                "please report it with the lines above",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


def data_option(func: F) -> F:
    """The ``--data DIR`` option every record-reading command takes."""
    return click.option(
        "--data",
        "data_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=DEFAULT_DATA_DIR,
        show_default=True,
        help="Folder of records (consortia/, organisations/, sources/).",
    )(func)


def base_option(func: F) -> F:
    """The ``--base-iri`` option: where minted IRIs live."""
    return click.option(
        "--base-iri",
        default=None,
        metavar="IRI",
        help="Base of minted IRIs (default: $CONSORTIA_KG_BASE_IRI or https://w3id.org/consortia-kg/).",
    )(func)


def quiet_option(func: F) -> F:
    """``-q``: no progress lines on stderr."""
    return click.option("-q", "--quiet", is_flag=True, help="Print no progress on stderr.")(func)


def resolve_base(base_iri: str | None) -> str:
    """Return the base IRI to mint under, or raise a usage error saying how to pass one."""
    try:
        return resolve_base_iri(base_iri)
    except ValueError as exc:
        raise InputError(str(exc), hint="pass e.g. --base-iri https://example.org/kg/") from None


def check_output(path: Path, *, folder: bool = False) -> None:
    """Raise a usage error now if ``path`` (a file, or a ``folder``) cannot be written.

    Checked before the work starts, so that a long build does not fail at its last step; the
    nearest existing folder is tried with a real scratch file, since permissions say nothing
    for root, a read-only mount or /proc.
    """
    want = "a folder" if folder else "a file"
    if path.exists() and path.is_dir() != folder:
        raise InputError(
            f"{path} is {'a file' if folder else 'a folder'}; the output must be {want}",
            hint="pass -o with another path",
        )
    parent = path if folder else path.parent
    while not parent.exists() and parent != parent.parent:
        if parent.is_symlink():  # a broken link in the way cannot be made a folder
            break
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(
            f"cannot write {path}: {parent} is not a folder",
            hint="pass -o with a path whose folders are folders",
        )
    try:
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise InputError(
            f"cannot write {path}: no file can be made in {parent} ({exc.strerror or exc})",
            hint="pass -o with a folder you can write to",
        ) from None


def write_output(path: Path, body: bytes) -> None:
    """Write ``body`` to ``path`` atomically; a path that cannot be written is a usage error."""
    from consortia_kg.atomic import write_atomic

    check_output(path)
    try:
        write_atomic(path, body)
    except OSError as exc:
        raise InputError(
            f"cannot write {path}: {exc.strerror or exc}", hint="pass -o with another path"
        ) from None
