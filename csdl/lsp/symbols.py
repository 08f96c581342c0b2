"""Document symbols (tag namespaces with their tags and scoring rules, ``tags`` imports,
``return``) and go to definition on ``stream "<hash>"`` / ``tags "<hash>"`` (the library file)."""

from __future__ import annotations

from lsprotocol import types as lsp

from csdl.language import ast
from csdl.lsp.translate import span_range


def document_symbols(tree: ast.Filter, index) -> list[lsp.DocumentSymbol]:
    top: list[lsp.DocumentSymbol] = []
    namespaces: dict[tuple[str, ...], lsp.DocumentSymbol] = {}

    def namespace(path: tuple[str, ...], span) -> list[lsp.DocumentSymbol]:
        if not path:
            return top
        symbol = namespaces.get(path)
        if symbol is None:
            parent = namespace(path[:-1], span)
            symbol = lsp.DocumentSymbol(name=path[-1], kind=lsp.SymbolKind.Namespace, detail="tag." + ".".join(path),
                                        range=span_range(index, span), selection_range=span_range(index, span),
                                        children=[])
            namespaces[path] = symbol
            parent.append(symbol)
        else:
            symbol.range = _cover(symbol.range, span_range(index, span))
        return symbol.children

    for statement in tree.statements:
        if isinstance(statement, ast.TagsImport):
            top.append(lsp.DocumentSymbol(name=f'tags "{statement.hash}"', kind=lsp.SymbolKind.Module,
                                          detail="imported tag rules", range=span_range(index, statement.span),
                                          selection_range=span_range(index, statement.hash_span)))
            continue
        rule = statement
        if rule.is_score:
            symbol = lsp.DocumentSymbol(name=rule.score, kind=lsp.SymbolKind.Number, detail="score",
                                        range=span_range(index, rule.span), selection_range=span_range(index, rule.label_span))
        else:
            symbol = lsp.DocumentSymbol(name=rule.name or "", kind=lsp.SymbolKind.Constant, detail="tag",
                                        range=span_range(index, rule.span), selection_range=span_range(index, rule.label_span))
        namespace(tuple(rule.namespace), rule.span).append(symbol)
    if tree.returns is not None:
        keyword = tree.returns.span
        top.append(lsp.DocumentSymbol(name="return", kind=lsp.SymbolKind.Function, detail="the filter",
                                      range=span_range(index, keyword),
                                      selection_range=lsp.Range(start=span_range(index, keyword).start,
                                                                end=span_range(index, keyword).start)))
    return top


def _cover(a: lsp.Range, b: lsp.Range) -> lsp.Range:
    start = min((a.start.line, a.start.character), (b.start.line, b.start.character))
    end = max((a.end.line, a.end.character), (b.end.line, b.end.character))
    return lsp.Range(start=lsp.Position(line=start[0], character=start[1]),
                     end=lsp.Position(line=end[0], character=end[1]))


def reference_at(tree: ast.Filter, offset: int):
    """The ``stream``/``tags`` reference whose span holds ``offset``."""
    for node in tree.walk():
        if isinstance(node, (ast.StreamRef, ast.TagsImport)) and node.span.start <= offset <= node.span.end:
            return node
    return None


def definition(tree: ast.Filter, offset: int, library) -> lsp.Location | None:
    from pygls.uris import from_fs_path

    node = reference_at(tree, offset)
    if node is None or library is None:
        return None
    entry = library.resolve(node.hash)
    if entry is None:
        return None
    origin = lsp.Position(line=0, character=0)
    return lsp.Location(uri=from_fs_path(entry.path), range=lsp.Range(start=origin, end=origin))
