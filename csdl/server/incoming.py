"""Reading a request the way DataSift's clients send it: parameters from the query string and
from a form or JSON body, credentials from a header or from parameters.

The body is read with a hard size limit before anything parses it (413), a body that does not
decode is a 400 with the reason, and nothing read here is ever used as a file name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qsl

from csdl.server import values
from csdl.server.errors import ApiError
from csdl.spans import span_at


async def read_body(request, limit: int) -> bytes:
    """The whole body, or 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise ApiError(400, "Content-Length is not a number") from None
        if size > limit:
            raise _too_large(limit)
    chunks = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"Request body too large: the limit is {limit:,} bytes")


def media_type(request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def parse_params(request, body: bytes) -> dict:
    """Query parameters, overlaid by the body's (a form or a JSON object)."""
    params: dict = dict(request.query_params)
    if not body.strip():
        return params
    kind = media_type(request)
    looks_json = body.lstrip()[:1] in (b"{", b"[")
    if kind == "application/json" or kind.endswith("+json") or (kind in ("", "text/plain") and looks_json):
        params.update(json_object(body))
    elif kind in ("application/x-www-form-urlencoded", "", "text/plain"):
        params.update(form_fields(body))
    elif kind.startswith("multipart/"):
        raise ApiError(415, "multipart bodies are not accepted: send a form (application/x-www-form-urlencoded) or a JSON object")
    else:
        raise ApiError(415, f"unsupported Content-Type {kind}: send a form (application/x-www-form-urlencoded) or a JSON object")
    return params


def json_object(body: bytes):
    value = json_value(body)
    if not isinstance(value, dict):
        raise ApiError(400, f"Malformed JSON body: expected an object, found {type(value).__name__}")
    return value


def json_value(body: bytes):
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"Malformed JSON body: not UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        # positions counted as everywhere else (csdl.spans: CR LF, CR and LF end a line); the json
        # module counts LF only
        where = span_at(text, exc.pos, 0)
        raise ApiError(400, f"Malformed JSON body: {exc.msg} at line {where.line} column {where.column}") from None
    except RecursionError:
        raise ApiError(400, "Malformed JSON body: nested too deeply") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise ApiError(400, f"Malformed JSON body: {exc}") from None
    refused = values.problem(value)
    if refused is not None:
        raise ApiError(400, f"Malformed JSON body: {refused}")
    return value


async def read_json_object(request, limit: int) -> dict:
    """A request's JSON object body (``{}`` when empty): the size limit, then the checks above."""
    body = await read_body(request, limit)
    return json_object(body) if body.strip() else {}


def form_fields(body: bytes) -> dict:
    """A URL-encoded form. Raw UTF-8 is accepted too (``curl -d`` sends it unencoded); bytes or
    %-escapes that are not UTF-8, and fields without a name, are malformed."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"Malformed form body: byte {exc.start} is not UTF-8") from None
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=10_000)
    except UnicodeDecodeError:
        raise ApiError(400, "Malformed form body: a %-escaped value is not UTF-8") from None
    except ValueError as exc:
        raise ApiError(400, f"Malformed form body: {exc}") from None
    if any(not name for name, _ in pairs):
        raise ApiError(400, "Malformed form body: a field has no name (`=value`)")
    return dict(pairs)


# Parameters ---------------------------------------------------------------------------------------


def text(params: dict, name: str, *, required: bool = False, default: str | None = None) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise ApiError(400, f"The {name} parameter is required")
        return default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        raise ApiError(400, f"The {name} parameter must be a string")
    return value


def json_param(params: dict, name: str):
    """The parameter ``name``, decoded from JSON when it came as a string (a form field); 400 when
    that string is not JSON. Whether the value has the right type is the caller's to check."""
    value = params.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, f"{name} must be a JSON object") from None
    return value


def integer(params: dict, name: str, *, required: bool = False, default: int | None = None,
            minimum: int | None = None, maximum: int | None = None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise ApiError(400, f"The {name} parameter is required")
        return default
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ApiError(400, f"The {name} parameter must be an integer")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ApiError(400, f"The {name} parameter must be an integer, not {str(value)[:40]!r}") from None
    if maximum is None:
        maximum = values.INT_MAX
    if minimum is None:
        minimum = values.INT_MIN
    if minimum is not None and number < minimum:
        raise ApiError(400, f"The {name} parameter must be at least {minimum}")
    if maximum is not None and number > maximum:
        raise ApiError(400, f"The {name} parameter must be at most {maximum}")
    return number


def hex_id(params: dict, name: str, length: int, *, required: bool = True, what: str = "id") -> str | None:
    """A platform id: exactly ``length`` hexadecimal digits (lower-cased)."""
    value = text(params, name, required=required)
    if value is None:
        return None
    return check_hex(value, length, what or name)


def check_hex(value: str, length: int, what: str) -> str:
    lowered = value.strip().lower()
    if len(lowered) != length or any(c not in "0123456789abcdef" for c in lowered):
        raise ApiError(400, f"The {what} must be {length} hexadecimal digits")
    return lowered


def is_hex(value: str, length: int) -> bool:
    return len(value) == length and all(c in "0123456789abcdefABCDEF" for c in value)


# Credentials --------------------------------------------------------------------------------------

_MISSING = ("Authorization required: send the header `Authorization: <username>:<api_key>` "
            "or the username and api_key parameters")


def datasift_user(request, params: dict, users: dict | None) -> str:
    """The username of a DataSift call (401 unless the credential is present, well formed and,
    with ``--users``, listed)."""
    header = request.headers.get("authorization") or request.headers.get("auth")
    if header:
        user, key = _split_credential(header)
    elif params.get("username") or params.get("api_key"):
        user, key = str(params.get("username") or ""), str(params.get("api_key") or "")
    else:
        raise ApiError(401, _MISSING)
    if not user or not key:
        raise ApiError(401, "Authorization failed: expected <username>:<api_key>")
    if users is not None:
        expected = users.get(user)
        if expected is None or not hmac.compare_digest(expected.encode(), key.encode()):
            raise ApiError(401, "Authorization failed: unknown username or API key")
    return user


def _split_credential(header: str) -> tuple[str, str]:
    value = header.strip()
    scheme, _, rest = value.partition(" ")
    if scheme.lower() == "basic" and rest:
        try:
            value = base64.b64decode(rest.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise ApiError(401, "Authorization failed: the Basic credential does not decode") from None
    user, sep, key = value.partition(":")
    if not sep:
        raise ApiError(401, "Authorization failed: expected <username>:<api_key>")
    return user.strip(), key.strip()


def basic_user(header: str | None, users: dict) -> str | None:
    """The ``--users`` user whose HTTP Basic ``user:key`` this is (the workbench: the browser asks
    once and then sends it), or None."""
    scheme, _, value = (header or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, key = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    expected = users.get(user.strip()) if sep else None
    if expected is None or not hmac.compare_digest(expected.encode(), key.strip().encode()):
        return None
    return user.strip()


def apikey_owner(request, users: dict | None) -> str:
    """The owner of a Datastreamer call, from its ``apikey`` header (401 without one; with
    ``--users`` the key must be one of the listed API keys)."""
    key = (request.headers.get("apikey") or "").strip()
    if not key:
        raise ApiError(401, "Unauthorized: the apikey header is required")
    if users is not None:
        for user, expected in users.items():
            if hmac.compare_digest(expected.encode(), key.encode()):
                return user
        raise ApiError(401, "Unauthorized: unknown apikey")
    # Without a users file any key is accepted; its digest names the owner so that keys are
    # never written to the store.
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:32]
