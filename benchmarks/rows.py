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


def print_rows(rows: list[dict], width: int) -> None:
    """Rows as aligned text lines: case and measure, value and unit, then ratio, goal and note."""
    for r in rows:
        ratio = f"  {r['ratio']:.2f}x {r['baseline']}" if "ratio" in r else ""
        goal = f"  [{r['goal']}: {'met' if r['met'] else 'MISSED'}]" if "goal" in r else ""
        note = f"  ({r['note']})" if r.get("note") else ""
        print(f"{r['case'] + ', ' + r['measure']:<{width}} {r['value']:>14,.1f} {r['unit']:<8}{ratio}{goal}{note}")


def standalone_main(run, description: str, argv=None, *, quick_help: str = "smaller inputs", width: int = 62) -> int:
    """``python -m benchmarks.bench_x [--quick] [--json]`` for a module whose ``run(quick)`` returns rows."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    rows = run(args.quick)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print_rows(rows, width)
    return 0
