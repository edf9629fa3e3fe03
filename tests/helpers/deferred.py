"""Parametrize rows whose value is computed when the test runs, from the fixtures it names.

A row that needs an outside file cannot read it at collection (the folder may be absent, and
then collection must not fail); it holds a function instead, whose parameter names are fixture
names: ``lambda ror_lines: ror_lines[0]``. ``resolve`` calls it with those fixtures, so the row
skips with the fixture's reason while the rows that need nothing still run.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TypeVar

import pytest

__all__ = ["resolve"]

T = TypeVar("T")


def resolve(value: T | Callable[..., T], request: pytest.FixtureRequest) -> T:
    """Return ``value``, or call it with the fixtures its parameters name."""
    if not callable(value):
        return value
    names = inspect.signature(value).parameters
    return value(**{name: request.getfixturevalue(name) for name in names})
