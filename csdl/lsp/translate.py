"""csdl's values in the protocol's terms: spans to ranges, ``Diagnostic`` to ``lsp.Diagnostic``.

A diagnostic keeps its code, severity, message and hint; ``data`` carries the rule's name, summary
and documentation (what ``csdl rule CODE`` prints) and the fix ``csdl check`` computed, so a client
can show the rule text and code actions need not recompute anything. ``codeDescription`` links to
the rule's page when the client configured ``ruleUrl`` (there is no hosted documentation to
point at by default).
"""

from __future__ import annotations

from lsprotocol import types as lsp

from csdl.diagnostics import ERROR, INFO, WARNING
from csdl.lsp.positions import LineIndex

SOURCE = "csdl"

_SEVERITY = {
    ERROR: lsp.DiagnosticSeverity.Error,
    WARNING: lsp.DiagnosticSeverity.Warning,
    INFO: lsp.DiagnosticSeverity.Information,
}
_UNNECESSARY = frozenset({"W901"})  # an unused `noqa`: shown faded, like unused code


def position(index: LineIndex, offset: int) -> lsp.Position:
    line, character = index.position(offset)
    return lsp.Position(line=line, character=character)


def span_range(index: LineIndex, span) -> lsp.Range:
    return lsp.Range(start=position(index, span.start), end=position(index, span.end))


def offsets_range(index: LineIndex, start: int, end: int) -> lsp.Range:
    return lsp.Range(start=position(index, start), end=position(index, end))


def _rule(code: str):
    from csdl.codes import registry

    return registry().get(code)


def diagnostic(d, index: LineIndex | None, rule_url: str | None = None) -> lsp.Diagnostic:
    """``index`` is None when the file could not be read: the span's line and column are used."""
    if index is None:
        start = lsp.Position(line=max(0, d.span.line - 1), character=max(0, d.span.column - 1))
        rng = lsp.Range(start=start, end=start)
    else:
        rng = span_range(index, d.span)
    info = _rule(d.code)
    data: dict = {"code": d.code}
    name = d.name or (info.name if info else None)
    if name:
        data["name"] = name
    if info is not None:
        data["summary"] = info.summary
        data["documentation"] = info.doc
    if d.hint:
        data["hint"] = d.hint
    if d.fix is not None and index is not None:
        data["fix"] = {"title": d.fix.title, "newText": d.fix.replacement,
                       "range": _unstructure(span_range(index, d.fix.span))}
    message = d.message if not d.hint else f"{d.message}\nhint: {d.hint}"
    return lsp.Diagnostic(
        range=rng,
        message=message,
        severity=_SEVERITY.get(d.severity, lsp.DiagnosticSeverity.Error),
        code=d.code,
        code_description=lsp.CodeDescription(href=rule_url.format(code=d.code, name=name or d.code)) if rule_url else None,
        source=SOURCE,
        tags=[lsp.DiagnosticTag.Unnecessary] if d.code in _UNNECESSARY else None,
        data=data,
    )


def problem(message: str) -> lsp.Diagnostic:
    """A configuration problem, shown at the top of the document it affects."""
    origin = lsp.Position(line=0, character=0)
    return lsp.Diagnostic(range=lsp.Range(start=origin, end=origin), message=message,
                          severity=lsp.DiagnosticSeverity.Error, code="config", source=SOURCE)


def _unstructure(rng: lsp.Range) -> dict:
    return {"start": {"line": rng.start.line, "character": rng.start.character},
            "end": {"line": rng.end.line, "character": rng.end.character}}
