"""Running a compiled filter on Apache Spark (``local[N]`` or a cluster's ``--master URL``).

Parquet is read with its own types and the filter runs as the SQL query ``csdl sql --dialect
spark`` prints, with pandas (Arrow) UDFs on our matcher for the conditions SQL cannot state
exactly. JSON Lines are read as lines with their numbers (``zipWithIndex``), and the whole filter
runs in our matcher inside a pandas UDF on the executors: Spark's JSON functions cannot tell the
string "2" from the number 2, or say where an array stands, so no SQL over them would be exact.

Spark needs Java (17 or newer) and the ``[spark]`` extra; both are checked before a JVM starts.
"""

from __future__ import annotations

import os
import shutil
import time

from csdl.extras import require

exp = require("sqlglot", extra="spark", purpose="the spark engine").exp

from . import EngineError
from .inputs import PARQUET, Data
from .results import Collector
from .schema import STRUCT, Type, from_spark
from .sql import SPARK, UDF, Relation, compile_query, epoch_expression

_SESSIONS: dict = {}


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
                 .config("spark.driver.extraJavaOptions", "-Dlog4j2.level=ERROR")
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
    """A pandas UDF: JSON text {"key": value} -> our matcher's verdict on the condition."""
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


def _line_udf(filter_text: str, library_dir: str | None):
    """A pandas UDF: a JSON Lines line -> struct(status, matched, created, source, tags)."""
    from pyspark.sql.functions import pandas_udf

    schema = "status int, matched boolean, created string, source string, tags array<boolean>, issue string"

    @pandas_udf(schema)
    def evaluate(lines):
        import pandas as pd

        from csdl.evaluate.matcher import compile_matcher
        from csdl.evaluate.posts import BOM, codec
        from csdl.language.parser import parse

        matcher = compile_matcher(parse(filter_text), library=library_dir)
        main, rules = matcher.main, matcher.tag_plan.rules
        loads = codec()[0]
        from csdl.evaluate.conditions import ISSUES
        from csdl.evaluate.runner import wrong_types

        statuses, matched, created, sources, tags, issues = [], [], [], [], [], []
        for line in lines:
            raw = line.encode("utf-8", "surrogatepass") if line is not None else b""
            if raw.startswith(BOM):
                raw = raw[3:]
            if not raw.strip():
                statuses.append(0), matched.append(False), created.append(None), sources.append(None), tags.append(None)
                issues.append(None)
                continue
            try:
                post = loads(raw)
            except (ValueError, UnicodeDecodeError):
                statuses.append(1), matched.append(False), created.append(None), sources.append(None), tags.append(None)
                issues.append(None)
                continue
            if post.__class__ is not dict:
                statuses.append(2), matched.append(False), created.append(None), sources.append(None), tags.append(None)
                issues.append(None)
                continue
            memo: dict = {}
            hit = bool(main(post, memo))
            interaction = post.get("interaction")
            stamp = interaction.get("created_at") if interaction.__class__ is dict else None
            source = interaction.get("type") if interaction.__class__ is dict else None
            statuses.append(3)
            matched.append(hit)
            created.append(stamp if stamp.__class__ is str else None)
            sources.append(source if source.__class__ is str else None)
            tags.append([bool(fn(post, memo)) for _, _, _, fn in rules] if hit else [False] * len(rules))
            # the wrong-typed values met (R201), worded as the Python engine words them
            issues.append(wrong_types(0, memo[ISSUES]).message if ISSUES in memo else None)
        return pd.DataFrame({"status": statuses, "matched": matched, "created": created, "source": sources, "tags": tags,
                             "issue": issues})

    return evaluate


# --- running --------------------------------------------------------------------------------------


class Prepared:
    def __init__(self, plan, sql: str | None):
        self.plan = plan
        self.sql = sql


