"""Budgets for ``csdl cost``: a DPU ceiling per filter, a ceiling on the total, and a ceiling on the
increase against a base report. Each has a failing and a warning variant."""

from __future__ import annotations

from decimal import Decimal

from csdl.units import dpu_text
from csdl.costing.json_report import dpu_of


class Budgets:
    """The limits in force (None: not set). Percentages are of the base cost."""

    FIELDS = ("fail_above", "fail_total_above", "fail_on_increase", "warn_above", "warn_total_above", "warn_on_increase")

    def __init__(self, **limits: Decimal | None):
        for name in self.FIELDS:
            setattr(self, name, limits.get(name))
        #: where a limit came from when not from its flag (``fail_above`` -> "`fail-above` (csdl.toml)")
        self.origins: dict[str, str] = {}

    def named(self, name: str) -> str:
        """How a message names the limit: its flag, or the configuration key that set it."""
        return self.origins.get(name) or f"--{name.replace('_', '-')}"

    def any(self) -> bool:
        return any(getattr(self, name) is not None for name in self.FIELDS)


class Breach:
    __slots__ = ("level", "rule", "subject", "message")

    def __init__(self, level: str, rule: str, subject: str, message: str):
        self.level = level  # "error" (fail) or "warning" (warn)
        self.rule = rule  # the flag: "fail-above", …
        self.subject = subject  # a file path, or "total"
        self.message = message

    def to_dict(self) -> dict:
        return {"level": self.level, "rule": self.rule, "subject": self.subject, "message": self.message}


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}"


def check(budgets: Budgets, payload: dict, diff: dict | None = None) -> list[Breach]:
    """Every budget the payload (and its diff against the base) breaks, failures first."""
    out: list[Breach] = []
    total = dpu_of(payload["summary"]["dpu"])
    for level, prefix in (("error", "fail"), ("warning", "warn")):
        above = getattr(budgets, f"{prefix}_above")
        if above is not None:
            for record in payload["files"]:
                dpu = dpu_of(record["dpu"])
                if dpu is not None and dpu > above:
                    at_least = "" if record["complete"] else " at least"
                    out.append(Breach(level, f"{prefix}-above", record["path"],
                                      f"{record['path']} costs{at_least} {dpu_text(dpu)} DPU, {dpu_text(dpu - above)} DPU "
                                      f"above the {budgets.named(prefix + '_above')} limit of {dpu_text(above)} DPU"))
        total_above = getattr(budgets, f"{prefix}_total_above")
        if total_above is not None and total > total_above:
            out.append(Breach(level, f"{prefix}-total-above", "total",
                              f"the total of {dpu_text(total)} DPU is {dpu_text(total - total_above)} DPU above the "
                              f"{budgets.named(prefix + '_total_above')} limit of {dpu_text(total_above)} DPU"))
        increase = getattr(budgets, f"{prefix}_on_increase")
        if increase is not None and diff is not None:
            for entry in diff["files"] + [dict(diff["total"], path="total")]:
                if entry["percent"] is None or Decimal(str(entry["percent"])) <= increase:
                    continue
                subject = entry["path"]
                what = "the total" if subject == "total" else subject
                out.append(Breach(level, f"{prefix}-on-increase", subject,
                                  f"{what} rose from {entry['old']} to {entry['new']} DPU (+{entry['percent']} %), "
                                  f"more than the {budgets.named(prefix + '_on_increase')} limit of {_pct(increase)} %"))
    return out
