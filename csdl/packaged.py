"""The package's own data files (``csdl/data/``), and the one way to reach a TOML parser.

Each table is read once per process, on first use, so that a command that never needs a table
never pays for reading it.
"""

from __future__ import annotations

import functools
import os

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def toml():
    """The standard library's ``tomllib`` (Python 3.11+), or ``tomli``, which the distribution
    requires on Python 3.10."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib


def data_path(name: str) -> str:
    return os.path.join(DATA_DIR, name)


@functools.cache
def data_table(name: str) -> dict:
    """``csdl/data/<name>`` parsed as TOML (shared: callers must not change it)."""
    with open(data_path(name), "rb") as f:
        return toml().load(f)
