"""Broadcast frames reach sockets with as little per-socket work as possible.

A broadcast is serialised once into the bytes of an unmasked WebSocket text frame, and
those bytes are written straight to each connection's transport. Going through ASGI
instead costs a task wake-up, a UTF-8 encode and a frame build per socket per message.

The direct path is offered by :class:`FastSendProtocol`, uvicorn's sans-io WebSocket
protocol with one scope extension; under any other server the ordinary ASGI path is
used. It writes only when the connection is open, uncompressed and its transport is
not applying back-pressure; otherwise the caller queues the frame as usual.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode

EXTENSION = "accord.raw_send"


class BroadcastFrame:
    """One JSON text, encoded to wire bytes at most once whatever the audience."""

    __slots__ = ("_wire", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._wire: bytes | None = None

    @property
    def wire(self) -> bytes:
        if self._wire is None:
            frame = Frame(Opcode.TEXT, self.text.encode())
            self._wire = frame.serialize(mask=False, extensions=[])
        return self._wire


class RawSender:
    """Writes pre-serialised frames to one connection's transport."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol

    def write(self, data: bytes) -> bool:
        """Write if the socket is open and drained; False means: use the slow path."""
        protocol = self._protocol
        if (
            not protocol.handshake_complete
            or protocol.close_sent
            or protocol.disconnected
            or not protocol.writable.is_set()
            or protocol.conn.extensions
            or protocol.transport.is_closing()
        ):
            return False
        protocol.transport.write(data)
        return True


class FastSendProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][EXTENSION] = RawSender(self)
