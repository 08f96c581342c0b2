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

    def test(text: str, memo=None) -> bool:
        # surrogatepass: a lone surrogate decoded from JSON must not raise mid-run.
        data = text.encode("utf-8", "surrogatepass")
        return match(anchor, data, 0, len(data))[0][0] != -1

    return test
