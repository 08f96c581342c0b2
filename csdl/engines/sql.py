"""Compiling a CSDL filter, its tags and its scores to a SQL query, as sqlglot expression trees.

The query reads one relation whose columns are the posts' top-level keys (``interaction``,
``twitter`` …) as nested types (``schema.Type``). Every condition becomes a boolean expression
that is never NULL, with the Python engine's semantics (docs/run.md): any value of a multi-valued
target, absent = false, ``NOT`` of an absent target true, case by Python's ``str.lower``, tokens
by ``csdl.language.tokens``. The text operators are the same RE2 programs the Python engine runs
(``csdl.evaluate.text``); values are bound as literals by sqlglot, never pasted into SQL text.

Where SQL cannot state a condition exactly (``contains_near``, ``url_in``, ``geo_polygon``, a
number read out of text, a value whose type SQL would read differently, Spark's Java regexes for
user patterns) the condition is a call of a UDF that runs our own matcher on the post's value:
``Plan.decisions`` says which, and why (``csdl sql --explain``). A condition that is exact in SQL
for most values but not for a few (a text holding a character whose lower case differs between
Python and the engine; a JSON Lines value whose type differs from the inferred column type) is a
``CASE`` that sends only those rows to the UDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from csdl.extras import require

sqlglot = require("sqlglot", purpose="csdl's SQL engines")
exp = sqlglot.exp

from csdl.diagnostics import Diagnostic
from csdl.evaluate import conditions as cond
from csdl.evaluate import text as textops
from csdl.evaluate.values import parse_number
from csdl.language import ast
from csdl.language.tokens import tokenize

from .schema import BOOL, FLOAT, INT, LIST, OTHER, SCALARS, STRUCT, TEXT, Type

DUCKDB, SPARK = "duckdb", "spark"

# Tokens as csdl.language.tokens defines them, in RE2/Java syntax (their \w and \s are ASCII).
_SPACE_CHARS = r"\pZ\t\n\v\f\r\x1c-\x1f\x85"
TOKEN_PATTERN = r"[\pL\pN_]+|[^\pL\pN_" + _SPACE_CHARS + "]"

_INDEX_PAGES = r"index\.(?:php|html|htm|aspx|asp)|default\.(?:html|htm|aspx|asp)"  # url_in drops them

SQL, UDF, GUARDED = "sql", "udf", "sql+udf"
MAX_GRAM = 4  # phrases of more tokens in a keyword list: a regular expression
SIGMA = "\u03a3"
_SIGMAS = ("\u03c3", "\u03c2")  # σ, ς: what Python may lower Σ to


@dataclass
class Decision:
    """How one condition runs, for ``csdl sql --explain``."""

    index: int
    line: int
    scope: str
    text: str
    mode: str  # SQL, UDF or GUARDED
    reason: str = ""

    def to_dict(self) -> dict:
        return {"condition": self.text, "line": self.line, "scope": self.scope, "runs": self.mode, "reason": self.reason}


@dataclass
class Udf:
    """A condition our matcher decides: ``name(arg)`` with ``arg`` the JSON text of a post
    holding (at least) the condition's top-level key."""

    name: str
    condition: ast.Condition
    arg: exp.Expression


@dataclass
class TagColumn:
    """A tag rule's boolean, named ``_tag<i>`` in the result."""

    namespace: tuple
    name: str | None
    score: str | None
    column: str


@dataclass
class Plan:
    where: exp.Expression
    select: exp.Select
    udfs: list[Udf] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    tags: list[TagColumn] = field(default_factory=list)
    tag_exprs: list[exp.Expression] = field(default_factory=list)  # one boolean per tag rule, aliased _tag<i>
    derived: list = field(default_factory=list)  # (name, expression): columns computed once per row under the query
    word_tables: dict = field(default_factory=dict)  # table name -> its words (column "word"), for the engine to register
    warnings: list[Diagnostic] = field(default_factory=list)

    def sql(self, dialect: str, pretty: bool = True) -> str:
        return self.select.sql(dialect=dialect, pretty=pretty)


class Relation:
    """Where the compiler finds values. ``column(key)`` is the typed top-level value;
    ``guard(path)`` (JSON Lines only) is true where the row's raw JSON types agree with the
    schema along ``path``; ``udf_arg(key)`` the JSON text ``{"key": value}`` a UDF decodes."""

    absent_reason = "the data has no such field: absent in every post"

    def __init__(self, schema: Type, dialect: str, *, alias: str = "p"):
        self.schema = schema
        self.dialect = dialect
        self.alias = alias

    def column(self, key: str) -> exp.Expression:
        return exp.column(key, table=self.alias, quoted=True)

    def split(self, keys: tuple[str, ...]) -> int:
        """How many of ``keys`` name the column: 1 for a nested layout (``interaction`` a struct
        column); more where the data is flat, a column named ``interaction.content`` (the
        longest such name wins)."""
        if keys[0] in self.schema.fields or self.schema.kind != STRUCT:
            return 1
        for n in range(len(keys), 1, -1):
            if ".".join(keys[:n]) in self.schema.fields:
                return n
        return 1

    def leaf(self, keys: tuple[str, ...], typ: Type) -> exp.Expression:
        """The typed value at ``keys`` (a column, then a path of struct fields)."""
        n = self.split(keys)
        expr = self.column(".".join(keys[:n]))
        for key in keys[n:]:
            expr = exp.Dot(this=expr, expression=exp.to_identifier(key, quoted=True))
        return expr

    def guard(self, path: tuple[str, ...]) -> exp.Expression | None:
        return None

    def presence(self, path: tuple[str, ...]) -> exp.Expression | None:
        """For a target the schema lacks: true in rows that might have it after all (data read
        from a sample). None: the schema is exact, the target is absent everywhere."""
        return None

    def udf_arg(self, key: str) -> exp.Expression:
        packed = exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier(key, quoted=True), expression=self.column(key))])
        return exp.func("to_json", packed, dialect=self.dialect)

    def udf_arg_for(self, keys: tuple[str, ...]) -> exp.Expression:
        """The JSON a UDF decodes for a condition on ``keys``: the post's part holding them,
        nested as a post is (a flat column ``interaction.content`` becomes
        ``{"interaction": {"content": ...}}``)."""
        n = self.split(keys)
        if n == 1:
            return self.udf_arg(keys[0])
        value = self.column(".".join(keys[:n]))
        for key in reversed(keys[:n]):
            value = exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier(key, quoted=True), expression=value)])
        return exp.func("to_json", value, dialect=self.dialect)


