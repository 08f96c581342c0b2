"""Benchmarks for the SQL engines (csdl/engines/): posts per second of DuckDB on Parquet, DuckDB
on JSON Lines and Spark local[1]/local[2], each as a ratio to the Python engine on the same posts
in the same run; and DuckDB's peak memory under a memory_limit.

    python -m benchmarks.bench_engines [--quick]     # standalone
    python -m benchmarks --only engines [--quick]    # with the suite

Posts are the synthetic ~1.1 KB interactions of ``scripts/make_sample.py``: 100,000 generated
(10,000 in --quick), repeated to 1,000,000 lines (20,000 in --quick) with fresh ids, written once as
JSON Lines and as Parquet. Every engine produces the summary and the forecast (the posts
themselves are not written: ``--format json``), so the figures compare evaluation, not output.
Spark runs in a child process per master (one SparkContext per JVM); its figure is the second of
two runs in that process (the first pays the JVM's warm-up).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from .rows import row, standalone_main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOALS = {"duckdb-parquet": 10.0, "duckdb-jsonl": 1.3}
SPARK_SCALING_GOAL = 1.6


class _Null:
    def write(self, data: bytes) -> None:
        pass


def _posts(workdir: str, quick: bool) -> tuple[str, str, int]:
    from .bench_run import make_lines

    base = make_lines(10_000 if quick else 50_000, seed=31)
    total = int(os.environ.get("CSDL_BENCH_ENGINE_POSTS", 20_000 if quick else 1_000_000))
    jsonl = os.path.join(workdir, "posts.jsonl")
    with open(jsonl, "wb") as f:
        written = 0
        copy = 0
        while written < total:
            for line in base:
                if written >= total:
                    break
                # a fresh id per copy: the lines are distinct posts to every engine
                f.write(line.replace(b'"id":"1e', b'"id":"%02x' % (copy % 256), 1))
                written += 1
            copy += 1
    parquet = os.path.join(workdir, "posts.parquet")
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    con.execute("COPY (SELECT * FROM read_json($src, format = 'newline_delimited', sample_size = -1)) TO $out (FORMAT parquet)",
                {"src": jsonl, "out": parquet})
    return jsonl, parquet, total


def _filters() -> dict[str, str]:
    from .bench_run import FILTER_10, keyword_filter

    return {"10-condition filter": FILTER_10, "10,000-keyword contains_any": keyword_filter(10_000)}


def _python_engine(text: str, jsonl: str) -> tuple[float, int]:
    import csdl
    from csdl.evaluate import compile_matcher
    from csdl.evaluate.runner import run

    matcher = compile_matcher(csdl.parse(text))
    start = time.perf_counter()
    with open(jsonl, "rb") as posts:
        result = run(matcher, posts, _Null())
    return time.perf_counter() - start, result.stats.matched


def _duckdb_engine(text: str, path: str, memory_limit: str | None = None) -> tuple[float, int]:
    import csdl
    from csdl.engines import duckdb as engine
    from csdl.engines import inputs

    tree = csdl.parse(text)
    data = inputs.resolve(path)
    start = time.perf_counter()
    result, _ = engine.run(tree, data, _Null(), memory_limit=memory_limit, want_posts=False)
    return time.perf_counter() - start, result.stats.matched


def _spark_child(master: str, filter_file: str, path: str) -> dict:
    """Time a Spark run in a fresh process (its own JVM) and return {"seconds", "matched"}."""
    code = (
        "import json, sys, time\n"
        "import csdl\n"
        "from csdl.engines import spark, inputs\n"
        "class Null:\n"
        "    def write(self, d): pass\n"
        f"tree = csdl.parse(open({filter_file!r}).read())\n"
        f"data = inputs.resolve({path!r})\n"
        f"session = spark.session({master!r})\n"
        "spark.run(tree, data, Null(), spark=session, want_posts=False)\n"
        "start = time.perf_counter()\n"
        "result, _ = spark.run(tree, data, Null(), spark=session, want_posts=False)\n"
        "print(json.dumps({'seconds': time.perf_counter() - start, 'matched': result.stats.matched}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    lines = [line for line in out.stderr.splitlines() if "Error" in line or "Exception" in line]
    raise RuntimeError(f"spark {master} failed: {lines[-3:] if lines else out.returncode}")


def _peak_rss_mb(code: str) -> float:
    script = code + "\nprint([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    return int(out.stdout.split()[-1]) / 1024.0


def _progress(entry: dict) -> dict:
    print(f"  {entry['case']}, {entry['measure']}: {entry['value']:,.1f} {entry['unit']}"
          + (f" ({entry['ratio']:.2f}x {entry['baseline']})" if "ratio" in entry else ""), file=sys.stderr, flush=True)
    return entry


class _Rows(list):
    """Rows, each also printed to stderr as it is measured (a full run takes minutes)."""

    def append(self, entry: dict) -> None:
        super().append(_progress(entry))


def run(quick: bool) -> list[dict]:
    try:
        import duckdb  # noqa: F401
        import sqlglot  # noqa: F401
    except ImportError:
        print("engines: skipped (install the [duckdb] extra)", file=sys.stderr)
        return []
    rows = _Rows()
    with tempfile.TemporaryDirectory() as workdir:
        jsonl, parquet, total = _posts(workdir, quick)
        for name, text in _filters().items():
            case = f"engines, {name}"
            py_seconds, py_matched = _python_engine(text, jsonl)
            py_rate = total / py_seconds
            rows.append(row(case, f"python engine, {total:,} posts (JSON Lines)", py_rate, "posts/s", note=f"{py_matched:,} matched"))
            for label, path in (("duckdb-parquet", parquet), ("duckdb-jsonl", jsonl)):
                seconds, matched = _duckdb_engine(text, path)
                if matched != py_matched:
                    raise AssertionError(f"{label} matched {matched}, the python engine {py_matched}")
                rate = total / seconds
                goal = GOALS[label]
                rows.append(row(case, f"{label.replace('-', ' on ')}", rate, "posts/s", baseline="python engine",
                                baseline_value=py_rate, goal=f">= {goal}x the python engine", met=rate / py_rate >= goal))
            from csdl.engines.spark import java_problem

            try:
                import pyspark  # noqa: F401
            except ImportError:
                java = "no pyspark"
            else:
                java = java_problem()
            if java:
                print(f"engines: spark skipped ({java})", file=sys.stderr)
                continue
            if name != "10-condition filter" and (quick or not os.environ.get("CSDL_BENCH_SPARK_KEYWORDS")):
                # Spark's arrays_overlap with a 10,000-word list costs the list per row: minutes at
                # this size. CSDL_BENCH_SPARK_KEYWORDS=1 measures it anyway.
                continue
            filter_file = os.path.join(workdir, "filter.csdl")
            with open(filter_file, "w", encoding="utf-8") as f:
                f.write(text)
            spark_rates = {}
            for master in ("local[1]", "local[2]"):
                result = _spark_child(master, filter_file, parquet)
                if result["matched"] != py_matched:
                    raise AssertionError(f"spark {master} matched {result['matched']}, the python engine {py_matched}")
                spark_rates[master] = total / result["seconds"]
                rows.append(row(case, f"spark {master} on parquet", spark_rates[master], "posts/s",
                                baseline="python engine", baseline_value=py_rate))
            scaling = spark_rates["local[2]"] / spark_rates["local[1]"]
            rows.append(row(case, "spark local[2] / local[1]", scaling, "x", goal=f">= {SPARK_SCALING_GOAL}x",
                            met=scaling >= SPARK_SCALING_GOAL))
        # Memory: DuckDB on the JSON Lines under a memory_limit, as a whole process.
        limit = "256MB" if quick else "512MB"
        code = ("import benchmarks.bench_engines as b\n"
                f"b._duckdb_engine('interaction.content contains_any \"coffee, tea\"', {jsonl!r}, memory_limit={limit!r})")
        rss = _peak_rss_mb(code)
        limit_mb = int(limit[:-2])
        rows.append(row("engines, memory", f"duckdb on {total:,} JSON Lines posts, memory_limit={limit}", rss, "MB",
                        goal="peak RSS <= memory_limit + 300 MB (Python, pyarrow)", met=rss <= limit_mb + 300,
                        note=f"file {os.path.getsize(jsonl) / 1e6:,.0f} MB"))
    return rows


def main(argv=None) -> int:
    return standalone_main(run, __doc__.splitlines()[0], argv, quick_help='smaller inputs', width=75)


if __name__ == "__main__":
    sys.exit(main())
