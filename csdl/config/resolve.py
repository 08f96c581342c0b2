"""The resolved settings of one run: command-line flags over the configuration file.

``resolve(start_dir, ...)`` finds the configuration as ``csdl check`` does (``csdl.config.files``),
applies the flags over it (a ``--select`` starts the selection afresh, as in ruff: the configured
``ignore``/``extend-select`` no longer apply), and loads the stream library and the pricing table
they name. ``Settings.checks(path)`` gives the options of ``csdl.check`` for one file, its
per-file ignores and the pricing included, so that the cost lint rules quote the same figures as
``csdl cost``.

``strict=True`` (the commands): a broken configuration, a missing pricing file or library raises
``ConfigError`` naming the file, the key and the path. ``strict=False`` (the language server):
the problem is kept in ``Settings.problems`` and the defaults are used instead.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from csdl.config.files import Config, ConfigError, load_config

if TYPE_CHECKING:  # `csdl check` start-up does not import decimal for an annotation
    from decimal import Decimal


def shown_path(path: str) -> str:
    """``path`` as a message shows it: relative to the current directory when it lies below it,
    absolute otherwise (a configuration in a parent folder is named in full)."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith(os.pardir) else relative


class Settings:
    """What one run uses. ``config`` is the file's values (``Config``; ``config.path`` None without
    a file); ``library`` a ``csdl.library.Library`` or None, ``library_dir`` its directory;
    ``pricing`` a ``csdl.billing.pricing.Pricing`` (the packaged table when nothing overrides it,
    ``pricing_path`` None then);
    ``problems`` what a lenient resolution set aside."""

    __slots__ = ("config", "platform", "select", "extend_select", "ignore", "noqa", "library_dir", "library",
                 "pricing_path", "_pricing", "problems", "origins")

    def __init__(self, config: Config, *, platform: str, select, extend_select: list[str], ignore: list[str],
                 noqa: bool = True, library_dir: str | None = None, library=None, pricing_path: str | None = None,
                 pricing=None, problems: list[str] | None = None):
        self.config = config
        self.platform = platform
        self.select = select
        self.extend_select = extend_select
        self.ignore = ignore
        self.noqa = noqa
        self.library_dir = library_dir
        self.library = library
        self.pricing_path = pricing_path
        self._pricing = pricing  # None: the packaged table, loaded on first use (`csdl check` rarely needs it)
        self.problems = problems if problems is not None else []
        self.origins: dict[str, str] = {}  # "library"/"pricing" -> where the path came from, for messages

    @property
    def pricing(self):
        if self._pricing is None:
            from csdl.billing.pricing import default_pricing

            return default_pricing()
        return self._pricing

    @pricing.setter
    def pricing(self, value) -> None:
        self._pricing = value

    @property
    def config_path(self) -> str | None:
        return self.config.path

    @property
    def payload(self):
        """The payload section (``csdl.config.payloads.PayloadSettings``) or None when the file sets none."""
        return self.config.payload

    def origin(self) -> str:
        """The configuration file as messages name it."""
        return shown_path(self.config.path) if self.config.path else "the defaults"

    def ignores_for(self, path: str | None) -> list[str]:
        """The configuration's ``per-file-ignores`` that match ``path`` (none for standard input)."""
        payload = self.config.payload
        if payload is None or path is None:
            return []
        return payload.ignores_for(path)

    def checks(self, path: str | None = None) -> dict:
        """Keyword arguments of ``csdl.check`` for the file at ``path``: the selection, the
        per-file ignores matching it, ``noqa`` and the pricing the cost rules quote."""
        out = {"platform": self.platform, "select": self.select, "extend_select": self.extend_select,
               "ignore": self.ignore + self.ignores_for(path), "noqa": self.noqa}
        if self._pricing is not None:
            out["pricing"] = self._pricing
        return out

    def budget(self, name: str) -> Decimal | None:
        """A configured budget (``fail_above`` …) as an exact decimal, or None."""
        value = getattr(self.config, name)
        if value is None:
            return None
        from csdl.units import parse_decimal

        return parse_decimal(str(value), f"configuration `{name.replace('_', '-')}`")

    def __repr__(self) -> str:
        return (f"Settings(config={self.config.path!r}, platform={self.platform!r}, library={self.library_dir!r}, "
                f"pricing={self.pricing_path!r})")


