"""The fast DuckDB queries over a JSON Lines file: DuckDB's own JSON reader, counting in SQL.

``read_json`` with ``columns`` declared from the inferred schema, restricted to the filter's and
the summary's targets, parses each line once in parallel and skips every other field. Each target
is declared ``JSON`` (its value's minified JSON text): a declared ``BIGINT`` would silently turn
"5" into 5, where the first character of the JSON text tells its type (``JsonLinesRelation.fits``),
so a post whose types differ from the schema's is still found and decided by the Python engine.
A target the schema has as text is declared ``VARCHAR`` instead (``JsonReaderRelation.texts``):
the reader writes the string once, where ``JSON`` wrote it out as JSON text that ``from_json``
parsed again. The reader writes any other value there as its JSON text (5 as '5', an object as
'{…}'), so a text that could be one (``_MAYBE_NOT_TEXT``) sends its post to the Python engine.
Objects on the way to a target are declared ``STRUCT``: a post with something else there makes
the reader fail, and the file is read again line by line (``jsonl_query``), as is a file the
reader would see differently from our decoder (``reader_sees_lines``). Everything else is
computed in SQL: the counts and the time span (``totals``, grouped by what the summary reports),
the rows our parser must time (``untimed``), and only the rows that must reach Python (``rows``:
the posts the Python engine decides, and the matching posts when they are written, each with its
line as read).

Line numbers are the reader's row numbers (``WITH ORDINALITY``, which DuckDB numbers in the
order of the source): one row per line, since ``reader_sees_lines`` proved that every line
holds one object.
"""

from __future__ import annotations

import json
from sqlglot import exp

from .jsonl_query import JsonLinesRelation, json_path, text_at, with_suspects
from .schema import STRUCT, TEXT, Type
from .sql import DUCKDB, epoch_expression, inline_single_uses, selected

_JSON = None  # a declared leaf: its JSON text
_TEXT = "VARCHAR"  # a declared leaf the schema has as text: its value as the reader writes it
#: What the reader writes for a value that is not a string (a number, true, false, an object,
#: an array): a string that reads the same cannot be told from it, and its post goes to Python.
_MAYBE_NOT_TEXT = r"(?s)[-0-9][-+.0-9eE]*|true|false|\{.*\}|\[.*\]"
#: The texts the summary reads as JSON strings (``text_at``): a number there is untimed, or no
#: data source, where a string that reads the same is parsed; they stay ``JSON``.
SUMMARY_TEXTS = (("interaction", "created_at"), ("interaction", "type"))


