"""``account/identity`` with its ``token`` and ``limit`` sub-resources, as DataSift recorded them.

An identity is ``{"id", "label", "api_key", "status", "master", "created_at", "updated_at",
"expires_at"}`` (ids and API keys 32 hex digits, times unix seconds), kept in the store per user;
its tokens and limits live inside it, one per service. Paths and answers, as recorded:

- ``POST account/identity`` (``label``, ``status``, ``master``): 201 the identity; a label the
  account already uses is 409 ``An Identity with that label already exists``.
- ``GET account/identity[?label&page&per_page]``: ``{"count", "page", "pages", "per_page",
  "identities"}``; ``GET|PUT account/identity/<id>``: the identity (404 ``Identity not found``).
- ``DELETE account/identity/<id>``: 404 ``Deletion of Identities is currently unavailable``, the
  platform's answer in every recording (2015-2018), so the emulator keeps identities too.
- ``…/<id>/limit`` (``service``, ``total_allowance``, ``analyze_queries``) and ``…/<id>/limit/<service>``
  (GET, PUT, DELETE 204); ``account/identity/limit/<service>`` lists one service's limits. Only
  ``facebook`` and ``linkedin`` take limits, ``linkedin`` alone from v1.6 (400 ``service is invalid;
  valid values are: …``, as each version answered).
- ``…/<id>/token`` (``service``, ``token``, ``expires_at``) and ``…/<id>/token/<service>``; **ours**
  (no token answer was recorded): ``{"service", "token", "expires_at", "created_at", "updated_at"}``.
- An identity id in a token or limit path that is not 32 hex digits is 400 ``identity_id must be
  a valid hash``; in ``account/identity/<id>`` itself it is simply not found (404), as recorded.
"""

from __future__ import annotations

import math
import re
import secrets
import time

from csdl.server import incoming
from csdl.server.errors import ApiError

TABLE = "identities"
#: The services that take limits, by API version: v1.6 answered ``valid values are: linkedin``,
#: v1.4 and v1.5 ``facebook,linkedin``.
LIMIT_SERVICES = {"old": ("facebook", "linkedin"), "1.6": ("linkedin",)}
_LABEL_TAKEN = "An Identity with that label already exists"
LABEL_TAKEN = {"error": _LABEL_TAKEN, "original_error": 'Conflict (409): {"error":"%s"}' % _LABEL_TAKEN}
STATUSES = ("active", "disabled")
_HASH = re.compile(r"[0-9a-f]{32}")
_SERVICE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_PATH = re.compile(r"account/identity(?:/(?P<id>[A-Za-z0-9_]{1,64}))?(?:/(?P<sub>token|limit)(?:/(?P<service>[A-Za-z0-9_]{1,64}))?)?")
_LIMIT_LIST = re.compile(r"account/identity/limit/(?P<service>[A-Za-z0-9_]{1,64})")
PER_PAGE = 25
NO_DELETION = "Deletion of Identities is currently unavailable"


def route(name: str):
    """(handler args) for an ``account/identity…`` path, or None when it is not one."""
    m = _LIMIT_LIST.fullmatch(name)
    if m:
        return {"kind": "limit_list", "service": m.group("service")}
    m = _PATH.fullmatch(name)
    if m is None:
        return None
    if m.group("sub"):
        return {"kind": m.group("sub"), "id": m.group("id"), "service": m.group("service")}
    return {"kind": "identity", "id": m.group("id")}


def handle(call, kind: str, id: str | None = None, service: str | None = None):
    method = call.request.method
    if kind == "limit_list":
        return _limit_list(call, service)
    if kind == "identity":
        if id is None:
            if method == "POST":
                return _create(call)
            if method == "GET":
                return _list(call)
            raise ApiError(405, f"Method {method} not allowed for this endpoint")
        if method == "GET":
            return 200, _view(_identity(call, id))
        if method in ("PUT", "POST"):
            return _update(call, id)
        if method == "DELETE":
            from csdl.server.versions import number

            if number(call.version) < (1, 1):  # v1 answered the bare text as a JSON string
                raise ApiError(404, body=NO_DELETION)
            raise ApiError(404, NO_DELETION)
        raise ApiError(405, f"Method {method} not allowed for this endpoint")
    return _sub_resource(call, kind, id, service)


# Identities ------------------------------------------------------------------------------------------


def _view(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("tokens", "limits")}


def _identity(call, id: str) -> dict:
    record = call.state.store.get_document(TABLE, id, call.user) if _HASH.fullmatch(id) else None
    if record is None:
        raise ApiError(404, "Identity not found")
    return record


def _label(call, *, required: bool) -> str | None:
    label = incoming.text(call.params, "label", required=required)
    if label is not None and len(label) > 255:
        raise ApiError(400, "label must be at most 255 characters")
    return label


def _status(call) -> str | None:
    status = incoming.text(call.params, "status")
    if status is not None and status not in STATUSES:
        raise ApiError(400, f"status is invalid; valid values are: {','.join(STATUSES)}")
    return status


def _master(call) -> bool | None:
    value = call.params.get("master")
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0"):
        return False
    raise ApiError(400, "master must be a boolean")


def _label_taken(call, label: str, but: str | None = None) -> bool:
    return any(r["label"] == label and r["id"] != but for r in call.state.store.all_documents(TABLE, call.user))


def _create(call):
    label = _label(call, required=True)
    status = _status(call) or "active"
    master = _master(call) or False
    now = int(time.time())
    record = {"id": secrets.token_hex(16), "label": label, "api_key": secrets.token_hex(16), "status": status,
              "master": master, "created_at": now, "updated_at": now, "expires_at": None, "tokens": {}, "limits": {}}

    def guard(db):
        if _label_taken(call, label):
            raise ApiError(409, body=LABEL_TAKEN)

    call.state.store.put_document(TABLE, record["id"], call.user, record, guard=guard)
    return 201, _view(record)


