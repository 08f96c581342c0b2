"""DuckDB on Parquet: the scan reads only the columns (and struct fields) the filter and the
output name, with the filter pushed into it, read from DuckDB's own EXPLAIN ANALYZE; nested
struct columns and flat columns named by the dotted target give the Python engine's answers."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

duckdb = pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")

import csdl  # noqa: E402
from csdl.engines import duckdb as engine  # noqa: E402
from csdl.engines import inputs  # noqa: E402
from engine_strategies import filters, posts  # noqa: E402
from test_engines_differential import _compile_or_skip, expected  # noqa: E402

NESTED_ROWS = """
    SELECT {'id': 'p' || i, 'type': 'twitter', 'created_at': 'Mon, 04 Mar 2024 01:07:00 +0000',
            'content': CASE WHEN i % 3 = 0 THEN 'Coffee time' ELSE 'tea time' END, 'sample': i % 100,
            'title': repeat('x', 200)} AS interaction,
           {'user': {'followers_count': i, 'description': repeat('d', 100)}} AS twitter,
           repeat('u', 100) AS unused
    FROM range(3000) t(i)
"""


def _scan(con, query: str) -> dict:
    """The extra_info of the READ_PARQUET scan in the query's analysed plan."""
    plan = json.loads(con.execute("EXPLAIN (ANALYZE, FORMAT json) " + query).fetchall()[0][1])
    stack = list(plan["operator"]) if isinstance(plan, dict) else list(plan)
    while stack:
        node = stack.pop()
        info = node.get("extra_info") or {}
        if info.get("Function") == "READ_PARQUET" or node.get("name") in ("READ_PARQUET ", "READ_PARQUET", "TABLE_SCAN") and "Projections" in info:
            return info
        stack.extend(node.get("children", []))
    raise AssertionError("no Parquet scan in the plan")


def _names(info: dict) -> set[str]:
    projections = info.get("Projections", "")
    items = projections if isinstance(projections, list) else projections.split("\n")
    return {item.strip().strip(",") for item in items if item.strip()}


def test_parquet_scan_reads_only_the_filters_and_the_outputs_fields(tmp_path):
    path = str(tmp_path / "posts.parquet")
    duckdb.connect().execute(f"COPY ({NESTED_ROWS}) TO '{path}' (FORMAT parquet)")
    con = engine.connect()
    tree = csdl.parse('interaction.content contains "coffee" AND interaction.sample < 10')
    prepared = engine.prepare(con, tree, inputs.resolve(path), want_posts=False)
    info = _scan(con, prepared.sql)
    # the filter's two fields, interaction.type (the summary's sources), the row number
    assert _names(info) == {"interaction.content", "interaction.sample", "interaction.type", "file_row_number"}
    assert "interaction.sample" in json.dumps(info.get("Filters", "")), info  # pushed into the scan
    # the counts read interaction.created_at and nothing else
    assert _names(_scan(con, prepared.parquet.stats)) == {"interaction.created_at"}
    result, _ = engine.run(tree, inputs.resolve(path), io.BytesIO(), con=con, want_posts=False)
    assert (result.stats.read, result.stats.matched) == (3000, 100)  # i % 100 < 10 (300 rows), a third of them i % 3 == 0


def test_flat_columns_named_by_the_target_are_read_as_the_nested_ones(tmp_path):
    nested, flat = str(tmp_path / "nested.parquet"), str(tmp_path / "flat.parquet")
    con = duckdb.connect()
    con.execute(f"COPY ({NESTED_ROWS}) TO '{nested}' (FORMAT parquet)")
    con.execute(f"""COPY (SELECT interaction.id AS "interaction.id", interaction.type AS "interaction.type",
                             interaction.created_at AS "interaction.created_at", interaction.content AS "interaction.content",
                             interaction.sample AS "interaction.sample", twitter.user AS "twitter.user", unused
                      FROM read_parquet('{nested}')) TO '{flat}' (FORMAT parquet)""")
    text = ('interaction.content contains "coffee" AND twitter.user.followers_count >= 2000 '
            'AND interaction.content contains_near "coffee,time:2"')  # the last one a UDF
    tree = csdl.parse(text)
    results = {}
    for label, path in (("nested", nested), ("flat", flat)):
        out = io.BytesIO()
        result, _ = engine.run(tree, inputs.resolve(path), out, want_posts=True)
        results[label] = (result.stats.read, result.stats.matched, result.stats.timed)
    assert results["nested"] == results["flat"] == (3000, 333, 3000)  # i % 3 == 0 and i >= 2000
    con = engine.connect()
    prepared = engine.prepare(con, tree, inputs.resolve(flat), want_posts=False)
    engine.register_udfs(con, prepared.plan)
    names = _names(_scan(con, prepared.sql))
    assert "unused" not in names and "interaction.id" not in names and "interaction.content" in names


