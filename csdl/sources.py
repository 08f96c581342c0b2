"""Reading a filter from a file or standard input, and finding the filters below a directory.

Problems reading a file become diagnostics (E009), never tracebacks. The command line, the stream
library and the servers all read through here.
"""

from __future__ import annotations

import os
import sys

from csdl.diagnostics import Diagnostic
from csdl.spans import Span, span_at

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


#: The code of a file that cannot be read or decoded, and its name: the syntax family's table
#: (``csdl.language.syntax_errors.SYNTAX_CODES``, which the registry reads) takes both from here.
UNREADABLE, UNREADABLE_NAME = "E009", "unreadable-file"


def _unreadable(message: str, span: Span, hint: str | None = None) -> Diagnostic:
    return Diagnostic(UNREADABLE, message, span, name=UNREADABLE_NAME, hint=hint)


def _io_error(message: str) -> Diagnostic:
    return _unreadable(message, Span(1, 1, 1, 1, 0, 0))


def decode(data: bytes, path: str) -> tuple[str | None, Diagnostic | None]:
    """UTF-8 text of ``data`` (a leading byte-order mark is dropped) or a diagnostic naming the byte."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", "replace")
        diag = _unreadable(
            f"{path} is not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} ({exc.reason})",
            span_at(good + "\ufffd", len(good), 1), hint="save the filter as UTF-8",
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
    sorted. Hidden folders and ``DEFAULT_EXCLUDE`` are skipped, and so is what matches an
    ``exclude`` glob (against a file or folder name, or its path) and, inside a git repository,
    what git ignores (``.gitignore`` files, ``.git/info/exclude``), as ruff does."""
    found = []
    gitignores = False
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in DEFAULT_EXCLUDE
                         and not _excluded(os.path.join(root, d), exclude))
        gitignores = gitignores or ".gitignore" in files
        found.extend(path for path in (os.path.join(root, f) for f in files if f.endswith(extensions))
                     if not _excluded(path, exclude))
    if found:
        ignored = _git_ignored(directory, found, gitignores)
        if ignored:
            found = [path for path in found if path not in ignored]
    return sorted(found)


def _excluded(path: str, patterns: tuple[str, ...]) -> bool:
    if not patterns:
        return False
    from fnmatch import fnmatch

    name = os.path.basename(path)
    shown = os.path.normpath(path)
    return any(fnmatch(name, p) or fnmatch(shown, p) or fnmatch(shown, os.path.normpath(p) + "/*") for p in patterns)


def _git_ignored(directory: str, paths: list[str], gitignores_below: bool) -> set[str]:
    """The ``paths`` that git ignores, asked of git itself (``git check-ignore``: its own rules,
    negations and global excludes included). Outside a repository, with no ignore file in sight,
    or without a ``git`` program, nothing is ignored."""
    root = os.path.abspath(directory)
    chain = []
    while not os.path.exists(os.path.join(root, ".git")):
        chain.append(root)
        parent = os.path.dirname(root)
        if parent == root:
            return set()
        root = parent
    chain.append(root)
    exclude_file = os.path.join(root, ".git", "info", "exclude")
    if not (gitignores_below or any(os.path.exists(os.path.join(d, ".gitignore")) for d in chain)
            or (os.path.isfile(exclude_file) and _has_patterns(exclude_file))):
        return set()  # nothing to ask: spare the subprocess
    import subprocess

    absolute = {os.path.abspath(p): p for p in paths}
    try:
        answer = subprocess.run(["git", "-C", root, "check-ignore", "--stdin", "-z"], input="\0".join(absolute) + "\0",
                                capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return set()
    if answer.returncode not in (0, 1):  # 1: nothing ignored; anything else: git could not say
        return set()
    return {absolute[p] for p in answer.stdout.split("\0") if p in absolute}


def _has_patterns(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return any(line.strip() and not line.lstrip().startswith("#") for line in f)
    except OSError:
        return False
