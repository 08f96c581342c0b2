"""PYLON tasks: ``pylon/<service>/task[/<type>[/<id>]]`` (LinkedIn's in the recordings, any service
for the Python client).

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

import re
import secrets
import threading
import time

from csdl.server import incoming
from csdl.server.errors import ApiError
from csdl.server.linkedin import page_of

_TASK_PATH = re.compile(r"pylon/(?P<service>[a-z][a-z0-9_]{0,30})/task(?:/(?P<type>[a-z_]{1,32})(?:/(?P<id>[0-9a-f]{40}))?)?")
TYPES = ("analysis", "strategy")
MAX_TASKS = 10_000


def route(name: str):
    m = _TASK_PATH.fullmatch(name)
    if m:
        return task, {"service": m.group("service"), "type": m.group("type"), "id": m.group("id")}
    return None


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
    return 200, page_of(call, mine, "tasks", default=25)


def _create(call, service: str):
    type = incoming.text(call.params, "type", required=True)
    if type not in TYPES:
        raise ApiError(400, f"type must be one of {', '.join(TYPES)}")
    name = incoming.text(call.params, "name", required=True)
    subscription = incoming.text(call.params, "subscription_id", required=True)
    if not re.fullmatch(r"[0-9a-f]{40}", subscription):
        raise ApiError(400, "subscription_id must be a valid id")
    parameters = incoming.json_param(call.params, "parameters")
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
