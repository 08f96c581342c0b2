"""What the page's highlighter and completion need, read from the grammar and the catalogue.

The grammar (``csdl.lark``) is the single source of truth for keywords and operators: the page
gets each terminal's own regular expression from the generated parser's table (no Lark build at
run time) and its words from ``csdl.language.vocabulary``, as the language server does, so a
keyword added to the grammar is highlighted without touching the JavaScript. ``KIND`` only says
how each terminal is drawn; a terminal it does not know fails loudly (and the tests,
tests/test_workbench_api.py), so grammar and page cannot drift apart silently.
"""

from __future__ import annotations

import functools
import re

# How each grammar terminal is drawn; None: not highlighted (white space, and the switch words,
# which only the contextual lexer can tell from targets).
KIND = {
    "_OR": "logic",
    "_AND": "logic",
    "NOT": "logic",
    "TAGS": "keyword",
    "RETURN": "keyword",
    "STREAM": "keyword",
    "CS": "keyword",
    "TAG_HEAD": "keyword",
    "TEXT_OP": "operator",
    "STRING_OP": "operator",
    "EXISTS": "operator",
    "IN": "operator",
    "EQ_OP": "symbol",
    "ORDER_OP": "symbol",
    "TARGET": "target",
    "STRING": "string",
    "NUMBER": "number",
    "COMMENT": "comment",
    "LBRACE": "bracket",
    "RBRACE": "bracket",
    "LPAR": "bracket",
    "RPAR": "bracket",
    "LSQB": "bracket",
    "RSQB": "bracket",
    "_COMMA": "bracket",
    "SWITCH_NAME": None,
    "SWITCH_VALUE": None,
    "WS": None,
}

# The scanner tries comments and strings first (they swallow everything inside them), then the
# grammar's priorities, highest first — as the grammar's lexer does.
_FIRST = ("COMMENT", "STRING")
# Words that are none of the above (a misspelt keyword, a bare word) are one plain token, so a
# keyword is never found inside a longer word.
_WORD = r"[A-Za-z0-9_]+"


class UnknownTerminal(LookupError):
    pass


def _non_capturing(pattern: str) -> str:
    """``pattern`` with its capturing groups made non-capturing: the page joins all terminals
    into one regular expression and tells them apart by group number."""
    out = []
    i = 0
    in_class = False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(" and not pattern.startswith("?", i + 1):
            out.append("(?:")
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


def grammar_terminals():
    """The grammar's terminals from the generated parser's table (``csdl.language.lalr``)."""
    from csdl.language.lalr import terminals as table

    return table()


@functools.lru_cache(maxsize=1)
def terminals() -> tuple[dict, ...]:
    """The highlighted terminals in scanning order: ``{"name", "pattern", "kind"}`` each."""
    found = []
    for term in grammar_terminals():
        if term.name not in KIND:
            raise UnknownTerminal(f"grammar terminal {term.name} has no highlighting kind in {__name__}.KIND")
        kind = KIND[term.name]
        if kind is None:
            continue
        pattern = re.escape(term.pattern) if term.is_literal else _non_capturing(term.pattern)
        found.append({"name": term.name, "pattern": pattern, "kind": kind, "priority": term.priority})
    found.sort(key=lambda t: (t["name"] not in _FIRST, _FIRST.index(t["name"]) if t["name"] in _FIRST else 0,
                              -t["priority"]))
    found.append({"name": "WORD", "pattern": _WORD, "kind": "plain", "priority": -1})
    return tuple({k: v for k, v in t.items() if k != "priority"} for t in found)


def words(kinds=("keyword", "logic", "operator")) -> list[str]:
    """The literal words of the keyword and operator terminals (``contains_any``, ``rule`` …):
    the grammar vocabulary the language server completes from too."""
    from csdl.language import vocabulary

    return sorted(set(vocabulary.words(*(name for name, kind in KIND.items() if kind in kinds))))


@functools.lru_cache(maxsize=1)
def targets() -> tuple[dict, ...]:
    from csdl.checking import catalogue

    return tuple({"name": t.name, "type": t.type_label, "operators": sorted(t.operators)}
                 for t in sorted(catalogue.targets().values(), key=lambda t: t.name))
