"""Spark local[2] (a real JVM, started once for the session): the differential test on a
smaller profile, the CLI, and the errors for a missing Java."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.slow  # a JVM per session (`pytest -m "not slow"` leaves it out)

pytest.importorskip("pyspark")
pytest.importorskip("duckdb")

from csdl.cli import cli  # noqa: E402
from csdl.engines import spark as spark_engine  # noqa: E402
from engine_matchers import EngineMatcher, _Recorder, edge_stamp_runs  # noqa: E402
from engine_strategies import filters, posts  # noqa: E402
from test_engines_differential import _compile_or_skip, expected, observed  # noqa: E402

EXAMPLES = int(os.environ.get("CSDL_SPARK_EXAMPLES", "6"))
MASTER = "local[2]"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def spark():
    problem = spark_engine.java_problem()
    if problem:
        # CI installs a JRE (.ci/run), so there a missing one is a failure, not a quiet skip
        message = f"Spark cannot start: {problem}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return spark_engine.session(MASTER)


def _runner(spark, parquet: bool):
    from csdl.engines import duckdb as duck
    from csdl.engines import inputs

    def run(filter_ast, path, sink, library):
        if parquet:
            duck.write_parquet(path, path + ".parquet")
            path = path + ".parquet"
        lines = _Recorder(sink)
        spark_engine.run(filter_ast, inputs.resolve(path), lines, library=library, spark=spark)
        return lines.numbers

    return run


@pytest.mark.parametrize("parquet", [False, True], ids=["jsonl", "parquet"])
def test_spark_agrees_with_python(spark, parquet):
    run = _runner(spark, parquet)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(filter_text=filters(), batch=st.lists(posts(typed=parquet), min_size=1, max_size=12))
    def check(filter_text, batch):
        tree = _compile_or_skip(filter_text)
        if tree is None:
            return
        assert observed(EngineMatcher(run, tree), batch) == expected(filter_text, batch), filter_text

    check()


def test_spark_cli_same_posts_and_summary_as_python(spark, tmp_path):
    runner = CliRunner()
    flt = os.path.join(ROOT, "examples", "filters", "brands.csdl")
    posts_file = os.path.join(ROOT, "examples", "posts.jsonl")
    python = runner.invoke(cli, ["run", flt, posts_file, "--format", "json", "-o", str(tmp_path / "py.jsonl")])
    sparked = runner.invoke(cli, ["run", flt, posts_file, "--engine", "spark", "--master", MASTER, "--format", "json",
                                  "-o", str(tmp_path / "spark.jsonl")])
    assert python.exit_code == 0 and sparked.exit_code == 0, sparked.output
    assert (tmp_path / "py.jsonl").read_bytes() == (tmp_path / "spark.jsonl").read_bytes()
    a, b = json.loads(python.stdout), json.loads(sparked.stdout)
    for key in ("read", "matched", "match_rate", "blank_lines", "bad_posts", "tags"):
        assert a[key] == b[key], key
    assert a["forecast"] == b["forecast"]
    assert b["engine"]["name"] == "spark"


def test_the_jvm_compiles_large_generated_methods(spark):
    """A filter of ten conditions makes Spark generate a method HotSpot would leave interpreted
    (over 8,000 bytes of bytecode): the driver JVM runs with that limit off, and executors are
    asked for it too."""
    jvm = spark.sparkContext._jvm
    arguments = list(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
    assert "-XX:-DontCompileHugeMethods" in arguments
    assert "-XX:-DontCompileHugeMethods" in spark.sparkContext.getConf().get("spark.executor.extraJavaOptions")


def test_spark_without_java_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    result = CliRunner().invoke(cli, ["run", os.path.join(ROOT, "examples", "filters", "brands.csdl"),
                                      os.path.join(ROOT, "examples", "posts.jsonl"), "--engine", "spark"])
    assert result.exit_code == 2
    assert "needs Java 17" in result.output and "Traceback" not in result.output


def test_patterns_run_as_rlike_match_as_re2_does(spark):
    """Every pattern java_regex accepts finds (and, anchored, fully matches) the same texts in
    Spark's RLIKE as in RE2, on texts with the characters where the two engines could differ."""
    import re2

    from csdl.engines.java_regex import java_safe
    from test_engines_java_regex import SAFE

    texts = ["abcd", "ab\rcd", "a\nb", "tea\u2028time", "x\u000bA", "İstanbul", "coffee\n", "Coffee", "ab", "AB",
             "1.5", "a.c", "a\nc", "me-x@", "", "caféx", "ababab", "aab", "%"]
    rows = [(p, t) for p in SAFE for t in texts]
    frame = spark.createDataFrame(rows, "p string, t string")
    got = frame.selectExpr("p", "t", "t RLIKE p AS found", "t RLIKE concat('\\\\A(?:', p, ')\\\\z') AS whole").collect()
    for row in got:
        assert java_safe(row["p"]) is None
        assert row["found"] == bool(re2.search(row["p"], row["t"])), (row["p"], row["t"])
        assert row["whole"] == bool(re2.fullmatch(row["p"], row["t"])), (row["p"], row["t"])


