"""The canonical printer: ``csdl.format(text)``.

Layout rules (our house style, stable by construction):

* keywords ``AND``/``OR``/``NOT`` upper case, ``tag``/``tags``/``return``/``stream`` lower case,
  targets lower case, operators by their canonical name (``any`` becomes ``contains_any``, ``rule``
  becomes ``stream``); string literals are kept exactly as written, numbers too;
* an expression that fits in 88 columns and holds no comment stays on one line; otherwise each
  operand of AND/OR starts a line with its operator, and a parenthesised group opens an indented
  block;
* a tag rule fits on one line or opens a block; ``return`` always opens a block;
* parentheses appear where precedence needs them (NOT > AND > OR), and around an AND that is an
  operand of OR, so that a mixed chain reads as it binds (the printed text never raises W302);
* every comment is kept, in order: a comment on the same line as the end of a condition stays at
  the end of that line, any other comment gets a line of its own before the next condition.

The tree depth is capped by the parser, so this module may recurse.
"""

from __future__ import annotations

import bisect

from csdl.language import ast
from csdl.language.strings import quote

WIDTH = 88
INDENT = 4


class _Line:
    __slots__ = ("indent", "text", "is_comment")

    def __init__(self, indent: int, text: str, is_comment: bool = False):
        self.indent = indent
        self.text = text
        self.is_comment = is_comment


def condition_text(node: ast.Condition) -> str:
    parts = [node.target]
    if node.case_sensitive:
        parts.append("cs")
    parts.append(node.operator)
    if node.switches:
        parts.append("[" + ", ".join(f"{s.name}({', '.join(s.values)})" for s in node.switches) + "]")
    argument = node.argument
    if isinstance(argument, ast.Number):
        parts.append(argument.text)
    elif isinstance(argument, ast.NumberList):
        parts.append("[" + ", ".join(n.text for n in argument.items) + "]")
    elif argument is not None:
        parts.append(argument.raw)
    return " ".join(parts)


def _needs_parens(parent: ast.Node, child: ast.Expr) -> bool:
    if isinstance(parent, ast.Not):
        return isinstance(child, (ast.And, ast.Or))
    if isinstance(parent, ast.Or):
        return isinstance(child, ast.And)  # not needed by precedence: said, as W302 asks
    return isinstance(parent, ast.And) and isinstance(child, ast.Or)


def flat(node: ast.Expr) -> str:
    """The one-line text of an expression."""
    if isinstance(node, ast.Condition):
        return condition_text(node)
    if isinstance(node, ast.StreamRef):
        return f"stream {quote(node.hash)}"
    if isinstance(node, ast.Not):
        inner = flat(node.operand)
        return f"NOT ({inner})" if _needs_parens(node, node.operand) else f"NOT {inner}"
    word = " AND " if isinstance(node, ast.And) else " OR "
    return word.join(f"({flat(op)})" if _needs_parens(node, op) else flat(op) for op in node.operands)


def _tag_head(rule: ast.TagRule) -> str:
    head = ".".join(("tag",) + rule.namespace)
    label = quote(rule.name) if rule.name is not None else rule.score
    return f"{head} {label}"


