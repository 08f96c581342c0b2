"""The LALR(1) parser object for ``grammar/csdl.lark``, and the Lark names that go with it.

The parser is Lark's stand-alone parser generated from the grammar (``csdl/language/_lalr.py``,
written by ``scripts/generate_parser.py``): Lark's own run-time code and the parse tables, without
Lark's grammar compiler, which is most of what importing ``lark`` costs a process. Everything
that touches the parser's objects imports them from here — tokens, exceptions, the Shift/Reduce
action markers — never from ``lark``: the stand-alone module has its own classes (a ``lark``
``UnexpectedToken`` would not catch its errors) and marks actions with the ints 0 and 1.

Interactive parsing is Lark's: ``parser.parse_interactive(text)``, ``exc.interactive_parser``.
"""

from __future__ import annotations

import os
import sys
from typing import NamedTuple

import csdl.language._lalr as generated
from csdl.language._lalr import (  # noqa: F401 - re-exported
    GRAMMAR_SHA256,
    LarkError,
    Lark_StandAlone,
    Reduce,
    Shift,
    Token,
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
)

__all__ = [
    "GRAMMAR_SHA256", "LarkError", "Reduce", "Shift", "Token", "UnexpectedCharacters", "UnexpectedEOF",
    "UnexpectedInput", "UnexpectedToken", "build_parser", "Terminal", "terminals",
]


class LineCounter(generated.LineCounter):
    """Lark's line counter, counting lines as the rest of csdl does (``csdl.spans.LINE_BREAK``):
    a line ends at ``\\r\\n``, ``\\r`` or ``\\n``. Lark counts ``\\n`` only, so a file saved with
    CR line ends was one long line to the parser and several lines to the editor."""

    __slots__ = ()

    def feed(self, token, test_newline=True):
        if test_newline and isinstance(token, str) and "\r" in token:
            breaks = token.count("\n") + token.count("\r") - token.count("\r\n")
            self.line += breaks
            self.line_start_pos = self.char_pos + max(token.rfind("\n"), token.rfind("\r")) + 1
            test_newline = False
        super().feed(token, test_newline)


generated.LineCounter = LineCounter  # the lexer state makes its counter from the module's global name


class Terminal(NamedTuple):
    """One terminal of the grammar as the generated parser's lexer holds it."""

    name: str
    pattern: str  # a regular expression; for a literal terminal (``"{"``) the literal itself
    is_literal: bool
    flags: tuple[str, ...]  # regular-expression flags (``i``)
    priority: int


def terminals() -> tuple[Terminal, ...]:
    """The grammar's terminals, in the lexer's order, read from the generated tables (no Lark
    grammar compiler at run time): what the editors' vocabulary and highlighters are built from."""
    from csdl.language._lalr import DATA, MEMO

    found = []
    for ref in DATA["parser"]["lexer_conf"]["terminals"]:
        entry = MEMO[ref["@"]]
        pattern = entry["pattern"]
        found.append(Terminal(entry["name"], pattern["value"], pattern["__type__"] == "PatternStr",
                              tuple(pattern["flags"]), entry["priority"]))
    return tuple(found)


def build_parser(transformer, lexer_callbacks: dict):
    """The CSDL parser: LALR(1), contextual lexer, ``transformer``'s callbacks run as rules are
    reduced; the lexers' compiled scanners are kept per user (``regex_cache``)."""
    parser = Lark_StandAlone(transformer=transformer, lexer_callbacks=lexer_callbacks)
    _cache_scanners(parser)
    return parser


def regex_cache_path() -> str | None:
    """Per grammar and interpreter: two installed versions of csdl never share a file."""
    from csdl.language.regex_cache import cache_dir

    return os.path.join(cache_dir(), f"lexer-{GRAMMAR_SHA256[:16]}-{sys.implementation.cache_tag}.marshal")


def _cache_scanners(parser) -> None:
    from csdl.language.regex_cache import CachedRe

    cached = CachedRe(regex_cache_path())
    lexer = parser.parser.lexer  # the contextual lexer: one basic lexer per parser state, and a root one
    for basic in (*lexer.lexers.values(), lexer.root_lexer):
        basic.re = cached
