"""Parse CSDL text into the typed AST (``csdl.language.ast``).

Lark runs LALR(1) with the contextual lexer and builds our nodes inline (the ``Builder`` callbacks
run as each rule is reduced), so there is no recursive tree walk and deep input cannot exhaust the
stack. The parser is Lark's stand-alone parser generated from the grammar (``csdl.language.lalr``):
no grammar compiler at run time, which keeps CLI start-up low.
"""

from __future__ import annotations

import os
import threading

from csdl.language import ast
from csdl.spans import Span
from csdl.diagnostics import CSDLError
from csdl.language.strings import split_list, split_near, unescape

#: DataSift's document size limit: 1 MB, read as 1,048,576 bytes of UTF-8 (spec §10).
MAX_BYTES = 1_048_576
#: Nesting cap. No real filter comes close; every pass after parsing may rely on it.
MAX_DEPTH = 100

_GRAMMAR_FILE = "csdl.lark"
_lark = None
_lock = threading.Lock()
_local = threading.local()


def grammar_path() -> str:
    import csdl.grammar

    return os.path.join(os.path.dirname(csdl.grammar.__file__), _GRAMMAR_FILE)


def _parser():
    """The one parser object (built on first use): Lark's stand-alone LALR(1) parser generated
    from ``grammar/csdl.lark`` (``csdl.language.lalr``); the error path drives it interactively."""
    global _lark
    if _lark is None:
        with _lock:
            if _lark is None:
                from csdl.language.lalr import build_parser

                _lark = build_parser(Builder(), {"COMMENT": _collect_comment})
    return _lark


def _collect_comment(token):
    sink = getattr(_local, "comments", None)
    if sink is not None:
        sink.append(ast.Comment(str(token), Span.of_token(token)))
    return token


class _TooDeep(Exception):
    def __init__(self, span: Span):
        self.span = span


def _deeper(depth: int, span: Span) -> int:
    if depth > MAX_DEPTH:
        raise _TooDeep(span)
    return depth


def _string_body(token) -> str:
    return str(token)[1:-1]


def _number(token) -> ast.Number:
    text = str(token)
    try:
        value: int | float = int(text)
    except ValueError:
        value = float(text)
    return ast.Number(value, text, Span.of_token(token))


class Builder:
    """Lark callbacks, one per grammar rule, building ``csdl.language.ast`` nodes with their spans.

    Lark calls ``callback(children)``; anonymous tokens (``_OR``, ``_AND``, ``_COMMA``) are already
    filtered out, named ones (braces, parentheses, keywords) arrive as tokens and give spans.
    """

    # Documents ---------------------------------------------------------------------------------

    def start(self, children):
        return children[0]

    def bare_filter(self, children):
        expr = children[0]
        return ast.Filter((), None, expr, expr.span)

    def statements(self, children):
        returns = children[-1] if isinstance(children[-1], ast.Return) else None
        heads = tuple(c for c in children if c is not None and not isinstance(c, ast.Return))
        nodes = [c for c in children if c is not None]
        return ast.Filter(heads, returns, None, nodes[0].span.cover(nodes[-1].span))

    def tags_import(self, children):
        keyword, string = children
        return ast.TagsImport(unescape(_string_body(string)), Span.of_token(keyword).cover(Span.of_token(string)), Span.of_token(string))

    def tag_rule(self, children):
        head, label, _lbrace, body, rbrace = children
        segments = str(head).split(".")
        namespace = tuple(segments[1:])
        if label.type == "STRING":
            name, score = unescape(_string_body(label)), None
        else:
            name, score = None, str(label)
        head_span = Span.of_token(head)
        return ast.TagRule(namespace, name, score, body, head_span.cover(Span.of_token(rbrace)), head_span, Span.of_token(label))

    def return_block(self, children):
        keyword, _lbrace, body, rbrace = children
        return ast.Return(body, Span.of_token(keyword).cover(Span.of_token(rbrace)))

    # Boolean structure --------------------------------------------------------------------------

    def or_expr(self, children):
        return self._junction(ast.Or, children)

    def and_expr(self, children):
        return self._junction(ast.And, children)

    @staticmethod
    def _junction(cls, children):
        operands = []
        depth = 0
        for child in children:
            if type(child) is cls:  # (a or b) or c == a or b or c: keep junctions flat
                operands.extend(child.operands)
            else:
                operands.append(child)
            if child.depth > depth:
                depth = child.depth
        span = children[0].span.cover(children[-1].span)
        return cls(tuple(operands), span, _deeper(depth + 1, span))

    def negation(self, children):
        keyword, operand = children
        span = Span.of_token(keyword).cover(operand.span)
        return ast.Not(operand, span, _deeper(operand.depth + 1, span))

    def group(self, children):
        lpar, expr, rpar = children
        expr.depth = _deeper(expr.depth + 1, Span.of_token(lpar).cover(Span.of_token(rpar)))
        return expr

    def stream_ref(self, children):
        keyword, string = children
        span = Span.of_token(keyword).cover(Span.of_token(string))
        return ast.StreamRef(unescape(_string_body(string)), str(keyword).lower(), span, Span.of_token(string))

    # Conditions ---------------------------------------------------------------------------------

    @staticmethod
    def _condition(target, cs, op, switches, argument, end_span):
        spelling = str(op)
        operator = spelling.lower()
        operator = ast.OPERATOR_SYNONYMS.get(operator, operator)
        target_span = Span.of_token(target)
        return ast.Condition(
            str(target).lower(),
            operator,
            cs is not None,
            switches or (),
            argument,
            target_span.cover(end_span),
            spelling=spelling,
            target_span=target_span,
            operator_span=Span.of_token(op),
        )

    def text_condition(self, children):
        target, cs, op, switches, string = children
        operator = ast.OPERATOR_SYNONYMS.get(str(op).lower(), str(op).lower())
        argument = _text_argument(operator, string)
        return self._condition(target, cs, op, switches, argument, argument.span)

    def equality_condition(self, children):
        target, cs, op, value = children
        argument = _number(value) if value.type == "NUMBER" else _text_argument("==", value)
        return self._condition(target, cs, op, None, argument, argument.span)

    def order_condition(self, children):
        target, op, value = children
        argument = _number(value)
        return self._condition(target, None, op, None, argument, argument.span)

    def in_condition(self, children):
        target, op, value = children
        argument = value if isinstance(value, ast.NumberList) else _text_argument("in", value)
        return self._condition(target, None, op, None, argument, argument.span)

    def string_condition(self, children):
        target, cs, op, string = children
        argument = _text_argument(str(op).lower(), string)
        return self._condition(target, cs, op, None, argument, argument.span)

    def exists_condition(self, children):
        target, op = children
        return self._condition(target, None, op, None, None, Span.of_token(op))

    def number_list(self, children):
        lsqb, *items, rsqb = children
        numbers = tuple(_number(t) for t in items if t is not None)
        return ast.NumberList(numbers, Span.of_token(lsqb).cover(Span.of_token(rsqb)))

    def switches(self, children):
        return tuple(children[1:-1])

    def switch(self, children):
        name, _lpar, *values, rpar = children
        return ast.Switch(
            str(name).lower(),
            tuple(str(v) for v in values if v is not None),
            Span.of_token(name).cover(Span.of_token(rpar)),
        )


