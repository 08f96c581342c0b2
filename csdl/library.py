"""A local stream library: a directory of ``.csdl`` files, found by hash.

DataSift streams refer to each other by hash (``stream "<hash>"``, ``tags "<hash>"``). Offline we
cannot ask DataSift for the filter behind a hash, so a library directory stands in: every
``*.csdl`` file below it is registered under the hash ``csdl compile`` computes for it (our hash,
see ``csdl.compiler``), and a file named ``<32 hex digits>.csdl`` is also registered under that
name, so that a filter saved under its real DataSift hash resolves too.

Files are read and hashed once, when the library is first asked for a hash.

``resolve(tree, library)`` is the one place where references are followed: it resolves every
``stream``/``tags`` hash a filter reaches (through the files it reaches, in turn), finds loops and
missing or invalid files, and names each fault with one code (C100-C104, csdl/data/run_cost_codes.toml).
The cost model, the Python matcher, the SQL engines, the server and the workbench consume its
``ResolvedFilter``: a cost is incomplete where a reference is missing, a run refuses to start.
"""

from __future__ import annotations

import os
import re

from csdl.diagnostics import CSDLError, Diagnostic

# The faults of references, one family for every consumer (names and severities: the registry).
from csdl.costing.report import (  # the cost report's codes are the references' codes
    INCOMPLETE_CODES,
    INCOMPLETE_REFERENCE,
    INVALID_REFERENCE,
    REFERENCE_CYCLE,
    UNRESOLVED_STREAM,
    UNRESOLVED_TAGS,
)

NO_LIBRARY_HINT = ("give a stream library: a directory of .csdl files (`library=` in Python, `--library DIR` "
                   "or `library =` in the configuration for the CLI)")

#: A file named like this is registered under its name too (a DataSift hash).
HEX_NAME = re.compile(r"[0-9a-fA-F]{32}")


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
        from csdl.reading import filter_files

        return filter_files(self.directory)

    def _load(self) -> dict[str, Entry]:
        if self._index is not None:
            return self._index
        from csdl.reading import read_path
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
            if HEX_NAME.fullmatch(stem):
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


def as_library(library):
    """A directory path as a ``Library``; anything else ``resolve`` accepts (a ``Library``, a
    callable ``hash -> Filter``, a mapping, None) as it is."""
    if isinstance(library, (str, os.PathLike)):
        return Library(os.fspath(library))
    return library


# --- resolving a filter's references ------------------------------------------------------------


def _short(path: str | None) -> str:
    return os.path.basename(path) if path else "?"


def _quote(text: str) -> str:
    from csdl.language.strings import quote

    return quote(text)


def _diagnostic(code: str, message: str, span, **kwargs) -> Diagnostic:
    from csdl.codes import diagnostic

    return diagnostic(code, message, span, **kwargs)


class ResolvedFilter:
    """A filter with every ``stream``/``tags`` hash it reaches resolved, directly or through the
    files it reaches. ``diagnostics`` (C100-C104) are located in the filter itself, at the
    reference that leads to each fault; ``filter(hash)`` gives a resolved hash's syntax tree."""

    __slots__ = ("tree", "library", "entries", "diagnostics", "references", "stack")

    def __init__(self, tree, library, entries: dict[str, Entry], diagnostics: list[Diagnostic], references=None,
                 stack: tuple[str, ...] = ()):
        self.tree = tree
        self.library = library  # as given (a Library, a directory, a callable): for spawned workers
        self.entries = entries  # hash (lower case) -> the usable entry it resolved to
        self.diagnostics = diagnostics
        # how the library answered (each hash asked once), for the cost model's walk over the same
        # references; ``stack``: the filter's own file when the library holds it
        self.references = references if references is not None else References(library)
        self.stack = stack

    @property
    def complete(self) -> bool:
        return not self.diagnostics

    def filter(self, hash: str):
        """The syntax tree ``hash`` resolved to (KeyError for a hash that did not resolve)."""
        return self.entries[hash.strip().lower()].tree

    def entry(self, hash: str) -> Entry | None:
        return self.entries.get(hash.strip().lower())

    def trees(self) -> list:
        """The filter's syntax tree and those of the files its references reach (each once)."""
        out, seen = [self.tree], set()
        for entry in self.entries.values():
            if entry.path not in seen:
                seen.add(entry.path)
                out.append(entry.tree)
        return out

    def targets(self) -> list[str]:
        """Every target a condition reads, in the filter and in the files it reaches, once each
        (in order of appearance)."""
        out: list[str] = []
        for tree in self.trees():
            for node in tree.conditions():
                if node.kind == "condition" and node.target not in out:
                    out.append(node.target)
        return out

    def texts(self) -> dict[str, str]:
        """Each resolved hash's CSDL text: a library that travels (to Spark's executors, say) as
        plain data, usable as ``library=texts.get``."""
        return {key: entry.tree.source for key, entry in self.entries.items()}

    def require(self) -> "ResolvedFilter":
        """Itself, when every reference resolved; else ``CSDLError`` with the faults (a run
        cannot guess what an unknown stream matches)."""
        if self.diagnostics:
            raise CSDLError(self.diagnostics)
        return self

    def __repr__(self) -> str:
        return f"ResolvedFilter({len(self.entries)} references, {len(self.diagnostics)} problems)"


