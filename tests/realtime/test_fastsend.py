"""Pre-serialised broadcast frames are valid WebSocket frames a client can read."""

from __future__ import annotations

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Frame
from websockets.uri import parse_uri

from app.realtime.fastsend import BroadcastFrame


def _client_reading(data: bytes) -> list[Frame]:
    from websockets.protocol import State

    # Opened already: only frame parsing is under test.
    client = ClientProtocol(parse_uri("ws://127.0.0.1/ws"), state=State.OPEN)
    client.receive_data(data)
    return [event for event in client.events_received() if isinstance(event, Frame)]


@pytest.mark.parametrize("size", [0, 125, 126, 65_535, 65_536, 300_000])
def test_frame_bytes_decode_to_the_text(size: int) -> None:
    text = '{"type":"edits","edits":[]}' + "决👍ق" * (size // 3)
    frame = BroadcastFrame(text)
    (decoded,) = _client_reading(frame.wire)
    assert bytes(decoded.data).decode() == text


def test_frame_is_serialised_once() -> None:
    frame = BroadcastFrame("x")
    assert frame.wire is frame.wire
