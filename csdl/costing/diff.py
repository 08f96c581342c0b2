"""Cost diffs: what changed between a base ``csdl cost --format json`` payload and now, per file and
per operator (``+`` added, ``~`` changed, ``-`` removed), and in total."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from csdl.units import dpu_json
from csdl.costing.json_report import dpu_of

ADDED, CHANGED, REMOVED, UNCHANGED = "added", "changed", "removed", "unchanged"
SYMBOLS = {ADDED: "+", CHANGED: "~", REMOVED: "-", UNCHANGED: " "}


def percent(old: Decimal | None, new: Decimal | None) -> Decimal | None:
    """The change in percent, to one decimal; None when there is no base to compare with."""
    if old is None or new is None or old == 0:
        return None
    return ((new - old) * 100 / old).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _entry(name_key: str, name: str, old: Decimal | None, new: Decimal | None, status: str) -> dict:
    change = (new or Decimal(0)) - (old or Decimal(0))
    pct = percent(old, new)
    return {
        name_key: name,
        "status": status,
        "old": None if old is None else dpu_json(old),
        "new": None if new is None else dpu_json(new),
        "change": dpu_json(change),
        "percent": None if pct is None else float(pct),
    }


def _status(old, new, present_old: bool, present_new: bool) -> str:
    if not present_old:
        return ADDED
    if not present_new:
        return REMOVED
    return UNCHANGED if old == new else CHANGED


def _operators(old_record: dict | None, new_record: dict | None) -> list[dict]:
    old_detail = (old_record or {}).get("detail") or {}
    new_detail = (new_record or {}).get("detail") or {}
    out = []
    for op in list(new_detail) + [o for o in old_detail if o not in new_detail]:
        old = dpu_of(old_detail[op]["dpu"]) if op in old_detail else None
        new = dpu_of(new_detail[op]["dpu"]) if op in new_detail else None
        status = _status(old, new, op in old_detail, op in new_detail)
        if status != UNCHANGED:
            out.append(_entry("operator", op, old, new, status))
    return out


def diff(base: dict, current: dict) -> dict:
    """The diff payload. Files match by path; a file that could not be costed counts as 0 DPU."""
    old_files = {r["path"]: r for r in base["files"]}
    new_files = {r["path"]: r for r in current["files"]}
    files = []
    old_total = new_total = Decimal(0)
    for path in list(new_files) + [p for p in old_files if p not in new_files]:
        old_record, new_record = old_files.get(path), new_files.get(path)
        old = dpu_of(old_record["dpu"]) if old_record else None
        new = dpu_of(new_record["dpu"]) if new_record else None
        old_total += old or 0
        new_total += new or 0
        status = _status(old, new, old_record is not None, new_record is not None)
        operators = _operators(old_record, new_record)
        if status == UNCHANGED and operators:
            status = CHANGED  # same total, different make-up
        entry = _entry("path", path, old, new, status)
        entry["operators"] = operators
        files.append(entry)
    total = _entry("path", "TOTAL", old_total, new_total, CHANGED if old_total != new_total else UNCHANGED)
    del total["path"]
    return {
        "files": files,
        "total": total,
        "changed_files": sum(1 for f in files if f["status"] != UNCHANGED),
    }
