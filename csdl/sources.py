"""Reading a filter from a file or standard input, and finding the filters below a directory.

Problems reading a file become diagnostics (E009), never tracebacks. The command line, the stream
library and the servers all read through here.
"""

from __future__ import annotations

import os
import sys

from csdl.diagnostics import Diagnostic
from csdl.spans import Span

STDIN = "-"
EXTENSION = ".csdl"


class Source:
    """One filter to work on: its display ``path``, its ``text`` (None if unreadable) and, when it
    could not be read, the diagnostic that says why."""

    __slots__ = ("path", "text", "error", "is_stdin")

    def __init__(self, path: str, text: str | None, error: Diagnostic | None = None, is_stdin: bool = False):
        self.path = path
        self.text = text
        self.error = error
        self.is_stdin = is_stdin


def _io_error(message: str) -> Diagnostic:
    return Diagnostic("E009", message, Span(1, 1, 1, 1, 0, 0), name="unreadable-file")


def decode(data: bytes, path: str) -> tuple[str | None, Diagnostic | None]:
    """UTF-8 text of ``data`` (a leading byte-order mark is dropped) or a diagnostic naming the byte."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", "replace")
        line = good.count("\n") + 1
        column = len(good) - (good.rfind("\n") + 1) + 1
        diag = Diagnostic(
            "E009",
            f"{path} is not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} ({exc.reason})",
            Span(line, column, line, column + 1, len(good), len(good) + 1),
            name="unreadable-file",
            hint="save the filter as UTF-8",
        )
        return None, diag


def read_path(path: str) -> Source:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except IsADirectoryError:
        return Source(path, None, _io_error(f"{path} is a directory"))
    except FileNotFoundError:
        return Source(path, None, _io_error(f"{path}: no such file"))
    except PermissionError:
        return Source(path, None, _io_error(f"{path}: permission denied"))
    except OSError as exc:
        return Source(path, None, _io_error(f"{path}: {exc.strerror or exc}"))
    text, error = decode(data, path)
    return Source(path, text, error)


def read_stdin(display_name: str | None) -> Source:
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
    name = display_name or "<stdin>"
    text, error = decode(data, name)
    return Source(name, text, error, is_stdin=True)


def filter_files(directory: str, extensions: tuple[str, ...] = (EXTENSION,)) -> list[str]:
    """Every ``*.csdl`` file (or file ending with one of ``extensions``) below ``directory``
    (hidden folders skipped), sorted."""
    found = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(os.path.join(root, f) for f in files if f.endswith(extensions))
    return sorted(found)
