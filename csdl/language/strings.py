"""CSDL string literals: unescaping, list splitting and quoting.

Backslash escapes every special character (spec §2.4): ``\\"`` and ``\\\\`` everywhere, ``\\,`` inside
lists, ``\\:`` inside ``contains_near``; ``\\n``, ``\\t`` and ``\\r`` are control characters. Any other
``\\x`` keeps its backslash, so a regular expression written with single backslashes still reaches
RE2 unchanged.
"""

from __future__ import annotations

import re

_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", ",": ",", ":": ":"}
_ESCAPE = re.compile(r"\\([\s\S])")
_UNESCAPED_COMMA = re.compile(r"((?:[^\\,]|\\[\s\S])*)(,|$)")


def _replace(match: re.Match) -> str:
    char = match.group(1)
    return _SIMPLE_ESCAPES.get(char, "\\" + char)


def unescape(body: str) -> str:
    """The value of a string literal's body (the text between the quotes)."""
    if "\\" not in body:
        return body
    return _ESCAPE.sub(_replace, body)


def split_list(body: str) -> tuple[str, ...]:
    """Split a list literal's body on unescaped commas; items are trimmed and unescaped.

    Empty items (``"a,,b"``) are kept as ``""`` so that the validator can point at them.
    """
    if "\\" not in body:
        return tuple(item.strip() for item in body.split(","))
    items = []
    for match in _UNESCAPED_COMMA.finditer(body):
        items.append(unescape(match.group(1).strip()))
        if not match.group(2):
            break
    return tuple(items)


def split_near(body: str) -> tuple[tuple[str, ...], int | None, str | None]:
    """Split a ``contains_near`` body ``"w1,w2:N"`` into words, the distance and its text.

    The distance follows the last unescaped ``:``; it is ``None`` when missing or not an integer.
    """
    colon = _last_unescaped(body, ":")
    if colon < 0:
        return split_list(body), None, None
    words, distance_text = body[:colon], body[colon + 1 :].strip()
    distance = int(distance_text) if re.fullmatch(r"[+-]?\d+", distance_text) else None
    return split_list(words), distance, distance_text


def _last_unescaped(body: str, char: str) -> int:
    index = body.rfind(char)
    while index > 0:
        backslashes = len(body[:index]) - len(body[:index].rstrip("\\"))
        if backslashes % 2 == 0:
            return index
        index = body.rfind(char, 0, index)
    return index


def quote(value: str, *, specials: str = "") -> str:
    """A string literal whose value is ``value``; characters in ``specials`` are escaped too."""
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    for char in specials:
        out = out.replace(char, "\\" + char)
    return f'"{out}"'
