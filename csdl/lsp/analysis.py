"""One version of one document, checked as ``csdl check`` checks it: the syntax tree (parsed once),
every diagnostic after selection and ``noqa``, and — when first asked — the cost report.

Nothing here knows the protocol; the server turns an ``Analysis`` into LSP messages.
"""

from __future__ import annotations

import threading

from csdl.diagnostics import CSDLError, Diagnostic
from csdl.config import Settings


class Analysis:
    __slots__ = ("version", "text", "path", "tree", "diagnostics", "settings", "lsp_diagnostics", "partial",
                 "repaired", "_cost", "_lock")

    def __init__(self, version, text: str | None, path: str | None, tree, diagnostics: list[Diagnostic],
                 settings: Settings):
        self.version = version
        self.text = text  # None: the file on disk could not be read (diagnostics say why)
        self.path = path
        self.tree = tree  # None when the text does not parse
        self.diagnostics = diagnostics
        self.settings = settings
        self.lsp_diagnostics: list = []  # the diagnostics as published (set by the server)
        self.partial = None  # with a syntax error: the tree of what parsed (placeholders at `repaired`)
        self.repaired: tuple = ()
        self._cost = None
        self._lock = threading.Lock()

    @property
    def outline(self):
        """The tree to answer hover, symbols and definition from: the parse, or with a syntax
        error the parser's repaired tree of what did parse."""
        return self.tree if self.tree is not None else self.partial

    def repaired_at(self, span) -> bool:
        return any(span.start <= end and span.end >= start for start, end in self.repaired)

    @property
    def checks(self) -> dict:
        """The options of ``csdl.check`` for this document: the settings, with the per-file
        ignores that match its path."""
        return self.settings.checks(self.path)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    def cost(self):
        """(CostReport, None) or (None, why the filter is not costed) — as ``csdl cost`` decides."""
        with self._lock:
            if self._cost is None:
                self._cost = self._compute_cost()
            return self._cost

    def _compute_cost(self):
        if self.tree is None:
            return None, "not costed: the filter has a syntax error"
        errors = self.errors
        if errors:
            return None, f"not costed: the filter has {len(errors)} error{'s' if len(errors) > 1 else ''}"
        from csdl.compiler import cost_tree

        try:
            return cost_tree(self.tree, library=self.settings.library, pricing=self.settings.pricing), None
        except CSDLError as exc:
            first = exc.diagnostics[0]
            return None, f"not costed: {first.code} {first.message}"


def analyse(text: str, version, path: str | None, settings: Settings) -> Analysis:
    """Parse and check ``text`` (never raises for bad CSDL)."""
    from csdl.checking.checker import check, check_tree
    from csdl.language.parser import parse

    try:
        tree = parse(text)
    except CSDLError as exc:
        # `csdl check` decides what a text with a syntax error reports (it may still validate the
        # parts that parsed); this path is the rare one, so the second parse costs little.
        analysis = Analysis(version, text, path, None, check(text, **settings.checks(path)), settings)
        analysis.partial = getattr(exc, "partial", None)
        analysis.repaired = tuple(getattr(exc, "repaired", ()) or ())
        return analysis
    return Analysis(version, text, path, tree, check_tree(tree, **settings.checks(path)), settings)


def analyse_file(path: str, settings: Settings) -> Analysis:
    """A workspace file that is not open in the editor, read from disk (E009 when unreadable)."""
    from csdl.reading import read_path

    source = read_path(path)
    if source.error is not None:
        return Analysis(None, None, path, None, [source.error], settings)
    return analyse(source.text, None, path, settings)
