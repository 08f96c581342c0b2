"""The typed CSDL syntax tree.

Every node knows its source span. Nodes are plain ``__slots__`` classes rather than dataclasses:
equality, ``to_dict`` and traversal are explicit loops over a stack so that a deeply nested filter
never meets Python's recursion limit, and the module imports nothing heavy.
"""

from __future__ import annotations

from typing import Iterator

from csdl.spans import Span


_REPR_DEPTH, _REPR_ITEMS = 4, 4
_repr_depth = 0


def _is_subtree(value) -> bool:
    return isinstance(value, Node) or (isinstance(value, tuple) and bool(value) and isinstance(value[0], Node))


class Node:
    """Base of all syntax nodes.

    ``_fields`` are the attributes that make up the node's meaning (compared by ``==`` and written
    by ``to_dict``); spans, spellings and bookkeeping stay out of equality, so a filter and its
    formatted version compare equal.
    """

    __slots__ = ("span",)
    _fields: tuple[str, ...] = ()
    kind = "node"

    def children(self) -> tuple["Node", ...]:
        return ()

    def walk(self) -> Iterator["Node"]:
        """All nodes of this subtree in source order (pre-order), without recursion."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children()))

    def _key(self) -> tuple:
        return (self.kind,) + tuple(v for v in (getattr(self, f) for f in self._fields) if not _is_subtree(v))

    def __eq__(self, other) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        mine, theirs = self.walk(), other.walk()
        for a, b in zip(mine, theirs, strict=False):  # the walks may differ in length: checked below
            if a._key() != b._key() or len(a.children()) != len(b.children()):
                return False
        return next(mine, None) is None and next(theirs, None) is None

    __hash__ = None  # type: ignore[assignment]  # compared structurally, never hashed

    def to_dict(self) -> dict:
        """A JSON-ready dict of the subtree, built iteratively."""
        root: dict = {}
        stack: list[tuple[Node, dict]] = [(self, root)]
        while stack:
            node, out = stack.pop()
            out["type"] = node.kind
            for name in node._fields:
                value = getattr(node, name)
                if isinstance(value, Node):
                    out[name] = child = {}
                    stack.append((value, child))
                elif _is_subtree(value):
                    out[name] = children = [{} for _ in value]
                    stack.extend(zip(value, children, strict=True))
                else:
                    out[name] = list(value) if isinstance(value, tuple) else value
            out["span"] = node.span.to_dict()
        return root

    def __repr__(self) -> str:
        """The node with its children, three levels deep (deeper levels and long lists elided),
        so that a repr in a REPL or a failing test shows what the tree holds."""
        global _repr_depth
        if _repr_depth >= _REPR_DEPTH:
            return f"{type(self).__name__}(…)"
        _repr_depth += 1
        try:
            parts = []
            for name in self._fields:
                value = getattr(self, name)
                if isinstance(value, tuple) and len(value) > _REPR_ITEMS:
                    shown = ", ".join(repr(v) for v in value[:_REPR_ITEMS])
                    parts.append(f"{name}=({shown}, … {len(value) - _REPR_ITEMS} more)")
                else:
                    parts.append(f"{name}={value!r}")
            return f"{type(self).__name__}({', '.join(parts)})"
        finally:
            _repr_depth -= 1


# ---------------------------------------------------------------------------------------------
# Arguments


class Argument(Node):
    __slots__ = ()


class Text(Argument):
    """A quoted string used as one value (``contains``, ``==``, regular expressions, geo)."""

    __slots__ = ("value", "raw")
    _fields = ("value",)
    kind = "text"

    def __init__(self, value: str, raw: str, span: Span):
        self.value = value  # after CSDL unescaping
        self.raw = raw  # the literal as written, quotes included
        self.span = span


class TextList(Argument):
    """A quoted comma-separated list (``contains_any``, ``contains_all``, ``wildcard``, ``in``, ``url_in``)."""

    __slots__ = ("items", "raw")
    _fields = ("items",)
    kind = "text_list"

    def __init__(self, items: tuple[str, ...], raw: str, span: Span):
        self.items = items
        self.raw = raw
        self.span = span


class NearList(Argument):
    """The ``contains_near`` argument ``"w1,w2,...:N"``: words and the span ``N`` (``None`` if malformed)."""

    __slots__ = ("words", "distance", "distance_text", "raw")
    _fields = ("words", "distance")
    kind = "near_list"

    def __init__(self, words: tuple[str, ...], distance: int | None, distance_text: str | None, raw: str, span: Span):
        self.words = words
        self.distance = distance
        self.distance_text = distance_text  # what stood after the last ':' (None: there was no ':')
        self.raw = raw
        self.span = span


class Number(Argument):
    """An unquoted number. ``text`` is kept as written; ``value`` is an ``int`` or a ``float``."""

    __slots__ = ("value", "text")
    _fields = ("value",)
    kind = "number"

    def __init__(self, value: int | float, text: str, span: Span):
        self.value = value
        self.text = text
        self.span = span


class NumberList(Argument):
    """A bracketed list ``[1, 2, 3]`` (``in`` on integer targets)."""

    __slots__ = ("items",)
    _fields = ("items",)
    kind = "number_list"

    def __init__(self, items: tuple[Number, ...], span: Span):
        self.items = items
        self.span = span

    def children(self) -> tuple[Node, ...]:
        return self.items

    @property
    def values(self) -> tuple[int | float, ...]:
        return tuple(n.value for n in self.items)


class Switch(Node):
    """An operator switch such as ``[case(true)]`` or ``[keep(classic)]``; names are lower-cased."""

    __slots__ = ("name", "values")
    _fields = ("name", "values")
    kind = "switch"

    def __init__(self, name: str, values: tuple[str, ...], span: Span):
        self.name = name
        self.values = values
        self.span = span


# ---------------------------------------------------------------------------------------------
# Expressions. ``depth`` is the nesting level (parentheses and NOT included) used for the cap.


class Expr(Node):
    __slots__ = ("depth",)


class Condition(Expr):
    """``target [cs] operator [switches] [argument]``; ``operator`` is the canonical lower-case name."""

    __slots__ = ("target", "operator", "case_sensitive", "switches", "argument", "spelling", "target_span", "operator_span")
    _fields = ("target", "operator", "case_sensitive", "switches", "argument")
    kind = "condition"

    def __init__(
        self,
        target: str,
        operator: str,
        case_sensitive: bool,
        switches: tuple[Switch, ...],
        argument: Argument | None,
        span: Span,
        *,
        spelling: str,
        target_span: Span,
        operator_span: Span,
    ):
        self.target = target
        self.operator = operator
        self.case_sensitive = case_sensitive
        self.switches = switches
        self.argument = argument
        self.span = span
        self.spelling = spelling  # the operator as written (`any`, `CONTAINS`, ...)
        self.target_span = target_span
        self.operator_span = operator_span
        self.depth = 0

    def children(self) -> tuple[Node, ...]:
        if self.argument is None:
            return self.switches
        return self.switches + (self.argument,)

    def switch(self, name: str) -> Switch | None:
        for s in self.switches:
            if s.name == name:
                return s
        return None


class StreamRef(Expr):
    """``stream "<hash>"`` (or its older spelling ``rule "<hash>"``) used as a condition."""

    __slots__ = ("hash", "keyword", "hash_span")
    _fields = ("hash",)
    kind = "stream"

    def __init__(self, hash: str, keyword: str, span: Span, hash_span: Span):
        self.hash = hash
        self.keyword = keyword
        self.span = span
        self.hash_span = hash_span
        self.depth = 0


class _Junction(Expr):
    __slots__ = ("operands",)
    _fields = ("operands",)

    def __init__(self, operands: tuple[Expr, ...], span: Span, depth: int):
        self.operands = operands
        self.span = span
        self.depth = depth

    def children(self) -> tuple[Node, ...]:
        return self.operands


class And(_Junction):
    __slots__ = ()
    kind = "and"


class Or(_Junction):
    __slots__ = ()
    kind = "or"


class Not(Expr):
    __slots__ = ("operand",)
    _fields = ("operand",)
    kind = "not"

    def __init__(self, operand: Expr, span: Span, depth: int):
        self.operand = operand
        self.span = span
        self.depth = depth

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


# ---------------------------------------------------------------------------------------------
# Statements and the document


class TagsImport(Node):
    """``tags "<hash>"``: imports the tag rules of another stream as if written in place."""

    __slots__ = ("hash", "hash_span")
    _fields = ("hash",)
    kind = "tags_import"

    def __init__(self, hash: str, span: Span, hash_span: Span):
        self.hash = hash
        self.span = span
        self.hash_span = hash_span


class TagRule(Node):
    """``tag[.ns...] "name" { expr }`` or a scoring rule ``tag.ns... <number> { expr }``.

    Exactly one of ``name`` and ``score`` is set; ``score`` is the number as written (``"+20"``).
    """

    __slots__ = ("namespace", "name", "score", "body", "head_span", "label_span")
    _fields = ("namespace", "name", "score", "body")
    kind = "tag"

    def __init__(
        self,
        namespace: tuple[str, ...],
        name: str | None,
        score: str | None,
        body: Expr,
        span: Span,
        head_span: Span,
        label_span: Span,
    ):
        self.namespace = namespace
        self.name = name
        self.score = score
        self.body = body
        self.span = span
        self.head_span = head_span  # `tag.ns.sub`
        self.label_span = label_span  # the name string or the score number

    @property
    def head(self) -> str:
        """``tag`` with the namespace path, as the rule starts: ``tag.sales.lead``."""
        return ".".join(("tag", *self.namespace))

    @property
    def label(self) -> str:
        """The rule's one-line label, ``tag.ns "name"`` or ``tag.ns 20``: the cost report, the
        editor's hover and the run profile all name a rule this way."""
        from csdl.language.strings import quote

        return f"{self.head} {quote(self.name) if self.name is not None else self.score}"

    def children(self) -> tuple[Node, ...]:
        return (self.body,)

    @property
    def is_score(self) -> bool:
        return self.score is not None


