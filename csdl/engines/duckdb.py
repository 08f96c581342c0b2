"""Running a compiled filter on DuckDB, in this process.

JSON Lines are read as raw lines (so every line keeps its number and a matching post is written
exactly as read) and parsed once, along the filter's targets, into the column types inferred from
a sample; a post whose JSON types differ is decided by the Python engine (``jsonl_query``).
Parquet is read with its own types, the filter pushed into the scan (``parquet_query``).

The UDFs are DuckDB Python functions that run ``csdl.evaluate.conditions`` on the value.
"""

from __future__ import annotations

import os
import threading
import time

from csdl.extras import require

sqlglot = require("sqlglot", extra="duckdb", purpose="the duckdb engine")
exp = sqlglot.exp

from . import EngineError
from .inputs import PARQUET, Data, open_bytes
from .results import Collector
from .schema import STRUCT, Type, finish, from_duckdb, merge_type, type_of, used_paths
from .sql import DUCKDB, compile_query

BATCH_ROWS = 65_536
STATS_TARGETS = ("interaction.created_at", "interaction.type")
MAX_LINE_BYTES = 256 << 20


def _duckdb():
    return require("duckdb", purpose="the duckdb engine")


def connect(*, memory_limit: str | None = None, threads: int | None = None, temp_directory: str | None = None):
    duckdb = _duckdb()
    con = duckdb.connect(":memory:")
    con.execute("SET preserve_insertion_order = true")
    if memory_limit:
        try:
            con.execute("SET memory_limit = ?", [memory_limit])
        except duckdb.Error as exc:
            raise EngineError(f"--memory-limit {memory_limit}: {first_line(exc)}") from None
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if temp_directory:
        con.execute("SET temp_directory = ?", [temp_directory])
    return con


def first_line(exc) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


_LOWER_CACHE: dict[int, str] = {}


def lower_exceptions(con) -> str:
    """Characters whose lower case differs between Python's ``str.lower`` and DuckDB's
    ``lower()`` (asked of DuckDB once per process), plus Σ, which Python lowers by context."""
    cached = _LOWER_CACHE.get(0)
    if cached is not None:
        return cached
    # (no cased character lies beyond U+1F000 or among the surrogates)
    cased = [chr(c) for c in range(0x1F000) if not 0xD800 <= c <= 0xDFFF and (chr(c).lower() != chr(c) or chr(c).upper() != chr(c))]
    joined = " ".join(cased)
    engine = con.execute("SELECT lower(?)", [joined]).fetchall()[0][0].split(" ")
    out = {"\u03a3"}
    if len(engine) != len(cased):
        out.update(cased)  # cannot pair them up: be safe, send every cased character to Python
    else:
        out.update(c for c, low in zip(cased, engine, strict=True) if c.lower() != low)
    result = "".join(sorted(out))
    _LOWER_CACHE[0] = result
    return result


def lower_unfixable(con, exceptions: str) -> str:
    """The characters of ``exceptions`` whose Python lower case DuckDB's ``lower()`` would change
    again (so replacing them by it before ``lower()`` is not exact): none in DuckDB 1.x and 2.x."""
    cached = _UNFIXABLE_CACHE.get(exceptions)
    if cached is not None:
        return cached
    candidates = [c for c in exceptions if c != "\u03a3"]
    if not candidates:
        return ""
    lowered = [c.lower() for c in candidates]
    engine = con.execute("SELECT lower(?)", ["\x00".join(lowered)]).fetchall()[0][0].split("\x00")
    if len(engine) != len(lowered):
        result = "".join(candidates)
    else:
        result = "".join(c for c, low, eng in zip(candidates, lowered, engine, strict=True) if low != eng)
    _UNFIXABLE_CACHE[exceptions] = result  # (asked of DuckDB once per process, as lower_exceptions)
    return result


_UNFIXABLE_CACHE: dict[str, str] = {}


# --- relations ----------------------------------------------------------------------------------


SAMPLE_LINES = 2_000

