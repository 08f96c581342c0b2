"""How the language server meets its one client: stdin/stdout, or one TCP connection.

pygls' own loops trust the connection: any TCP connection replaces the writer (a second one
steals the editor's replies) and its end stops the server (a port scan, a browser ``fetch``),
an HTTP request's body is read as a message, a bad header is fatal. Here the framing is
:mod:`csdl.lsp.framing`; over TCP, the first connection whose first message is ``initialize``
becomes the client, the listening socket closes, and every other connection is dropped."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import os
import socket
import sys
from concurrent.futures import ThreadPoolExecutor

from csdl.lsp.framing import Body, Framer, Refused

log = logging.getLogger("csdl.lsp")

READ_SIZE = 65536
#: A TCP connection must send its ``initialize`` within this many seconds, or it is dropped.
FIRST_MESSAGE_SECONDS = 10.0
#: Connections waiting to say ``initialize`` at one time; more are dropped at once.
MAX_WAITING = 16

PARSE_ERROR = -32700
INVALID_REQUEST = -32600


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` names is a loopback address (only this machine can connect)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)


class Session:
    """Bodies from a framer handed to a pygls protocol; what cannot be handled is answered."""

    def __init__(self, protocol) -> None:
        self.protocol = protocol
        self.framer = Framer()
        self.exit_code: int | None = None  # set by the ``exit`` notification
        self._refusing = False  # one answer per run of junk, not one per chunk

    def feed(self, data: bytes) -> None:
        for event in self.framer.feed(data):
            self.handle(event)
            if self.exit_code is not None:
                return

    def handle(self, event: Body | Refused) -> None:
        if isinstance(event, Refused):
            log.warning("refused input: %s", event.reason)
            if not self._refusing:
                self._error(PARSE_ERROR, f"csdl: not a language server message: {event.reason}")
            self._refusing = True
            return
        self._refusing = False
        try:
            message = json.loads(event.data.decode("utf-8"), object_hook=self.protocol.structure_message)
        except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, numbers past Python's int limit, too deep
            log.warning("a message that is not JSON: %s", exc)
            self._error(PARSE_ERROR, f"csdl: the message is not JSON: {_short(exc)}")
            return
        except Exception as exc:  # not a message pygls can structure (requests were answered already)
            log.warning("a message that cannot be read: %s", exc)
            return
        if not hasattr(message, "jsonrpc"):
            self._error(INVALID_REQUEST, "csdl: not a JSON-RPC message")
            return
        try:
            self.protocol.handle_message(message)
        except SystemExit as stop:  # the ``exit`` notification
            self.exit_code = stop.code if isinstance(stop.code, int) else 1
        except Exception:
            log.exception("handling a message failed")

    def _error(self, code: int, message: str) -> None:
        self.protocol.answer_unreadable(code, message)


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:200] + "…"


def serve_stdio(protocol) -> int | None:
    """Serve the client on stdin/stdout until ``exit`` or the end of stdin; the exit code of
    ``exit`` (None when stdin ended first)."""
    from pygls.io_ import StdoutWriter

    protocol.set_writer(StdoutWriter(sys.stdout.buffer))
    session = Session(protocol)
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csdl-lsp-stdin")
    fd = sys.stdin.fileno()

    async def loop() -> None:
        running = asyncio.get_running_loop()
        while session.exit_code is None:
            try:
                data = await running.run_in_executor(reader, os.read, fd, READ_SIZE)
            except OSError as exc:
                log.warning("reading stdin failed: %s", exc)
                return
            if not data:
                return
            session.feed(data)

    try:
        asyncio.run(loop())
    except BrokenPipeError:
        log.error("the client closed its end of stdout")
    finally:
        reader.shutdown(wait=False, cancel_futures=True)
    return session.exit_code


def serve_tcp(protocol, host: str, port: int) -> int | None:
    """Listen on ``host:port`` for exactly one client; serve it until ``exit`` or until it
    disconnects."""
    return asyncio.run(_serve_tcp(protocol, host, port))


async def _serve_tcp(protocol, host: str, port: int) -> int | None:
    session = Session(protocol)
    finished: asyncio.Future = asyncio.get_running_loop().create_future()
    waiting: set = set()
    chosen = False

    async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal chosen
        peer = writer.get_extra_info("peername")
        if chosen or len(waiting) >= MAX_WAITING:
            writer.close()
            return
        waiting.add(writer)
        try:
            first = await asyncio.wait_for(_first_message(reader), FIRST_MESSAGE_SECONDS)
        except (asyncio.TimeoutError, OSError) as exc:
            first = None
            log.info("dropped the connection from %s: %s", peer, exc or "no message in time")
        finally:
            waiting.discard(writer)
        if first is None or chosen:
            writer.close()
            return
        chosen = True
        server.close()  # one client: no one else may connect
        for other in list(waiting):
            other.close()
        log.info("serving the client at %s", peer)
        protocol.set_writer(writer)
        session.feed(first)
        try:
            while session.exit_code is None:
                data = await reader.read(65536)
                if not data:
                    break
                session.feed(data)
        except OSError as exc:
            log.warning("the connection to the client failed: %s", exc)
        finally:
            writer.close()
            if not finished.done():
                finished.set_result(None)

    server = await asyncio.start_server(connected, host, port)
    await finished
    return session.exit_code


async def _first_message(reader: asyncio.StreamReader) -> bytes | None:
    """The bytes up to and including the connection's first message when that message is an
    ``initialize`` request; None for anything else (an HTTP request, junk, another method)."""
    framer = Framer()
    received = bytearray()
    while True:
        data = await reader.read(READ_SIZE)
        if not data:
            return None
        received += data
        events = framer.feed(data)
        if not events:
            continue
        first = events[0]
        if isinstance(first, Refused):
            log.info("dropped a connection: %s", first.reason)
            return None
        try:
            message = json.loads(first.data)
        except (ValueError, RecursionError):
            return None
        if isinstance(message, dict) and message.get("method") == "initialize" and "id" in message:
            return bytes(received)
        log.info("dropped a connection whose first message was not initialize")
        return None
