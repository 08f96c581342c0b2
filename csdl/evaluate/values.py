"""Reading a target's values out of an interaction (spec §9b).

A target ``a.b.c`` is the key path ``a`` → ``b`` → ``c``. A JSON array met on the way, or at the
end, makes the target multi-valued: the result is then a flat list of the values found. ``None``
means absent: a missing key, a JSON ``null``, a path that runs into a scalar, or an array with
no values in it (docs/run.md lists these choices).
"""

from __future__ import annotations


def _collect(node, keys: tuple[str, ...], out: list) -> None:
    """Append every leaf value reached from ``node`` along ``keys``, fanning out over arrays."""
    for i, key in enumerate(keys):
        kind = type(node)
        if kind is list:
            for item in node:
                _collect(item, keys[i:], out)
            return
        if kind is not dict:
            return
        node = node.get(key)
        if node is None:
            return
    flatten_into(node, out)


def flatten_into(value, out: list) -> None:
    if type(value) is list:
        for item in value:
            if item is not None:
                flatten_into(item, out)
    elif value is not None:
        out.append(value)


def fan_out(node, keys: tuple[str, ...]):
    """The values along ``keys`` from ``node`` (an array met on the way fans out), or None."""
    out: list = []
    _collect(node, keys, out)
    return out or None


def flat(value) -> list:
    """The values of a multi-valued leaf without nested arrays or nulls."""
    out: list = []
    flatten_into(value, out)
    return out


def make_getter(target: str):
    """A function ``post -> value | list | None`` for ``target``.

    Paths of one to three keys (nearly every real target) get unrolled closures: this runs once
    per condition per post, so a loop and an ``enumerate`` would be most of its cost. A returned
    list may still hold nested lists or nulls; ``flat`` cleans it when that matters.
    """
    keys = tuple(target.split("."))
    unrolled = {1: _getter_1, 2: _getter_2, 3: _getter_3}.get(len(keys), _getter_n)
    return unrolled(keys)


def _getter_1(keys: tuple):
    (k0,) = keys

    def get1(post):
        return post.get(k0)

    return get1


def _getter_2(keys: tuple):
    k0, k1 = keys
    rest1 = keys[1:]

    def get2(post):
        v = post.get(k0)
        if v is None:
            return None
        if v.__class__ is dict:
            return v.get(k1)
        if v.__class__ is list:
            return fan_out(v, rest1)
        return None

    return get2


def _getter_3(keys: tuple):
    k0, k1, k2 = keys
    rest1, rest2 = keys[1:], keys[2:]

    def get3(post):
        v = post.get(k0)
        if v is None:
            return None
        if v.__class__ is dict:
            v = v.get(k1)
            if v is None:
                return None
            if v.__class__ is dict:
                return v.get(k2)
            if v.__class__ is list:
                return fan_out(v, rest2)
            return None
        if v.__class__ is list:
            return fan_out(v, rest1)
        return None

    return get3


def _getter_n(keys: tuple):
    def get_n(post):
        v = post
        for i, key in enumerate(keys):
            cls = v.__class__
            if cls is dict:
                v = v.get(key)
                if v is None:
                    return None
            elif cls is list:
                return fan_out(v, keys[i:])
            else:
                return None
        return v

    return get_n


def is_number(value) -> bool:
    """True for JSON numbers; ``true``/``false`` count as 1/0 (docs/run.md)."""
    cls = value.__class__
    return cls is int or cls is float or cls is bool


def parse_number(text: str):
    """The number a numeric string spells (``"155505157"``, ``" 2.5 "``), else ``None``."""
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    # "nan" and "inf" parse as floats but are not numbers anybody writes in a post field.
    return number if number == number and number not in (float("inf"), float("-inf")) else None


def as_text(value):
    """The text a text operator reads: strings as they are, numbers in their decimal form,
    ``None`` for objects, which text operators cannot read (a wrong-typed value)."""
    cls = value.__class__
    if cls is str:
        return value
    if cls is int or cls is float:
        return repr(value)
    if cls is bool:
        return "true" if value else "false"
    return None
