"""Managed Sources: ``source/create|update|get|delete|start|stop|log``, ``source/auth/add|remove``
and ``source/resource/add|remove``.

Every body is checked by the payload rules (``csdl.payloads``) and refused with the platform's
status and text; what needs the account's state (a token already used by another source, an id
that does not belong to the source) is checked here, inside the same store transaction as the
write. Update semantics are seed 002's: resources and identities that carry their id are kept,
new ones (without an id) are added, those left out are deleted.
"""

from __future__ import annotations

import time
import uuid

from csdl.server import incoming
from csdl.server.errors import ApiError

FIELDS = ("source_type", "name", "parameters", "resources", "auth", "validate")
_JSON_FIELDS = ("parameters", "resources", "auth", "resource_ids", "auth_ids")
DUPLICATE = ("A source with the same auth token already exists, or the same resource has been added "
             "more than once to this source")
DUPLICATE_IDENTITY = "Bad request: an identity with the same token already exists"


def _new_id() -> str:
    return uuid.uuid4().hex


def _not_found_get(id: str) -> ApiError:
    return ApiError(404, f'Could not find the specified source instance "{id}"')


def _decoded(params: dict) -> dict:
    """Form bodies carry arrays and objects as JSON text: decode them (JSON bodies already are)."""
    out = dict(params)
    for name in _JSON_FIELDS:
        value = out.get(name)
        if isinstance(value, str):
            stripped = value.strip()
            if stripped[:1] in ("[", "{"):
                try:
                    out[name] = incoming.json_value(stripped.encode("utf-8"))
                except ApiError as exc:
                    raise ApiError(400, f"Bad request: {name} is not valid JSON ({exc})") from None
    return out


def _body(params: dict, *, with_id: bool) -> dict:
    body = {k: params[k] for k in FIELDS if k in params}
    if isinstance(body.get("auth"), list):
        # DataSift answers `"expires_at": null` for a token without expiry, and clients send
        # sources back as they got them: null means "no expiry" here too.
        body["auth"] = [_resent(a) if isinstance(a, dict) else a for a in body["auth"]]
    if with_id and "id" in params:
        body["id"] = params["id"]
    return body


WARNINGS_HEADER = "X-Csdl-Warnings"


def _check(call, kind: str, body: dict, previous: dict | None = None) -> None:
    """Refuse ``body`` as the platform would; the payload rules' warnings (a token about to
    expire, an unknown parameter …) go back in the ``X-Csdl-Warnings`` header (ours)."""
    from csdl.payloads import check_payload, refusal

    diagnostics = check_payload(body, kind, previous=previous)
    refused = refusal(kind, diagnostics)
    if refused is not None:
        status, error = refused
        raise ApiError(status, body=error)
    warnings = [f"{d.code} {d.message}" for d in diagnostics if not d.is_error]
    if warnings:
        text = "; ".join(warnings)
        # header values are Latin-1 on the wire: keep them ASCII, and short
        call.headers[WARNINGS_HEADER] = text.encode("ascii", "replace").decode("ascii")[:2000]


def _tokens(source: dict) -> set[str]:
    out = set()
    for identity in source.get("auth") or []:
        value = (identity.get("parameters") or {}).get("value")
        if isinstance(value, str):
            out.add(value)
    return out


def _expires(entry: dict):
    value = entry.get("expires_at")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _resources(entries, kept: dict[str, dict] | None = None) -> list[dict]:
    out = []
    for entry in entries or []:
        rid = entry.get("resource_id")
        if rid is not None and kept is not None:
            if not isinstance(rid, str) or rid.lower() not in kept:
                raise ApiError(400, f"Bad request: resource_id {str(rid)[:40]!r} is not a resource of this source")
            rid = rid.lower()
        else:
            rid = _new_id()
        out.append({"resource_id": rid, "parameters": entry.get("parameters") or {}})
    return out


def _identities(entries, kept: dict[str, dict] | None = None) -> list[dict]:
    out = []
    for entry in entries or []:
        iid = entry.get("identity_id")
        if iid is not None and kept is not None:
            if not isinstance(iid, str) or iid.lower() not in kept:
                raise ApiError(400, f"Bad request: identity_id {str(iid)[:40]!r} is not an identity of this source")
            iid = iid.lower()
        else:
            iid = _new_id()
        out.append({"identity_id": iid, "expires_at": _expires(entry), "parameters": entry.get("parameters") or {}})
    return out


def _no_token_elsewhere(state, owner: str, source: dict, *, exclude: str | None, text: str, status: int) -> None:
    mine = _tokens(source)
    if not mine:
        return
    for other in state.store.all_documents("sources", owner):
        if other["id"] != exclude and mine & _tokens(other):
            raise ApiError(status, body={"error": text} if status == 409 else {"error": text, "original_error": text})


# Endpoints ----------------------------------------------------------------------------------------------


def create(call):
    params = _decoded(call.params)
    body = _body(params, with_id=False)
    _check(call, "source-create", body)
    source = {
        "id": _new_id(), "status": "stopped", "source_type": body["source_type"], "name": body["name"],
        "parameters": body.get("parameters") or {}, "resources": _resources(body.get("resources")),
        "auth": _identities(body.get("auth")), "created_at": int(time.time()),
    }
    state = call.state

    def guard(_db):
        _no_token_elsewhere(state, call.user, source, exclude=None, text=DUPLICATE, status=409)

    state.store.put_document("sources", source["id"], call.user, source, guard=guard)
    return 201, source


