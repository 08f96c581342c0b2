"""The DuckDB query over JSON Lines files, read as raw lines.

Each line keeps its number (``WITH ORDINALITY``) and a matching post is written exactly as read.
One ``json_extract`` call, the only parse of the whole line, takes the values at the targets
(which ``from_json`` turns into the column types inferred once from a sample) and, for every
object on the way to a target, its element ``[0]``: a value there means an array where the
sample had an object. It fails on a line that is not JSON; the first character tells an object
from any other JSON value. The types of the targets' values come from ``json_type`` of those
small extracted texts, not of the line. The conditions are
plain SQL over those values: a post whose JSON types fit the inferred ones along every target
is decided in SQL, and a post that does not (a number where the sample had text, an array where
it had an object, a field the sample never had) is flagged ``_python`` and decided by the Python
engine as a whole (``results.Collector``). The filter runs in the SELECT list (every line must
be counted and numbered), as CASE chains, cheapest condition first (``sql.short_circuit``).
"""

from __future__ import annotations

import json

from sqlglot import exp

from .schema import BOOL, FLOAT, INT, LIST, OTHER, STRUCT, TEXT, Type, duckdb_structure
from .sql import DUCKDB, Relation, epoch_expression, selected, short_circuit

MAX_LINE_BYTES = 256 << 20
_TYPE_OF: list = []