def test_a_url_is_read_by_spark_itself(spark, tmp_path):
    """file:///… goes to Spark as given (as hdfs://… or s3a://… would), with the local path's answers."""
    import io

    import csdl
    from csdl.engines import inputs

    tree = csdl.parse(open(os.path.join(ROOT, "examples", "filters", "brands.csdl"), encoding="utf-8").read())
    posts_file = os.path.join(ROOT, "examples", "posts.jsonl")
    local, _ = spark_engine.run(tree, inputs.resolve(posts_file), io.BytesIO(), spark=spark)
    url = inputs.resolve("file://" + posts_file)
    assert url.remote
    remote, _ = spark_engine.run(tree, url, io.BytesIO(), spark=spark)
    assert (remote.stats.read, remote.stats.matched) == (local.stats.read, local.stats.matched) and local.stats.matched > 0


def test_spark_summary_only_counts_tags_as_python(spark):
    """No posts written: Spark's rows are counted per combination of tag rules (results.Collector)."""
    import io

    import csdl
    from csdl.engines import inputs
    from csdl.evaluate import compile_matcher
    from csdl.evaluate.runner import run as run_python

    text = open(os.path.join(ROOT, "examples", "filters", "brands.csdl"), encoding="utf-8").read()
    posts_file = os.path.join(ROOT, "examples", "posts.jsonl")
    with open(posts_file, "rb") as lines:
        expected_stats = run_python(compile_matcher(csdl.parse(text)), lines, None).stats
    result, _ = spark_engine.run(csdl.parse(text), inputs.resolve(posts_file), io.BytesIO(), spark=spark, want_posts=False)
    assert expected_stats.tags and result.stats.tags == expected_stats.tags
    assert (result.stats.matched, result.stats.read) == (expected_stats.matched, expected_stats.read)


# Lines where Spark's JSON parser and ours could disagree, after a sample (the first 5 lines) that
# types content as text, followers_count as an integer, score as a float, hashtags as texts.
_SAMPLE = [{"interaction": {"content": f"coffee {i}", "sample": 0.5 + i, "hashtags": ["x"], "type": "twitter",
                            "created_at": "Mon, 04 Mar 2024 01:07:00 +0000"}, "twitter": {"user": {"followers_count": i}}}
           for i in range(5)]
_ODD_LINES = [
    '{"interaction":{"content":"coffee"}} x', '{"interaction":{"content":"coffee"}}}', '{"interaction":{"content":"\\ud800 coffee"}}',
    '{"interaction":{"content":2}}', '{"interaction":{"content":"2"}}', '{"interaction":{"content":{"a":"coffee"}}}',
    '{"interaction":{"content":true}}', '{"twitter":{"user":{"followers_count":"10"}}}', '{"interaction":{"sample":"NaN"}}',
    '{"interaction":{"sample":1e400}}', '{"twitter":{"user":{"followers_count":123456789012345678901234}}}', "", "   ",
    "[1,2]", '"x"', "null", '{"a":1, "\\u0000":1}', '{"interaction":{"content":"coffee"},"interaction":{"content":"tea"}}',
    "{'interaction':1}", '{"interaction":{"content":NaN}}', '{"interaction":{"content":"coffee","hashtags":["x",1]}}',
    '\ufeff{"interaction":{"content":"coffee"}}', '{"interaction":{"content":"coffee"}}\t ',
    '{"interaction":{"content":"coffee"},}', '{"interaction":{"content":"[coffee]"}}', '{"twitter":{"user":{"followers_count":007}}}',
    '{"interaction":{"content":"caf\u00e9 \u2615 coffee", "created_at": "Tue, 05 Mar 2024 01:07:00 +0000"}}',
    '{"interaction":{"content":"tea","created_at":"2024-03-04T01:07:00Z"}}', '{"interaction":{"hashtags":"x"}}',
    '{"interaction":{"hashtags":[{"a":1}]}}', '{"interaction":[{"content":"coffee"}]}', '{"twitter":{"user":null}}',
]


