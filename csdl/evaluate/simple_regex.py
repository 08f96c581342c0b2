"""Plain regular expressions answered by Python's ``re`` as RE2 would answer them.

Calling RE2 through its Python binding costs about a microsecond before it reads a byte; Python's
own engine answers a short pattern such as ``[a-z]{4}`` on a post's text in a third of that.
The two engines differ in general (``$`` before a final newline, ``\\s``, ``\\d`` and ``\\w`` beyond
ASCII, POSIX classes, ``{,n}``, and Python's backtracking can take exponential time), so
Python's is used only where they provably agree:

* the pattern has one fixed length: ASCII literals, escaped punctuation, ``.``, ``^``,
  character classes of ASCII letters, digits, ranges between them and plain punctuation,
  non-repeated groups, and the exact repeat ``{n}`` of an atom. With no choice anywhere (no
  ``?``, ``|``, ``*``, ``+`` or ``{n,m}``) Python's engine never backtracks: each starting
  position costs at most the pattern's length, as in RE2. A filter's author writes the pattern,
  so a pattern with choices (``a?a?a?…aaa…`` takes exponential time in a backtracking engine)
  always goes to RE2;
* on any text: both engines match code points (RE2 decodes its UTF-8, and reads a lone
  surrogate, which the searcher passes to it as its three-byte form, as one code point too), and
  such a pattern means nothing that depends on what lies beyond ASCII. The tests check both
  engines agree on text of one- to four-byte characters and lone surrogates.

Anything else goes to RE2.
"""

from __future__ import annotations

import re

_PUNCT_ESCAPE = r"\\[.?*+()\[\]{}|\\/^$-]"
_CLASS_MEMBER = rf"""(?:[A-Za-z0-9](?:-[A-Za-z0-9])?|{_PUNCT_ESCAPE}|[ _,;:'"/@#%=<>!.?*+(){{}}$])"""
_ATOM = rf"""(?:[A-Za-z0-9 _,;:'"/@#%&=<>!~`-]|{_PUNCT_ESCAPE}|\.|\[\^?{_CLASS_MEMBER}+\])"""
_REPEAT = r"\{\d+\}"
# A whole pattern: atoms (each may be repeated exactly n times), group openings, group ends
# (never repeated) and start anchors; no alternation.
_SAFE = re.compile(rf"(?:{_ATOM}(?:{_REPEAT})?|\(\?:|\((?!\?)|\)(?![?{{*+])|\^)*")


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
