"""Where something is in a text: ``Span`` (line, column, offsets) and the offset-to-span index.

Filters and JSON payloads both report diagnostics at spans, so this module sits below the
language: it knows nothing of CSDL.
"""

from __future__ import annotations

from bisect import bisect_right

_index: tuple[str, list[int]] | None = None


class Span:
    """A region of the source: 1-based line and column, exclusive end column, 0-based offsets."""

    __slots__ = ("line", "column", "end_line", "end_column", "start", "end")

    def __init__(self, line: int, column: int, end_line: int, end_column: int, start: int, end: int):
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.start = start
        self.end = end

    @classmethod
    def of_token(cls, token) -> "Span":
        return cls(token.line, token.column, token.end_line, token.end_column, token.start_pos, token.end_pos)

    @classmethod
    def at(cls, text: str, offset: int, length: int = 1) -> "Span":
        """The span of ``length`` characters at ``offset`` in ``text`` (clamped to the text)."""
        return span_at(text, offset, length)

    def cover(self, other: "Span") -> "Span":
        """The smallest span from the start of ``self`` to the end of a later ``other``."""
        return Span(self.line, self.column, other.end_line, other.end_column, self.start, other.end)

    def to_dict(self) -> dict:
        return {
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "start": self.start,
            "end": self.end,
        }

    def __eq__(self, other) -> bool:
        return isinstance(other, Span) and self.start == other.start and self.end == other.end

    def __hash__(self) -> int:
        return hash((self.start, self.end))

    def __repr__(self) -> str:
        return f"Span({self.line}:{self.column}-{self.end_line}:{self.end_column})"


def span_at(source: str, offset: int, length: int) -> Span:
    """``Span.at`` in O(log n): a list of 100,000 items needs 100,000 spans, and ``Span.at``
    counts the newlines from the start of the text for each one."""
    global _index
    index = _index  # one read: another thread may swap the cache for another text meanwhile
    if index is None or index[0] is not source:
        index = _index = (source, [i for i, c in enumerate(source) if c == "\n"])
    newlines = index[1]
    offset = max(0, min(offset, len(source)))
    end = max(offset, min(offset + length, len(source)))
    line = bisect_right(newlines, offset - 1)  # newlines before offset
    column = offset - (newlines[line - 1] + 1 if line else 0) + 1
    end_line = bisect_right(newlines, end - 1)
    end_column = end - (newlines[end_line - 1] + 1 if end_line else 0) + 1
    return Span(line + 1, column, end_line + 1, end_column, offset, end)
