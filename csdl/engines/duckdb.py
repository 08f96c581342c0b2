"""Running a compiled filter on DuckDB, in this process.

JSON Lines are read by DuckDB as raw lines (so every line keeps its number and a matching post
is written exactly as read); each line is classified (blank, not JSON, not an object, a post),
and the posts are parsed once with ``from_json`` into the column types DuckDB infers from the
data. A row whose JSON types along a target differ from the inferred ones (``json_type``) is
decided by our matcher for that condition. Parquet is read with its own types.

The UDFs are DuckDB Python functions that run ``csdl.evaluate.conditions`` on the value.
"""

from __future__ import annotations

import json
import os
import time

from csdl.extras import require

sqlglot = require("sqlglot", extra="duckdb", purpose="the duckdb engine")
exp = sqlglot.exp

from . import EngineError
from .inputs import JSONL, PARQUET, Data
from .results import Collector
from .schema import BOOL, FLOAT, INT, LIST, STRUCT, TEXT, Type, duckdb_structure, finish, from_duckdb, merge_type, type_of, used_paths
from .sql import DUCKDB, Relation, compile_query, epoch_expression

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
            raise EngineError(f"--memory-limit {memory_limit}: {_first_line(exc)}") from None
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if temp_directory:
        con.execute("SET temp_directory = ?", [temp_directory])
    return con


def _first_line(exc) -> str:
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
        out.update(c for c, low in zip(cased, engine) if c.lower() != low)
    result = "".join(sorted(out))
    _LOWER_CACHE[0] = result
    return result


# --- relations ----------------------------------------------------------------------------------


class JsonLinesRelation(Relation):
    """Posts as raw lines ``_line``. ``_types`` is json_type of the root and of every path the
    filter reads (one parse); ``_vals`` the JSON text at each target (one more parse), which
    ``from_json`` turns into the inferred type: small values, cheap to convert."""

    def __init__(self, schema: Type, type_paths: list[tuple[str, ...]], leaf_paths: list[tuple[str, ...]]):
        super().__init__(schema, DUCKDB)
        self.paths = type_paths
        self.index = {p: i for i, p in enumerate(type_paths)}
        self.leaves = {p: i for i, p in enumerate(leaf_paths)}

    def column(self, key: str) -> exp.Expression:
        raise AssertionError("JSON Lines values are read by leaf()")

    def leaf(self, keys, typ):
        raw = exp.Bracket(this=exp.column("_vals", table=self.alias, quoted=True), expressions=[exp.Literal.number(self.leaves[keys])])
        return exp.Anonymous(this="from_json", expressions=[raw, exp.Literal.string(json.dumps(duckdb_structure(typ)))])

    def guard(self, path):
        parts = []
        typ = self.schema
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if typ.kind != STRUCT or prefix[-1] not in typ.fields:
                break
            typ = typ.fields[prefix[-1]]
            i = self.index.get(prefix)
            if i is None:
                continue
            t = exp.Bracket(this=exp.column("_types", table=self.alias, quoted=True), expressions=[exp.Literal.number(i)])
            allowed = _allowed(typ)
            if allowed == "not-array" and depth == len(path):
                allowed = {"OBJECT"}  # the target itself: a text or number there is a value, not absent
            if allowed is None:
                continue
            if allowed == "not-array":
                parts.append(exp.Coalesce(this=exp.NEQ(this=t, expression=exp.Literal.string("ARRAY")), expressions=[exp.true()]))
            else:
                parts.append(exp.Coalesce(this=exp.In(this=t, expressions=[exp.Literal.string(a) for a in sorted(allowed | {"NULL"})]),
                                          expressions=[exp.true()]))
            if typ.kind == LIST:
                # the elements too: json_type of each element must fit the element type
                elem_allowed = _allowed(typ.element)
                if elem_allowed and elem_allowed != "not-array":
                    path_text = _json_path(prefix) + "[*]"
                    elems = exp.Anonymous(this="json_type", expressions=[exp.column("_line", table=self.alias, quoted=True), exp.Literal.string(path_text)])
                    var = exp.column("e")
                    ok = exp.In(this=var, expressions=[exp.Literal.string(a) for a in sorted(elem_allowed | {"NULL"})])
                    bad = exp.ArrayFilter(this=elems, expression=exp.Lambda(this=exp.Not(this=exp.Coalesce(this=ok, expressions=[exp.true()])), expressions=[exp.to_identifier("e")]))
                    parts.append(exp.Coalesce(this=exp.EQ(this=exp.ArraySize(this=bad), expression=exp.Literal.number(0)), expressions=[exp.true()]))
        if not parts:
            return None
        out = parts[0]
        for p in parts[1:]:
            out = exp.And(this=out, expression=p)
        return out

    def udf_arg(self, key: str) -> exp.Expression:
        return exp.column("_line", table=self.alias, quoted=True)

    def presence(self, path):
        parts = []
        for depth in range(1, len(path) + 1):
            t = exp.Bracket(this=exp.column("_types", table=self.alias, quoted=True), expressions=[exp.Literal.number(self.index[path[:depth]])])
            if depth < len(path):
                parts.append(exp.EQ(this=t, expression=exp.Literal.string("ARRAY")))
            else:
                parts.append(exp.NEQ(this=t, expression=exp.Literal.string("NULL")))
        out = parts[0]
        for p in parts[1:]:
            out = exp.Or(this=out, expression=p)
        return exp.Coalesce(this=exp.paren(out), expressions=[exp.false()])


