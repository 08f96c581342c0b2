"""Where a post may hold a value that a condition calls wrong-typed (R201), known from the schema.

The Python engine reports each post whose conditions met a value of the wrong type for them (an
object where text was expected, text for ``>``, a geo value that is not a point in range). SQL
answers such a condition as the Python engine does (false) but cannot say so; so a post holding a
value at one of these targets is decided by the Python engine whole, which reports it exactly as
``csdl run`` does on every engine. Targets whose column type every condition reading them accepts
cost nothing.
"""

from __future__ import annotations

from .schema import BOOL, FLOAT, INT, LIST, STRUCT, TEXT, Type

_SCALARS = frozenset({TEXT, INT, FLOAT, BOOL})
#: The column kinds each operator reads without ever meeting a wrong-typed value (docs/run.md).
_CLEAN = {
    "text": _SCALARS,  # text operators read numbers and booleans as their text
    "equality": _SCALARS,  # ==, != and in compare text and numbers either way
    "order": frozenset({INT, FLOAT, BOOL}),  # < <= > >=: a text that is not a number is wrong-typed
    "geo": frozenset(),  # a point may be out of range: every present value is looked at
}


def _family(operator: str) -> str | None:
    from csdl.evaluate.conditions import GEO_OPERATORS, STRING_OPERATORS, TEXT_OPERATORS

    if operator == "exists":
        return None
    if operator in TEXT_OPERATORS or operator in STRING_OPERATORS:
        return "text"
    if operator in ("==", "!=", "in"):
        return "equality"
    if operator in ("<", "<=", ">", ">="):
        return "order"
    if operator in GEO_OPERATORS:
        return "geo"
    return "geo"  # an operator not listed here: its values are looked at by the Python engine


def _leaf(schema: Type, target: str) -> Type | None:
    """The column type at ``target`` (an array's element type), or None where the schema does not
    say (a field it lacks is absent, decided elsewhere; a path through an array fans out)."""
    typ = schema
    for key in target.split("."):
        if typ.kind != STRUCT or key not in typ.fields:
            return None
        typ = typ.fields[key]
        if typ.kind == LIST and key != target.split(".")[-1]:
            return None
    while typ.kind == LIST and typ.element is not None:
        typ = typ.element
    return typ


def suspect_targets(filter_ast, library, schema: Type) -> list[str]:
    """The targets where a present value may be wrong-typed for a condition reading it, given the
    column types of ``schema`` (the filter's references included)."""
    from csdl.library import resolve

    out: list[str] = []
    for tree in resolve(filter_ast, library).require().trees():
        for node in tree.conditions():
            if node.kind != "condition" or node.target in out:
                continue
            family = _family(node.operator)
            if family is None:
                continue
            leaf = _leaf(schema, node.target)
            if leaf is not None and leaf.kind not in _CLEAN[family]:
                out.append(node.target)
    return out
