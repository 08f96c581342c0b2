"""The ASGI application of ``csdl serve``: ``create_app(settings)``.

Routes, in order: Datastreamer's Data365 task API (``/api/data-…``), the workbench (when its
package is present: the page at ``/`` and its ``/api/…`` endpoints), and DataSift's REST API under
any ``/v1`` or ``/v1.N`` prefix (or none). Every answer is JSON; unknown paths are 404 and wrong
methods 405, also as JSON.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import sys
import time
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from csdl.server import endpoints, incoming
from csdl.server.errors import ApiError
from csdl.server.settings import DEFAULT_API_VERSION, Settings, SettingsError
from csdl.server.store import Store, Unstorable, unavailable
from csdl.server.streams import StreamLibrary
from csdl.server.values import json_bytes

log = logging.getLogger("csdl.serve")

_PATH = re.compile(r"/(?:v(1(?:\.[0-9]{1,2})?)/)?([A-Za-z0-9_/]*?)(?:\.json)?/?")
# Bodies up to this size are compiled on the event loop: a small filter takes well under a
# millisecond, less than handing it to a worker thread. Larger ones go to the thread pool so that
# a 1 MB filter never holds up the other requests.
INLINE_BODY = 8 * 1024
ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


class State:
    """What every handler needs: settings, the store, the stream library, rate-limit counters."""

    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self.library = StreamLibrary(store, settings.library)
        self.limits = RateLimits(settings.rate_limit)
        self.live = None  # live delivery (csdl.server.delivery.Live), set by create_app
        from csdl.server.historics_run import HistoricsRuns

        self.historics_runs = HistoricsRuns(self)  # started Historics queries (csdl.server.historics_run)


class RateLimits:
    """DataSift's rate-limit headers, counted per user per hour in memory (never enforced)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.used: dict[str, tuple[int, int]] = {}  # user -> (hour, used)

    def charge(self, user: str | None, cost: int) -> dict:
        """The headers of a call costing ``cost`` (0: an answer before the user is known)."""
        now = int(time.time())
        hour = now // 3600
        seen_hour, used = self.used.get(user, (hour, 0))
        if seen_hour != hour:
            used = 0
        used += cost
        if user is not None and cost:
            if len(self.used) > 10_000:
                self.used.clear()
            self.used[user] = (hour, used)
        reset = (hour + 1) * 3600
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - used)),
            "X-RateLimit-Cost": str(cost),
            "X-RateLimit-Reset": str(reset),
            "X-RateLimit-Reset-Ttl": str(reset - now),
        }


class Call:
    """One DataSift call as the handlers see it."""

    __slots__ = ("request", "params", "user", "state", "version", "headers")

    def __init__(self, request, params, user, state, version):
        self.request = request
        self.params = params
        self.user = user
        self.state = state
        self.version = version
        self.headers: dict[str, str] = {}  # extra answer headers a handler sets


def json_response(status: int, body, headers: dict | None = None) -> Response:
    if status == 204 or body is None:
        return Response(status_code=status, headers=headers, media_type="application/json")
    return Response(json_bytes(body), status_code=status, headers=headers, media_type="application/json")


def as_api_error(exc: Exception, store: Store) -> ApiError:
    """Any failure of a handler as the answer the client gets: the store's refusals are the
    client's (400) or the store's (503, saying what is wrong); anything else is a bug of ours."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, Unstorable):
        return ApiError(400, f"Bad request: {exc}")
    if isinstance(exc, sqlite3.Error):
        return ApiError(503, f"Service unavailable: {unavailable(exc, store.path)}")
    return _internal(exc)


def _internal(exc: BaseException) -> ApiError:
    if os.environ.get("CSDL_DEBUG"):
        log.exception("internal error")
    else:
        print(f"csdl serve: internal error: {type(exc).__name__}: {exc} (CSDL_DEBUG=1 logs a traceback)", file=sys.stderr)
    return ApiError(500, f"Internal error of the emulator: {type(exc).__name__}")


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> Starlette:
    settings = settings or Settings()
    policy = _policy(settings)
    store = store or Store(settings.store)
    state = State(settings, store)
    app = Starlette(routes=_routes(state), middleware=_middleware(settings, policy), lifespan=_lifespan(state),
                    exception_handlers=_exception_handlers(store))
    app.state.csdl = state
    return app


def _policy(settings: Settings):
    """The host and origin policy of ``--host``, ``--allowed-host`` and ``--cors-origin``."""
    from csdl.server.security import OriginError, Policy

    try:
        return Policy(settings.host, settings.allowed_hosts, settings.cors_origin)
    except OriginError as exc:
        raise SettingsError(str(exc)) from None


def _routes(state: State) -> list:
    """Data365, the workbench, live delivery, then DataSift's REST API for every other path."""
    from csdl.server import data365
    from csdl.server.delivery import Live

    routes = list(data365.routes(state, _responder(state.store)))
    routes += _workbench_routes(state.settings, state.store)
    state.live = Live(state)  # streaming, push, ingestion, firehose
    routes += state.live.routes()
    routes.append(Route("/{path:path}", _datasift(state), methods=ALL_METHODS))
    return routes


