"""CSDL's keywords and operators, read from the generated parser's terminal table
(``csdl.language.lalr.terminals``), which is built from ``grammar/csdl.lark``.

The language server's completion, the workbench's highlighter and completion, and the VS Code
grammar (``scripts/make_textmate.py``) all take their words from here, so a keyword added to the
grammar reaches every editor without a second list to keep in step, and no face builds a Lark
parser at run time to learn them.
"""

from __future__ import annotations

import functools
import re

from csdl.language.lalr import terminals as grammar_terminals

#: Terminals by role. The names are the grammar's.
LOGIC = ("_AND", "_OR", "NOT")
STATEMENTS = ("TAG_HEAD", "TAGS", "RETURN", "STREAM")
WORD_OPERATORS = ("TEXT_OP", "STRING_OP", "IN", "EXISTS")
SYMBOL_OPERATORS = ("EQ_OP", "ORDER_OP")
MODIFIERS = ("CS",)

#: A keyword's pattern ends with this look-ahead, so that a keyword is never the start of a target.
_LOOKAHEAD = "(?![\\w.])"


@functools.lru_cache(maxsize=1)
def terminals() -> dict[str, list[str]]:
    """The words each keyword, operator or punctuation terminal matches, in the grammar's order."""
    out: dict[str, list[str]] = {}
    for terminal in grammar_terminals():
        found = [terminal.pattern] if terminal.is_literal else _words(terminal.pattern)
        if found:
            out[terminal.name] = found
    return out


def _words(pattern: str) -> list[str]:
    symbols = re.fullmatch(r"\(\?:((?:[^\w\s()|]+\|)*[^\w\s()|]+)\)", pattern)  # "==" | "!=" compiled by Lark
    if symbols is not None:
        return symbols.group(1).split("|")
    if not pattern.endswith(_LOOKAHEAD):
        return []  # not a keyword: targets, strings, numbers, names
    pattern = pattern[: -len(_LOOKAHEAD)]
    group = re.fullmatch(r"\(([a-z_|]+)\)", pattern)
    if group is not None:
        return group.group(1).split("|")
    head = re.match(r"[a-z_]+", pattern)  # `tag(?:\.…)*`: the keyword and what may follow it
    return [head.group(0)] if head else []


def words(*names: str) -> list[str]:
    """The words of the terminals ``names``, in order, each once."""
    table = terminals()
    out: list[str] = []
    for name in names:
        for word in table.get(name, ()):
            if word not in out:
                out.append(word)
    return out


def keywords() -> list[str]:
    """Logic words and statement keywords (``and``, ``or``, ``not``, ``tag``, ``tags`` …)."""
    return words(*LOGIC, *STATEMENTS)


def operators() -> list[str]:
    """Every operator spelling the grammar accepts, synonyms included."""
    return words(*WORD_OPERATORS, *SYMBOL_OPERATORS)
