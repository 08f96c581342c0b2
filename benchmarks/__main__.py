"""Run the benchmark suite: ``python -m benchmarks [--quick] [--output FILE]``.

Every figure is a median over repeated runs. Times carry a ratio to a baseline measured in the
same run, interleaved round by round (the machines are noisy; ratios travel, absolute times do
not): a plain Lark parse of the same text with a minimal grammar for in-process work, a bare
``python -c pass`` for whole processes, JSON decoding for evaluation.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

from . import inputs
from .rows import row

HERE = os.path.dirname(os.path.abspath(__file__))


# Measurement ---------------------------------------------------------------------------------------


def _once(fn, number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number * 1000.0


def interleaved(fns: dict, rounds: int, number: int = 1) -> dict:
    """Median ms per call of each function, measured round by round in turn."""
    samples: dict = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            samples[name].append(_once(fn, number))
    return {name: statistics.median(values) for name, values in samples.items()}


def processes(commands: dict, rounds: int, env: dict | None = None) -> dict:
    """Median wall ms of each command as a fresh process, interleaved."""
    samples: dict = {name: [] for name in commands}
    for _ in range(rounds):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)
            samples[name].append((time.perf_counter() - start) * 1000.0)
    return {name: statistics.median(values) for name, values in samples.items()}


def peak_rss_mb(code: str, python: str = sys.executable) -> float:
    """Peak resident memory of a fresh process running ``code``. VmHWM, not ru_maxrss: Linux
    carries ru_maxrss across exec, so a child of this (large) process would report our peak."""
    script = code + "\nprint([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])"
    out = subprocess.run([python, "-c", script], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1]) / 1024.0


# Rows ------------------------------------------------------------------------------------------------


class Report:
    def __init__(self):
        self.rows: list[dict] = []

    def add(self, case: str, measure: str, value: float, unit: str, **extra) -> None:
        self.record(row(case, measure, value, unit, **extra))

    def record(self, entry: dict) -> None:
        self.rows.append(entry)
        print(_format_row(entry), flush=True)


def _format_row(row: dict) -> str:
    ratio = f"{row['ratio']:.2f}x {row['baseline']}" if "ratio" in row else ""
    goal = f"{row['goal']}: {'met' if row['met'] else 'MISSED'}" if "goal" in row else ""
    value = f"{row['value']:,.3f} {row['unit']}"
    return f"{row['case']:<34} {row['measure']:<28} {value:>16}  {ratio:<34} {goal}"


def _baseline_parser():
    from lark import Lark

    with open(os.path.join(HERE, "baseline.lark"), encoding="utf-8") as f:
        return Lark(f.read(), parser="lalr")


def _optional(name: str):
    import csdl

    try:
        return getattr(csdl, name)
    except (AttributeError, ImportError):
        return None


# Cases ------------------------------------------------------------------------------------------------


def in_process(report: Report, quick: bool) -> None:
    import csdl

    baseline = _baseline_parser()
    check, cost = _optional("check"), _optional("cost")
    cases = [
        ("200-char filter", inputs.SMALL, 1.0, 200 if not quick else 30, 20),
        ("500 conditions / 20 KB", inputs.conditions_filter(500), 50.0, 15 if not quick else 3, 1),
        ("1 MB, 100k-keyword contains_any", inputs.keyword_filter(100_000), 150.0, 9 if not quick else 3, 1),
    ]
    for name, text, goal_ms, rounds, number in cases:
        csdl.parse(text)  # warm: parser tables, lazy imports, catalogue
        # default arguments bind this case's text (the lambdas run inside this iteration anyway)
        fns = {"lark": lambda text=text: baseline.parse(text), "parse": lambda text=text: csdl.parse(text)}
        if check is not None:
            check(text)
            fns["check"] = lambda text=text: check(text)
        if cost is not None:
            cost(text)
            fns["cost"] = lambda text=text: cost(text)
        times = interleaved(fns, rounds, number)
        size = f"{len(text):,} chars"
        report.add(name, f"plain lark parse ({size})", times["lark"], "ms")
        report.add(name, "csdl.parse", times["parse"], "ms", baseline="lark", baseline_value=times["lark"])
        if "check" in times:
            report.add(name, "csdl.check (parse+validate)", times["check"], "ms", baseline="lark", baseline_value=times["lark"])
        full = times.get("cost", times.get("check"))
        label = "csdl.cost (parse+validate+cost)" if "cost" in times else "parse+validate (no cost model)"
        report.add(name, label, full, "ms", baseline="lark", baseline_value=times["lark"],
                   goal=f"<= {goal_ms:g} ms", met=full <= goal_ms)

    nested = inputs.nested_filter(10_000)
    times = interleaved({"lark": lambda: baseline.parse(nested), "parse": lambda: _rejects(csdl, nested)}, 5 if not quick else 2)
    report.add("10,000-level nesting", "csdl.parse -> E006", times["parse"], "ms", baseline="lark", baseline_value=times["lark"],
               goal="clean diagnostic", met=True)

    # Error recovery: a trailing AND on every fourth line of the 500-condition filter, 50 errors.
    valid = inputs.conditions_filter(500)
    broken = "\n".join(line + " AND" if i % 4 == 1 else line for i, line in enumerate(valid.split("\n")))
    found = _every_error(csdl, broken)
    times = interleaved({"valid": lambda: csdl.parse(valid), "broken": lambda: _every_error(csdl, broken)},
                        9 if not quick else 2)
    report.add("500 conditions, 50 syntax errors", f"csdl.parse -> {found} errors", times["broken"], "ms",
               baseline="csdl.parse of the valid text", baseline_value=times["valid"],
               goal="every error, <= 3x a valid parse", met=found == 50 and times["broken"] <= 3 * times["valid"])


def _every_error(csdl, text) -> int:
    try:
        csdl.parse(text)
    except csdl.CSDLError as exc:
        return len(exc.diagnostics)
    raise AssertionError("expected syntax errors")


def _rejects(csdl, text):
    try:
        csdl.parse(text)
    except csdl.CSDLError:
        return
    raise AssertionError("expected the nesting cap")


#: Start-up goals (whole process, one small file, warm caches): ratio to the same environment's
#: `python -c pass`. The only public Python CSDL parser starts, imports and parses in 7.1-7.4x.
STARTUP_GOALS = {"check": 6.5, "cost": 7.0, "format": 6.5}


def whole_process(report: Report, quick: bool, workdir: str) -> None:
    from .installed import installed

    env = installed(log=lambda message: print(message, file=sys.stderr, flush=True))
    small = os.path.join(workdir, "small.csdl")
    import csdl

    with open(small, "w", encoding="utf-8") as f:
        f.write(csdl.format(inputs.SMALL))  # canonical, so that format --check does what CI does
    # Its own cache directory, warmed by the first run of each command (as a user's second run finds it).
    run_env = dict(os.environ, CSDL_CACHE_DIR=os.path.join(workdir, "cache"))
    commands = {
        "bare": [env.python, "-c", "pass"],
        "check": [env.csdl, "check", small],
        "cost": [env.csdl, "cost", small],
        "format": [env.csdl, "format", "--check", small],
    }
    if env.has("lark") and env.has("click"):
        commands["import lark+click"] = [env.python, "-c", "import lark, click"]
    commands["editable bare"] = [sys.executable, "-c", "pass"]
    commands["editable check"] = [sys.executable, "-m", "csdl", "check", small]
    for argv in commands.values():
        subprocess.run(argv, capture_output=True, env=run_env)
    times = processes(commands, 25 if not quick else 3, env=run_env)
    case = "start-up (installed wheel)"
    report.add(case, "python -c pass", times["bare"], "ms")
    labels = {"check": "csdl check small.csdl", "cost": "csdl cost small.csdl", "format": "csdl format --check small.csdl"}
    for key, label in labels.items():
        goal = STARTUP_GOALS[key]
        report.add(case, label, times[key], "ms", baseline="python -c pass", baseline_value=times["bare"],
                   goal=f"<= {goal:g}x python -c pass", met=times[key] <= goal * times["bare"])
    if "import lark+click" in times:
        report.add(case, "python -c 'import lark, click'", times["import lark+click"], "ms", baseline="python -c pass",
                   baseline_value=times["bare"], note="for scale: the two libraries alone")
    report.add("start-up (editable install)", "csdl check small.csdl", times["editable check"], "ms",
               baseline="python -c pass (editable venv)", baseline_value=times["editable bare"],
               note="secondary: python -m csdl from the development install, whose .pth finder slows every interpreter start")

    count = 1000 if not quick else 100
    directory = inputs.write_directory(os.path.join(workdir, "many"), count)
    commands = {"bare": [env.python, "-c", "pass"], "check": [env.csdl, "check", "-q", directory],
                "cost": [env.csdl, "cost", directory, "--format", "json"]}
    times = processes(commands, 3 if not quick else 1, env=run_env)
    both = times["check"] + times["cost"]
    report.add(f"{count:,} typical filters", "csdl check DIR", times["check"], "ms", baseline="bare", baseline_value=times["bare"])
    report.add(f"{count:,} typical filters", "csdl cost DIR", times["cost"], "ms", baseline="bare", baseline_value=times["bare"])
    if count == 1000:  # the goal is for 1,000 files; --quick's smaller directory is not scaled up
        report.add("1,000 typical filters", "check + cost", both, "ms", goal="<= 3000 ms", met=both <= 3000)

    big = os.path.join(workdir, "big.csdl")
    with open(big, "w", encoding="utf-8") as f:
        f.write(inputs.keyword_filter(100_000))
    base_rss = peak_rss_mb("pass", env.python)
    code = f"import csdl\ntext = open({big!r}).read()\ncsdl.parse(text)\n"
    if _optional("cost") is not None:
        code += "csdl.cost(text)\n"
    rss = peak_rss_mb(code, env.python)
    report.add("1 MB, 100k-keyword contains_any", "peak RSS, parse+cost", rss, "MB", baseline="python -c pass",
               baseline_value=base_rss, goal="<= 200 MB", met=rss <= 200)


def evaluation(report: Report, quick: bool) -> None:
    try:
        from . import bench_run
    except ImportError:
        return
    for entry in bench_run.run(quick):
        report.record(entry)


def engines(report: Report, quick: bool) -> None:
    """DuckDB and Spark against the Python engine (benchmarks/bench_engines.py); skipped without the extras."""
    from . import bench_engines

    for entry in bench_engines.run(quick):
        report.record(entry)


def payloads(report: Report, quick: bool) -> None:
    """Payload checking against json.loads (benchmarks/bench_payloads.py)."""
    from . import bench_payloads

    for entry in bench_payloads.run(quick):
        report.record(entry)


def serving(report: Report, quick: bool) -> None:
    """``csdl serve`` under load (benchmarks/bench_serve.py); skipped without the [serve] extra."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        print("csdl serve: skipped (install the [serve] extra)", file=sys.stderr)
        return
    from . import bench_serve

    for entry in bench_serve.run(quick):
        report.record(entry)