def _list(call):
    label = incoming.text(call.params, "label")
    page = incoming.integer(call.params, "page", default=1, minimum=1, maximum=1_000_000)
    per_page = incoming.integer(call.params, "per_page", default=PER_PAGE, minimum=1, maximum=500)
    match = {"label": label} if label is not None else None
    records, count = call.state.store.list_documents(TABLE, call.user, limit=per_page, offset=(page - 1) * per_page,
                                                     match=match)
    return 200, {"count": count, "page": page, "pages": max(1, math.ceil(count / per_page)), "per_page": per_page,
                 "identities": [_view(r) for r in records]}


def _update(call, id: str):
    _identity(call, id)
    label, status, master = _label(call, required=False), _status(call), _master(call)
    if label is not None and _label_taken(call, label, but=id):
        raise ApiError(409, body=LABEL_TAKEN)

    def change(record):
        for key, value in (("label", label), ("status", status), ("master", master)):
            if value is not None:
                record[key] = value
        record["updated_at"] = int(time.time())
        return record

    record = call.state.store.update_document(TABLE, id, call.user, change)
    if record is None:
        raise ApiError(404, "Identity not found")
    return 200, _view(record)


# Tokens and limits ---------------------------------------------------------------------------------------


def _sub_resource(call, kind: str, id: str | None, service: str | None):
    if id is None or not _HASH.fullmatch(id):
        raise ApiError(400, "identity_id must be a valid hash")
    method = call.request.method
    record = _identity(call, id)
    if service is None:
        if method == "POST":
            return _put_item(call, kind, id, incoming.text(call.params, "service", required=True), create=True)
        if method == "GET":
            items = sorted(record[_plural(kind)].values(), key=lambda item: item["service"])
            return 200, {"count": len(items), "page": 1, "pages": 1, "per_page": max(1, len(items)),
                         _plural(kind): items}
        raise ApiError(405, f"Method {method} not allowed for this endpoint")
    if method == "GET":
        item = record[_plural(kind)].get(service)
        if item is None:
            raise ApiError(404, f"{kind.capitalize()} not found")
        return 200, item
    if method in ("PUT", "POST"):
        return _put_item(call, kind, id, service, create=False)
    if method == "DELETE":
        return _delete_item(call, kind, id, service)
    raise ApiError(405, f"Method {method} not allowed for this endpoint")


def _plural(kind: str) -> str:
    return kind + "s"


def limit_services(version: str | None) -> tuple[str, ...]:
    from csdl.server.versions import number

    return LIMIT_SERVICES["1.6" if number(version) >= (1, 6) else "old"]


def _check_service(call, kind: str, service: str) -> None:
    services = limit_services(call.version)
    if kind == "limit" and service not in services:
        raise ApiError(400, f"service is invalid; valid values are: {','.join(services)}")
    if not _SERVICE.fullmatch(service):
        raise ApiError(400, "service is invalid")


def _item_fields(call, kind: str, service: str, old: dict | None) -> dict:
    now = int(time.time())
    if kind == "limit":
        item = dict(old or {"id": None, "service": service, "total_allowance": None, "analyze_queries": None})
        for name in ("total_allowance", "analyze_queries"):
            value = incoming.integer(call.params, name, minimum=0)
            if value is not None:
                item[name] = value
        return item
    item = dict(old or {"service": service, "token": None, "expires_at": None, "created_at": now})
    token = incoming.text(call.params, "token", required=old is None)
    if token is not None:
        item["token"] = token
    expires = incoming.integer(call.params, "expires_at", minimum=0)
    if expires is not None:
        item["expires_at"] = expires
    item["updated_at"] = now
    return item


def _put_item(call, kind: str, id: str, service: str, *, create: bool):
    _check_service(call, kind, service)
    result = {}

    def change(record):
        items = record[_plural(kind)]
        if create and service in items:
            raise ApiError(409, f"A {kind} for {service} already exists for this identity")
        if not create and service not in items:
            raise ApiError(404, f"{kind.capitalize()} not found")
        item = _item_fields(call, kind, service, items.get(service))
        if kind == "limit":
            item["id"] = id
        items[service] = result["item"] = item
        return record

    if call.state.store.update_document(TABLE, id, call.user, change) is None:
        raise ApiError(404, "Identity not found")
    return (201 if create else 200), result["item"]


def _delete_item(call, kind: str, id: str, service: str):
    gone = {}

    def change(record):
        gone["item"] = record[_plural(kind)].pop(service, None)
        return record

    call.state.store.update_document(TABLE, id, call.user, change)
    if gone.get("item") is None:
        raise ApiError(404, f"{kind.capitalize()} not found")
    return 204, None


def _limit_list(call, service: str):
    _check_service(call, "limit", service)
    page = incoming.integer(call.params, "page", default=1, minimum=1, maximum=1_000_000)
    per_page = incoming.integer(call.params, "per_page", default=PER_PAGE, minimum=1, maximum=500)
    limits = [r["limits"][service] for r in call.state.store.all_documents(TABLE, call.user) if service in r["limits"]]
    limits.sort(key=lambda item: item["id"])
    count = len(limits)
    shown = limits[(page - 1) * per_page: page * per_page]
    return 200, {"count": count, "page": page, "pages": max(1, math.ceil(count / per_page)), "per_page": per_page,
                 "limits": shown}
