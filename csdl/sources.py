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


#: Folders never walked into (as ruff's default `exclude`): tools' and packages' trees, not filters.
DEFAULT_EXCLUDE = frozenset({"node_modules", "venv", "__pycache__", "site-packages", "__pypackages__", "dist",
                             "build", "_build", "buck-out"})


def filter_files(directory: str, extensions: tuple[str, ...] = (EXTENSION,), exclude: tuple[str, ...] = ()) -> list[str]:
    """Every ``*.csdl`` file (or file ending with one of ``extensions``) below ``directory``,
    sorted. Hidden folders and ``DEFAULT_EXCLUDE`` are skipped, and so is whatever the
    ``.gitignore`` files of the tree (and of its parents up to the repository root) ignore, and
    what matches an ``exclude`` glob (against a file or folder name, or its path)."""
    ignored = _GitIgnored(directory)
    found = []
    for root, dirs, files in os.walk(directory):
        ignored.enter(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in DEFAULT_EXCLUDE
                         and not _excluded(os.path.join(root, d), exclude) and not ignored(os.path.join(root, d), True))
        found.extend(path for path in (os.path.join(root, f) for f in files if f.endswith(extensions))
                     if not _excluded(path, exclude) and not ignored(path, False))
    return sorted(found)


def _excluded(path: str, patterns: tuple[str, ...]) -> bool:
    if not patterns:
        return False
    from fnmatch import fnmatch

    name = os.path.basename(path)
    shown = os.path.normpath(path)
    return any(fnmatch(name, p) or fnmatch(shown, p) or fnmatch(shown, os.path.normpath(p) + "/*") for p in patterns)


class _GitIgnored:
    """``.gitignore`` files in force below and above a walked directory, as git reads them (each
    file's patterns relative to its folder; ``pathspec`` does the matching, loaded only when a
    ``.gitignore`` exists)."""

    def __init__(self, directory: str):
        self.specs: list[tuple[str, object]] = []
        top = os.path.abspath(directory)
        chain = []
        current = top
        while True:  # the parents' files, up to the repository root
            chain.append(current)
            if os.path.exists(os.path.join(current, ".git")):
                break
            parent = os.path.dirname(current)
            if parent == current:
                chain = [top]  # not in a repository: only the walked tree's own files count
                break
            current = parent
        self.seen: set[str] = set()
        for folder in reversed(chain[1:]):
            self._load(folder)

    def _load(self, folder: str) -> None:
        folder = os.path.abspath(folder)
        if folder in self.seen:
            return
        self.seen.add(folder)
        path = os.path.join(folder, ".gitignore")
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            return
        from pathspec import GitIgnoreSpec

        self.specs.append((folder, GitIgnoreSpec.from_lines(lines)))

    def enter(self, folder: str) -> None:
        self._load(folder)

    def __call__(self, path: str, is_dir: bool) -> bool:
        if not self.specs:
            return False
        absolute = os.path.abspath(path)
        for folder, spec in self.specs:
            if absolute.startswith(folder + os.sep):
                relative = os.path.relpath(absolute, folder).replace(os.sep, "/") + ("/" if is_dir else "")
                if spec.match_file(relative):
                    return True
        return False