def delivery(report: Report, quick: bool) -> None:
    """``csdl serve`` live delivery against ``csdl run`` (benchmarks/bench_delivery.py); skipped
    without the [serve] extra."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        print("delivery: skipped (install the [serve] extra)", file=sys.stderr)
        return
    from . import bench_delivery

    for entry in bench_delivery.run(quick):
        report.record(entry)


def language_server(report: Report, quick: bool) -> None:
    """``csdl lsp``: edit-to-diagnostics latency and memory (benchmarks/bench_lsp.py); skipped
    without the [lsp] extra."""
    try:
        import pygls  # noqa: F401
    except ImportError:
        print("csdl lsp: skipped (install the [lsp] extra)", file=sys.stderr)
        return
    from . import bench_lsp

    for entry in bench_lsp.run(quick):
        report.record(entry)


def workbench(report: Report, quick: bool) -> None:
    """The workbench page with a 1 MB filter in Chromium (benchmarks/bench_workbench.py); skipped
    without the [serve] extra, playwright or Debian's chromium."""
    try:
        import starlette  # noqa: F401
    except ImportError:
        print("workbench: skipped (install the [serve] extra)", file=sys.stderr)
        return
    from . import bench_workbench

    for entry in bench_workbench.run(quick):
        report.record(entry)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and smaller inputs (CI smoke run)")
    parser.add_argument("--only", choices=["in-process", "processes", "run", "engines", "payloads", "serve", "delivery", "lsp", "workbench"], action="append",
                        help="run only these groups (repeatable; default: all)")
    parser.add_argument("--output", default=os.path.join(HERE, "results", "latest.json"), help="where to write the JSON")
    args = parser.parse_args(argv)

    report = Report()
    print(f"{'case':<34} {'measure':<28} {'median':>16}  {'ratio to baseline (same run)':<34} goal")
    failed: list[str] = []
    with tempfile.TemporaryDirectory() as workdir:
        groups = args.only or ["in-process", "processes", "run", "engines", "payloads", "serve", "delivery", "lsp",
                               "workbench"]
        steps = {
            "in-process": lambda: in_process(report, args.quick),
            "processes": lambda: whole_process(report, args.quick, workdir),
            "run": lambda: evaluation(report, args.quick),
            "engines": lambda: engines(report, args.quick),
            "payloads": lambda: payloads(report, args.quick),
            "serve": lambda: serving(report, args.quick),
            "delivery": lambda: delivery(report, args.quick),
            "lsp": lambda: language_server(report, args.quick),
            "workbench": lambda: workbench(report, args.quick),
        }
        for name, step in steps.items():
            if name not in groups:
                continue
            try:
                step()
            except Exception:  # one group failing must not lose the figures of the others
                import traceback

                traceback.print_exc()
                failed.append(name)

    payload: dict = {
        "quick": args.quick,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "rows": report.rows,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(payload, f, indent=2)
    if failed:
        payload["failed_groups"] = failed
    missed = [r for r in report.rows if r.get("met") is False]
    print(f"\n{len(report.rows)} figures; goals missed: {len(missed)}. JSON: {args.output}")
    if failed:
        print(f"benchmark groups that failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
