"""Content-Length framing of the language server protocol, without I/O: bytes in, bodies out.

A framer that trusts its input loses the session to one bad header: a length too short leaves
the rest of the body in front of every later header, one too long swallows the next message, a
length of 2^63 or of 5,000 digits cannot even be read. This one bounds what it buffers and
finds its way back to the next ``Content-Length:`` header after any of them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

#: The largest body accepted. DataSift takes filters up to 1 MB; escaped as JSON that may be a few
#: times more, and the editor sends the whole text on open.
MAX_BODY = 32 * 1024 * 1024
#: A header block (the lines before the blank line) longer than this is junk.
MAX_HEADER = 8 * 1024
MAX_LENGTH_DIGITS = len(str(MAX_BODY))

_HEADER_LINE = re.compile(rb"([A-Za-z0-9-]+):[ \t]*(.*)")
_CONTENT_LENGTH = re.compile(rb"content-length:", re.IGNORECASE)
_HTTP_REQUEST = re.compile(rb"[A-Z]{3,10} \S+ HTTP/\d")
_FRAMED = re.compile(rb"content-length:[ \t]*\d+\r\n", re.IGNORECASE)


@dataclass(frozen=True)
class Body:
    """One framed message body (not yet decoded)."""

    data: bytes


@dataclass(frozen=True)
class Refused:
    """Input that is not a framed message, dropped. ``http`` when it was an HTTP request."""

    reason: str
    http: bool = False


class Framer:
    """Feed it bytes as they arrive; it returns the bodies and refusals they complete."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._length: int | None = None  # the body being read, once its header was accepted
        self._checked = 0  # how far the pending body was searched for a following header
        self._skip = False  # the pending "body" is an HTTP request's, to be dropped

    def feed(self, data: bytes) -> list[Body | Refused]:
        self._buffer += data
        events: list[Body | Refused] = []
        while True:
            event = self._header() if self._length is None else self._body()
            if event is None:
                return events
            events.append(event)

    # Headers --------------------------------------------------------------------------------------

    def _header(self) -> Body | Refused | None:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) <= MAX_HEADER:
                return None
            return self._drop_junk(len(self._buffer), "a header longer than 8 KiB")
        block = bytes(self._buffer[:end])
        length, problem = _parse_header(block)
        if _HTTP_REQUEST.match(block):
            del self._buffer[:end + 4]
            if length is not None:  # skip the request's body too, when it says how long it is
                self._length, self._skip = length, True
            return Refused("an HTTP request, not a language server message", http=True)
        if problem is not None:
            start = _resync_point(block)
            if start:  # bytes before a good header (the tail of a body sent too short): drop them
                del self._buffer[:start]
                return Refused(f"{start} bytes of input that is not a message")
            del self._buffer[:end + 4]
            return Refused(problem)
        del self._buffer[:end + 4]
        self._length, self._skip, self._checked = length, False, 0
        return self._body()

    def _drop_junk(self, upto: int, reason: str) -> Refused:
        """Drop the first ``upto`` bytes, but keep a header that may have begun at the end."""
        keep = max(0, upto - len(b"Content-Length: ") - MAX_LENGTH_DIGITS - 4)
        match = _CONTENT_LENGTH.search(self._buffer, keep)
        cut = match.start() if match else keep
        del match
        del self._buffer[:cut]
        return Refused(reason)

    # Bodies ---------------------------------------------------------------------------------------

    def _body(self) -> Body | Refused | None:
        length = self._length
        assert length is not None
        if len(self._buffer) < length:
            if self._skip:  # an HTTP body being skipped: drop what came, wait for the rest
                self._length = length - len(self._buffer)
                self._buffer.clear()
                return None
            return self._overrun(len(self._buffer))
        data = bytes(self._buffer[:length])
        if self._skip:
            del self._buffer[:length]
            self._length = None
            return self._header()
        self._checked = 0
        overrun = self._overrun(length) if _FRAMED.search(data) and not _is_json(data) else None
        if overrun is not None:
            return overrun
        del self._buffer[:length]
        self._length = None
        return Body(data)

    def _overrun(self, available: int) -> Body | None:
        """A body whose header claimed more than it has: it is followed by the next message's
        header. Split there when what precedes is a whole JSON value (a header inside a JSON
        string is never preceded by a whole value)."""
        starts = [m.start() for m in _FRAMED.finditer(self._buffer, max(0, self._checked - 24), available)]
        for start in starts:
            if _is_json(self._buffer[:start]):
                data = bytes(self._buffer[:start])
                del self._buffer[:start]
                self._length = None
                return Body(data)
        self._checked = available
        return None


def _parse_header(block: bytes) -> tuple[int | None, str | None]:
    """The Content-Length of a header block, and what is wrong with it (None when nothing)."""
    length: int | None = None
    problem: str | None = None
    for line in block.split(b"\r\n"):
        match = _HEADER_LINE.fullmatch(line)
        if match is None:
            problem = problem or f"not a header line: {line[:60]!r}"
            continue
        if match.group(1).lower() != b"content-length":
            continue  # Content-Type, or a header of a later protocol version
        value = match.group(2).strip()
        if not value.isdigit():
            problem = problem or f"Content-Length is not a number: {value[:40]!r}"
        elif len(value) > MAX_LENGTH_DIGITS or int(value) > MAX_BODY:
            problem = problem or f"Content-Length {value[:40].decode()}{'…' if len(value) > 40 else ''} is over the " \
                                 f"{MAX_BODY // (1024 * 1024)} MiB limit"
        elif length is not None and int(value) != length:
            problem = problem or "two different Content-Length headers"
        else:
            length = int(value)
    if length is None and problem is None:
        problem = "no Content-Length header"
    return length, problem


def _resync_point(block: bytes) -> int:
    """Where a good header begins inside a bad block (0: nowhere but the start)."""
    for match in _CONTENT_LENGTH.finditer(block, 1):
        if _parse_header(block[match.start():])[1] is None:
            return match.start()
    return 0


def _is_json(data: bytes | bytearray) -> bool:
    try:
        json.loads(data)
    except (ValueError, RecursionError):
        return False
    return True