def infer_schema(files: list[str], targets=None) -> Type:
    """Column types from the first posts (as DuckDB's read_json samples them). A value beyond
    the sample that does not fit, or a field the sample never had, is caught per row (its post
    goes to the Python engine), so the sample only decides what is fast."""
    from csdl.evaluate.posts import codec

    loads = codec()[0]
    schema = Type(STRUCT, fields={})
    seen = 0
    keys = [tuple(t.split(".")) for t in targets] if targets is not None else None
    for path in files:
        try:
            with open_bytes(path) as stream:
                for line in stream:
                    try:
                        post = loads(line)
                    except (ValueError, UnicodeDecodeError):
                        continue
                    if post.__class__ is dict:
                        schema = merge_type(schema, type_of(_only(post, keys)) if keys else type_of(post))
                        seen += 1
                        if seen >= SAMPLE_LINES:
                            return finish(schema)
        except (OSError, EOFError) as exc:
            raise EngineError(f"{path}: cannot read: {exc}") from None
    return finish(schema)


def _only(post: dict, paths) -> dict:
    """The parts of ``post`` along ``paths`` (typing a whole post costs more than reading it)."""
    out: dict = {}
    for keys in paths:
        node, here = post, out
        for i, key in enumerate(keys):
            if node.__class__ is not dict or key not in node:
                break
            value = node[key]
            if i == len(keys) - 1 or value.__class__ is not dict:
                here[key] = value
                break
            sub = here.get(key)
            if sub.__class__ is not dict:
                sub = here[key] = {}
            here, node = sub, value
    return out


def schema_from_relation(con, described) -> Type:
    rows = described.fetchall()
    fields = {}
    for name, type_text, *_ in rows:
        fields[name] = from_duckdb(con.sql(f"SELECT NULL::{type_text}").types[0])
    return Type(STRUCT, fields=fields)


def schema_of(relation) -> Type:
    """The column types of a relation, as DuckDB binds it (nothing is read)."""
    return Type(STRUCT, fields={name: from_duckdb(t) for name, t in zip(relation.columns, relation.types, strict=True)})


# --- running ------------------------------------------------------------------------------------


class Prepared:
    """What ``run`` executes: ``sql`` yields the Collector's rows (the matching posts of Parquet,
    whose counts come from ``parquet``'s other two queries; every line of JSON Lines, the query
    a file falls back to, built when first asked for: ``jsonl`` holds the queries per file)."""

    def __init__(self, plan, sql, relation, files, parquet=None):
        self.plan = plan
        self._sql = sql  # the text, or a function building it
        self.relation = relation
        self.files = files
        self.parquet = parquet
        self.jsonl = None  # JsonLinesPlan: the queries per JSON Lines file

    @property
    def sql(self) -> str:
        if callable(self._sql):
            self._sql = self._sql()
        return self._sql


def prepare(con, filter_ast, data: Data, *, library=None, want_posts: bool = True) -> Prepared:
    """The plan and the queries for running ``filter_ast`` over ``data``."""
    from csdl.library import resolve

    targets = resolve(filter_ast, library).require().targets()
    lowers = lower_exceptions(con)
    unfixable = lower_unfixable(con, lowers)
    if data.kind == PARQUET:
        return _prepare_parquet(con, filter_ast, data, library, lowers, unfixable, want_posts)
    return _prepare_jsonl(filter_ast, data, targets, library, lowers, unfixable, want_posts)


def _prepare_jsonl(filter_ast, data, targets, library, lowers, unfixable, want_posts=True) -> Prepared:
    from .wrong_types import suspect_targets

    every = list(targets) + [t for t in STATS_TARGETS if t not in targets]
    schema = used_paths(infer_schema(data.files, every), every)

    def compile_for(relation):
        return compile_query(filter_ast, relation, library=library, lower_exceptions=lowers, lower_unfixable=unfixable, word_tables=True)

    suspects = suspect_targets(filter_ast, library, schema)  # posts with a value there: the Python engine (R201)
    jsonl = JsonLinesPlan(schema, compile_for, every, suspects, want_posts)
    relation, plan = jsonl.compiled("reader")
    prepared = Prepared(plan, lambda: jsonl.lines(data.files), relation, data.files)
    prepared.jsonl = jsonl
    return prepared