def _datasift(state: State):
    """The handler of every DataSift call: find the endpoint, read the call, charge it, answer."""
    settings, store = state.settings, state.store

    async def datasift(request):
        match = _PATH.fullmatch(request.url.path)
        version = match.group(1) if match else None
        headers = {"X-Api-Version": version or DEFAULT_API_VERSION}
        try:
            endpoint = endpoints.find(match.group(2)) if match else None
            if endpoint is None:
                raise ApiError(404, f"Endpoint not found: {request.url.path[:200]}")
            if request.method not in endpoint.methods:
                allowed = ", ".join(sorted(endpoint.methods))
                raise ApiError(405, f"Method {request.method} not allowed; use {allowed}", headers={"Allow": allowed})
            body = await incoming.read_body(request, settings.max_body)
            params = incoming.parse_params(request, body)
            user = incoming.datasift_user(request, params, settings.users)
            headers.update(state.limits.charge(user, endpoint.cost))
            call = Call(request, params, user, state, version)
            if endpoint.heavy or len(body) > INLINE_BODY or len(request.url.query) > INLINE_BODY:
                status, payload = await run_in_threadpool(endpoint.handler, call)
            else:
                status, payload = endpoint.handler(call)
        except Exception as exc:  # an answer of ours, or a bug: JSON either way, never a traceback
            error = as_api_error(exc, store)
            if "X-RateLimit-Cost" not in headers:  # refused before the user was known: nothing charged
                headers.update(state.limits.charge(None, 0))
            headers.update(error.headers)
            return json_response(error.status, error.body, headers)
        headers.update(call.headers)
        return json_response(status, payload, headers)

    return datasift


def _responder(store: Store):
    """``respond(request, work)``: the answer of ``await work()``, or its failure as JSON (as in
    the DataSift handler above)."""

    async def respond(request, work):
        try:
            status, payload = await work()
        except Exception as exc:
            error = as_api_error(exc, store)
            return json_response(error.status, error.body, error.headers)
        return json_response(status, payload)

    return respond


def _lifespan(state: State):
    @asynccontextmanager
    async def lifespan(app):
        await state.live.start()
        yield
        await run_in_threadpool(state.historics_runs.stop_all)
        await state.live.stop()
        state.store.close()  # after the last request: uvicorn drains them before the lifespan ends

    return lifespan


def _middleware(settings: Settings, policy) -> list:
    from starlette.middleware import Middleware

    from csdl.server.security import Guard

    # The guard is outermost: a refused request reaches neither CORS nor a route.
    middleware = [Middleware(Guard, policy=policy)]
    if settings.cors_origin:
        from starlette.middleware.cors import CORSMiddleware

        middleware.append(Middleware(
            CORSMiddleware, allow_origins=[settings.cors_origin], allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Auth", "Content-Type", "apikey"],
            expose_headers=["X-Api-Version", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Cost"],
        ))
    return middleware


def _exception_handlers(store: Store) -> dict:
    """Starlette's own 404 and 405, and anything that escaped every handler, as JSON answers."""

    async def http_error(request, exc: HTTPException):
        text = {404: f"Endpoint not found: {request.url.path[:200]}", 405: f"Method {request.method} not allowed"}
        return json_response(exc.status_code, {"error": text.get(exc.status_code, exc.detail)}, exc.headers)

    async def crashed(request, exc: Exception):
        error = as_api_error(exc, store)
        return json_response(error.status, error.body)

    return {HTTPException: http_error, Exception: crashed}


def _workbench_routes(settings, store) -> list:
    try:
        from csdl.server import workbench
    except ImportError:
        return []
    make = getattr(workbench, "routes", None)
    return list(make(settings, store)) if make is not None else []