class JsonLinesRelation(Relation):
    """Posts as raw lines ``_line``; ``_vals`` the JSON text at each target, then at element
    ``[0]`` of every proper prefix of a target (``probe``)."""

    absent_reason = "not in the sampled posts: false in SQL; a post that has it goes to the Python engine"

    def __init__(self, schema: Type, type_paths: list[tuple[str, ...]], leaf_paths: list[tuple[str, ...]]):
        super().__init__(schema, DUCKDB)
        self.leaves = {p: i for i, p in enumerate(leaf_paths)}
        prefixes = [p for p in type_paths if p and any(len(leaf) > len(p) and leaf[:len(p)] == p for leaf in leaf_paths)]
        self.probes = {p: len(leaf_paths) + i for i, p in enumerate(prefixes)}
        self.slots = [json_path(p) for p in leaf_paths] + [json_path(p) + "[0]" for p in prefixes]

    def column(self, key: str) -> exp.Expression:
        raise AssertionError("JSON Lines values are read by leaf()")

    def split(self, keys) -> int:
        return 1  # a post's keys are nested objects (a key with a dot in it is not a path)

    def udf_arg_for(self, keys) -> exp.Expression:
        return self.udf_arg(keys[0])

    def raw(self, keys) -> exp.Expression:
        return exp.Bracket(this=exp.column("_vals", table=self.alias, quoted=True), expressions=[exp.Literal.number(self.leaves[keys])])

    def json_type(self, keys) -> exp.Expression:
        """json_type of the target's value (NULL where the line has none): a column computed
        once per line by ``type_columns``."""
        return exp.column(f"_t{self.leaves[keys]}", table=self.alias)

    def type_columns(self) -> list[exp.Expression]:
        """``_t<i>``, the json_type of each target's value, for the query to compute once."""
        return [exp.alias_(self._type_of(keys), f"_t{i}") for keys, i in self.leaves.items()]

    def _type_of(self, keys) -> exp.Expression:
        """json_type of the target's value (NULL where the line has none), told by the first
        character of its extracted (minified) text: ``json_type`` parses the text again, which
        cost more than the rest of the query. Only a number that may be a float or beyond 64 bits
        is parsed (BIGINT stands for UBIGINT too)."""
        if not _TYPE_OF:  # parsed once per process (replace_placeholders copies it)
            import sqlglot

            _TYPE_OF.append(sqlglot.parse_one(
                "CASE left(:v, 1) WHEN '\"' THEN 'VARCHAR' WHEN '{' THEN 'OBJECT' WHEN '[' THEN 'ARRAY' "
                "WHEN 't' THEN 'BOOLEAN' WHEN 'f' THEN 'BOOLEAN' WHEN 'n' THEN 'NULL' "
                "ELSE CASE WHEN length(:v) <= 18 AND NOT (contains(:v, '.') OR contains(:v, 'e') OR contains(:v, 'E')) "
                "THEN 'BIGINT' ELSE json_type(:v) END END", read="duckdb"))
        return exp.replace_placeholders(_TYPE_OF[0], v=self.raw(keys))

    def type_in(self, keys, allowed) -> exp.Expression:
        """The target's json_type is one of ``allowed`` (NULL where the line has no value there).
        Without a number among ``allowed`` the first character decides (in valid JSON a value
        starting with n is null, t or f a boolean), and no type name is computed per row."""
        letters = [_FIRST.get(a) for a in sorted(allowed)]
        if None in letters:
            return exp.In(this=self.json_type(keys), expressions=[exp.Literal.string(a) for a in sorted(allowed)])
        first = exp.Left(this=self.raw(keys), expression=exp.Literal.number(1))
        return exp.In(this=first, expressions=[exp.Literal.string(c) for c in sorted("".join(letters))])

    def probe(self, keys) -> exp.Expression:
        """The JSON text at element [0] of ``keys``: NULL unless a non-empty array is there."""
        return exp.Bracket(this=exp.column("_vals", table=self.alias, quoted=True), expressions=[exp.Literal.number(self.probes[keys])])

    def leaf(self, keys, typ):
        return exp.Anonymous(this="from_json", expressions=[self.raw(keys), exp.Literal.string(json.dumps(duckdb_structure(typ)))])

    def udf_arg(self, key: str) -> exp.Expression:
        return exp.column("_line", table=self.alias, quoted=True)

    def fits(self, targets) -> exp.Expression:
        """True where the post's JSON types along every target agree with the schema (so the
        SQL conditions read it as the Python engine does)."""
        parts: dict[str, exp.Expression] = {}
        for target in targets:
            for part in self._target_fits(tuple(target.split("."))):
                parts.setdefault(part.sql(DUCKDB), part)
        if not parts:
            return exp.true()
        return selected(_and(list(parts.values())))

    def _target_fits(self, keys):
        typ = self.schema
        for depth in range(1, len(keys) + 1):
            prefix = keys[:depth]
            child = typ.fields.get(prefix[-1]) if typ.kind == STRUCT else None
            if child is None or child.kind == OTHER or (child.kind != STRUCT and depth < len(keys)):
                # A field the sample never had, a value of mixed types (JSON), an array on the way (its
                # condition runs on our matcher, which returns no R201), or a value the sample had where
                # it has a scalar: absent here too (no value at the target, no array on the way), else
                # the Python engine decides the post (and reports what it finds, R201).
                yield self._null_at(keys)
                yield from (self._no_array(keys[:d]) for d in range(depth, len(keys)))
                return
            if depth < len(keys):
                yield self._no_array(prefix)  # an array holds values for the Python engine
            elif child.kind == LIST:
                yield _or_absent(self.type_in(keys, {"ARRAY", "NULL"}))
                check = self._elements_fit(keys, child.element)
                if check is not None:
                    yield check
            else:
                allowed = {"OBJECT"} if child.kind == STRUCT else _allowed(child)  # a text there is a value, not absent
                yield _or_absent(self.type_in(keys, allowed | {"NULL"}))
            typ = child

    def _null_at(self, keys):
        return _or_absent(self.type_in(keys, {"NULL"}))

    def _no_array(self, prefix):
        return exp.Is(this=self.probe(prefix), expression=exp.Null())

    def _elements_fit(self, keys, element: Type):
        """Every element of the array at ``keys`` fits ``element`` (json_type of the small
        extracted array, not of the whole line)."""
        allowed = _allowed(element) if element is not None else None
        if not allowed or allowed == "not-array":
            return None
        types = exp.Anonymous(this="json_type", expressions=[self.raw(keys), exp.Literal.string("$[*]")])
        ok = exp.In(this=exp.column("e"), expressions=[exp.Literal.string(a) for a in sorted(allowed | {"NULL"})])
        bad = exp.ArrayFilter(this=types, expression=exp.Lambda(this=exp.Not(this=exp.Coalesce(this=ok, expressions=[exp.true()])),
                                                                  expressions=[exp.to_identifier("e")]))
        return _or_absent(exp.EQ(this=exp.ArraySize(this=bad), expression=exp.Literal.number(0)))


#: The first character of a value's minified JSON text, by json_type (numbers need more).
_FIRST = {"VARCHAR": '"', "OBJECT": "{", "ARRAY": "[", "BOOLEAN": "tf", "NULL": "n"}


