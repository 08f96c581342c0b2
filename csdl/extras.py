"""Optional dependencies: every import of one goes through ``require`` (or ``require_extra``), which
returns the module or raises ``MissingExtra`` naming the extra to install, in both forms (from the
package index and from a checkout). The command line prints it as ``error: …`` and exits 2."""

from __future__ import annotations

import importlib

#: The distribution's name on the package index (``csdl`` there is another project).
DISTRIBUTION = "datasift-csdl"

#: The top-level modules each extra of pyproject.toml provides (``multipart`` is python-multipart,
#: which Starlette imports for uploads).
EXTRA_MODULES = {
    "duckdb": ("sqlglot", "duckdb", "pyarrow"),
    "spark": ("sqlglot", "pyspark", "pyarrow", "pandas"),
    "lsp": ("pygls", "lsprotocol"),
    "serve": ("starlette", "uvicorn", "multipart"),
}

#: The extra named when a module is missing (the first extra that provides it).
MODULE_EXTRA = {module: extra for extra, modules in reversed(EXTRA_MODULES.items()) for module in modules}


class MissingExtra(ImportError):
    """An optional module is not installed; the message says which extra provides it and how to
    install it."""


def install_hint(extra: str) -> str:
    """How to install ``extra``: from the package index, and from a checkout of this repository."""
    return f"pip install '{DISTRIBUTION}[{extra}]' (from a checkout of csdl: pip install '.[{extra}]')"


def require(module: str, *, extra: str | None = None, purpose: str | None = None):
    """``importlib.import_module(module)``, or ``MissingExtra`` when it (or a module it needs) is not
    installed. ``purpose`` names what needs it ("csdl sql"); ``extra`` defaults to the extra that
    provides ``module``."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing = (exc.name or module).split(".")[0]
        extra = extra or MODULE_EXTRA.get(module.split(".")[0]) or MODULE_EXTRA.get(missing)
        if extra is None:  # not an optional module: a bug or a broken installation, not ours to explain
            raise
        needs = f"{purpose} needs {missing}" if purpose else f"{missing} is needed"
        raise MissingExtra(f"{needs}, which is not installed (the [{extra}] extra): {install_hint(extra)}") from None


def require_extra(extra: str, *, purpose: str) -> None:
    """Import every module of ``extra`` up front, so that a command fails before it starts, with
    one message, instead of halfway with a bare ``ModuleNotFoundError``."""
    for module in EXTRA_MODULES[extra]:
        require(module, extra=extra, purpose=purpose)
