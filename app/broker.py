"""The event broker: domain services publish, realtime rooms subscribe.

In one process the memory broker is enough. Several processes share a Redis broker.
Redis pub/sub is at-most-once: every event carries the document revision, and a
subscriber that sees a gap reloads from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Protocol

from app.logs import get_logger

log = get_logger(__name__)

Handler = Callable[[str, bytes], None]


class Broker(Protocol):
    # False when every subscriber lives in this process (nothing to tell other servers).
    crosses_processes: bool

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def publish(self, channel: str, message: bytes) -> None: ...
    async def subscribe(self, channel: str, handler: Handler) -> None: ...
    async def unsubscribe(self, channel: str, handler: Handler) -> None: ...


class MemoryBroker:
    """Delivers to handlers in this process, synchronously, in publish order."""

    crosses_processes = False

    def __init__(self) -> None:
        self._handlers: defaultdict[str, list[Handler]] = defaultdict(list)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._handlers.clear()

    async def publish(self, channel: str, message: bytes) -> None:
        for handler in list(self._handlers.get(channel, ())):
            handler(channel, message)

    async def subscribe(self, channel: str, handler: Handler) -> None:
        self._handlers[channel].append(handler)

    async def unsubscribe(self, channel: str, handler: Handler) -> None:
        handlers = self._handlers.get(channel)
        if handlers and handler in handlers:
            handlers.remove(handler)
            if not handlers:
                del self._handlers[channel]


class RedisBroker:
    """Redis pub/sub, one connection for all subscriptions of this process."""

    crosses_processes = True

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._handlers: defaultdict[str, list[Handler]] = defaultdict(list)
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._redis.ping()
        self._reader = asyncio.create_task(self._read(), name="redis-broker")

    async def stop(self) -> None:
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._redis.aclose()

    async def publish(self, channel: str, message: bytes) -> None:
        await self._redis.publish(channel, message)

    async def subscribe(self, channel: str, handler: Handler) -> None:
        first = channel not in self._handlers
        self._handlers[channel].append(handler)
        if first:
            await self._pubsub.subscribe(channel)

    async def unsubscribe(self, channel: str, handler: Handler) -> None:
        handlers = self._handlers.get(channel)
        if handlers and handler in handlers:
            handlers.remove(handler)
            if not handlers:
                del self._handlers[channel]
                await self._pubsub.unsubscribe(channel)

    async def _read(self) -> None:
        async for message in self._messages():
            channel = message["channel"].decode()
            for handler in list(self._handlers.get(channel, ())):
                try:
                    handler(channel, message["data"])
                except Exception:
                    log.exception("broker handler failed", channel=channel)

    async def _messages(self) -> AsyncIterator[dict[str, bytes]]:
        while True:
            if not self._pubsub.subscribed:
                await asyncio.sleep(0.05)
                continue
            message = await self._pubsub.get_message(timeout=1.0)
            if message is not None:
                yield message


def make_broker(redis_url: str | None) -> Broker:
    return RedisBroker(redis_url) if redis_url else MemoryBroker()
