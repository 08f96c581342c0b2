"""Running CSDL where the posts live: compiled to SQL (sqlglot) for DuckDB in-process or Apache
Spark, with the Python engine's semantics. ``sql`` builds the query; ``duckdb`` and ``spark``
run it; ``inputs`` finds the data files. DuckDB and PySpark are optional extras, imported only
when an engine runs."""

from __future__ import annotations


class EngineError(Exception):
    """An engine cannot run: a missing extra or Java, unreadable data. The message is for people."""
