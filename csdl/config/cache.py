"""Resolved settings by directory, for the faces that run for a long time (the language server):
``SettingsCache.for_path(path)`` is ``csdl.config.resolve`` for the file's directory, lenient (a
broken configuration, library or pricing file becomes a problem shown in the document, and the
defaults apply).

Discovery reads the disk, so results are kept for a couple of seconds per directory: editing
``csdl.toml`` takes effect on the next check after that, without restarting the server. Loaded
libraries and pricing tables are kept while their files are unchanged.
"""

from __future__ import annotations

import os
import threading
import time

from csdl.config.resolve import Settings, load_library_dir, load_pricing_table, resolve

FRESH_SECONDS = 2.0


class SettingsCache:
    """Settings by directory; ``config_path``/``isolated`` mirror ``--config``/``--isolated``."""

    def __init__(self, config_path: str | None = None, isolated: bool = False, root: str | None = None):
        self.config_path = config_path
        self.isolated = isolated
        self.root = root
        self._lock = threading.Lock()
        self._by_directory: dict[str, tuple[float, Settings]] = {}
        self._libraries: dict[str, tuple[tuple, object]] = {}
        self._pricing: dict[str, tuple[tuple, object]] = {}

    def invalidate(self) -> None:
        with self._lock:
            self._by_directory.clear()
            self._libraries.clear()

    def for_path(self, path: str | None) -> Settings:
        directory = os.path.dirname(path) if path else (self.root or os.getcwd())
        now = time.monotonic()
        with self._lock:
            cached = self._by_directory.get(directory)
            if cached is not None and now - cached[0] < FRESH_SECONDS:
                return cached[1]
        settings = self._load(directory)
        with self._lock:
            self._by_directory[directory] = (now, settings)
        return settings

    def _load(self, directory: str) -> Settings:
        settings = resolve(directory, config_path=self.config_path, isolated=self.isolated, strict=False, load=False)
        if settings.library_dir is not None:
            settings.library = self._library(settings.library_dir, settings.origins["library"], settings.problems)
        if settings.pricing_path is not None:
            settings.pricing = self._pricing_table(settings.pricing_path, settings.origins["pricing"], settings.problems)
        return settings

    def _library(self, directory: str, origin: str, problems: list[str]):
        signature = _tree_signature(directory)
        cached = self._libraries.get(directory)
        if cached is not None and cached[0] == signature:
            return cached[1]
        library = load_library_dir(directory, origin, False, problems)
        if library is not None:
            self._libraries[directory] = (signature, library)
        return library

    def _pricing_table(self, path: str, origin: str, problems: list[str]):
        signature = _file_signature(path)
        cached = self._pricing.get(path)
        if cached is not None and cached[0] == signature:
            return cached[1]
        pricing = load_pricing_table(path, origin, False, problems)
        if pricing is not None:
            self._pricing[path] = (signature, pricing)
        return pricing


def _file_signature(path: str) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        return (path, None)
    return (path, st.st_mtime_ns, st.st_size)


def _tree_signature(directory: str) -> tuple:
    """What changes when a library file is added, removed or edited."""
    from csdl.reading import filter_files

    try:
        files = filter_files(directory)
    except OSError:
        return ()
    return tuple(_file_signature(f) for f in files)