def _allowed(typ: Type):
    """The json_type names a value of ``typ`` may have for from_json to read it as we do."""
    if typ.kind == STRUCT:
        return "not-array"  # an object; a scalar there is absent both ways
    if typ.kind == LIST:
        return {"ARRAY"}
    return {TEXT: {"VARCHAR"}, INT: {"BIGINT", "UBIGINT"}, FLOAT: {"DOUBLE", "BIGINT", "UBIGINT"}, BOOL: {"BOOLEAN"}}.get(typ.kind)


def _json_path(keys) -> str:
    return "$" + "".join("." + json.dumps(k) if not k.isidentifier() else "." + k for k in keys)


def _read_lines(files: list[str]) -> exp.Expression:
    template = sqlglot.parse_one(
        "SELECT line AS _line, filename AS _fname, NULL::BIGINT AS _row FROM read_csv(:files, columns = {'line': 'VARCHAR'}, "
        "delim = :delim, quote = '', escape = '', header = false, auto_detect = false, strict_mode = false, "
        "filename = true, max_line_size = :maxline, compression = 'auto')",
        read="duckdb",
    )
    return exp.replace_placeholders(template, files=exp.Array(expressions=[exp.Literal.string(f) for f in files]),
                                    delim=exp.Literal.string("\x01"), maxline=exp.Literal.number(MAX_LINE_BYTES))


SAMPLE_LINES = 2_000
# JSON that DuckDB reads and the standard does not: NaN/Infinity values, a comma before } or ].
# The substring tests first: a regular expression over every whole line costs ten times more.
LENIENT_JSON = (r"regexp_matches(:line, ',[ \t\n\r]*[}\]]') OR CASE WHEN contains(lower(:line), 'nan') OR "
                r"contains(lower(:line), 'inf') THEN regexp_matches(lower(:line), '[:\[,][ \t\n\r]*-?(?:nan|inf)') ELSE false END")


def _infer_schema(con, files: list[str], targets=None) -> Type:
    """Column types from the first posts (as DuckDB's read_json samples them). A value beyond
    the sample that does not fit, or a field the sample never had, is caught per row by the
    guards (json_type) and decided by our matcher, so the sample only decides what is fast."""
    import gzip

    from csdl.evaluate.posts import codec

    loads = codec()[0]
    schema = Type(STRUCT, fields={})
    seen = 0
    keys = [tuple(t.split(".")) for t in targets] if targets is not None else None
    for path in files:
        try:
            with open(path, "rb") as raw:
                stream = gzip.GzipFile(fileobj=raw) if raw.read(2) == b"\x1f\x8b" else raw
                raw.seek(0)
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


def _schema_from_relation(con, described) -> Type:
    rows = described.fetchall()
    fields = {}
    for name, type_text, *_ in rows:
        fields[name] = from_duckdb(con.sql(f"SELECT NULL::{type_text}").types[0])
    return Type(STRUCT, fields=fields)


def _targets(filter_ast, library) -> list[str]:
    """Every target the filter reads, through referenced streams and imported tags."""
    from csdl.library import resolve

    out: list[str] = []
    for tree in resolve(filter_ast, library).require().trees():
        for node in tree.conditions():
            if node.kind == "condition" and node.target not in out:
                out.append(node.target)
    return out


# --- running ------------------------------------------------------------------------------------


class Prepared:
    def __init__(self, plan, sql: str, relation, files):
        self.plan = plan
        self.sql = sql
        self.relation = relation
        self.files = files


