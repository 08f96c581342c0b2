"""Running a compiled filter on Apache Spark (``local[N]`` or a cluster's ``--master URL``).

The filter runs as Spark SQL (the query ``csdl sql --dialect spark`` prints): conditions as SQL
expressions, ``RLIKE`` where Java's regex means what RE2 means (``java_regex``), and pandas (Arrow)
UDFs running our matcher, a batch of rows at a time, for the conditions SQL cannot state exactly.
Parquet is read with its own types; JSON Lines as text, parsed by ``from_json`` into the types of
a sample, with the lines Spark's parser may read otherwise than ours flagged for our matcher
(``spark_jsonl``). A post holding a value a condition may call wrong-typed is decided by our
matcher too, which reports it (R201). One job per run gathers the answer (``spark_results``).

Spark needs Java (17 or newer) and the ``[spark]`` extra; both are checked before a JVM starts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time

from csdl.extras import require

exp = require("sqlglot", extra="spark", purpose="the spark engine").exp

from . import EngineError
from .inputs import PARQUET, Data
from .results import Collector
from .schema import STRUCT, Type, from_spark
from .sql import SPARK, Relation, compile_query, epoch_expression, short_circuit

_SESSIONS: dict = {}

#: A filter's whole-stage generated code is one Java method per stage, and HotSpot never compiles
#: a method of over 8,000 bytes of bytecode: it runs interpreted, on every row. The benchmark's
#: 10-condition filter generates a method of 16,829 bytes (one condition: 3,126). Compiled, its
#: run on 1M Parquet posts went from 7.3-8.2 s to 5.2-6.3 s on local[2].
_JIT_HUGE_METHODS = "-XX:-DontCompileHugeMethods"


def _pyspark():
    return require("pyspark.sql", purpose="the spark engine").SparkSession


def java_problem() -> str | None:
    """Why no JVM can start here, or None."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.path.exists(os.path.join(java_home, "bin", "java")):
        return None
    if shutil.which("java"):
        return None
    return ("the spark engine needs Java 17 or newer and none was found (set JAVA_HOME, or install a JRE, "
            "e.g. apt-get install openjdk-17-jre-headless)")


def session(master: str | None = None):
    """One SparkSession per master for the whole process (starting a JVM costs seconds)."""
    SparkSession = _pyspark()
    problem = java_problem()
    if problem:
        raise EngineError(problem)
    master = master or "local[*]"
    existing = _SESSIONS.get(master)
    if existing is not None:
        return existing
    try:
        spark = (SparkSession.builder.master(master).appName("csdl")
                 .config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false")
                 .config("spark.sql.caseSensitive", "true")
                 .config("spark.sql.session.timeZone", "UTC")
                 .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                 .config("spark.sql.shuffle.partitions", "8")
                 .config("spark.driver.memory", os.environ.get("CSDL_SPARK_DRIVER_MEMORY", "2g"))
                 .config("spark.driver.extraJavaOptions", "-Dlog4j2.level=ERROR " + _JIT_HUGE_METHODS)
                 .config("spark.executor.extraJavaOptions", _JIT_HUGE_METHODS)
                 .getOrCreate())
    except Exception as exc:  # noqa: BLE001 - py4j and JVM start-up errors have many classes
        raise EngineError(f"cannot start Spark ({master}): {_first_line(exc)}") from None
    spark.sparkContext.setLogLevel("ERROR")
    _SESSIONS[master] = spark
    return spark


def _first_line(exc) -> str:
    text = str(exc).strip()
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("at ", "Traceback", "File ")):
            return line[:300]
    return type(exc).__name__


_LOWER: dict = {}


def lower_exceptions(spark) -> str:
    """Characters whose lower case differs between Python and Spark's lower(), asked of Spark once."""
    if "x" in _LOWER:
        return _LOWER["x"]
    cased = [chr(c) for c in range(0x1F000) if not 0xD800 <= c <= 0xDFFF and (chr(c).lower() != chr(c) or chr(c).upper() != chr(c))]
    joined = " ".join(cased)
    row = spark.createDataFrame([(joined,)], "s string").selectExpr("lower(s) AS l").collect()[0]
    engine = row["l"].split(" ")
    out = {"\u03a3"}
    if len(engine) != len(cased):
        out.update(cased)
    else:
        out.update(c for c, low in zip(cased, engine, strict=True) if c.lower() != low)
    _LOWER["x"] = "".join(sorted(out))
    return _LOWER["x"]


