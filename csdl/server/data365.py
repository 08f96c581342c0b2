"""Datastreamer's Data365 collection tasks: register a token, list the sub-sources, create, list,
start, cancel, read and delete tasks. Every call carries an ``apikey`` header.

The seeds show the calls, not the answers: every response shape here is ours (docs/serve.md).
A task is ``created``, then ``running`` once started, then ``complete`` ``--task-delay`` seconds
later (worked out when it is read, so a restarted server continues the clock); cancelling
a created or running task makes it ``cancelled``.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from csdl.payloads.data365 import SEARCH_PREFIX, SOURCES, TASK_KEYS
from csdl.server import incoming
from csdl.server.errors import ApiError

PROVIDER = "data365"


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def task_view(row: dict) -> dict:
    out = {"id": row["id"], "source": row["source"]}
    out.update({k: row["body"][k] for k in TASK_KEYS if k in row["body"]})
    out.update(status=row["status"], created_at=_iso(row["created_at"]), started_at=_iso(row["started_at"]),
               finished_at=_iso(row["finished_at"]), search_source=SEARCH_PREFIX + row["source"])
    return out


def _source(request) -> str:
    name = request.path_params["source"]
    if name not in SOURCES:
        raise ApiError(404, f"Unknown Data365 source {name[:60]!r} (GET /api/data-providers/data365 lists them)")
    return name


def _task_id(request) -> str:
    value = request.path_params["task_id"]
    if not incoming.is_hex(value, 32):
        raise ApiError(400, "A task id is 32 hexadecimal digits")
    return value.lower()


class _Handlers:
    def __init__(self, state):
        self.state = state

    def _tasks(self, owner, source, task_id=None):
        self.state.store.complete_due_tasks(self.state.settings.task_delay)
        return self.state.store.tasks(owner, source, task_id)

    async def _body(self, request):
        body = await incoming.read_body(request, self.state.settings.max_body)
        return body

    def register(self, owner, body):
        data = incoming.json_object(body) if body.strip() else {}
        token = data.get("token")
        if not isinstance(token, str) or not token.strip():
            raise ApiError(400, 'The body must be {"token": "<your Data365 access token>"}')
        self.state.store.put_token(owner, PROVIDER, token.strip())
        return 200, {"provider": PROVIDER, "registered": True, "updated_at": _iso(time.time())}

    def providers(self, owner):
        registered = self.state.store.get_token(owner, PROVIDER) is not None
        return 200, {"provider": PROVIDER, "token_registered": registered,
                     "sources": [{"name": s, "search_source": SEARCH_PREFIX + s} for s in SOURCES]}

    def create(self, owner, source, body):
        from csdl.payloads import check_payload, refusal

        if self.state.store.get_token(owner, PROVIDER) is None:
            raise ApiError(400, "No Data365 token registered: PUT /api/data-sources/data365 with {\"token\": …} first")
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ApiError(400, f"Malformed JSON body: not UTF-8 (byte {exc.start})") from None
        diagnostics = check_payload(text, "data365-tasks", data365_source=source)
        refused = refusal("data365-tasks", diagnostics)
        if refused is not None:
            status, error = refused
            raise ApiError(status, body=error)
        data = incoming.json_object(body)
        tasks = [(uuid.uuid4().hex, {k: t[k] for k in TASK_KEYS if k in t}) for t in data["tasks"]]
        self.state.store.add_tasks(owner, source, tasks)
        rows = self._tasks(owner, source)
        created = {task_id for task_id, _ in tasks}
        out = {"source": source, "created": len(tasks), "tasks": [task_view(r) for r in rows if r["id"] in created]}
        warnings = [f"{d.code} {d.message}" for d in diagnostics if not d.is_error]
        if warnings:
            out["warnings"] = warnings
        return 201, out

    def list(self, owner, source):
        rows = self._tasks(owner, source)
        return 200, {"source": source, "count": len(rows), "tasks": [task_view(r) for r in rows]}

    def change_all(self, owner, source, to, only_from):
        self.state.store.complete_due_tasks(self.state.settings.task_delay)
        rows = self.state.store.set_task_status(owner, source, None, to=to, only_from=only_from)
        key = "started" if to == "running" else "cancelled"
        return 200, {"source": source, key: len(rows), "tasks": [task_view(r) for r in rows]}

    def change_one(self, owner, source, task_id, to, only_from):
        current = self._tasks(owner, source, task_id)
        if not current:
            raise ApiError(404, f"No task {task_id} for {source}")
        if current[0]["status"] not in only_from:
            verb = "started" if to == "running" else "cancelled"
            raise ApiError(409, f"Task {task_id} is {current[0]['status']} and cannot be {verb}")
        rows = self.state.store.set_task_status(owner, source, task_id, to=to, only_from=only_from)
        if not rows:  # another server changed it in between
            raise ApiError(409, f"Task {task_id} changed state meanwhile; read it again")
        return 200, task_view(rows[0])

    def status(self, owner, source, task_id):
        rows = self._tasks(owner, source, task_id)
        if not rows:
            raise ApiError(404, f"No task {task_id} for {source}")
        return 200, task_view(rows[0])

    def delete(self, owner, source, task_id):
        if not self.state.store.delete_task(owner, source, task_id):
            raise ApiError(404, f"No task {task_id} for {source}")
        return 204, None


_START_FROM = ("created", "cancelled", "complete")
_CANCEL_FROM = ("created", "running")


def routes(state, respond) -> list:
    """The Data365 routes; ``respond(request, work)`` runs ``work(owner) -> (status, body)``."""
    h = _Handlers(state)
    users = state.settings.users

    def endpoint(work, *, body: bool = False):
        async def handle(request):
            async def run():
                owner = incoming.apikey_owner(request, users)
                data = await incoming.read_body(request, state.settings.max_body) if body else b""
                return await run_in_threadpool(work, request, owner, data)

            return await respond(request, run)

        return handle

    base = "/api/data-providers/data365"
    return [
        Route("/api/data-sources/data365", endpoint(lambda r, o, b: h.register(o, b), body=True), methods=["PUT", "POST"]),
        Route(base, endpoint(lambda r, o, b: h.providers(o)), methods=["GET"]),
        Route(base + "/{source}", endpoint(lambda r, o, b: h.create(o, _source(r), b), body=True), methods=["POST"]),
        Route(base + "/{source}", endpoint(lambda r, o, b: h.list(o, _source(r))), methods=["GET"]),
        Route(base + "/{source}/start-all",
              endpoint(lambda r, o, b: h.change_all(o, _source(r), "running", ("created",))), methods=["PUT", "POST"]),
        Route(base + "/{source}/cancel-all",
              endpoint(lambda r, o, b: h.change_all(o, _source(r), "cancelled", _CANCEL_FROM)), methods=["POST", "PUT"]),
        Route(base + "/{source}/{task_id}/start",
              endpoint(lambda r, o, b: h.change_one(o, _source(r), _task_id(r), "running", _START_FROM)),
              methods=["PUT", "POST"]),
        Route(base + "/{source}/{task_id}/cancel",
              endpoint(lambda r, o, b: h.change_one(o, _source(r), _task_id(r), "cancelled", _CANCEL_FROM)),
              methods=["POST", "PUT"]),
        Route(base + "/{source}/{task_id}", endpoint(lambda r, o, b: h.status(o, _source(r), _task_id(r))), methods=["GET"]),
        Route(base + "/{source}/{task_id}", endpoint(lambda r, o, b: h.delete(o, _source(r), _task_id(r))), methods=["DELETE"]),
    ]