# --- small builders -------------------------------------------------------------------------

TRUE, FALSE = exp.true(), exp.false()


def _s(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def _n(value) -> exp.Expression:
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, float):
        return exp.cast(exp.Literal.number(repr(value)), exp.DataType.build("DOUBLE"))
    return exp.Literal.number(str(value))


def _and(parts):
    parts = list(parts)
    if not parts:
        return TRUE
    out = parts[0]
    for p in parts[1:]:
        out = exp.And(this=out, expression=p)
    return exp.paren(out, copy=False) if len(parts) > 1 else out


def _or(parts):
    parts = list(parts)
    if not parts:
        return FALSE
    out = parts[0]
    for p in parts[1:]:
        out = exp.Or(this=out, expression=p)
    return exp.paren(out, copy=False) if len(parts) > 1 else out


def _not(e):
    return exp.Not(this=exp.paren(e, copy=False))


def _coalesce_false(e):
    return exp.Coalesce(this=e, expressions=[FALSE])


class _Lambdas:
    def __init__(self):
        self.n = 0

    def var(self) -> str:
        self.n += 1
        return f"x{self.n}"


# --- the compiler -----------------------------------------------------------------------------


class _Absent:
    """A target the schema does not have (or a path running into a scalar): absent everywhere."""


ABSENT = _Absent()


