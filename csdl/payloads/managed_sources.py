"""Managed Sources bodies, /source/create and /source/update (P1xx): the fields, their types, the
resources and identities, duplicates, and the checks of the known source types (Facebook Pages,
Instagram; the keys of Google+ and Yammer)."""

from __future__ import annotations

import datetime as _dt
import re

from csdl.diagnostics import UNSAFE, Fix
from csdl.payloads.context import Context, closest, show
from csdl.payloads.json_parser import ARRAY, NULL, NUMBER, OBJECT, STRING, Node

CREATE, UPDATE = "source-create", "source-update"
REQUIRED = ("source_type", "name", "parameters", "resources", "auth")
TYPES = {"source_type": STRING, "name": STRING, "parameters": OBJECT, "resources": ARRAY, "auth": ARRAY}
BODY_KEYS = frozenset(REQUIRED) | {"validate"}
UPDATE_KEYS = BODY_KEYS | {"id", "created_at", "status"}  # an update is often the create response sent back
ASSIGNED = ("id", "created_at", "status")  # set by the platform: not part of a create body
RESOURCE_KEYS = frozenset({"parameters", "resource_id"})
AUTH_KEYS = frozenset({"parameters", "expires_at", "name", "identity_id"})
VALIDATE_VALUES = {"true", "t", "1", "false", "f", "0"}
MAX_RESOURCES = 100
NOTICE_DAYS = 5
MILLISECONDS = 10 ** 11  # a larger "UNIX timestamp" is in milliseconds (10^11 s is the year 5138)
INSTAGRAM_TYPES = ("user", "tag", "area", "location", "popular")
FACEBOOK_OPTIONS = ("comments", "likes", "posts_by_others", "page_likes")
HEX_ID = re.compile(r"[0-9a-f]{32}\Z")

_types: dict[str, dict] | None = None


def known_types() -> dict[str, dict]:
    """``csdl/data/managed_sources.toml``: source type -> {"parameters": [...], "resource": [...]}."""
    global _types
    if _types is None:
        from csdl.packaged import data_table

        _types = data_table("managed_sources.toml")
    return _types


def check(ctx: Context) -> None:
    root = ctx.root
    update = ctx.kind == UPDATE
    _top_level(ctx, root, update)
    source_type = root.get("source_type")
    type_name = source_type.value if source_type is not None and source_type.type == STRING else None
    spec = known_types().get(type_name) if type_name else None
    if type_name and spec is None and type_name not in ctx.options.source_types:
        guess = closest(type_name, list(known_types()) + sorted(ctx.options.source_types))
        ctx.report("P120", source_type, f"unknown source type {show(type_name)}; its specific checks are skipped",
                   hint=f"did you mean {show(guess)}?" if guess else
                   "declare it with `source-types` in the configuration if it is right")
    parameters = root.get("parameters")
    if parameters is not None and parameters.type == OBJECT and spec is not None:
        _source_parameters(ctx, parameters, type_name, spec)
    resources = root.get("resources")
    if resources is not None and resources.type == ARRAY:
        _resources(ctx, resources, update, type_name, spec)
    auth = root.get("auth")
    if auth is not None and auth.type == ARRAY:
        _auth(ctx, auth, update)


def _top_level(ctx: Context, root: Node, update: bool) -> None:
    known = UPDATE_KEYS if update else BODY_KEYS
    for key, _value in root.pairs:
        name = key.value
        if name in known:
            continue
        if not update and name in ASSIGNED:
            ctx.report("P112", key, f"`{name}` is set by the platform; a create body does not carry it",
                       hint="to change an existing source, send this body to /source/update (declare it with --kind source-update)")
            continue
        guess = closest(name, known)
        ctx.report("P121", key, f"unknown field `{show(name)[1:-1]}` in a {ctx.kind} body",
                   hint=f"did you mean `{guess}`?" if guess else f"known fields: {', '.join(sorted(known))}")
    if not update:
        for name in REQUIRED:
            if name not in root:
                ctx.report("P101", root, f"missing required field `{name}`", opening=True,
                           hint=_REQUIRED_HINTS[name])
    for name, expected in TYPES.items():
        value = root.get(name)
        if value is not None and value.type != expected:
            word = {STRING: "a string", OBJECT: "an object", ARRAY: "an array"}[expected]
            hint = None
            if expected == ARRAY and value.type == OBJECT:
                hint = f"wrap it in brackets: `{name}` is an array of objects"
            elif expected == OBJECT and value.type == STRING and value.value.lstrip().startswith("{"):
                hint = "write the object itself, not a string holding JSON"
            ctx.report("P102", value, f"`{name}` must be {word}, found {value.type_word}", hint=hint)
    if not update:
        resources = root.get("resources")
        if resources is not None and resources.type == ARRAY and not resources.items:
            ctx.report("P103", resources, "resources must have at least 1 entry",
                       hint="a source monitors at least one resource (a page, a tag, ...)")
    validate = root.get("validate")
    if validate is not None and not _valid_validate(validate):
        ctx.report("P108", validate, f"`validate` must be true, t, 1, false, f or 0, found {show(validate.to_python())}")
    if update:
        _update_id(ctx, root)


