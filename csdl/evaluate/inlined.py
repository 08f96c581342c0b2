"""Condition closures with the reading of their target written into them.

A condition is called for nearly every post, and most do little: a dictionary lookup or two
and a comparison. Calling a separate getter (``values.make_getter``) for the target's value
was one Python call in three on a post's way through a filter. Here the getter's code, unrolled
for paths of one to four keys, and the condition's body become one function, compiled once per
(path length, body) and bound per condition, with exactly the getter's meaning: a missing key,
a JSON null or a path that runs into a scalar is absent (None), and an array met on the way fans
out (``values.fan_out``). Longer paths call the getter.

The same texts are what ``csdl.evaluate.fused`` writes into one function for a whole filter
(``Inline.source``), so a condition means the same thing on its own and fused.

The bodies are fixed texts of this module; nothing of a filter is ever compiled as code: keys,
arguments and tests are bound as closure values.
"""

from __future__ import annotations

import functools
import re
import textwrap

from csdl.evaluate.values import fan_out, flat, make_getter

#: Paths up to this many keys have their reading unrolled; longer ones call ``get(post)``.
MAX_UNROLLED = 4


def access(depth: int, suffix: str = "", first: str | None = None) -> str:
    """Code setting ``value`` to the value at a target of ``depth`` keys, as values.make_getter's
    unrolled getters give it: key k<i> of a dict, a fan-out over a list (rest<i>), else absent.
    ``suffix`` is appended to the bound names; ``first``: an expression already holding the
    first key's value (a fused filter reads it once for all its conditions)."""
    if depth == 0:
        return f"value = get{suffix}(post)"
    lines = [f"value = {first or f'post.get(k0{suffix})'}"]
    for i in range(1, depth):
        pad = "    " * (i - 1)
        lines += [f"{pad}if value.__class__ is dict:", f"{pad}    value = value.get(k{i}{suffix})"]
    for i in range(depth - 1, 0, -1):
        pad = "    " * (i - 1)
        lines += [f"{pad}elif value.__class__ is list:", f"{pad}    value = fan_out(value, rest{i}{suffix})",
                  f"{pad}else:", f"{pad}    value = None"]
    return "\n".join(lines)


#: The bodies: each reads ``value`` and the names it is given, and sets ``hit`` to the answer.
EXISTS = """
if value is None:
    hit = False
elif value.__class__ is list:
    hit = bool(flat(value))
else:
    hit = True"""

ANY_VALUE = """
if value is None:
    hit = False
elif value.__class__ is list:
    hit = False
    for item in flat(value):
        if test(item, memo):
            hit = True
            break
else:
    hit = test(value, memo)"""

def _string_first(on_string: str, otherwise: str) -> str:
    """A body answering a single string by ``on_string`` (code setting ``hit``, indented by
    four), an absent value by False and anything else (an array, a number, a wrong type) by
    ``otherwise(value, memo)``."""
    return f"""
if value.__class__ is str:
    {on_string}
elif value is None:
    hit = False
else:
    hit = {otherwise}(value, memo)"""


#: What a string value is tested with: one expression written in (``value``: the string).
STRING_TESTS = {
    "in": "value.lower() in strings",
    "equals": "value == wanted",
    "equals_lower": "value.lower() == wanted",
}


def on_string_body(test: str) -> str:
    """A test of a single string answered by ``STRING_TESTS[test]``; anything else by ``general``."""
    return _string_first(f"hit = {STRING_TESTS[test]}", "general")


#: How a text operator reads its text: as written, lower-cased, or lower-cased once per post for
#: all the conditions that read it (keyed by identity: hashing a long text would cost more than
#: lower-casing it, and the post keeps the string, so its id, alive while the memo lives).
TEXT_READS = {
    "as_is": "text = value",
    "lower": "text = value.lower()",
    "lower_shared": "text = memo.get(id(value))\n    if text is None:\n        text = memo[id(value)] = value.lower()",
}
#: What a text is tested with: a call, or a substring test written in.
TEXT_TESTS = {"call": "test(text, memo)", "substring": "needle in text"}


def text_body(read: str, test: str = "call") -> str:
    """A text operator on a string read as ``TEXT_READS[read]``; other values go to ``slow``."""
    return _string_first(f"{TEXT_READS[read]}\n    hit = {TEXT_TESTS[test]}", "slow")


#: An ordering comparison of a plain JSON number, with the operator written in (one of these).
ORDER_OPERATORS = ("<", "<=", ">", ">=")


def order_body(operator: str) -> str:
    if operator not in ORDER_OPERATORS:
        raise ValueError(operator)
    return f"""
cls = value.__class__
if cls is int or cls is float:
    hit = value {operator} bound
elif value is None:
    hit = False
else:
    hit = general(value, memo)"""


class Inline:
    """What a condition is made of: its target's keys, its body and the values bound to it."""

    __slots__ = ("target", "keys", "depth", "body", "names")

    def __init__(self, target: str, body: str, names: dict):
        self.target = target
        self.keys = tuple(target.split("."))
        self.depth = len(self.keys) if len(self.keys) <= MAX_UNROLLED else 0
        self.body = body
        self.names = names

    def bindings(self) -> dict:
        """Every name the access and the body read, by its name in the templates."""
        keys = self.keys
        bound = {"get": make_getter(self.target) if self.depth == 0 else None}
        for i in range(MAX_UNROLLED):
            bound[f"k{i}"] = keys[i] if i < len(keys) else ""
            if i:
                bound[f"rest{i}"] = keys[i:]
        return bound | self.names

    def source(self, suffix: str, first: str | None = None) -> tuple[str, dict]:
        """This condition's code, setting ``hit``, with every bound name suffixed, and the
        values of those names: for writing many conditions into one function."""
        pattern = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, self.names)) + r")\b") if self.names else None
        body = pattern.sub(lambda m: m[1] + suffix, self.body) if pattern else self.body
        text = access(self.depth, suffix, first) + body
        return text, {name + suffix: value for name, value in self.bindings().items()}


def condition(target: str, body: str, **names):
    """``cond(post, memo)``: ``body`` run on ``target``'s value, with ``names`` bound. The
    closure's ``inline`` attribute says what it is made of (``Inline``)."""
    inline = Inline(target, body, names)
    make = _factory(inline.depth, body, tuple(sorted(names)))
    cond = make(**inline.bindings())
    cond.inline = inline
    return cond


@functools.lru_cache(maxsize=None)
def _factory(depth: int, body: str, names: tuple[str, ...]):
    parameters = ", ".join(("get", *(f"k{i}" for i in range(MAX_UNROLLED)), *(f"rest{i}" for i in range(1, MAX_UNROLLED)), *names))
    code = textwrap.indent(access(depth) + body + "\nreturn hit", " " * 8)
    source = f"def make({parameters}):\n    def cond(post, memo):\n{code}\n    return cond\n"
    scope = {"fan_out": fan_out, "flat": flat}
    exec(compile(source, f"<csdl condition, path of {depth or 'many'} keys>", "exec"), scope)  # noqa: S102 - fixed texts only
    return scope["make"]
