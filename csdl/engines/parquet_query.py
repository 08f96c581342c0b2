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


from sqlglot import exp

from .schema import STRUCT, TEXT, Type
from .sql import DUCKDB, Relation, epoch_expression, inline_single_uses, short_circuit, wrap_derived


class ParquetQueries:
    """``stats``: one row: posts, posts timed in SQL, first and last epoch; ``matched``: the
    Collector's columns for the matching posts, in input order; ``untimed``: _file, _n, _created
    of the posts not timed in SQL (its text made only when there are any)."""

    def __init__(self, stats: str, matched: str, untimed):
        self.stats = stats
        self.matched = matched
        self._untimed = untimed  # () -> the query's tree

    @property
    def untimed(self) -> str:
        return self._untimed().sql(DUCKDB)


class ParquetRelation(Relation):
    """Parquet's columns. A UDF gets the post's part along its target only (``{"interaction":
    {"content": ...}}``), down to the first value that is not a struct, so that the scan reads
    that field and not the whole column (``interaction`` holds every field of the interaction)."""

    def udf_arg_for(self, keys: tuple[str, ...]) -> exp.Expression:
        n = self.split(keys)
        typ = self.schema.fields.get(".".join(keys[:n]))
        depth = n
        while typ is not None and typ.kind == STRUCT and depth < len(keys) and keys[depth] in typ.fields:
            typ = typ.fields[keys[depth]]
            depth += 1
        value = self.leaf(keys[:depth], typ)
        for key in reversed(keys[:depth]):
            value = exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier(key, quoted=True), expression=value)])
        return exp.func("to_json", value, dialect=self.dialect)


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
    source = exp.alias_(read_parquet(files), alias, table=True, copy=False)
    file_name = exp.column("filename", table=alias) if len(files) > 1 else exp.Literal.string(files[0])
    number = exp.Add(this=exp.column("file_row_number", table=alias), expression=exp.Literal.number(1))
    stats, untimed = _count_queries(relation, source, file_name.copy(), number.copy())

    where, tags, derived = inline_single_uses(plan, alias)
    row_source = wrap_derived(read_parquet(files), derived, alias) if derived else read_parquet(files)
    columns = list(relation.schema.fields)
    row = exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier(k, quoted=True), expression=relation.column(k)) for k in columns])
    checks = [c for c in (present(relation, tuple(t.split("."))) for t in suspects) if c is not None]
    python = _any(checks) if checks else exp.false()
    if columns and want_posts:
        out_json = exp.func("to_json", row, dialect=DUCKDB)
    elif columns and checks:  # the Python engine reads the post of a flagged row
        out_json = exp.Case(ifs=[exp.If(this=python.copy(), true=exp.func("to_json", row, dialect=DUCKDB))])
    else:
        out_json = exp.cast(exp.Null(), exp.DataType.build("VARCHAR"))
    matched_flag = exp.true() if not checks else exp.Coalesce(this=where.copy(), expressions=[exp.false()])
    where = _bare_conjuncts(where)
    if checks:
        where = exp.Or(this=exp.paren(where, copy=False), expression=exp.paren(python.copy(), copy=False))
    matched = exp.Select(expressions=[
        _as(file_name, "_file"), _as(number, "_n"), _as(exp.Literal.number(3), "_status"),
        _as(exp.cast(exp.Null(), exp.DataType.build("DOUBLE")), "_epoch"), _as(exp.cast(exp.Null(), exp.DataType.build("VARCHAR")), "_created"),
        _as(text_field(relation, ("interaction", "type")), "_source"), _as(matched_flag, "_matched"),
        _as(python, "_python"), _as(out_json, "_out"),
        *[_as(short_circuit(e), t.column) for e, t in zip(tags, plan.tags, strict=True)],
    ]).from_(exp.alias_(row_source, alias, table=True, copy=False), copy=False).where(where, copy=False)
    # (copy=False: these trees are built for this text alone; sqlglot would deep-copy each first)
    return ParquetQueries(stats.sql(DUCKDB, copy=False), matched.sql(DUCKDB, copy=False), untimed)


def _bare_conjuncts(where: exp.Expression) -> exp.Expression:
    """``where`` with each ``COALESCE(c, false)`` among its top-level ANDs written ``c``: a WHERE
    clause keeps a row only where its condition is true, so both mean the same there, and DuckDB
    skips a Parquet row group by its statistics on a bare comparison (not through COALESCE)."""
    parts, stack = [], [where]
    while stack:
        node = stack.pop()
        if isinstance(node, exp.Paren) and isinstance(node.this, (exp.And, exp.Paren, exp.Coalesce)):
            stack.append(node.this)  # (any other operand keeps its parentheses: an OR among the ANDs)
        elif isinstance(node, exp.And):
            stack.extend((node.expression, node.this))
        else:
            parts.append(node)
    bare = [p.this if isinstance(p, exp.Coalesce) and len(p.expressions) == 1 and isinstance(p.expressions[0], exp.Boolean)
            and p.expressions[0].this is False else p for p in parts]
    bare = [exp.paren(p, copy=False) if isinstance(p, exp.Or) else p for p in bare]
    out = bare[0]
    for part in bare[1:]:
        out = exp.And(this=out, expression=part)
    return out


def _as(expression: exp.Expression, name: str) -> exp.Expression:
    return exp.alias_(expression, name, copy=False)


def _count_queries(relation: Relation, source, file_name, number):
    """The posts and their time span (``stats``), and a function making the query for the rows
    SQL could not time (``untimed``: run only when there are any)."""
    created = text_field(relation, ("interaction", "created_at"))
    # Posts share their second: each distinct timestamp text is read once, with its count.
    stamps = exp.Select(expressions=[_as(created.copy(), "_created"), _as(exp.Count(this=exp.Star()), "_posts")]).from_(
        source.copy(), copy=False).group_by(exp.Literal.number(1), copy=False)
    epoch = epoch_expression(exp.column("_created"), DUCKDB)
    timed = exp.Select(expressions=[exp.column("_posts"), _as(epoch, "_e")]).from_(_derived(stamps, "s"), copy=False)
    posts = exp.Sum(this=exp.column("_posts"))
    timed_posts = exp.Filter(this=posts.copy(), expression=exp.Where(this=exp.column("_e").is_(exp.null()).not_()))
    stats = exp.Select(expressions=[exp.Coalesce(this=posts, expressions=[exp.Literal.number(0)]),
                                    exp.Coalesce(this=timed_posts, expressions=[exp.Literal.number(0)]),
                                    exp.Min(this=exp.column("_e")), exp.Max(this=exp.column("_e"))]).from_(_derived(timed, "t"), copy=False)

    def untimed() -> exp.Expression:
        # Texts our parser may read, and the first post with no timestamp text at all.
        timing = exp.select(exp.alias_(epoch_expression(created.copy(), DUCKDB), "_e"), exp.alias_(created, "_created"),
                            exp.alias_(file_name, "_file"), exp.alias_(number, "_n")).from_(source)
        return exp.union(
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
