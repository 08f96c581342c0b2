"""The registry of every diagnostic code: syntax (E0xx), validation (E1xx-E4xx), lint (W1xx-W3xx)
and suppression (W9xx). ``csdl rules``, SARIF output and ``--select`` validation read it."""

from __future__ import annotations

from collections.abc import Mapping

from csdl.diagnostics import ERROR


class RuleInfo:
    """A code's identity and documentation."""

    __slots__ = ("code", "name", "summary", "severity", "doc", "group")

    def __init__(self, code: str, name: str, summary: str, severity: str, doc: str, group: str):
        self.code = code
        self.name = name
        self.summary = summary
        self.severity = severity
        self.doc = doc
        self.group = group

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "summary": self.summary, "severity": self.severity,
                "group": self.group}


_GROUPS = {
    "E0": "syntax", "E1": "targets and operators", "E2": "arguments", "E3": "limits and structure",
    "E4": "platform (PYLON query filters)", "W1": "cost", "W2": "correctness", "W3": "style", "W9": "suppression",
    "P0": "payload files", "P1": "Managed Sources payloads", "P2": "Managed Sources updates", "P3": "Data365 tasks payloads",
}

def group_of(code: str) -> str:
    return _GROUPS.get(code[:2], "other")


def _build() -> dict[str, RuleInfo]:
    from csdl.checking.error_codes import VALIDATION_CODES
    from csdl.checking.lint import rules
    from csdl.checking.suppression import SUPPRESSION_CODES, SUPPRESSION_SEVERITY
    from csdl.language.syntax_errors import SYNTAX_CODES, SYNTAX_EXAMPLES

    table: dict[str, RuleInfo] = {}
    for code, (name, summary) in SYNTAX_CODES.items():
        examples = SYNTAX_EXAMPLES.get(code)
        shown = f"Bad:\n    {examples[0]}\nGood:\n    {examples[1]}\n\n" if examples else ""
        table[code] = RuleInfo(code, name, summary, ERROR, shown + "Syntax errors cannot be ignored or suppressed.",
                               group_of(code))
    for code, (name, summary, doc) in VALIDATION_CODES.items():
        table[code] = RuleInfo(code, name, summary, ERROR, doc.strip(), group_of(code))
    for rule in rules():
        doc = rule.documentation()
        body = doc.split("\n", 1)[1].strip() if "\n" in doc else ""
        table[rule.code] = RuleInfo(rule.code, rule.name, rule.summary(), rule.severity, body, group_of(rule.code))
    for code, (name, summary, doc) in SUPPRESSION_CODES.items():
        table[code] = RuleInfo(code, name, summary, SUPPRESSION_SEVERITY, doc.strip(), group_of(code))
    from csdl.payloads.rules import rules as payload_rules

    for code, info in payload_rules().items():
        table[code] = RuleInfo(code, info.name, info.summary, info.severity, info.documentation(), group_of(code))
    for code, entry in _run_cost_codes().items():
        table[code] = RuleInfo(code, entry["name"], entry["summary"], entry["severity"], entry["doc"], entry["group"])
    return dict(sorted(table.items()))


def _run_cost_codes() -> dict:
    """The codes of ``csdl run`` (R…) and of the cost report (C…), from the package's data file:
    they live in stages above this registry, so their text is data, not an import."""
    from csdl.packaged import data_table

    return data_table("run_cost_codes.toml")


class _Registry(Mapping):
    """The registry as a read-only mapping, built on first use: ``csdl check`` without selectors
    or ``noqa`` comments never needs it, and building it imports every rule family and reads the
    payload rules' TOML file (most of a small check's run time)."""

    def __init__(self):
        self._table: dict[str, RuleInfo] | None = None

    def _built(self) -> dict[str, RuleInfo]:
        if self._table is None:
            self._table = _build()
        return self._table

    def __getitem__(self, code: str) -> RuleInfo:
        return self._built()[code]

    def __contains__(self, code) -> bool:
        return code in self._built()

    def __iter__(self):
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())


_registry = _Registry()


def not_from_check() -> frozenset[str]:
    """The codes ``csdl check`` never reports: those of ``csdl run`` (R…) and of the cost report
    (C…)."""
    return frozenset(_run_cost_codes())


def registry() -> Mapping[str, RuleInfo]:
    """Every code, sorted (a mapping built when first read)."""
    return _registry


def find(code_or_name: str) -> RuleInfo | None:
    """The rule for a code (`W101`, any case) or a name (`contains-to-contains-any`)."""
    table = registry()
    key = code_or_name.strip()
    if key.upper() in table:
        return table[key.upper()]
    for info in table.values():
        if info.name == key.lower():
            return info
    return None


def diagnostic(code: str, message: str, span, *, hint: str | None = None, fix=None):
    """A ``Diagnostic`` for ``code`` with the registry's name and severity: call sites give the
    code and the words, never the name or the severity (``csdl rules`` and the output agree).
    For the stages above the registry (library, evaluation, engines, faces); the families below
    it build theirs from the tables the registry reads (``SYNTAX_CODES``, ``VALIDATION_CODES`` …)."""
    from csdl.diagnostics import Diagnostic

    info = registry()[code]
    return Diagnostic(code, message, span, severity=info.severity, name=info.name, hint=hint, fix=fix)
