"""The pricing table: DataSift's DPU prices and billing constants, read from ``csdl/data/pricing.toml``.

A user override file (``--pricing FILE`` or ``pricing`` in the config) names only the keys it
changes; it is checked against the packaged table so that a typo is an error naming the key and
the file, never a silently ignored setting. New licence sources may be added.
"""

from __future__ import annotations

import os
from decimal import Decimal

_PACKAGED = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "pricing.toml")
#: Divisors and counts: they must be greater than zero (and the counts whole numbers).
_POSITIVE = {
    ("dpu", "regex_chars_per_dpu"), ("dpu", "polygon_vertices_per_dpu"), ("dpu", "scale_base"),
    ("dpu", "scale_growth"), ("credits", "price"), ("credits", "dpu_per_credit"), ("credits", "purchase_increment"),
    ("historics", "speedup"), ("subscription", "hours_per_month"),
}
_COUNTS = {("dpu", "contains_conditions_per_step"), ("dpu", "contains_words_per_step"), ("dpu", "scale_items_per_step")}
#: Tables whose keys a user may extend (other tables only accept keys the packaged file has).
_OPEN_TABLES = {("licence",)}

_LARGEST = Decimal(10) ** 12

_default: "Pricing | None" = None


class PricingError(ValueError):
    """A pricing file that cannot be used; the message names the file and the key."""


class Pricing:
    """The merged pricing table. ``get("dpu", "step")`` returns a Decimal (or a str / dict)."""

    def __init__(self, data: dict, sources: tuple[str, ...]):
        self.data = data
        self.sources = sources  # the files merged, packaged first

    def get(self, *path: str):
        node = self.data
        for key in path:
            node = node[key]
        return node

    def table(self, *path: str) -> dict:
        return dict(self.get(*path))

    def licence_rate(self, source: str) -> Decimal | None:
        return self.data["licence"].get(source.lower())

    def sample_factor(self, percent: int) -> Decimal | None:
        return self.data["historics"]["sample_factors"].get(str(percent))


def _read(path: str) -> dict:
    from csdl.packaged import toml

    tomllib = toml()
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f, parse_float=Decimal)
    except FileNotFoundError:
        raise PricingError(f"{path}: no such pricing file") from None
    except OSError as exc:
        raise PricingError(f"{path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PricingError(f"{path}: not valid TOML: {exc}") from None
    return data


def _numbers(node, path: tuple[str, ...], origin: str):
    """Ints become Decimals; anything but a number (or ``currency``) is an error naming the key."""
    if isinstance(node, dict):
        return {str(k): _numbers(v, path + (str(k),), origin) for k, v in node.items()}
    if path == ("currency",):
        if not isinstance(node, str):
            raise PricingError(f"{origin}: `currency` must be a string")
        return node
    if isinstance(node, bool) or not isinstance(node, (int, Decimal)):
        raise PricingError(f"{origin}: `{'.'.join(path)}` must be a number, not {node!r}")
    value = Decimal(node)
    name = ".".join(path)
    if not value.is_finite() or abs(value) >= _LARGEST:
        raise PricingError(f"{origin}: `{name}` is out of range ({node})")
    if value < 0:
        raise PricingError(f"{origin}: `{name}` must not be negative ({node})")
    if (path in _POSITIVE or path in _COUNTS) and value == 0:
        raise PricingError(f"{origin}: `{name}` must be greater than zero")
    if path in _COUNTS and value != value.to_integral_value():
        raise PricingError(f"{origin}: `{name}` must be a whole number ({node})")
    return value


def _merge(base: dict, override: dict, path: tuple[str, ...], origin: str) -> dict:
    out = dict(base)
    for key, value in override.items():
        where = path + (key,)
        if key not in base and path not in _OPEN_TABLES:
            known = ", ".join(sorted(base)) or "none"
            raise PricingError(f"{origin}: unknown pricing key `{'.'.join(where)}` (known here: {known})")
        if isinstance(base.get(key), dict):
            if not isinstance(value, dict):
                raise PricingError(f"{origin}: `{'.'.join(where)}` must be a table")
            out[key] = _merge(base[key], value, where, origin)
        elif isinstance(value, dict):
            raise PricingError(f"{origin}: `{'.'.join(where)}` must be a single value, not a table")
        else:
            out[key] = value
    return out


def default_pricing() -> Pricing:
    global _default
    if _default is None:
        data = _cached_default()
        if data is None:
            data = _numbers(_read(_PACKAGED), (), _PACKAGED)
            _cache_default(data)
        _default = Pricing(data, (_PACKAGED,))
    return _default


# The packaged table parsed and checked once per install: reading TOML (the parser's import alone)
# is a sizeable part of a small `csdl cost`. The cache holds the checked values as text, keyed by
# the packaged file's size and modification time; anything unexpected means reading the TOML again.


def _cache_path() -> str | None:
    from csdl.language.regex_cache import cache_dir

    try:
        stat = os.stat(_PACKAGED)
    except OSError:
        return None
    return os.path.join(cache_dir(), f"pricing-{stat.st_size}-{stat.st_mtime_ns}.marshal")


def _cached_default() -> dict | None:
    import marshal

    path = _cache_path()
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            source, flat = marshal.loads(f.read())
        if source != _PACKAGED:
            return None
        data: dict = {}
        for key, text in flat.items():
            node = data
            for part in key[:-1]:
                node = node.setdefault(part, {})
            node[key[-1]] = text if key == ("currency",) or text == {} else Decimal(text)
        return data
    except Exception:  # noqa: BLE001 - missing, unreadable or foreign: read the TOML
        return None


def _cache_default(data: dict) -> None:
    import marshal

    path = _cache_path()
    if path is None:
        return
    flat: dict = {}

    def walk(node, key):
        for name, value in node.items():
            if isinstance(value, dict) and value:
                walk(value, key + (name,))
            elif isinstance(value, dict):
                flat[key + (name,)] = {}
            else:
                flat[key + (name,)] = str(value)

    walk(data, ())
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(marshal.dumps((_PACKAGED, flat)))
        os.replace(tmp, path)
        import glob

        for stale in glob.glob(os.path.join(os.path.dirname(path), "pricing-*.marshal")):
            if stale != path:  # the tables of earlier installs
                os.unlink(stale)
    except (OSError, ValueError):
        try:
            os.unlink(tmp)
        except OSError:
            pass


def load_pricing(path: str | None = None) -> Pricing:
    """The packaged table, with the file at ``path`` (if any) merged over it."""
    base = default_pricing()
    if path is None:
        return base
    override = _numbers(_read(path), (), path)
    return Pricing(_merge(base.data, override, (), path), base.sources + (path,))