def lower_unfixable(spark, exceptions: str) -> str:
    """The characters of ``exceptions`` whose Python lower case Spark's ``lower()`` would change
    again (so replacing them by it before ``lower()`` is not exact; csdl.engines.sql)."""
    key = ("unfixable", exceptions)
    if key in _LOWER:
        return _LOWER[key]
    candidates = [c for c in exceptions if c != "\u03a3"]
    out = ""
    if candidates:
        lowered = [c.lower() for c in candidates]
        row = spark.createDataFrame([("\x00".join(lowered),)], "s string").selectExpr("lower(s) AS l").collect()[0]
        engine = row["l"].split("\x00")
        if len(engine) != len(lowered):
            out = "".join(candidates)
        else:
            out = "".join(c for c, low, eng in zip(candidates, lowered, engine, strict=True) if low != eng)
    _LOWER[key] = out
    return out


# --- the UDFs -------------------------------------------------------------------------------------


def _condition_udf(condition):
    """A pandas (Arrow) UDF: JSON text {"key": value} -> our matcher's verdict on the condition,
    for a batch of rows at a time (its regular expressions are RE2's, csdl.evaluate.text)."""
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("boolean")
    def decide(texts):
        import pandas as pd

        from csdl.evaluate.conditions import build
        from csdl.evaluate.posts import codec

        test = build(condition)
        loads = codec()[0]
        out = []
        for text in texts:
            if text is None:
                out.append(False)
                continue
            post = loads(text.encode("utf-8", "surrogatepass"))
            out.append(bool(test(post, {})) if post.__class__ is dict else False)
        return pd.Series(out, dtype=bool)

    return decide


# --- running --------------------------------------------------------------------------------------


class Prepared:
    def __init__(self, plan, sql: str | None, lines=None):
        self.plan = plan
        self.sql = sql
        self.lines = lines  # JSON Lines: the frame of lines (spark_results.block_lines numbers them)


def run(filter_ast, data: Data, sink, *, library=None, master: str | None = None, spark=None, want_posts: bool = True):
    """Run over ``data``; returns (Result, Prepared). One Spark job: the executors run the filter
    and count the posts that did not match (spark_results); the driver receives the rows it must
    look at one by one: matching posts, bad lines, posts our matcher decides, odd timestamps."""
    spark = spark or session(master)
    started = time.perf_counter()
    if data.kind == PARQUET:
        frame, prepared = _parquet(spark, filter_ast, data, library, want_posts)
    else:
        frame, prepared = _jsonl(spark, filter_ast, data, library, want_posts)
    from csdl.evaluate.matcher import compile_matcher

    from .spark_results import block_lines, deliver, gather

    collector = Collector(prepared.plan, data.files, sink, nulls_are_absent=data.kind == PARQUET,
                          fallback=compile_matcher(filter_ast, library=library))
    try:
        with _inlined_projections(spark):
            table, totals = gather(frame)
        blocks = block_lines(prepared.lines) if prepared.lines is not None and table.num_rows else None
    except Exception as exc:  # noqa: BLE001 - Spark's errors arrive as py4j/pyspark exceptions
        raise EngineError(f"{data.spec}: {_first_line(exc)}") from None
    deliver(table, totals, collector, blocks)
    cores = spark.sparkContext.defaultParallelism
    return collector.finish(time.perf_counter() - started, 1, f"spark {spark.version} ({cores} cores)"), prepared


#: Spark keeps a projection apart when inlining it would evaluate an expression twice (our lower
#: case columns feed two conditions), and a projection kept apart passes whole structs through, so
#: the Parquet scan then reads every field of them: inlined, it reads only the fields the query uses.
_INLINE = "spark.sql.optimizer.collapseProjectAlwaysInline"


@contextlib.contextmanager
def _inlined_projections(spark):
    """The query optimised with adjacent projections inlined (a session's own setting restored)."""
    before = spark.conf.get(_INLINE, None)
    spark.conf.set(_INLINE, "true")
    try:
        yield
    finally:
        if before is None:
            spark.conf.unset(_INLINE)
        else:
            spark.conf.set(_INLINE, before)


def _spark_path(path: str, data: Data) -> str:
    """What Spark reads: a URL as given, a local file by its absolute path."""
    return path if data.remote else os.path.abspath(path)


def _udf_names(spark, plan) -> None:
    for udf in plan.udfs:
        spark.udf.register(udf.name, _condition_udf(udf.condition))


def _file_index(data: Data, column):
    """The index into ``data.files`` of the file Spark names in ``column`` (file:/... or as given)."""
    from pyspark.sql import functions as F

    files = {_spark_path(f, data): i for i, f in enumerate(data.files)}
    index = F.create_map(*[x for path, i in files.items() for x in (F.lit("file:" + path), F.lit(i))])
    plain = F.create_map(*[x for path, i in files.items() for x in (F.lit(path), F.lit(i))])
    return F.coalesce(index[column], plain[column], F.lit(-1)).cast("int")