def _text_argument(operator: str, token) -> ast.Argument:
    body = _string_body(token)
    span = Span.of_token(token)
    raw = str(token)
    if operator in ast.LIST_OPERATORS:
        return ast.TextList(split_list(body), raw, span)
    if operator == "contains_near":
        words, distance, distance_text = split_near(body)
        return ast.NearList(words, distance, distance_text, raw, span)
    return ast.Text(unescape(body), raw, span)


def parse(text: str, *, max_bytes: int | None = MAX_BYTES) -> ast.Filter:
    """Parse CSDL ``text`` into an ``ast.Filter``.

    Raises ``CSDLError`` (a ``ValueError``) carrying located diagnostics for anything that is not
    syntactically valid CSDL: no other exception escapes for any input string.
    """
    if not isinstance(text, str):
        raise TypeError(f"csdl.parse() takes a str, not {type(text).__name__}")
    if max_bytes is not None and len(text) > max_bytes // 4:
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            from csdl.language.syntax_errors import diagnostic

            raise CSDLError([diagnostic(
                "E008", f"the filter is {size:,} bytes; DataSift accepts at most {max_bytes:,} bytes (1 MB)",
                Span.at(text, 0, 0), hint="split it into several streams and combine them with `stream \"<hash>\"`",
            )])
    parser = _parser()
    comments: list[ast.Comment] = []
    _local.comments = comments
    try:
        tree = parser.parse(text)
    except _TooDeep as exc:
        from csdl.language.syntax_errors import diagnostic

        raise CSDLError([diagnostic(
            "E006", f"the filter is nested too deeply (more than {MAX_DEPTH} levels of parentheses, AND/OR and NOT)",
            exc.span, hint="flatten the expression: `a AND (b AND c)` is the same as `a AND b AND c`",
        )]) from None
    except Exception as exc:  # lark's errors become our diagnostics; nothing of lark escapes
        _local.comments = None
        raise _every_error(parser, text, exc) from None
    finally:
        _local.comments = None
    tree.comments = tuple(comments)
    tree.source = text
    return tree


def _every_error(parser, text: str, exc: Exception) -> CSDLError:
    """The error for a filter that failed to parse: every independent syntax error (error
    recovery, ``csdl.language.recovery``), with the repaired tree as ``partial`` so that
    validation and lint can still run on what parsed."""
    from csdl.language.recovery import recover
    from csdl.language.syntax_errors import translate

    first = translate(exc, text)
    if first.code in ("E007", "E003"):  # nothing to recover: an empty filter, or all of it a comment
        return CSDLError([first])
    comments: list[ast.Comment] = []
    _local.comments = comments
    try:
        recovered = recover(text, parser.parse_interactive(text))
    except _TooDeep:
        return CSDLError([first])
    except Exception:  # recovery is best effort; the first error is always known
        return CSDLError([first])
    finally:
        _local.comments = None
    found = recovered.diagnostics or [first]
    if (found[0].code, found[0].span) == (first.code, first.span):
        found[0] = first  # the plain parse's own words for the first error (its expected set is the lexer's)
    error = CSDLError(found)
    tree = recovered.tree
    if isinstance(tree, ast.Filter):
        tree.comments = tuple(comments)
        tree.source = text
        error.partial = tree
        error.repaired = tuple(recovered.regions)
    return error