class _Printer:
    def __init__(self, comments: tuple[ast.Comment, ...], source: str):
        self.source = source
        self.comments = sorted(comments, key=lambda c: c.span.start)
        self.starts = [c.span.start for c in self.comments]
        self.next_comment = 0
        self.last_line: _Line | None = None
        self.last_end_line = 0

    # Comments ------------------------------------------------------------------------------------

    def has_comment(self, span: ast.Span) -> bool:
        i = bisect.bisect_left(self.starts, span.start)
        return i < len(self.starts) and self.starts[i] < span.end

    def has_interior_comment(self, node: ast.Expr) -> bool:
        """A comment after the start of ``node``'s first condition and before its end. Comments
        before the first condition are printed above the node whatever its layout, so they must
        not decide the layout (or formatting twice would differ)."""
        return self.has_comment(ast.Span(0, 0, 0, 0, _first_leaf(node).span.start, node.span.end))

    def flush(self, before: float, indent: int) -> list[_Line]:
        """Comments that start before offset ``before``: trailing ones join the last line; a
        comment keeps one blank line after it if only blank space separated it from what follows."""
        out = []
        while self.next_comment < len(self.comments) and self.comments[self.next_comment].span.start < before:
            comment = self.comments[self.next_comment]
            self.next_comment += 1
            if self.last_line is not None and comment.span.line == self.last_end_line:
                self.last_line.text += "  " + comment.text
                self.last_end_line = comment.span.end_line
                continue
            out.append(_Line(indent, comment.text, is_comment=True))
            following = self.comments[self.next_comment] if self.next_comment < len(self.comments) else None
            next_start = following.span.start if following is not None and following.span.start < before else before
            next_start = int(min(next_start, len(self.source)))
            gap = self.source[comment.span.end : next_start]
            if gap.count("\n") >= 2 and not gap.strip():
                out.append(_Line(0, "", is_comment=True))
        return out

    def ended(self, line: _Line, node: ast.Node) -> None:
        self.last_line = line
        self.last_end_line = node.span.end_line

    # Expressions -----------------------------------------------------------------------------------

    def one_line(self, node: ast.Expr, text: str, indent: int) -> list[_Line]:
        """``node`` printed as ``text`` on one line, after the comments that precede it."""
        lines = self.flush(_first_leaf(node).span.start, indent)
        line = _Line(indent, text)
        lines.append(line)
        self.ended(line, node)
        return lines

    def fits(self, node: ast.Expr, text: str, width: int) -> bool:
        return width + len(text) <= WIDTH and "\n" not in text and not self.has_interior_comment(node)

    def expr(self, node: ast.Expr, indent: int, reserve: int = 0) -> list[_Line]:
        """Lines for ``node``; ``reserve`` columns are taken by what the caller adds around it."""
        if isinstance(node, (ast.Condition, ast.StreamRef)):
            return self.one_line(node, flat(node), indent)
        text = flat(node)
        if self.fits(node, text, indent + reserve):
            return self.one_line(node, text, indent)
        if isinstance(node, ast.Not):
            lines = self.operand(node, node.operand, indent, reserve + 4)
            _prefix(lines, "NOT ")
            return lines
        word = "AND " if isinstance(node, ast.And) else "OR "
        lines = []
        for i, op in enumerate(node.operands):
            sub = self.operand(node, op, indent, len(word))
            if i:
                _prefix(sub, word)
            lines.extend(sub)
        return lines

    def operand(self, parent: ast.Expr, child: ast.Expr, indent: int, reserve: int) -> list[_Line]:
        """An operand of AND/OR/NOT. A nested AND/OR that cannot stay on one line opens a
        parenthesised block even where precedence does not need it, so that no line reads as if
        it bound differently than it does."""
        if not isinstance(child, (ast.And, ast.Or)):
            return self.expr(child, indent, reserve)
        text = f"({flat(child)})" if _needs_parens(parent, child) else flat(child)
        if self.fits(child, text, indent + reserve):
            return self.one_line(child, text, indent)
        lines = self.expr(child, indent + INDENT)
        opening = _first_code_line(lines)
        for line in lines[:opening]:  # comments above the block align with its `(`
            line.indent = indent
        lines.insert(opening, _Line(indent, "("))
        lines.append(_Line(indent, ")"))
        return lines

    # Statements ------------------------------------------------------------------------------------

    def block(self, head: str, body: ast.Expr, node: ast.Node, inline: bool) -> list[_Line]:
        lines = self.flush(node.span.start, 0)
        if inline and not self.has_comment(node.span):
            text = f"{head} {{ {flat(body)} }}"
            if len(text) <= WIDTH and "\n" not in text:
                line = _Line(0, text)
                lines.append(line)
                self.ended(line, body)
                return lines
        lines.append(_Line(0, head + " {"))
        lines.extend(self.expr(body, INDENT))
        lines.extend(self.flush(node.span.end - 1, INDENT))  # comments before the closing `}` stay inside
        lines.append(_Line(0, "}"))
        return lines

    def document(self, tree: ast.Filter) -> str:
        lines: list[_Line] = []
        if tree.expression is not None:
            lines.extend(self.expr(tree.expression, 0))
        for statement in tree.statements:
            if isinstance(statement, ast.TagsImport):
                lines.extend(self.flush(statement.span.start, 0))
                line = _Line(0, f"tags {quote(statement.hash)}")
                lines.append(line)
                self.ended(line, statement)
            else:
                lines.extend(self.block(_tag_head(statement), statement.body, statement, inline=True))
        if tree.returns is not None:
            if tree.statements:
                lines.append(_Line(0, ""))
            lines.extend(self.block("return", tree.returns.body, tree.returns, inline=False))
        lines.extend(self.flush(float("inf"), 0))
        return "\n".join((" " * line.indent + line.text) if line.text else "" for line in lines) + "\n"


def _first_leaf(node: ast.Expr) -> ast.Expr:
    while isinstance(node, (ast.Not, ast.And, ast.Or)):
        node = node.operand if isinstance(node, ast.Not) else node.operands[0]
    return node


def _first_code_line(lines: list[_Line]) -> int:
    for i, line in enumerate(lines):
        if not line.is_comment:
            return i
    return len(lines)


def _prefix(lines: list[_Line], word: str) -> None:
    i = _first_code_line(lines)
    if i < len(lines):
        lines[i].text = word + lines[i].text


def print_filter(tree: ast.Filter) -> str:
    """The canonical text of a parsed filter (comments come from ``tree.comments``), with the
    line endings of its source: a file whose first line ends in CRLF keeps CRLF, as in ruff."""
    printed = _Printer(tree.comments, tree.source).document(tree)
    source = tree.source or ""
    first = source.find("\n")
    if first > 0 and source[first - 1] == "\r":
        import re

        printed = re.sub(r"\r?\n", "\r\n", printed)
    return printed


def format(text: str | ast.Filter) -> str:  # noqa: A001 - the public name is csdl.format
    """The canonical form of a filter, given as text or as a tree from ``csdl.parse``. Raises
    ``csdl.CSDLError`` on a syntax error.

    >>> import csdl
    >>> csdl.format('a.b exists and c.d any "x"')
    'a.b exists AND c.d contains_any "x"\\n'
    """
    if isinstance(text, ast.Filter):
        return print_filter(text)
    if not isinstance(text, str):
        raise TypeError(f"csdl.format() takes a str or a parsed filter (csdl.parse), not {type(text).__name__}")
    from csdl.language.parser import parse

    return print_filter(parse(text))
