"""A local stream library: a directory of ``.csdl`` files, found by hash.

DataSift streams refer to each other by hash (``stream "<hash>"``, ``tags "<hash>"``). Offline we
cannot ask DataSift for the filter behind a hash, so a library directory stands in: every
``*.csdl`` file below it is registered under the hash ``csdl compile`` computes for it (our hash,
see ``csdl.compiler``), and a file named ``<32 hex digits>.csdl`` is also registered under that
name, so that a filter saved under its real DataSift hash resolves too.

Files are read and hashed once, when the library is first asked for a hash.
"""

from __future__ import annotations

import os
import re

from csdl.diagnostics import CSDLError, Diagnostic

_HEX_NAME = re.compile(r"[0-9a-fA-F]{32}")


class LibraryError(ValueError):
    """The library itself cannot be used (not a directory)."""


class Entry:
    """One library file: its text, its syntax tree (None when invalid) and its errors."""

    __slots__ = ("path", "text", "tree", "hash", "errors")

    def __init__(self, path: str, text: str | None, tree, hash: str | None, errors: list[Diagnostic]):
        self.path = path
        self.text = text
        self.tree = tree
        self.hash = hash
        self.errors = errors

    def __repr__(self) -> str:
        return f"Entry({self.path!r}, hash={self.hash!r})"


class Library:
    """The ``.csdl`` files under ``directory``, resolvable by hash (case-insensitive)."""

    def __init__(self, directory: str):
        if not os.path.isdir(directory):
            raise LibraryError(f"stream library {directory}: not a directory")
        self.directory = directory
        self._index: dict[str, Entry] | None = None
        self._entries: list[Entry] = []
        self.memo: dict = {}  # costs of entries, kept by the cost estimator

    def _files(self) -> list[str]:
        from csdl.sources import filter_files

        return filter_files(self.directory)

    def _load(self) -> dict[str, Entry]:
        if self._index is not None:
            return self._index
        from csdl.sources import read_path
        from csdl.language.canonical import canonical_text, text_hash
        from csdl.checking.checker import validated_tree

        index: dict[str, Entry] = {}
        named: list[tuple[str, Entry]] = []
        for path in self._files():
            source = read_path(path)
            if source.error is not None:
                entry = Entry(path, None, None, None, [source.error])
            else:
                tree = digest = None
                try:
                    tree = validated_tree(source.text)
                except CSDLError as exc:
                    errors = exc.diagnostics
                else:
                    errors = []
                    digest = text_hash(canonical_text(tree))
                entry = Entry(path, source.text, tree, digest, errors)
            self._entries.append(entry)
            stem = os.path.splitext(os.path.basename(path))[0]
            if _HEX_NAME.fullmatch(stem):
                named.append((stem.lower(), entry))
            if entry.hash is not None:
                index.setdefault(entry.hash, entry)
        # A file's DataSift name is what its author chose: it wins over a computed hash.
        for name, entry in named:
            index[name] = entry
        self._index = index
        return index

    def resolve(self, hash: str) -> Entry | None:
        return self._load().get(hash.strip().lower())

    def entry_for(self, tree) -> Entry | None:
        """The library entry holding the same filter as ``tree`` (by canonical hash), if any."""
        from csdl.language.canonical import canonical_text, text_hash

        return self._load().get(text_hash(canonical_text(tree)))

    @property
    def entries(self) -> list[Entry]:
        self._load()
        return list(self._entries)

    def __len__(self) -> int:
        return len(self.entries)


def as_library(library) -> Library | None:
    """Accept a ``Library``, a directory path, or None."""
    if library is None or isinstance(library, Library):
        return library
    return Library(os.fspath(library))
