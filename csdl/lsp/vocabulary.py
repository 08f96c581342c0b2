"""CSDL's keywords and operators, read from the grammar (``grammar/csdl.lark``) itself.

Completion and the editor grammars (``scripts/make_textmate.py`` writes the VS Code one) take
their words from here, so a keyword added to the grammar reaches the editors without a second
list to keep in step. Needs no pygls: the generator script imports it too.
"""

from __future__ import annotations

import re

#: Terminals by role. The names are the grammar's.
LOGIC = ("_AND", "_OR", "NOT")
STATEMENTS = ("TAG_HEAD", "TAGS", "RETURN", "STREAM")
WORD_OPERATORS = ("TEXT_OP", "STRING_OP", "IN", "EXISTS")
SYMBOL_OPERATORS = ("EQ_OP", "ORDER_OP")
MODIFIERS = ("CS",)

_DEFINITION = re.compile(r"^(?P<name>[A-Z_][A-Z0-9_]*)(?:\.\d+)?\s*:\s*(?P<body>.+?)\s*$")
_LOOKAHEAD = "(?![\\w.])"


def grammar_text() -> str:
    from csdl.language.parser import grammar_path

    with open(grammar_path(), encoding="utf-8") as f:
        return f.read()


def terminals(text: str | None = None) -> dict[str, list[str]]:
    """The words each keyword or operator terminal matches, in the grammar's order."""
    text = grammar_text() if text is None else text
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        match = _DEFINITION.match(line.strip())
        if match is None:
            continue
        words = _words(match.group("body"))
        if words:
            out[match.group("name")] = words
    return out


def _words(body: str) -> list[str]:
    literals = re.findall(r'"((?:[^"\\]|\\.)*)"', body)
    if literals and body.replace(" ", "").replace("|", "").replace('"', "") == "".join(literals):
        return literals
    regex = re.fullmatch(r"/(.*)/i?", body)
    if regex is None:
        return []
    pattern = regex.group(1)
    if not pattern.endswith(_LOOKAHEAD):
        return []  # not a keyword: targets, strings, numbers, names
    pattern = pattern[: -len(_LOOKAHEAD)]
    group = re.fullmatch(r"\(([a-z_|]+)\)", pattern)
    if group is not None:
        return group.group(1).split("|")
    head = re.match(r"[a-z_]+", pattern)  # `tag(?:\.…)*`: the keyword and what may follow it
    return [head.group(0)] if head else []


def words(*names: str) -> list[str]:
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
