"""``historics/prepare|get|delete`` and ``preview/create|get``.

A Historics query is prepared, never run (there is no archive offline): ``prepare`` answers at
once with the Historics DPU of the billing module (``dpus``: duration × sample factor × the
filter's DPU, 1 DPU/hour minimum), where DataSift answered ``null`` while it was still computing.
A preview is computed when it is created, by running the filter over the ``--sample`` posts.
"""

from __future__ import annotations

import secrets
import time

from csdl.server import incoming
from csdl.server.errors import ApiError
from csdl.server.filters import stream_report

SAMPLES = (10, 100)
LAST_TIME = 253_402_300_799  # 9999-12-31 23:59:59 UTC: later times are not dates


def _stream_hash(call) -> str:
    hash = incoming.hex_id(call.params, "hash", 32, what="hash")
    if call.state.library.resolve(hash) is None:
        raise ApiError(400, f"The stream {hash} is not known to this server: compile it first")
    return hash


def _sources(call, *, required: bool) -> list[str]:
    raw = call.params.get("sources")
    if isinstance(raw, list) and all(isinstance(v, str) for v in raw):  # a JSON array
        value = ",".join(raw)
    else:
        value = incoming.text(call.params, "sources", required=required)
    if not value:
        if required:
            raise ApiError(400, "The sources parameter is required")
        return []
    names = [part.strip() for part in value.split(",") if part.strip()]
    for name in names:
        if not name.replace("_", "").replace(".", "").isalnum() or len(name) > 64:
            raise ApiError(400, f"The sources parameter lists an invalid source name {name[:64]!r}")
    if required and not names:
        raise ApiError(400, "The sources parameter is required")
    return names


def _window(call, *, end_required: bool = True) -> tuple[int, int]:
    start = incoming.integer(call.params, "start", required=True, minimum=0, maximum=LAST_TIME)
    end = incoming.integer(call.params, "end", required=end_required, minimum=0, maximum=LAST_TIME)
    if end is None:  # DataSift's documented default for a preview
        end = min(start + 86_400, int(time.time()) - 3600)
    if end <= start:
        raise ApiError(400, "The end parameter must be after the start parameter")
    return start, end


# Historics -------------------------------------------------------------------------------------------


def prepare(call):
    from decimal import Decimal

    from csdl.billing import historics as historics_bill

    hash = _stream_hash(call)
    start, end = _window(call)
    name = incoming.text(call.params, "name", required=True)
    if len(name) > 255:
        raise ApiError(400, "The name parameter is longer than 255 characters")
    sources = _sources(call, required=True)
    sample = incoming.integer(call.params, "sample", default=100)
    if sample not in SAMPLES:
        raise ApiError(400, "The sample parameter must be 10 or 100")
    report = stream_report(call.state, hash)
    if report is None:
        raise ApiError(400, f"The stream {hash} cannot be costed")
    hours = Decimal(end - start) / Decimal(3600)
    bill = historics_bill(report.dpu, hours, sample=sample, pricing=call.state.settings.options.pricing)
    dpus = bill.data["dpu_usage"]
    record = {
        "id": secrets.token_hex(10), "definition_id": hash, "name": name, "start": start, "end": end,
        "created_at": int(time.time()), "status": "init", "progress": 0, "sources": sources, "sample": sample,
        "estimated_completion": 0, "delivery_count": 0, "dpus": dpus,
    }
    call.state.store.put_document("historics", record["id"], call.user, record)
    return 202, {"id": record["id"], "dpus": dpus, "availability": {"start": start, "end": end, "sources": sources}}


def _public(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "dpus"}


def get(call):
    id = incoming.text(call.params, "id")
    if id is not None:
        id = incoming.check_hex(id, 20, "id")
        record = call.state.store.get_document("historics", id, call.user)
        if record is None:
            raise ApiError(404, f"No historic found with the ID {id} ")
        return 200, _public(record)
    per_page = incoming.integer(call.params, "max", default=20, minimum=1, maximum=100)
    page = incoming.integer(call.params, "page", default=1, minimum=1, maximum=1_000_000)
    records, count = call.state.store.list_documents("historics", call.user, limit=per_page, offset=(page - 1) * per_page)
    return 200, {"data": [_public(r) for r in records], "count": count}


def delete(call):
    id = incoming.hex_id(call.params, "id", 20)
    if not call.state.store.delete_document("historics", id, call.user):
        raise ApiError(404, f"No historics found with the ID {id} ")
    return 204, None


# Previews ----------------------------------------------------------------------------------------------


def preview_create(call):
    from csdl.server.preview import parse_parameters, run_preview

    hash = _stream_hash(call)
    start, end = _window(call, end_required=False)
    raw = call.params.get("parameters")
    if isinstance(raw, list) and all(isinstance(v, str) for v in raw):  # a JSON array of items
        call.params["parameters"] = ";".join(raw)
    parameters = incoming.text(call.params, "parameters", required=True)
    analyses = parse_parameters(parameters)
    sources = _sources(call, required=False) or ["twitter"]
    entry = call.state.library.resolve(hash)
    result = run_preview(entry.tree, analyses, call.state)
    now = int(time.time())
    record = {
        "id": secrets.token_hex(20), "name": "preview", "progress": 100, "status": "succeeded",
        "feeds": ",".join(sources), "sample": 1, "start": start, "end": end, "created_at": now,
        "user": call.user, "parameters": parameters, "hash": hash, **result,
    }
    call.state.store.put_document("previews", record["id"], call.user, record)
    return 202, {"id": record["id"], "created_at": now}


def preview_get(call):
    id = incoming.hex_id(call.params, "id", 40)
    record = call.state.store.get_document("previews", id, call.user)
    if record is None:
        raise ApiError(404, f"No preview found with the ID {id}")
    return 202, record