def run(filter_ast, data: Data, sink, *, library=None, master: str | None = None, spark=None, want_posts: bool = True):
    """Run over ``data``; returns (Result, Prepared). The bulk of the posts (read, not matched,
    timestamp read in SQL) is only counted on the executors; the driver receives the rows it
    must look at one by one: matching posts, bad lines, timestamps of another shape."""
    spark = spark or session(master)
    started = time.perf_counter()
    if data.kind == PARQUET:
        frame, prepared = _parquet(spark, filter_ast, data, library)
    else:
        frame, prepared = _jsonl(spark, filter_ast, data, library)
    from csdl.evaluate.matcher import compile_matcher

    collector = Collector(prepared.plan, data.files, sink, nulls_are_absent=data.kind == PARQUET,
                          fallback=compile_matcher(filter_ast, library=library))
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    if not want_posts:
        frame = frame.withColumn("_out", F.when(F.col("_status").isin(1, 2), F.col("_out")))
    bulk = (F.col("_status") == 3) & ~F.col("_matched") & F.col("_epoch").isNotNull()
    if "_issue" in frame.columns:  # a post that met wrong-typed values is reported (R201) by the driver
        bulk = bulk & F.col("_issue").isNull()
    frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        counts = frame.where(bulk).agg(F.count(F.lit(1)).alias("n"), F.min("_epoch").alias("lo"), F.max("_epoch").alias("hi")).collect()[0]
        table = frame.where(~bulk).toArrow()
    except Exception as exc:  # noqa: BLE001 - Spark's errors arrive as py4j/pyspark exceptions
        raise EngineError(f"{data.spec}: {_first_line(exc)}") from None
    finally:
        frame.unpersist()
    collector.add_totals(counts["n"], counts["n"], counts["lo"], counts["hi"])  # every bulk post has its timestamp (_epoch)
    import pyarrow.compute as pc

    if table.num_rows:
        order = pc.sort_indices(table, sort_keys=[("_file", "ascending"), ("_n", "ascending")])
        table = table.take(order)
        for batch in table.to_batches(max_chunksize=65_536):
            collector.add_batch(batch)
    cores = spark.sparkContext.defaultParallelism
    return collector.finish(time.perf_counter() - started, 1, f"spark {spark.version} ({cores} cores)"), prepared


def _spark_path(path: str, data: Data) -> str:
    """What Spark reads: a URL as given, a local file by its absolute path."""
    return path if data.remote else os.path.abspath(path)


def _udf_names(spark, plan) -> None:
    for udf in plan.udfs:
        spark.udf.register(udf.name, _condition_udf(udf.condition))