def prepare(con, filter_ast, data: Data, *, library=None, want_posts: bool = True) -> Prepared:
    """The plan and the full query for running ``filter_ast`` over ``data``."""
    targets = _targets(filter_ast, library)
    lowers = lower_exceptions(con)
    if data.kind == PARQUET:
        return _prepare_parquet(con, filter_ast, data, targets, library, lowers, want_posts)
    return _prepare_jsonl(con, filter_ast, data, targets, library, lowers, want_posts)


def _prepare_jsonl(con, filter_ast, data, targets, library, lowers, want_posts=True) -> Prepared:
    every = list(targets) + [t for t in STATS_TARGETS if t not in targets]
    full = _infer_schema(con, data.files, every)
    schema = used_paths(full, every)
    type_paths: list[tuple[str, ...]] = [()]
    leaf_paths: list[tuple[str, ...]] = []
    for target in every:
        keys = tuple(target.split("."))
        leaf_paths.append(keys)
        for depth in range(1, len(keys) + 1):
            if keys[:depth] not in type_paths:
                type_paths.append(keys[:depth])
    relation = JsonLinesRelation(schema, type_paths, leaf_paths)
    plan = compile_query(filter_ast, relation, library=library, lower_exceptions=lowers)
    lines = _read_lines(data.files)
    line = exp.column("_line")
    types = exp.column("_types")
    trimmed = exp.Anonymous(this="trim", expressions=[line, exp.Literal.string(" \t\n\r\x0b\x0c")])
    # Posts first: the blank-line test (a trim over the whole line) runs only on lines that are not JSON.
    root = exp.Bracket(this=types.copy(), expressions=[exp.Literal.number(0)])
    status = exp.Case(ifs=[
        exp.If(this=exp.EQ(this=root, expression=exp.Literal.string("OBJECT")), true=exp.Literal.number(3)),
        exp.If(this=exp.Not(this=exp.Is(this=types.copy(), expression=exp.Null())), true=exp.Literal.number(2)),
        exp.If(this=exp.Or(this=exp.Is(this=line, expression=exp.Null()), expression=exp.EQ(this=trimmed, expression=exp.Literal.string(""))),
               true=exp.Literal.number(0)),
    ], default=exp.Literal.number(1))
    types_expr = exp.Anonymous(this="try", expressions=[exp.Anonymous(
        this="json_type", expressions=[line.copy(), exp.Array(expressions=[exp.Literal.string(_json_path(p)) for p in type_paths])])])
    typed = exp.select("*", exp.alias_(types_expr, "_types")).from_(exp.Subquery(this=lines, alias=exp.TableAlias(this=exp.to_identifier("l"))))
    classified = exp.select("*", exp.alias_(status, "_status")).from_(exp.Subquery(this=typed, alias=exp.TableAlias(this=exp.to_identifier("t"))))
    is_post = exp.EQ(this=exp.column("_status"), expression=exp.Literal.number(3))
    vals = exp.Case(ifs=[exp.If(this=is_post, true=exp.Anonymous(
        this="json_extract", expressions=[line.copy(), exp.Array(expressions=[exp.Literal.string(_json_path(p)) for p in leaf_paths])]))])
    # Where DuckDB's JSON reader is more lenient than ours (NaN, Infinity, trailing commas):
    # our decoder looks at the line again (results.Collector).
    lenient = exp.And(this=exp.In(this=exp.column("_status"), expressions=[exp.Literal.number(2), exp.Literal.number(3)]),
                      expression=exp.paren(exp.replace_placeholders(sqlglot.parse_one(LENIENT_JSON, read="duckdb"), line=line.copy())))
    posts = exp.select("*", exp.alias_(vals, "_vals"), exp.alias_(lenient, "_verify")).from_(
        exp.Subquery(this=classified, alias=exp.TableAlias(this=exp.to_identifier("c"))))
    created = _stat_text(relation, schema, ("interaction", "created_at"))
    source = _stat_text(relation, schema, ("interaction", "type"))
    return _assemble(con, plan, relation, posts, data.files, created, source, exp.column("_line", table="p"), jsonl=True,
                     want_posts=want_posts)


