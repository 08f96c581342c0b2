"""The README's performance table, from the JSON of one ``python -m benchmarks`` run.

    python -m benchmarks                       # writes benchmarks/results/latest.json
    python -m benchmarks.readme_table          # prints the table
    python -m benchmarks.readme_table --write  # replaces it in README.md (between its markers)

Every figure comes from the run's JSON as measured; nothing is typed in by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(os.path.dirname(HERE), "README.md")
BEGIN = "<!-- benchmark table: python -m benchmarks.readme_table --write -->"
END = "<!-- end of benchmark table -->"

#: (case, measure, label, how the ratio reads): the rows shown, in this order, when the run has them.
SHOWN = [
    ("200-char filter", "csdl.cost (parse+validate+cost)", "200-char filter, parse + validate + cost", "a plain Lark parse"),
    ("500 conditions / 20 KB", "csdl.cost (parse+validate+cost)", "500 conditions / 20 KB, parse + validate + cost", "a plain Lark parse"),
    ("1 MB, 100k-keyword contains_any", "csdl.cost (parse+validate+cost)", "1 MB, 100k-keyword `contains_any`, parse + validate + cost", "a plain Lark parse"),
    ("10,000-level nesting", "csdl.parse -> E006", "10,000-level nesting → `E006`", "a plain Lark parse"),
    ("start-up (installed wheel)", "csdl check small.csdl", "`csdl check small.csdl`, whole process, installed wheel", "`python -c pass`"),
    ("start-up (installed wheel)", "csdl cost small.csdl", "`csdl cost small.csdl`, whole process, installed wheel", "`python -c pass`"),
    ("start-up (installed wheel)", "csdl format --check small.csdl", "`csdl format --check small.csdl`, whole process, installed wheel", "`python -c pass`"),
    ("start-up (installed wheel)", "python -c 'import lark, click'", "for scale: `python -c 'import lark, click'`", "`python -c pass`"),
    ("start-up (editable install)", "csdl check small.csdl", "secondary: `csdl check` from the editable install", "its `python -c pass`"),
    ("1,000 typical filters", "check + cost", "1,000 filters, `csdl check` + `csdl cost`, one process each", ""),
    ("1 MB, 100k-keyword contains_any", "peak RSS, parse+cost", "peak RSS, 1 MB filter parsed and costed", ""),
    ("10-condition filter", "posts/s, decode+match+tags", "`csdl run`, 10-condition filter, 1.1 KB posts", "orjson decode-only floor"),
    ("100k-keyword contains_any", "posts/s, decode+match+tags", "`csdl run`, 100k-keyword `contains_any`", "orjson decode-only floor"),
    ("10-condition filter, posts decoded whole", "posts/s, decode+match+tags", "same filter, posts decoded whole (no field projection)", "orjson decode-only floor"),
    ("100k-keyword contains_any", "parse + compile", "100k-keyword filter: parse + compile", ""),
    ("--jobs 2: 10-condition filter, summary only", "posts/s, --jobs 2", "`csdl run --jobs 2`, 10-condition filter, summary only", "one process"),
    ("--jobs 2: 10-condition filter, matches written", "posts/s, --jobs 2", "`csdl run --jobs 2`, 10-condition filter, matches written", "one process"),
    ("--jobs 2: 100k-keyword contains_any, summary only", "posts/s, --jobs 2", "`csdl run --jobs 2`, 100k keywords, summary only", "one process"),
    ("streaming memory", "peak RSS, ", "streaming memory, 4× the posts", "peak RSS with 1×"),
]


def _value(row: dict) -> str:
    value, unit = row["value"], row["unit"]
    if unit == "ms":
        return f"{value / 1000:.2f} s" if value >= 1000 else (f"{value:.2f} ms" if value < 10 else f"{value:,.0f} ms")
    if unit in ("posts/s", "texts/s", "req/s"):
        return f"{value / 1000:,.0f}k {unit}" if value >= 10_000 else f"{value:,.0f} {unit}"
    return f"{value:,.1f} {unit}"


def _goal(row: dict) -> str:
    if "goal" not in row:
        return ""
    return f"{row['goal']}: {'met' if row['met'] else 'missed'}"


def _find(rows, case, measure):
    """The row of ``case`` whose measure starts with ``measure`` (one with a ratio first)."""
    found = [r for r in rows if r["case"] == case and r["measure"].startswith(measure)]
    found.sort(key=lambda r: "ratio" not in r)
    return found[0] if found else None


def table(payload: dict) -> str:
    rows = payload["rows"]
    used = set()
    lines = ["| case | figure | ratio (same run) | goal |", "|---|---:|---|---|"]
    for case, measure, label, against in SHOWN:
        row = _find(rows, case, measure)
        if row is None:
            continue
        used.add(id(row))
        ratio = f"{row['ratio']:.2f}× {against}" if "ratio" in row and against else ""
        lines.append(f"| {label} | {_value(row)} | {ratio} | {_goal(row)} |")
    # Rows of the other benchmark groups that state a goal (the engines have their own table).
    for row in rows:
        if id(row) not in used and "goal" in row and not row["case"].startswith(("start-up", "--jobs", "100 typical", "engines, ")):
            ratio = f"{row['ratio']:.2f}× {row['baseline']}" if "ratio" in row else ""
            lines.append(f"| {row['case']}, {row['measure']} | {_value(row)} | {ratio} | {_goal(row)} |")
    machine = f"CPython {payload.get('python', '?')}, {payload.get('cpus', '?')} CPUs"
    engines = engine_table(rows)
    return ("\n".join(lines) + (f"\n\n{engines}" if engines else "")
            + f"\n\n({machine}; {'quick run' if payload.get('quick') else 'full run'}.)\n")


def _ratio_cell(row: dict | None, against: str = "") -> str:
    if row is None:
        return ""
    met = "" if "met" not in row else (" (met)" if row["met"] else " (missed)")
    return f"{row['ratio']:.2f}× {against}{met}".replace("  ", " ") if "ratio" in row else f"{row['value']:.2f}×{met}"


def engine_table(rows: list[dict]) -> str:
    """Per filter of the engine benchmark: the Python engine's rate, DuckDB's against the
    hand-written query on the same data (goal: within 1.5x on Parquet, 2x on JSON Lines) and
    against the Python engine; then Spark's rows."""
    cases = [r["case"] for r in rows if r["case"].startswith("engines, ") and r["measure"].startswith("python engine, ")]
    if not cases:
        return ""
    posts = next(r["measure"] for r in rows if r["case"] == cases[0] and r["measure"].startswith("python engine, "))
    lines = [f"Engines ({posts.removeprefix('python engine, ').removesuffix(' (JSON Lines)')}, summary only; DuckDB's speed as a multiple of the "
             "hand-written DuckDB query's on the same data, and of the Python engine's):", "",
             "| filter | Python engine | DuckDB, Parquet | vs hand-written | DuckDB, JSON Lines | vs hand-written | vs Python: Parquet / JSON Lines |",
             "|---|---:|---:|---|---:|---|---|"]
    for case in cases:
        def get(measure, case=case):
            return next((r for r in rows if r["case"] == case and r["measure"] == measure), None)

        python = next(r for r in rows if r["case"] == case and r["measure"].startswith("python engine, "))
        cells = [case.removeprefix("engines, "), _value(python)]
        for fmt in ("parquet", "jsonl"):
            ours = get(f"duckdb on {fmt}")
            cells += [_value(ours) if ours else "", _ratio_cell(ours)]
        vs = [get(f"duckdb on {fmt} / python engine") for fmt in ("parquet", "jsonl")]
        cells.append(" / ".join(_ratio_cell(r) for r in vs if r))
        lines.append("| " + " | ".join(cells) + " |")
    others = [r for r in rows if r["case"].startswith("engines, ") and (r["measure"].startswith("spark ") or r["case"] == "engines, memory")]
    if others:
        lines += ["", "| Spark, and DuckDB's memory | figure | ratio (same run) | goal |", "|---|---:|---|---|"]
        for r in others:
            ratio = f"{r['ratio']:.2f}× {r['baseline']}" if "ratio" in r else ""
            value = f"{r['value']:.2f}×" if r["unit"] == "x" else _value(r)
            lines.append(f"| {r['case'].removeprefix('engines, ')}, {r['measure']} | {value} | {ratio} | {_goal(r)} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.readme_table", description=__doc__.splitlines()[0])
    parser.add_argument("--input", default=os.path.join(HERE, "results", "latest.json"))
    parser.add_argument("--write", action="store_true", help=f"replace the table in README.md between {BEGIN!r} and {END!r}")
    args = parser.parse_args(argv)
    with open(args.input, encoding="utf-8") as f:
        text = table(json.load(f))
    if not args.write:
        print(text, end="")
        return 0
    with open(README, encoding="utf-8") as f:
        readme = f.read()
    if BEGIN not in readme or END not in readme:
        print(f"README.md has no {BEGIN!r} ... {END!r} markers", file=sys.stderr)
        return 1
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    tmp = README + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(head + BEGIN + "\n" + text + END + tail)
    os.replace(tmp, README)
    return 0


if __name__ == "__main__":
    sys.exit(main())