def test_spark_json_lines_odd_lines_as_python(spark, tmp_path, monkeypatch):
    """Posts outside the sampled types and lines only one of the parsers reads: the same posts
    written byte for byte, the same counts and the same bad-line reports (R101, R102, R201)."""
    from csdl.engines import duckdb as duck

    monkeypatch.setattr(duck, "SAMPLE_LINES", 5)
    posts_file = tmp_path / "odd.jsonl"
    posts_file.write_bytes(("\n".join([json.dumps(p) for p in _SAMPLE] + _ODD_LINES) + "\n").encode("utf-8", "surrogatepass"))
    flt = tmp_path / "f.csdl"
    flt.write_text('interaction.content contains "coffee" OR twitter.user.followers_count > 5 OR interaction.sample > 100\n'
                   'OR interaction.hashtags contains "x" OR interaction.content regex_partial "^\\\\[c"', encoding="utf-8")
    runner = CliRunner()
    outputs = {}
    for engine in ("python", "spark"):
        out = tmp_path / f"{engine}.jsonl"
        result = runner.invoke(cli, ["run", str(flt), str(posts_file), "--engine", engine, "--master", MASTER, "--format", "json",
                                     "-o", str(out)])
        assert result.exit_code == 0, result.output
        outputs[engine] = (out.read_bytes(), json.loads(result.stdout))
    (py_posts, py), (sp_posts, sp) = outputs["python"], outputs["spark"]
    assert sp_posts == py_posts and py_posts.count(b"\n") >= 8
    for key in ("read", "matched", "blank_lines", "bad_posts", "forecast"):
        assert sp[key] == py[key], key
    assert py["bad_posts"]["wrong_types"] >= 1 and py["blank_lines"] == 2


def test_spark_numbers_lines_across_blocks_and_files_as_python(spark, tmp_path):
    """Two files Spark reads in many blocks (a tiny maxPartitionBytes): the bad lines keep their
    numbers and files, the posts their order (the Python engine run on each file)."""
    folder = tmp_path / "posts"
    folder.mkdir()
    for name, shift in (("a.jsonl", 0), ("b.jsonl", 3)):
        lines = _ODD_LINES[shift:] + [json.dumps(p) for p in _SAMPLE] * 20 + _ODD_LINES[:shift]
        (folder / name).write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
    flt = tmp_path / "f.csdl"
    flt.write_text('interaction.content contains "coffee" OR twitter.user.followers_count > 3', encoding="utf-8")

    def run(engine, posts, out):
        result = CliRunner().invoke(cli, ["run", str(flt), posts, "--engine", engine, "--master", MASTER, "--format", "json",
                                          "-o", str(out)])
        assert result.exit_code == 0, result.output
        return out.read_bytes(), json.loads(result.stdout)

    python = [run("python", str(folder / name), tmp_path / f"{name}.out") for name in ("a.jsonl", "b.jsonl")]
    before = spark.conf.get("spark.sql.files.maxPartitionBytes")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "700")
    try:
        sp_posts, sp = run("spark", str(folder), tmp_path / "spark.out")
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", before)
    assert sp_posts == python[0][0] + python[1][0]
    assert sp["read"] == sum(p[1]["read"] for p in python) and sp["matched"] == sum(p[1]["matched"] for p in python)
    assert sp["bad_posts"]["count"] == sum(p[1]["bad_posts"]["count"] for p in python) >= 20
    expected = [dict(d, message=f"{folder / name}: {d['message']}") for name, (_, summary) in zip(("a.jsonl", "b.jsonl"), python, strict=True)
                for d in summary["bad_posts"]["details"]]
    assert sp["bad_posts"]["details"] == expected[:len(sp["bad_posts"]["details"])]


# Timestamps of the common shape at the edges of what SQL reads itself: a second 60, a day the
# month lacks, year 0 and 1, offsets of 18 hours and more, negative and positive.



@pytest.mark.parametrize("parquet", [False, True], ids=["jsonl", "parquet"])
def test_spark_reads_edge_timestamps_as_python(spark, tmp_path, parquet):
    """The first and last post time and the untimed posts, as the Python engine counts them, with
    each edge timestamp beside an ordinary one (no post matches: all are counted in bulk)."""
    from csdl.engines import inputs

    import csdl

    tree = csdl.parse('interaction.content contains "no such word"')
    for stamp, path, want in edge_stamp_runs(tmp_path, tree, parquet):
        got = spark_engine.run(tree, inputs.resolve(path), _Recorder(None), spark=spark, want_posts=False)[0].stats
        assert (got.read, got.timed, got.first_time, got.last_time) == (want.read, want.timed, want.first_time, want.last_time), stamp