class JsonLinesPlan:
    """What ``run`` needs per JSON Lines file: the fast reader query (``jsonl_fast``) and the
    line-by-line one (``jsonl_query``), each with its own compiled plan (the second compiled
    only for a file that needs it)."""

    def __init__(self, schema, compile_for, targets, suspects, want_posts):
        self.schema = schema
        self.compile_for = compile_for
        self.targets = targets
        self.suspects = suspects
        self.want_posts = want_posts
        self.cache: dict = {}

    def compiled(self, kind: str):
        """(relation, plan) of the ``reader`` or the ``lines`` query."""
        if kind not in self.cache:
            from .jsonl_fast import JsonReaderRelation
            from .jsonl_query import JsonLinesRelation

            type_paths: list[tuple[str, ...]] = [()]
            for target in self.targets:
                keys = tuple(target.split("."))
                type_paths.extend(keys[:depth] for depth in range(1, len(keys) + 1) if keys[:depth] not in type_paths)
            leaves = [tuple(t.split(".")) for t in self.targets]
            relation = (JsonReaderRelation if kind == "reader" else JsonLinesRelation)(self.schema, type_paths, leaves)
            self.cache[kind] = (relation, self.compile_for(relation))
        return self.cache[kind]

    def fast(self, path: str, index: int):
        from .jsonl_fast import FastQueries

        relation, plan = self.compiled("reader")
        return FastQueries(relation, plan, path, index, self.targets, want_posts=self.want_posts, suspects=self.suspects)

    def lines(self, files: list[str]) -> str:
        from .jsonl_query import build_query

        relation, plan = self.compiled("lines")
        return build_query(relation, plan, files, self.targets, want_posts=self.want_posts, suspects=self.suspects)


def _prepare_parquet(con, filter_ast, data, library, lowers, unfixable, want_posts=True) -> Prepared:
    from .parquet_query import ParquetRelation, build_queries, parquet_schema, read_parquet

    duckdb = _duckdb()
    try:
        schema = parquet_schema(schema_of(con.sql("SELECT * FROM " + read_parquet(data.files).sql("duckdb"))))
    except duckdb.Error as exc:
        raise EngineError(f"{data.spec}: cannot read it as Parquet: {first_line(exc)}") from None
    relation = ParquetRelation(schema, DUCKDB)
    plan = compile_query(filter_ast, relation, library=library, lower_exceptions=lowers, lower_unfixable=unfixable, word_tables=True)
    from .wrong_types import suspect_targets

    # rows with a value that may be wrong-typed: the Python engine decides and reports them (R201)
    queries = build_queries(relation, plan, data.files, want_posts=want_posts,
                            suspects=suspect_targets(filter_ast, library, schema))
    return Prepared(plan, queries.matched, relation, data.files, parquet=queries)


def register_word_tables(con, plan) -> None:
    """The keyword lists the query joins with, as Arrow tables (no copy into the query text)."""
    if not plan.word_tables:
        return
    pa = require("pyarrow", extra="duckdb", purpose="the duckdb engine")
    for name, words in plan.word_tables.items():
        con.register(name, pa.table({"word": pa.array(words, type=pa.string())}))


def register_udfs(con, plan) -> None:
    """Each UDF runs the Python matcher's closure for its condition on the decoded value."""
    from duckdb import sqltypes as T  # noqa: N812

    from csdl.evaluate.conditions import build
    from csdl.evaluate.posts import codec

    loads = codec()[0]
    for udf in plan.udfs:
        run = _udf_function(build(udf.condition), loads)

        try:
            con.remove_function(udf.name)
        except Exception:  # noqa: BLE001 - not registered yet
            pass
        con.create_function(udf.name, run, [T.VARCHAR], T.BOOLEAN, type="arrow", null_handling="special", side_effects=False)


