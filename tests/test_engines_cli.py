"""csdl sql and csdl run --engine duckdb from the command line: the query, the explanation, the
same outputs as the Python engine, Parquet in and out, and bad input as clear messages."""

from __future__ import annotations

import glob
import gzip
import json
import os

import pytest
from click.testing import CliRunner

pytest.importorskip("duckdb")

from csdl.cli import cli  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POSTS = os.path.join(ROOT, "examples", "posts.jsonl")
FILTERS = sorted(glob.glob(os.path.join(ROOT, "examples", "filters", "*.csdl")))


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- csdl sql ---------------------------------------------------------------------------------


def test_sql_prints_one_query_per_dialect(tmp_path):
    f = write(tmp_path / "f.csdl", 'tag "t" { interaction.content contains "it\'s" }\nreturn { interaction.sample < 50 }')
    duck = invoke("sql", f)
    spark = invoke("sql", f, "--dialect", "spark", "--table", "my_posts")
    assert duck.exit_code == 0 and spark.exit_code == 0
    assert "FROM posts AS p" in duck.output and "FROM my_posts AS p" in spark.output
    # the phrase's tokens it ' s, the quote as RE2's escape: the text never reaches SQL raw
    assert "(?:it[\\pZ" in duck.output and "\\x{27}" in duck.output and "it's" not in duck.output
    assert '"interaction.tags"' in duck.output and "`interaction.tags`" in spark.output
    assert "RLIKE" in spark.output and "REGEXP_MATCHES" in duck.output


def test_sql_literals_are_escaped_by_sqlglot(tmp_path):
    import duckdb

    # case-sensitive operators: no lower() guard, so the printed query runs without our UDFs
    f = write(tmp_path / "f.csdl", "interaction.content cs == \"O'Neil\" OR interaction.content cs substr \"x'); DROP TABLE posts; --\"")
    out = invoke("sql", f)
    assert out.exit_code == 0
    con = duckdb.connect()
    con.execute("CREATE TABLE posts AS SELECT {'content': 'O''Neil'} AS interaction")
    query = out.output.strip().rstrip(";")
    assert len(con.execute(query).fetchall()) == 1
    assert con.execute("SELECT count(*) FROM posts").fetchall() == [(1,)]


def test_sql_explain_names_the_udf_conditions(tmp_path):
    f = write(tmp_path / "f.csdl", 'interaction.content contains_near "a,b:3" AND links.url url_in "apple.com" AND interaction.sample < 5')
    out = invoke("sql", f, "--explain")
    assert out.exit_code == 0
    lines = {line.split("line 1")[1].strip().split("  ")[0]: line for line in out.output.splitlines() if "line 1" in line}
    assert "udf" in lines['interaction.content contains_near "a,b:3"']
    # case-insensitive, but nothing Python lowers by context in its text: SQL alone (İ is
    # replaced by Python's lower case before lower())
    assert lines['links.url url_in "apple.com"'].rstrip().endswith("sql")
    assert lines["interaction.sample < 5"].rstrip().endswith("sql")
    data = json.loads(invoke("sql", f, "--format", "json").output)
    assert [u["name"] for u in data["udfs"]] == ["csdl_cond_0"]


def test_sql_explain_sends_final_sigma_to_the_matcher_only_when_the_filter_holds_a_sigma(tmp_path):
    f = write(tmp_path / "f.csdl", 'interaction.content contains "οδός" OR interaction.title contains "İstanbul"')
    out = invoke("sql", f, "--explain")
    assert out.exit_code == 0
    lines = {line.split("line 1")[1].strip().split("  ")[0]: line for line in out.output.splitlines() if "line 1" in line}
    assert "sql+udf" in lines['interaction.content contains "οδός"'] and "Σ" in lines['interaction.content contains "οδός"']
    assert lines['interaction.title contains "İstanbul"'].rstrip().endswith("sql")
    assert "CONTAINS(\"p\".\"interaction\".\"content\", 'Σ')" in out.output
    assert "CONTAINS(\"p\".\"interaction\".\"title\", 'Σ')" not in out.output


