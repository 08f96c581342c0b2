"""Push outputs: which ``output_params`` each output type takes (``csdl/data/push_outputs.toml``),
how a batch is formatted (DataSift's ``json_meta``, ``json_array``, ``json_new_line``), and how it is
delivered: ``http`` POSTs it to the subscription's URL; every other type but ``pull`` writes it as
one file into ``--push-dir/<subscription id>/`` (ours: nothing offline can stand in for S3, FTP or
a database).
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request

import orjson

from csdl.server.errors import ApiError

FORMATS = ("json_meta", "json_array", "json_new_line")
#: DataSift's defaults: a batch of at most this many bytes, every this many seconds.
DEFAULT_MAX_SIZE = 10 * 1024 * 1024
DEFAULT_FREQUENCY = 10
#: Seconds an http receiver has to answer one batch.
HTTP_TIMEOUT = 30

_table: dict | None = None


def output_types() -> dict:
    global _table
    if _table is None:
        from csdl.packaged import data_table

        _table = data_table("push_outputs.toml")
    return _table


def flatten(params: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def validate(output_type, params) -> dict:
    """The checked ``output_params`` of ``output_type`` (400 naming what is wrong)."""
    table = output_types()
    if not isinstance(output_type, str) or output_type not in table or output_type == "common":
        known = ", ".join(sorted(k for k in table if k != "common"))
        raise ApiError(400, f"Invalid output_type {str(output_type)[:40]!r}: expected one of {known}")
    if not isinstance(params, dict):
        raise ApiError(400, "output_params must be an object")
    spec = table[output_type]
    flat = flatten(params)
    missing = [key for key in spec["required"] if flat.get(key) in (None, "")]
    if missing:
        raise ApiError(400, f"Invalid output_params for {output_type}: {', '.join(missing)} required")
    allowed = set(spec["required"]) | set(spec["optional"]) | set(table["common"])
    unknown = sorted(key for key in flat if key not in allowed)
    if unknown:
        raise ApiError(400, f"Invalid output_params for {output_type}: unknown {', '.join(unknown)}")
    checked = dict(params)
    checked["format"] = str(params.get("format") or ("json_new_line" if output_type == "pull" else "json_meta"))
    if checked["format"] not in FORMATS:
        raise ApiError(400, f"Invalid output_params: format must be one of {', '.join(FORMATS)}")
    for key, default, low in (("delivery_frequency", DEFAULT_FREQUENCY, 0), ("max_size", DEFAULT_MAX_SIZE, 1)):
        value = params.get(key, default)
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Invalid output_params: {key} must be a whole number") from None
        if number < low:
            raise ApiError(400, f"Invalid output_params: {key} must be at least {low}")
        checked[key] = number
    if output_type == "http":
        url = str(params["url"])
        if not url.startswith(("http://", "https://")):
            raise ApiError(400, "Invalid output_params for http: url must start with http:// or https://")
        auth = params.get("auth") or {}
        if isinstance(auth, dict) and auth.get("type") not in (None, "none", "basic"):
            raise ApiError(400, "Invalid output_params for http: auth.type must be none or basic")
    return checked


def encode(fmt: str, subscription: dict, items: list[bytes], *, last_newline: bool = True) -> bytes:
    """One batch of encoded interactions in DataSift's push format ``fmt``. ``last_newline``:
    whether json_new_line ends with a newline (pull's answer does not: the clients parse every
    line of it)."""
    if fmt == "json_array":
        return b"[" + b",".join(items) + b"]"
    if fmt == "json_new_line":
        return b"\n".join(items) + (b"\n" if last_newline else b"")
    head = orjson.dumps({
        "id": subscription["id"], "hash": subscription["hash"], "hash_type": subscription["hash_type"],
        "count": len(items), "delivered_at": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    })
    return head[:-1] + b',"interactions":[' + b",".join(items) + b"]}"


class DeliveryFailed(Exception):
    """A batch the output did not take; the message goes into the push log."""


def post_http(subscription: dict, params: dict, body: bytes) -> None:
    import base64

    headers = {"Content-Type": "application/json", "User-Agent": "DataSift",
               "X-DataSift-ID": subscription["id"], "X-DataSift-Hash": subscription["hash"] or "",
               "X-DataSift-Hash-Type": subscription["hash_type"], "X-DataSift-Format": params["format"]}
    auth = params.get("auth") or {}
    if isinstance(auth, dict) and auth.get("type") == "basic":
        token = f"{auth.get('username', '')}:{auth.get('password', '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(token).decode()
    request = urllib.request.Request(str(params["url"]), data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as answer:  # noqa: S310 - the user's URL
            answer.read(64 * 1024)
            status = answer.status
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"The endpoint answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryFailed(f"Could not connect to the endpoint: {reason}") from None
    if status // 100 != 2:
        raise DeliveryFailed(f"The endpoint answered HTTP {status}")


def write_file(push_dir: str, subscription: dict, params: dict, body: bytes, sequence: int) -> str:
    """The batch as ``<push-dir>/<id>/<prefix><unix>-<n>.json``, written whole (temp + rename)."""
    directory = os.path.join(push_dir, subscription["id"])
    os.makedirs(directory, exist_ok=True)
    prefix = "".join(c for c in str(params.get("file_prefix") or "DataSift") if c.isalnum() or c in "-_")[:40]
    name = f"{prefix}{int(time.time())}-{sequence:06d}.json"
    temporary = os.path.join(directory, "." + name + ".tmp")
    try:
        with open(temporary, "wb") as f:
            f.write(body)
        os.replace(temporary, os.path.join(directory, name))
    except OSError as exc:
        raise DeliveryFailed(f"Could not write {name}: {exc.strerror or exc}") from None
    return name
