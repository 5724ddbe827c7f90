"""The live-editing wire protocol (docs/protocol.md): parsing client messages and
building server frames. JSON text frames; positions in UTF-16 code units."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.engine.utf16 import has_lone_surrogate

PROTOCOL_VERSION = 1
MAX_EDIT_ID_LENGTH = 64
MAX_PENDING = 1000


class ProtocolError(Exception):
    """A message the server cannot accept; answered with an error frame."""

    def __init__(
        self, code: str, message: str, *, edit_id: str | None = None, fatal: bool = False
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.edit_id = edit_id
        self.fatal = fatal


@dataclass(frozen=True, slots=True)
class Join:
    document: int
    revision: int | None
    protocol: int
    pending: tuple[str, ...] = ()  # ids of edits sent before a disconnect, not yet acked


@dataclass(frozen=True, slots=True)
class Edit:
    id: str
    base: int
    changes: object  # validated by the engine against the base text


@dataclass(frozen=True, slots=True)
class Presence:
    anchor: int | None
    head: int | None
    revision: int


@dataclass(frozen=True, slots=True)
class Action:
    """A negotiation action (propose, position, resolve, lock, ...) by name."""

    id: str
    action: str
    params: object


@dataclass(frozen=True, slots=True)
class Resync:
    pass


@dataclass(frozen=True, slots=True)
class Ping:
    nonce: object


ClientMessage = Join | Edit | Presence | Resync | Ping | Action


def parse_message(raw: str | bytes, max_bytes: int) -> ClientMessage:
    if len(raw) > max_bytes:
        raise ProtocolError("too_large", f"messages are limited to {max_bytes} bytes")
    data = _decode(raw)
    kind = data.get("type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise ProtocolError("unknown_type", f"unknown message type {kind!r}")
    return parser(data)


def _decode(raw: str | bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # deep nesting ends in RecursionError
        raise ProtocolError("bad_json", f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProtocolError("bad_message", "a message is a JSON object")
    return data


def _int(data: dict[str, Any], key: str, *, optional: bool = False) -> int | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProtocolError("bad_message", f"{key!r} must be a non-negative integer")
    return value


def _join(data: dict[str, Any]) -> Join:
    protocol = data.get("protocol")
    if protocol != PROTOCOL_VERSION:
        raise ProtocolError(
            "unsupported_protocol", f"this server speaks protocol {PROTOCOL_VERSION}", fatal=True
        )
    document = _int(data, "document")
    assert document is not None
    pending = data.get("pending", [])
    if (
        not isinstance(pending, list)
        or len(pending) > MAX_PENDING
        or not all(_valid_edit_id(p) for p in pending)
    ):
        raise ProtocolError("bad_message", f"'pending' is a list of at most {MAX_PENDING} edit ids")
    return Join(document, _int(data, "revision", optional=True), PROTOCOL_VERSION, tuple(pending))


def _valid_edit_id(value: object) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_EDIT_ID_LENGTH
        and "\x00" not in value
        and not has_lone_surrogate(value)
    )


def _edit(data: dict[str, Any]) -> Edit:
    edit_id = data.get("id")
    if not _valid_edit_id(edit_id):
        raise ProtocolError(
            "bad_message", f"'id' must be a string of 1 to {MAX_EDIT_ID_LENGTH} characters"
        )
    assert isinstance(edit_id, str)
    base = _int(data, "base")
    assert base is not None
    if "changes" not in data:
        raise ProtocolError("bad_message", "'changes' is required", edit_id=edit_id)
    return Edit(edit_id, base, data["changes"])


def _presence(data: dict[str, Any]) -> Presence:
    revision = _int(data, "revision")
    assert revision is not None
    cursor = data.get("cursor")
    if cursor is None:
        return Presence(None, None, revision)
    if not isinstance(cursor, dict):
        raise ProtocolError("bad_message", "'cursor' is an object {anchor, head} or null")
    return Presence(_int(cursor, "anchor"), _int(cursor, "head"), revision)


def _action(data: dict[str, Any]) -> Action:
    request_id = data.get("id")
    if not _valid_edit_id(request_id):
        raise ProtocolError(
            "bad_message", f"'id' must be a string of 1 to {MAX_EDIT_ID_LENGTH} characters"
        )
    assert isinstance(request_id, str)
    name = data.get("action")
    if not isinstance(name, str):
        raise ProtocolError("bad_message", "'action' names the action", edit_id=request_id)
    return Action(request_id, name, data.get("params"))


def _ping(data: dict[str, Any]) -> Ping:
    nonce = data.get("nonce")
    if nonce is not None and not isinstance(nonce, (int, str)):
        raise ProtocolError("bad_message", "'nonce' is a string or an integer")
    return Ping(nonce)


_PARSERS: dict[str, Callable[[dict[str, Any]], ClientMessage]] = {
    "join": _join,
    "edit": _edit,
    "presence": _presence,
    "resync": lambda _data: Resync(),
    "ping": _ping,
    "action": _action,
}


def encode(frame: dict[str, Any]) -> str:
    """One JSON text, encoded once however many clients receive it."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def error_frame(
    code: str, message: str, *, edit_id: str | None = None, fatal: bool = False, **extra: Any
) -> str:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message, "fatal": fatal}
    if edit_id is not None:
        frame["id"] = edit_id
    frame.update(extra)
    return encode(frame)
