"""DataSift's streaming API: live interactions over HTTP streaming and WebSocket.

Routes (on the API port and on ``--stream-port``, where ``/`` is the stream as on
``stream.datasift.com``, the host the official clients' StreamConsumers connect to):

- ``GET /<hash>``: one stream over HTTP streaming; ``GET /multi?hashes=H1,H2`` several.
- ``GET /`` (stream port only): the connection of the Node client's consumer. It sends one long
  chunked request whose body carries JSON messages ``{"action": "subscribe"|"unsubscribe",
  "hash": H}`` and ``{"action": "stop"}`` while the answer streams.
- WebSocket ``/<hash>`` and ``/multi`` (credentials in the URI: ``?username=…&api_key=…``);
  ``/multi`` takes the same subscribe/unsubscribe messages as text frames.

Every message is one JSON object on its own line (HTTP: one chunk each; WebSocket: one text
frame each): an interaction (on a multi-stream connection wrapped as ``{"hash": H, "data": …}``),
a delete notification (``{"deleted": true, "interaction": {"id": …}}``, wrapped the same way
with ``"deleted": true`` beside ``hash`` too, since the official clients look in both places),
ticks ``{"tick": <unix>, "status": "initialised"|"connected", "message": …}`` when a connection opens
and after ``tick`` idle seconds, and status messages ``{"status": "success"|"warning"|"failure",
"message": …}``. Each connection has a bounded buffer; a consumer that falls behind loses
interactions and is sent a warning saying how many (DataSift's treatment of a slow consumer).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import deque

import orjson

from csdl.server import incoming
from csdl.server.bus import BusError, Sink
from csdl.server.errors import ApiError

HASH = re.compile(r"[0-9a-f]{32}")
#: Interactions a connection may hold before it drops (per connection).
BUFFER = 10_000
#: Streams one connection may subscribe to (DataSift's multi-stream limit was 200).
MAX_STREAMS = 200
#: Bytes of control messages a consumer may send before one parses.
MAX_MESSAGE = 64 * 1024


class Connection(Sink):
    """One consumer's buffer: the bus offers items from any thread, the event loop drains them."""

    def __init__(self, loop, *, multi: bool, capacity: int = BUFFER):
        self.loop = loop
        self.multi = multi
        self.capacity = capacity
        self.items: deque = deque()
        self.lock = threading.Lock()
        self.ready = asyncio.Event()
        self.room = threading.Event()
        self.room.set()
        self.lost = 0
        self.closed = False
        self.hashes: list[str] = []
        self.on_delivered = None
        self.signalled = False  # a wake-up is on its way to the event loop

    def offer(self, hash: str, item: dict, raw: bytes | None = None) -> bool:
        with self.lock:
            if self.closed:
                return True  # a consumer that left takes everything and keeps nothing
            if len(self.items) >= self.capacity:
                self.room.clear()
                return False
            self.items.append((hash, item, raw))
        return True

    def flush(self) -> None:
        if self.items and not self.ready.is_set() and not self.signalled:
            self.signalled = True
            self.loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        self.signalled = False
        self.ready.set()

    def wait_for_room(self, timeout: float) -> bool:
        return self.room.wait(timeout) and not self.closed

    def control(self, data: bytes) -> None:
        """Queue a status message (on the event loop; never refused, never counted as data)."""
        with self.lock:
            self.items.append((None, data, None))
        self.ready.set()

    def dropped(self, hash: str, count: int) -> None:
        with self.lock:
            self.lost += count

    def take(self, limit: int = 500) -> tuple[list, int]:
        """Up to ``limit`` buffered items and the number lost since the last call."""
        with self.lock:
            n = min(limit, len(self.items))
            taken = [self.items.popleft() for _ in range(n)]
            lost, self.lost = self.lost, 0
            if not self.items:
                self.ready.clear()
            if len(self.items) <= self.capacity // 2:
                self.room.set()
        return taken, lost

    def count(self, items) -> None:
        """Tell the usage counter what was delivered (DataSift's ``licenses``: per interaction type)."""
        if self.on_delivered is not None:
            self.on_delivered([(hash, item) for hash, item, _ in items if hash is not None])

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.items.clear()
        self.room.set()

    def frame(self, hash: str | None, item, raw: bytes | None = None) -> bytes:
        if hash is None:
            return item  # a status message, already encoded
        if raw is not None:
            return b'{"hash":"' + hash.encode() + b'","data":' + raw + b"}" if self.multi else raw
        if not self.multi:
            return orjson.dumps(item)
        if item.get("deleted") is True:
            # The Node and PHP consumers look for `data.deleted`, the Ruby one for a top-level
            # `deleted`: a multi-stream delete carries both.
            return orjson.dumps({"hash": hash, "deleted": True, "data": item})
        return orjson.dumps({"hash": hash, "data": item})


