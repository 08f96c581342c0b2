"""Streams by hash for the server: those compiled through the API (kept in the store) and the
``--library`` files, behind the one ``Library`` interface the cost model and the matcher use.

A stream's text never changes under its hash (the hash is that of its canonical text), so parsed
entries are cached in memory; a hash not cached is looked up in the store each time, which is how
a stream compiled by another server on the same store becomes visible.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from csdl.diagnostics import CSDLError
from csdl.library import Entry, Library

_CACHE_SIZE = 1024
_MEMO_LIMIT = 8192


class StreamLibrary(Library):
    """``--library`` files first (a file named after a hash is its author's choice), then the store."""

    def __init__(self, store, directory: str | None = None):
        # Deliberately not Library.__init__: the directory is optional here.
        self.store = store
        self.files = Library(directory) if directory else None
        self.directory = directory or "(streams compiled through this server)"
        self.memo: dict = {}
        self._cache: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._index = {}
        self._entries = []
        if self.files is not None:
            _ = self.files.entries  # read and hash the files now: errors show at start-up, not mid-request

    def resolve(self, hash: str) -> Entry | None:
        key = hash.strip().lower()
        if self.files is not None:
            entry = self.files.resolve(key)
            if entry is not None:
                return entry
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None:
                self._cache.move_to_end(key)
                return entry
        if len(key) != 32 or any(c not in "0123456789abcdef" for c in key):
            return None
        record = self.store.stream_record(key)
        if record is None:
            return None  # not cached: another server may compile it later
        entry = _entry(key, record["csdl"], record.get("platform") or "stream")
        with self._lock:
            self._cache[key] = entry
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
            if len(self.memo) > _MEMO_LIMIT:
                self.memo.clear()
        return entry

    def entry_for(self, tree) -> Entry | None:
        from csdl.language.canonical import canonical_text, text_hash

        if self.files is not None:
            entry = self.files.entry_for(tree)
            if entry is not None:
                return entry
        return self.resolve(text_hash(canonical_text(tree)))

    @property
    def entries(self) -> list[Entry]:
        return list(self.files.entries) if self.files is not None else []

    def __len__(self) -> int:
        return len(self.entries)


def _entry(hash: str, text: str, platform: str) -> Entry:
    from csdl.checking.checker import validated_tree

    try:
        tree = validated_tree(text, {"platform": platform, "select": ["E"]})
    except CSDLError as exc:  # a store written by another csdl version
        return Entry(f"store:{hash}", text, None, None, exc.diagnostics)
    return Entry(f"store:{hash}", text, tree, hash, [])


# Compiling into the store ----------------------------------------------------------------------------


def summary_line(text: str) -> str:
    """The first line of a filter that is not a comment, cut to 60 characters: the list's label."""
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("//", "/*")):
            return line if len(line) <= 60 else line[:59] + "…"
    return ""


def references(tree) -> list[str]:
    """The hashes a filter names with ``stream "<hash>"`` or ``tags "<hash>"``."""
    found = set()
    for node in tree.walk():
        if getattr(node, "kind", "") in ("stream", "tags_import"):
            value = getattr(node, "hash", None) or getattr(node, "value", None)
            if isinstance(value, str):
                found.add(value.strip().lower())
    return sorted(found)


def list_facts(text: str, tree, dpu, complete: bool) -> dict:
    """What the stream list shows of one stream (``dpu`` None: the filter does not compile)."""
    from csdl.units import dpu_json

    return {"dpu": None if dpu is None else dpu_json(dpu), "complete": complete, "summary": summary_line(text),
            "references": references(tree) if tree is not None else []}


def compile_and_store(store, library, text: str, *, platform: str = "stream", owner: str | None = None,
                      pricing=None, accept=None):
    """Compile ``text`` (``csdl.CSDLError`` when it does not) and keep it in the store under its
    hash, with who compiled it and what the stream list shows, so that listing never compiles.
    ``accept(compiled)`` may raise to refuse it before anything is stored."""
    import csdl
    from csdl.units import dpu_text

    compiled = csdl.compile(text, library=library, pricing=pricing, checks={"platform": platform, "select": ["E"]})
    if accept is not None:
        accept(compiled)
    facts = list_facts(compiled.csdl, compiled.tree, compiled.dpu, compiled.complete)
    store.put_stream(compiled.hash, compiled.csdl, platform=platform, dpu=dpu_text(compiled.dpu), owner=owner,
                     facts=facts, references=facts["references"])
    return compiled