def test_sql_spark_regex_is_a_udf_only_where_java_differs_duckdb_is_native(tmp_path):
    f = write(tmp_path / "f.csdl", 'interaction.content regex_partial "[a-z]+"')
    assert "csdl_cond_0" not in invoke("sql", f).output.lower()
    assert "CSDL_COND_0" not in invoke("sql", f, "--dialect", "spark").output  # the same in Java: RLIKE
    g = write(tmp_path / "g.csdl", 'interaction.content regex_partial "[a-z]+$"')  # '$' differs in Java
    assert "csdl_cond_0" not in invoke("sql", g).output.lower()
    assert "CSDL_COND_0" in invoke("sql", g, "--dialect", "spark").output


def test_sql_with_data_types(tmp_path):
    f = write(tmp_path / "f.csdl", "twitter.user.followers_count > 5")
    out = invoke("sql", f, "--data", POSTS, "--explain")
    assert out.exit_code == 0 and "> 5" in out.output and "udf" not in out.output.split("-- how")[1].split("\n")[1]


def test_sql_filter_that_cannot_run_exits_2(tmp_path):
    f = write(tmp_path / "f.csdl", 'interaction.content regex_partial "(a)\\\\1"')
    result = CliRunner().invoke(cli, ["sql", f])
    assert result.exit_code == 2 and "invalid regular expression" in result.output and "Traceback" not in result.output


# --- csdl run --engine duckdb ----------------------------------------------------------------


@pytest.mark.parametrize("filter_path", FILTERS, ids=[os.path.basename(f) for f in FILTERS])
def test_every_example_filter_gives_the_python_engine_output(filter_path, tmp_path):
    py = invoke("run", filter_path, POSTS, "--format", "json", "-o", str(tmp_path / "py.jsonl"))
    duck = invoke("run", filter_path, POSTS, "--engine", "duckdb", "--format", "json", "-o", str(tmp_path / "duck.jsonl"))
    assert py.exit_code == duck.exit_code == 0
    assert (tmp_path / "py.jsonl").read_bytes() == (tmp_path / "duck.jsonl").read_bytes()
    a, b = json.loads(py.stdout), json.loads(duck.stdout)
    for key in ("read", "matched", "blank_lines", "bad_posts", "tags", "forecast"):
        assert a[key] == b[key], key


def test_summary_only_counts_tags_and_scores_as_the_python_engine(tmp_path):
    """No posts written (--format json, no -o): DuckDB counts each combination of tag rules once
    and multiplies; the counts are the Python engine's, on JSON Lines and on Parquet."""
    import duckdb

    parquet = str(tmp_path / "posts.parquet")
    duckdb.connect().execute("COPY (SELECT * FROM read_json(?)) TO '" + parquet.replace("'", "''") + "'", [POSTS])
    flt = os.path.join(ROOT, "examples", "filters", "brands.csdl")
    py = json.loads(invoke("run", flt, POSTS, "--format", "json").stdout)
    assert py["tags"]  # the example filter tags and scores some posts
    for data in (POSTS, parquet):
        duck = json.loads(invoke("run", flt, data, "--engine", "duckdb", "--format", "json").stdout)
        assert (duck["matched"], duck["tags"]) == (py["matched"], py["tags"]), data


def test_parquet_is_read_by_duckdb_by_default_and_written_with_o(tmp_path):
    import duckdb

    parquet = str(tmp_path / "posts.parquet")
    duckdb.connect().execute("COPY (SELECT * FROM read_json(?)) TO '" + parquet.replace("'", "''") + "'", [POSTS])
    flt = os.path.join(ROOT, "examples", "filters", "brands.csdl")
    py = json.loads(invoke("run", flt, POSTS, "--format", "json").stdout)
    out = str(tmp_path / "matched.parquet")
    pq = invoke("run", flt, parquet, "--format", "json", "-o", out)
    assert pq.exit_code == 0
    summary = json.loads(pq.stdout)
    assert summary["engine"]["name"] == "duckdb" and summary["engine"]["format"] == "parquet"
    assert (summary["read"], summary["matched"], summary["tags"]) == (py["read"], py["matched"], py["tags"])
    rows = duckdb.connect().execute("SELECT interaction.id, interaction.tag_tree FROM read_parquet(?)", [out]).fetchall()
    assert len(rows) == py["matched"] and all(tree is not None for _, tree in rows)


