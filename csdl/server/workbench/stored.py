"""Stored streams as the side list shows them: cost, a one-line summary, and the reference graph
(which stored streams name a stream with ``stream "<hash>"`` or ``tags "<hash>"``).

Everything is read through the store the server hands over; nothing here opens a database. What
the list shows is written with the stream when it is compiled (``streams.compile_and_store``), so
a page of the list is a few queries, never a compile per stream. Streams stored without it (by an
older version) or whose referenced streams were unknown then are worked out when a page shows
them, and written back.
"""

from __future__ import annotations

from csdl.diagnostics import CSDLError

PER_PAGE = 100
MAX_PER_PAGE = 500


def worked_out(text: str, library=None) -> dict:
    """The listed facts of a stream stored without them: parse and cost it now."""
    import csdl

    from csdl.server.streams import list_facts

    try:
        tree = csdl.parse(text)
    except CSDLError:
        return list_facts(text, None, None, True)
    try:
        report = csdl.cost(text, library=library)
    except CSDLError:
        return list_facts(text, tree, None, True)
    return list_facts(text, tree, report.dpu, report.complete)


def _when(value) -> str | None:
    if isinstance(value, (int, float)):
        import datetime

        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return value if isinstance(value, str) else None


def _facts(store, row: dict, library) -> dict:
    facts = row.get("facts")
    if facts is None or not facts.get("complete", True):
        facts = worked_out(row["csdl"], library)
        store.put_stream_facts(row["hash"], facts, facts["references"])
    return facts


def _entry(store, row: dict, library) -> dict:
    facts = _facts(store, row, library)
    return {"hash": row["hash"], "created_at": _when(row.get("created_at")), "dpu": facts["dpu"],
            "references": facts["references"], "summary": facts["summary"]}


def listing(store, library=None, *, owner: str | None = None, page: int = 1, per_page: int = PER_PAGE) -> dict:
    """A page of stored streams (the owner's only, with ``owner``), newest first, each with its
    facts and the stored streams referring to it."""
    rows, count = store.stream_page(owner=owner, limit=per_page, offset=(page - 1) * per_page)
    out = [_entry(store, row, library) for row in rows]
    referrers = store.referrers([entry["hash"] for entry in out], owner)
    for entry in out:
        entry["referenced_by"] = referrers.get(entry["hash"], [])
    return {"streams": out, "count": count, "page": page, "per_page": per_page, "pages": -(-count // per_page)}


def detail(store, hash: str, library=None, *, owner: str | None = None) -> dict | None:
    """One stored stream with its text (None when unknown, or not the owner's)."""
    record = store.stream_record(hash)
    if record is None or (owner is not None and not store.owns_stream(owner, hash)):
        return None
    row = {**record, "facts": store.stream_facts(hash)}
    entry = _entry(store, row, library)
    entry["referenced_by"] = store.referrers([hash], owner).get(hash, [])
    return {**entry, "csdl": record["csdl"]}
