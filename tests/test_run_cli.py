"""``csdl run`` end to end: outputs, summaries, bad posts, exit codes, forecasts."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FILTER = """
tag "coffee" { interaction.content contains_any "coffee, latte" }
tag.mood.score +2 { interaction.content contains "love" }
tag.mood.score -1 { interaction.content contains "hate" }
return { interaction.content contains_any "coffee, latte, tea" }
"""


def post(text, when="Mon, 04 Mar 2024 00:00:00 +0000", source="twitter", **extra):
    interaction = {"id": "x", "type": source, "created_at": when, "content": text}
    interaction.update(extra)
    return {"interaction": interaction}


def write_posts(path, posts, raw_lines=()):
    with open(path, "w", encoding="utf-8") as f:
        for p in posts:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
        for line in raw_lines:
            f.write(line + "\n")
    return str(path)


def csdl_run(*args, cwd=None, stdin=None):
    return subprocess.run([sys.executable, "-m", "csdl", "run", *args], capture_output=True, cwd=cwd, input=stdin,
                          env={**os.environ, "NO_COLOR": "1"})


@pytest.fixture
def filter_file(tmp_path):
    path = tmp_path / "f.csdl"
    path.write_text(FILTER, encoding="utf-8")
    return str(path)


def test_posts_to_output_file_with_tags(tmp_path, filter_file):
    posts = write_posts(tmp_path / "p.jsonl", [post("I love coffee"), post("tea time, I hate it"), post("nothing")])
    out = tmp_path / "out.jsonl"
    result = csdl_run(filter_file, posts, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2
    assert lines[0]["interaction"]["tags"] == ["coffee"]
    assert lines[0]["interaction"]["tag_tree"] == {"mood": {"score": 2}}
    assert "tags" not in lines[1]["interaction"]
    assert lines[1]["interaction"]["tag_tree"] == {"mood": {"score": -1}}
    summary = result.stderr.decode()
    assert "posts read     3" in summary and "matched        2" in summary
    assert 'tag "coffee"' in summary


def test_posts_on_stdout_and_summary_on_stderr(tmp_path, filter_file):
    posts = write_posts(tmp_path / "p.jsonl", [post("latte"), post("no")])
    result = csdl_run(filter_file, posts)
    assert result.returncode == 0
    out = result.stdout.decode().splitlines()
    assert len(out) == 1 and json.loads(out[0])["interaction"]["content"] == "latte"
    assert "matched" in result.stderr.decode()


def test_unmatched_untagged_posts_pass_through_unchanged(tmp_path):
    f = tmp_path / "plain.csdl"
    f.write_text('interaction.content contains "é"', encoding="utf-8")
    raw = '{"interaction": {"content": "caf é",   "n": 1.50}}'
    posts = write_posts(tmp_path / "p.jsonl", [], [raw])
    result = csdl_run(str(f), posts)
    assert result.stdout.decode() == raw + "\n"  # byte for byte: nothing was added


def test_bad_posts_counted_with_line_numbers(tmp_path, filter_file):
    posts = write_posts(
        tmp_path / "p.jsonl",
        [post("coffee")],
        ['{"interaction": ', "[1, 2]", "", json.dumps({"interaction": {"content": {"oops": 1}}}), "NaN"],
    )
    result = csdl_run(filter_file, posts, "--format", "json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    bad = data["bad_posts"]
    assert (bad["count"], bad["not_evaluated"], bad["wrong_types"]) == (4, 3, 1)
    assert [(d["line"], d["code"]) for d in bad["details"]] == [(2, "R101"), (3, "R102"), (5, "R201"), (6, "R101")]
    assert data["blank_lines"] == 1
    assert data["read"] == 2 and data["matched"] == 1  # read = posts evaluated
    stderr = result.stderr.decode()
    assert f"{posts}:2: R101 invalid JSON" in stderr
    assert f"{posts}:5: R201 interaction.content is an object, expected text" in stderr


def test_strict_stops_with_exit_1_and_writes_nothing(tmp_path, filter_file):
    posts = write_posts(tmp_path / "p.jsonl", [post("coffee")], ["{broken"])
    out = tmp_path / "out.jsonl"
    result = csdl_run(filter_file, posts, "--strict", "-o", str(out))
    assert result.returncode == 1
    assert not out.exists()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    assert f"{posts}:2: R101" in result.stderr.decode()


def test_gzip_input(tmp_path, filter_file):
    path = tmp_path / "p.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(json.dumps(post("coffee")) + "\n" + json.dumps(post("x")) + "\n")
    result = csdl_run(filter_file, str(path), "--format", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["matched"] == 1


def test_stdin_posts(tmp_path, filter_file):
    result = csdl_run(filter_file, "-", "--format", "json", stdin=(json.dumps(post("tea")) + "\n").encode())
    assert json.loads(result.stdout)["matched"] == 1


def test_invalid_filter_exit_2_with_location(tmp_path):
    f = tmp_path / "bad.csdl"
    f.write_text('interaction.content contains "x" and\n', encoding="utf-8")
    posts = write_posts(tmp_path / "p.jsonl", [post("x")])
    result = csdl_run(str(f), posts)
    assert result.returncode == 2
    assert f"{f}:2:1: E004" in result.stderr.decode()  # the end of the input, where a condition was due
    assert b"Traceback" not in result.stderr


def test_regex_rejected_by_re2_exit_2(tmp_path):
    f = tmp_path / "re.csdl"
    f.write_text('interaction.content regex_partial "(?=x)"', encoding="utf-8")
    posts = write_posts(tmp_path / "p.jsonl", [post("x")])
    result = csdl_run(str(f), posts)
    assert result.returncode == 2 and b"Traceback" not in result.stderr


def test_missing_posts_file_exit_2(tmp_path, filter_file):
    result = csdl_run(filter_file, str(tmp_path / "nope.jsonl"))
    assert result.returncode == 2
    assert b"no such file" in result.stderr and b"Traceback" not in result.stderr


def test_parquet_given_to_the_python_engine_is_one_clear_message(tmp_path, filter_file):
    # Read as lines, a Parquet file was a thousand R101 "not UTF-8" posts and exit 0.
    path = tmp_path / "posts.parquet"
    path.write_bytes(b"PAR1" + bytes(range(256)) * 8 + b"PAR1")
    for args, stdin in (((str(path),), None), (("-",), path.read_bytes())):
        result = csdl_run(filter_file, *args, "--engine", "python", stdin=stdin)
        assert result.returncode == 2 and result.stdout == b""
        assert b"is a Parquet file: the python engine reads JSON Lines" in result.stderr
        assert b"R101" not in result.stderr and b"Traceback" not in result.stderr


def test_corrupt_gzip_exit_2_nothing_written(tmp_path, filter_file):
    path = tmp_path / "p.jsonl.gz"
    data = gzip.compress(((json.dumps(post("coffee")) + "\n") * 5000).encode())
    path.write_bytes(data[: len(data) // 2])
    out = tmp_path / "out.jsonl"
    result = csdl_run(filter_file, str(path), "-o", str(out))
    assert result.returncode == 2 and not out.exists()
    assert b"Traceback" not in result.stderr


def test_forecast_from_sample_span(tmp_path, filter_file):
    posts = [post("coffee" if i % 4 == 0 else "x", when=f"Mon, 04 Mar 2024 0{i // 2}:{30 * (i % 2):02d}:00 +0000")
             for i in range(9)]  # 9 posts, 4 hours apart first to last
    result = csdl_run(filter_file, write_posts(tmp_path / "p.jsonl", posts), "--format", "json")
    fc = json.loads(result.stdout)["forecast"]
    assert fc["available"] and fc["basis"] == "sample"
    assert fc["sample_span_hours"] == 4.0
    assert fc["source_posts_per_hour"] == 2.0  # 8 intervals in 4 hours
    assert fc["match_rate"] == pytest.approx(3 / 9)
    assert fc["deliveries_per_hour"] == pytest.approx(2 / 3, abs=1e-3)
    assert fc["hours_per_month"] == 720
    assert fc["processing_per_hour"] == "0.20"  # the 1 DPU/hour minimum
    assert fc["total_per_month"] == "144.05"  # 144.00 + 480 deliveries × $0.0001


def test_forecast_source_rate_and_unknown_licence_rate(tmp_path, filter_file):
    posts = [post("coffee", source="facebook"), post("coffee"), post("x"), post("x")]
    path = write_posts(tmp_path / "p.jsonl", posts)
    fc = json.loads(csdl_run(filter_file, path, "--format", "json", "--source-rate", "10000").stdout)["forecast"]
    assert fc["basis"] == "source-rate" and fc["deliveries_per_hour"] == 5000
    assert fc["complete"] is False and any("facebook" in n for n in fc["notes"])
    fc = json.loads(csdl_run(filter_file, path, "--format", "json", "--source-rate", "10000",
                             "--rate", "facebook=0.001").stdout)["forecast"]
    assert fc["complete"] is True
    assert fc["licence_per_hour"] == "2.75"  # 2500 × 0.0001 + 2500 × 0.001


def test_forecast_unavailable_without_span(tmp_path, filter_file):
    result = csdl_run(filter_file, write_posts(tmp_path / "p.jsonl", [post("coffee")]), "--format", "text")
    assert result.returncode == 0
    assert "--source-rate" in result.stdout.decode()


def test_json_format_prints_only_json(tmp_path, filter_file):
    result = csdl_run(filter_file, write_posts(tmp_path / "p.jsonl", [post("tea")]), "--format", "json")
    data = json.loads(result.stdout)
    assert {"read", "matched", "match_rate", "tags", "slowest_conditions", "forecast", "speed"} <= set(data)


def test_unresolved_stream_exit_2(tmp_path):
    f = tmp_path / "s.csdl"
    f.write_text('stream "' + "a" * 32 + '"', encoding="utf-8")
    result = csdl_run(str(f), write_posts(tmp_path / "p.jsonl", [post("x")]))
    assert result.returncode == 2 and b"Traceback" not in result.stderr


def test_stream_through_library(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / ("b" * 32 + ".csdl")).write_text('interaction.content contains "coffee"', encoding="utf-8")
    f = tmp_path / "s.csdl"
    f.write_text('stream "' + "b" * 32 + '" and interaction.type == "twitter"', encoding="utf-8")
    posts = write_posts(tmp_path / "p.jsonl", [post("coffee"), post("tea")])
    result = csdl_run(str(f), posts, "--library", str(lib), "--format", "json", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["matched"] == 1


def test_readme_quick_start_sample(tmp_path):
    result = csdl_run(os.path.join(ROOT, "examples", "filters", "brands.csdl"), os.path.join(ROOT, "examples", "posts.jsonl"),
                      "--format", "json")
    data = json.loads(result.stdout)
    assert data["read"] == 1000 and data["bad_posts"]["count"] == 0
    assert 0 < data["matched"] < 1000
    assert data["forecast"]["available"] and data["forecast"]["complete"]