def test_directory_and_glob_read_every_file(tmp_path):
    lines = open(POSTS, "rb").read().splitlines(keepends=True)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.jsonl").write_bytes(b"".join(lines[:400]))
    with gzip.open(tmp_path / "d" / "b.jsonl.gz", "wb") as f:
        f.write(b"".join(lines[400:]))
    flt = os.path.join(ROOT, "examples", "filters", "coffee.csdl")
    whole = json.loads(invoke("run", flt, POSTS, "--format", "json").stdout)
    for spec in (str(tmp_path / "d"), str(tmp_path / "d" / "*.json*")):
        part = json.loads(invoke("run", flt, spec, "--format", "json").stdout)
        assert (part["read"], part["matched"], part["tags"]) == (whole["read"], whole["matched"], whole["tags"])
        assert part["engine"]["files"] == 2


def test_broken_lines_are_counted_with_their_numbers(tmp_path):
    good = open(POSTS, encoding="utf-8").read().splitlines()[:5]
    text = "\n".join([good[0], "{broken", "", good[1], "[1, 2]", "null", good[2], '{"interaction": {"content": NaN}}', good[3]]) + "\n"
    path = write(tmp_path / "bad.jsonl", text)
    flt = os.path.join(ROOT, "examples", "filters", "coffee.csdl")
    py = json.loads(invoke("run", flt, path, "--format", "json").stdout)
    duck = json.loads(invoke("run", flt, path, "--engine", "duckdb", "--format", "json").stdout)
    assert duck["bad_posts"] == py["bad_posts"]
    assert [(d["line"], d["code"]) for d in duck["bad_posts"]["details"]] == [(2, "R101"), (5, "R102"), (6, "R102"), (8, "R101")]
    assert duck["blank_lines"] == py["blank_lines"] == 1 and duck["read"] == py["read"] == 4


def test_lines_duckdb_cannot_number_go_to_the_python_engine(tmp_path):
    good = open(POSTS, "rb").read().splitlines()[:3]
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(b"\r\n".join(good) + b"\r\n" + b'{"x": "\xff"}\n')
    result = CliRunner().invoke(cli, ["run", os.path.join(ROOT, "examples", "filters", "coffee.csdl"), str(path),
                                      "--engine", "duckdb", "--format", "json"])
    assert result.exit_code == 0
    assert "carriage returns" in result.stderr and "python engine runs it" in result.stderr
    assert json.loads(result.stdout)["read"] == 3


@pytest.mark.parametrize("bad", [b"\xff", b"\xed\xa0\x80", b"\xc0\xaf", b"\xe2\x82"], ids=["ff", "surrogate", "overlong", "truncated"])
def test_bytes_python_does_not_decode_send_the_file_to_the_python_engine(tmp_path, bad):
    """Without carriage returns, DuckDB's own reader checks the UTF-8 (faster than decoding in
    Python); each of these is refused by Python's decoder, and so must be by the check."""
    good = open(POSTS, "rb").read().splitlines()[:3]
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(good) + b'\n{"x": "' + bad + b'"}\n')
    result = CliRunner().invoke(cli, ["run", os.path.join(ROOT, "examples", "filters", "coffee.csdl"), str(path),
                                      "--engine", "duckdb", "--format", "json"])
    assert result.exit_code == 0
    assert "not UTF-8" in result.stderr and "python engine runs it" in result.stderr
    python = CliRunner().invoke(cli, ["run", os.path.join(ROOT, "examples", "filters", "coffee.csdl"), str(path), "--format", "json"])
    for key in ("read", "bad_posts"):
        assert json.loads(result.stdout)[key] == json.loads(python.stdout)[key]


def test_corrupt_parquet_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1" + b"\x00garbage" * 20 + b"PAR1")
    result = CliRunner().invoke(cli, ["run", os.path.join(ROOT, "examples", "filters", "coffee.csdl"), str(path)])
    assert result.exit_code == 2
    assert "cannot read it as Parquet" in result.stderr and "Traceback" not in result.output