def _field(relation: Relation, schema: Type, path):
    """The value at ``path`` where the schema has text there, else NULL."""
    typ, value = schema, None
    for key in path:
        if typ.kind != STRUCT or key not in typ.fields:
            return exp.cast(exp.Null(), exp.DataType.build("STRING"))
        typ = typ.fields[key]
        value = relation.column(key) if value is None else exp.Dot(this=value, expression=exp.to_identifier(key, quoted=True))
    return value if typ.kind == "text" else exp.cast(exp.Null(), exp.DataType.build("STRING"))


def _compile(spark, filter_ast, relation, view, library):
    lowers = lower_exceptions(spark)
    plan = compile_query(filter_ast, relation, library=library, source=exp.to_table(view), lower_exceptions=lowers,
                         lower_unfixable=lower_unfixable(spark, lowers))
    _udf_names(spark, plan)
    return plan


def _select(plan, relation, view: str, *, where_gate, python, out, status, position) -> str:
    """The run's frame as Spark SQL (spark_results.KEYS and the Collector's columns); the
    filter decides only rows ``where_gate`` lets through (SQL reads them as our engine does)."""
    schema = relation.schema
    where = exp.Coalesce(this=exp.paren(short_circuit(plan.where.copy())), expressions=[exp.false()])
    matched = where if where_gate is None else exp.Case(ifs=[exp.If(this=where_gate, true=where)], default=exp.false())
    created = _field(relation, schema, ("interaction", "created_at"))
    source = exp.alias_(exp.to_table(view), "p", table=True)
    if plan.derived:
        source = exp.alias_(exp.Subquery(this=exp.select("*", *[exp.alias_(e.copy(), name, quoted=True) for name, e in plan.derived])
                                         .from_(source)), "p", table=True)
    inner = exp.select(
        *position, exp.alias_(status, "_status"), exp.alias_(created, "_created"),
        exp.alias_(_field(relation, schema, ("interaction", "type")), "_source"), exp.alias_(matched, "_matched"),
        exp.alias_(python, "_python"), exp.alias_(out, "_out0"),
        *[exp.alias_(exp.Case(ifs=[exp.If(this=matched.copy(), true=short_circuit(e.this.copy()))], default=exp.false()), t.column)
          for e, t in zip(plan.tag_exprs, plan.tags, strict=True)],
    ).from_(source)
    q = exp.column
    outer = exp.select(
        "_file", "_block", "_id", "_status", "_created", exp.alias_(epoch_expression(q("_created"), SPARK), "_epoch"), "_source",
        "_matched", "_python", exp.alias_(exp.Case(ifs=[exp.If(this=exp.Or(this=q("_matched"), expression=q("_python")), true=q("_out0"))]), "_out"),
        *[t.column for t in plan.tags],
    ).from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("r"))))
    return outer.sql("spark")


def _parquet(spark, filter_ast, data: Data, library, want_posts: bool = True):
    from pyspark.sql import functions as F

    from .parquet_query import present
    from .wrong_types import suspect_targets

    try:
        frame = spark.read.parquet(*[_spark_path(f, data) for f in data.files])
        if len(data.files) > 1:  # columns that only some files have
            frame = spark.read.option("mergeSchema", "true").parquet(*[_spark_path(f, data) for f in data.files])
        schema = from_spark(frame.schema)
    except Exception as exc:  # noqa: BLE001
        raise EngineError(f"{data.spec}: cannot read it as Parquet: {_first_line(exc)}") from None
    frame = frame.select("*", _file_index(data, F.col("_metadata.file_path")).alias("__file"),
                         F.col("_metadata.row_index").alias("__rowix"))
    view = f"csdl_posts_{id(frame)}"
    frame.createOrReplaceTempView(view)
    relation = Relation(schema, SPARK)
    plan = _compile(spark, filter_ast, relation, view, library)
    # a row with a value a condition may call wrong-typed: our matcher decides and reports it (R201)
    checks = [c for c in (present(relation, tuple(t.split("."))) for t in suspect_targets(filter_ast, library, schema)) if c is not None]
    python = _any_of(checks) if checks else exp.false()
    row = exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier(k, quoted=True), expression=relation.column(k))
                                  for k in schema.fields])
    if want_posts:
        out = exp.func("to_json", row, dialect="spark")
    elif checks:
        out = exp.Case(ifs=[exp.If(this=python.copy(), true=exp.func("to_json", row, dialect="spark"))])
    else:  # no post is written: no reference to the whole row, or Spark would read every column
        # (nested schema pruning runs before constant folding would drop a never-taken branch)
        out = exp.cast(exp.Null(), exp.DataType.build("STRING"))
    position = [exp.alias_(exp.column("__file", table="p"), "_file"), exp.alias_(exp.Literal.number(0), "_block"),
                exp.alias_(exp.Add(this=exp.column("__rowix", table="p"), expression=exp.Literal.number(1)), "_id")]
    gate = exp.Not(this=exp.paren(python.copy())) if checks else None
    sql = _select(plan, relation, view, where_gate=gate, python=python, out=out, status=exp.Literal.number(3), position=position)
    try:
        return spark.sql(sql), Prepared(plan, sql)
    except Exception as exc:  # noqa: BLE001
        raise EngineError(f"{data.spec}: {_first_line(exc)}") from None


