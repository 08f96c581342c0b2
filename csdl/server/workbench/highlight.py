"""The words a matching post was matched on, as text segments for the page to mark.

For every text condition of the filter (contains-family, ``substr``, regular expressions) that
holds on the post, its words are found again in the target's text, with the evaluator's own
tokens (``csdl.language.tokens``) and its own condition closures deciding whether the condition
holds; conditions under a ``NOT`` are left out (their words are why a post would *not* match).
Segments are ``[text, is_hit]`` pairs, so the page only ever inserts text, never markup.
"""

from __future__ import annotations

from csdl.diagnostics import CSDLError
from csdl.language import ast

MAX_TEXT = 20_000  # characters of one field searched and shown
MAX_HITS = 500

_TOKEN_OPERATORS = frozenset({"contains", "contains_any", "contains_all", "contains_near"})
_REGEX_OPERATORS = frozenset({"regex_partial", "regex_exact"})


def _positive_conditions(tree) -> list[ast.Condition]:
    """Conditions not under an odd number of NOTs, in source order."""
    out = []
    stack = [(tree, False)]
    while stack:
        node, negated = stack.pop()
        if isinstance(node, ast.Condition):
            if not negated:
                out.append(node)
            continue
        flip = isinstance(node, ast.Not)
        for child in reversed(node.children()):
            stack.append((child, negated ^ flip))
    return out


class _Finder:
    """One condition, ready to say whether it holds on a post and where its words are."""

    def __init__(self, condition: ast.Condition):
        from csdl.evaluate import conditions
        from csdl.evaluate.values import make_getter

        self.condition = condition
        self.target = condition.target
        self.holds = conditions.build(condition, shared=False)
        self.get = make_getter(condition.target)
        self.lower = not conditions.case_sensitive(condition)
        op = condition.operator
        arg = condition.argument
        self.phrases: dict[str, list[tuple[str, ...]]] = {}
        self.needle = None
        self.regex = None
        if op in _TOKEN_OPERATORS:
            from csdl.language.tokens import tokenize

            items = arg.words if isinstance(arg, ast.NearList) else (arg.items if isinstance(arg, ast.TextList) else (arg.value,))
            for item in items:
                tokens = tuple(tokenize(item.lower() if self.lower else item))
                if tokens:
                    self.phrases.setdefault(tokens[0], []).append(tokens)
        elif op == "substr":
            self.needle = arg.value.lower() if self.lower else arg.value
        elif op in _REGEX_OPERATORS:
            import re2

            try:
                self.regex = re2.compile(arg.value)
            except re2.error:
                self.regex = None

    def ranges(self, text: str) -> list[tuple[int, int]]:
        text = text[:MAX_TEXT]
        if self.phrases:
            return self._token_ranges(text)
        if self.needle:
            haystack = text.lower() if self.lower else text
            out, start = [], haystack.find(self.needle)
            while start >= 0 and len(out) < MAX_HITS and len(haystack) == len(text):
                out.append((start, start + len(self.needle)))
                start = haystack.find(self.needle, start + len(self.needle))
            return out
        if self.regex is not None:
            out = []
            for m in self.regex.finditer(text):
                if m.end() > m.start():
                    out.append((m.start(), m.end()))
                if len(out) >= MAX_HITS:
                    break
            return out
        return []

    def _token_ranges(self, text: str) -> list[tuple[int, int]]:
        from csdl.language.tokens import TOKEN

        found = [(m.start(), m.end(), m.group().lower() if self.lower else m.group()) for m in TOKEN.finditer(text)]
        words = [w for _, _, w in found]
        out = []
        for i, (start, _, word) in enumerate(found):
            for phrase in self.phrases.get(word, ()):
                n = len(phrase)
                if tuple(words[i:i + n]) == phrase:
                    out.append((start, found[i + n - 1][1]))
                    break
            if len(out) >= MAX_HITS:
                break
        return out


def finders(tree) -> list[_Finder]:
    out = []
    for condition in _positive_conditions(tree):
        if condition.operator not in _TOKEN_OPERATORS | _REGEX_OPERATORS | {"substr"}:
            continue
        try:
            out.append(_Finder(condition))
        except (CSDLError, ValueError, TypeError):
            continue  # a condition the evaluator cannot build is reported by the run itself
    return out


def _texts(value) -> list[str]:
    from csdl.evaluate.values import as_text, flat

    values = flat(value) if isinstance(value, list) else [value]
    return [t for t in (as_text(v) for v in values if v is not None) if t]


def segments(text: str, ranges: list[tuple[int, int]]) -> list[list]:
    text = text[:MAX_TEXT]
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, at = [], 0
    for start, end in merged:
        if start > at:
            out.append([text[at:start], False])
        out.append([text[start:end], True])
        at = end
    if at < len(text):
        out.append([text[at:], False])
    return out


def highlights(post: dict, found: list[_Finder]) -> list[dict]:
    """``[{"target", "segments"}]``: each field of ``post`` that a holding condition matched on."""
    by_field: dict[tuple[str, int], tuple[str, list]] = {}
    order: list[tuple[str, int]] = []
    for finder in found:
        try:
            if not finder.holds(post, {}):
                continue
        except Exception:  # noqa: BLE001 - a wrong-typed value: the run reports it as a bad post
            continue
        for index, text in enumerate(_texts(finder.get(post))):
            key = (finder.target, index)
            ranges = finder.ranges(text)
            if not ranges:
                continue
            if key not in by_field:
                by_field[key] = (text, [])
                order.append(key)
            by_field[key][1].extend(ranges)
    return [{"target": key[0], "segments": segments(*by_field[key])} for key in order]
