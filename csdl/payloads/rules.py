"""The payload codes (P0xx the file, P1xx Managed Sources, P2xx source updates, P3xx Data365) and
their documentation, read from ``csdl/data/payload_rules.toml``: one table per code with its
name, severity, summary, documentation, csdl's decision when the rule is ours, and a bad and a
good example body that the tests check."""

from __future__ import annotations

import os
import re
import threading

from csdl.diagnostics import ERROR, WARNING

# Codes that stop the checking of a file: like a filter's syntax errors they are always reported.
BLOCKING = frozenset({"P001", "P002", "P003", "P004", "P006"})

_MACRO = re.compile(r"<<(.*?)\*(\d+)>>", re.S)
_rules: dict[str, "PayloadRule"] | None = None
_lock = threading.Lock()


class PayloadRule:
    __slots__ = ("code", "name", "severity", "summary", "doc", "decision", "kind", "bad", "good", "options")

    def __init__(self, code: str, table: dict):
        self.code = code
        self.name = table["name"]
        self.severity = {"error": ERROR, "warning": WARNING}[table["severity"]]
        self.summary = table["summary"]
        self.doc = table["doc"].strip()
        self.decision = table.get("decision")
        self.kind = table.get("kind") or None
        self.bad = table["bad"]
        self.good = table["good"]
        self.options = dict(table.get("options", {}))

    def documentation(self) -> str:
        """What ``csdl rule CODE`` prints below the summary."""
        parts = [self.doc]
        if self.decision:
            parts.append(f"Our decision (csdl's, not the platform's): {self.decision}")
        where = f" (a {self.kind} body)" if self.kind else ""
        parts.append(f"Bad{where}:\n" + _indent(self.bad))
        parts.append("Good:\n" + _indent(self.good))
        notes = []
        if "<<" in self.bad or "<<" in self.good:
            notes.append("<<TEXT*N>> stands for TEXT repeated N times ({n} numbers the copies).")
        if "previous" in self.options:
            parts.insert(-2, "Previous state (`--previous OLD.json`):\n" + _indent(self.options["previous"]))
        shown = ", ".join(f"{k}={v}" for k, v in sorted(self.options.items()) if k != "previous")
        if shown:
            notes.append(f"Checked with {shown}.")
        if notes:
            parts.append(" ".join(notes))
        return "\n\n".join(parts)

    def example(self, which: str) -> str:
        """The bad or good example with its <<TEXT*N>> repetitions expanded."""
        return expand(self.bad if which == "bad" else self.good)


def expand(text: str) -> str:
    """``<<TEXT*N>>`` becomes N copies of TEXT, ``{n}`` in each replaced by its number (1 to N),
    so that repeated items can differ (100 copies of one resource are also duplicates)."""
    return _MACRO.sub(lambda m: "".join(m.group(1).replace("{n}", str(i)) for i in range(1, int(m.group(2)) + 1)), text)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _data_path() -> str:
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "payload_rules.toml")


def rules() -> dict[str, PayloadRule]:
    """Every payload rule by code, sorted."""
    global _rules
    if _rules is None:
        with _lock:
            if _rules is None:
                from csdl.packaged import toml

                with open(_data_path(), "rb") as f:
                    table = toml().load(f)
                _rules = {code: PayloadRule(code, table[code]) for code in sorted(table)}
    return _rules


def rule(code: str) -> PayloadRule:
    return rules()[code]