class Return(Node):
    __slots__ = ("body",)
    _fields = ("body",)
    kind = "return"

    def __init__(self, body: Expr, span: Span):
        self.body = body
        self.span = span

    def children(self) -> tuple[Node, ...]:
        return (self.body,)


class Comment(Node):
    """A ``//`` or ``/* */`` comment, kept beside the tree for the printer and ``noqa``."""

    __slots__ = ("text",)
    _fields = ("text",)
    kind = "comment"

    def __init__(self, text: str, span: Span):
        self.text = text
        self.span = span


class Filter(Node):
    """A whole CSDL document.

    Either a bare expression (``expression`` set, no statements, no ``return``) or statements:
    ``tags`` imports and tag rules in source order, then an optional ``return``.
    """

    __slots__ = ("statements", "returns", "expression", "comments", "source")
    _fields = ("statements", "returns", "expression")
    kind = "filter"

    def __init__(
        self,
        statements: tuple[TagsImport | TagRule, ...],
        returns: Return | None,
        expression: Expr | None,
        span: Span,
        comments: tuple[Comment, ...] = (),
        source: str = "",
    ):
        self.statements = statements
        self.returns = returns
        self.expression = expression
        self.span = span
        self.comments = comments
        self.source = source

    def children(self) -> tuple[Node, ...]:
        out: tuple[Node, ...] = self.statements
        if self.returns is not None:
            out += (self.returns,)
        if self.expression is not None:
            out += (self.expression,)
        return out

    @property
    def main(self) -> Expr | None:
        """The expression that selects posts: the bare expression or the body of ``return``."""
        if self.expression is not None:
            return self.expression
        return self.returns.body if self.returns is not None else None

    @property
    def tag_rules(self) -> tuple[TagRule, ...]:
        return tuple(s for s in self.statements if isinstance(s, TagRule))

    @property
    def imports(self) -> tuple[TagsImport, ...]:
        return tuple(s for s in self.statements if isinstance(s, TagsImport))

    def conditions(self) -> Iterator[Condition | StreamRef]:
        """Every condition and stream reference in the document, in source order."""
        for node in self.walk():
            if isinstance(node, (Condition, StreamRef)):
                yield node


# Canonical operator names of the synonyms (spec §3); keys are lower case.
OPERATOR_SYNONYMS = {
    "any": "contains_any",
    "all": "contains_all",
    "wild": "wildcard",
    "near": "contains_near",
    "contains_substr": "substr",
}

# Operators whose quoted argument is a comma-separated list.
LIST_OPERATORS = frozenset({"contains_any", "contains_all", "wildcard", "in", "url_in"})