def status(kind: str, message: str, **extra) -> bytes:
    return orjson.dumps({"status": kind, "message": message, **extra})


def tick(kind: str = "connected") -> bytes:
    return orjson.dumps({"tick": int(time.time()), "status": kind,
                         "message": "Waiting for data" if kind == "initialised" else "Connected"})


class Session:
    """The subscriptions of one connection and the messages they answer."""

    def __init__(self, live, connection: Connection, user: str):
        self.live = live
        self.connection = connection
        self.user = user
        self.closed = False
        connection.on_delivered = lambda items: live.usage.delivered(user, items)

    def subscribe(self, hash) -> bytes:
        if not isinstance(hash, str) or not HASH.fullmatch(hash.strip().lower()):
            return status("failure", f"Invalid hash: {str(hash)[:64]}")
        hash = hash.strip().lower()
        if hash in self.connection.hashes:
            return status("success", f"Already subscribed to {hash}", hash=hash)
        if len(self.connection.hashes) >= MAX_STREAMS:
            return status("failure", f"At most {MAX_STREAMS} streams per connection")
        try:
            self.live.bus.subscribe(self.connection, hash)
        except BusError as exc:
            return status("failure", str(exc), hash=hash)
        self.connection.hashes.append(hash)
        self.live.usage.connected(self.user, hash)
        return status("success", f"Successfully subscribed to {hash}", hash=hash)

    def unsubscribe(self, hash) -> bytes:
        hash = str(hash or "").strip().lower()
        if hash not in self.connection.hashes:
            return status("warning", f"Not subscribed to {hash[:64]}", hash=hash)
        self.live.bus.unsubscribe(self.connection, hash)
        self.connection.hashes.remove(hash)
        self.live.usage.disconnected(self.user, hash)
        return status("success", f"Successfully unsubscribed from {hash}", hash=hash)

    def handle(self, message) -> tuple[bytes | None, bool]:
        """The answer to one control message and whether the connection should end."""
        if not isinstance(message, dict):
            return status("failure", "A message is a JSON object with an action"), False
        action = message.get("action")
        if action == "subscribe":
            return self.subscribe(message.get("hash")), False
        if action == "unsubscribe":
            return self.unsubscribe(message.get("hash")), False
        if action == "stop":
            return status("failure", "Stopped by request"), True
        return status("failure", f"Unknown action: {str(action)[:64]}"), False

    def close(self) -> None:
        """Unsubscribe everything (once: usage counts each connection once)."""
        if self.closed:
            return
        self.closed = True
        self.connection.close()
        self.live.bus.unsubscribe(self.connection)
        for hash in self.connection.hashes:
            self.live.usage.disconnected(self.user, hash)


class MessageReader:
    """Concatenated JSON objects (the Node client writes them back to back) from body chunks."""

    def __init__(self):
        self.buffer = ""
        self.decoder = json.JSONDecoder()

    def feed(self, chunk: bytes) -> list:
        self.buffer += chunk.decode("utf-8", "replace")
        messages = []
        while True:
            text = self.buffer.lstrip()
            if not text:
                self.buffer = ""
                break
            try:
                value, end = self.decoder.raw_decode(text)
            except json.JSONDecodeError:
                if len(text) > MAX_MESSAGE:
                    raise ValueError("a control message too long or not JSON") from None
                self.buffer = text
                break
            messages.append(value)
            self.buffer = text[end:]
        return messages