def _udf_function(test, loads):
    def run(texts):
        pa = require("pyarrow", extra="duckdb", purpose="the duckdb engine")

        out = []
        for text in texts.to_pylist():
            if text is None:
                out.append(False)
                continue
            try:
                post = loads(text.encode("utf-8", "surrogatepass"))
            except (ValueError, UnicodeDecodeError):
                post = None  # a line only DuckDB reads: the Collector reports it as R101
            out.append(bool(test(post, {})) if post.__class__ is dict else False)
        return pa.array(out, type=pa.bool_())

    return run


def run(filter_ast, data: Data, sink, *, library=None, memory_limit=None, threads=None, con=None, want_posts: bool = True):
    """Run over ``data``; returns (Result, Prepared). Raises EngineError for data it cannot read."""
    duckdb = _duckdb()
    if getattr(data, "remote", False):
        raise EngineError(f"{data.spec}: a URL; the duckdb engine reads local files (--engine spark reads URLs)")
    shared = con is None and not memory_limit and not threads
    con = con or (thread_connection() if shared else connect(memory_limit=memory_limit, threads=threads))
    started = time.perf_counter()
    # JSON Lines: each file's bytes checked (reader_sees_lines) from now on, on the core that the
    # planning below (Python, one core) leaves idle, then beside the counting query.
    checks = ByteChecks(data.files) if data.kind != PARQUET else None
    try:
        prepared = prepare(con, filter_ast, data, library=library, want_posts=want_posts)
    except BaseException:
        if checks is not None:
            checks.close()
        raise
    registered: list = []  # the plans whose UDFs and keyword tables this run registered
    if prepared.jsonl is None:
        _register(con, prepared.plan, registered)
    from csdl.evaluate.matcher import compile_matcher

    collector = Collector(prepared.plan, data.files, sink, nulls_are_absent=data.kind == PARQUET,
                          fallback=compile_matcher(filter_ast, library=library))
    done = False
    try:
        if prepared.parquet is not None:
            _count_parquet(con, prepared.parquet, collector)
            _collect(con, prepared.sql, collector, counted=False)
        else:
            for index, path in enumerate(data.files):
                _run_jsonl_file(con, prepared.jsonl, path, index, collector, registered, checks.proofs[index])
        done = True
    except duckdb.Error as exc:
        raise EngineError(f"{data.spec}: {_describe_duckdb_error(exc, data)}") from None
    finally:
        if checks is not None:
            checks.close()
        if shared and done:
            _release(con, registered)
        elif shared:  # a failed run: the next opens a fresh connection rather than trust this one
            _THREAD.con = None
    # One process (DuckDB's threads inside it): the summary's jobs figure stays 1.
    return collector.finish(time.perf_counter() - started, 1, f"duckdb {duckdb.__version__}"), prepared


_THREAD = threading.local()


def thread_connection():
    """This thread's DuckDB connection, opened once (and again in a forked child): opening and
    closing an in-memory database costs some 25 ms of CPU, a tenth of a run over 200,000 Parquet
    posts, and a process (the server, the workbench, the tests) may run many filters. A run
    leaves nothing in it (``_release``); runs with their own settings open their own."""
    con = getattr(_THREAD, "con", None)
    if con is None or _THREAD.pid != os.getpid():
        con = _THREAD.con = connect()
        _THREAD.pid = os.getpid()
    return con


def _release(con, plans) -> None:
    """Drop what a run registered: its keyword tables and its UDFs (with their matchers)."""
    for name in {name for plan in plans for name in plan.word_tables}:
        con.unregister(name)
    for name in {udf.name for plan in plans for udf in plan.udfs}:
        try:
            con.remove_function(name)
        except Exception:  # noqa: BLE001 - never registered (the run failed before)
            pass


def _register(con, plan, registered: list) -> None:
    """The plan's UDFs and keyword tables (the same names for the same filter, whichever query);
    ``registered`` keeps the plan for ``_release``."""
    registered.append(plan)
    if plan.udfs:
        register_udfs(con, plan)
    register_word_tables(con, plan)


def _collect(con, sql: str, collector, *, counted: bool) -> None:
    for batch in con.sql(sql).to_arrow_reader(BATCH_ROWS):
        collector.add_batch(_renumber(batch, collector), counted=counted)


