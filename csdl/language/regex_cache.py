"""Compiled regular expressions kept from one process to the next.

CPython compiles a regular expression in pure Python (``re._parser`` and ``re._compiler``) and
forgets the result when the process ends. The contextual lexer compiles one scanner per parser
state it meets — about nine for a small filter, a few milliseconds of every ``csdl check``, more
than the parse itself. ``CachedRe`` keeps what ``re`` computes, the arguments it hands to
``_sre.compile``, in a small file in the user's cache directory, and builds the pattern object
straight from them next time: the very object ``re.compile`` returns (patterns compare equal,
code included). Entries are keyed by the interpreter's exact version and the regex engine's
magic number; anything unexpected (another Python implementation, an unreadable or foreign
file, an entry ``_sre`` refuses) falls back to ``re.compile``.

The file is ``marshal`` data, like the ``.pyc`` files beside it in trust: it is only ever read
from the user's own cache directory.
"""

from __future__ import annotations

import os
import re
import sys

#: Above this many entries the file is not grown any further (a run-away list of patterns).
MAX_ENTRIES = 256


def cache_dir() -> str:
    """``$CSDL_CACHE_DIR``, else ``$XDG_CACHE_HOME/csdl``, else ``~/.cache/csdl``."""
    return os.environ.get("CSDL_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "csdl"
    )


class CachedRe:
    """Stands in for the ``re`` module where a lexer compiles its patterns: ``compile`` and
    ``match`` go through the cache file ``path`` (None: no file, an in-process memo only);
    every other attribute is ``re``'s own."""

    error = re.error

    def __init__(self, path: str | None):
        self.path = path
        self.entries: dict = _load(path) if path is not None else {}
        self._compiled: dict = {}

    def __getattr__(self, name):
        return getattr(re, name)

    def match(self, pattern, string, flags=0):
        return self.compile(pattern, flags).match(string)

    def compile(self, pattern, flags=0):
        if not isinstance(pattern, str):
            return re.compile(pattern, flags)
        key = (pattern, int(flags))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._build(key)
        return compiled

    def _build(self, key):
        pattern, flags = key
        entry = self.entries.get(key)
        if entry is not None:
            try:
                import _sre

                return _sre.compile(pattern, *entry)
            except Exception:  # noqa: BLE001 - a stale or foreign entry: compile it afresh
                del self.entries[key]
        try:
            compiled, entry = _compile(pattern, flags)
        except (ImportError, AttributeError, TypeError):  # not CPython's engine: no cache
            return re.compile(pattern, flags)
        if self.path is not None and len(self.entries) < MAX_ENTRIES:
            self.entries[key] = entry
            self._save()
        return compiled

    def _save(self) -> None:
        """Atomically: concurrent processes may lose each other's new entries, never corrupt the file."""
        import marshal

        tmp = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(tmp, "wb") as f:
                f.write(marshal.dumps((_version(), self.entries)))
            os.replace(tmp, self.path)
        except (OSError, ValueError):
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _version() -> tuple:
    import _sre

    return (sys.version, _sre.MAGIC, _sre.CODESIZE)


def _load(path: str) -> dict:
    import marshal

    try:
        with open(path, "rb") as f:
            version, entries = marshal.loads(f.read())
        if version != _version() or not isinstance(entries, dict):
            return {}
    except Exception:  # noqa: BLE001 - missing, unreadable, truncated or foreign: start afresh
        return {}
    return entries


def _compile(pattern: str, flags: int):
    """What ``re._compiler.compile`` does, keeping the arguments of ``_sre.compile``."""
    import _sre
    from re import _compiler, _parser

    parsed = _parser.parse(pattern, flags)
    code = [int(op) for op in _compiler._code(parsed, flags)]
    groupindex = dict(parsed.state.groupdict)
    indexgroup = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    entry = (flags | parsed.state.flags, code, parsed.state.groups - 1, groupindex, tuple(indexgroup))
    return _sre.compile(pattern, *entry), entry
