"""Lint rules: warnings about filters that DataSift accepts but that cost more than they should,
cannot behave as written, or read ambiguously.

Each rule is a class with a stable ``code`` (W1xx cost, W2xx correctness, W3xx style), a kebab-case
``name`` and a docstring whose first line is the summary and whose body is the documentation
(``csdl rule CODE``), with a bad and a good example. ``check(ctx)`` yields diagnostics.
Rule modules are imported on first use.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from csdl.language.ast import Filter
from csdl.spans import Span
from csdl.diagnostics import WARNING, Diagnostic, Fix

_MODULES = ("csdl.checking.lint.cost_rules", "csdl.checking.lint.correctness", "csdl.checking.lint.fidelity",
            "csdl.checking.lint.style")
_RULES: list[type["Rule"]] = []


class Context:
    """What a rule sees: the tree, its source text, the platform profile and the pricing table the
    cost rules price with (None: the packaged one)."""

    __slots__ = ("tree", "source", "platform", "pricing")

    def __init__(self, tree: Filter, platform: str = "stream", pricing=None):
        self.tree = tree
        self.source = tree.source
        self.platform = platform
        self.pricing = pricing

    def text(self, span: Span) -> str:
        return self.source[span.start:span.end]

    def scopes(self):
        """The priced scopes (DPU model §5): the main expression, then each tag rule's body."""
        if self.tree.main is not None:
            yield self.tree.main
        for rule in self.tree.tag_rules:
            yield rule.body


class Rule:
    code = ""
    name = ""
    severity = WARNING

    @classmethod
    def summary(cls) -> str:
        return (cls.__doc__ or "").strip().splitlines()[0]

    @classmethod
    def documentation(cls) -> str:
        """The docstring with its indentation removed (``inspect.cleandoc`` costs an import of
        ``inspect``, which ``csdl check`` does not otherwise need)."""
        lines = (cls.__doc__ or "").expandtabs().splitlines()
        if not lines:
            return ""
        rest = lines[1:]
        indent = min((len(line) - len(line.lstrip()) for line in rest if line.strip()), default=0)
        body = [line[indent:].rstrip() for line in rest]
        return "\n".join([lines[0].strip()] + body).strip()

    def diag(self, message: str, span: Span, *, hint: str | None = None, fix: Fix | None = None) -> Diagnostic:
        return Diagnostic(self.code, message, span, severity=self.severity, hint=hint, fix=fix, name=self.name)

    def check(self, ctx: Context) -> Iterable[Diagnostic]:  # pragma: no cover - overridden
        return ()


def register(cls: type[Rule]) -> type[Rule]:
    _RULES.append(cls)
    return cls


def rules() -> list[type[Rule]]:
    """Every lint rule class, sorted by code."""
    if not _RULES:
        import importlib

        for module in _MODULES:
            importlib.import_module(module)
        _RULES.sort(key=lambda r: r.code)
    return list(_RULES)


def lint(tree: Filter, platform: str = "stream", enabled: Callable[[str], bool] | None = None,
         pricing=None) -> list[Diagnostic]:
    """The warnings of every enabled rule for a parsed filter."""
    ctx = Context(tree, platform, pricing)
    out: list[Diagnostic] = []
    for rule in rules():
        if enabled is not None and not enabled(rule.code):
            continue
        out.extend(rule().check(ctx))
    return out


def conditions_in(expr) -> Iterator:
    """Every condition below ``expr`` (itself included)."""
    from csdl.language.ast import Condition

    for node in expr.walk():
        if isinstance(node, Condition):
            yield node


def conditions_in_filter(ctx: Context) -> Iterator:
    """Every condition of the document (tag rules and ``return``), without stream references."""
    from csdl.language.ast import Condition

    for node in ctx.tree.conditions():
        if isinstance(node, Condition):
            yield node
