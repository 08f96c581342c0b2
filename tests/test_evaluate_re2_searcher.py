"""The yes/no RE2 call (``re2util.searcher``, which asks the compiled program directly) against
google-re2's own ``search`` and ``fullmatch``, on patterns built from the constructs filters
use (classes, anchors, word boundaries, repeats, alternation, case folding, Unicode)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from csdl.evaluate.re2util import compile_re2, searcher

ATOMS = ["a", "b", "é", "東", ".", "[a-z]", "[^a]", r"\d", r"\w", r"\s", r"\b", r"\B", "^", "$", r"\A", r"\z",
         r"\pL", r"[\pL\pN_]", "(?i)A", "x*", "(?:ab|b)", "a{2}", "a+?", "(a|)", r"\x{1F363}"]
patterns = st.lists(st.sampled_from(ATOMS), min_size=0, max_size=5).flatmap(
    lambda parts: st.sampled_from(["".join(parts), "|".join(parts), "(?s)" + "".join(parts), "(?m)" + "".join(parts)]))
texts = st.text(alphabet="abAé東1 \n_🍣", max_size=12)


@settings(max_examples=600, deadline=None)
@given(patterns, texts)
def test_searcher_is_re2_search(pattern, text):
    compiled = compile_re2(pattern)
    assert searcher(compiled)(text) is (compiled.search(text) is not None)
    assert searcher(compiled, whole=True)(text) is (compiled.fullmatch(text) is not None)


def test_searcher_handles_lone_surrogates_and_long_texts():
    test = searcher(compile_re2("x$"))
    assert test("\ud800x") and not test("x\ud800")
    assert test("a" * 100_000 + "x") and not test("x" + "a" * 100_000)
