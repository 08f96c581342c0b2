"""A whole filter as one function: every condition's code written in, in the order its AND/OR
operands run now.

Compiled as nested closures, a filter costs a Python call per condition, one more per NOT and a
loop per AND/OR, and each condition looks up ``interaction`` (say) in the post again. For a
filter of cheap conditions that overhead is a third of its time. Here the conditions built by
``csdl.evaluate.inlined`` (most of them) are written into one function: the first key of a path
that several conditions read is looked up once per post, an AND returns at its first false
operand, and a NOT is a negated test. Conditions of other kinds, and streams, are called as
their closures. The answers, and what a condition records in the memo, are the closures' own.

The function is written again whenever the adaptive order changes (``Matcher.adapt``). Filters
too large or too deeply nested to be worth one function keep the closures (``build`` gives None).
"""

from __future__ import annotations

import textwrap

from csdl.language import ast
from csdl.evaluate.values import fan_out, flat

#: Beyond this many conditions the function's compile time outweighs what it saves.
MAX_CONDITIONS = 64
#: Levels of nesting in the written function (Python's limit is 100).
MAX_NESTING = 40


class _TooLarge(Exception):
    pass


class _Writer:
    def __init__(self, closure_of, junction_of, shared: dict[str, str]):
        self.closure_of = closure_of  # id(node) -> the node's closure
        self.junction_of = junction_of  # id(And/Or node) -> its Junction (the order it runs in)
        self.shared = shared  # first key -> the local holding its value
        self.names: dict[str, object] = {}
        self.conditions = 0

    def bind(self, value, hint: str) -> str:
        name = f"{hint}_{len(self.names)}"
        self.names[name] = value
        return name

    def operands(self, node):
        junction = self.junction_of[id(node)]
        return [node.operands[i] for i in junction.order]

    def value(self, node, depth: int) -> str:
        """Code setting ``hit`` to the node's answer."""
        if depth > MAX_NESTING:
            raise _TooLarge
        if isinstance(node, ast.Not):
            return self.value(node.operand, depth) + "\nhit = not hit"
        if isinstance(node, (ast.And, ast.Or)):
            # Each operand runs only while the answer is open: nested, so a decided answer skips the rest.
            guard = "\nif hit:\n" if isinstance(node, ast.And) else "\nif not hit:\n"
            texts = [self.value(part, depth + k) for k, part in enumerate(self.operands(node))]
            text = texts[-1]
            for part in reversed(texts[:-1]):
                text = part + guard + textwrap.indent(text, "    ")
            return text
        return self.leaf(node)

    def leaf(self, node) -> str:
        closure = self.closure_of[id(node)]
        inline = getattr(closure, "inline", None) if isinstance(node, ast.Condition) else None
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise _TooLarge
        if inline is None:
            return f"hit = {self.bind(closure, 'call')}(post, memo)"
        suffix = f"_{len(self.names)}"
        text, names = inline.source(suffix, self.shared.get(inline.keys[0]) if inline.depth else None)
        self.names.update(names)
        return text

    def decisive(self, node) -> str:
        """The body of the function: the top AND/OR returns as soon as it is decided."""
        if not isinstance(node, (ast.And, ast.Or)):
            return self.value(node, 1) + "\nreturn hit"
        is_and = isinstance(node, ast.And)
        lines = []
        for part in self.operands(node):
            negated = isinstance(part, ast.Not)
            lines.append(self.value(part.operand if negated else part, 2))
            stop = "hit" if is_and == negated else "not hit"  # the operand's answer decides the junction
            lines.append(f"if {stop}:\n    return {not is_and}")
        lines.append(f"return {is_and}")
        return "\n".join(lines)


def _first_keys(node, closure_of, counts: dict[str, int]) -> None:
    if isinstance(node, ast.Condition):
        inline = getattr(closure_of.get(id(node)), "inline", None)
        if inline is not None and inline.depth:
            counts[inline.keys[0]] = counts.get(inline.keys[0], 0) + 1
    elif isinstance(node, ast.Not):
        _first_keys(node.operand, closure_of, counts)
    elif isinstance(node, (ast.And, ast.Or)):
        for operand in node.operands:
            _first_keys(operand, closure_of, counts)


def build(node, closure_of: dict, junction_of: dict):
    """``main(post, memo)`` for the expression ``node`` (its conditions' closures and its
    junctions by node id), or None when the filter is better left as closures."""
    counts: dict[str, int] = {}
    _first_keys(node, closure_of, counts)
    shared = {key: f"first_{i}" for i, key in enumerate(k for k, n in counts.items() if n > 1)}
    writer = _Writer(closure_of, junction_of, shared)
    try:
        body = writer.decisive(node)
    except (_TooLarge, RecursionError):
        return None
    reads = [f"{local} = post.get({writer.bind(key, 'key')})" for key, local in shared.items()]
    code = textwrap.indent("\n".join([*reads, body]), " " * 4)
    # The bound values are the function's globals, not closure cells: a call copies every cell
    # of its closure into its frame, and a fused filter reads a hundred of them.
    scope = {"fan_out": fan_out, "flat": flat, **writer.names}
    try:
        exec(compile(f"def main(post, memo):\n{code}\n", "<csdl filter, fused>", "exec"), scope)  # noqa: S102 - our templates; filter values are bound, never written in
    except (SyntaxError, RecursionError, MemoryError):  # nested beyond what the compiler takes
        return None
    return scope["main"]
