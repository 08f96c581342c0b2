"""Benchmarks for ``csdl run``: posts per second against the JSON-decoding floor, peak memory
while streaming, and the speed-up of ``--jobs``.

    python -m benchmarks.bench_run [--quick]      # standalone
    python -m benchmarks [--quick]                # with the rest of the suite

Posts are the synthetic ~1.1 KB interactions of ``scripts/make_sample.py``. The baseline is
decoding the same lines with the same decoder and nothing else (orjson when installed),
measured in the same process, interleaved round by round with the configurations it is compared
to; every figure is a median of the rounds. Ratios are what to quote: the machines are noisy.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time

from .rows import row as _row

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A realistic 10-condition filter over the sample's fields, conditions in the order a person
# would write them (the selective keyword list first).
FILTER_10 = """
interaction.content contains_any "coffee, espresso, latte, flat white, cold brew, iphone, pixel, audi, bmw, ramen"
AND language.tag in "en, fr, de, es"
AND NOT interaction.content contains "sale ad"
AND twitter.user.followers_count >= 5
AND interaction.type == "twitter"
AND (interaction.geo exists OR twitter.user.description substr "a" OR links.url url_in "example.com/coffee")
AND NOT twitter.retweeted.user.screen_name in "Starbucks, Costa"
AND interaction.content regex_partial "[a-z]{4}"
AND interaction.sample < 90
"""
GOAL_RATIO = 0.5


def _sample_module():
    spec = importlib.util.spec_from_file_location("make_sample", os.path.join(ROOT, "scripts", "make_sample.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_lines(count: int, seed: int = 11) -> list[bytes]:
    sample = _sample_module()
    return [json.dumps(p, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
            for p in sample.generate(count, seed, hours=24)]


def keyword_filter(count: int = 100_000, seed: int = 5) -> str:
    """``count`` distinct keywords, one in ten a two-word phrase, plus a few the posts use."""
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < count - 3:
        word = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 10)))
        if rng.random() < 0.1:
            word += " " + "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 6)))
        words.add(word)
    items = sorted(words) + ["espresso", "cold brew", "ramen"]
    return 'interaction.content contains_any "' + ", ".join(items) + '"'


class _Null:
    def write(self, data: bytes) -> None:
        pass


def _decode_floor(lines, loads) -> float:
    start = time.perf_counter()
    for line in lines:
        loads(line)
    return time.perf_counter() - start


def _pipeline(matcher, lines, *, adapt: bool = True) -> tuple[float, int]:
    from csdl.evaluate.runner import run

    result = run(matcher, lines, _Null(), adapt=adapt)
    return result.seconds, result.stats.matched


def throughput(quick: bool) -> list[dict]:
    import csdl
    from csdl.evaluate import compile_matcher
    from csdl.evaluate.posts import codec, fast_decoder

    n = 20_000 if quick else 100_000
    rounds = 3 if quick else 5
    lines = make_lines(n)
    mean_bytes = sum(map(len, lines)) / len(lines)
    loads = fast_decoder() or codec()[0]
    decoder = codec()[2]
    start = time.perf_counter()
    keywords = csdl.parse(keyword_filter())
    parse_s = time.perf_counter() - start
    start = time.perf_counter()
    kw_matcher = compile_matcher(keywords)
    build_s = time.perf_counter() - start
    f10 = csdl.parse(FILTER_10)
    samples: dict[str, list[float]] = {"decode": [], "f10": [], "f10_source_order": [], "kw": []}
    matched = {}
    for _ in range(rounds):
        samples["decode"].append(_decode_floor(lines, loads))
        # A fresh matcher each round: adaptive ordering must learn again, as in a real run.
        seconds, matched["f10"] = _pipeline(compile_matcher(f10), lines)
        samples["f10"].append(seconds)
        seconds, matched["f10_source_order"] = _pipeline(compile_matcher(f10), lines, adapt=False)
        samples["f10_source_order"].append(seconds)
        seconds, matched["kw"] = _pipeline(kw_matcher, lines)
        samples["kw"].append(seconds)
    rate = {k: n / statistics.median(v) for k, v in samples.items()}
    baseline = f"JSON decode only ({decoder}), same run"
    rows = [_row("JSON decoding floor", "posts/s, decode only", rate["decode"], "posts/s",
                 note=f"{n:,} posts of {mean_bytes:,.0f} B mean, median of {rounds} rounds")]
    for key, label in (("f10", "10-condition filter"), ("f10_source_order", "10-condition filter, no reordering"),
                       ("kw", "100k-keyword contains_any")):
        ratio = rate[key] / rate["decode"]
        goal = f">= {GOAL_RATIO:.0%} of decode floor" if key == "f10" else None
        rows.append(_row(label, "posts/s, decode+match+tags", rate[key], "posts/s", baseline=baseline,
                         baseline_value=rate["decode"], goal=goal, met=(ratio >= GOAL_RATIO) if goal else None,
                         note=f"match rate {matched[key] / n:.1%}"))
    rows.append(_row("100k-keyword contains_any", "parse + compile", (parse_s + build_s) * 1000, "ms",
                     note=f"parse {parse_s * 1000:.0f} ms, compile (token sets) {build_s * 1000:.0f} ms"))
    return rows


_RSS_CODE = """
import resource, sys
import csdl
from csdl.evaluate import compile_matcher
from csdl.evaluate.posts import open_posts
from csdl.evaluate.runner import run
class Null:
    def write(self, data): pass