class Compiler:
    def __init__(self, relation: Relation, *, library=None, lower_exceptions: str = "", lower_unfixable: str = ""):
        self.rel = relation
        self.dialect = relation.dialect
        from csdl.library import ResolvedFilter

        if library is not None and not isinstance(library, ResolvedFilter):
            raise TypeError("Compiler takes the filter's csdl.library.ResolvedFilter (compile_query resolves it)")
        self.resolved = library  # every hash resolved, no loop (None: the filter references nothing)
        self.udfs: list[Udf] = []
        self.decisions: list[Decision] = []
        self.streams: dict[str, exp.Expression] = {}
        self.lambdas = _Lambdas()
        # Characters whose lower case differs between Python and the engine. Python lowers every
        # one but Σ without looking at its neighbours, so SQL replaces it by Python's lower case
        # before lower() (İ -> i + U+0307): exact, no UDF. Σ becomes ς at a word's end: that
        # changes a result only when the filter's own text holds σ or ς (every class our
        # patterns use treats both alike), so only then is a text holding Σ sent to our matcher.
        # ``lower_unfixable``: characters whose Python lower case the engine would lower again.
        self.lower_fixes = {c: c.lower() for c in sorted(set(lower_exceptions)) if c != SIGMA and c not in lower_unfixable}
        self.lower_sigma = SIGMA in lower_exceptions
        self.lower_unfixable = "".join(sorted(set(lower_unfixable) - {SIGMA}))
        # lower(text) computed once per row however many conditions read it (SQL engines do not
        # share it between expressions): name -> expression, added as columns under the query.
        self.derived: dict[str, tuple[str, exp.Expression]] = {}
        # Long word lists: tables the engine registers (name -> words), or None for VALUES lists
        # in the query itself (what ``csdl sql`` prints: a query that runs as it stands).
        self.word_tables: dict[str, list[str]] | None = None

    def words(self, words: list[str], n: int) -> exp.Expression:
        """A relation of one column ``word`` holding ``words``."""
        if self.word_tables is None:
            return exp.select("word").from_(exp.values([(w,) for w in words], alias=f"csdl_words{n}", columns=["word"]))
        name = f"csdl_words{n}"
        self.word_tables[name] = list(words)
        return exp.select("word").from_(exp.to_table(name))

    # expressions
    def expression(self, node, source: str, scope: str) -> exp.Expression:
        if isinstance(node, ast.Condition):
            return self.condition(node, source, scope)
        if isinstance(node, ast.StreamRef):
            return self.stream(node)
        if isinstance(node, ast.Not):
            return _not(self.expression(node.operand, source, scope))
        if isinstance(node, ast.And):
            return _and(self.expression(o, source, scope) for o in node.operands)
        if isinstance(node, ast.Or):
            return _or(self.expression(o, source, scope) for o in node.operands)
        raise TypeError(f"not an expression: {node!r}")

    def stream(self, node: ast.StreamRef) -> exp.Expression:
        key = node.hash.lower()
        if key in self.streams:
            return self.streams[key].copy()
        referenced = self.resolved.filter(node.hash)
        body = FALSE if referenced.main is None else self.expression(referenced.main, referenced.source, f"stream {node.hash[:8]}")
        self.streams[key] = body
        return body.copy()

    def tag_rules(self, filter_ast: ast.Filter, prefix: str = "") -> list:
        rules = []
        for statement in filter_ast.statements:
            if isinstance(statement, ast.TagsImport):
                imported = self.resolved.filter(statement.hash)
                rules.extend(self.tag_rules(imported, f"tags {statement.hash[:8]}: "))
            elif isinstance(statement, ast.TagRule):
                label = "tag" + "".join("." + n for n in statement.namespace)
                label += f' "{statement.name}"' if statement.name is not None else f" {statement.score}"
                body = self.expression(statement.body, filter_ast.source, prefix + label)
                rules.append((statement.namespace, statement.name, statement.score, body))
        return rules

    # conditions
    def condition(self, node: ast.Condition, source: str, scope: str) -> exp.Expression:
        text = source[node.span.start : node.span.end] if source else f"{node.target} {node.operator}"
        text = " ".join(text.split())
        decision = Decision(len(self.decisions), node.span.line, scope, text if len(text) <= 100 else text[:97] + "...", SQL)
        self.decisions.append(decision)
        _validate(node)
        access = self.resolve(node.target)
        if access is ABSENT:
            present = self.rel.presence(tuple(node.target.split(".")))
            if present is None:
                decision.reason = self.rel.absent_reason
                return FALSE
            decision.mode, decision.reason = GUARDED, "a field the sampled posts did not have: rows that have it"
            return exp.Case(ifs=[exp.If(this=present, true=self._register(node))], default=FALSE)
        if access is None:
            return self._udf(node, decision, "an array or a value of mixed type on the target's path")
        expr, typ, path = access
        built = self.native(node, expr, typ)
        if isinstance(built, str):
            return self._udf(node, decision, built)
        native, needs_python, why = built
        guard = self.rel.guard(path)
        if guard is not None:
            needs_python = _or([_not(guard)] + ([needs_python] if needs_python is not None else []))
            why = "rows whose JSON types differ from the inferred column types" + (f"; {why}" if why else "")
        if needs_python is None:
            return native
        udf = self._register(node)
        decision.mode, decision.reason = GUARDED, why
        return exp.Case(ifs=[exp.If(this=needs_python, true=udf)], default=native)

    def _udf(self, node, decision: Decision, reason: str) -> exp.Expression:
        decision.mode, decision.reason = UDF, reason
        return self._register(node)

    def _register(self, node: ast.Condition) -> exp.Expression:
        for udf in self.udfs:
            if udf.condition is node:
                return exp.Anonymous(this=udf.name, expressions=[udf.arg.copy()])
        udf = Udf(f"csdl_cond_{len(self.udfs)}", node, self.rel.udf_arg_for(tuple(node.target.split("."))))
        self.udfs.append(udf)
        return exp.Anonymous(this=udf.name, expressions=[udf.arg.copy()])

    def resolve(self, target: str):
        """(expression, type, path) of the target's values; ABSENT; or None when the path
        crosses an array or an untyped value (our matcher then reads it)."""
        keys = tuple(target.split("."))
        n = self.rel.split(keys)
        typ = self.rel.schema
        for key in (".".join(keys[:n]),) + keys[n:]:
            if typ.kind != STRUCT:
                if typ.kind in (LIST, OTHER):
                    return None
                return ABSENT  # a path running into a scalar
            if key not in typ.fields:
                return ABSENT
            typ = typ.fields[key]
        if typ.kind == LIST and typ.element.kind not in SCALARS | {STRUCT}:
            return None
        return self.rel.leaf(keys, typ), typ, keys

    def native(self, node: ast.Condition, expr: exp.Expression, typ: Type):
        """(expression, needs-python expression or None, why) or a reason string for a UDF."""
        op = node.operator
        if op == "exists":
            if typ.kind == LIST:
                return _any(expr, lambda x: exp.Not(this=exp.Is(this=x, expression=exp.Null())), self.lambdas), None, ""
            if typ.kind == OTHER and typ.name == "JSON":
                return "a JSON-typed column (JSON null and [] are absent)"
            return exp.Not(this=exp.Is(this=expr, expression=exp.Null())), None, ""
        element = typ.element if typ.kind == LIST else typ
        if element.kind == OTHER:
            return f"a column of type {element.name or 'unknown'}"
        test = self.value_test(node, element)
        if isinstance(test, str):
            return test
        value_test, needs = test
        if typ.kind == LIST:
            body = _any(expr, value_test, self.lambdas)
            on_list = getattr(value_test, "on_list", None)  # a cheap test on the whole list first
            if on_list is not None:
                body = exp.Case(ifs=[exp.If(this=on_list(expr.copy()), true=body)], default=FALSE)
            guard = _any(expr, needs, self.lambdas) if needs is not None else None
        else:
            body = _coalesce_false(value_test(expr))
            guard = _coalesce_false(needs(expr)) if needs is not None else None
        why = ("our matcher for texts holding a character SQL cannot lower as Python does (Σ, which Python lowers to ς "
               "at a word's end, when the filter's text holds σ or ς)" if guard is not None else "")
        return body, guard, why

    def value_test(self, node: ast.Condition, typ: Type):
        """(test(value) -> boolean expression, needs_python(value) or None) for one value of
        type ``typ``, or a reason string."""
        op, arg = node.operator, node.argument
        kind = typ.kind
        if op in cond.TEXT_OPERATORS or op in ("regex_partial", "regex_exact", "url_in"):
            if kind != TEXT:
                if kind == STRUCT:
                    return (lambda v: FALSE), None  # an object is wrong-typed for text: false
                return "a number or boolean read as text (Python's decimal form)"
            return self.text_test(node)
        if op in ("==", "!="):
            return self.equality(node, kind)
        if op == "in":
            return self.membership(node, kind)
        if op in ("<", "<=", ">", ">="):
            if not isinstance(arg, ast.Number):
                return "an ordering comparison without a number"
            if kind == TEXT:
                return "a number read out of text (Python's int()/float())"
            if kind == STRUCT:
                return (lambda v: FALSE), None
            cmp = {"<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}[op]
            return (lambda v: cmp(this=_numeric(v, kind), expression=_n(arg.value))), None
        if op in cond.GEO_OPERATORS:
            return self.geo(node, typ)
        return f"the operator {op} has no SQL form"

    # text
    def text_test(self, node: ast.Condition):
        op, arg = node.operator, node.argument
        if op == "url_in":
            from csdl.evaluate.urls import wanted_urls

            wanted = sorted(wanted_urls(_items(arg)))
            if not wanted:
                return (lambda v: FALSE), None
            hint = self._url_hint(wanted)

            def test(v):
                full = exp.In(this=self._normalised_url(v), expressions=[_s(w) for w in wanted])
                if hint is None:
                    return full
                return exp.Case(ifs=[exp.If(this=hint(self._lower(v)), true=full)], default=FALSE)

            if hint is not None:  # a list of URLs: first the hint on them all, joined (see native)
                test.on_list = lambda values: hint(self._lower_expr(exp.ArrayToString(this=values, expression=_s("\n"))))
            return test, self._lower_guard(wanted)
        if op in ("regex_partial", "regex_exact"):
            pattern = arg.value
            if self.dialect != DUCKDB:
                from .java_regex import java_safe

                why = java_safe(pattern)
                if why is not None:
                    return f"a regular expression Java would read otherwise than RE2: {why}"
                if op == "regex_exact":  # RLIKE finds; anchored at both ends of the text
                    pattern = r"\A(?:" + pattern + r")\z"
                return (lambda v: exp.RegexpLike(this=v, expression=_s(pattern))), None
            if op == "regex_partial":
                return (lambda v: exp.RegexpLike(this=v, expression=_s(pattern))), None
            return (lambda v: exp.Anonymous(this="regexp_full_match", expressions=[v, _s(pattern)])), None
        if op == "contains_near":
            return "contains_near counts word positions (our matcher)"
        lower = not cond.case_sensitive(node)
        items = _items(arg)
        if op == "contains":
            predicate = self._phrases_test([arg.value], lower)
        elif op == "contains_any":
            predicate = self._phrases_test(items, lower)
        elif op == "contains_all":
            predicate = self._all_test(items, lower)
        elif op == "substr":
            needle = arg.value.lower() if lower else arg.value
            predicate = lambda v: exp.GT(this=exp.StrPosition(this=v, substr=_s(needle)), expression=exp.Literal.number(0))  # noqa: E731
        elif op == "wildcard":
            predicate = self._wildcard_test(items, lower)
        else:
            return f"the operator {op} has no SQL form"
        if not lower:
            return predicate, None
        needs = self._lower_guard([i.lower() for i in items] + ([arg.value.lower()] if op in ("contains", "substr") else []))
        return (lambda v: predicate(self._lower(v))), needs

    def _url_hint(self, wanted: list[str]):
        """A cheap test, of a URL in lower case (or of several joined by line feeds), that every
        URL normalising to one of ``wanted`` passes: the dozen steps of the normalisation then
        run only on the few URLs that may match. A normalised URL's path P (before its ``?``)
        stands in the URL followed by nothing, ``/`` or an index page, then by ``?``, ``#`` or
        blanks to the end (csdl.evaluate.urls). None where that does not hold: an empty path,
        or one holding a line feed (Python's ``$`` in the index-page rule)."""
        paths = sorted({w.partition("?")[0] for w in wanted})
        if any(p == "" or "\n" in p for p in paths):
            return None
        space = "[" + _SPACE_CHARS + "]"
        literal = "|".join("".join(c if c.isalnum() or not c.isascii() else "\\x{%x}" % ord(c) for c in p) for p in paths)
        pattern = (f"(?:{literal})(?:/|/(?:{_INDEX_PAGES}))?"
                   + r"(?:[?#]|" + space + r"*(?:\n|\z))")
        return lambda lowered: exp.RegexpLike(this=lowered, expression=_s(pattern))

    def _normalised_url(self, v):
        """csdl.evaluate.urls.normalise_url in SQL, step by step (anchored replacements, so
        RE2 and Java replace the same single occurrence)."""
        space = "[" + _SPACE_CHARS + "]"

        def replace(value, pattern, by=""):
            return exp.RegexpReplace(this=value, expression=_s(pattern), replacement=_s(by))

        url = self._lower_expr(replace(replace(v, r"\A" + space + "+"), space + r"+\z"))
        url = replace(url, r"\A[a-z][a-z0-9+.\-]*://")
        url = replace(url, r"\A//")
        url = replace(url, r"\Awww\.")
        url = replace(url, r"(?s)#.*\z")
        if self.dialect == DUCKDB:
            # The steps below read the URL three times and the path twice: bound once each
            # (a lambda over a one-element list), as the expression would otherwise repeat them.
            return self._bind(url, lambda u: self._url_parts(u, replace))
        return self._url_parts(url, replace)

    def _bind(self, value, body):
        """``body(var)`` with ``var`` bound to ``value``, computed once (DuckDB)."""
        var = self.lambdas.var()
        lam = exp.Lambda(this=body(exp.column(var)), expressions=[exp.to_identifier(var)])
        return exp.Bracket(this=exp.Anonymous(this="list_transform", expressions=[exp.Array(expressions=[value]), lam]),
                           expressions=[exp.Literal.number(0)])  # sqlglot counts from 0; DuckDB prints [1]

    def _url_parts(self, url, replace):
        """The normalised URL from ``url`` (lower-cased, without scheme, ``www.`` and anchor):
        its path, and the query without empty and ``utm_`` parameters."""
        path = replace(url, r"(?s)\?.*\z")
        # Python's $ also matches before a final line feed: the page is dropped there too.
        index_page = "/(?:" + _INDEX_PAGES + ")"
        path = replace(path, index_page + r"\z", "/")
        path = replace(path, index_page + r"\n\z", "/\n")
        path = replace(path, r"/\z")
        position = exp.StrPosition(this=url.copy(), substr=_s("?"))
        query = exp.Case(ifs=[exp.If(this=exp.GT(this=position, expression=exp.Literal.number(0)),
                                     true=exp.Substring(this=url.copy(), start=exp.Add(this=position.copy(), expression=exp.Literal.number(1))))],
                         default=_s(""))
        var = self.lambdas.var()
        keep = exp.Lambda(this=_and([exp.NEQ(this=exp.column(var), expression=_s("")),
                                     exp.Not(this=exp.Anonymous(this="starts_with" if self.dialect == DUCKDB else "startswith",
                                                                expressions=[exp.column(var), _s("utm_")]))]),
                          expressions=[exp.to_identifier(var)])
        if self.dialect == DUCKDB:
            parts = exp.Anonymous(this="string_split", expressions=[query, _s("&")])
            kept = exp.Anonymous(this="array_to_string", expressions=[exp.ArrayFilter(this=parts, expression=keep), _s("&")])
        else:
            parts = exp.Anonymous(this="split", expressions=[query, _s("&")])
            kept = exp.Anonymous(this="array_join", expressions=[exp.ArrayFilter(this=parts, expression=keep), _s("&")])
        if self.dialect == DUCKDB:
            return self._bind(kept, lambda k: self._bind(path, lambda p: exp.Case(
                ifs=[exp.If(this=exp.NEQ(this=k, expression=_s("")), true=exp.DPipe(this=exp.DPipe(this=p, expression=_s("?")), expression=k.copy()))],
                default=p.copy())))
        return exp.Case(ifs=[exp.If(this=exp.NEQ(this=kept, expression=_s("")), true=exp.DPipe(this=exp.DPipe(this=path, expression=_s("?")), expression=kept.copy()))],
                        default=path.copy())

    def _lower_expr(self, v):
        """Python's ``str.lower`` of ``v`` in SQL, Σ aside (see ``__init__``)."""
        for char, low in self.lower_fixes.items():
            v = exp.func("replace", v, _s(char), _s(low), dialect=self.dialect)
        return exp.Lower(this=v)

    def _lower(self, v):
        if _is_lambda_var(v):
            return self._lower_expr(v)
        key = v.sql(self.dialect)
        found = self.derived.get(key)
        if found is None:
            found = self.derived[key] = (f"_lower{len(self.derived)}", self._lower_expr(v.copy()))
        return exp.column(found[0], table=self.rel.alias, quoted=True)

    def _lower_guard(self, wanted=()):
        """The rows our matcher decides for a case-insensitive condition on ``wanted`` (the
        filter's lower-cased texts): texts holding Σ when ``wanted`` holds σ or ς, and texts
        holding a character the engine lowers in a way SQL cannot repair. None: SQL is exact."""
        chars = self.lower_unfixable
        if self.lower_sigma and any(s in w for w in wanted for s in _SIGMAS):
            chars += SIGMA
        if not chars:
            return None
        if len(chars) <= 8:
            # A substring search per character is several times faster than a character class.
            if self.dialect == DUCKDB:
                return lambda v: _or([exp.Anonymous(this="contains", expressions=[v.copy(), _s(c)]) for c in chars])
            return lambda v: _or([exp.GT(this=exp.StrPosition(this=v.copy(), substr=_s(c)), expression=exp.Literal.number(0)) for c in chars])
        pattern = "[" + "".join("\\x{%x}" % ord(c) for c in chars) + "]"
        return lambda v: exp.RegexpLike(this=v, expression=_s(pattern))

    def _regex(self, pattern: str):
        return lambda v: exp.RegexpLike(this=v, expression=_s(pattern))

    def _phrases_test(self, items, lower: bool):
        phrases = [t for t in (tokenize(i.lower() if lower else i) for i in items) if t]
        if not phrases:
            return lambda v: FALSE
        if len(phrases) <= textops.TOKEN_SET_THRESHOLD:
            return self._regex(textops.re2_phrases(phrases))
        if self.dialect == DUCKDB:
            # Phrases of up to MAX_GRAM tokens as runs of neighbouring tokens, all in one
            # semi-join (a regular expression of a thousand phrases costs more than the join).
            grams = sorted({" ".join(p) for p in phrases if len(p) <= MAX_GRAM})
            longer = [p for p in phrases if len(p) > MAX_GRAM]
            sizes = sorted({len(p) for p in phrases if len(p) <= MAX_GRAM})

            def test(v):
                if _is_lambda_var(v):  # no subquery inside a lambda: one regular expression
                    return self._regex(textops.re2_phrases(phrases))(v)
                parts = [self._grams_overlap(v, grams, sizes)]
                if longer:
                    parts.append(self._regex(textops.re2_phrases(longer))(v))
                return _or(parts)

            return test
        singles = sorted({p[0] for p in phrases if len(p) == 1})
        multi = [p for p in phrases if len(p) > 1]
        parts = []
        if singles:
            parts.append(lambda v: self._tokens_overlap(v, singles))
        if multi:
            parts.append(self._regex(textops.re2_phrases(multi)))
        return lambda v: _or([p(v) for p in parts])

    def _grams_overlap(self, v, grams: list[str], sizes: list[int]):
        """Some run of n neighbouring tokens of ``v`` (n in ``sizes``), joined by spaces, is one of
        ``grams``: a hash semi-join. Neighbouring tokens are exactly what a phrase means: only
        white space lies between them (every other character is a token of its own)."""
        import sqlglot

        self.lambdas.n += 1
        n = self.lambdas.n
        runs = ", ".join(
            "list_transform(range(1, len(t) - %d), lambda i: array_to_string(list_slice(t, i, i + %d), ' '))" % (k - 2, k - 1)
            for k in sizes if k > 1)
        body = "list_concat(t, %s)" % runs if runs else "t"
        # The tokens are computed once: the lambda of a one-element list binds them to t.
        source = exp.replace_placeholders(sqlglot.parse_one(f"list_transform([:tokens], lambda t: {body})[1]", read="duckdb"),
                                          tokens=self._tokens(v))
        tokens = exp.Unnest(expressions=[source], alias=exp.TableAlias(this=exp.to_identifier(f"csdl_tokens{n}"),
                                                                       columns=[exp.to_identifier("token")]))
        inner = exp.select(exp.Literal.number(1)).from_(tokens).where(
            exp.In(this=exp.column("token", table=f"csdl_tokens{n}"), query=exp.Subquery(this=self.words(grams, n))))
        return exp.Exists(this=inner)

    def _all_test(self, items, lower: bool):
        phrases = [tokenize(i.lower() if lower else i) for i in items]
        if not phrases or any(not p for p in phrases):
            return lambda v: FALSE
        if len(phrases) <= textops.TOKEN_SET_THRESHOLD:
            tests = [self._regex(textops.re2_phrases([p])) for p in phrases]
            return lambda v: _and([t(v) for t in tests])
        singles = sorted({p[0] for p in phrases if len(p) == 1})
        multi = [p for p in phrases if len(p) > 1]
        tests = [self._regex(textops.re2_phrases([p])) for p in multi]

        def test(v):
            parts = [self._tokens_contain_all(v, singles)] if singles else []
            return _and(parts + [t(v) for t in tests])

        return test

    def _tokens(self, v):
        return exp.RegexpExtractAll(this=v, expression=_s(TOKEN_PATTERN), group=exp.Literal.number(0))

    def _tokens_overlap(self, v, words, ngram: int = 1):
        """Some token of ``v`` is one of ``words``; with ``ngram`` n, some run of n consecutive
        tokens joined by spaces is (tokens never hold a space, so the join is unambiguous)."""
        if ngram > 1 and (self.dialect != DUCKDB or _is_lambda_var(v)):
            return self._regex(textops.re2_phrases([g.split(" ") for g in words]))(v)
        if self.dialect == DUCKDB and not _is_lambda_var(v):
            # A semi-join of the text's tokens with the words as a VALUES list: a hash lookup per
            # token (DuckDB's list_has_any with a 10,000-word list costs its length per row).
            self.lambdas.n += 1
            n = self.lambdas.n
            words_query = self.words(words, n)
            source = self._tokens(v)
            if ngram > 1:
                source = exp.replace_placeholders(sqlglot.parse_one(
                    "list_transform(range(1, len(:t) - :k + 2), lambda i: array_to_string(list_slice(:t, i, i + :k - 1), ' '))",
                    read="duckdb"), t=source, k=exp.Literal.number(ngram))
            tokens = exp.Unnest(expressions=[source], alias=exp.TableAlias(this=exp.to_identifier(f"csdl_tokens{n}"),
                                                                                    columns=[exp.to_identifier("token")]))
            inner = exp.select(exp.Literal.number(1)).from_(tokens).where(
                exp.In(this=exp.column("token", table=f"csdl_tokens{n}"), query=exp.Subquery(this=words_query)))
            return exp.Exists(this=inner)
        wanted = exp.Array(expressions=[_s(w) for w in words])
        name = "list_has_any" if self.dialect == DUCKDB else "arrays_overlap"
        return exp.Anonymous(this=name, expressions=[self._tokens(v), wanted])

    def _tokens_contain_all(self, v, words):
        wanted = exp.Array(expressions=[_s(w) for w in words])
        if self.dialect == DUCKDB:
            return exp.Anonymous(this="list_has_all", expressions=[self._tokens(v), wanted])
        # every wanted word among the tokens: nothing left after removing them
        return exp.EQ(this=exp.ArraySize(this=exp.Anonymous(this="array_except", expressions=[wanted, self._tokens(v)])),
                      expression=exp.Literal.number(0))

    def _wildcard_test(self, items, lower: bool):
        compiled = [b for b in (textops.wildcard_item(i.lower() if lower else i) for i in items) if b is not None]
        if not compiled:
            return lambda v: FALSE
        return self._regex("|".join(f"(?:{p})" for p, _ in compiled))

    # comparisons
    def equality(self, node: ast.Condition, kind: str):
        arg, negate = node.argument, node.operator == "!="
        lower = not cond.case_sensitive(node)
        needs = None
        if kind == STRUCT:
            return (lambda v: FALSE), None  # an object is neither equal nor different (wrong type)
        if isinstance(arg, ast.Number):
            if kind == TEXT:
                return "a number read out of text (Python's int()/float())"
            base = lambda v: exp.EQ(this=_numeric(v, kind), expression=_n(arg.value))  # noqa: E731
        else:
            wanted = arg.value
            if kind == TEXT:
                if lower:
                    needs = self._lower_guard([wanted.lower()])
                    base = lambda v: exp.EQ(this=self._lower(v), expression=_s(wanted.lower()))  # noqa: E731
                else:
                    base = lambda v: exp.EQ(this=v, expression=_s(wanted))  # noqa: E731
            else:
                number = parse_number(wanted)
                if number is None:
                    base = lambda v: exp.Not(this=exp.Is(this=v, expression=exp.Null())) if negate else FALSE  # noqa: E731
                    return (lambda v: exp.Not(this=exp.Is(this=v, expression=exp.Null()))) if negate else (lambda v: FALSE), None
                base = lambda v: exp.EQ(this=_numeric(v, kind), expression=_n(number))  # noqa: E731
        if negate:
            return (lambda v: _and([exp.Not(this=exp.Is(this=v, expression=exp.Null())), _not(base(v))])), needs
        return base, needs

    def membership(self, node: ast.Condition, kind: str):
        arg = node.argument
        if kind == STRUCT:
            return (lambda v: FALSE), None
        if isinstance(arg, ast.NumberList):
            if kind == TEXT:
                return "a number read out of text (Python's int()/float())"
            values = sorted(set(arg.values), key=repr)
            return (lambda v: exp.In(this=_numeric(v, kind), expressions=[_n(x) for x in values])), None
        items = _items(arg)
        if kind == TEXT:
            strings = sorted({item.lower() for item in items})
            if not strings:
                return (lambda v: FALSE), None
            return (lambda v: exp.In(this=self._lower(v), expressions=[_s(s) for s in strings])), self._lower_guard(strings)
        numbers = sorted({n for n in (parse_number(i) for i in items) if n is not None}, key=repr)
        if not numbers:
            return (lambda v: FALSE), None
        return (lambda v: exp.In(this=_numeric(v, kind), expressions=[_n(x) for x in numbers])), None

    # geo
    def geo(self, node: ast.Condition, typ: Type):
        from csdl.language.geo import GeoFormatError, parse_box

        if typ.kind != STRUCT:
            if typ.kind in SCALARS:
                return (lambda v: FALSE), None  # not a point: wrong-typed
            return "a geo value that is not an object"
        lat_t, lon_t = typ.fields.get("latitude"), typ.fields.get("longitude")
        if lat_t is None or lon_t is None or lat_t.kind not in (INT, FLOAT) or lon_t.kind not in (INT, FLOAT):
            if (lat_t is None or lat_t.kind in (TEXT, STRUCT)) or (lon_t is None or lon_t.kind in (TEXT, STRUCT)):
                return (lambda v: FALSE), None  # never a point: wrong-typed
            return "a geo value with untyped coordinates"
        if node.operator != "geo_box":
            return f"{node.operator} runs our geometry (the same floating-point operations)"
        try:
            (lat1, west), (lat2, east) = parse_box(node.argument.value)
        except GeoFormatError:
            return "a malformed geo_box"  # the Python matcher reports it first
        south, north = min(lat1, lat2), max(lat1, lat2)

        def test(v):
            lat = exp.Dot(this=v.copy(), expression=exp.to_identifier("latitude", quoted=True))
            lon = exp.Dot(this=v.copy(), expression=exp.to_identifier("longitude", quoted=True))
            valid = _and([exp.Between(this=lat, low=_n(-90), high=_n(90)), exp.Between(this=lon.copy(), low=_n(-180), high=_n(180))])
            in_lat = exp.Between(this=lat.copy(), low=_n(float(south)), high=_n(float(north)))
            if west <= east:
                in_lon = exp.Between(this=lon.copy(), low=_n(float(west)), high=_n(float(east)))
            else:
                in_lon = _or([exp.GTE(this=lon.copy(), expression=_n(float(west))), exp.LTE(this=lon.copy(), expression=_n(float(east)))])
            return _and([valid, in_lat, in_lon])

        return test, None


def _is_lambda_var(v) -> bool:
    """A list element inside a lambda (x1, x2 ...): no subquery may refer to it."""
    return isinstance(v, exp.Column) and not v.table and v.name.startswith("x") and v.name[1:].isdigit() or (
        isinstance(v, (exp.Lower, exp.Replace)) and _is_lambda_var(v.this))


def _numeric(v, kind):
    if kind == BOOL:
        return exp.cast(v, exp.DataType.build("INT"))
    return v


def _any(expr, test, lambdas: _Lambdas):
    """Some non-null element of the array ``expr`` passes ``test``."""
    name = lambdas.var()
    var = exp.column(name)
    body = _coalesce_false(test(var))
    lam = exp.Lambda(this=body, expressions=[exp.to_identifier(name)])
    size = exp.ArraySize(this=exp.ArrayFilter(this=expr.copy(), expression=lam))
    return _coalesce_false(exp.GT(this=size, expression=exp.Literal.number(0)))


def _items(arg) -> tuple[str, ...]:
    if isinstance(arg, ast.TextList):
        return arg.items
    if isinstance(arg, ast.Text):
        return (arg.value,)
    return tuple(str(v) for v in getattr(arg, "values", ()))


def _validate(node: ast.Condition) -> None:
    """The argument errors the Python matcher raises (R001-R004): building its closure is the
    check, so both engines refuse the same filters."""
    cond.build(node)


# --- the query --------------------------------------------------------------------------------


def compile_query(filter_ast: ast.Filter, relation: Relation, *, library=None, source: exp.Expression | None = None,
                  lower_exceptions: str = "", lower_unfixable: str = "", word_tables: bool = False) -> Plan:
    """The plan for ``filter_ast`` over ``relation``; ``source`` is what the FROM reads (a table
    name by default: ``posts``). ``word_tables``: long word lists as tables the engine registers
    (``Plan.word_tables``) instead of VALUES lists in the query text."""
    from csdl.library import resolve

    compiler = Compiler(relation, library=resolve(filter_ast, library).require(), lower_exceptions=lower_exceptions,
                        lower_unfixable=lower_unfixable)
    if word_tables:
        compiler.word_tables = {}
    rules = compiler.tag_rules(filter_ast)
    main = FALSE
    if filter_ast.main is not None:
        scope = "return" if filter_ast.returns is not None else "filter"
        main = compiler.expression(filter_ast.main, filter_ast.source, scope)
    tag_columns, tag_exprs = [], []
    for i, (namespace, name, score, body) in enumerate(rules):
        column = f"_tag{i}"
        tag_columns.append(TagColumn(tuple(namespace), name, score, column))
        tag_exprs.append(exp.alias_(_coalesce_false(body), column, quoted=True))
    from_ = source if source is not None else exp.to_table("posts")
    derived = list(compiler.derived.values())
    if derived:
        from_ = wrap_derived(from_, derived, relation.alias)
    if rules:
        # The delivered columns read the rule columns of the inner query.
        inner = exp.select(exp.Star(), *tag_exprs).from_(exp.alias_(from_, relation.alias, table=True)).where(main)
        select = exp.select(exp.Star(), *_delivered_tags(tag_columns)).from_(
            exp.alias_(exp.Subquery(this=inner), "matched", table=True))
    else:
        select = exp.select(exp.Star()).from_(exp.alias_(from_, relation.alias, table=True)).where(main)
    return Plan(where=main, select=select, udfs=compiler.udfs, decisions=compiler.decisions, tags=tag_columns,
                tag_exprs=tag_exprs, derived=derived, word_tables=compiler.word_tables or {})


def inline_single_uses(plan, alias: str):
    """The filter and the tag rules (copies), with each derived column (a lower-cased text) that
    only one condition reads written in place: DuckDB then lowers it only on the rows reaching
    that condition, not on every row the scan passes. Those read more than once stay columns,
    and so do those a subquery reads (DuckDB would evaluate the text again in its join)."""
    where = plan.where.copy()
    tags = [e.this.copy() for e in plan.tag_exprs]
    trees = [where, *tags]
    uses = {name: 0 for name, _ in plan.derived}
    for tree in trees:
        for column in tree.find_all(exp.Column):
            if column.table == alias and column.name in uses:
                uses[column.name] += 1 if column.find_ancestor(exp.Select, exp.Exists, exp.Subquery) is None else 2
    single = {name: expr for name, expr in plan.derived if uses[name] <= 1}
    if not single:
        return where, tags, plan.derived

    def put(node):
        if isinstance(node, exp.Column) and node.table == alias and node.name in single:
            return single[node.name].copy()
        return node

    where, *tags = [tree.transform(put, copy=False) for tree in trees]
    return where, tags, [(name, expr) for name, expr in plan.derived if name not in single]


def wrap_derived(source: exp.Expression, derived, alias: str) -> exp.Expression:
    """``source`` with the derived columns (lower-cased texts) added: what the query reads."""
    inner = source if isinstance(source, (exp.Select, exp.Subquery)) else None
    if inner is None:
        base = exp.alias_(source, alias, table=True)
    else:
        base = exp.Subquery(this=source.this if isinstance(source, exp.Subquery) else source, alias=exp.TableAlias(this=exp.to_identifier(alias)))
    return exp.Subquery(this=exp.select(exp.Star(), *[exp.alias_(e.copy(), name, quoted=True) for name, e in derived]).from_(base))


def _delivered_tags(columns: list[TagColumn]) -> list[exp.Expression]:
    """``interaction.tags`` (plain names, once each, in rule order) and ``tag_tree`` (names
    and summed scores per namespace) as DataSift delivered them; empty parts are NULL."""
    plain: dict[str, list[str]] = {}
    for c in columns:
        if not c.namespace:
            plain.setdefault(c.name, []).append(c.column)
    names = [exp.Case(ifs=[exp.If(this=_or(exp.column(col, quoted=True) for col in cols), true=_s(name))])
             for name, cols in plain.items()]
    out = []
    if names:
        var = "t"
        lam = exp.Lambda(this=exp.Not(this=exp.Is(this=exp.column(var), expression=exp.Null())), expressions=[exp.to_identifier(var)])
        tags = exp.ArrayFilter(this=exp.Array(expressions=names), expression=lam)
        out.append(exp.alias_(tags, "interaction.tags", quoted=True))
    tree: dict = {}
    for c in columns:
        if c.namespace:
            tree.setdefault(c.namespace, []).append(c)
    if tree:
        leaves = []
        for path, cols in tree.items():
            if cols[0].score is not None:
                total = exp.Add(this=_n(0), expression=_n(0))
                parts = [exp.Case(ifs=[exp.If(this=exp.column(x.column, quoted=True), true=exp.cast(exp.Literal.number(x.score.lstrip("+")), exp.DataType.build("DECIMAL(38, 10)")))],
                                  default=exp.cast(exp.Literal.number(0), exp.DataType.build("DECIMAL(38, 10)"))) for x in cols if x.score is not None]
                total = parts[0]
                for p in parts[1:]:
                    total = exp.Add(this=total, expression=p)
                leaf = exp.Case(ifs=[exp.If(this=_or(exp.column(x.column, quoted=True) for x in cols if x.score is not None), true=total)])
            else:
                seen: dict[str, list[str]] = {}
                for x in cols:
                    if x.name is not None:
                        seen.setdefault(x.name, []).append(x.column)
                var = "t"
                lam = exp.Lambda(this=exp.Not(this=exp.Is(this=exp.column(var), expression=exp.Null())), expressions=[exp.to_identifier(var)])
                leaf = exp.ArrayFilter(this=exp.Array(expressions=[exp.Case(ifs=[exp.If(this=_or(exp.column(c2, quoted=True) for c2 in cs), true=_s(n))]) for n, cs in seen.items()]),
                                       expression=lam)
            leaves.append(exp.alias_(leaf, "tag." + ".".join(path), quoted=True))
        out.extend(leaves)
    return out


_STAMP = r"[A-Z][a-z]{2}, [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}"


def epoch_expression(created: exp.Expression, dialect: str) -> exp.Expression:
    """Seconds of an interaction.created_at of the common shape "Mon, 04 Mar 2024 01:07:00 +0000";
    NULL for anything else, which the Python engine's own parser then reads (results.Collector)."""
    import sqlglot

    # Both engines read year 0000 as a year; our parser does not: NULL, so that parser decides.
    if dialect == DUCKDB:
        text = ("CASE WHEN length(:c) = 31 AND regexp_full_match(:c, :shape) AND substr(:c, 13, 4) <> '0000' "
                "THEN epoch(try_strptime(substr(:c, 6), '%d %b %Y %H:%M:%S %z')) END")
    else:
        text = ("CASE WHEN length(:c) = 31 AND :c RLIKE :anchored AND substr(:c, 13, 4) <> '0000' "
                "THEN CAST(unix_seconds(try_to_timestamp(substr(:c, 6), 'dd MMM yyyy HH:mm:ss Z')) AS DOUBLE) END")
    tree = _EPOCH_TEMPLATES.get(dialect)
    if tree is None:  # parsed once per process (a parse costs milliseconds); replace_placeholders copies it
        tree = _EPOCH_TEMPLATES[dialect] = sqlglot.parse_one(text, read=dialect)
    return exp.replace_placeholders(tree, c=created, shape=exp.Literal.string(_STAMP), anchored=exp.Literal.string("^" + _STAMP + "$"))


_EPOCH_TEMPLATES: dict[str, exp.Expression] = {}


# --- evaluation order in a projection -----------------------------------------------------------

_COSTLY = (exp.RegexpExtractAll, exp.RegexpReplace, exp.Exists, exp.ArrayFilter)


def cost(expr: exp.Expression) -> int:
    """A rough cost of evaluating ``expr`` per row: a UDF far above a regular expression, that
    above a subquery or a list function, those above parsing or lower-casing one value, those
    above a comparison. A regular expression usually reads a long text (Unicode classes at every
    byte) where lower() and from_json read a short field: ranked below them, the cheap tests
    on short fields run first and the expression sees only the rows they keep."""
    total = 1
    for node in expr.walk():
        if isinstance(node, exp.Anonymous) and str(node.this).lower().startswith("csdl_cond_"):
            total += 1000
        elif isinstance(node, exp.RegexpLike) or (isinstance(node, exp.Anonymous) and str(node.this).lower() == "regexp_full_match"):
            total += 40
        elif isinstance(node, _COSTLY):
            total += 20
        elif isinstance(node, exp.Lower) or (isinstance(node, exp.Anonymous) and str(node.this).lower() in ("json_type", "from_json")):
            total += 10
        elif isinstance(node, (exp.StrPosition, exp.Anonymous)):
            total += 3
    return total


def selected(condition: exp.Expression) -> exp.Expression:
    """``condition`` (never NULL) as a CASE: DuckDB tests a CASE's condition as it filters rows,
    each AND and OR operand only on the rows still undecided, in the order it finds cheapest
    (an AND in a SELECT list would evaluate every operand on every row)."""
    return exp.Case(ifs=[exp.If(this=condition, true=exp.true())], default=exp.false())


def short_circuit(expr: exp.Expression) -> exp.Expression:
    """``expr`` with every AND and OR written as a CASE, cheapest operand first. DuckDB evaluates
    AND and OR in a SELECT list on every row, but a CASE branch only on the rows that reach it;
    a WHERE clause reorders and short-circuits by itself. The conditions are never NULL, so
    ``a AND b`` is ``CASE WHEN a THEN b ELSE false END``."""
    if isinstance(expr, exp.Paren):
        return short_circuit(expr.this)
    if isinstance(expr, exp.Not):
        return exp.Not(this=exp.paren(short_circuit(expr.this), copy=False))
    if isinstance(expr, (exp.And, exp.Or)):
        kind = type(expr)
        operands = [short_circuit(o) for o in _flatten(expr, kind)]
        operands.sort(key=cost)
        out = operands[-1]
        for operand in reversed(operands[:-1]):
            if kind is exp.And:
                out = exp.Case(ifs=[exp.If(this=operand, true=out)], default=FALSE.copy())
            else:
                out = exp.Case(ifs=[exp.If(this=operand, true=TRUE.copy())], default=out)
        return out
    return expr


def _flatten(expr, kind):
    while isinstance(expr, exp.Paren):
        expr = expr.this
    if isinstance(expr, kind):
        return _flatten(expr.this, kind) + _flatten(expr.expression, kind)
    return [expr]
