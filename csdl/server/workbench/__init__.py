"""The filter workbench: DataSift's web editor, offline — the page at ``/`` of ``csdl serve``.

``routes(settings, store)`` gives the page, its static assets (shipped in the wheel under
``csdl/server/static/``) and the JSON endpoints under ``/api/`` that the page is a client of
(``csdl.server.workbench.api``; docs/serve.md). The page and its assets are served with a strict
Content-Security-Policy: scripts, styles and connections from this origin only, nothing inline.
"""

from __future__ import annotations

import os

STATIC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "static")
SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample.jsonl.gz")

CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-cache",
}


class Context:
    """What the endpoints need from the server: the store, the stream library, prices, the sample."""

    def __init__(self, settings, store):
        self.settings = settings
        self.store = store
        self._library = None

    def library(self):
        """The server's stream library: streams compiled through it (the store) and the
        ``--library`` files, the same one the DataSift endpoints resolve ``stream "<hash>"`` with."""
        if self._library is None:
            from csdl.server.streams import StreamLibrary

            self._library = StreamLibrary(self.store, self.settings.library)
        return self._library

    def pricing(self):
        """The server's pricing table (``csdl serve --pricing`` or the configuration's ``pricing``)."""
        return self.settings.options.pricing

    def sample_path(self) -> str | None:
        """``--sample``, else the bundled sample posts."""
        if self.settings.sample:
            return os.fspath(self.settings.sample)
        return SAMPLE if os.path.isfile(SAMPLE) else None

    def upload_bytes(self) -> int:
        from csdl.server.workbench.api import DEFAULT_UPLOAD_BYTES

        value = getattr(self.settings, "preview_upload_bytes", None)
        return int(value) if value else DEFAULT_UPLOAD_BYTES


def _with_headers(app, headers: dict):
    """An ASGI wrapper adding ``headers`` to every response of ``app``."""
    extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def wrapped(scope, receive, send):
        async def sending(message):
            if message["type"] == "http.response.start":
                names = {k for k, _ in extra}
                message["headers"] = [h for h in message.get("headers", []) if h[0] not in names] + extra
            await send(message)

        await app(scope, receive, sending)

    return wrapped


def _allowed(header: str | None, users: dict) -> bool:
    from csdl.server.incoming import basic_user

    return basic_user(header, users) is not None


_CHALLENGE = {"WWW-Authenticate": 'Basic realm="csdl workbench", charset="UTF-8"'}


def _safe(handler):
    """A bug of ours answers a JSON 500 with one line on stderr, never a traceback to the client."""
    import sys

    from starlette.responses import JSONResponse

    async def safe(request):
        try:
            return await handler(request)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            print(f"csdl serve: workbench: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return JSONResponse({"error": f"Internal error of the workbench: {type(exc).__name__}"}, status_code=500)

    return safe


_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def _only(handler, methods: list[str]):
    """A 405 naming the allowed methods (the server's catch-all would otherwise answer 404)."""
    from starlette.responses import JSONResponse

    allowed = ", ".join(m for m in methods if m != "HEAD")

    async def checked(request):
        if request.method not in methods:
            return JSONResponse({"error": f"Method {request.method} not allowed; use {allowed}"}, status_code=405,
                                headers={"Allow": allowed})
        return await handler(request)

    return checked


def _guarded_handler(handler, users):
    if not users:
        return handler
    from starlette.responses import JSONResponse

    async def guarded(request):
        if not _allowed(request.headers.get("authorization"), users):
            return JSONResponse({"error": "Authorization required: a user:key of --users (HTTP Basic)"},
                                status_code=401, headers=_CHALLENGE)
        return await handler(request)

    return guarded


def _guarded_app(app, users):
    if not users:
        return app
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    async def guarded(scope, receive, send):
        if scope["type"] == "http" and not _allowed(Request(scope).headers.get("authorization"), users):
            response = JSONResponse({"error": "Authorization required"}, status_code=401, headers=_CHALLENGE)
            await response(scope, receive, send)
            return
        await app(scope, receive, send)

    return guarded


def routes(settings, store):
    """Starlette routes: ``/`` (the page), ``/static/…`` and the ``/api/…`` endpoints."""
    from starlette.responses import HTMLResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from csdl.server.workbench.api import Handlers

    with open(os.path.join(STATIC, "index.html"), encoding="utf-8") as f:
        page_html = f.read()

    async def page(request):
        return HTMLResponse(page_html, headers=PAGE_HEADERS)

    handlers = Handlers(Context(settings, store))
    users = getattr(settings, "users", None)
    endpoints = [
        ("/", page, ["GET", "HEAD"]),
        ("/api/language", handlers.language, ["GET"]),
        ("/api/check", handlers.check, ["POST"]),
        ("/api/cost", handlers.cost, ["POST"]),
        ("/api/format", handlers.format, ["POST"]),
        ("/api/bill", handlers.bill, ["POST"]),
        ("/api/preview", handlers.preview, ["POST"]),
        ("/api/compile", handlers.compile, ["POST"]),
        ("/api/diff", handlers.diff, ["POST"]),
        ("/api/streams", handlers.streams, ["GET"]),
        ("/api/streams/{hash}", handlers.stream, ["GET"]),
    ]
    static = _with_headers(StaticFiles(directory=STATIC), PAGE_HEADERS)
    return [Route(path, _guarded_handler(_only(_safe(handler), methods), users), methods=_ALL_METHODS) for path, handler, methods in endpoints] + [
        Mount("/static", app=_guarded_app(static, users), name="workbench-static"),
    ]
