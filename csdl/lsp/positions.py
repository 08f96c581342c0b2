"""Offsets into a document's text and LSP positions, in the encoding agreed with the client.

csdl's spans carry 0-based offsets into the Python ``str`` (code points). An LSP position is a
0-based line and a character count in UTF-16 code units, unless client and server agreed on UTF-8
or UTF-32 (``positionEncoding``). Lines are those of ``csdl.spans.line_starts``, the one line index
the terminal, the servers and the payload checks use too (not pygls' line splitting).
"""

from __future__ import annotations

from bisect import bisect_right

from csdl.spans import line_starts

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
ENCODINGS = (UTF8, UTF16, UTF32)


def units(text: str, encoding: str) -> int:
    """The length of ``text`` in code units of ``encoding``."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _unit_width(char: str, encoding: str) -> int:
    code = ord(char)
    if encoding == UTF8:
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return 2 if code > 0xFFFF else 1


class LineIndex:
    """Where each line of ``text`` starts; converts offsets to (line, character) and back."""

    __slots__ = ("text", "encoding", "starts")

    def __init__(self, text: str, encoding: str = UTF16):
        self.text = text
        self.encoding = encoding
        self.starts = line_starts(text)

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line_bounds(self, line: int) -> tuple[int, int]:
        """(start, end) offsets of ``line``'s content, its line break excluded."""
        start = self.starts[line]
        if line + 1 < len(self.starts):
            end = self.starts[line + 1]
            end -= 2 if end - 2 >= start and self.text.startswith("\r\n", end - 2) else 1
        else:
            end = len(self.text)
        return start, end

    def position(self, offset: int) -> tuple[int, int]:
        """The (line, character) of ``offset`` (clamped to the text)."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self.starts, offset) - 1
        return line, units(self.text[self.starts[line]:offset], self.encoding)

    def offset(self, line: int, character: int) -> int:
        """The offset of a client position; past the end of a line means the end of that line."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        start, end = self.line_bounds(line)
        character = max(0, character)
        content = self.text[start:end]
        if self.encoding == UTF32 or content.isascii():
            return start + min(character, len(content))
        count = 0
        for i, char in enumerate(content):
            if count >= character:
                return start + i
            count += _unit_width(char, self.encoding)
        return end

    def end(self) -> tuple[int, int]:
        return self.position(len(self.text))
