"""The shape of the data a query runs on, independent of the engine: which columns exist, and for
each target whether it is text, a number, a boolean, an object (struct), an array, or something
SQL cannot read the way our matcher does (``other``: then the condition runs on our matcher).

DuckDB and Spark both describe columns as nested types; ``from_duckdb`` and ``from_spark``
translate them. A target missing from the schema is absent in every row.
"""

from __future__ import annotations

TEXT, INT, FLOAT, BOOL, STRUCT, LIST, OTHER = "text", "int", "float", "bool", "struct", "list", "other"
SCALARS = frozenset({TEXT, INT, FLOAT, BOOL})


class Type:
    __slots__ = ("kind", "fields", "element", "name")

    def __init__(self, kind: str, *, fields: dict | None = None, element: "Type | None" = None, name: str = ""):
        self.kind = kind
        self.fields = fields or {}
        self.element = element
        self.name = name  # the engine's own name for it, for messages

    def __repr__(self) -> str:
        if self.kind == STRUCT:
            return "struct<" + ", ".join(f"{k}: {v!r}" for k, v in self.fields.items()) + ">"
        if self.kind == LIST:
            return f"list<{self.element!r}>"
        return self.kind if self.kind != OTHER else f"other({self.name})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Type) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))


def struct(**fields) -> Type:
    return Type(STRUCT, fields=fields)


def scalar(kind: str) -> Type:
    return Type(kind)


_DUCK_INTS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
_DUCK_FLOATS = {"DOUBLE"}  # FLOAT (32-bit) and DECIMAL print differently from a JSON number: ours


def from_duckdb(duck_type) -> Type:
    """A ``duckdb.typing.DuckDBPyType`` (as ``relation.types`` gives) to a ``Type``."""
    type_id = duck_type.id
    if type_id == "struct":
        return Type(STRUCT, fields={name: from_duckdb(child) for name, child in duck_type.children}, name=str(duck_type))
    if type_id == "list":
        return Type(LIST, element=from_duckdb(dict(duck_type.children)["child"]), name=str(duck_type))
    name = str(duck_type).upper()
    if name == "VARCHAR":
        return Type(TEXT, name=name)
    if name == "BOOLEAN":
        return Type(BOOL, name=name)
    if name in _DUCK_INTS:
        return Type(INT, name=name)
    if name in _DUCK_FLOATS:
        return Type(FLOAT, name=name)
    return Type(OTHER, name=name)


def from_spark(data_type) -> Type:
    """A ``pyspark.sql.types.DataType`` to a ``Type``."""
    from pyspark.sql import types as T

    if isinstance(data_type, T.StructType):
        return Type(STRUCT, fields={f.name: from_spark(f.dataType) for f in data_type.fields}, name=data_type.simpleString())
    if isinstance(data_type, T.ArrayType):
        return Type(LIST, element=from_spark(data_type.elementType), name=data_type.simpleString())
    if isinstance(data_type, T.StringType):
        return Type(TEXT, name="string")
    if isinstance(data_type, T.BooleanType):
        return Type(BOOL, name="boolean")
    if isinstance(data_type, (T.ByteType, T.ShortType, T.IntegerType, T.LongType)):
        return Type(INT, name=data_type.simpleString())
    if isinstance(data_type, T.DoubleType):
        return Type(FLOAT, name="double")
    return Type(OTHER, name=data_type.simpleString())


def type_of(value) -> Type | None:
    """The Type of one decoded JSON value (None for null: it says nothing about the type)."""
    cls = value.__class__
    if cls is str:
        return Type(TEXT)
    if cls is bool:
        return Type(BOOL)
    if cls is int:
        return Type(INT) if -(1 << 63) <= value < (1 << 64) else Type(OTHER, name="JSON")
    if cls is float:
        return Type(FLOAT)
    if cls is dict:
        fields = {}
        for k, v in value.items():
            t = type_of(v)
            if t is not None:
                fields[k] = t
            elif k not in fields:
                fields[k] = None
        return Type(STRUCT, fields=fields)
    if cls is list:
        element = None
        for item in value:
            element = merge_type(element, type_of(item))
        return Type(LIST, element=element)
    return None


