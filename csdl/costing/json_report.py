"""The JSON report of ``csdl cost`` (``--format json``): one record per file plus a summary.

Every renderer (table, JSON, markdown), the diff and the budgets read this report, so a base file
written with ``--format json -o base.json`` is exactly what ``--compare-to`` later reads back.
"""

from __future__ import annotations

from decimal import Decimal

from csdl.units import dpu_json

VERSION = 1


def file_record(path: str, report=None, errors=None) -> dict:
    """The record of one file: its cost report, or the errors that kept it from being costed."""
    if report is None:
        return {"path": path, "dpu": None, "complete": False, "errors": [d.to_dict() for d in errors or []]}
    return {"path": path, **report.to_dict(), "errors": []}


def build(records: list[dict]) -> dict:
    total = sum((Decimal(str(r["dpu"])) for r in records if r["dpu"] is not None), Decimal(0))
    failed = sum(1 for r in records if r["errors"])
    return {
        "version": VERSION,
        "files": records,
        "summary": {
            "files": len(records),
            "costed": len(records) - failed,
            "with_errors": failed,
            "incomplete": sum(1 for r in records if not r["errors"] and not r["complete"]),
            "dpu": dpu_json(total),
            # whether every costed file's cost is fully known (files with errors are counted above)
            "complete": all(r["complete"] for r in records if not r["errors"]),
        },
    }


def dpu_of(value) -> Decimal | None:
    """A report's DPU number back as an exact Decimal (None stays None)."""
    return None if value is None else Decimal(str(value))


class ReportFileError(ValueError):
    """A ``--compare-to`` file that is not a ``csdl cost --format json`` report."""


def load(path: str) -> dict:
    import json

    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise ReportFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise ReportFileError(f"{path}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReportFileError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list) or data.get("version") != VERSION:
        raise ReportFileError(f"{path}: not a `csdl cost --format json` report (version {VERSION})")
    for record in data["files"]:
        if not isinstance(record, dict) or "path" not in record or "dpu" not in record:
            raise ReportFileError(f"{path}: a file record lacks `path` or `dpu`")
        if not isinstance(record.get("detail", {}), dict):
            raise ReportFileError(f"{path}: `detail` of {record['path']} is not an object")
    return data
