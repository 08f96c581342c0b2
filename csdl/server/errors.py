"""Errors answered as DataSift did: a status code and ``{"error": "..."}``.

CSDL problems become DataSift's 400 text: its prefix ("We are unable to parse this stream. At line
L position P") at the position our parser found, then our own words. DataSift's "position" is the
0-based offset of the offending token in its line, and one past the last character when the
filter ends too early (its recorded answers: ``contains python`` → 29, ``contains`` at the end of a
28-character filter → 29).
"""

from __future__ import annotations

PARSE_PREFIX = "We are unable to parse this stream."


class ApiError(Exception):
    """An answer other than success: ``status`` and the JSON ``body``."""

    def __init__(self, status: int, message: str | None = None, *, body: dict | None = None, headers: dict | None = None):
        super().__init__(message or "")
        self.status = status
        self.body = body if body is not None else {"error": message}
        self.headers = headers or {}


def datasift_position(text: str, diagnostic) -> tuple[int, int]:
    """(line, position) in DataSift's terms for a diagnostic of ``text``."""
    span = diagnostic.span
    line = max(1, span.line)
    position = max(0, span.column - 1)
    if span.start >= len(text) or not text[span.start:].strip():
        position += 1  # the filter ended where something was expected
    return line, position


def csdl_error_text(text: str, diagnostics) -> str:
    """The 400 message for a filter that does not compile: the first error, located."""
    first = diagnostics[0]
    line, position = datasift_position(text, first)
    message = f"{PARSE_PREFIX} At line {line} position {position}: {first.code} {first.message}"
    if first.hint:
        message += f" ({first.hint})"
    if len(diagnostics) > 1:
        more = len(diagnostics) - 1
        message += f" [and {more} more error{'s' if more > 1 else ''}]"
    return message