_REQUIRED_HINTS = {
    "source_type": 'the data source, e.g. "source_type": "facebook_page"',
    "name": 'your own name for the source, e.g. "name": "news_source"',
    "parameters": 'the source-specific configuration, e.g. "parameters": {"comments": true}',
    "resources": 'an array of resources, e.g. "resources": [{"parameters": {"id": "10513336322"}}]',
    "auth": 'an array of identities, e.g. "auth": [{"parameters": {"value": "<token>"}}]',
}


def _valid_validate(node: Node) -> bool:
    if node.is_bool:
        return True
    if node.type == NUMBER:
        return node.is_integer and node.value in (0, 1)
    return node.type == STRING and node.value.lower() in VALIDATE_VALUES


def _update_id(ctx: Context, root: Node) -> None:
    ident = root.get("id")
    if ident is None:
        ctx.report("P201", root, "an update body needs the source `id`", opening=True,
                   hint='add "id": "<the 32-hex id returned by /source/create>"')
    elif ident.type != STRING:
        ctx.report("P201", ident, f"the source `id` must be a string, found {ident.type_word}")
    else:
        _hex_id(ctx, ident, "source id")


def _hex_id(ctx: Context, node: Node, what: str) -> None:
    if node.type != STRING:
        ctx.report("P202", node, f"the {what} must be a string of 32 hexadecimal digits, found {node.type_word}")
    elif not HEX_ID.match(node.value):
        detail = f"{len(node.value)} characters" if len(node.value) != 32 else "not lower-case hexadecimal"
        fix = None
        if len(node.value) == 32 and HEX_ID.match(node.value.lower()):
            fix = Fix(ctx.span(node), '"' + node.value.lower() + '"', "write the id in lower case")
        ctx.report("P202", node, f"malformed {what} {show(node.value)}: {detail}, expected 32 lower-case hexadecimal digits",
                   hint="copy the id from the platform's response", fix=fix)


def _source_parameters(ctx: Context, parameters: Node, type_name: str, spec: dict) -> None:
    known = spec.get("parameters", [])
    for key, value in parameters.pairs:
        if key.value not in known:
            _unknown_parameter(ctx, key, type_name, known, "source parameters")
        elif type_name == "facebook_page" and key.value in FACEBOOK_OPTIONS and not value.is_bool:
            fix = None
            if value.type == STRING and value.value.lower() in ("true", "false"):
                fix = Fix(ctx.span(value), value.value.lower(), f"write {value.value.lower()}")
            ctx.report("P113", value, f"`{key.value}` must be true or false, found {show(value.to_python())}", fix=fix)


def _unknown_parameter(ctx: Context, key: Node, type_name: str, known, where: str) -> None:
    guess = closest(key.value, known)
    listed = ", ".join(known) if known else "none"
    ctx.report("P119", key, f"unknown key `{show(key.value)[1:-1]}` in the {where} of a {type_name} source",
               hint=f"did you mean `{guess}`?" if guess else f"known keys: {listed}")