def _parquet(spark, filter_ast, data: Data, library):
    from pyspark.sql import functions as F

    try:
        frame = spark.read.option("mergeSchema", "true").parquet(*data.files)
        schema = from_spark(frame.schema)
    except Exception as exc:  # noqa: BLE001
        raise EngineError(f"{data.spec}: cannot read it as Parquet: {_first_line(exc)}") from None
    files = {_spark_path(f, data): i for i, f in enumerate(data.files)}
    frame = frame.select("*", F.col("_metadata.file_path").alias("_fname"), F.col("_metadata.row_index").alias("_rowix"))
    view = f"csdl_posts_{id(frame)}"
    frame.createOrReplaceTempView(view)
    relation = Relation(schema, SPARK)
    lowers = lower_exceptions(spark)
    plan = compile_query(filter_ast, relation, library=library, source=exp.to_table(view), lower_exceptions=lowers,
                         lower_unfixable=lower_unfixable(spark, lowers))
    _udf_names(spark, plan)

    def field(path):
        typ, value = schema, None
        for key in path:
            if typ.kind != STRUCT or key not in typ.fields:
                return exp.Null()
            typ = typ.fields[key]
            value = relation.column(key) if value is None else exp.Dot(this=value, expression=exp.to_identifier(key, quoted=True))
        return value if typ.kind == "text" else exp.Null()

    columns = [k for k in schema.fields]
    row = exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier(k, quoted=True), expression=relation.column(k)) for k in columns])
    matched = exp.Coalesce(this=exp.paren(plan.where.copy()), expressions=[exp.false()])
    created = field(("interaction", "created_at"))
    select = exp.select(
        exp.alias_(exp.column("_fname", table="p"), "_fname"), exp.alias_(exp.Add(this=exp.column("_rowix", table="p"), expression=exp.Literal.number(1)), "_n"),
        exp.alias_(exp.Literal.number(3), "_status"), exp.alias_(created, "_created"), exp.alias_(epoch_expression(created.copy(), SPARK), "_epoch"),
        exp.alias_(field(("interaction", "type")), "_source"), exp.alias_(matched, "_matched"),
        exp.alias_(exp.Case(ifs=[exp.If(this=matched.copy(), true=exp.func("to_json", row, dialect="spark"))]), "_out"),
        *[exp.alias_(exp.Case(ifs=[exp.If(this=matched.copy(), true=e.this.copy())], default=exp.false()), t.column) for e, t in zip(plan.tag_exprs, plan.tags, strict=True)],
    ).from_(exp.alias_(exp.to_table(view), "p", table=True) if not plan.derived else
            exp.alias_(exp.Subquery(this=exp.select("*", *[exp.alias_(e.copy(), name, quoted=True) for name, e in plan.derived]).from_(
                exp.alias_(exp.to_table(view), "p", table=True))), "p", table=True))
    sql = select.sql("spark")
    try:
        result = spark.sql(sql)
    except Exception as exc:  # noqa: BLE001
        raise EngineError(f"{data.spec}: {_first_line(exc)}") from None
    index = F.create_map(*[x for path, i in files.items() for x in (F.lit("file:" + path), F.lit(i))])
    plain = F.create_map(*[x for path, i in files.items() for x in (F.lit(path), F.lit(i))])
    result = result.withColumn("_file", F.coalesce(index[F.col("_fname")], plain[F.col("_fname")], F.lit(-1))).drop("_fname")
    return result, Prepared(plan, sql)


def _jsonl(spark, filter_ast, data: Data, library):
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    empty = Relation(Type(STRUCT, fields={}), SPARK)
    plan = compile_query(filter_ast, empty, library=library)
    for decision in plan.decisions:
        decision.mode = UDF
        decision.reason = "JSON Lines on Spark: the whole filter runs in our matcher on the executors"
    plan.udfs = []
    sc = spark.sparkContext
    frames = None
    for i, path in enumerate(data.files):
        rdd = sc.textFile(_spark_path(path, data)).zipWithIndex().map(lambda pair, i=i: (i, pair[1] + 1, pair[0]))
        frame = spark.createDataFrame(rdd, T.StructType([T.StructField("_file", T.IntegerType()), T.StructField("_n", T.LongType()),
                                                          T.StructField("_line", T.StringType())]))
        frames = frame if frames is None else frames.unionByName(frame)
    from csdl.library import resolve

    # the referenced filters travel to the executors as text: no library directory needed there
    library_dir = resolve(filter_ast, library).require().texts()
    evaluate = _line_udf(filter_ast.source, library_dir)
    verdict = evaluate(F.col("_line"))
    out = frames.select("_file", "_n", "_line", verdict.alias("v"))
    columns = [F.col("_file"), F.col("_n"), F.col("v.status").alias("_status"), F.col("v.created").alias("_created"),
               F.expr(epoch_expression(exp.column("created", table="v"), SPARK).sql("spark")).alias("_epoch"), F.col("v.source").alias("_source"),
               F.col("v.matched").alias("_matched"), F.col("v.issue").alias("_issue"),
               F.when(F.col("v.matched") | F.col("v.status").isin(1, 2), F.col("_line")).alias("_out")]
    columns += [F.col("v.tags")[i].alias(t.column) for i, t in enumerate(plan.tags)]
    return out.select(*columns), Prepared(plan, None)
