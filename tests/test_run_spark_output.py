"""``csdl run --engine spark`` as a user sees it (a real JVM, one ``csdl`` process per test): the
result without Spark's JVM and log4j chatter before it, the summary naming the engine (never
"None"), and the run reports (R201) as the Python engine gives them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # starts a JVM

pytest.importorskip("pyspark")

POSTS = [
    {"interaction": {"type": "twitter", "content": "coffee time", "created_at": "Mon, 04 Mar 2024 00:00:00 +0000"}},
    {"interaction": {"type": "twitter", "content": {"nested": "coffee"}, "created_at": "Mon, 04 Mar 2024 01:00:00 +0000"}},
    {"interaction": {"type": "twitter", "content": "tea", "created_at": "Mon, 04 Mar 2024 02:00:00 +0000"}},
]


@pytest.fixture
def files(tmp_path):
    from csdl.engines.spark import java_problem

    problem = java_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"Spark cannot start: {problem}")
        pytest.skip(problem)
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(json.dumps(p) + "\n" for p in POSTS), encoding="utf-8")
    f = tmp_path / "f.csdl"
    f.write_text('interaction.content contains "coffee"', encoding="utf-8")
    return str(f), str(posts)


def csdl_run(*args):
    env = dict(os.environ, CSDL_NO_PROGRESS="1")
    return subprocess.run([sys.executable, "-m", "csdl", "run", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def test_spark_summary_names_the_engine_and_keeps_the_jvm_quiet(files):
    f, posts = files
    done = csdl_run(f, posts, "--engine", "spark", "--master", "local[1]", "--format", "text")
    assert done.returncode == 0, done.stderr
    speed = next(line for line in done.stdout.splitlines() if line.strip().startswith("speed"))
    assert "None" not in speed and "spark" in speed and "JSON Lines" in speed
    # Spark's start-up warnings (log4j, native libraries, "Setting default log level") stay out
    # of the terminal: what is left on stderr is ours (warning:, note:, the bad-post lines)
    chatter = [line for line in done.stderr.splitlines()
               if line.strip() and not line.startswith(("warning:", "note:", "csdl run:", posts))]
    assert chatter == [], done.stderr


def test_spark_reports_wrong_typed_values_as_python_does(files):
    f, posts = files
    python = json.loads(csdl_run(f, posts, "--engine", "python", "--format", "json").stdout)
    spark = json.loads(csdl_run(f, posts, "--engine", "spark", "--master", "local[1]", "--format", "json").stdout)
    assert spark["bad_posts"] == python["bad_posts"]


def test_spark_on_parquet_reports_wrong_typed_values_as_python_does(files, tmp_path):
    pytest.importorskip("duckdb")
    from csdl.engines.duckdb import write_parquet

    f, posts = files
    parquet = tmp_path / "posts.parquet"
    struct_posts = tmp_path / "struct.jsonl"
    struct_posts.write_text(json.dumps({"interaction": {"type": "t", "content": {"a": "coffee"}}}) + "\n", encoding="utf-8")
    write_parquet(str(struct_posts), str(parquet))
    python = json.loads(csdl_run(f, str(struct_posts), "--engine", "python", "--format", "json").stdout)
    spark = json.loads(csdl_run(f, str(parquet), "--engine", "spark", "--master", "local[1]", "--format", "json").stdout)
    assert python["bad_posts"]["wrong_types"] == 1
    assert spark["bad_posts"] == python["bad_posts"]
