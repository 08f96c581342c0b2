"""Reading a filter from a file or standard input, and finding the filters below a directory.

Problems reading a file become diagnostics (E009), never tracebacks. The command line, the stream
library and the servers all read through here.
"""

from __future__ import annotations

import os
import stat
import sys

from csdl.diagnostics import Diagnostic
from csdl.spans import Span, span_at

STDIN = "-"
EXTENSION = ".csdl"


class Source:
    """One filter to work on: its display ``path``, its ``text`` (None if unreadable) and, when it
    could not be read, the diagnostic that says why."""

    __slots__ = ("path", "text", "error", "is_stdin", "bom")

    def __init__(self, path: str, text: str | None, error: Diagnostic | None = None, is_stdin: bool = False,
                 bom: bool = False):
        self.path = path
        self.text = text
        self.error = error
        self.is_stdin = is_stdin
        self.bom = bom  # the bytes began with a UTF-8 byte-order mark (not in ``text``; kept when rewritten)


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


#: A file is read up to this many bytes, and refused when longer (``/dev/zero`` would never end):
#: far beyond DataSift's 1 MB filter limit (which the parser reports with the size, E008) and a
#: payload bundle of many filters.
MAX_READ_BYTES = 16 * 1024 * 1024

BOM = b"\xef\xbb\xbf"

_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


class NotRegularFile(OSError):
    """A path that names a pipe, device or socket: reading it may never end."""


def read_bytes(path: str, limit: int = MAX_READ_BYTES) -> bytes:
    """At most ``limit + 1`` bytes of the regular file ``path`` (more than ``limit`` means too long).
    Raises ``OSError``: ``IsADirectoryError``, ``NotRegularFile`` (never blocking on a FIFO)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "is a directory", path)
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a file")
            raise NotRegularFile(0, f"is not a regular file ({kind})", path)
        return f.read(limit + 1)


def read_path(path: str, limit: int = MAX_READ_BYTES) -> Source:
    try:
        data = read_bytes(path, limit)
    except NotRegularFile as exc:
        return Source(path, None, _io_error(f"{path} {exc.strerror}: read a stream from standard input with `-`"))
    except IsADirectoryError:
        return Source(path, None, _io_error(f"{path} is a directory"))
    except FileNotFoundError:
        return Source(path, None, _io_error(f"{path}: no such file"))
    except PermissionError:
        return Source(path, None, _io_error(f"{path}: permission denied"))
    except OSError as exc:
        return Source(path, None, _io_error(f"{path}: {exc.strerror or exc}"))
    if len(data) > limit:
        return Source(path, None, _io_error(f"{path} is larger than {limit:,} bytes: not read (DataSift accepts "
                                            f"filters up to 1 MB)"))
    text, error = decode(data, path)
    return Source(path, text, error, bom=data.startswith(BOM))


def read_stdin(display_name: str | None, limit: int = MAX_READ_BYTES) -> Source:
    data = sys.stdin.buffer.read(limit + 1) if hasattr(sys.stdin, "buffer") else sys.stdin.read(limit + 1).encode()
    name = display_name or "<stdin>"
    if len(data) > limit:
        return Source(name, None, _io_error(f"{name} is larger than {limit:,} bytes: not read (DataSift accepts "
                                            f"filters up to 1 MB)"), is_stdin=True)
    text, error = decode(data, name)
    return Source(name, text, error, is_stdin=True, bom=data.startswith(BOM))


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
                     if not _excluded(path, exclude) and not _special(path))
    if found:
        ignored = _git_ignored(directory, found, gitignores)
        if ignored:
            found = [path for path in found if path not in ignored]
    return sorted(found)


def _special(path: str) -> bool:
    """A pipe, device or socket met in a walk: skipped (reading a FIFO waits for a writer). A path
    that cannot be looked at (a dangling link) is kept, for the reader to report."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


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
