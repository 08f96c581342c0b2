"""PYLON for LinkedIn's reference data (``pylon/linkedin/reference[/<slug>]``) and PYLON tasks
(``pylon/<service>/task``, LinkedIn's in the recordings).

``reference`` answers the list DataSift answered (``{"count", "page", "pages", "per_page", "data":
[{"name", "slug", "description"}]}``, 25 a page) from ``csdl/data/linkedin_reference.json``, and
``reference/<slug>`` its values (``{"count", "values": [{"title", "value"}]}``; values that were never
recorded answer an empty list, ours).

A task (``POST pylon/<service>/task`` with ``subscription_id``, ``name``, ``type``: ``analysis`` or
``strategy``, ``parameters``; LinkedIn's, and the Python client's for any service) is 202
``{"id"}``; ``GET pylon/<service>/task[/<type>[/<id>]]`` lists (``{"count", "page", "pages",
"per_page", "tasks"}``, ``status`` filters) or answers one: ``{"id",
"identity_id", "subscription_id", "name", "type", "parameters", "result", "usage", "steps_completed",
"total_steps", "message", "status", "created_at", "updated_at"}``, as recorded. A task is
``queued`` when first read and ``completed`` after (ours: the platform took seconds); an analysis
task's ``result`` is ``pylon/analyze``'s answer over the recording its ``subscription_id`` names,
``null`` when it is redacted (as recorded; always so for a recording this server does not know).
An empty ``filter`` is dropped from the kept ``parameters``, as DataSift did. Tasks live in memory
(ours).
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import threading
import time

from csdl.server import incoming
from csdl.server.errors import ApiError

_DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "linkedin_reference.json")
_TASK_PATH = re.compile(r"pylon/(?P<service>[a-z][a-z0-9_]{0,30})/task(?:/(?P<type>[a-z_]{1,32})(?:/(?P<id>[0-9a-f]{40}))?)?")
_REFERENCE_PATH = re.compile(r"pylon/linkedin/reference(?:/(?P<slug>[a-z_]{1,64}))?")
TYPES = ("analysis", "strategy")
MAX_TASKS = 10_000
_reference = None


def route(name: str):
    m = _REFERENCE_PATH.fullmatch(name)
    if m:
        return reference, {"slug": m.group("slug")}
    m = _TASK_PATH.fullmatch(name)
    if m:
        return task, {"service": m.group("service"), "type": m.group("type"), "id": m.group("id")}
    return None


def _reference_data() -> dict:
    global _reference
    if _reference is None:
        with open(_DATA, encoding="utf-8") as f:
            _reference = json.load(f)
    return _reference


def reference(call, slug: str | None):
    data = _reference_data()
    if slug is not None:
        if not any(item["slug"] == "/" + slug for item in data["items"]):
            raise ApiError(404, f"Reference data {slug} not found")
        values = data["values"].get(slug, [])
        return 200, {"count": len(values), "values": values}
    return 200, _page(call, data["items"], "data", default=25)


def _page(call, items: list, key: str, *, default: int) -> dict:
    page = incoming.integer(call.params, "page", default=1, minimum=1, maximum=1_000_000)
    per_page = incoming.integer(call.params, "per_page", default=default, minimum=1, maximum=100)
    return {"count": len(items), "page": page, "pages": max(1, math.ceil(len(items) / per_page)), "per_page": per_page,
            key: items[(page - 1) * per_page: page * per_page]}


class Tasks:
    def __init__(self):
        self.tasks: dict[str, tuple[str, dict]] = {}  # id -> (owner, task)
        self.lock = threading.Lock()


_TASKS_LOCK = threading.Lock()


def _tasks(state) -> Tasks:
    with _TASKS_LOCK:
        found = getattr(state, "linkedin_tasks", None)
        if found is None:
            found = state.linkedin_tasks = Tasks()
        return found


def task(call, service: str, type: str | None, id: str | None):
    method = call.request.method
    if type is None and method == "POST":
        return _create(call, service)
    if type is not None and type not in TYPES:
        raise ApiError(404, f"Task type {type} not found")
    if method != "GET":
        raise ApiError(405, f"Method {method} not allowed for this endpoint")
    tasks = _tasks(call.state)
    if id is not None:
        with tasks.lock:
            owner, found = tasks.tasks.get(id, (None, None))
        if found is None or owner != call.user or found["type"] != type or found["_service"] != service:
            raise ApiError(404, "Task not found")
        return 200, _read(call, found)
    status = incoming.text(call.params, "status")
    with tasks.lock:
        mine = [t for o, t in tasks.tasks.values()
                if o == call.user and t["_service"] == service and type in (None, t["type"])]
    mine = [_read(call, t) for t in sorted(mine, key=lambda t: t["created_at"], reverse=True)]
    if status is not None:
        mine = [t for t in mine if t["status"] == status]
    return 200, _page(call, mine, "tasks", default=25)


def _create(call, service: str):
    type = incoming.text(call.params, "type", required=True)
    if type not in TYPES:
        raise ApiError(400, f"type must be one of {', '.join(TYPES)}")
    name = incoming.text(call.params, "name", required=True)
    subscription = incoming.text(call.params, "subscription_id", required=True)
    if not re.fullmatch(r"[0-9a-f]{40}", subscription):
        raise ApiError(400, "subscription_id must be a valid id")
    parameters = call.params.get("parameters")
    if isinstance(parameters, str):
        try:
            parameters = json.loads(parameters)
        except ValueError:
            raise ApiError(400, "parameters must be a JSON object") from None
    if not isinstance(parameters, dict):
        raise ApiError(400, "parameters must be a JSON object")
    parameters = {k: v for k, v in parameters.items() if not (k == "filter" and not v)}  # as DataSift kept them
    now = int(time.time())
    record = {"id": secrets.token_hex(20), "identity_id": _identity_of(call.user), "subscription_id": subscription,
              "name": name, "type": type, "parameters": parameters, "result": None, "usage": {f"{type}_tasks": 1},
              "steps_completed": None, "total_steps": None, "message": "", "status": "queued",
              "created_at": now, "updated_at": now, "_reads": 0, "_service": service}
    tasks = _tasks(call.state)
    with tasks.lock:
        if len(tasks.tasks) >= MAX_TASKS:
            raise ApiError(429, f"At most {MAX_TASKS} tasks are kept by this server")
        tasks.tasks[record["id"]] = (call.user, record)
    return 202, {"id": record["id"]}


def _identity_of(user: str) -> str:
    import hashlib

    return hashlib.md5(f"identity:{user}".encode()).hexdigest()


def _read(call, record: dict) -> dict:
    record["_reads"] += 1
    if record["status"] == "queued" and record["_reads"] > 1:
        record.update(status="completed", steps_completed=1, total_steps=1, message="",
                      result=_result(call, record), updated_at=int(time.time()))
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _result(call, record: dict):
    if record["type"] != "analysis":
        return {}
    from csdl.server import pylon, pylon_analysis

    spec_raw = record["parameters"].get("parameters")
    try:
        spec = pylon_analysis.Spec(spec_raw)
    except ApiError as exc:
        return {"error": exc.body.get("error")}
    stored = call.state.store.get_document(pylon.TABLE, record["subscription_id"], call.user)
    posts = []
    if stored is not None:
        recorder = pylon.recordings(call.state).recorder(stored["id"])
        posts = recorder.snapshot() if recorder is not None else []
    answer = pylon_analysis.analyze(spec, posts)
    return None if answer["analysis"]["redacted"] else answer  # a redacted result was null, as recorded
