"""Configuration files: ``[tool.csdl]`` in ``pyproject.toml`` or top-level keys in ``csdl.toml``.

Discovery follows ruff: starting from the checked file's directory (or the current directory),
the closest directory with a ``.csdl.toml``, ``csdl.toml`` or a ``pyproject.toml`` that has a
``[tool.csdl]`` table wins (in that order within one directory); files are never merged.
``--config PATH`` names the file, ``--isolated`` ignores configuration. Unknown keys and bad values
raise ``ConfigError`` naming the key and the file.
"""

from __future__ import annotations

import os
from typing import Any

CONFIG_FILES = (".csdl.toml", "csdl.toml", "pyproject.toml")
PLATFORMS = ("stream", "pylon")
BUDGET_KEYS = ("fail-above", "fail-total-above", "fail-on-increase", "warn-above", "warn-total-above", "warn-on-increase")
LIST_KEYS = ("select", "ignore", "extend-select")
PATH_KEYS = ("library", "pricing")
# Payload checking (csdl.config.payloads reads them): globs -> kinds, Data365 defaults, per-file ignores.
PAYLOAD_KEYS = ("payloads", "data365-source", "data365-max-days", "source-types", "per-file-ignores")
KEYS = LIST_KEYS + ("platform",) + PATH_KEYS + BUDGET_KEYS + PAYLOAD_KEYS


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and the key."""


class Config:
    """Settings for one run. Paths are absolute (resolved against the config file's directory);
    budgets are ``float`` DPU values or None."""

    __slots__ = ("path", "select", "ignore", "extend_select", "platform", "library", "pricing",
                 "fail_above", "fail_total_above", "fail_on_increase", "warn_above", "warn_total_above", "warn_on_increase",
                 "payload")

    def __init__(self, path: str | None = None, **values: Any):
        self.path = path  # the file the settings came from, None for defaults
        self.select: list[str] | None = None
        self.ignore: list[str] = []
        self.extend_select: list[str] = []
        self.platform = "stream"
        self.library: str | None = None
        self.pricing: str | None = None
        self.fail_above: float | None = None
        self.fail_total_above: float | None = None
        self.fail_on_increase: float | None = None
        self.warn_above: float | None = None
        self.warn_total_above: float | None = None
        self.warn_on_increase: float | None = None
        self.payload = None  # csdl.config.payloads.PayloadSettings when the file sets payload keys
        for key, value in values.items():
            setattr(self, key, value)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__ if getattr(self, k) not in (None, []))
        return f"Config({fields})"


def find_config_file(start_dir: str) -> str | None:
    """The closest configuration file at or above ``start_dir``."""
    directory = os.path.abspath(start_dir)
    while True:
        for name in CONFIG_FILES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate) and (name != "pyproject.toml" or _has_tool_csdl(candidate)):
                return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _has_tool_csdl(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    # Cheap pre-check before parsing TOML; a table written as `[tool.csdl]` or `tool.csdl.x = ...`.
    if b"tool.csdl" not in data and b"csdl" not in data:
        return False
    try:
        table = _parse_toml(data.decode("utf-8"), path)
    except ConfigError:
        return True  # let load_config report the broken file instead of silently skipping it
    return isinstance(table.get("tool"), dict) and "csdl" in table["tool"]


def _parse_toml(text: str, path: str) -> dict:
    from csdl.packaged import toml

    tomllib = toml()
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def load_config(start_dir: str | None = None, explicit_path: str | None = None, isolated: bool = False) -> Config:
    """The configuration that applies to files in ``start_dir`` (default: the current directory)."""
    if isolated:
        return Config()
    if explicit_path is not None:
        path = explicit_path
        if not os.path.isfile(path):
            raise ConfigError(f"{path}: configuration file not found")
    else:
        path = find_config_file(start_dir or os.getcwd())
        if path is None:
            return Config()
    return read_config(path)


def read_config(path: str) -> Config:
    """Read and validate one configuration file."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    data = _parse_toml(text, path)
    if os.path.basename(path) == "pyproject.toml":
        table = data.get("tool", {}).get("csdl", {}) if isinstance(data.get("tool"), dict) else {}
        where = "[tool.csdl]"
    else:
        table = data
        where = ""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where or 'the file'} must be a table")
    return _validate(table, path, where)


def _validate(table: dict, path: str, where: str) -> Config:
    base = os.path.dirname(os.path.abspath(path))
    values: dict[str, Any] = {}
    payload_values: dict[str, Any] = {}

    def fail(key: str, message: str) -> ConfigError:
        prefix = f"{where} " if where else ""
        return ConfigError(f"{path}: {prefix}`{key}`: {message}")

    for key, value in table.items():
        if key not in KEYS:
            import difflib

            guess = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"; did you mean `{guess[0]}`?" if guess else f"; known keys: {', '.join(KEYS)}"
            if key == "tool" and not where:
                hint = "; in csdl.toml the settings stand at the top level: drop the `[tool.csdl]` header"
            raise fail(key, f"unknown key{hint}")
        if key in PAYLOAD_KEYS:
            payload_values[key] = value
            continue
        attr = key.replace("-", "_")
        if key in LIST_KEYS:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise fail(key, 'expected a list of rule codes or prefixes, such as ["E", "W1"]')
            codes = [part.strip().upper() for v in value for part in v.split(",") if part.strip()]
            _check_selectors(codes, fail, key)
            values[attr] = codes
        elif key == "platform":
            if value not in PLATFORMS:
                raise fail(key, f"expected one of {', '.join(repr(p) for p in PLATFORMS)}, found {value!r}")
            values[attr] = value
        elif key in PATH_KEYS:
            if not isinstance(value, str) or not value:
                raise fail(key, "expected a path")
            values[attr] = os.path.normpath(os.path.join(base, os.path.expanduser(value)))
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise fail(key, f"expected a number of DPU, found {value!r}")
            if value < 0:
                raise fail(key, f"expected a number of DPU of at least 0, found {value!r}")
            values[attr] = float(value)
    if payload_values:
        from csdl.config.payloads import read_settings

        values["payload"] = read_settings(payload_values, base, fail, lambda codes, key: _check_selectors(codes, fail, key))
    return Config(path=os.path.abspath(path), **values)


def _check_selectors(codes: list[str], fail, key: str) -> None:
    from csdl.codes import registry

    known = registry()
    for code in codes:
        if code != "ALL" and not any(c.startswith(code) for c in known):
            raise fail(key, f"unknown rule code or prefix `{code}` (see `csdl rules`)")
