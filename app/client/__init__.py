"""A Python client for Accord's live-editing protocol (docs/protocol.md)."""

from app.client.live import LiveClient, LiveError
from app.client.session import login

__all__ = ["LiveClient", "LiveError", "login"]
