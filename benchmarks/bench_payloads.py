"""Payload checking (``csdl.payloads.check_payload``) against the standard library's ``json.loads``
of the same text, measured in the same run, interleaved: how much the positioned parse and the rules
cost over decoding alone. Cases: a seed-sized create body, a 100-resource create body (DataSift's
recommended maximum per call), a 1 MiB body (the size limit), and a 10 MB body, which is refused
before parsing (its ratio to decoding it is the figure: goal < 0.05x).

    python -m benchmarks.bench_payloads [--quick]     # standalone
    python -m benchmarks [--quick]                    # with the suite
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time

from .rows import row


def _create(resources: int) -> str:
    return json.dumps({
        "source_type": "facebook_page", "name": "news_source",
        "parameters": {"comments": True, "likes": True, "posts_by_others": False, "page_likes": False},
        "resources": [{"parameters": {"id": str(10_000_000_000 + i), "title": f"Page {i}"}} for i in range(resources)],
        "auth": [{"parameters": {"value": "EZBXlFZBUgBYmjHkxc2pPmzLeJJYmAvQkwZCRdm0A1NAjidHy1h"}, "expires_at": 2112112110}],
    }, indent=2)


def _tasks(size: int) -> str:
    task = '{"value": "hellokitty", "from_date": "2023-09-01", "to_date": "2023-09-02", "parameters": {"max_posts": 300}}'
    count = size // (len(task) + 10)  # each value grows by its number
    return '{"source": "twitter_keywords", "tasks": [' + ", ".join(task.replace("kitty", f"kitty{i}") for i in range(count)) + "]}"


def _median_ms(fns: dict, rounds: int, number: int) -> dict:
    samples: dict = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            gc.collect()  # the baseline's discarded 10 MB of objects are not charged to the next case
            start = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - start) / number * 1000.0)
    return {name: statistics.median(values) for name, values in samples.items()}


def run(quick: bool = False):
    from csdl.payloads import MAX_BYTES, check_payload

    check_payload(_create(1), today="2024-01-15")  # warm: the Lark tables, the rule data
    cases = [
        ("payload: seed-sized create body", _create(2), 200 if not quick else 20, 15 if not quick else 3),
        ("payload: 100-resource create body", _create(100), 20 if not quick else 3, 15 if not quick else 3),
        ("payload: 1 MiB tasks body (limit)", _tasks(MAX_BYTES - 1000), 1, 5 if not quick else 1),
    ]
    for case, text, number, rounds in cases:
        assert not any(d.is_error for d in check_payload(text, today="2024-01-15")), case
        times = _median_ms({"json": lambda text=text: json.loads(text),
                            "check": lambda text=text: check_payload(text, today="2024-01-15")},
                           rounds, number)
        yield row(case, f"check_payload ({len(text):,} chars)", times["check"], "ms", baseline="json.loads",
                  baseline_value=times["json"])
    huge = _tasks(10_000_000)
    times = _median_ms({"json": lambda: json.loads(huge), "check": lambda: check_payload(huge)}, 5 if not quick else 1, 1)
    ratio = times["check"] / times["json"]
    yield row("payload: 10 MB body (refused)", "check_payload -> P002", times["check"], "ms", baseline="json.loads",
              baseline_value=times["json"], goal="< 0.05x json.loads", met=ratio < 0.05)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_payloads")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    for entry in run(args.quick):
        print(json.dumps(entry))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
