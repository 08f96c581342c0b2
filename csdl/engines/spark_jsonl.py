"""JSON Lines on Spark: every line with where it stands, parsed once by Spark's own JSON parser
into the column types inferred from a sample, and a verdict on whether SQL reads it as the
Python engine does.

Spark reads the files as text (``spark.read.text``: the line exactly as written, for the output)
and ``from_json`` parses each line into the schema's types. Spark's parser is more lenient than
ours in ways a flag per line catches, so only the lines it flags go to our decoder:

* it stops after the first JSON value and ignores what follows (``{"a":1} x``): the line is
  parsed inside ``{"x": <line>, "\\u0000": 1}``, and a line is a post only where that sentinel
  key reads 1 (a line that has the key ``"\\u0000"`` itself goes to our decoder);
* it reads a lone surrogate escape (``"\\ud800"``) as ``?``: lines with a surrogate escape;
* a text column reads numbers, booleans, objects and arrays as their JSON text (``2`` and
  ``"2"`` alike): a text value that could be such a rendering (``2``, ``true``, ``{...``);
* a number column reads the strings ``"NaN"`` and ``"Infinity"``: a NaN or infinite value;
* a value of another type where the sample had a number, a boolean, an object or an array makes
  the line corrupt (``_corrupt_record``); a field the sample never had, or a value of mixed type
  in the sample, is read as text and must be absent.

A flagged line has status 1 (our decoder decides: a bad line, R101/R102, or a post our matcher
evaluates, reporting wrong-typed values, R201); ``__doubt`` marks a post SQL reads but the Python
engine must decide (``results.Collector``).
"""

from __future__ import annotations

from .schema import BOOL, FLOAT, INT, LIST, OTHER, STRUCT, TEXT, Type

#: The sentinel key after each line (a NUL: a line can only name it as the escape ``\u0000``).
SENTINEL = "\x00"
BLANK_CHARS = " \t\n\r\x0b\x0c"  # what bytes.strip() strips: a line of these is blank
BLANK, NOT_JSON, POST = 0, 1, 3
# From_json as our decoder reads JSON: no single quotes, no NaN/Infinity tokens.
OPTIONS = {"allowSingleQuotes": "false", "allowNonNumericNumbers": "false", "mode": "PERMISSIVE",
           "columnNameOfCorruptRecord": "_corrupt_record"}


def parse_schema(schema: Type, targets) -> Type:
    """``schema`` with every target key it lacks added as text (OTHER): present only in posts our
    matcher must decide, so from_json must read it to say so."""
    fields = dict(schema.fields)
    for target in targets:
        _add_missing(fields, target.split("."))
    return Type(STRUCT, fields=fields)


def _add_missing(fields: dict, keys: list[str]) -> None:
    key = keys[0]
    child = fields.get(key)
    if child is None:
        fields[key] = Type(OTHER, name="absent from the sample")
        return
    if len(keys) == 1:
        return
    if child.kind == STRUCT:
        inner = dict(child.fields)
        _add_missing(inner, keys[1:])
        fields[key] = Type(STRUCT, fields=inner, name=child.name)
    elif child.kind == LIST and child.element is not None and child.element.kind == STRUCT:
        inner = dict(child.element.fields)
        _add_missing(inner, keys[1:])
        fields[key] = Type(LIST, element=Type(STRUCT, fields=inner), name=child.name)


def spark_type(t: Type | None):
    """The pyspark DataType from_json reads ``t`` as (text for OTHER: any JSON value reads as text)."""
    from pyspark.sql import types as T

    if t is None or t.kind in (TEXT, OTHER):
        return T.StringType()
    if t.kind == INT:
        return T.LongType()
    if t.kind == FLOAT:
        return T.DoubleType()
    if t.kind == BOOL:
        return T.BooleanType()
    if t.kind == LIST:
        return T.ArrayType(spark_type(t.element))
    return T.StructType([T.StructField(k, spark_type(v)) for k, v in t.fields.items()])


def unquoted_rendering(value):
    """True where a text column's value may be a number, boolean, object or array that
    from_json rendered as text (Jackson writes numbers with digits, '.', 'E', '+' and '-')."""
    from pyspark.sql import functions as F

    first = F.substring(value, 1, 1)
    number = first.isin(*"-0123456789") & value.rlike(r"\A[-+.0-9eE]+\z")
    return number | first.isin("{", "[", '"') | value.isin("true", "false")


def doubtful(value, t: Type):
    """A Column, true where ``value`` (read as ``spark_type(t)``) may hold what our decoder reads
    otherwise; None where the type cannot (an integer, a boolean: from_json refuses the rest)."""
    from pyspark.sql import functions as F

    if t is None or t.kind == OTHER:
        return value.isNotNull()
    if t.kind == TEXT:
        return unquoted_rendering(value)
    if t.kind == FLOAT:
        return F.isnan(value) | (F.abs(value) == F.lit(float("inf")))
    if t.kind == STRUCT:
        parts = [p for p in (doubtful(value.getField(k), v) for k, v in t.fields.items()) if p is not None]
        return _any(parts)
    if t.kind == LIST:
        if t.element is None:
            return F.size(value) > 0
        if not _may_doubt(t.element):
            return None
        return F.exists(value, lambda e: F.coalesce(doubtful(e, t.element), F.lit(False)))
    return None


def _may_doubt(t: Type | None) -> bool:
    if t is None or t.kind in (OTHER, TEXT, FLOAT):
        return True
    if t.kind == STRUCT:
        return any(_may_doubt(v) for v in t.fields.values())
    if t.kind == LIST:
        return _may_doubt(t.element)
    return False


def _any(parts):
    if not parts:
        return None
    out = parts[0]
    for p in parts[1:]:
        out = out | p
    return out


def parsed_lines(lines, parse: Type):
    """``lines`` (a frame with ``__line``) with ``__status`` and ``__doubt``, and the parsed
    top-level keys of ``parse`` as columns."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    schema = T.StructType([T.StructField("x", spark_type(parse)), T.StructField(SENTINEL, T.IntegerType()),
                           T.StructField("_corrupt_record", T.StringType())])
    line = F.col("__line")
    wrapped = F.concat(F.lit('{"x":'), line, F.lit(',"\\u0000":1}'))
    parsed = lines.select("*", F.from_json(wrapped, schema, OPTIONS).alias("__j"))
    j = F.col("__j")
    clean = (j.getField("_corrupt_record").isNull() & j.getField("x").isNotNull() & (j.getField(SENTINEL) == 1)
             & ~line.contains("\\u0000") & ~line.rlike(r"\\u[dD][89a-fA-F]"))
    blank = F.btrim(line, F.lit(BLANK_CHARS)) == F.lit("")
    status = F.when(clean, F.lit(POST)).when(blank, F.lit(BLANK)).otherwise(F.lit(NOT_JSON))
    doubt = _any([p for p in (doubtful(j.getField("x").getField(k), v) for k, v in parse.fields.items()) if p is not None])
    columns = [F.col(c) for c in lines.columns] + [status.alias("__status"),
                                                   (F.coalesce(doubt, F.lit(False)) if doubt is not None else F.lit(False)).alias("__doubt")]
    columns += [j.getField("x").getField(k).alias(k) for k in parse.fields]
    return parsed.select(*columns)
