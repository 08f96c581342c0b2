"""The one fixing loop (``csdl.checking.fix_loop.fix_until_stable``) that filters and payloads share:
non-overlapping fixes per pass, a pass that would not parse retried one fix at a time, unsafe
fixes counted but left alone. The subject here is a tiny language of its own (balanced
parentheses, no `x`), so the loop's contract is tested apart from any rule."""

from __future__ import annotations

from csdl.checking.fix_loop import fix_until_stable
from csdl.diagnostics import SAFE, UNSAFE, Diagnostic, Fix
from csdl.payloads.payload_fixes import PayloadFixes
from csdl.spans import span_at


class NoX:
    """Every `x` is a problem, fixed by deleting it; a `(x` is fixed by `(` + `)`-less text, which
    unbalances the parentheses (so it must never be kept)."""

    def diagnose(self, text):
        if not self.parses(text):
            return False, []
        found = []
        for i, char in enumerate(text):
            if char == "x":
                breaks = i > 0 and text[i - 1] == "("
                fix = Fix(span_at(text, i - 1 if breaks else i, 2 if breaks else 1), "" if breaks else "",
                          applicability=SAFE)
                found.append(Diagnostic("T001", "an x", span_at(text, i, 1), fix=fix))
            if char == "y":
                found.append(Diagnostic("T002", "a y", span_at(text, i, 1),
                                        fix=Fix(span_at(text, i, 1), "", applicability=UNSAFE)))
        return True, found

    def parses(self, text):
        depth = 0
        for char in text:
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth < 0:
                return False
        return depth == 0

    def safe(self, diagnostic, text):
        return diagnostic.fix.applicability == SAFE


def test_fixes_that_would_break_the_text_are_dropped_and_the_others_kept():
    result = fix_until_stable("ax (x) bx", NoX())
    assert result.text == "a (x) b"  # `(x` -> `` would leave `)` unbalanced: refused, the rest kept
    assert [d.code for d in result.fixed] == ["T001", "T001"]
    assert [d.code for d in result.remaining] == ["T001"]


def test_unsafe_fixes_are_counted_and_applied_only_when_asked():
    assert fix_until_stable("yx", NoX()).text == "y"
    assert fix_until_stable("yx", NoX()).hidden == 1
    assert fix_until_stable("yx", NoX(), unsafe=True).text == ""


def test_a_text_that_does_not_parse_is_not_touched():
    result = fix_until_stable("(x", NoX())
    assert result.text == "(x" and not result.fixed


def test_payloads_go_through_the_same_loop():
    body = '{"source_type": "facebook_page", "name": "n", "parameters": {"comments": "true"}, ' \
           '"resources": [{"parameters": {"id": 10513336322}}], "auth": [{"parameters": {"value": "t"}}]}'
    subject = PayloadFixes("source-create", {})
    result = fix_until_stable(body, subject)
    assert '"comments": true' in result.text and '"id": "10513336322"' in result.text
    assert result.remaining == [] and len(result.fixed) == 2