class ByteChecks:
    """``reader_sees_lines`` of each JSON Lines file, one file after another on a thread of
    their own (the search releases the GIL while it scans)."""

    def __init__(self, files: list[str]):
        from concurrent.futures import ThreadPoolExecutor

        from .jsonl_fast import reader_sees_lines

        self.pool = ThreadPoolExecutor(1, thread_name_prefix="csdl-jsonl-check")
        self.proofs = [self.pool.submit(reader_sees_lines, path) for path in files]

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _run_jsonl_file(con, plan: JsonLinesPlan, path: str, index: int, collector, registered: list, proof) -> None:
    """The fast reader query when it sees the file as our decoder does (``proof``, the future
    of its byte check), else line by line. A check that fails while DuckDB runs the counts
    interrupts the query."""
    queries = plan.fast(path, index)
    _register(con, queries.plan, registered)  # (again after a file read line by line: the same UDF names)
    groups = None
    if not proof.done() or proof.result():
        proof.add_done_callback(lambda done: done.result() or con.interrupt())
        try:
            cursor = con.execute(queries.totals)
            names = [d[0] for d in cursor.description]
            groups = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        except _duckdb().Error:
            groups = None  # interrupted, or something the reader refuses (a line not of the schema's shape…)
    if proof.result() and groups is not None:
        _collect_fast(con, queries, groups, collector, want_posts=plan.want_posts)
    else:
        # The fast reader proved the file has neither (no carriage return, UTF-8 throughout);
        # the line reader is asked only for a file the fast one could not read.
        reason = _line_reader_problem(_duckdb(), path)
        if reason:
            raise LinesNeedPython(reason)
        _register(con, plan.compiled("lines")[1], registered)
        _collect(con, plan.lines([path]), collector, counted=True)


def _collect_fast(con, queries, groups, collector, *, want_posts: bool) -> None:
    """Totals from the grouped counts; the untimed posts and the rows Python must see after."""
    firsts = [g["_first"] for g in groups if g["_first"] is not None]
    lasts = [g["_last"] for g in groups if g["_last"] is not None]
    collector.add_totals(sum(g["_posts"] for g in groups), sum(g["_timed"] for g in groups),
                         min(firsts) if firsts else None, max(lasts) if lasts else None)
    if any(g["_untimed"] for g in groups):
        for batch in con.sql(queries.untimed()).to_arrow_reader(BATCH_ROWS):
            collector.add_untimed(batch)
    if not want_posts:
        collector.add_matched_groups([g for g in groups if g["_matched"] and not g["_special"]])
    if want_posts or any(g["_special"] for g in groups):
        from .jsonl_fast import LinesByNumber

        lines = LinesByNumber(queries.path, queries.index)
        try:
            for batch in con.sql(queries.rows()).to_arrow_reader(BATCH_ROWS):
                collector.add_batch(lines.attach(batch), counted=False)
        finally:
            lines.close()


def _count_parquet(con, queries, collector) -> None:
    """Posts read and their time span, from ``interaction.created_at`` alone."""
    posts, timed, first, last = con.execute(queries.stats).fetchall()[0]
    collector.add_totals(posts, timed, first, last)
    if timed < posts:
        for batch in con.sql(queries.untimed).to_arrow_reader(BATCH_ROWS):
            collector.add_untimed(_renumber(batch, collector))


def _renumber(batch, collector):
    """The file of each row as an index into the file list; for JSON Lines the line number in
    its file from the line's ordinal among all lines (DuckDB returns every line, in input order)."""
    pa = require("pyarrow", extra="duckdb", purpose="the duckdb engine")
    pc = require("pyarrow.compute", extra="duckdb", purpose="the duckdb engine")

    if batch.num_rows == 0:
        return batch.rename_columns(["_n" if n == "_row" else n for n in batch.schema.names])
    names = collector.__dict__.setdefault("_names", pa.array(collector.files, type=pa.string()))
    index = pc.index_in(batch.column("_file").cast(pa.string()), value_set=names).fill_null(-1)
    batch = batch.set_column(batch.schema.get_field_index("_file"), "_file", index)
    if "_row" in batch.schema.names:
        ordinals = batch.column("_row")
        starts = collector.__dict__.setdefault("_starts", {})  # file index -> ordinal of its first line
        for f in pc.unique(index).to_pylist():
            if f not in starts:
                starts[f] = pc.min(pc.filter(ordinals, pc.equal(index, f))).as_py()
        base = pc.take(pa.array([starts.get(i, 1) for i in range(max(starts) + 1)], type=pa.int64()), index)
        batch = batch.set_column(batch.schema.get_field_index("_row"), "_n", pc.add(pc.subtract(ordinals, base), 1))
    return batch


