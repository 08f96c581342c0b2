"""What keeps a web page the user visits from using ``csdl serve`` behind the user's back.

One ASGI middleware, ``Guard``, in front of every route (those added later too):

- **Host** (DNS rebinding): a page on ``evil.example`` whose name is made to resolve to 127.0.0.1
  sends ``Host: evil.example``. Only local names are answered — ``localhost``, ``*.localhost``, IP
  literals (a page can only send one as ``Host`` when it was itself loaded from that address), the
  ``--host`` value — plus the ``--allowed-host`` names; others get 403.
- **Origin** (cross-site requests): a browser names the page that sent a request in ``Origin``
  (every cross-site POST) and ``Sec-Fetch-Site``. A request from any origin other than the
  server's own or a ``--cors`` origin is refused with 403; requests without either header
  (the official clients, curl) pass.
- **Content type**: a request body to the ``/api/…`` endpoints must be ``application/json`` (an
  upload to ``/api/preview`` may be ``multipart/form-data``), which a plain HTML form cannot send.
- Every answer carries ``X-Content-Type-Options: nosniff``.

Refusals are JSON ``{"error": …}`` answers, as every other error of the server.
"""

from __future__ import annotations

import ipaddress
import re

LOCAL_NAMES = frozenset({"localhost"})
# Sec-Fetch-Site values sent for a request that a page of another site made.
FOREIGN_FETCH = frozenset({"cross-site", "same-site"})
JSON_TYPES = ("application/json",)
UPLOAD_PATHS = frozenset({"/api/preview"})
NOSNIFF = (b"x-content-type-options", b"nosniff")
# scheme://host[:port], nothing else: what a browser sends as Origin.
_ORIGIN = re.compile(r"(?P<scheme>https?)://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?")


class OriginError(ValueError):
    """A --cors value that is not an origin."""


def check_cors_origin(value: str) -> str:
    """A ``--cors`` value as an origin (``scheme://host[:port]`` or ``*``); ``null`` and anything
    with a path, user or query are refused (``null`` is what sandboxed pages and files send)."""
    text = value.strip()
    if text == "*":
        return text
    if text.lower() == "null":
        raise OriginError("--cors null would let sandboxed frames and local files call the server; "
                          "give the origin of your page (scheme://host[:port])")
    m = _ORIGIN.fullmatch(text.rstrip("/"))
    if m is None or (m.group("port") and not 0 < int(m.group("port")) < 65536):
        raise OriginError(f"--cors {value!r} is not an origin: expected scheme://host[:port], "
                          "such as http://localhost:3000")
    return text.rstrip("/").lower()


def startup_warnings(settings) -> list[str]:
    """What a user starting the server should know about its exposure (printed to stderr)."""
    warnings = []
    if (getattr(settings, "cors_origin", None) or "").strip() == "*":
        warnings.append("--cors '*' lets every web page you visit call this server (and read its answers)")
    if getattr(settings, "users", None) and not is_loopback_host(settings.host):
        warnings.append(f"listening on {settings.host} with --users: credentials travel in clear text (no TLS); "
                        "use it on a trusted network only")
    return warnings


def is_loopback_host(host: str) -> bool:
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name of a ``Host`` header, without its port, brackets or trailing dot, lower-cased."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    name, _, _ = value.partition(":")
    return name.rstrip(".")


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class Policy:
    """The names and origins one server answers."""

    def __init__(self, bind_host: str = "127.0.0.1", allowed_hosts=(), cors_origin: str | None = None):
        self.names = set(LOCAL_NAMES) | {host_name(bind_host)} | {host_name(h) for h in allowed_hosts or ()}
        cors = check_cors_origin(cors_origin) if cors_origin else None
        self.any_origin = cors == "*"
        self.origins = {cors} if cors and cors != "*" else set()

    def host_allowed(self, header: str | None) -> bool:
        if header is None:  # HTTP/1.0 without Host: not a browser
            return True
        name = host_name(header)
        return name in self.names or name.endswith(".localhost") or is_ip(name)

    def origin_allowed(self, origin: str | None, fetch_site: str | None, host: str | None) -> bool:
        if origin is None:
            # A browser sends Sec-Fetch-Site even where it sends no Origin (an <img>, a link).
            return (fetch_site or "").lower() not in FOREIGN_FETCH
        if self.any_origin:
            return True
        origin = origin.strip().lower()
        return origin in self.origins or (host is not None and origin in own_origins(host))


def own_origins(host: str) -> set[str]:
    host = host.strip().lower()
    return {f"http://{host}", f"https://{host}"}


class Guard:
    """The ASGI middleware applying ``Policy`` to every HTTP and WebSocket request."""

    def __init__(self, app, policy: Policy):
        self.app = app
        self.policy = policy

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        refusal = self.refusal(scope, headers)
        if refusal is not None:
            status, message = refusal
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})
                return
            await _json(send, status, message)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        async def sending(message):
            if message["type"] == "http.response.start":
                message["headers"] = [h for h in message.get("headers", []) if h[0] != NOSNIFF[0]] + [NOSNIFF]
            await send(message)

        await self.app(scope, receive, sending)

    def refusal(self, scope, headers: dict) -> tuple[int, str] | None:
        host = headers.get("host")
        if not self.policy.host_allowed(host):
            return 403, (f"Host {host[:100]!r} is not served: this server answers local names only "
                         "(start it with --allowed-host NAME to add one)")
        if not self.policy.origin_allowed(headers.get("origin"), headers.get("sec-fetch-site"), host):
            shown = headers.get("origin") or f"a {headers.get('sec-fetch-site')} page"
            return 403, (f"Cross-origin request from {shown[:100]} refused: only this server's own pages "
                         "and the --cors origin may call it")
        if scope["type"] == "http" and scope["path"].startswith("/api/") and _has_body(headers):
            kind = headers.get("content-type", "").split(";")[0].strip().lower()
            upload = scope["path"] in UPLOAD_PATHS and kind == "multipart/form-data"
            if kind not in JSON_TYPES and not upload:
                return 415, f"The body of {scope['path'][:100]} must be application/json, not {kind[:60] or 'untyped'}"
        return None


def _headers(scope) -> dict:
    out = {}
    for key, value in scope.get("headers", []):
        name = key.decode("latin-1").lower()
        if name not in out:  # a repeated header: the first one counts
            out[name] = value.decode("latin-1")
    return out


def _has_body(headers: dict) -> bool:
    length = headers.get("content-length", "").strip()
    return "transfer-encoding" in headers or (length not in ("", "0"))


async def _json(send, status: int, message: str) -> None:
    import orjson

    body = orjson.dumps({"error": message})
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), NOSNIFF]})
    await send({"type": "http.response.body", "body": body})
