"""Condition closures with the reading of their target written into them.

A condition is called for nearly every post, and most do little: a dictionary lookup or two
and a comparison. Calling a separate getter (``values.make_getter``) for the target's value
was one Python call in three on a post's way through a filter. Here the getter's code, unrolled
for paths of one to four keys, and the condition's body become one function, compiled once per
(path length, body) and bound per condition, with exactly the getter's meaning: a missing key,
a JSON null or a path that runs into a scalar is absent (None), and an array met on the way fans
out (``values.fan_out``). Longer paths call the getter.

The bodies are fixed texts of this module; nothing of a filter is ever compiled as code: keys,
arguments and tests are bound as closure values.
"""

from __future__ import annotations

import functools

from csdl.evaluate.values import fan_out, flat, make_getter

def _access(depth: int, indent: str = "        ") -> str:
    """The value at a target of ``depth`` keys, into ``value``, as values.make_getter's unrolled
    getters give it: key k<i> of a dict, a fan-out over a list (rest<i>), else absent."""
    text = f"\n{indent}value = post.get(k0)"
    for i in range(1, depth):
        inner = indent + "    " * (i - 1)
        text += f"\n{inner}if value.__class__ is dict:\n{inner}    value = value.get(k{i})"
    for i in range(depth - 1, 0, -1):
        inner = indent + "    " * (i - 1)
        text += (f"\n{inner}elif value.__class__ is list:\n{inner}    value = fan_out(value, rest{i})"
                 f"\n{inner}else:\n{inner}    value = None")
    return text


_ACCESS = {depth: _access(depth) for depth in range(1, 5)} | {0: """
        value = get(post)"""}

#: The bodies: each reads ``value`` and the names it is given, and returns the condition's answer.
EXISTS = """
        if value is None:
            return False
        if value.__class__ is list:
            return bool(flat(value))
        return True"""

ANY_VALUE = """
        if value is None:
            return False
        if value.__class__ is list:
            for item in flat(value):
                if test(item, memo):
                    return True
            return False
        return test(value, memo)"""

ON_STRING = """
        if value.__class__ is str:
            return on_string(value)
        if value is None:
            return False
        return general(value, memo)"""

TEXT = """
        if value.__class__ is str:
            return test(value, memo)
        if value is None:
            return False
        return slow(value, memo)"""

TEXT_LOWER = """
        if value.__class__ is str:
            return test(value.lower(), memo)
        if value is None:
            return False
        return slow(value, memo)"""

# Keyed by identity: hashing a long text would cost more than lower-casing it, and the post
# keeps the string (so its id) alive while the memo lives.
TEXT_LOWER_SHARED = """
        if value.__class__ is str:
            low = memo.get(id(value))
            if low is None:
                low = memo[id(value)] = value.lower()
            return test(low, memo)
        if value is None:
            return False
        return slow(value, memo)"""

#: An ordering comparison of a plain JSON number, with the operator written in (one of these).
ORDER_OPERATORS = ("<", "<=", ">", ">=")


def order_body(operator: str) -> str:
    if operator not in ORDER_OPERATORS:
        raise ValueError(operator)
    return f"""
        cls = value.__class__
        if cls is int or cls is float:
            return value {operator} bound
        if value is None:
            return False
        return general(value, memo)"""


def condition(target: str, body: str, **names):
    """``cond(post, memo)``: ``body`` run on ``target``'s value, with ``names`` bound."""
    keys = tuple(target.split("."))
    depth = len(keys) if len(keys) <= 4 else 0
    make = _factory(depth, body, tuple(sorted(names)))
    padded = keys + ("",) * (4 - len(keys)) if depth else ("",) * 4
    return make(*padded, keys[1:], keys[2:], keys[3:], make_getter(target) if depth == 0 else None, **names)


@functools.lru_cache(maxsize=None)
def _factory(depth: int, body: str, names: tuple[str, ...]):
    parameters = ", ".join(("k0", "k1", "k2", "k3", "rest1", "rest2", "rest3", "get", *names))
    source = f"def make({parameters}):\n    def cond(post, memo):{_ACCESS[depth]}{body}\n    return cond\n"
    scope = {"fan_out": fan_out, "flat": flat}
    exec(compile(source, f"<csdl condition, path of {depth or 'many'} keys>", "exec"), scope)  # noqa: S102 - fixed texts only
    return scope["make"]
