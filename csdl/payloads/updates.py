"""A /source/update body against the previous state of the source (``--previous OLD.json``: the
create response, or the last update sent): the identities and resources the update would delete
(P203, P204), a kept resource sent without its id (P205), a token added again (P206), and the
wrong source (P207). The P2xx checks of the body alone live with the other Managed Sources rules."""

from __future__ import annotations

from csdl.payloads.context import Context, show
from csdl.payloads.json_parser import ARRAY, OBJECT, STRING, Node


def _entries(body: Node, key: str) -> list[Node] | None:
    node = body.get(key)
    if node is None or node.type != ARRAY:
        return None
    return [n for n in node.items if n.type == OBJECT]


def _string(node: Node | None, key: str) -> str | None:
    value = node.get(key) if node is not None and node.type == OBJECT else None
    return value.value if value is not None and value.type == STRING else None


def _token(entry: Node) -> str | None:
    return _string(entry.get("parameters"), "value")


def _label(entry: Node, id_key: str) -> str:
    """How a previous resource or identity is named in a message: its title or page id, then its id."""
    parameters = entry.get("parameters")
    for key in ("title", "id", "value", "user_id", "search_string"):
        text = _string(parameters, key)
        if text:
            if key == "value" and id_key == "identity_id":
                text = text[:6] + "…" if len(text) > 8 else text  # never print a whole token
            return f"{show(text)} ({id_key} {_string(entry, id_key) or 'unknown'})"
    return f"{id_key} {_string(entry, id_key) or 'unknown'}"


def check(ctx: Context) -> None:
    previous = ctx.options.previous
    if previous is None or previous.type != OBJECT:
        return
    body = ctx.root
    ident, old_ident = body.get("id"), _string(previous, "id")
    if ident is not None and ident.type == STRING and old_ident and ident.value != old_ident:
        ctx.report("P207", ident, f"the update is for source {show(ident.value)}, the previous state is of {show(old_ident)}",
                   hint="give --previous the last state of this source")
    _identities(ctx, body, previous)
    _resources(ctx, body, previous)


def _identities(ctx: Context, body: Node, previous: Node) -> None:
    new, old = _entries(body, "auth"), _entries(previous, "auth")
    if new is None or not old:
        return  # no auth array in the update: the identities are left as they are
    kept = {_string(e, "identity_id") for e in new} - {None}
    old_tokens = {}
    for entry in old:
        token = _token(entry)
        if token is not None:
            old_tokens[token] = entry
    auth = body.get("auth")
    for entry in new:
        token = _token(entry)
        if _string(entry, "identity_id") is None and token in old_tokens and \
                _string(old_tokens[token], "identity_id") not in kept:
            node = entry.get("parameters").get("value")
            ctx.report("P206", node, "this token is already an identity of the source: the update is refused "
                       "(400: an identity with the same token already exists)",
                       hint=f"keep it with its identity_id {show(_string(old_tokens[token], 'identity_id') or '')}")
    for entry in old:
        identity = _string(entry, "identity_id")
        if identity is None or identity in kept:
            continue
        token = _token(entry)
        if token is not None and any(_token(e) == token and _string(e, "identity_id") is None for e in new):
            continue  # reported as P206
        ctx.report("P203", auth, f"the update deletes identity {_label(entry, 'identity_id')}: it is not in `auth`",
                   hint="keep it by sending it with its identity_id, unless the token is being replaced")


def _resources(ctx: Context, body: Node, previous: Node) -> None:
    new, old = _entries(body, "resources"), _entries(previous, "resources")
    if new is None or not old:
        return  # no resources array in the update: the resources are left as they are
    kept_ids = {_string(e, "resource_id") for e in new} - {None}
    new_without_id = {}
    new_parameters = set()
    for entry in new:
        parameters = entry.get("parameters")
        if parameters is not None and parameters.type == OBJECT:
            new_parameters.add(parameters.canonical())
            if _string(entry, "resource_id") is None:
                new_without_id.setdefault(parameters.canonical(), entry)
    resources = body.get("resources")
    for entry in old:
        resource_id = _string(entry, "resource_id")
        parameters = entry.get("parameters")
        canonical = parameters.canonical() if parameters is not None and parameters.type == OBJECT else None
        if resource_id is not None and resource_id in kept_ids:
            continue
        if resource_id is None and canonical is not None and canonical in new_parameters:
            continue  # the previous state carries no ids (a create body): the same parameters keep it
        again = new_without_id.get(canonical) if canonical is not None else None
        if again is not None and resource_id is not None:
            ctx.report("P205", again, f"this resource is {_label(entry, 'resource_id')} of the previous state sent "
                       "without its resource_id: it is added again as a new resource and the old one is dropped",
                       opening=True, hint=f'add "resource_id": "{resource_id}"')
            continue
        ctx.report("P204", resources, f"the update drops resource {_label(entry, 'resource_id')}: it is not in `resources`",
                   hint="send every resource to keep, with its resource_id")