def _stat_text(relation, schema, path):
    """The text at ``path`` when the raw JSON there is a string, else NULL."""
    raw = exp.Bracket(this=exp.column("_vals", table="p", quoted=True), expressions=[exp.Literal.number(relation.leaves[path])])
    t = exp.Bracket(this=exp.column("_types", table="p", quoted=True), expressions=[exp.Literal.number(relation.index[path])])
    value = exp.Anonymous(this="json_extract_string", expressions=[raw, exp.Literal.string("$")])
    return exp.Case(ifs=[exp.If(this=exp.EQ(this=t, expression=exp.Literal.string("VARCHAR")), true=value)])


def _prepare_parquet(con, filter_ast, data, targets, library, lowers, want_posts=True) -> Prepared:
    duckdb = _duckdb()
    files = exp.Array(expressions=[exp.Literal.string(f) for f in data.files])
    read = exp.replace_placeholders(sqlglot.parse_one(
        "SELECT * FROM read_parquet(:files, filename = true, file_row_number = true, union_by_name = true)", read="duckdb"), files=files)
    try:
        described = con.sql("DESCRIBE " + read.sql("duckdb"))
        schema = _schema_from_relation(con, described)
    except duckdb.Error as exc:
        raise EngineError(f"{data.spec}: cannot read it as Parquet: {_first_line(exc)}") from None
    columns = {k: v for k, v in schema.fields.items() if k not in ("filename", "file_row_number")}
    schema = Type(STRUCT, fields=columns)
    relation = Relation(schema, DUCKDB)
    plan = compile_query(filter_ast, relation, library=library, lower_exceptions=lowers)
    posts = exp.select("*", exp.alias_(exp.column("filename"), "_fname"), exp.alias_(exp.Add(this=exp.column("file_row_number"), expression=exp.Literal.number(1)), "_row"),
                       exp.alias_(exp.Literal.number(3), "_status")).from_(exp.Subquery(this=read, alias=exp.TableAlias(this=exp.to_identifier("r"))))

    def field(path):
        typ, value = schema, None
        for key in path:
            if typ.kind != STRUCT or key not in typ.fields:
                return exp.Null()
            typ = typ.fields[key]
            value = relation.column(key) if value is None else exp.Dot(this=value, expression=exp.to_identifier(key, quoted=True))
        return value if typ.kind == TEXT else exp.Null()

    row = exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier(k, quoted=True), expression=relation.column(k)) for k in columns])
    out_json = exp.func("to_json", row, dialect="duckdb") if columns and want_posts else exp.Null()
    return _assemble(con, plan, relation, posts, data.files, field(("interaction", "created_at")), field(("interaction", "type")),
                     out_json, jsonl=False, want_posts=want_posts)


def _epoch(created: exp.Expression) -> exp.Expression:
    return epoch_expression(created, DUCKDB)


def _assemble(con, plan, relation, posts, files, created, source, out_value, *, jsonl: bool, want_posts: bool = True) -> Prepared:
    """The query an engine runs: one row per line (or Parquet row) with the columns that
    ``results.Collector`` reads. Tag rules run only on matching posts, as in the Python engine."""
    file_index = exp.column("_fname", table="p") if len(files) > 1 else exp.Literal.string(files[0])
    is_post = exp.EQ(this=exp.column("_status", table="p"), expression=exp.Literal.number(3))
    matched = exp.And(this=is_post, expression=exp.paren(plan.where.copy()))
    if plan.derived:
        posts = exp.select("*", *[exp.alias_(e.copy(), name, quoted=True) for name, e in plan.derived]).from_(
            exp.Subquery(this=posts, alias=exp.TableAlias(this=exp.to_identifier("p"))))
    inner = exp.select(
        exp.Column(this=exp.Star(), table=exp.to_identifier("p")),
        exp.alias_(file_index, "_file_"), exp.alias_(created, "_created_"), exp.alias_(source, "_source_"),
        exp.alias_(exp.Coalesce(this=matched, expressions=[exp.false()]), "_matched_"),
    ).from_(exp.Subquery(this=posts, alias=exp.TableAlias(this=exp.to_identifier("p"))))
    is_matched = exp.column("_matched_", table="p")
    verify = exp.column("_verify", table="p") if jsonl else exp.false()
    want_out = exp.Or(this=exp.Or(this=is_matched.copy() if want_posts else exp.false(), expression=exp.In(this=exp.column("_status", table="p"), expressions=[exp.Literal.number(1), exp.Literal.number(2)])),
                      expression=exp.Coalesce(this=verify.copy(), expressions=[exp.false()]))
    tags = [exp.alias_(exp.Case(ifs=[exp.If(this=is_matched.copy(), true=e.this.copy())], default=exp.false()), t.column)
            for e, t in zip(plan.tag_exprs, plan.tags)]
    outer = exp.select(
        exp.alias_(exp.column("_file_", table="p"), "_file"), exp.alias_(exp.column("_row", table="p"), "_row"),
        exp.alias_(exp.column("_status", table="p"), "_status"), exp.alias_(exp.column("_created_", table="p"), "_created"),
        exp.alias_(_epoch(exp.column("_created_", table="p")), "_epoch"), exp.alias_(exp.column("_source_", table="p"), "_source"),
        exp.alias_(is_matched.copy(), "_matched"), exp.alias_(exp.Coalesce(this=verify.copy(), expressions=[exp.false()]), "_verify"),
        # The post's text only where it is wanted: to_json of a whole Parquet row costs more
        # than everything else in the query.
        exp.alias_(exp.Case(ifs=[exp.If(this=want_out, true=out_value)]), "_out"), *tags,
    ).from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("p"))))
    return Prepared(plan, outer.sql("duckdb"), relation, files)