class JsonReaderRelation(JsonLinesRelation):
    """Posts as ``read_json`` rows: one column per top-level key, objects as STRUCTs down to
    each target, declared ``JSON`` there (or where the schema has an array, a value of mixed
    type, or no such field, the rest of the path read by ``json_extract``)."""

    def __init__(self, schema: Type, type_paths, leaf_paths):
        super().__init__(schema, type_paths, leaf_paths)
        self.declared: dict = {}
        self.texts: set = set()  # the leaves declared VARCHAR
        for keys in leaf_paths:
            self._declare(keys)

    def _declare(self, keys) -> None:
        node, typ = self.declared, self.schema
        for i, key in enumerate(keys):
            child = typ.fields.get(key) if typ.kind == STRUCT else None
            if i == len(keys) - 1 and self._text_leaf(keys, child):
                node[key] = _TEXT
                self.texts.add(keys)
                return
            if i == len(keys) - 1 or child is None or child.kind != STRUCT:
                node[key] = _JSON  # (a target above another one: its JSON holds both)
                return
            if key in node and node[key] is _JSON:
                return
            node, typ = node.setdefault(key, {}), child

    def columns(self) -> dict[str, str]:
        """The ``read_json`` columns: top-level key -> DuckDB type."""
        return {k: _type_text(v) for k, v in self.declared.items()}

    def _declared_depth(self, keys) -> int:
        """How many of ``keys`` lead to the declared column holding their value."""
        node = self.declared
        for depth, key in enumerate(keys, 1):
            node = node.get(key)
            if node is _JSON or node is _TEXT:
                return depth
        raise AssertionError(f"{keys} is not declared")

    def _declared_value(self, keys, suffix: str = "") -> exp.Expression:
        depth = self._declared_depth(keys)
        expr: exp.Expression = exp.column(keys[0], table=self.alias, quoted=True)
        for key in keys[1:depth]:
            expr = exp.Dot(this=expr, expression=exp.to_identifier(key, quoted=True))
        rest = keys[depth:]
        if not rest and not suffix:
            return expr
        return exp.Anonymous(this="json_extract", expressions=[expr, exp.Literal.string(json_path(rest) + suffix)])

    def _text_leaf(self, keys, typ) -> bool:
        """Whether the target ``keys`` is declared VARCHAR: text in the schema, not read by the
        summary as JSON, and no other target below it (``probes``: its value ``json_extract``
        would read from this one's JSON)."""
        return typ is not None and typ.kind == TEXT and keys not in SUMMARY_TEXTS and keys not in self.probes

    def raw(self, keys) -> exp.Expression:
        return self._declared_value(keys)

    def leaf(self, keys, typ):
        if keys in self.texts:
            return self._declared_value(keys)
        return super().leaf(keys, typ)

    def type_in(self, keys, allowed) -> exp.Expression:
        """For a VARCHAR leaf: NULL where it has no value (or null), else whether a string is
        among ``allowed`` and the text cannot be another value written out."""
        if keys not in self.texts:
            return super().type_in(keys, allowed)
        if not set(allowed) <= {"VARCHAR", "NULL"}:
            raise AssertionError(f"{keys}: a text leaf is asked only whether it holds text or null")
        value = self._declared_value(keys)
        if "VARCHAR" not in allowed:
            return exp.Case(ifs=[exp.If(this=exp.Not(this=exp.Is(this=value, expression=exp.Null())), true=exp.false())])
        maybe = exp.Anonymous(this="regexp_full_match", expressions=[value, exp.Literal.string(_MAYBE_NOT_TEXT)])
        return exp.Not(this=maybe)

    def type_columns(self) -> list[exp.Expression]:
        return [exp.alias_(self._type_of(keys), f"_t{i}") for keys, i in self.leaves.items() if keys not in self.texts]

    def probe(self, keys) -> exp.Expression:
        """JSON text at element [0] of ``keys``: NULL where ``keys`` is a declared STRUCT (the
        reader fails on an array there)."""
        node = self.declared
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else node
            if node is _JSON:
                return self._declared_value(keys, "[0]")
        return exp.Null()

    def udf_arg(self, key: str) -> exp.Expression:
        packed = exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier(key, quoted=True), expression=exp.column(key, table=self.alias, quoted=True))])
        return exp.func("to_json", packed, dialect=DUCKDB)


def _type_text(node) -> str:
    if node is _JSON:
        return "JSON"
    if node is _TEXT:
        return "VARCHAR"
    return "STRUCT(" + ", ".join(f"{json.dumps(k)} {_type_text(v)}" for k, v in node.items()) + ")"


def read_json(path: str, columns: dict[str, str], *, numbered: bool) -> exp.Expression:
    """The reader over one file; ``numbered``: with each row's ``ordinality``, its line number."""
    import sqlglot

    template = sqlglot.parse_one(
        "SELECT * FROM read_json(:file, format = 'newline_delimited', records = true, columns = :columns, "
        "compression = 'auto')" + (" WITH ORDINALITY" if numbered else ""), read="duckdb")
    source = template.args["from_"].this if "from_" in template.args else template.args["from"].this
    spec = exp.Struct(expressions=[exp.PropertyEQ(this=exp.Literal.string(k), expression=exp.Literal.string(v)) for k, v in columns.items()])
    return exp.replace_placeholders(source, file=exp.Literal.string(path), columns=spec)


def _sub(select: exp.Select, alias: str) -> exp.Subquery:
    return exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier(alias)))


