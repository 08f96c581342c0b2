"""Live delivery, put together: the bus, its sources (firehose, ODP ingestion), its consumers
(streaming connections, push subscriptions), usage, their routes and their life cycle.

``Live(state)`` is created by ``create_app``; ``routes()`` go before the REST catch-all,
``start()``/``stop()`` run in the app's lifespan, and ``close_streams()`` is called when the
server begins to shut down, so long-lived streaming answers end at once instead of holding up
the graceful shutdown. With ``--stream-port`` a second listener serves the stream host alone,
with the stream at ``/`` as on ``stream.datasift.com``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re

from starlette.convertors import Convertor, register_url_convertor

from csdl.server.bus import Bus
from csdl.server.push import PushRegistry
from csdl.server.usage import Usage


class HexHash(Convertor):
    regex = "[0-9a-f]{32}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value) -> str:
        return str(value)


register_url_convertor("hex32", HexHash())

_CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]{0,63}")


class Live:
    def __init__(self, state):
        settings = state.settings
        self.state = state
        self.settings = settings
        self.bus = Bus(state.library)
        self.usage = Usage()
        self.buffer = settings.stream_buffer
        self.tick_seconds = settings.tick_seconds
        self.push = PushRegistry(self.bus, settings)
        self.firehose = None
        if settings.firehose:
            from csdl.server.firehose import Firehose

            self.firehose = Firehose(self.bus, settings.firehose, rate=settings.firehose_rate,
                                     loop=settings.firehose_loop, wait_for=settings.firehose_wait)
        self.stopping: asyncio.Event | None = None
        self._stream_server = None
        self._stream_task = None

    # -- routes -----------------------------------------------------------------------------
    def routes(self, *, stream_host: bool = False) -> list:
        from starlette.routing import Route, WebSocketRoute

        from csdl.server.streaming import HttpStream, WebSocketStream

        routes = []
        if stream_host:
            routes += [Route("/", HttpStream(self, body_messages=True), methods=["GET", "POST"]),
                       Route("/usage", self.usage_endpoint, methods=["GET"]),
                       Route("/usage.json", self.usage_endpoint, methods=["GET"]),
                       Route("/usage.jsonp", self.usage_endpoint, methods=["GET"])]
        routes += [
            WebSocketRoute("/multi", WebSocketStream(self)),
            WebSocketRoute("/{hash:hex32}", WebSocketStream(self)),
            Route("/pull", self.pull_endpoint, methods=["GET", "POST"]),
            Route("/v{version}/pull", self.pull_endpoint, methods=["GET", "POST"]),
            Route("/multi", HttpStream(self, body_messages=True), methods=["GET"]),
            Route("/{hash:hex32}", ByMethod(HttpStream(self, body_messages=False), self.ingest_endpoint),
                  methods=["GET", "POST"]),
        ]
        return routes

    async def usage_endpoint(self, request):
        from starlette.responses import Response

        from csdl.server import incoming
        from csdl.server.errors import ApiError

        try:
            user = incoming.datasift_user(request, dict(request.query_params), self.settings.users)
            period = request.query_params.get("period", "hour")
            if period not in ("hour", "day", "current"):
                raise ApiError(400, "The period parameter must be hour, day or current")
        except ApiError as exc:
            return answer(exc.status, exc.body, exc.headers)
        body = self.usage.report(user, period)
        if request.url.path.endswith(".jsonp"):
            callback = request.query_params.get("callback", "")
            if not _CALLBACK.fullmatch(callback):
                return answer(400, {"error": "callback must be a JavaScript identifier"})
            import orjson

            return Response(f"{callback}({orjson.dumps(body).decode()});", media_type="application/javascript")
        return answer(200, body)

    async def ingest_endpoint(self, request):
        from starlette.concurrency import run_in_threadpool

        from csdl.server import incoming
        from csdl.server.errors import ApiError
        from csdl.server.ingestion import ingest

        try:
            body = await incoming.read_body(request, self.settings.max_body)
            user = incoming.datasift_user(request, dict(request.query_params), self.settings.users)
            result = await run_in_threadpool(ingest, self.bus, self.state.store, user,
                                             request.path_params["hash"], body)
        except ApiError as exc:
            return answer(exc.status, exc.body, exc.headers)
        return answer(200, result)

    async def pull_endpoint(self, request):
        from starlette.responses import Response

        from csdl.server import incoming, push_api
        from csdl.server.errors import ApiError

        version = request.path_params.get("version") or "1.6"
        headers = {"X-Api-Version": version}
        try:
            body = await incoming.read_body(request, self.settings.max_body)
            params = incoming.parse_params(request, body)
            user = incoming.datasift_user(request, params, self.settings.users)
            headers.update(self.state.limits.charge(user, 5))
            status, content, extra = push_api.pull(_Call(params, user, self.state))
        except ApiError as exc:
            return answer(exc.status, exc.body, {**headers, **exc.headers})
        headers.update(extra)
        return Response(content if status != 204 else None, status_code=status, headers=headers,
                        media_type="application/json")

    # -- life cycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self.stopping = asyncio.Event()
        self.push.start(asyncio.get_running_loop())
        if self.firehose is not None:
            self.firehose.start()
        if self.settings.stream_port is not None:
            await self._start_stream_server()

    def close_streams(self) -> None:
        """End every streaming answer (the server is shutting down)."""
        if self.stopping is not None:
            self.stopping.set()

    async def stop(self) -> None:
        self.close_streams()
        if self.firehose is not None:
            await asyncio.to_thread(self.firehose.stop)
        if self._stream_server is not None:
            self._stream_server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._stream_task, 15)
        await asyncio.to_thread(self.push.stop)

    async def _start_stream_server(self) -> None:
        import uvicorn
        from starlette.applications import Starlette

        app = Starlette(routes=self.routes(stream_host=True), middleware=_guard(self.settings))
        config = uvicorn.Config(app, host=self.settings.host, port=self.settings.stream_port, log_level="warning",
                                access_log=False, lifespan="off", server_header=False, limit_concurrency=1000,
                                timeout_graceful_shutdown=5)
        server = _quiet_server(config)
        self._stream_server = server
        self._stream_task = asyncio.ensure_future(server.serve())
        while not server.started and not self._stream_task.done():
            await asyncio.sleep(0.01)
        if self._stream_task.done():
            raise SystemExit(f"csdl serve: cannot listen on --stream-port {self.settings.stream_port}")

    def stream_address(self) -> tuple[str, int] | None:
        if self._stream_server is None:
            return None
        for server in self._stream_server.servers:
            for sock in server.sockets:
                return sock.getsockname()[:2]
        return None


class _Call:
    """The part of a REST call push_api.pull reads."""

    def __init__(self, params, user, state):
        self.params = params
        self.user = user
        self.state = state


def answer(status: int, body, headers: dict | None = None):
    """A JSON answer (the app's own helper lives in csdl.server.app, which imports this module)."""
    import orjson
    from starlette.responses import Response

    return Response(orjson.dumps(body), status_code=status, headers=headers, media_type="application/json")


class ByMethod:
    """One path, two handlers: ``GET /<hash>`` streams, ``POST /<source_id>`` ingests."""

    def __init__(self, get_app, post_endpoint):
        from starlette.routing import request_response

        self.get_app = get_app
        self.post_app = request_response(post_endpoint)

    async def __call__(self, scope, receive, send):
        app = self.post_app if scope.get("method") == "POST" else self.get_app
        await app(scope, receive, send)


def _guard(settings) -> list:
    """The same Host/Origin guard as the API port, when this build has it."""
    try:
        from starlette.middleware import Middleware

        from csdl.server.security import Guard, Policy
    except ImportError:
        return []
    return [Middleware(Guard, policy=Policy(settings.host, settings.allowed_hosts, settings.cors_origin))]


def _quiet_server(config):
    """A uvicorn server that leaves the process's signal handlers to the main server (uvicorn is
    imported here, lazily, as everywhere in the server)."""
    import uvicorn

    class Quiet(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self):
            yield

    return Quiet(config)