def register_udfs(con, plan, *, whole_line: bool) -> None:
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
    con = con or connect(memory_limit=memory_limit, threads=threads)
    started = time.perf_counter()
    prepared = prepare(con, filter_ast, data, library=library, want_posts=want_posts)
    if prepared.plan.udfs:
        register_udfs(con, prepared.plan, whole_line=data.kind == JSONL)
    from csdl.evaluate.matcher import compile_matcher

    collector = Collector(prepared.plan, data.files, sink, nulls_are_absent=data.kind == PARQUET,
                          fallback=compile_matcher(filter_ast, library=library))
    try:
        reader = con.sql(prepared.sql).to_arrow_reader(BATCH_ROWS)
        for batch in reader:
            _renumber(batch, collector)
    except duckdb.Error as exc:
        raise EngineError(f"{data.spec}: {_describe_duckdb_error(exc, data)}") from None
    # One process (DuckDB's threads inside it): the summary's jobs figure stays 1.
    return collector.finish(time.perf_counter() - started, 1, f"duckdb {duckdb.__version__}"), prepared


def _renumber(batch, collector) -> None:
    """The file of each row as an index into the file list, and for JSON Lines the line
    numbers, counted here: DuckDB returns the rows in input order (preserve_insertion_order)."""
    pa = require("pyarrow", extra="duckdb", purpose="the duckdb engine")
    pc = require("pyarrow.compute", extra="duckdb", purpose="the duckdb engine")

    names = collector.__dict__.setdefault("_names", pa.array(collector.files, type=pa.string()))
    index = pc.index_in(batch.column("_file").cast(pa.string()), value_set=names)
    batch = batch.set_column(batch.schema.get_field_index("_file"), "_file", index.fill_null(-1))
    rows = batch.column("_row")
    if rows.null_count == len(rows):
        counts = collector.__dict__.setdefault("_counts", {})
        numbers = []
        for f in batch.column("_file").to_pylist():
            n = counts.get(f, 0) + 1
            counts[f] = n
            numbers.append(n)
        rows = pa.array(numbers, type=pa.int64())
    batch = batch.set_column(batch.schema.get_field_index("_row"), "_n", rows)
    collector.add_batch(batch)


def _describe_duckdb_error(exc, data: Data) -> str:
    message = _first_line(exc)
    if data.kind == PARQUET:
        return f"cannot read it as Parquet: {message}"
    return f"cannot read the posts: {message}"


def check_lines(data: Data) -> str | None:
    """Why DuckDB's line reader would not see this JSON Lines data line by line as Python
    does (a carriage return, which it takes for a line end; bytes that are not UTF-8), or None."""
    import codecs
    import gzip

    for path in data.files:
        try:
            with open(path, "rb") as raw:
                stream = gzip.GzipFile(fileobj=raw) if raw.read(2) == b"\x1f\x8b" else raw
                raw.seek(0)
                decoder = codecs.getincrementaldecoder("utf-8")()
                while True:
                    chunk = stream.read(8 << 20)
                    if not chunk:
                        decoder.decode(b"", final=True)
                        break
                    if b"\r" in chunk:
                        return f"{path} holds carriage returns"
                    decoder.decode(chunk)
        except UnicodeDecodeError:
            return f"{path} holds bytes that are not UTF-8"
        except (OSError, EOFError) as exc:
            raise EngineError(f"{path}: cannot read: {exc}") from None
    return None


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
        raise EngineError(f"{parquet_path}: cannot write Parquet: {_first_line(exc)}") from None
