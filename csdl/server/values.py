"""JSON values the server accepts, keeps and writes back.

A value read from a request is refused (``problem`` names why) when the answer could not carry
it: a string with a lone surrogate (not UTF-8), an integer beyond the signed 64-bit range (what
the clients' JSON decoders and our encoder hold), a non-finite number, or nesting deeper than
``MAX_DEPTH``. The store refuses the same before writing, so a row it keeps can always be listed.
"""

from __future__ import annotations

import json
import math

MAX_DEPTH = 64
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def problem(value, where: str = "the body") -> str | None:
    """Why ``value`` cannot be kept and written back as JSON, or None. Iterative: a deep value
    cannot exhaust the stack."""
    pending = [(value, where, 1)]
    while pending:
        item, path, depth = pending.pop()
        if depth > MAX_DEPTH:
            return f"{path} is nested more than {MAX_DEPTH} levels deep"
        if isinstance(item, str):
            if not _is_utf8(item):
                return f"{path} holds text that is not valid Unicode (a lone surrogate such as \\ud800)"
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not INT_MIN <= item <= INT_MAX:
                return f"{path} holds an integer outside the 64-bit range (±2^63)"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return f"{path} holds a number that is not finite"
        elif isinstance(item, dict):
            for key, member in item.items():
                if not isinstance(key, str) or not _is_utf8(key):
                    return f"{path} has a member name that is not valid Unicode"
                pending.append((member, f"{path}.{key[:40]}", depth + 1))
        elif isinstance(item, (list, tuple)):
            pending.extend((member, f"{path}[{i}]", depth + 1) for i, member in enumerate(item))
        else:
            return f"{path} holds a {type(item).__name__}, not a JSON value"
    return None


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_bytes(value) -> bytes:
    """``value`` as JSON. A value ``problem`` would refuse (a row written by an older version)
    still gets an answer: lone surrogates as ``\\ud800`` escapes, big integers in full."""
    import orjson

    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: surrogates, integers over 64 bits, deep nesting
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"), default=str).encode("ascii")