def references(tree) -> list[tuple[str, str, object]]:
    """(keyword, hash as written, span) of each distinct hash ``tree`` refers to, in source order:
    its ``tags`` imports (located at the hash), then the streams its tag bodies and its main
    expression use (located at the reference)."""
    from csdl.language import ast

    out: list[tuple[str, str, object]] = []
    seen: set[str] = set()

    def add(keyword: str, written: str, span) -> None:
        key = written.strip().lower()
        if key not in seen:
            seen.add(key)
            out.append((keyword, written, span))

    for statement in tree.imports:
        add("tags", statement.hash, statement.hash_span)
    for node in tree.conditions():
        if isinstance(node, ast.StreamRef):
            add("stream", node.hash, node.span)
    return out


def lookup_function(library):
    """(hash -> Entry | None, where) for anything accepted as a library: a ``Library`` (or one
    serving the server's streams), a directory, a mapping's ``get`` or any callable answering a
    ``Filter``, CSDL text or an ``Entry``. None: no library (every reference is unresolved)."""
    if library is None:
        return None, None
    if isinstance(library, (str, os.PathLike)):
        library = Library(os.fspath(library))
    where = getattr(library, "directory", None)
    if not callable(library):
        method = getattr(library, "resolve", None) or getattr(library, "get", None)
        if not callable(method):
            raise TypeError("library must be a directory, a Library, a callable hash -> Filter, or have resolve(hash)")
        library = method

    def lookup(hash: str) -> Entry | None:
        return _as_entry(hash, library(hash))

    return lookup, where


def _as_entry(hash: str, found) -> Entry | None:
    if found is None or isinstance(found, Entry):
        return found
    from csdl.language import ast

    if isinstance(found, str):  # text a caller gives is parsed, not checked (library files are)
        from csdl.language.parser import parse

        try:
            found = parse(found)
        except CSDLError as exc:
            return Entry(f"<{hash}>", found, None, None, exc.diagnostics)
    if isinstance(found, ast.Filter):
        return Entry(f"<{hash}>", found.source, found, hash.strip().lower(), [])
    tree = getattr(found, "tree", None)  # another library's entry type
    if isinstance(tree, ast.Filter) or getattr(found, "errors", None):
        return Entry(getattr(found, "path", f"<{hash}>"), getattr(found, "text", None), tree, hash, list(found.errors or []))
    return None


