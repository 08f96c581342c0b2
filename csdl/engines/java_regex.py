"""Whether a CSDL regular expression (RE2 syntax) means the same to Java's ``java.util.regex``,
which Spark's ``RLIKE`` runs: then Spark can run it natively; otherwise our matcher (RE2) does.

The decision is conservative: a pattern is accepted only if Python's own parser reads it (its
syntax is RE2's for everything accepted here) and every construct in it behaves alike in RE2 and
Java. Refused, each for a reason that changes matches:

* ``.`` without ``(?s)``: RE2 stops only at ``\\n``, Java also at ``\\r``, U+0085, U+2028, U+2029;
* ``$``: Java also matches before a final line terminator, RE2 only at the end;
* ``\\s``: Java includes the vertical tab U+000B, RE2 does not;
* ``\\b`` and ``\\B``: Java's word boundary knows Unicode letters, RE2's only ASCII;
* ``(?i)``: RE2 folds case by Unicode, Java by default only ASCII; ``(?m)`` and ``(?x)`` alike;
* anything Python's parser rejects (``\\pL``, ``\\x{..}``, ``[[:alpha:]]``, named classes).
"""

from __future__ import annotations

import re
import warnings

try:  # Python 3.11+
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_SAFE_CATEGORIES = {_c.CATEGORY_DIGIT, _c.CATEGORY_NOT_DIGIT, _c.CATEGORY_WORD, _c.CATEGORY_NOT_WORD}


# Escapes read alike: a backslash before a punctuation character, or one of these letters.
_SAFE_ESCAPE = re.compile(r"\\(?:[^0-9A-Za-z]|[dDwWtnrfxA])")


def java_safe(pattern: str) -> str | None:
    """None when Java reads ``pattern`` as RE2 does; else why not (for ``csdl sql --explain``)."""
    if not pattern.isascii():
        return "a pattern with characters beyond ASCII (Java and RE2 class them differently)"
    if "&&" in pattern:
        return "'&&': an intersection of classes in Java"
    if _SAFE_ESCAPE.sub("", pattern).count("\\"):
        return "an escape not known to mean the same in Java (\\b, \\s, \\v, \\z, \\pL, \\Q ...)"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "possible nested set": refused below anyway
            parsed = _p.parse(pattern, re.ASCII)
    except (re.error, OverflowError, RecursionError):
        return "a construct only RE2 reads"
    flags = parsed.state.flags & ~(re.ASCII | re.UNICODE)
    dotall = bool(flags & re.DOTALL)
    if flags & ~re.DOTALL:
        return "(?i), (?m) or (?x): case folding and line modes differ in Java"
    return _walk(parsed, dotall)


def _walk(items, dotall: bool) -> str | None:
    for op, av in items:
        why = _item(op, av, dotall)
        if why:
            return why
    return None


def _item(op, av, dotall: bool) -> str | None:
    if op in (_c.LITERAL, _c.NOT_LITERAL):
        return None
    if op is _c.ANY:
        return None if dotall else "'.' without (?s): Java also stops at \\r and Unicode line ends"
    if op is _c.AT:
        if av in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING, _c.AT_END_STRING):
            return None
        if av is _c.AT_END:
            return "'$': Java also matches before a final line end"
        return "\\b or \\B: Java's word boundary knows Unicode letters"
    if op is _c.IN:
        return _in(av)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
        return _walk(av[2], dotall)
    if op is _c.SUBPATTERN:
        add_flags, del_flags = av[1], av[2]
        if add_flags or del_flags:
            return "a group with its own flags"
        return _walk(av[3], dotall)
    if op is _c.BRANCH:
        for branch in av[1]:
            why = _walk(branch, dotall)
            if why:
                return why
        return None
    return f"{op} is not checked to mean the same in Java"


def _in(items) -> str | None:
    for op, av in items:
        if op is _c.LITERAL and av == ord("["):
            return "'[' in a class: a nested class in Java"
        if op in (_c.LITERAL, _c.RANGE, _c.NEGATE):
            continue
        if op is _c.CATEGORY and av in _SAFE_CATEGORIES:
            continue
        if op is _c.CATEGORY:
            return "\\s: Java's includes the vertical tab"
        return f"{op} in a class is not checked to mean the same in Java"
    return None
