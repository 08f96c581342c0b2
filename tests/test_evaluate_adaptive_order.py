"""Adaptive AND/OR order: operands timed on a sample of posts (one clock reading per operand
and sample) and ranked by measured cost per decision; answers never change."""

from __future__ import annotations

import csdl
from csdl.evaluate import compile_matcher
from csdl.evaluate.matcher import Junction


def _false(post, memo):
    return False


def _true(post, memo):
    return True


def test_best_order_ranks_by_cost_per_decision():
    junction = Junction(True, [_false, _false])
    # Operand 0: 1 µs a post, false one time in ten; operand 1: 3 µs, false one time in two.
    junction.calls[:], junction.seconds[:], junction.trues[:] = [100, 100], [100e-6, 300e-6], [90, 50]
    assert junction.best_order() == [1, 0]  # 10 µs against 6 µs per decision
    junction.seconds[1] = 1000e-6
    assert junction.best_order() == [0, 1]


def test_learn_counts_posts_and_outcomes_per_operand():
    junction = Junction(False, [_false, _true])
    junction.learn([{}, {}, {}])
    assert junction.calls == [3, 3] and junction.trues == [0, 3]
    assert all(seconds >= 0.0 for seconds in junction.seconds)
    assert junction.best_order(min_calls=3) == [1, 0]  # an OR: the operand that is true decides


def test_adapting_never_changes_answers():
    matcher = compile_matcher(csdl.parse('interaction.content contains "x" AND (interaction.sample > 2 OR '
                                          'language.tag == "en") AND interaction.type exists'))
    posts = [{"interaction": {"content": c, "sample": s, "type": "t"}, "language": {"tag": t}}
             for c in ("x", "y", "ax b") for s in (1, 3, "z") for t in ("en", "fr")]
    before = [matcher.deliver(p).matched for p in posts]
    matcher.adapt(posts * 3)
    assert [matcher.deliver(p).matched for p in posts] == before
    assert all(j.calls == [len(posts) * 3] * len(j.order) for j in matcher.junctions)
