"""What validation and argument checks share: the platforms, DataSift's limits, and the diagnostic builder."""

from __future__ import annotations

from csdl.checking.error_codes import VALIDATION_CODES
from csdl.diagnostics import Diagnostic
from csdl.spans import Span

STREAM, PYLON = "stream", "pylon"
PLATFORMS = (STREAM, PYLON)

#: DataSift's condition limit (spec §1, counted as decided in spec §10).
MAX_CONDITIONS = 1000
#: PYLON query filters limit list operators to this many items (spec §5.6).
PYLON_MAX_LIST = 100


def diag(code: str, message: str, span: Span, hint: str | None = None, fix=None) -> Diagnostic:
    return Diagnostic(code, message, span, name=VALIDATION_CODES[code][0], hint=hint, fix=fix)
