"""The DuckDB queries over Parquet files: the filter as a WHERE clause over the typed columns.

A Parquet row is always a post, so nothing needs to see every row except the counts and the
time span: ``stats`` reads only ``interaction.created_at`` and aggregates (parsing each distinct
text once: posts share their second); ``untimed`` lists the
rows whose timestamp SQL could not read (our parser tries those); ``matched`` is the filter, a
WHERE clause DuckDB pushes into the scan, selecting only what the output needs (the tag columns,
``interaction.type``, and the whole row as JSON only when the posts are written). DuckDB reads
a column, or a field of a struct column, only if one of these names it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from .schema import STRUCT, TEXT, Type
from .sql import DUCKDB, Relation, epoch_expression, short_circuit, wrap_derived


@dataclass
class ParquetQueries:
    stats: str  # one row: posts, posts timed in SQL, first and last epoch, posts not timed in SQL
    untimed: str  # _file, _n, _created of the posts not timed in SQL (run when there are any)
    matched: str  # the Collector's columns for the matching posts, in input order


def read_parquet(files: list[str]) -> exp.Expression:
    """``read_parquet([...], filename = true, file_row_number = true, union_by_name = true)``,
    built as a tree (parsing the text would cost milliseconds each time)."""
    options = [exp.EQ(this=exp.column(name), expression=exp.true()) for name in ("filename", "file_row_number", "union_by_name")]
    paths = exp.Array(expressions=[exp.Literal.string(f) for f in files])
    return exp.Table(this=exp.ReadParquet(expressions=[paths, *options]))


def text_field(relation: Relation, path) -> exp.Expression:
    """The value at ``path`` when the schema has text there, else NULL."""
    n = relation.split(path)
    typ, value = relation.schema, None
    for key in (".".join(path[:n]),) + tuple(path[n:]):
        if typ.kind != STRUCT or key not in typ.fields:
            return exp.Null()
        typ = typ.fields[key]
        value = relation.column(key) if value is None else exp.Dot(this=value, expression=exp.to_identifier(key, quoted=True))
    return value if typ.kind == TEXT else exp.Null()


def present(relation: Relation, path) -> exp.Expression | None:
    """True where the row has a value at ``path`` (None: the schema has no such field)."""
    typ, value = relation.schema, None
    for key in path:
        if typ.kind != STRUCT or key not in typ.fields:
            return None
        typ = typ.fields[key]
        value = relation.column(key) if value is None else exp.Dot(this=value, expression=exp.to_identifier(key, quoted=True))
    return exp.Not(this=exp.Is(this=value, expression=exp.Null()))


def build_queries(relation: Relation, plan, files: list[str], *, want_posts: bool, suspects=()) -> ParquetQueries:
    """``suspects``: targets whose values a condition may call wrong-typed (csdl.engines.wrong_types):
    a row with a value there is returned flagged ``_python`` and decided (and reported, R201) by the
    Python engine."""
    alias = relation.alias
    source = exp.alias_(read_parquet(files), alias, table=True)
    file_name = exp.column("filename", table=alias) if len(files) > 1 else exp.Literal.string(files[0])
    number = exp.Add(this=exp.column("file_row_number", table=alias), expression=exp.Literal.number(1))
    stats, untimed = _count_queries(relation, source, file_name, number)

    row_source = wrap_derived(read_parquet(files), plan.derived, alias) if plan.derived else read_parquet(files)
    columns = [k for k in relation.schema.fields]
    row = exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier(k, quoted=True), expression=relation.column(k)) for k in columns])
    checks = [c for c in (present(relation, tuple(t.split("."))) for t in suspects) if c is not None]
    python = _any(checks) if checks else exp.false()
    if columns and want_posts:
        out_json = exp.func("to_json", row, dialect=DUCKDB)
    elif columns and checks:  # the Python engine reads the post of a flagged row
        out_json = exp.Case(ifs=[exp.If(this=python.copy(), true=exp.func("to_json", row.copy(), dialect=DUCKDB))])
    else:
        out_json = exp.cast(exp.Null(), exp.DataType.build("VARCHAR"))
    where = plan.where.copy() if not checks else exp.Or(this=exp.paren(plan.where.copy()), expression=exp.paren(python.copy()))
    matched = exp.select(
        exp.alias_(file_name.copy(), "_file"), exp.alias_(number.copy(), "_n"), exp.alias_(exp.Literal.number(3), "_status"),
        exp.alias_(exp.cast(exp.Null(), exp.DataType.build("DOUBLE")), "_epoch"), exp.alias_(exp.cast(exp.Null(), exp.DataType.build("VARCHAR")), "_created"),
        exp.alias_(text_field(relation, ("interaction", "type")), "_source"),
        exp.alias_(exp.true() if not checks else exp.Coalesce(this=plan.where.copy(), expressions=[exp.false()]), "_matched"),
        exp.alias_(python, "_python"), exp.alias_(out_json, "_out"),
        *[exp.alias_(short_circuit(e.this.copy()), t.column) for e, t in zip(plan.tag_exprs, plan.tags, strict=True)],
    ).from_(exp.alias_(row_source, alias, table=True)).where(where)
    # (copy=False: these trees are built for this text alone; sqlglot would deep-copy each first)
    return ParquetQueries(stats.sql(DUCKDB, copy=False), untimed.sql(DUCKDB, copy=False), matched.sql(DUCKDB, copy=False))


def _count_queries(relation: Relation, source, file_name, number) -> tuple[exp.Expression, exp.Expression]:
    """The posts, their time span (``stats``), and the rows SQL could not time (``untimed``)."""
    created = text_field(relation, ("interaction", "created_at"))
    # Posts share their second: each distinct timestamp text is read once, with its count.
    stamps = exp.select(exp.alias_(created.copy(), "_created"), exp.alias_(exp.func("count", exp.Star()), "_posts")).from_(
        source.copy()).group_by(exp.Literal.number(1))
    timed = exp.select("_posts", exp.alias_(epoch_expression(exp.column("_created"), DUCKDB), "_e")).from_(_derived(stamps, "s"))
    stats = exp.select("coalesce(sum(_posts), 0)", "coalesce(sum(_posts) FILTER (WHERE _e IS NOT NULL), 0)",
                       "min(_e)", "max(_e)").from_(_derived(timed, "t"))
    # Texts our parser may read, and the first post with no timestamp text at all.
    timing = exp.select(exp.alias_(epoch_expression(created.copy(), DUCKDB), "_e"), exp.alias_(created, "_created"),
                        exp.alias_(file_name.copy(), "_file"), exp.alias_(number.copy(), "_n")).from_(source.copy())
    untimed = exp.union(
        exp.select("_file", "_n", "_created").from_(_derived(timing, "t")).where("_e IS NULL AND _created IS NOT NULL"),
        exp.select("_file", "_n", "_created").from_(_derived(timing.copy(), "t")).where("_created IS NULL").limit(1),
        distinct=False,
    )
    return stats, untimed


def _derived(select: exp.Select, alias: str) -> exp.Subquery:
    return exp.Subquery(this=select, alias=_table_alias(alias))


def _table_alias(name: str) -> exp.TableAlias:
    return exp.TableAlias(this=exp.to_identifier(name))


def _any(parts: list) -> exp.Expression:
    out = parts[0]
    for p in parts[1:]:
        out = exp.Or(this=out, expression=p)
    return exp.paren(out) if len(parts) > 1 else out


def parquet_schema(schema: Type) -> Type:
    """The posts' columns: the reader's own columns (filename, file_row_number) are not keys."""
    return Type(STRUCT, fields={k: v for k, v in schema.fields.items() if k not in ("filename", "file_row_number")})
