"""Stored streams as the side list shows them: cost, a one-line summary, and the reference graph
(which stored streams name a stream with ``stream "<hash>"`` or ``tags "<hash>"``).

Everything is read through the store the server hands over; nothing here opens a database.
Parsed results are cached by hash: a stored stream's text never changes (its hash is its text's).
"""

from __future__ import annotations

import threading

from csdl.diagnostics import CSDLError

_lock = threading.Lock()
_facts: dict[str, dict] = {}
MAX_CACHED = 5000


def _summary(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("//", "/*")):
            return line if len(line) <= 60 else line[:59] + "…"
    return ""


def facts(hash: str, text: str, library=None) -> dict:
    """``{"dpu", "references", "summary"}`` of one stored stream (DPU None when it is invalid)."""
    with _lock:
        cached = _facts.get(hash)
    if cached is not None:
        return cached
    import csdl

    references: list[str] = []
    dpu = None
    complete = True
    try:
        tree = csdl.parse(text)
    except CSDLError:
        tree = None
    if tree is not None:
        for node in tree.walk():
            kind = getattr(node, "kind", "")
            if kind == "stream" or kind == "tags_import":
                value = getattr(node, "hash", None) or getattr(node, "value", None)
                if isinstance(value, str):
                    references.append(value.strip().lower())
        try:
            from csdl.units import dpu_json

            report = csdl.cost(text, library=library)
            dpu, complete = dpu_json(report.dpu), report.complete
        except CSDLError:
            dpu = None
    found = {"dpu": dpu, "references": sorted(set(references)), "summary": _summary(text)}
    if not complete:
        return found  # a referenced stream may be compiled later: ask again next time
    with _lock:
        if len(_facts) >= MAX_CACHED:
            _facts.clear()
        _facts[hash] = found
    return found


def _rows(store) -> list[dict]:
    rows = []
    for row in store.list_streams():
        if isinstance(row, str):
            row = {"hash": row}
        rows.append(dict(row))
    return rows


def _when(value) -> str | None:
    if isinstance(value, (int, float)):
        import datetime

        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return value if isinstance(value, str) else None


def listing(store, library=None) -> list[dict]:
    """Every stored stream, newest first, with its facts and the stored streams referring to it."""
    out = []
    for row in reversed(_rows(store)):
        hash = row["hash"]
        text = row.get("csdl")
        if text is None:
            text = store.get_stream(hash) or ""
        info = facts(hash, text, library)
        out.append({"hash": hash, "created_at": _when(row.get("created_at")), **info})
    referrers: dict[str, list[str]] = {}
    for entry in out:
        for ref in entry["references"]:
            referrers.setdefault(ref, []).append(entry["hash"])
    for entry in out:
        entry["referenced_by"] = sorted(referrers.get(entry["hash"], []))
    return out


def detail(store, hash: str, library=None) -> dict | None:
    text = store.get_stream(hash)
    if text is None:
        return None
    for entry in listing(store, library):
        if entry["hash"] == hash:
            return {**entry, "csdl": text}
    return {"hash": hash, "created_at": None, **facts(hash, text, library), "referenced_by": [], "csdl": text}
