"""Plain regular expressions answered by Python's ``re`` on ASCII text, as RE2 would answer them.

Calling RE2 through its Python binding costs about a microsecond before it reads a byte; Python's
own engine answers a short pattern such as ``[a-z]{4}`` on a post's text in a third of that.
The two engines differ in general (``$`` before a final newline, ``\\s``, ``\\d`` and ``\\w`` beyond
ASCII, POSIX classes, ``{,n}``, lone surrogates, and Python's backtracking can take exponential
time), so Python's is used only where they provably agree:

* the pattern is built from ASCII literals, escaped punctuation, ``.``, ``^``, character classes
  of ASCII letters, digits, ranges between them and plain punctuation, groups, alternation and
  the bounded repeats ``?``, ``{n}``, ``{n,m}`` (lazy or not: a yes/no answer does not depend on
  it), no repeat applied to a group. Without ``*``, ``+`` or ``{n,}`` and with no repeat around a
  group, each starting position costs a bounded amount of work: no backtracking blow-up;
* the text is ASCII (one character is one byte, so RE2's UTF-8 view and Python's agree).

Anything else (a non-ASCII text, another pattern) goes to RE2 as before.
"""

from __future__ import annotations

import re

_PUNCT_ESCAPE = r"\\[.?*+()\[\]{}|\\/^$-]"
_CLASS_MEMBER = rf"""(?:[A-Za-z0-9](?:-[A-Za-z0-9])?|{_PUNCT_ESCAPE}|[ _,;:'"/@#%=<>!.?*+(){{}}$])"""
_ATOM = rf"""(?:[A-Za-z0-9 _,;:'"/@#%&=<>!~`-]|{_PUNCT_ESCAPE}|\.|\[\^?{_CLASS_MEMBER}+\])"""
_REPEAT = r"(?:\?|\{\d+(?:,\d+)?\})\??"
# A whole pattern: atoms (each may be repeated), group openings, group ends (never repeated),
# alternation bars and start anchors.
_SAFE = re.compile(rf"(?:{_ATOM}(?:{_REPEAT})?|\(\?:|\((?!\?)|\)(?![?{{*+])|\||\^)*")


def python_search(pattern: str, *, whole: bool = False):
    """``search(text) -> match or None`` by Python's ``re`` when ``pattern`` is in the safe
    subset (its answer on ASCII text is RE2's), else None."""
    if not pattern.isascii() or _SAFE.fullmatch(pattern) is None:
        return None
    try:
        compiled = re.compile(pattern)
    except re.error:  # RE2 accepted it: let RE2 answer
        return None
    return compiled.fullmatch if whole else compiled.search
