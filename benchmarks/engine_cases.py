"""The filters of the engine benchmark, each with the DuckDB query a person who knows DuckDB would
write for it by hand (``engine_queries/<name>.sql``): the reference the generated SQL is held to.

A reference query reads ``{posts}``: ``read_parquet(...)`` on Parquet, and on JSON Lines
``read_json(...)`` with the columns of ``<name>.columns`` (the fields it reads, typed by hand).
The keyword case joins with ``{keywords}``, a table of the filter's words (phrases with single
spaces) that the benchmark fills. Every query returns the ids of the matching posts.
"""

from __future__ import annotations

import json
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "engine_queries")


def cases() -> dict[str, tuple[str, str]]:
    """Case label -> (CSDL filter text, reference query stem)."""
    from .bench_run import FILTER_10, keyword_filter

    def read(name: str) -> str:
        with open(os.path.join(HERE, name), encoding="utf-8") as f:
            return f.read()

    return {
        "10-condition filter": (FILTER_10, "ten_conditions"),
        "10,000-keyword contains_any": (keyword_filter(10_000), "keywords"),
        "tags and scores": (read("tags_and_scores.csdl"), "tags_and_scores"),
        "telecom brand filter": (read("telecom.csdl"), "telecom"),
    }


def keywords(filter_text: str) -> list[str]:
    """The words of a one-condition contains_any filter, lower-cased, phrases with single spaces."""
    items = filter_text.split('"', 2)[1].split(",")
    return sorted({" ".join(item.lower().split()) for item in items if item.strip()})


def reference_sql(stem: str, path: str, parquet: bool) -> str:
    with open(os.path.join(HERE, stem + ".sql"), encoding="utf-8") as f:
        query = f.read()
    quoted = "'" + path.replace("'", "''") + "'"
    if parquet:
        source = f"read_parquet({quoted})"
    else:
        with open(os.path.join(HERE, stem + ".columns"), encoding="utf-8") as f:
            columns = json.load(f)
        spec = ", ".join(f"'{k}': '{v}'" for k, v in columns.items())
        source = f"read_json({quoted}, format = 'newline_delimited', columns = {{{spec}}})"
    return query.replace("{posts}", source).replace("{keywords}", "csdl_bench_keywords")


def reference_ids(con, stem: str, path: str, parquet: bool, filter_text: str) -> list[str]:
    """The ids the reference query returns (the keyword table registered first)."""
    if stem == "keywords":
        import pyarrow as pa

        con.register("csdl_bench_keywords", pa.table({"word": keywords(filter_text)}))
    return [r[0] for r in con.execute(reference_sql(stem, path, parquet)).fetchall()]