def resolve(start_dir: str | None = None, *, config_path: str | None = None, isolated: bool = False,
            platform: str | None = None, select=(), extend_select=(), ignore=(), noqa: bool = True,
            library: str | None = None, pricing: str | None = None, strict: bool = True,
            load: bool = True) -> Settings:
    """The settings for files in ``start_dir`` (default: the current directory), the flags given
    here overriding the configuration. ``load=False`` leaves the library and the pricing to the
    caller (``library_dir`` and ``pricing_path`` say which): a face that wraps the library itself
    or keeps loaded tables between runs."""
    problems: list[str] = []
    try:
        config = load_config(start_dir or os.getcwd(), explicit_path=config_path, isolated=isolated)
    except ConfigError as exc:
        if strict:
            raise
        problems.append(f"configuration: {exc} (checking with the default settings)")
        config = Config()
    chosen, extra, ignored = selection(config, select, extend_select, ignore)
    library_dir, library_origin = _path_setting(library, "--library", config, "library")
    pricing_path, pricing_origin = _path_setting(pricing, "--pricing", config, "pricing")
    settings = Settings(config, platform=platform or config.platform, select=chosen, extend_select=extra,
                        ignore=ignored, noqa=noqa, library_dir=library_dir, pricing_path=pricing_path,
                        problems=problems)
    settings.origins = {"library": library_origin, "pricing": pricing_origin}
    if load:
        settings.pricing = load_pricing_table(pricing_path, pricing_origin, strict, problems)
        if library_dir is not None:
            settings.library = load_library_dir(library_dir, library_origin, strict, problems)
    return settings


class PerFolder:
    """``resolve`` once per folder, for a command over many files (the closest configuration may
    differ from folder to folder; with ``config_path`` or ``isolated`` there is one for all)."""

    def __init__(self, **options):
        self.options = options
        self._resolved: dict[str, Settings] = {}

    def for_path(self, path: str | None) -> Settings:
        """The settings of the file at ``path`` (None: standard input, the current directory's)."""
        directory = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()
        key = "" if (self.options.get("config_path") or self.options.get("isolated")) else directory
        if key not in self._resolved:
            self._resolved[key] = resolve(directory, **self.options)
        return self._resolved[key]


def selection(config: Config, select, extend_select, ignore) -> tuple[list[str] | None, list[str], list[str]]:
    """(select, extend_select, ignore) with the flags over the file: a flag ``select`` starts the
    selection afresh, so the configured ``ignore`` and ``extend-select`` no longer apply."""
    if select:
        return list(select), list(extend_select), list(ignore)
    return config.select, list(config.extend_select) + list(extend_select), list(config.ignore) + list(ignore)


def _path_setting(flag_value, flag: str, config: Config, key: str) -> tuple[str | None, str]:
    """The path a flag gives (as typed) or else the configuration's (absolute), with the words that
    say where it came from."""
    if flag_value:
        return os.fspath(flag_value), flag
    value = getattr(config, key)
    if value is None:
        return None, ""
    return value, f"{shown_path(config.path)}: `{key}`" if config.path else f"`{key}`"


def _said(origin: str, text: str) -> str:
    return f"{origin} {text}" if origin.startswith("--") else f"{origin}: {text}"


def load_pricing_table(path: str | None, origin: str, strict: bool, problems: list[str]):
    """The pricing table of ``path`` merged over the packaged one; None (the packaged table, loaded
    when first used) without a path or, when lenient, with a file that cannot be used."""
    if path is None:
        return None
    from csdl.billing.pricing import PricingError, load_pricing

    if not os.path.isfile(path):
        shown = path if origin.startswith("--") else shown_path(path)  # a flag's path as it was typed
        message = _said(origin, f"{shown}: no such pricing file")
    else:
        try:
            return load_pricing(path)
        except PricingError as exc:
            message = _said(origin, str(exc))
    if strict:
        raise ConfigError(message)
    problems.append(f"pricing: {message} (using the packaged prices)")
    return None


def load_library_dir(directory: str, origin: str, strict: bool, problems: list[str]):
    from csdl.library import Library, LibraryError

    try:
        return Library(directory)
    except LibraryError as exc:
        message = _said(origin, str(exc))
        if strict:
            raise ConfigError(message) from None
        problems.append(message)
        return None
