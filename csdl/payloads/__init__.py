"""Checking the other payloads teams keep next to their filters: DataSift Managed Sources bodies
(``/source/create``, ``/source/update``) and Datastreamer Data365 collection tasks.

``check_payload(text, kind=None, **options)`` returns the same ``Diagnostic`` objects as
``csdl.check``; ``refusal(kind, diagnostics)`` is the HTTP answer the platform would give (for the
API emulator). Codes: P0xx the file (JSON, size, kind), P1xx Managed Sources, P2xx source
updates, P3xx Data365.
"""

from __future__ import annotations

from csdl.payloads.checker import MAX_BYTES, PayloadOptionError, check_payload, load_previous, refusal
from csdl.payloads.kinds import DATA365_TASKS, KINDS, SOURCE_CREATE, SOURCE_UPDATE, detect

__all__ = ["KINDS", "SOURCE_CREATE", "SOURCE_UPDATE", "DATA365_TASKS", "MAX_BYTES", "PayloadOptionError",
           "check_payload", "detect", "load_previous", "refusal"]
