"""``csdl sql FILTER``: the SQL query (DuckDB or Spark) that runs a filter, its tags and scores."""

from __future__ import annotations


import click

from csdl.cli import EXIT_CLEAN, EXIT_ERROR
from csdl.cli.common_options import resolved, shared_options
from csdl.cli.output import error


@click.command()
@click.argument("filter_path", metavar="FILTER")
@click.option("--dialect", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="The SQL dialect to print.")
@click.option("--table", default="posts", show_default=True, metavar="NAME",
              help="The table (or view) of posts the query reads: one column per top-level key.")
@click.option("--data", "data_path", metavar="DATA",
              help="Take the column types from this data (JSON Lines, Parquet, a directory or a glob) instead of "
                   "DataSift's documented target types.")
@click.option("--explain", is_flag=True, help="Also say how each condition runs: in SQL, in our matcher (a UDF), or both.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: {\"sql\": ..., \"conditions\": [...], \"udfs\": [...]}.")
@shared_options
def sql_command(filter_path, dialect, table, data_path, explain, output_format, library_dir, pricing_file, config_file, isolated):
    """Print the SQL query that runs FILTER: the WHERE clause for the filter, and the tag and
    score columns (interaction.tags, tag.<namespace>... for interaction.tag_tree).

    \b
    Examples:
      csdl sql filter.csdl                          DuckDB, documented target types
      csdl sql filter.csdl --dialect spark --table posts
      csdl sql filter.csdl --data posts.parquet --explain

    Conditions SQL cannot state exactly call csdl_cond_<n>(...): a UDF that runs our own
    matcher (csdl run registers them). Exit codes: 0 printed, 2 a filter that cannot run or a
    usage error.
    """
    import json

    from csdl.extras import require

    exp = require("sqlglot", purpose="csdl sql").exp

    from csdl.cli.run_cmd import fail_on_diagnostics, read_filter
    from csdl.diagnostics import CSDLError
    from csdl.engines import EngineError
    from csdl.engines import schema as schemas
    from csdl.engines.sql import Relation, compile_query
    from csdl.evaluate import compile_matcher

    library = resolved(library_dir, pricing_file, config_file, isolated).library
    path, text = read_filter(filter_path)
    try:
        import csdl

        compiled = csdl.compile(text, library=library)
        compile_matcher(compiled.tree, library=library)  # the same refusals as csdl run
        tree = compiled.tree
        from csdl.library import resolve

        targets = resolve(tree, library).require().targets()
        if data_path:
            schema, lowers, note = _schema_from_data(data_path, dialect, targets)
        else:
            schema, lowers, note = schemas.from_catalogue(targets), schemas.static_lower_exceptions(), None
        plan = compile_query(tree, Relation(schema, dialect), library=library, source=exp.to_table(table), lower_exceptions=lowers)
    except CSDLError as exc:
        fail_on_diagnostics(path, text, exc.diagnostics)
    except EngineError as exc:
        error(str(exc))
        raise SystemExit(EXIT_ERROR) from None
    query = plan.sql(dialect)
    if output_format == "json":
        click.echo(json.dumps({"dialect": dialect, "sql": query, "conditions": [d.to_dict() for d in plan.decisions],
                               "udfs": [{"name": u.name, "condition": _condition_text(u.condition, tree)} for u in plan.udfs]},
                              indent=2, ensure_ascii=False))
        raise SystemExit(EXIT_CLEAN)
    click.echo(query + ";")
    if explain:
        click.echo("")
        click.echo(_explain(plan, dialect, note))
    raise SystemExit(EXIT_CLEAN)


def _condition_text(node, tree) -> str:
    source = tree.source or ""
    return " ".join(source[node.span.start:node.span.end].split()) or f"{node.target} {node.operator}"


def _explain(plan, dialect: str, note) -> str:
    lines = [f"-- how each condition runs ({dialect}):"]
    width = max((len(d.text) for d in plan.decisions), default=10)
    for d in plan.decisions:
        reason = f"  ({d.reason})" if d.reason else ""
        lines.append(f"--   line {d.line:<4} {d.text:<{width}}  {d.mode}{reason}")
    counts = {m: sum(1 for d in plan.decisions if d.mode == m) for m in ("sql", "sql+udf", "udf")}
    lines.append(f"-- {counts['sql']} in SQL, {counts['sql+udf']} in SQL with some rows sent to our matcher, "
                 f"{counts['udf']} in our matcher (UDF)")
    if note:
        lines.append(f"-- {note}")
    return "\n".join(lines)


def _schema_from_data(data_path, dialect, targets):
    from csdl.engines import inputs
    from csdl.engines.schema import STRUCT, Type, static_lower_exceptions

    data = inputs.resolve(data_path)
    if data.kind == inputs.PARQUET:
        from csdl.engines import duckdb as engine

        con = engine.connect()
        from csdl.extras import require

        sqlglot = require("sqlglot", purpose="csdl sql --data")
        read = sqlglot.exp.replace_placeholders(sqlglot.parse_one("DESCRIBE SELECT * FROM read_parquet(:f, union_by_name = true)", read="duckdb"),
                                                f=sqlglot.exp.Array(expressions=[sqlglot.exp.Literal.string(f) for f in data.files]))
        try:
            schema = engine.schema_from_relation(con, con.sql(read.sql("duckdb")))
        except Exception as exc:  # noqa: BLE001 - DuckDB's own error classes
            from csdl.engines import EngineError

            raise EngineError(f"{data_path}: cannot read it as Parquet: {engine.first_line(exc)}") from None
        lowers = engine.lower_exceptions(con) if dialect == "duckdb" else static_lower_exceptions()
        return schema, lowers, f"column types of {data_path} (Parquet)"
    from csdl.engines import duckdb as engine

    schema = engine.infer_schema(data.files, list(targets))
    note = (f"column types inferred from the first posts of {data_path}; csdl run decides a post whose JSON types "
            "differ from these (and only such a post) with the Python engine")
    return (schema if schema.kind == STRUCT else Type(STRUCT, fields={})), static_lower_exceptions(), note
