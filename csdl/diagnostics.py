"""The one diagnostic type used for syntax errors, validation errors and lint warnings.

Reporters (``csdl.cli.reporters``) only translate diagnostics into text; nothing else formats them.
"""

from __future__ import annotations

from csdl.spans import Span

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)


#: A fix that keeps the filter's meaning (applied by ``csdl check --fix``) ...
SAFE = "safe"
#: ... and one that may change what it matches (applied only with ``--unsafe-fixes``).
UNSAFE = "unsafe"


class Fix:
    """A suggested edit: replace ``span`` of the source by ``replacement``. ``applicability`` is
    ``"safe"`` (the meaning is kept) or ``"unsafe"`` (what the filter matches may change)."""

    __slots__ = ("span", "replacement", "title", "applicability")

    def __init__(self, span: Span, replacement: str, title: str = "", applicability: str = SAFE):
        self.span = span
        self.replacement = replacement
        self.title = title
        self.applicability = applicability

    def to_dict(self) -> dict:
        return {"title": self.title, "replacement": self.replacement, "applicability": self.applicability,
                "span": self.span.to_dict()}

    def __repr__(self) -> str:
        return f"Fix({self.title!r}, {self.span.start}:{self.span.end} -> {self.replacement!r}, {self.applicability})"


class Diagnostic:
    """A problem found in a filter: a stable ``code``, a ``severity``, a plain-words ``message``,
    the ``span`` it points at, an optional ``hint`` (what to do) and an optional ``fix``."""

    __slots__ = ("code", "severity", "message", "span", "hint", "fix", "name")

    def __init__(
        self,
        code: str,
        message: str,
        span: Span,
        *,
        severity: str = ERROR,
        hint: str | None = None,
        fix: Fix | None = None,
        name: str | None = None,
    ):
        self.code = code
        self.severity = severity
        self.message = message
        self.span = span
        self.hint = hint
        self.fix = fix
        self.name = name  # the rule's name (`unknown-target`), when it has one

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def sort_key(self) -> tuple:
        return (self.span.start, self.span.end, self.code)

    def one_line(self, path: str | None = None, *, severity: bool = False) -> str:
        """The one-line text every face prints: ``path:line:column: CODE message`` (without
        ``path:`` when there is no file; ``severity``: ``path:line:column: warning: CODE message``,
        as the commands log the warnings of a filter they go on with)."""
        where = f"{path}:" if path is not None else ""
        label = f"{self.severity}: " if severity else ""
        return f"{where}{self.span.line}:{self.span.column}: {label}{self.code} {self.message}"

    def to_dict(self) -> dict:
        out = {"code": self.code, "severity": self.severity, "message": self.message,
               **self.span.to_dict(offsets=False), "span": self.span.to_dict()}
        if self.name:
            out["name"] = self.name
        if self.hint:
            out["hint"] = self.hint
        if self.fix is not None:
            out["fix"] = self.fix.to_dict()
        return out

    def __repr__(self) -> str:
        return f"Diagnostic({self.code} {self.severity} {self.span.line}:{self.span.column} {self.message!r})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Diagnostic):
            return NotImplemented
        return (self.code, self.severity, self.message, self.span) == (other.code, other.severity, other.message, other.span)

    __hash__ = None  # type: ignore[assignment]


class CSDLError(ValueError):
    """The one exception the library raises for bad input. ``diagnostics`` lists every problem."""

    #: For a syntax error: the tree of what parsed, with placeholders where the parser repaired
    #: the filter (``repaired``: their ``(start, end)`` offsets); None otherwise.
    partial = None
    repaired: tuple = ()

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = list(diagnostics)
        first = self.diagnostics[0] if self.diagnostics else None
        text = first.one_line() if first else "invalid CSDL"
        if len(self.diagnostics) > 1:
            text += f" (and {len(self.diagnostics) - 1} more)"
        super().__init__(text)