def _resources(ctx: Context, resources: Node, update: bool, type_name: str | None, spec: dict | None) -> None:
    if len(resources.items) > MAX_RESOURCES:
        ctx.report("P111", resources, f"{len(resources.items)} resources in one call; DataSift recommends at most "
                   f"{MAX_RESOURCES}", hint="create the source with 100 and add the rest with /source/update calls")
    by_parameters: dict[str, Node] = {}
    by_id: dict[str, Node] = {}
    for index, resource in enumerate(resources.items, 1):
        if resource.type != OBJECT:
            ctx.report("P104", resource, f"resource {index} must be an object, found {resource.type_word}",
                       hint='write {"parameters": {...}}')
            continue
        parameters = resource.get("parameters")
        resource_id = resource.get("resource_id")
        misplaced = [k.value for k, _ in resource.pairs if k.value not in RESOURCE_KEYS]
        if parameters is None:
            hint = (f"move {', '.join('`' + m + '`' for m in misplaced)} under \"parameters\"" if misplaced
                    else 'write {"parameters": {...}}')
            ctx.report("P104", resource, f"resource {index} has no `parameters`", opening=True, hint=hint)
        else:
            for key, _ in resource.pairs:
                if key.value not in RESOURCE_KEYS:
                    inside = spec is not None and key.value in spec.get("resource", [])
                    ctx.report("P121", key, f"unknown field `{show(key.value)[1:-1]}` in resource {index}",
                               hint="source-specific fields go under \"parameters\"" if inside else
                               "a resource has `parameters` and, once created, `resource_id`")
            if parameters.type != OBJECT:
                ctx.report("P104", parameters, f"the `parameters` of resource {index} must be an object, "
                           f"found {parameters.type_word}")
                parameters = None
        if resource_id is not None:
            if update:
                _hex_id(ctx, resource_id, "resource_id")
            else:
                ctx.report("P112", resource_id, "`resource_id` is assigned by the platform; a create body does not carry it",
                           hint="to keep an existing resource, send the body to /source/update")
        if parameters is not None:
            if spec is not None:
                _resource_parameters(ctx, parameters, index, type_name, spec, needs_id=not update or resource_id is None)
            key = parameters.canonical()
            first = by_parameters.get(key)
            if first is not None:
                ctx.report("P110", resource, f"resource {index} repeats resource {first}: the same resource added "
                           "more than once (409 Conflict)", opening=True, hint="remove one of the two")
            else:
                by_parameters[key] = index  # type: ignore[assignment]
        if resource_id is not None and resource_id.type == STRING:
            first = by_id.get(resource_id.value)
            if first is not None:
                ctx.report("P110", resource_id, f"resource {index} has the same resource_id as resource {first}")
            else:
                by_id[resource_id.value] = index  # type: ignore[assignment]


def _resource_parameters(ctx: Context, parameters: Node, index: int, type_name: str, spec: dict, needs_id: bool) -> None:
    known = spec.get("resource", [])
    for key, _ in parameters.pairs:
        if key.value not in known:
            _unknown_parameter(ctx, key, type_name, known, f"parameters of resource {index}")
    if type_name == "facebook_page":
        _facebook_resource(ctx, parameters, index, needs_id)
    elif type_name == "instagram":
        _instagram_resource(ctx, parameters)


def _facebook_resource(ctx: Context, parameters: Node, index: int, needs_id: bool) -> None:
    page = parameters.get("id")
    if page is None:
        if needs_id:
            ctx.report("P114", parameters, f"resource {index} names no page: `parameters.id` is missing", opening=True,
                       hint='add the page\'s Facebook id, e.g. "id": "10513336322"')
    elif page.type == NUMBER and page.is_integer and page.value >= 0:
        ctx.report("P115", page, f"the page id {page.raw} is a number; DataSift's examples send it as a string",
                   fix=Fix(ctx.span(page), f'"{page.raw}"', "quote the page id"))
    elif page.type != STRING or not page.value.strip():
        ctx.report("P114", page, f"the page id of resource {index} must be a non-empty string, found "
                   f"{show(page.to_python())}")
    for name in ("title", "url"):
        value = parameters.get(name)
        if value is not None and value.type != STRING:
            ctx.report("P114", value, f"`{name}` of resource {index} must be a string, found {value.type_word}")


def _instagram_resource(ctx: Context, parameters: Node) -> None:
    kind = parameters.get("type")
    if kind is not None and (kind.type != STRING or kind.value not in INSTAGRAM_TYPES):
        shown = show(kind.to_python())
        guess = {"hashtag": "tag", "tags": "tag", "users": "user", "locations": "location", "geo": "area",
                 "radius": "area"}.get(str(kind.value).lower()) if kind.type == STRING else None
        guess = guess or (closest(kind.value, INSTAGRAM_TYPES) if kind.type == STRING else None)
        ctx.report("P116", kind, f"unknown Instagram resource type {shown}; it is one of {', '.join(INSTAGRAM_TYPES)}",
                   hint=f"did you mean {show(guess)}?" if guess else None)
    distance = parameters.get("distance")
    if distance is not None and (distance.type != NUMBER or distance.value <= 0):
        hint = None
        if distance.type == STRING:
            hint = "write a number of metres, e.g. 5000"
        ctx.report("P117", distance, f"`distance` must be a positive number of metres, found {show(distance.to_python())}",
                   hint=hint)
    for name, limit, word in (("lat", 90, "latitude"), ("lng", 180, "longitude")):
        value = parameters.get(name)
        if value is None:
            continue
        if value.type != NUMBER:
            ctx.report("P118", value, f"`{name}` must be a {word} as a number, found {value.type_word}")
        elif not -limit <= value.value <= limit:
            other = parameters.get("lng" if name == "lat" else "lat")
            swapped = (name == "lat" and other is not None and other.type == NUMBER and -90 <= other.value <= 90)
            ctx.report("P118", value, f"`{name}` {value.raw} is out of range: a {word} lies between -{limit} and {limit}",
                       hint="lat and lng look swapped" if swapped else None)


