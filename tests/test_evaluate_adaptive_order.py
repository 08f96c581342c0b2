"""Adaptive AND/OR order: operands ranked by measured cost per decision, with what the timers
themselves add taken off (a cheap condition under two timers must not look dear)."""

from __future__ import annotations

import time

from csdl.evaluate.matcher import MAX_SAMPLE, Junction, timer_costs


def _false(post, memo):
    return False


def _measured(junction: Junction, index: int, *, calls: int, seconds: float, inner: int, trues: int) -> None:
    junction.calls[index], junction.seconds[index] = calls, seconds
    junction.inner[index], junction.trues[index] = inner, trues


def test_best_order_takes_the_timers_off():
    junction = Junction(True, [_false, _false], timed=True)
    # Operand 0: 1 µs a call measured, 0.8 µs of it the timer inside; false one time in ten.
    _measured(junction, 0, calls=100, seconds=100e-6, inner=100, trues=90)
    # Operand 1: 3 µs a call measured, the same timer inside; false one time in two.
    _measured(junction, 1, calls=100, seconds=300e-6, inner=100, trues=50)
    assert junction.best_order() == [1, 0]  # 1 µs / 0.1 against 3 µs / 0.5, timers and all
    assert junction.best_order(costs=(0.0, 0.8e-6)) == [0, 1]  # 0.2 µs / 0.1 against 2.2 µs / 0.5


def test_an_interrupted_call_counts_for_at_most_max_sample():
    def slow(post, memo):
        time.sleep(0.01)
        return True

    junction = Junction(False, [slow], timed=True)
    junction.parts[0]({}, {})
    assert junction.calls == [1] and junction.trues == [1]
    assert junction.seconds[0] <= MAX_SAMPLE


def test_timer_costs_are_measured_once_and_not_negative():
    own, per_inner = timer_costs()
    assert own >= 0.0 and per_inner >= 0.0
    assert timer_costs() == (own, per_inner)
