"""csdl — the offline toolkit for DataSift's CSDL filter language.

``parse`` and ``format`` are the language core; ``check``, ``cost`` and ``compile`` are loaded on
first use so that ``import csdl`` stays cheap.
"""

from __future__ import annotations

from csdl.version import __version__  # noqa: E402

from csdl.language.ast import Filter  # noqa: E402
from csdl.spans import Span  # noqa: E402
from csdl.diagnostics import CSDLError, Diagnostic  # noqa: E402
from csdl.language.parser import parse  # noqa: E402

# Public names provided by modules that are imported lazily (PEP 562).
_LAZY = {
    "format": ("csdl.language.printer", "format"),
    "check": ("csdl.checking.checker", "check"),
    "fix": ("csdl.checking.fix_loop", "fix"),
    "cost": ("csdl.compiler", "cost"),
    "compile": ("csdl.compiler", "compile"),
    "check_payload": ("csdl.payloads", "check_payload"),
    "run": ("csdl.engines.running", "run"),
}

__all__ = ["CSDLError", "Diagnostic", "Filter", "Span", "parse", "__version__", *_LAZY]


def __getattr__(name: str):
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'csdl' has no attribute {name!r}") from None
    import importlib

    value = getattr(importlib.import_module(module_name), attribute)
    globals()[name] = value
    return value


def __dir__():
    """The module's names, the lazily loaded functions included (for ``dir()``, ``help()`` and
    completion in a REPL)."""
    return sorted(set(globals()) | set(_LAZY))