class References:
    """How one library answers references: the one place that resolves a hash, finds a loop among
    the files being followed, and names each fault (C100-C104). The cost model walks a filter
    with it (``csdl.costing`` lies below this module and is handed one); ``resolve`` walks with it too."""

    def __init__(self, library):
        if isinstance(library, (str, os.PathLike)):
            library = Library(os.fspath(library))
        self.library = library
        find, self.where = lookup_function(library)
        self.find = None if find is None else _asked_once(find)
        memo = getattr(library, "memo", None)
        self.memo: dict = memo if isinstance(memo, dict) else {}  # costs of entries (the cost model's)

    def lookup(self, written: str, span, stack: tuple[str, ...], keyword: str):
        """(entry, None) when ``written`` resolves to a usable filter that is not among ``stack``
        (the files being followed), else (None, the fault at ``span``)."""
        code = UNRESOLVED_STREAM if keyword == "stream" else UNRESOLVED_TAGS
        if self.find is None:
            return None, _diagnostic(code, f"{keyword} {_quote(written)} cannot be resolved without a stream library; "
                                     "its cost is unknown", span, hint=NO_LIBRARY_HINT)
        entry = self.find(written)
        if entry is None:
            where = f" {self.where}" if self.where else ""
            return None, _diagnostic(code, f"{keyword} {_quote(written)} is not in the stream library{where}; its cost "
                                     "is unknown", span, hint="add the filter to the library as <hash>.csdl")
        if entry.errors or entry.tree is None:
            first = entry.errors[0] if entry.errors else None
            detail = f" ({first.span.line}:{first.span.column}: {first.code} {first.message})" if first else ""
            return None, _diagnostic(INVALID_REFERENCE, f"{keyword} {_quote(written)} refers to {entry.path}, which is "
                                     f"not valid CSDL{detail}", span)
        if entry.path in stack:
            chain = " → ".join(_short(p) for p in stack[stack.index(entry.path):] + (entry.path,))
            return None, _diagnostic(REFERENCE_CYCLE, f"{keyword} {_quote(written)} makes a reference cycle: {chain}", span,
                                     hint="a stream cannot include itself, directly or through others")
        return entry, None

    def closes_cycle(self, written: str, stack: tuple[str, ...]) -> bool:
        """Whether ``written`` resolves to a file being followed right now."""
        entry = self.find(written) if self.find is not None else None
        return entry is not None and entry.path in stack

    def own_path(self, tree) -> tuple[str, ...]:
        """The stack to start from: the filter's own file when the library holds it (a loop may
        pass through it)."""
        entry_for = getattr(self.library, "entry_for", None)
        own = entry_for(tree) if callable(entry_for) else None
        return (own.path,) if own is not None else ()

    @staticmethod
    def incomplete(written: str, entry: Entry, span) -> Diagnostic:
        """C104 at a reference whose file refers to something unresolved."""
        return _diagnostic(INCOMPLETE_REFERENCE, f"the cost of stream {_quote(written)} ({_short(entry.path)}) is "
                           "incomplete: it refers to streams or tag imports that cannot be resolved", span)

    @staticmethod
    def as_invalid(problem: Diagnostic) -> Diagnostic:
        """An unresolved import inside imported tags: the importing file cannot be used (C103)."""
        return _diagnostic(INVALID_REFERENCE, problem.message, problem.span)

    @staticmethod
    def nested(first: Diagnostic, written: str, entry: Entry, span) -> Diagnostic:
        """A fault met inside the file ``written`` resolved to, told at the reference to that file."""
        if first.code == REFERENCE_CYCLE:  # the chain names every file: no need to nest messages
            chain = first.message.partition("reference cycle: ")[2]
            return _diagnostic(REFERENCE_CYCLE, f"{_quote(written)} leads to a reference cycle: {chain}", span, hint=first.hint)
        if first.code in INCOMPLETE_CODES:
            return References.incomplete(written, entry, span)
        return _diagnostic(INVALID_REFERENCE, f"{_quote(written)} ({_short(entry.path)}) cannot be used: {first.message}", span)


def _asked_once(find):
    """``find`` with its answers kept: a hash is looked up once per resolved filter."""
    answers: dict[str, Entry | None] = {}

    def cached(hash: str) -> Entry | None:
        key = hash.strip().lower()
        if key not in answers:
            answers[key] = find(hash)
        return answers[key]

    return cached


class _Walk:
    def __init__(self, refs: References):
        self.refs = refs
        self.entries: dict[str, Entry] = {}
        self.inner: dict[str, list[Diagnostic]] = {}  # a file's own faults, by path (each file walked once)

    def visit(self, tree, stack: tuple[str, ...]) -> list[Diagnostic]:
        found: list[Diagnostic] = []
        for keyword, written, span in references(tree):
            entry, problem = self.refs.lookup(written, span, stack, keyword)
            if problem is not None:
                found.append(problem)
                continue
            self.entries.setdefault(written.strip().lower(), entry)
            inner = self.inner.get(entry.path)
            if inner is None:
                inner = self.inner[entry.path] = self.visit(entry.tree, stack + (entry.path,))
            if inner:
                found.append(self.refs.nested(inner[0], written, entry, span))
        return found


def resolve(tree, library=None) -> ResolvedFilter:
    """Every reference ``tree`` reaches, resolved once through ``library`` (see ``lookup_function``),
    with the faults met (C100-C104)."""
    if isinstance(library, ResolvedFilter):
        return library
    refs = library if isinstance(library, References) else References(library)
    if not references(tree):
        return ResolvedFilter(tree, refs.library, {}, [], refs)  # nothing to resolve: the library is not even read
    walk = _Walk(refs)
    stack = refs.own_path(tree)
    diagnostics = walk.visit(tree, stack)
    return ResolvedFilter(tree, refs.library, walk.entries, sorted(diagnostics, key=Diagnostic.sort_key), refs, stack)
