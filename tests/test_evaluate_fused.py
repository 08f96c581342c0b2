"""A filter fused into one function (csdl.evaluate.fused) answers every post as its closures do,
records the same wrong-typed values, and follows the adaptive order as it changes."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

import csdl
from csdl.evaluate import compile_matcher, fused
from csdl.evaluate.conditions import ISSUES

from engine_strategies import filters, posts


def _answers(main, post):
    memo: dict = {}
    return bool(main(post, memo)), memo.get(ISSUES)


# Each example compiles a filter (RE2 programs included) and fuses it twice: half the profile's count.
@settings(max_examples=max(20, settings.default.max_examples // 2), deadline=None)
@given(filters(), st.lists(posts(), min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_fused_answers_as_the_closures_in_any_order(text, batch, rng):
    matcher = compile_matcher(csdl.parse(text))
    for _ in range(2):
        for post in batch:
            assert _answers(matcher.main, post) == _answers(matcher.closures_main, post), (text, post)
        # Another order of every AND/OR (as the adaptive order may choose), fused again.
        for junction in matcher.junctions:
            order = list(range(len(junction.order)))
            rng.shuffle(order)
            junction.apply(order)
        if matcher.fusing is not None:
            matcher.fuse(*matcher.fusing)


def test_a_small_filter_is_fused_and_a_large_one_is_not():
    small = compile_matcher(csdl.parse('interaction.content contains "x" AND NOT interaction.sample > 5'))
    assert small.main is not small.closures_main
    words = " OR ".join(f'interaction.content contains "w{i}"' for i in range(fused.MAX_CONDITIONS + 1))
    large = compile_matcher(csdl.parse(words))
    assert large.main is large.closures_main and large.fusing is None
    assert large.match({"interaction": {"content": f"w{fused.MAX_CONDITIONS}"}})


def _chain(levels: int) -> str:
    """``c0 AND (c1 OR (c2 AND (…)))``: each level one more junction inside the last."""
    text = 'interaction.content contains "w0"'
    for i in range(1, levels):
        text = f'interaction.content contains "w{i}" {("AND", "OR")[i % 2]} ({text})'
    return text


def test_nesting_deeper_than_fusing_takes_is_left_to_the_closures():
    shallow, deep = compile_matcher(csdl.parse(_chain(10))), compile_matcher(csdl.parse(_chain(fused.MAX_NESTING + 5)))
    assert shallow.fusing is not None and deep.fusing is None
    for words in ("w0", "w1 w0", "w9 w0", "w8", "w9 w7 w8"):
        post = {"interaction": {"content": words}}
        assert _answers(shallow.main, post) == _answers(shallow.closures_main, post)
        assert _answers(deep.main, post) == _answers(deep.closures_main, post)
    negated = compile_matcher(csdl.parse("NOT (" * 45 + 'interaction.content contains "x"' + ")" * 45))
    assert not negated.match({"interaction": {"content": "x"}}) and negated.match({"interaction": {"content": "y"}})


def test_the_fused_function_runs_the_operands_in_the_adapted_order():
    # A wrong-typed sample is recorded only when the comparison runs: the memo shows the order.
    matcher = compile_matcher(csdl.parse('interaction.sample > 5 AND interaction.content contains "x"'))
    post = {"interaction": {"sample": "many", "content": "y"}}
    assert _answers(matcher.main, post)[1] is not None
    junction = matcher.junctions[0]
    junction.apply([1, 0])
    matcher.fuse(*matcher.fusing)
    assert _answers(matcher.main, post) == (False, None)


def test_adapting_fuses_again():
    matcher = compile_matcher(csdl.parse('interaction.content contains_any "a, b, c" AND interaction.sample > 5'))
    sample = [{"interaction": {"content": "a", "sample": random.Random(i).randrange(10) - 5}} for i in range(50)]
    before = matcher.main
    if matcher.adapt(sample):
        assert matcher.main is not before
    assert [matcher.match(p) for p in sample] == [bool(matcher.closures_main(p, {})) for p in sample]