def _auth(ctx: Context, auth: Node, update: bool) -> None:
    tokens: dict[str, int] = {}
    for index, entry in enumerate(auth.items, 1):
        if entry.type != OBJECT:
            ctx.report("P105", entry, f"auth entry {index} must be an object, found {entry.type_word}",
                       hint='write {"parameters": {"value": "<token>"}}')
            continue
        parameters = entry.get("parameters")
        token = None
        if parameters is None:
            misplaced = "value" in entry
            ctx.report("P105", entry, f"auth entry {index} has no `parameters` with its token", opening=True,
                       hint='move "value" under "parameters"' if misplaced else 'add "parameters": {"value": "<token>"}')
        elif parameters.type != OBJECT:
            ctx.report("P105", parameters, f"the `parameters` of auth entry {index} must be an object, found "
                       f"{parameters.type_word}")
        else:
            value = parameters.get("value")
            if value is None:
                ctx.report("P105", parameters, f"auth entry {index} has no token: `parameters.value` is missing",
                           opening=True)
            elif value.type != STRING or not value.value.strip():
                ctx.report("P105", value, f"the token of auth entry {index} must be a non-empty string, found "
                           f"{show(value.to_python())}")
            else:
                token = value
        for key, _ in entry.pairs:
            if key.value not in AUTH_KEYS and not (key.value == "value" and parameters is None):
                guess = closest(key.value, AUTH_KEYS)
                ctx.report("P121", key, f"unknown field `{show(key.value)[1:-1]}` in auth entry {index}",
                           hint=f"did you mean `{guess}`?" if guess else "an identity has parameters, expires_at, name and identity_id")
        expires = entry.get("expires_at")
        if expires is not None:
            _expires_at(ctx, expires, index)
        identity = entry.get("identity_id")
        if identity is not None:
            if update:
                _hex_id(ctx, identity, "identity_id")
            else:
                ctx.report("P112", identity, "`identity_id` is assigned by the platform; a create body does not carry it",
                           hint="to keep an existing identity, send the body to /source/update")
        if token is not None:
            first = tokens.get(token.value)
            if first is not None:
                text = ("an identity with the same token already exists (400 Bad Request)" if update else
                        "A source with the same auth token already exists (409 Conflict)")
                ctx.report("P109", token, f"auth entry {index} repeats the token of auth entry {first}: {text}",
                           hint="remove one of the two")
            else:
                tokens[token.value] = index


def _expires_at(ctx: Context, node: Node, index: int) -> None:
    if node.type == NULL:
        return  # no expiry: DataSift's own source objects carry "expires_at": null
    if node.type != NUMBER:
        hint = None
        if node.type == STRING:
            hint = _timestamp_hint(node.value)
        ctx.report("P106", node, f"`expires_at` of auth entry {index} must be a UNIX timestamp (whole seconds), "
                   f"found {node.type_word} {show(node.to_python())}", hint=hint)
        return
    if not node.is_integer:
        ctx.report("P106", node, f"`expires_at` {node.raw} is not a whole number of seconds")
        return
    if node.value < 0:
        ctx.report("P106", node, f"`expires_at` {node.raw} is negative")
        return
    if node.value >= MILLISECONDS:
        ctx.report("P106", node, f"`expires_at` {node.raw} looks like milliseconds; DataSift takes seconds",
                   fix=Fix(ctx.span(node), str(node.value // 1000), "divide by 1000", applicability=UNSAFE))
        return
    now = ctx.options.now
    moment = _dt.datetime.fromtimestamp(node.value, _dt.timezone.utc)
    if moment <= now:
        ctx.report("P107", node, f"the token of auth entry {index} expired on {moment:%Y-%m-%d %H:%M} UTC",
                   hint="replace the token")
    elif moment - now < _dt.timedelta(days=NOTICE_DAYS):
        ctx.report("P107", node, f"the token of auth entry {index} expires on {moment:%Y-%m-%d %H:%M} UTC, "
                   f"within {NOTICE_DAYS} days", hint="replace the token before it expires")


def _timestamp_hint(text: str) -> str | None:
    try:
        moment = _dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return f"as a UNIX timestamp: {int(moment.timestamp())}"