def test_glob_matching_nothing_and_missing_file(tmp_path):
    flt = os.path.join(ROOT, "examples", "filters", "coffee.csdl")
    nothing = CliRunner().invoke(cli, ["run", flt, str(tmp_path / "*.parquet")])
    assert nothing.exit_code == 2 and "no file matches this pattern" in nothing.stderr
    missing = CliRunner().invoke(cli, ["run", flt, str(tmp_path / "none.parquet"), "--engine", "duckdb"])
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_a_column_of_the_wrong_type_answers_as_python(tmp_path):
    """interaction.content as numbers in Parquet, and as numbers, objects and arrays after a
    sample of strings in JSON Lines: the same answers as the Python engine."""
    import duckdb

    flt = write(tmp_path / "f.csdl", 'interaction.content contains "5" OR interaction.content exists AND twitter.user.followers_count > 2')
    parquet = str(tmp_path / "n.parquet")
    duckdb.connect().execute(f"COPY (SELECT {{'content': range::BIGINT}} AS interaction FROM range(10)) TO '{parquet}'")
    jsonl = str(tmp_path / "n.jsonl")
    duckdb.connect().execute(f"COPY (SELECT {{'content': range::BIGINT}} AS interaction FROM range(10)) TO '{jsonl}' (FORMAT json)")
    py = json.loads(invoke("run", str(flt), jsonl, "--format", "json").stdout)
    pq = json.loads(invoke("run", str(flt), parquet, "--format", "json").stdout)
    assert (pq["read"], pq["matched"]) == (py["read"], py["matched"]) == (10, 1)  # only the number 5 holds a token "5"
    mixed = write(tmp_path / "m.jsonl", "\n".join(['{"interaction": {"content": "a 5"}}'] * 3 + [
        '{"interaction": {"content": 5}}', '{"interaction": {"content": {"x": "5"}}}', '{"interaction": {"content": ["b", "5"]}}',
        '{"twitter": {"user": {"followers_count": "7"}}, "interaction": {"content": "x"}}']) + "\n")
    py = json.loads(invoke("run", str(flt), mixed, "--format", "json").stdout)
    duck = json.loads(invoke("run", str(flt), mixed, "--engine", "duckdb", "--format", "json").stdout)
    assert duck["matched"] == py["matched"]


def test_memory_limit_is_applied_and_a_bad_one_is_a_usage_error(tmp_path):
    flt = os.path.join(ROOT, "examples", "filters", "coffee.csdl")
    ok = CliRunner().invoke(cli, ["run", flt, POSTS, "--engine", "duckdb", "--memory-limit", "256MB", "-q"])
    assert ok.exit_code == 0
    bad = CliRunner().invoke(cli, ["run", flt, POSTS, "--engine", "duckdb", "--memory-limit", "lots"])
    assert bad.exit_code == 2 and "--memory-limit lots" in bad.stderr


def test_strict_stops_with_exit_1_and_writes_nothing(tmp_path):
    path = write(tmp_path / "bad.jsonl", open(POSTS, encoding="utf-8").readline() + "{oops\n")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["run", os.path.join(ROOT, "examples", "filters", "coffee.csdl"), path,
                                      "--engine", "duckdb", "--strict", "-o", str(out)])
    assert result.exit_code == 1 and not out.exists() and ":2: R101" in result.stderr


def test_parquet_output_writes_through_a_symlink_and_keeps_the_mode(tmp_path):
    import duckdb

    real = tmp_path / "real.parquet"
    real.write_bytes(b"old")
    real.chmod(0o600)
    link = tmp_path / "link.parquet"
    link.symlink_to(real.name)
    result = invoke("run", FILTERS[0], POSTS, "--engine", "duckdb", "--format", "json", "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == real.name
    assert (real.stat().st_mode & 0o777) == 0o600
    count = duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)", [str(real)]).fetchone()[0]
    assert count > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.parquet", "real.parquet"]  # no temporary left


def test_a_url_is_for_spark_and_names_its_format():
    from csdl.engines import EngineError, inputs

    data = inputs.resolve("hdfs:///posts/2024/*.parquet")
    assert (data.kind, data.files, data.remote) == ("parquet", ["hdfs:///posts/2024/*.parquet"], True)
    assert inputs.resolve("s3a://bucket/day.jsonl.gz").kind == "jsonl"
    with pytest.raises(EngineError, match=r"glob ending in \.parquet or \.jsonl"):
        inputs.resolve("dbfs:/posts/")
    flt = os.path.join(ROOT, "examples", "filters", "brands.csdl")
    result = invoke("run", flt, "s3a://bucket/posts/*.parquet", "--engine", "duckdb")
    assert result.exit_code == 2 and "reads local files" in result.output and "Traceback" not in result.output