def _flatten(post: dict) -> dict:
    """One column per namespace field: {"interaction": {"content": ..}} -> {"interaction.content": ..}
    (a field that is an object, as interaction.geo, stays a struct column)."""
    out = {}
    for key, value in post.items():
        if isinstance(value, dict) and value:
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(filter_text=filters(), batch=st.lists(posts(typed=True), min_size=1, max_size=10))
def test_flat_parquet_agrees_with_python_on_the_nested_posts(tmp_path_factory, filter_text, batch):
    """Posts flattened to a column per namespace field (``interaction.content``) give the Python
    engine's answers on the nested posts: the same posts match, with the same tags."""
    tree = _compile_or_skip(filter_text)
    if tree is None:
        return
    tmp = tmp_path_factory.mktemp("flat")
    lines = tmp / "flat.jsonl"
    lines.write_text("".join(json.dumps(_flatten(p), ensure_ascii=False) + "\n" for p in batch), encoding="utf-8")
    parquet = str(tmp / "flat.parquet")
    engine.write_parquet(str(lines), parquet)
    out = io.BytesIO()
    numbers = []

    class Sink:
        def write(self, data):
            out.write(data)

        def note(self, line):
            numbers.append(line)

    engine.run(tree, inputs.resolve(parquet), Sink(), want_posts=True)
    got = [(False, [], {}) for _ in batch]
    for number, line in zip(numbers, out.getvalue().splitlines(), strict=True):
        post = json.loads(line)
        tags = post.get("interaction", {}).get("tags", []) if isinstance(post.get("interaction"), dict) else []
        tree_ = post.get("interaction", {}).get("tag_tree", {}) if isinstance(post.get("interaction"), dict) else {}
        got[number - 1] = (True, tags, tree_)
    assert got == expected(filter_text, batch), filter_text


def test_runs_in_one_thread_share_a_connection_and_leave_nothing_in_it(tmp_path):
    """Runs without settings of their own reuse this thread's DuckDB connection: a UDF or a
    keyword table of one run never answers for the next, and none is left behind."""
    path = str(tmp_path / "posts.parquet")
    duckdb.connect().execute(f"COPY ({NESTED_ROWS}) TO '{path}' (FORMAT parquet)")
    keywords = ", ".join(["coffee"] + [f"word{i}" for i in range(60)])  # more than 48: a keyword table

    def matched(text: str) -> int:
        result, _ = engine.run(csdl.parse(text), inputs.resolve(path), io.BytesIO(), want_posts=False)
        return result.stats.matched

    # i % 3 == 0 holds "Coffee time" (1,000 rows), the others "tea time" (2,000)
    assert matched('interaction.content contains_near "coffee,time:2"') == 1000  # a UDF, csdl_cond_0
    assert matched(f'interaction.content contains_any "{keywords}"') == 1000
    assert matched('interaction.content contains_near "tea,time:2"') == 2000  # csdl_cond_0 again, another matcher
    assert matched('interaction.content contains_any "tea"') == 2000
    con = engine.thread_connection()
    assert con.sql("SELECT function_name FROM duckdb_functions() WHERE function_name LIKE 'csdl%'").fetchall() == []
    assert con.sql("SELECT view_name FROM duckdb_views() WHERE view_name LIKE 'csdl%'").fetchall() == []


def test_a_comparison_in_the_filter_skips_row_groups_by_their_statistics(tmp_path):
    """The WHERE clause states a top-level comparison bare (not ``COALESCE(c, false)``, which
    means the same there), so DuckDB skips the row groups whose statistics exclude it."""
    import re

    path = str(tmp_path / "sorted.parquet")
    duckdb.connect().execute(f"""COPY (SELECT {{'id': i::VARCHAR, 'type': 'twitter', 'sample': i / 1000.0}} AS interaction
                                      FROM range(50000) t(i)) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 10000)""")
    con = engine.connect()
    tree = csdl.parse('interaction.sample < 1 AND interaction.type == "twitter"')
    prepared = engine.prepare(con, tree, inputs.resolve(path), want_posts=False)
    plan = con.execute("EXPLAIN ANALYZE " + prepared.sql).fetchall()[0][1]
    scanned = re.search(r"Row Groups Scanned: (\d+) / (\d+)", plan)
    assert scanned and scanned.groups() == ("1", "5"), plan
    result, _ = engine.run(tree, inputs.resolve(path), io.BytesIO(), con=con, want_posts=False)
    assert (result.stats.read, result.stats.matched) == (50000, 1000)  # i from 0 to 999
