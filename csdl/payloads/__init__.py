"""Checking the other payloads teams keep next to their filters: DataSift Managed Sources bodies
(``/source/create``, ``/source/update``) and Datastreamer Data365 collection tasks.

``check_payload(text, kind=None, **options)`` returns the same ``Diagnostic`` objects as
``csdl.check``; ``refusal(kind, diagnostics)`` is the HTTP answer the platform would give (for the
API emulator). Codes: P0xx the file (JSON, size, kind), P1xx Managed Sources, P2xx source
updates, P3xx Data365.
"""

from __future__ import annotations

__all__ = ["KINDS", "SOURCE_CREATE", "SOURCE_UPDATE", "DATA365_TASKS", "MAX_BYTES", "PayloadOptionError",
           "check_payload", "detect", "load_previous", "refusal"]

_FROM_KINDS = ("KINDS", "SOURCE_CREATE", "SOURCE_UPDATE", "DATA365_TASKS", "detect")


def __getattr__(name: str):
    """The public names, imported on first use (PEP 562): ``csdl check`` on a filter reads the
    payload settings of the configuration (``csdl.config.payloads``) but never checks a payload,
    and should not pay for the JSON parser and the rule tables."""
    if name not in __all__:
        raise AttributeError(f"module 'csdl.payloads' has no attribute {name!r}")
    import importlib

    module = importlib.import_module("csdl.payloads.kinds" if name in _FROM_KINDS else "csdl.payloads.checker")
    value = getattr(module, name)
    globals()[name] = value
    return value