class FastQueries:
    """The queries over one file (``index`` in the run's file list). ``totals`` is run always;
    ``untimed()`` and ``rows()`` are built only when they must run (rarely, for the summary)."""

    def __init__(self, relation: JsonReaderRelation, plan, path: str, index: int, targets, *, want_posts: bool, suspects=()):
        self.relation, self.plan, self.path, self.index = relation, plan, path, index
        self.targets, self.want_posts, self.suspects = targets, want_posts, suspects
        keys = ["_special", "_matched", "_source", *[t.column for t in plan.tags]]
        # per group of what the summary reports: posts, timed, first, last, untimed
        # Each distinct timestamp text is parsed once (posts share their second), after grouping.
        texts = exp.select(*keys, "_created", "count(*) AS _k").from_(_sub(self._timed(numbered=False, epoch=False), "t")).group_by(*keys, "_created")
        timed = exp.select("*", exp.alias_(epoch_expression(exp.column("_created"), DUCKDB), "_epoch")).from_(_sub(texts, "c"))
        self.totals = exp.select(*keys, "sum(_k) AS _posts", "coalesce(sum(_k) FILTER (WHERE _epoch IS NOT NULL), 0) AS _timed",
                                 "min(_epoch) AS _first", "max(_epoch) AS _last",
                                 "coalesce(sum(_k) FILTER (WHERE _epoch IS NULL), 0) AS _untimed").from_(
            _sub(timed, "e")).group_by(*keys).sql(DUCKDB, copy=False)

    def _timed(self, *, numbered: bool, epoch: bool = True) -> exp.Select:
        """One row per post: ``_n`` (when ``numbered``), ``_special`` (the Python engine decides
        it), ``_matched``, ``_created``, ``_epoch`` (when ``epoch``), ``_source`` and the tag
        rules' columns."""
        relation, plan = self.relation, self.plan
        p = relation.alias
        posts = exp.select("*", *relation.type_columns()).from_(exp.alias_(read_json(self.path, relation.columns(), numbered=numbered), p, table=True))
        where, tags, derived = inline_single_uses(plan, p)
        in_filter = {c.name for c in where.find_all(exp.Column) if c.table == p}
        early = [(name, e) for name, e in derived if name in in_filter]
        if early:
            posts = exp.select("*", *[exp.alias_(e.copy(), name, quoted=True) for name, e in early]).from_(_sub(posts, p))
        fits = with_suspects(relation, relation.fits(self.targets), self.suspects)
        checked = exp.select("*", exp.alias_(fits, "_fits")).from_(_sub(posts, p))
        fitting = exp.column("_fits", table=p)
        matched = exp.Case(ifs=[exp.If(this=fitting.copy(), true=selected(where))], default=exp.false())
        row = exp.select(
            "*", *([exp.alias_(exp.column("ordinality", table=p), "_n")] if numbered else []),
            exp.alias_(exp.Not(this=fitting.copy()), "_special"), exp.alias_(matched, "_matched"),
            *[exp.alias_(text_at(relation, path), name) for path, name in zip(SUMMARY_TEXTS, ("_created", "_source_"), strict=True)],
        ).from_(_sub(checked, p))
        # The tag rules tested on the matching posts alone (a rule's regular expressions on every
        # post cost more than the filter), with the lower-cased texts only they read.
        is_matched = exp.column("_matched", table=p)
        late = [(name, e) for name, e in derived if name not in in_filter]
        if late:
            row = exp.select("*", *[exp.alias_(exp.Case(ifs=[exp.If(this=is_matched.copy(), true=e.copy())]), name, quoted=True)
                                    for name, e in late]).from_(_sub(row, p))
        return exp.select(
            *([exp.column("_n", table=p)] if numbered else []), exp.column("_special", table=p), is_matched.copy(),
            exp.column("_created", table=p), *([exp.alias_(epoch_expression(exp.column("_created", table=p), DUCKDB), "_epoch")] if epoch else []),
            exp.alias_(exp.Case(ifs=[exp.If(this=is_matched.copy(), true=exp.column("_source_", table=p))]), "_source"),
            *[exp.alias_(exp.Case(ifs=[exp.If(this=is_matched.copy(), true=selected(e))], default=exp.false()), t.column)
              for e, t in zip(tags, plan.tags, strict=True)],
        ).from_(_sub(row, p))

    def untimed(self) -> str:
        """``_file``, ``_n``, ``_created`` of the posts SQL could not time (our parser tries
        them) and of the first post with no timestamp text."""
        index = exp.Literal.number(self.index)
        timed = self._timed(numbered=True)
        return exp.union(
            exp.select(exp.alias_(index.copy(), "_file"), "_n", "_created").from_(_sub(timed.copy(), "t")).where("_epoch IS NULL AND _created IS NOT NULL"),
            exp.select(exp.alias_(index.copy(), "_file"), "_n", "_created").from_(
                _sub(exp.select("_n", "_created").from_(_sub(timed, "t")).where("_created IS NULL").order_by("_n").limit(1), "u")),
            distinct=False,
        ).sql(DUCKDB, copy=False)

    def rows(self) -> str:
        """The rows Python must see (the posts the Python engine decides; the matching posts
        when they are written) in line order, with the Collector's columns but ``_out``: their
        lines are read by ``LinesByNumber`` (one forward pass over the file costs less than
        DuckDB splitting every line again to join the few wanted). Numbered by the scan: a join
        (a keyword table) does not keep the rows in the file's order."""
        t = "t"
        want = exp.column("_special", table=t)
        if self.want_posts:
            want = exp.Or(this=want, expression=exp.column("_matched", table=t))
        return exp.select(
            exp.column("_n", table=t), exp.alias_(exp.column("_special", table=t), "_python"), exp.column("_matched", table=t),
            exp.column("_created", table=t), exp.alias_(epoch_expression(exp.column("_created", table=t), DUCKDB), "_epoch"),
            exp.column("_source", table=t), *[exp.column(tag.column, table=t) for tag in self.plan.tags],
        ).from_(_sub(self._timed(numbered=True, epoch=False), t)).where(want).order_by(exp.column("_n", table=t)).sql(DUCKDB, copy=False)