async def _pump(connection: Connection, send_frame, tick_seconds: float, stopped: asyncio.Event) -> None:
    """Write buffered items (and ticks when idle, warnings after drops) until ``stopped``; the
    pump is the only writer of a connection, so frames never interleave."""
    while not stopped.is_set():
        if not connection.items:
            waiter = asyncio.ensure_future(connection.ready.wait())
            stopper = asyncio.ensure_future(stopped.wait())
            done, pending = await asyncio.wait({waiter, stopper}, timeout=tick_seconds,
                                               return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            if stopped.is_set():
                break
            if not done:
                await send_frame(tick())
                continue
        items, lost = connection.take()
        if lost:
            await send_frame(status("warning", f"{lost} interactions were dropped: the consumer is too slow "
                                               f"(at most {connection.capacity} are buffered)", dropped=lost))
        for hash, item, raw in items:
            await send_frame(connection.frame(hash, item, raw))
        connection.count(items)
    # the answer to a `stop` (or a refusal) queued just before the end still goes out
    items, _ = connection.take()
    for hash, item, _ in items:
        if hash is None:
            await send_frame(item)


async def relay(source: asyncio.Event | None, target: asyncio.Event) -> None:
    """Set ``target`` when ``source`` is set (the server shutting down ends every connection)."""
    if source is not None:
        await source.wait()
        target.set()


def authenticate(live, scope_request) -> str:
    params = dict(scope_request.query_params)
    return incoming.datasift_user(scope_request, params, live.settings.users)


def requested_hashes(path_hash: str | None, query: dict) -> list[str]:
    if path_hash is not None:
        return [path_hash]
    return [h for h in (query.get("hashes") or "").replace(" ", "").split(",") if h]


class HttpStream:
    """The ASGI app of an HTTP streaming connection (``/``, ``/<hash>``, ``/multi``)."""

    def __init__(self, live, *, body_messages: bool):
        self.live = live
        self.body_messages = body_messages

    async def __call__(self, scope, receive, send):
        from starlette.requests import Request

        request = Request(scope)
        path_hash = scope.get("path_params", {}).get("hash")
        multi = path_hash is None
        try:
            user = authenticate(self.live, request)
        except ApiError as exc:
            return await _refuse(send, exc.status, exc.body)
        connection = Connection(asyncio.get_running_loop(), multi=multi, capacity=self.live.buffer)
        session = Session(self.live, connection, user)
        hashes = requested_hashes(path_hash, dict(request.query_params))
        try:
            for hash in hashes:
                answer = orjson.loads(session.subscribe(hash))
                if answer["status"] == "failure":
                    return await _refuse(send, 404 if "not found" in answer["message"] else 400, answer)
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"cache-control", b"no-cache")]})
            await self._serve(session, receive, send)
        finally:
            session.close()

    async def _serve(self, session, receive, send):
        stopped = asyncio.Event()
        control = session.connection.control

        async def send_frame(data: bytes):
            await send({"type": "http.response.body", "body": data + b"\n", "more_body": True})

        async def read():
            reader = MessageReader()
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    break  # a plain GET's receive() reports this after its (empty) body
                if not self.body_messages:
                    continue
                try:
                    commands = reader.feed(message.get("body", b""))
                except ValueError as exc:
                    control(status("failure", str(exc)))
                    break
                for command in commands:
                    answer, end = session.handle(command)
                    control(answer)
                    if end:
                        stopped.set()
                        return
            stopped.set()

        await send_frame(tick("initialised"))
        reader = asyncio.ensure_future(read())
        closer = asyncio.ensure_future(relay(self.live.stopping, stopped))
        try:
            await _pump(session.connection, send_frame, self.live.tick_seconds, stopped)
        except OSError:
            pass  # the client went away mid-write
        finally:
            reader.cancel()
            closer.cancel()
        try:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass


async def _refuse(send, code: int, body: dict) -> None:
    await send({"type": "http.response.start", "status": code, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": orjson.dumps(body)})


class WebSocketStream:
    """WebSocket ``/<hash>`` and ``/multi``: frames out, subscribe/unsubscribe frames in."""

    def __init__(self, live):
        self.live = live

    async def __call__(self, scope, receive, send):
        from starlette.websockets import WebSocket, WebSocketDisconnect

        socket = WebSocket(scope, receive, send)
        path_hash = scope.get("path_params", {}).get("hash")
        try:
            user = authenticate(self.live, socket)
        except ApiError as exc:
            await socket.accept()
            await socket.send_text(status("failure", exc.body.get("error", "Unauthorized")).decode())
            await socket.close(code=4401)
            return
        await socket.accept()
        connection = Connection(asyncio.get_running_loop(), multi=path_hash is None, capacity=self.live.buffer)
        session = Session(self.live, connection, user)
        stopped = asyncio.Event()

        async def send_frame(data: bytes):
            await socket.send_text(data.decode())

        async def read():
            try:
                while True:
                    text = await socket.receive_text()
                    try:
                        message = json.loads(text)
                    except ValueError:
                        connection.control(status("failure", "A message is a JSON object with an action"))
                        continue
                    answer, end = session.handle(message)
                    connection.control(answer)
                    if end:
                        break
            except (WebSocketDisconnect, RuntimeError, KeyError):  # KeyError: a binary frame
                pass
            finally:
                stopped.set()

        try:
            for hash in requested_hashes(path_hash, dict(socket.query_params)):
                answer = session.subscribe(hash)
                if orjson.loads(answer)["status"] == "failure":
                    await send_frame(answer)
                    await socket.close(code=4404)
                    return
            await send_frame(tick("initialised"))
            reader = asyncio.ensure_future(read())
            closer = asyncio.ensure_future(relay(self.live.stopping, stopped))
            try:
                await _pump(connection, send_frame, self.live.tick_seconds, stopped)
            except (WebSocketDisconnect, RuntimeError, OSError):
                pass
            finally:
                reader.cancel()
                closer.cancel()
            try:
                await socket.close()
            except (RuntimeError, OSError):
                pass
        finally:
            session.close()
