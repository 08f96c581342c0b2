"""One result row of the benchmark suite, the same shape for every case."""

from __future__ import annotations


def row(case: str, measure: str, value: float, unit: str, *, baseline: str | None = None,
        baseline_value: float | None = None, goal: str | None = None, met: bool | None = None, note: str = "") -> dict:
    """A figure; a time or a rate measured beside a baseline in the same run also gets the ratio."""
    out = {"case": case, "measure": measure, "value": round(value, 4), "unit": unit}
    if baseline is not None and baseline_value:
        out["baseline"] = baseline
        out["baseline_value"] = round(baseline_value, 4)
        out["ratio"] = round(value / baseline_value, 3)
    if goal is not None:
        out["goal"] = goal
        out["met"] = met
    if note:
        out["note"] = note
    return out
