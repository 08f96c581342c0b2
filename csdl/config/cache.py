"""The settings that apply to one document: found as ``csdl check`` finds them (``csdl.config``:
the closest ``.csdl.toml``, ``csdl.toml`` or ``pyproject.toml`` with ``[tool.csdl]``), with the
stream library and the pricing table they name.

Discovery reads the disk, so results are kept for a couple of seconds per directory: editing
``csdl.toml`` takes effect on the next check after that, without restarting the server.
"""

from __future__ import annotations

import os
import threading
import time

from csdl.config import Config, ConfigError, load_config

FRESH_SECONDS = 2.0


class Settings:
    """``checks``: keyword arguments of ``csdl.checking.checker.check_tree``; ``problems``: what
    was wrong with the configuration, the library or the pricing file (shown in the document)."""

    __slots__ = ("config", "checks", "library", "pricing", "problems")

    def __init__(self, config: Config, library, pricing, problems: list[str]):
        self.config = config
        self.library = library
        self.pricing = pricing
        self.problems = problems
        checks = {"platform": config.platform}
        for name in ("select", "ignore", "extend_select"):
            value = getattr(config, name)
            if value:
                checks[name] = value
        self.checks = checks

    @property
    def platform(self) -> str:
        return self.config.platform


class SettingsCache:
    """Settings by directory; ``config_path``/``isolated`` mirror ``--config``/``--isolated``."""

    def __init__(self, config_path: str | None = None, isolated: bool = False, root: str | None = None):
        self.config_path = config_path
        self.isolated = isolated
        self.root = root
        self._lock = threading.Lock()
        self._by_directory: dict[str, tuple[float, Settings]] = {}
        self._libraries: dict[str, tuple[float, tuple, object]] = {}
        self._pricing: dict[str | None, tuple[tuple, object]] = {}

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
        problems: list[str] = []
        try:
            config = load_config(directory, explicit_path=self.config_path, isolated=self.isolated)
        except ConfigError as exc:
            problems.append(f"configuration: {exc} (checking with the default settings)")
            config = Config()
        library = self._library(config.library, problems) if config.library else None
        pricing = self._pricing_table(config.pricing, problems)
        return Settings(config, library, pricing, problems)

    def _library(self, directory: str, problems: list[str]):
        from csdl.library import Library, LibraryError

        signature = _tree_signature(directory)
        cached = self._libraries.get(directory)
        if cached is not None and cached[1] == signature:
            return cached[2]
        try:
            library = Library(directory)
        except LibraryError as exc:
            problems.append(str(exc))
            return None
        self._libraries[directory] = (time.monotonic(), signature, library)
        return library

    def _pricing_table(self, path: str | None, problems: list[str]):
        from csdl.billing.pricing import PricingError, default_pricing, load_pricing

        signature = _file_signature(path) if path else ()
        cached = self._pricing.get(path)
        if cached is not None and cached[0] == signature:
            return cached[1]
        try:
            pricing = load_pricing(path)
        except PricingError as exc:
            problems.append(f"pricing: {exc} (using the packaged prices)")
            return default_pricing()
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
    from csdl.sources import filter_files

    try:
        files = filter_files(directory)
    except OSError:
        return ()
    return tuple(_file_signature(f) for f in files)