matcher = compile_matcher(csdl.parse(open(sys.argv[1]).read()))
with open_posts(sys.argv[2]) as posts:
    result = run(matcher, posts, Null())
# VmHWM is this process image's own peak: ru_maxrss would include the forking parent's.
with open("/proc/self/status") as status:
    peak_kb = next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), None)
if peak_kb is None:
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(peak_kb, result.stats.read)
"""


def memory(quick: bool, workdir: str) -> list[dict]:
    """Peak RSS of a whole process streaming N and 4N posts: flat means the same peak."""
    n = 10_000 if quick else 50_000
    filter_path = os.path.join(workdir, "f10.csdl")
    with open(filter_path, "w", encoding="utf-8") as f:
        f.write(FILTER_10)
    small, large = os.path.join(workdir, "small.jsonl"), os.path.join(workdir, "large.jsonl")
    lines = make_lines(n, seed=3)
    with open(small, "wb") as f:
        f.writelines(lines)
    with open(large, "wb") as f:
        for _ in range(4):
            f.writelines(lines)
    peaks = {}
    for name, path in (("small", small), ("large", large)):
        out = subprocess.run([sys.executable, "-c", _RSS_CODE, filter_path, path], capture_output=True, text=True, check=True)
        kb, read = out.stdout.split()
        peaks[name] = (int(kb) / 1024, int(read))
    growth = peaks["large"][0] / peaks["small"][0]
    return [
        _row("streaming memory", f"peak RSS, {peaks['small'][1]:,} posts", peaks["small"][0], "MB"),
        _row("streaming memory", f"peak RSS, {peaks['large'][1]:,} posts", peaks["large"][0], "MB",
             baseline=f"peak RSS with {peaks['small'][1]:,} posts", baseline_value=peaks["small"][0],
             goal="flat: <= 1.1x with 4x the posts", met=growth <= 1.1),
    ]


def scaling(quick: bool, workdir: str) -> list[dict]:
    """--jobs 1 against --jobs N (N = CPUs, at least 2) on one file, same run, interleaved."""
    import csdl
    from csdl.evaluate import compile_matcher
    from csdl.evaluate.posts import open_posts
    from csdl.evaluate.runner import run

    n = 40_000 if quick else 200_000
    rounds = 2 if quick else 3
    path = os.path.join(workdir, "scaling.jsonl")
    with open(path, "wb") as f:
        f.writelines(make_lines(n, seed=8))
    jobs = max(2, os.cpu_count() or 1)
    tree = csdl.parse(FILTER_10)
    times: dict[int, list[float]] = {1: [], jobs: []}
    busy = []
    for _ in range(rounds):
        for j in (1, jobs):
            with open_posts(path) as posts:
                result = run(compile_matcher(tree), posts, _Null(), jobs=j, filter_text=FILTER_10, path=path)
            times[j].append(result.seconds)
            if j > 1:
                busy.append(result.stats.busy / result.seconds)
    one, many = n / statistics.median(times[1]), n / statistics.median(times[jobs])
    return [
        _row("--jobs scaling", "posts/s, 1 process", one, "posts/s", note=f"{n:,} posts from a file"),
        _row("--jobs scaling", f"posts/s, --jobs {jobs}", many, "posts/s", baseline="--jobs 1, same run",
             baseline_value=one, note=f"{os.cpu_count()} CPUs; workers busy {statistics.median(busy):.2f}x wall time"),
    ]


def run(quick: bool) -> list[dict]:
    """All rows: throughput against the decoding floor, streaming memory, --jobs scaling."""
    rows = throughput(quick)
    with tempfile.TemporaryDirectory() as workdir:
        rows += memory(quick, workdir)
        rows += scaling(quick, workdir)
    return rows


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller inputs, fewer rounds")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    rows = run(args.quick)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        ratio = f"  {row['ratio']:.2f}x {row['baseline']}" if "ratio" in row else ""
        goal = f"  [{row['goal']}: {'met' if row['met'] else 'MISSED'}]" if "goal" in row else ""
        note = f"  ({row['note']})" if row.get("note") else ""
        print(f"{row['name']:<62} {row['value']:>14,.1f} {row['unit']:<8}{ratio}{goal}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