def _or_absent(test):
    """``test``, true where it is NULL (the line has no value there, so json_type gave none)."""
    return exp.Coalesce(this=test, expressions=[exp.true()])


def _and(parts):
    out = parts[0]
    for p in parts[1:]:
        out = exp.And(this=out, expression=p)
    return out


def _allowed(typ: Type):
    """The json_type names a value of ``typ`` may have for from_json to read it as we do."""
    if typ.kind == STRUCT:
        return "not-array"
    if typ.kind == LIST:
        return {"ARRAY"}
    return {TEXT: {"VARCHAR"}, INT: {"BIGINT", "UBIGINT"}, FLOAT: {"DOUBLE", "BIGINT", "UBIGINT"}, BOOL: {"BOOLEAN"}}.get(typ.kind)


def json_path(keys) -> str:
    return "$" + "".join("." + json.dumps(k) if not k.isidentifier() else "." + k for k in keys)


def read_lines(files: list[str]) -> exp.Expression:
    """Every line with its file and its ordinal among all lines (``_ord``)."""
    import sqlglot

    template = sqlglot.parse_one(
        "SELECT line AS _line, filename AS _fname, ordinality AS _ord FROM read_csv(:files, columns = {'line': 'VARCHAR'}, "
        "delim = :delim, quote = '', escape = '', header = false, auto_detect = false, strict_mode = false, "
        "filename = true, max_line_size = :maxline, compression = 'auto') WITH ORDINALITY",
        read="duckdb",
    )
    return exp.replace_placeholders(template, files=exp.Array(expressions=[exp.Literal.string(f) for f in files]),
                                    delim=exp.Literal.string("\x01"), maxline=exp.Literal.number(MAX_LINE_BYTES))


# JSON that DuckDB reads and the standard does not: NaN/Infinity values (any case), a comma
# before } or ]. One regular expression per character that may come before them, because a
# pattern starting with one fixed character runs as a memchr scan (several times faster than a
# character class or lower() over the whole line); a hit inside a string is harmless (our
# decoder reads that line again).
_NAN = r"-?(?:[nN][aA][nN]|[iI][nN][fF])"
LENIENT_JSON = (r"regexp_matches(:line, ',[ \t\n\r]*(?:[}\]]|" + _NAN + r")') OR regexp_matches(:line, ':[ \t\n\r]*" + _NAN
                + r"') OR regexp_matches(:line, '\[[ \t\n\r]*" + _NAN + r"')")
BLANK, NOT_JSON, NOT_AN_OBJECT, POST = 0, 1, 2, 3


def _n(value: int) -> exp.Literal:
    return exp.Literal.number(value)


def _sub(select: exp.Select, alias: str) -> exp.Subquery:
    return exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier(alias)))