def _describe_duckdb_error(exc, data: Data) -> str:
    message = first_line(exc)
    if data.kind == PARQUET:
        return f"cannot read it as Parquet: {message}"
    return f"cannot read the posts: {message}"


class LinesNeedPython(EngineError):
    """A JSON Lines file that DuckDB's line reader would not number as our decoder does (the
    message says why): the Python engine must read it."""


def check_lines(data: Data) -> str | None:
    """Why DuckDB's line reader would not see this JSON Lines data line by line as Python
    does (a carriage return, which it takes for a line end; bytes that are not UTF-8), or None."""
    if getattr(data, "remote", False):
        return None  # a URL Spark reads: not ours to open
    try:
        import duckdb
    except ImportError:  # the spark extra alone: Python decodes
        duckdb = None
    for path in data.files:
        reason = _line_reader_problem(duckdb, path)
        if reason:
            return reason
    return None


def _line_reader_problem(duckdb, path: str) -> str | None:
    """Python only looks for carriage returns (a memchr per chunk); DuckDB's CSV reader, which
    refuses what Python's decoder refuses, checks the UTF-8 several times faster than decoding."""
    reason = _carriage_returns(path, decode=duckdb is None)
    if reason is None and duckdb is not None and not _utf8_in_duckdb(duckdb, path):
        reason = f"{path} holds bytes that are not UTF-8"
    return reason


def _carriage_returns(path: str, *, decode: bool) -> str | None:
    import codecs

    try:
        with open_bytes(path) as stream:
            decoder = codecs.getincrementaldecoder("utf-8")() if decode else None
            while True:
                chunk = stream.read(8 << 20)
                if not chunk:
                    if decoder is not None:
                        decoder.decode(b"", final=True)
                    return None
                if b"\r" in chunk:
                    return f"{path} holds carriage returns"
                if decoder is not None:
                    decoder.decode(chunk)
    except UnicodeDecodeError:
        return f"{path} holds bytes that are not UTF-8"
    except (OSError, EOFError) as exc:
        raise EngineError(f"{path}: cannot read: {exc}") from None


def _utf8_in_duckdb(duckdb, path: str) -> bool:
    """False when DuckDB's line reader finds bytes that are not UTF-8 (its other errors are the
    run's to report)."""
    from .jsonl_query import read_lines

    query = exp.select("count(*)").from_(exp.Subquery(this=read_lines([path]), alias=exp.TableAlias(this=exp.to_identifier("l"))))
    try:
        duckdb.connect(":memory:").execute(query.sql("duckdb")).fetchall()
    except duckdb.Error as exc:
        return "unicode" not in str(exc).lower() and "utf-8" not in str(exc).lower()
    return True


def write_parquet(jsonl_path: str, parquet_path: str) -> None:
    """Matching posts (JSON Lines) to a Parquet file, with the types DuckDB infers from them."""
    duckdb = _duckdb()
    con = connect()
    if os.path.getsize(jsonl_path) == 0:
        query = "COPY (SELECT NULL::JSON AS post WHERE false) TO $out (FORMAT parquet)"
        params = {"out": parquet_path}
    else:
        query = "COPY (SELECT * FROM read_json($src, format = 'newline_delimited', union_by_name = true)) TO $out (FORMAT parquet)"
        params = {"src": jsonl_path, "out": parquet_path}
    try:
        con.execute(query, params)
    except duckdb.Error as exc:
        raise EngineError(f"{parquet_path}: cannot write Parquet: {first_line(exc)}") from None
