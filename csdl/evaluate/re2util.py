"""Calling RE2 for a yes/no answer without the cost of match objects.

google-re2's ``search`` turns every hit into a match object with character offsets, which
costs about ten times the match itself on a short post; a filter needs only whether there is
a match, so the compiled program is asked directly. Should the binding's internals change, the
public API is used instead.
"""

from __future__ import annotations


def compile_re2(pattern: str):
    """A compiled RE2 pattern (log_errors off: errors are reported by us, not on stderr)."""
    import re2

    options = re2.Options()
    options.log_errors = False
    return re2.compile(pattern, options)


def searcher(compiled, *, whole: bool = False):
    """``test(text, memo=None) -> bool``: does ``compiled`` match somewhere in (``whole``: all of)
    ``text``? (``memo`` is unused: it gives the text tests' signature.)"""
    try:
        from re2 import _re2

        program = compiled._regexp
        match = program.Match
        anchor = _re2.RE2.Anchor.ANCHOR_BOTH if whole else _re2.RE2.Anchor.UNANCHORED
        match(anchor, b"", 0, 0)
    except (ImportError, AttributeError, TypeError):
        public = compiled.fullmatch if whole else compiled.search
        return lambda text, memo=None: public(text) is not None
    try:
        in_set = _set_match(_re2, compiled, anchor)
    except (AttributeError, TypeError):  # a binding without sets: the plain call
        in_set = None
    if in_set is not None:

        def test_set(text: str, memo=None) -> bool:
            # surrogatepass: a lone surrogate decoded from JSON must not raise mid-run.
            return bool(in_set(text.encode("utf-8", "surrogatepass")))

        return test_set

    def test(text: str, memo=None) -> bool:
        data = text.encode("utf-8", "surrogatepass")
        return match(anchor, data, 0, len(data))[0][0] != -1

    return test


#: Above this many instructions a program is not compiled a second time as a set: its build time
#: would double, and the call's fixed cost matters less beside a scan of such a program.
SET_MAX_PROGRAM = 20_000


def _set_match(_re2, compiled, anchor):
    """``Match(data) -> [0] or []`` of a one-pattern ``RE2::Set``, or None when there is none.

    A plain ``RE2.Match`` call costs about 1.2 µs before it reads a byte (it reports where the
    match is); a set, which only says whether, about half that, and a filter calls it per post.
    A set has no NFA to fall back on, so it is only used once ``Compile`` succeeded: its
    compiler runs the DFA once and fails when the memory budget could not hold it, and a set's
    DFA, unlike a single pattern's, never gives up on a slow search (it flushes its cache and
    goes on), so a compiled set answers every search, exactly as the pattern does.
    """
    program = compiled._regexp
    if program.ProgramSize() > SET_MAX_PROGRAM:
        return None
    pattern = compiled.pattern
    one = _re2.Set(anchor, program.options())
    if one.Add(pattern.encode("utf-8") if isinstance(pattern, str) else pattern) != 0 or not one.Compile():
        return None
    return one.Match