def build_query(relation: JsonLinesRelation, plan, files: list[str], targets, *, want_posts: bool, suspects=()) -> str:
    """One row per line with the columns ``results.Collector`` reads (its module docstring)."""
    import sqlglot

    line = exp.column("_line")
    vals = exp.column("_vals")
    slots = exp.Array(expressions=[exp.Literal.string(p) for p in relation.slots])
    vals_expr = exp.Anonymous(this="try", expressions=[exp.Anonymous(this="json_extract", expressions=[line.copy(), slots])])
    trimmed = exp.Anonymous(this="trim", expressions=[line.copy(), exp.Literal.string(" \t\n\r\x0b\x0c")])
    starts_object = exp.Or(this=exp.Anonymous(this="starts_with", expressions=[line.copy(), exp.Literal.string("{")]),
                           expression=exp.RegexpLike(this=line.copy(), expression=exp.Literal.string(r"^[ \t\n\r]*\{")))
    # Posts first: the blank-line test (a trim over the whole line) runs only on lines that are not JSON.
    status = exp.Case(ifs=[
        exp.If(this=exp.Is(this=vals.copy(), expression=exp.Null()), true=exp.Case(ifs=[
            exp.If(this=exp.Or(this=exp.Is(this=line.copy(), expression=exp.Null()), expression=exp.EQ(this=trimmed, expression=exp.Literal.string(""))),
                   true=_n(BLANK))], default=_n(NOT_JSON))),
        exp.If(this=starts_object, true=_n(POST)),
    ], default=_n(NOT_AN_OBJECT))
    parsed = exp.select("*", exp.alias_(vals_expr, "_vals")).from_(_sub(read_lines(files), "l"))
    classified = exp.select("*", exp.alias_(status, "_status")).from_(_sub(parsed, "t"))
    # Where DuckDB's JSON reader is more lenient than ours (NaN, Infinity, trailing commas):
    # our decoder looks at the line again (results.Collector).
    lenient = exp.And(this=exp.In(this=exp.column("_status"), expressions=[_n(NOT_AN_OBJECT), _n(POST)]),
                      expression=exp.paren(exp.replace_placeholders(sqlglot.parse_one(LENIENT_JSON, read="duckdb"), line=line.copy())))
    posts = exp.select("*", exp.alias_(lenient, "_verify")).from_(_sub(classified, "c"))
    posts = exp.select("*", *relation.type_columns()).from_(_sub(posts, "p"))
    if plan.derived:
        posts = exp.select("*", *[exp.alias_(e.copy(), name, quoted=True) for name, e in plan.derived]).from_(_sub(posts, "p"))
    p_status = exp.column("_status", table="p")
    post = exp.EQ(this=p_status.copy(), expression=_n(POST))
    fits = with_suspects(relation, relation.fits(targets), suspects)
    created = text_at(relation, ("interaction", "created_at"))
    inner = exp.select(
        exp.column("_line", table="p"), exp.column("_fname", table="p"), exp.column("_ord", table="p"), p_status.copy(),
        exp.alias_(exp.Coalesce(this=exp.column("_verify", table="p"), expressions=[exp.false()]), "_verify"),
        exp.alias_(exp.And(this=post.copy(), expression=exp.Not(this=exp.paren(fits.copy()))), "_python"),
        exp.alias_(exp.Case(ifs=[exp.If(this=exp.And(this=post.copy(), expression=exp.paren(fits)), true=short_circuit(plan.where.copy()))],
                            default=exp.false()), "_matched"),
        exp.alias_(created, "_created_"), exp.alias_(text_at(relation, ("interaction", "type")), "_source_"),
        *[exp.alias_(short_circuit(e.this.copy()), t.column) for e, t in zip(plan.tag_exprs, plan.tags, strict=True)],
    ).from_(_sub(posts, "p"))
    q = "q"
    matched = exp.column("_matched", table=q)
    epoch = epoch_expression(exp.column("_created_", table=q), DUCKDB)
    special = exp.Or(this=exp.In(this=exp.column("_status", table=q), expressions=[_n(NOT_JSON), _n(NOT_AN_OBJECT)]),
                     expression=exp.Or(this=exp.column("_verify", table=q), expression=exp.column("_python", table=q)))
    want_out = exp.Or(this=matched.copy(), expression=special) if want_posts else special
    outer = exp.select(
        exp.alias_(exp.column("_fname", table=q), "_file"), exp.alias_(exp.column("_ord", table=q), "_row"),
        exp.column("_status", table=q), exp.alias_(exp.column("_created_", table=q), "_created"), exp.alias_(epoch, "_epoch"),
        exp.alias_(exp.Case(ifs=[exp.If(this=matched.copy(), true=exp.column("_source_", table=q))]), "_source"),
        matched.copy(), exp.column("_verify", table=q), exp.column("_python", table=q),
        exp.alias_(exp.Case(ifs=[exp.If(this=want_out, true=exp.column("_line", table=q))]), "_out"),
        *[exp.alias_(exp.Case(ifs=[exp.If(this=matched.copy(), true=exp.column(t.column, table=q))], default=exp.false()), t.column)
          for t in plan.tags],
    ).from_(_sub(inner, q))
    return outer.sql(DUCKDB, copy=False)  # built for this text alone: no deep copy first


def with_suspects(relation: JsonLinesRelation, fits: exp.Expression, suspects) -> exp.Expression:
    """``fits`` and no value at the ``suspects``, targets where a value may be wrong-typed
    (csdl.engines.wrong_types): a post with one goes to the Python engine, which reports it."""
    if not suspects:
        return fits
    return _and([fits] + [_or_absent(relation.type_in(tuple(s.split(".")), {"NULL"})) for s in suspects])


def text_at(relation: JsonLinesRelation, path):
    """The text at ``path`` when the raw JSON there is a string, else NULL."""
    value = exp.Anonymous(this="json_extract_string", expressions=[relation.raw(path), exp.Literal.string("$")])
    return exp.Case(ifs=[exp.If(this=relation.type_in(path, {"VARCHAR"}), true=value)])