def merge_type(a: Type | None, b: Type | None) -> Type | None:
    """The type both values fit: ints and floats are floats; anything else mixed is JSON
    (``other``: read by our matcher)."""
    if a is None:
        return b
    if b is None:
        return a
    if a.kind == b.kind:
        if a.kind == STRUCT:
            fields = dict(a.fields)
            for k, v in b.fields.items():
                fields[k] = merge_type(fields.get(k), v)
            return Type(STRUCT, fields=fields)
        if a.kind == LIST:
            return Type(LIST, element=merge_type(a.element, b.element))
        return a
    if {a.kind, b.kind} == {INT, FLOAT}:
        return Type(FLOAT)
    return Type(OTHER, name="JSON")


def finish(t: Type | None) -> Type:
    """Fields only ever null, and arrays only ever empty, become JSON (other)."""
    if t is None:
        return Type(OTHER, name="JSON")
    if t.kind == STRUCT:
        return Type(STRUCT, fields={k: finish(v) for k, v in t.fields.items()})
    if t.kind == LIST:
        return Type(LIST, element=finish(t.element))
    return t


def used_paths(schema: Type, targets) -> Type:
    """The part of ``schema`` the targets read (for a JSON structure with nothing else in it)."""
    out: dict = {}
    for target in targets:
        node, here = schema, out
        keys = target.split(".")
        for i, key in enumerate(keys):
            if node.kind != STRUCT or key not in node.fields:
                break
            child = node.fields[key]
            if i == len(keys) - 1 or child.kind != STRUCT:
                here[key] = child
                break
            sub = here.get(key)
            if not isinstance(sub, dict):
                sub = here[key] = {}
            here, node = sub, child

    def build(d):
        return Type(STRUCT, fields={k: (build(v) if isinstance(v, dict) else v) for k, v in d.items()})

    return build(out)


def duckdb_structure(t: Type):
    """The ``from_json`` structure for a Type (a JSON-ready value)."""
    if t.kind == STRUCT:
        return {k: duckdb_structure(v) for k, v in t.fields.items()}
    if t.kind == LIST:
        return [duckdb_structure(t.element)]
    return {TEXT: "VARCHAR", INT: "HUGEINT", FLOAT: "DOUBLE", BOOL: "BOOLEAN"}.get(t.kind, "JSON")


def from_catalogue(targets) -> Type:
    """The schema DataSift's documentation gives the targets (``csdl.checking.catalogue``): the
    default of ``csdl sql`` when no data is given. Unknown targets are taken as text."""
    from csdl.checking.catalogue import lookup

    kinds = {"string": TEXT, "int": INT, "float": FLOAT}
    root: dict = {}
    for target in targets:
        entry = lookup(target)
        if entry is None or entry.type not in kinds and entry.type != "geo":
            leaf = Type(TEXT)
        elif entry.type == "geo":
            leaf = Type(STRUCT, fields={"latitude": Type(FLOAT), "longitude": Type(FLOAT)})
        else:
            leaf = Type(kinds[entry.type])
        if entry is not None and entry.is_list:
            leaf = Type(LIST, element=leaf)
        keys = target.split(".")
        here = root
        for key in keys[:-1]:
            sub = here.get(key)
            if not isinstance(sub, dict):
                sub = here[key] = {}
            here = sub
        if keys[-1] not in here:
            here[keys[-1]] = leaf

    def build(d):
        return Type(STRUCT, fields={k: (build(v) if isinstance(v, dict) else v) for k, v in d.items()})

    return build(root)


def static_lower_exceptions() -> str:
    """Characters whose lower case depends on more than the character in Python (Σ by its
    position; İ and others become two characters): what ``csdl sql`` assumes without an engine
    to ask. The engines add the characters their own lower() maps differently."""
    out = {"\u03a3"}
    for c in range(0x1F000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        ch = chr(c)
        if len(ch.lower()) != 1:
            out.add(ch)
    return "".join(sorted(out))
