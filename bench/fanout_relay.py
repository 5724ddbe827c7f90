"""The reference of ``bench_fanout.py``: a bare relay built with the ``websockets`` library.

It speaks just enough of docs/protocol.md for the load generator: ``join`` gets a
``welcome`` with the text; each ``edit`` gets a revision, becomes one ``edits`` frame
shaped like Accord's (author, delegation, changes, conflicts), encoded once and handed
to every other connected client with :func:`websockets.asyncio.server.broadcast`; the
author gets an ``ack``. No storage, no checks, no rebase: the floor of what one Python
process can do with the same frames.

Run: ``python bench/fanout_relay.py --port 8765 [--text FILE]``. Compression
(permessage-deflate) is on when the client offers it, as with uvicorn.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

KEY_SPAN = 10**9  # as in fanout_load: the editor number is the edit key // KEY_SPAN


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


class Relay:
    def __init__(self, text: str) -> None:
        self.text = text
        self.revision = 0
        self.clients: set[ServerConnection] = set()

    async def handler(self, websocket: ServerConnection) -> None:
        try:
            join = json.loads(await asyncio.wait_for(websocket.recv(), 30))
        except (TimeoutError, ConnectionClosed, ValueError):
            return
        if not isinstance(join, dict) or join.get("type") != "join":
            return
        await websocket.send(
            encode(
                {
                    "type": "welcome",
                    "protocol": 1,
                    "document": join.get("document"),
                    "revision": self.revision,
                    "text": self.text,
                    "brackets": [],
                    "presence": [],
                    "committed": {},
                }
            )
        )
        self.clients.add(websocket)
        try:
            async for raw in websocket:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "edit":
                    await self.edit(websocket, message)
                elif kind == "ping":
                    await websocket.send(encode({"type": "pong", "nonce": message.get("nonce")}))
        except ConnectionClosed:
            pass
        finally:
            self.clients.discard(websocket)

    async def edit(self, author: ServerConnection, message: dict[str, Any]) -> None:
        self.revision += 1
        edit_id = str(message.get("id"))
        editor = _editor_of(edit_id)
        frame = encode(
            {
                "type": "edits",
                "edits": [
                    {
                        "revision": self.revision,
                        "id": edit_id,
                        "author": {"id": 100 + editor, "name": f"Bench Editor {editor + 1:02d}"},
                        "delegation": "XXX",
                        "changes": message.get("changes"),
                        "conflicts": [],
                    }
                ],
            }
        )
        broadcast([c for c in self.clients if c is not author], frame)
        await author.send(
            encode({"type": "ack", "id": edit_id, "revision": self.revision, "duplicate": False})
        )


def _editor_of(edit_id: str) -> int:
    try:
        return int(edit_id[1:]) // KEY_SPAN
    except ValueError:
        return 0


async def run(port: int, text: str) -> None:
    relay = Relay(text)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(
        relay.handler,
        "127.0.0.1",
        port,
        max_size=256 * 1024,
    ):
        print(f"relay listening on 127.0.0.1:{port}", flush=True)
        await stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--text", type=Path, help="the document's text (UTF-8)")
    args = parser.parse_args()
    text = args.text.read_text(encoding="utf-8") if args.text else ""
    try:
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(run(args.port, text))


if __name__ == "__main__":
    main()
