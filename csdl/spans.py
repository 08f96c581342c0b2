"""Where something is in a text: ``Span`` (line, column, offsets) and the offset-to-span index.

Filters and JSON payloads both report diagnostics at spans, so this module sits below the
language: it knows nothing of CSDL.
"""

from __future__ import annotations

import re
from bisect import bisect_right

#: Where lines end: ``\r\n``, ``\r`` or ``\n``, and nowhere else (CSDL white space includes
#: ``\f`` and ``\v``, which ``str.splitlines`` would wrongly take for line ends). The terminal
#: reporters, the language server, the servers and the payload checks all count lines this way,
#: so one file has one set of positions everywhere.
LINE_BREAK = re.compile(r"\r\n|\r|\n")

_index: tuple[str, list[int]] | None = None


def line_starts(text: str) -> list[int]:
    """The offset where each line of ``text`` starts (the first is 0)."""
    starts = [0]
    starts.extend(match.end() for match in LINE_BREAK.finditer(text))
    return starts


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` without their line breaks (no empty last line after a final break)."""
    lines = LINE_BREAK.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def line_column(starts: list[int], offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of ``offset``, columns in code points, given ``line_starts``."""
    line = bisect_right(starts, offset) - 1
    return line + 1, offset - starts[line] + 1


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

    def to_dict(self, offsets: bool = True) -> dict:
        """The span in JSON outputs: line, column, end line and end column (1-based), and the
        0-based ``start`` and ``end`` offsets unless ``offsets`` is false (the cost report)."""
        out = {"line": self.line, "column": self.column, "end_line": self.end_line, "end_column": self.end_column}
        if offsets:
            out["start"] = self.start
            out["end"] = self.end
        return out

    def __eq__(self, other) -> bool:
        return isinstance(other, Span) and self.start == other.start and self.end == other.end

    def __hash__(self) -> int:
        return hash((self.start, self.end))

    def __repr__(self) -> str:
        return f"Span({self.line}:{self.column}-{self.end_line}:{self.end_column})"


def span_at(source: str, offset: int, length: int) -> Span:
    """The span of ``length`` characters at ``offset`` in ``source``, in O(log n): a list of
    100,000 items needs 100,000 spans, so the line starts of the last text are kept."""
    global _index
    index = _index  # one read: another thread may swap the cache for another text meanwhile
    if index is None or index[0] is not source:
        index = _index = (source, line_starts(source))
    starts = index[1]
    offset = max(0, min(offset, len(source)))
    end = max(offset, min(offset + length, len(source)))
    line, column = line_column(starts, offset)
    end_line, end_column = line_column(starts, end)
    return Span(line, column, end_line, end_column, offset, end)