def _source_id(call) -> str:
    return incoming.hex_id(call.params, "id", 32)


def _resent(identity: dict) -> dict:
    """A stored identity as an update body carries it (no ``expires_at`` when it has none)."""
    return {k: v for k, v in identity.items() if not (k == "expires_at" and v is None)}


def _modify(call, build_body, *, status: int = 200, log: str | None = None):
    """Check ``build_body(current) -> update body`` against the current source and apply it."""
    id = _source_id(call)
    state = call.state

    def change(current: dict) -> dict:
        body = build_body(current)
        body["id"] = id
        _check(call, "source-update", body, previous=current)
        updated = dict(current)
        for key in ("source_type", "name", "parameters"):
            if key in body:
                updated[key] = body[key]
        if "resources" in body:
            updated["resources"] = _resources(body["resources"], {r["resource_id"]: r for r in current["resources"]})
        if "auth" in body:
            updated["auth"] = _identities(body["auth"], {a["identity_id"]: a for a in current["auth"]})
        _no_token_elsewhere(state, call.user, updated, exclude=id, text=DUPLICATE_IDENTITY, status=400)
        return updated

    source = state.store.update_document("sources", id, call.user, change, log=log)
    if source is None:
        raise _not_found_get(id)
    return status, source


def update(call):
    params = _decoded(call.params)
    return _modify(call, lambda current: _body(params, with_id=False), status=202, log="source updated")


def _array(params: dict, name: str) -> list:
    value = params.get(name)
    if value is None or value == "":
        raise ApiError(400, f"Bad request: {name} is required")
    if not isinstance(value, list):
        raise ApiError(400, f"Bad request: {name} must be an array")
    return value


def auth_add(call):
    params = _decoded(call.params)
    added = [_resent(a) if isinstance(a, dict) else a for a in _array(params, "auth")]
    return _modify(call, lambda current: {"auth": [_resent(a) for a in current["auth"]] + added},
                   log="identities added")


def auth_remove(call):
    return _remove(call, "auth", "auth_ids", "identity_id", kept=_resent,
                   unknown="identity {} is not an identity of this source", log="identities removed")


def resource_add(call):
    params = _decoded(call.params)
    added = _array(params, "resources")
    return _modify(call, lambda current: {"resources": [dict(r) for r in current["resources"]] + added},
                   log="resources added")


def resource_remove(call):
    return _remove(call, "resources", "resource_ids", "resource_id", kept=lambda r: r,
                   unknown="resource {} is not a resource of this source", log="resources removed")


def _remove(call, field: str, ids_name: str, id_key: str, *, kept, unknown: str, log: str):
    """Takes the entries of ``field`` whose ``id_key`` the ``ids_name`` parameter lists off the source
    (``kept`` gives what is sent back for each entry that stays); every listed id must be one of them."""
    ids = _ids(_array(_decoded(call.params), ids_name), ids_name)

    def body(current):
        known = {entry[id_key] for entry in current[field]}
        missing = [i for i in ids if i not in known]
        if missing:
            raise ApiError(400, "Bad request: " + unknown.format(missing[0]))
        return {field: [kept(entry) for entry in current[field] if entry[id_key] not in ids]}

    return _modify(call, body, log=log)


def _ids(values: list, name: str) -> set[str]:
    out = set()
    for value in values:
        if not isinstance(value, str) or not incoming.is_hex(value, 32):
            raise ApiError(400, f"Bad request: every entry of {name} must be 32 hexadecimal digits")
        out.add(value.lower())
    return out


def get(call):
    id = incoming.text(call.params, "id")
    if id is not None:
        id = incoming.check_hex(id, 32, "id")
        source = call.state.store.get_document("sources", id, call.user)
        if source is None:
            raise _not_found_get(id)
        return 200, source
    page, per_page = _paging(call)
    source_type = incoming.text(call.params, "source_type")
    sources, count = call.state.store.list_documents("sources", call.user, limit=per_page, offset=(page - 1) * per_page,
                                                     match={"source_type": source_type} if source_type else None)
    return 200, {"count": count, "page": page, "pages": -(-count // per_page), "per_page": per_page, "sources": sources}


def _paging(call) -> tuple[int, int]:
    page = incoming.integer(call.params, "page", default=1, minimum=1, maximum=1_000_000)
    per_page = incoming.integer(call.params, "per_page", default=20, minimum=1, maximum=500)
    return page, per_page


def delete(call):
    id = _source_id(call)
    if not call.state.store.delete_document("sources", id, call.user):
        raise ApiError(404, "Source instance not found")
    return 204, None


def _set_status(call, status: str):
    id = _source_id(call)

    def change(current):
        updated = dict(current)
        updated["status"] = status
        return updated

    source = call.state.store.update_document("sources", id, call.user, change,
                                              log=f"source {'started' if status == 'running' else 'stopped'}")
    if source is None:
        raise _not_found_get(id)
    return 200, source


def start(call):
    return _set_status(call, "running")


def stop(call):
    return _set_status(call, "stopped")


def log(call):
    id = _source_id(call)
    if call.state.store.get_document("sources", id, call.user) is None:
        raise _not_found_get(id)
    page, per_page = _paging(call)
    entries, count = call.state.store.source_log(id, limit=per_page, offset=(page - 1) * per_page)
    return 200, {"count": count, "page": page, "pages": -(-count // per_page), "per_page": per_page, "log_entries": entries}
