"""Historics (``prepare``, ``start``, ``stop``, ``pause``, ``resume``, ``update``, ``status``, ``get``,
``delete``, ``dpu?historics_id=``) and previews (``preview/create|get``).

``prepare`` answers in the shape of the API version asked for (``csdl.server.versions``); the
Historics DPU of the billing module (duration × sample factor × the filter's DPU, 1 DPU/hour
minimum) is kept with the query and sent in the ``X-Csdl-Dpus`` header (ours) where DataSift
answered ``null``. A started query runs over ``--archive`` (``csdl.server.historics_run``).
A preview is computed when it is created, by running the filter over the ``--sample`` posts.
"""

from __future__ import annotations

import secrets
import time

from csdl.server import incoming, versions
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

#: What ``historics/get`` answers of a query, as recorded (v1.1-v1.6).
PUBLIC = ("id", "definition_id", "name", "start", "end", "created_at", "status", "progress", "sources", "sample",
          "estimated_completion", "delivery_count")
#: The header carrying the Historics DPU where DataSift answered ``null`` (ours).
DPUS_HEADER = "X-Csdl-Dpus"


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
    call.headers[DPUS_HEADER] = str(dpus)
    return 202, versions.prepared(call.version, record)


#: Statuses whose answer shows the query's ``chunks`` (as documented for a running query; the
#: recorded answers of queries not started or finished have none).
SHOWS_CHUNKS = ("queued", "running", "paused", "stopping")


def _public(record: dict) -> dict:
    view = {k: record[k] for k in PUBLIC if k in record}
    if record["status"] in SHOWS_CHUNKS and "chunks" in record:
        view["chunks"] = record["chunks"]
    return view


def _record(call) -> dict:
    id = incoming.hex_id(call.params, "id", 20)
    record = call.state.store.get_document("historics", id, call.user)
    if record is None:
        raise ApiError(404, f"No historic found with the ID {id} ")  # DataSift's text, its space included
    return record


def get(call):
    if incoming.text(call.params, "id") is not None:
        return 200, _public(_record(call))
    per_page = incoming.integer(call.params, "max", default=20, minimum=1, maximum=100)
    page = incoming.integer(call.params, "page", default=1, minimum=1, maximum=1_000_000)
    records, count = call.state.store.list_documents("historics", call.user, limit=per_page, offset=(page - 1) * per_page)
    return 200, {"data": [_public(r) for r in records], "count": count}


def delete(call):
    id = incoming.hex_id(call.params, "id", 20)
    run = call.state.historics_runs.get(id)
    if run is not None and run.owner == call.user:
        run.stopped.set()
    if not call.state.store.delete_document("historics", id, call.user):
        raise ApiError(404, f"No historics found with the ID {id} ")
    return 204, None


def start(call):
    record = _record(call)
    if record["status"] != "init":
        raise ApiError(400, f"The historic {record['id']} cannot be started: it is {record['status']}")

    def queue(body):  # queued before the answer, so that a stop or pause right after finds it started
        body["status"] = "queued"
        return body

    call.state.store.update_document("historics", record["id"], call.user, queue)
    call.state.historics_runs.start(call.user, record["id"])
    return 204, None


def _running(call, *, allowed: tuple[str, ...], action: str):
    record = _record(call)
    run = call.state.historics_runs.get(record["id"])
    if record["status"] not in allowed or run is None:
        raise ApiError(400, f"The historic {record['id']} cannot be {action}: it is {record['status']}")
    return record, run


def stop(call):
    record, run = _running(call, allowed=("running", "paused", "queued"), action="stopped")
    run.update(status="stopping")
    run.stopped.set()
    run.resumed.set()
    return 204, None


def pause(call):
    record, run = _running(call, allowed=("running", "queued"), action="paused")
    run.resumed.clear()
    run.update(status="paused")
    return 204, None


def resume(call):
    record, run = _running(call, allowed=("paused",), action="resumed")
    run.update(status="running" if call.state.settings.archive is not None else "queued")
    run.resumed.set()
    return 204, None


def update(call):
    record = _record(call)
    name = incoming.text(call.params, "name", required=True)
    if len(name) > 255:
        raise ApiError(400, "The name parameter is longer than 255 characters")

    def change(body):
        body["name"] = name
        return body

    call.state.store.update_document("historics", record["id"], call.user, change)
    return 204, None


def status(call):
    """``historics/status``: what the archive holds for a window, per day and source (DataSift's
    documented shape: ``[{"start": "<unix seconds>", "end": <unix seconds>, "sources": {source:
    {"status", "versions", "augmentations"}}}]``); every source asked for is answered as fully
    available (ours: the archive is what it is)."""
    from csdl.server.historics_run import chunk_bounds

    start, end = _window(call)
    sources = _sources(call, required=False) or ["twitter"]
    return 200, [{"start": str(first), "end": last,
                  "sources": {s: {"status": 100, "versions": ["3"], "augmentations": {}} for s in sources}}
                 for first, last in chunk_bounds(start, end)]


def dpu(call):
    """``dpu`` with ``historics_id``: the query's DPU as recorded (``{"dpu", "detail": {}}``, the
    figure ``null`` from v1.4 on, ours in the ``X-Csdl-Dpus`` header); with ``hash`` the filter's."""
    from csdl.server import filters

    historics_id = incoming.text(call.params, "historics_id")
    if incoming.text(call.params, "hash") is not None or historics_id is None:
        return filters.dpu(call)
    if not incoming.is_hex(historics_id, 20):
        return filters.dpu(call)  # DataSift's "Unable to get DPU" answer
    record = call.state.store.get_document("historics", historics_id.lower(), call.user)
    if record is None:
        return filters.dpu(call)
    call.headers[DPUS_HEADER] = str(record["dpus"])
    return 200, {"dpu": versions.historics_dpus(call.version, record["dpus"]), "detail": {}}


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
        "id": secrets.token_hex(20), "name": "preview", "progress": 0, "status": "queued",
        "feeds": ",".join(sources), "sample": 1, "start": start, "end": end, "created_at": now,
        "user": call.user, "parameters": parameters, "hash": hash, **result,
    }
    call.state.store.put_document("previews", record["id"], call.user, record)
    return 202, {"id": record["id"], "created_at": now}


#: A preview's status at its first, second and later reads: DataSift's sequence, one step a read
#: (ours: the platform took minutes; the emulator has the figures at once).
PREVIEW_STEPS = (("queued", 0), ("running", 50), ("succeeded", 100))
#: What a preview answers before it succeeded: the keys DataSift recorded.
PREVIEW_KEYS = ("id", "name", "progress", "status", "feeds", "sample", "end", "created_at", "start", "user",
                "parameters", "hash")


def preview_get(call):
    id = incoming.hex_id(call.params, "id", 40)

    def step(record):
        reads = record.get("_reads", 0) + 1
        record["_reads"] = reads
        record["status"], record["progress"] = PREVIEW_STEPS[min(reads, len(PREVIEW_STEPS)) - 1]
        return record

    record = call.state.store.update_document("previews", id, call.user, step)
    if record is None:
        raise ApiError(404, f"No preview found with the ID {id}")
    if record["status"] != "succeeded":
        return 202, {k: record[k] for k in PREVIEW_KEYS if k in record}
    return 202, {k: v for k, v in record.items() if not k.startswith("_")}
