"""Running the app under uvicorn: the bound address is announced once listening, and Ctrl-C or
SIGTERM stop it cleanly (uvicorn stops accepting, lets in-flight requests finish, then the app's
lifespan closes the store)."""

from __future__ import annotations

import signal
import sys

import uvicorn

from csdl.server.connections import head_deadline_protocol
from csdl.server.settings import Settings



def is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Server(uvicorn.Server):
    def __init__(self, config, announce):
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets=None):
        await super().startup(sockets)
        if self.started and self._announce is not None:
            self._announce(self.bound())

    async def shutdown(self, sockets=None):
        # Streaming answers never end by themselves: end them first, or the graceful shutdown
        # would wait its whole timeout for them.
        live = getattr(getattr(getattr(self.config.app, "state", None), "csdl", None), "live", None)
        if live is not None:
            live.close_streams()
        await super().shutdown(sockets)

    def bound(self) -> tuple[str, int]:
        for server in self.servers:
            for sock in server.sockets:
                host, port = sock.getsockname()[:2]
                return host, port
        return self.config.host, self.config.port


def make_server(app, settings: Settings, *, announce=None) -> _Server:
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level="warning", access_log=False, lifespan="on",
        timeout_graceful_shutdown=10, server_header=False, date_header=True,
        # A bound on the open connections: beyond it uvicorn answers 503 instead of queueing work.
        limit_concurrency=1000, timeout_keep_alive=5,
        # A connection must send a whole request head within settings.header_timeout seconds of opening
        # (and of each answer), or it is closed: silent sockets cannot exhaust the slots above.
        http=head_deadline_protocol(settings.header_timeout),
    )
    return _Server(config, announce)


def serve(app, settings: Settings, *, announce=None) -> None:
    """Serve until Ctrl-C or SIGTERM; returns normally after a clean shutdown."""
    server = make_server(app, settings, announce=announce)
    # uvicorn re-raises the signal it shut down for once it is done; handlers that do nothing
    # make that a normal return (exit code 0) instead of a KeyboardInterrupt or a kill.
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not server.started:
        sys.exit(2)
