"""What a payload rule sees: the text, the parsed body, the options of the run, and ``report``,
which turns a node into a located ``Diagnostic`` with the rule's code, name and severity."""

from __future__ import annotations

import datetime as _dt
from typing import Callable

from csdl.diagnostics import Diagnostic, Fix
from csdl.payloads.json_parser import Node
from csdl.payloads.rules import rule
from csdl.spans import Span, span_at


class Options:
    """The settings of one check (see ``check_payload``)."""

    __slots__ = ("data365_source", "data365_source_origin", "now", "previous", "source_types", "max_period_days",
                 "max_bytes")

    def __init__(self, *, data365_source: str | None = None, data365_source_origin: str = "option",
                 now: _dt.datetime, previous: Node | None = None, source_types=(), max_period_days: int = 31,
                 max_bytes: int = 1 << 20):
        self.data365_source = data365_source
        self.data365_source_origin = data365_source_origin
        self.now = now
        self.previous = previous
        self.source_types = frozenset(source_types)
        self.max_period_days = max_period_days
        self.max_bytes = max_bytes


class Context:
    __slots__ = ("text", "root", "kind", "options", "enabled", "found")

    def __init__(self, text: str, root: Node, kind: str, options: Options, enabled: Callable[[str], bool]):
        self.text = text
        self.root = root
        self.kind = kind
        self.options = options
        self.enabled = enabled
        self.found: list[Diagnostic] = []

    def span(self, node: Node, length: int | None = None) -> Span:
        return span_at(self.text, node.start, node.end - node.start if length is None else length)

    def report(self, code: str, where: Node | Span, message: str, *, hint: str | None = None,
               fix: Fix | None = None, opening: bool = False) -> None:
        """Add a diagnostic at ``where`` (a node, or its opening bracket alone with ``opening``:
        a missing key is reported at the ``{`` of the object that lacks it)."""
        if not self.enabled(code):
            return
        info = rule(code)
        if isinstance(where, Node):
            where = self.span(where, 1 if opening else None)
        self.found.append(Diagnostic(code, message, where, severity=info.severity, hint=hint, fix=fix, name=info.name))


def show(value, limit: int = 60) -> str:
    """A value for a message: JSON-quoted, shortened, and printable whatever it holds."""
    import json

    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) or len(value) <= limit * 2 else \
        json.dumps(value[: limit * 2], ensure_ascii=False)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return printable(text)


def printable(text: str) -> str:
    """``text`` with lone surrogates (a body's broken escapes) written as escapes: a message
    prints and encodes whatever the body held."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def closest(word: str, candidates) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.7)
    return found[0] if found else None


def type_word(node: Node) -> str:
    return node.type_word