class LinesByNumber:
    """The rows of a file's ``rows()`` batches as the Collector reads them, with their lines (the
    file read once, forward, ``gzip`` too). Only for files ``reader_sees_lines`` passed, where
    line n holds the n-th post."""

    def __init__(self, path: str, index: int):
        self.path, self.index, self.stream, self.at = path, index, None, 0

    def attach(self, batch):
        """``batch`` with the Collector's other columns: ``_file``, ``_status``, ``_verify``, ``_out`` (the line)."""
        from csdl.extras import require

        pa = require("pyarrow")
        n = batch.num_rows
        lines = _strings(pa, [self._line(number) for number in batch.column("_n").to_pylist()])
        extra = {"_file": pa.array([self.index] * n, pa.int64()), "_status": pa.array([3] * n, pa.int64()),
                 "_verify": pa.array([False] * n, pa.bool_()), "_out": lines}
        return pa.RecordBatch.from_arrays(list(batch.columns) + list(extra.values()), names=batch.schema.names + list(extra))

    def _line(self, number: int) -> bytes:
        from itertools import islice

        if self.stream is None:
            from .inputs import open_bytes

            self.stream = open_bytes(self.path)  # closed by close()
        line = next(islice(self.stream, number - 1 - self.at, None), b"")  # (the lines between, skipped in C)
        self.at = number
        return line.rstrip(b"\n")

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()


CHUNK_BYTES = 8 << 20


def reader_sees_lines(path: str) -> bool:
    """Whether ``read_json`` reads ``path`` as one object per line exactly as our decoder does,
    as far as its bytes tell (DuckDB's errors tell the rest). Its reader skips blank lines and
    reads a ``null`` line as a row (so every line must start with ``{``); it takes a vertical tab,
    form feed or carriage return for white space and accepts NaN, Infinity and a comma before
    ``}`` or ``]``, which our decoder refuses (then the line-by-line query reads the file). One
    pass of memchr-speed searches; a hit inside a string only costs the slower query."""
    from .inputs import open_bytes

    try:
        with open_bytes(path) as stream:
            carry = b""  # the start of a line the chunk before ended in
            while True:
                chunk = stream.read(CHUNK_BYTES)
                if not chunk:
                    return _plain_lines(carry, 0, len(carry))
                last = chunk.rfind(b"\n") + 1
                if not last:
                    carry += chunk
                    continue
                first = chunk.find(b"\n") + 1
                head = carry + chunk[:first]  # (whole lines are searched in place, not copied)
                if not (_plain_lines(head, 0, len(head)) and _plain_lines(chunk, first, last)):
                    return False
                carry = chunk[last:]
    except (OSError, EOFError):
        return False  # the line-by-line query reports it


_LENIENT: list = []


def _plain_lines(data: bytes, start: int, end: int) -> bool:
    """Every line of ``data[start:end]`` (whole lines) starts with ``{``, and nothing in it is
    lenient JSON. Each pattern starts with one fixed byte, so RE2 skips to it at memchr speed (a
    character class first runs several times slower)."""
    if start == end:
        return True
    if data[start] != 0x7B or any(data.find(c, start, end) != -1 for c in (b"\r", b"\x0b", b"\x0c")):
        return False
    if not _LENIENT:
        import re2

        _LENIENT.extend(re2.compile(p) for p in (rb"\n[^{]", rb",[ \t]*(?:[}\]]|-?(?i:nan|inf))", rb":[ \t]*-?(?i:nan|inf)",
                                                 rb"\[[ \t]*-?(?i:nan|inf)"))
    return not any(pattern.search(data, start, end) for pattern in _LENIENT)


def _strings(pa, texts: list[bytes]):
    """``texts`` (UTF-8, as the reader proved) as one Arrow string array, from one buffer: about
    fifty times faster than ``pa.array`` of a list of long bytes objects."""
    offsets = [0]
    total = 0
    for text in texts:
        total += len(text)
        offsets.append(total)
    array = pa.LargeStringArray.from_buffers(len(texts), pa.array(offsets, pa.int64()).buffers()[1],
                                             pa.py_buffer(b"".join(texts)))
    array.validate(full=True)
    return array
