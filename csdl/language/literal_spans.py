"""Spans inside a quoted argument: list items, the ``contains_near`` distance, offsets in a value.

The AST keeps a list argument's items as unescaped strings and one span for the whole literal;
diagnostics about one item (empty, duplicate, a float) should point at that item, so this module
finds each item in the raw literal again.
"""

from __future__ import annotations

from csdl.language.ast import Text, TextList
from csdl.spans import Span, span_at

_WS = " \t\n\r\f\v"


def _split_raw(body: str, sep: str = ",") -> list[tuple[int, int]]:
    """(start, end) of each ``sep``-separated part of ``body``, honouring backslash escapes."""
    parts = []
    start = i = 0
    n = len(body)
    while i < n:
        char = body[i]
        if char == "\\":
            i += 2
            continue
        if char == sep:
            parts.append((start, i))
            start = i + 1
        i += 1
    parts.append((start, n))
    return parts


def _trim(body: str, start: int, end: int) -> tuple[int, int]:
    while start < end and body[start] in _WS:
        start += 1
    while end > start and body[end - 1] in _WS:
        end -= 1
    return start, end


def list_item_spans(source: str, arg: TextList, body_end: int | None = None) -> list[Span]:
    """One span per item of a quoted list (an empty item gets a zero-width span where it would be)."""
    raw = arg.raw
    body = raw[1:-1] if body_end is None else raw[1:body_end]
    base = arg.span.start + 1
    spans = []
    for start, end in _split_raw(body):
        s, e = _trim(body, start, end)
        if s == e:  # empty item: point at the comma after it (or before it, at the end of the list)
            if not body:
                spans.append(arg.span)
            elif end < len(body):
                spans.append(span_at(source, base + end, 1))
            else:
                spans.append(span_at(source, base + start - 1, 1))
        else:
            spans.append(span_at(source, base + s, e - s))
    return spans


def near_parts(raw: str) -> tuple[int, int | None]:
    """For a ``contains_near`` literal: the end of the word list in ``raw`` and the start of the distance."""
    body = raw[1:-1]
    colon = -1
    i = 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] == ":":
            colon = i
        i += 1
    if colon < 0:
        return len(body) + 1, None
    return colon + 1, colon + 2


def value_span(source: str, arg: Text, offset: int, length: int) -> Span:
    """The span of ``value[offset:offset+length]``; the whole literal when escapes make it ambiguous."""
    if arg.raw[1:-1] != arg.value:
        return arg.span
    length = max(0, min(length, len(arg.value) - offset))
    return span_at(source, arg.span.start + 1 + offset, length)
