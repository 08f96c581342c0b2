"""The REST calls of push and pull: ``push/validate``, ``create``, ``get``, ``update``, ``pause``,
``resume``, ``stop``, ``delete``, ``log``, and ``pull`` — answered in the shapes DataSift's API
recorded (the subscription object, ``{"subscriptions", "count"}``, ``{"success", "count",
"log_entries"}``, pull's ``X-DataSift-Cursor-*`` headers and 204 when there is nothing).

``output_params`` arrive nested in a JSON body (the Node and Ruby clients), as JSON text in a form
field, or flattened into form fields ``output_params.url``, ``output_params.auth.type`` (the
Python and PHP clients); all three are read.
"""

from __future__ import annotations

import json


from csdl.server import incoming, push_outputs
from csdl.server.bus import BusError
from csdl.server.errors import ApiError

MAX_PER_PAGE = 100
#: pull's default and largest ``size`` in bytes (ours; the official clients send 52,428,800).
PULL_SIZE = 20 * 1024 * 1024
PULL_MAX = 50 * 1024 * 1024


def _registry(call):
    return call.state.live.push


def output_params(params: dict, *, required: bool = True) -> dict | None:
    value = params.get("output_params")
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else None
        except ValueError:
            raise ApiError(400, "output_params must be a JSON object") from None
    if value is None:
        flat = {k[len("output_params."):]: v for k, v in params.items() if k.startswith("output_params.")}
        if flat:
            value = {}
            for key, item in flat.items():
                node = value
                *parents, leaf = key.split(".")
                for part in parents:
                    node = node.setdefault(part, {})
                    if not isinstance(node, dict):
                        raise ApiError(400, f"output_params.{key} conflicts with another parameter")
                node[leaf] = item
    if value is None:
        if required:
            raise ApiError(400, "The output_params parameter is required")
        return None
    if not isinstance(value, dict):
        raise ApiError(400, "output_params must be an object")
    return value


def validate(call):
    from csdl.server.push_outputs import validate as check

    output_type = incoming.text(call.params, "output_type", required=True)
    check(output_type, output_params(call.params, required=output_type != "pull") or {})
    return 200, {"success": True, "message": "Validated successfully"}


def create(call):
    params = call.params
    hash = incoming.text(params, "hash")
    historics_id = incoming.text(params, "historics_id") or incoming.text(params, "historic_id")
    if bool(hash) == bool(historics_id):
        raise ApiError(400, "Give either hash or historics_id")
    if hash:
        hash = incoming.check_hex(hash.strip().lower(), 32, "hash")
        try:
            call.state.live.bus.matcher(hash)
        except BusError as exc:
            raise ApiError(400, str(exc)) from None
    else:
        historics_id = incoming.check_hex(historics_id.strip().lower(), 20, "historics_id")
        if call.state.store.get_document("historics", historics_id, call.user) is None:
            raise ApiError(400, f"No historic found with the ID {historics_id}")
    output_type = incoming.text(params, "output_type", required=True)
    record = _registry(call).create(
        call.user, name=incoming.text(params, "name", required=True), output_type=output_type,
        output_params=output_params(params, required=output_type != "pull") or {},
        hash=hash, historics_id=historics_id, initial_status=incoming.text(params, "initial_status"),
        start=incoming.integer(params, "start"), end=incoming.integer(params, "end"))
    return 200, record


def _id(call) -> str:
    return incoming.hex_id(call.params, "id", 32, what="subscription id")


def get(call):
    registry = _registry(call)
    if call.params.get("id"):
        return 200, registry.get(call.user, _id(call)).view()
    include = str(call.params.get("include_finished", "0")).lower() in ("1", "true")
    found = registry.listing(call.user, hash=incoming.text(call.params, "hash"),
                             historics_id=incoming.text(call.params, "historics_id")
                             or incoming.text(call.params, "historic_id"),
                             include_finished=include)
    order = incoming.text(call.params, "order_by", default="created_at")
    if order not in ("created_at", "id", "name", "status", "last_request", "last_success"):
        raise ApiError(400, "order_by must be created_at, id, name, status, last_request or last_success")
    descending = incoming.text(call.params, "order_dir", default="desc") != "asc"
    found.sort(key=lambda s: (s.get(order) is None, s.get(order) or 0, s["id"]), reverse=descending)
    page, per_page = _paging(call)
    return 200, {"subscriptions": found[(page - 1) * per_page: page * per_page], "count": len(found)}


def _paging(call) -> tuple[int, int]:
    page = incoming.integer(call.params, "page", default=1, minimum=1)
    per_page = incoming.integer(call.params, "per_page", default=20, minimum=1)
    return page, min(per_page, MAX_PER_PAGE)


def update(call):
    record = _registry(call).update(call.user, _id(call), name=incoming.text(call.params, "name"),
                                    output_params=output_params(call.params, required=False))
    return 200, record


def pause(call):
    return 200, _registry(call).change(call.user, _id(call), "pause")


def resume(call):
    return 200, _registry(call).change(call.user, _id(call), "resume")


def stop(call):
    return 200, _registry(call).change(call.user, _id(call), "stop")


def delete(call):
    _registry(call).delete(call.user, _id(call))
    return 204, None


def log(call):
    ident = _id(call) if call.params.get("id") else None
    entries = _registry(call).log_entries(call.user, ident)
    page, per_page = _paging(call)
    return 200, {"success": True, "count": len(entries), "log_entries": entries[(page - 1) * per_page: page * per_page]}


def pull(call) -> tuple[int, bytes, dict]:
    """(status, body, headers): the next items of a pull subscription in its format."""
    subscription = _registry(call).get(call.user, _id(call))
    if subscription.pull is None:
        raise ApiError(400, f"Subscription {subscription.record['id']} is not a pull subscription")
    size = incoming.integer(call.params, "size", default=PULL_SIZE, minimum=1)
    fmt = subscription.params["format"]
    if subscription.status in ("paused", "waiting_for_start"):
        items, current, following = [], "", ""
    else:
        items, current, following = subscription.pull.pull(min(size, PULL_MAX), incoming.text(call.params, "cursor"))
    headers = {"X-DataSift-Format": fmt, "X-DataSift-Cursor-Current": current, "X-DataSift-Cursor-Next": following}
    if not items:  # as recorded: nothing to read, and no next cursor
        del headers["X-DataSift-Cursor-Next"]
        return 204, b"", headers
    # no newline after the last line: the Node client parses every line of the answer
    return 200, push_outputs.encode(fmt, subscription.record, items, last_newline=False), headers
