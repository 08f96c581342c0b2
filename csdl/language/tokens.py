"""DataSift's tokens (DPU model §6, spec §3.1).

A token is a maximal run of letters, digits and underscores (Unicode-aware) or a single
punctuation or symbol character; white space separates tokens and is not one. ``"50%"`` is
``50``, ``%``; ``"#apple"`` is ``#``, ``apple``. In ``wildcard`` arguments ``*`` and ``?`` belong to
the word they touch (``print*`` is one token) — our decision, documented in docs/cost.md.
"""

from __future__ import annotations

import re

#: One token: a run of word characters, or one character that is neither a word character nor space.
TOKEN = re.compile(r"\w+|[^\w\s]")
_WILDCARD_TOKEN = re.compile(r"[\w*?]+|[^\w\s]")


def tokenize(text: str, *, wildcard: bool = False) -> list[str]:
    """The tokens of ``text`` in order."""
    return (_WILDCARD_TOKEN if wildcard else TOKEN).findall(text)


def count_tokens(text: str, *, wildcard: bool = False) -> int:
    return len(tokenize(text, wildcard=wildcard))
