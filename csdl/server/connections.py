"""Connections that never send a request are closed: uvicorn starts its keep-alive clock only
after a first answer, so a socket opened and left silent (or sending a request head a byte at a
time) would hold one of the server's connection slots for ever, and enough of them make every
request a 503.

``head_deadline_protocol(seconds)`` is uvicorn's h11 protocol with one more clock: from the
moment a connection opens, and again after each answer, a complete request head must arrive
within ``seconds`` or the connection is closed.
"""

from __future__ import annotations

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


def head_deadline_protocol(seconds: float) -> type:
    class HeadDeadlineProtocol(H11Protocol):
        head_timeout = seconds

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:  # a whole request head has arrived
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._head_timer = self.loop.call_later(self.head_timeout, self._too_slow)

        def _disarm(self) -> None:
            timer = getattr(self, "_head_timer", None)
            if timer is not None:
                timer.cancel()
                self._head_timer = None

        def _too_slow(self) -> None:
            self._head_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return HeadDeadlineProtocol