def _any_of(parts):
    out = parts[0]
    for p in parts[1:]:
        out = exp.Or(this=out, expression=p)
    return exp.paren(out)


class SampledRelation(Relation):
    """JSON Lines columns typed from a sample: a field the sample lacks is absent in SQL, and a
    post that has it goes to our matcher (spark_jsonl)."""

    absent_reason = "not in the sampled posts: false in SQL; a post that has it goes to the Python engine"


def _jsonl(spark, filter_ast, data: Data, library, want_posts: bool = True):
    from pyspark.sql import functions as F

    from csdl.library import resolve

    from .duckdb import STATS_TARGETS
    from .schema import used_paths
    from .spark_jsonl import NOT_JSON, POST, parse_schema, parsed_lines
    from .wrong_types import suspect_targets

    targets = list(resolve(filter_ast, library).require().targets())
    every = targets + [t for t in STATS_TARGETS if t not in targets]
    schema = used_paths(_sample_schema(spark, data, every), every)
    try:
        lines = spark.read.text([_spark_path(f, data) for f in data.files]).select(
            F.col("value").alias("__line"), _file_index(data, F.col("_metadata.file_path")).alias("__file"),
            F.col("_metadata.file_block_start").alias("__block"), F.monotonically_increasing_id().alias("__id"))
    except Exception as exc:  # noqa: BLE001
        raise EngineError(f"{data.spec}: cannot read the posts: {_first_line(exc)}") from None
    frame = parsed_lines(lines, parse_schema(schema, every))
    view = f"csdl_lines_{id(frame)}"
    frame.createOrReplaceTempView(view)
    relation = SampledRelation(schema, SPARK)
    plan = _compile(spark, filter_ast, relation, view, library)
    p = "p"
    doubt = exp.column("__doubt", table=p)
    suspects = [c for c in (_present_json(relation, t) for t in suspect_targets(filter_ast, library, schema)) if c is not None]
    if suspects:  # a value a condition may call wrong-typed: our matcher decides and reports it (R201)
        doubt = exp.Or(this=doubt, expression=_any_of(suspects))
    is_post = exp.EQ(this=exp.column("__status", table=p), expression=exp.Literal.number(POST))
    python = exp.And(this=is_post, expression=exp.paren(doubt))
    gate = exp.And(this=is_post.copy(), expression=exp.Not(this=exp.paren(doubt.copy())))
    bad = exp.EQ(this=exp.column("__status", table=p), expression=exp.Literal.number(NOT_JSON))
    wanted = exp.Or(this=python.copy(), expression=bad) if not want_posts else exp.true()
    out = exp.Case(ifs=[exp.If(this=wanted, true=exp.column("__line", table=p))])
    position = [exp.alias_(exp.column(c, table=p), "_" + c[2:]) for c in ("__file", "__block", "__id")]
    sql = _select(plan, relation, view, where_gate=gate, python=exp.Or(this=python, expression=bad.copy()), out=out,
                  status=exp.column("__status", table=p), position=position)
    try:
        return spark.sql(sql), Prepared(plan, sql, lines)
    except Exception as exc:  # noqa: BLE001
        raise EngineError(f"{data.spec}: {_first_line(exc)}") from None


def _present_json(relation, target: str):
    from .parquet_query import present

    return present(relation, tuple(target.split(".")))


def _sample_schema(spark, data: Data, targets) -> Type:
    """Column types from the first posts (our decoder's types), read locally or, for a URL,
    through Spark."""
    from .duckdb import SAMPLE_LINES, infer_schema

    if not data.remote:
        return infer_schema(data.files, targets)
    from csdl.evaluate.posts import codec

    from .schema import finish, merge_type, type_of

    loads = codec()[0]
    schema = Type(STRUCT, fields={})
    try:
        rows = spark.read.text(list(data.files)).limit(SAMPLE_LINES).collect()
    except Exception as exc:  # noqa: BLE001
        raise EngineError(f"{data.spec}: cannot read the posts: {_first_line(exc)}") from None
    for row in rows:
        try:
            post = loads(row[0].encode("utf-8", "surrogatepass"))
        except (ValueError, UnicodeDecodeError):
            continue
        if post.__class__ is dict:
            schema = merge_type(schema, type_of(post))
    return finish(schema)
