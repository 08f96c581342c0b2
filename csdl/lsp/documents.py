"""The documents the editor has open: their newest text and version, kept by URI.

Incremental changes are applied through ``LineIndex`` (the LSP's own line breaks and the
negotiated encoding); pygls' workspace copy is not kept, so a 1 MB document is held once.
"""

from __future__ import annotations

import os

from pygls.uris import to_fs_path

from csdl.lsp.positions import LineIndex


class Document:
    __slots__ = ("uri", "path", "text", "version", "analysis", "received", "_index")

    def __init__(self, uri: str, text: str, version: int | None):
        self.uri = uri
        self.path = path_of(uri)
        self.text = text
        self.version = version
        self.analysis = None  # the Analysis of the newest checked version (csdl.lsp.analysis)
        self.received: float | None = None  # when the newest edit arrived (for CSDL_LSP_TIMINGS)
        self._index: LineIndex | None = None

    def index(self, encoding: str) -> LineIndex:
        index = self._index
        if index is None or index.text is not self.text or index.encoding != encoding:
            index = self._index = LineIndex(self.text, encoding)
        return index

    def apply(self, changes, version: int | None, encoding: str) -> None:
        """Apply ``contentChanges`` in order (each range refers to the text after the previous one)."""
        text = self.text
        for change in changes:
            rng = getattr(change, "range", None)
            if rng is None:
                text = change.text
                continue
            index = LineIndex(text, encoding)
            start = index.offset(rng.start.line, rng.start.character)
            end = index.offset(rng.end.line, rng.end.character)
            if end < start:
                start, end = end, start
            text = text[:start] + change.text + text[end:]
        self.text = text
        self.version = version


def path_of(uri: str) -> str | None:
    """The file-system path of a ``file:`` URI (None for ``untitled:`` and other schemes)."""
    if not uri.startswith("file:"):
        return None
    try:
        path = to_fs_path(uri)
    except Exception:  # a malformed URI from the client is not a reason to fail
        return None
    return os.path.normpath(path) if path else None


class Documents:
    def __init__(self):
        self._open: dict[str, Document] = {}

    def open(self, uri: str, text: str, version: int | None) -> Document:
        document = self._open[uri] = Document(uri, text, version)
        return document

    def get(self, uri: str) -> Document | None:
        return self._open.get(uri)

    def close(self, uri: str) -> Document | None:
        return self._open.pop(uri, None)

    def paths(self) -> set[str]:
        return {d.path for d in self._open.values() if d.path}

    def __iter__(self):
        return iter(list(self._open.values()))
