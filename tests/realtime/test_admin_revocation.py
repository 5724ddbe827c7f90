"""Administrative changes reach open websocket connections at once (real server)."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest
import websockets

from app.client import login
from tests.realtime.test_live_basics import _next_of, _raw
from tests.server import ServerProcess


def _call(server: ServerProcess, token: str, method: str, path: str) -> object:
    request = urllib.request.Request(
        server.url + path, method=method, headers={"Cookie": f"accord_session={token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


async def _api(server: ServerProcess, token: str, method: str, path: str) -> object:
    return await asyncio.to_thread(_call, server, token, method, path)


async def test_deactivation_closes_the_users_open_connection(server: ServerProcess) -> None:
    china = await _raw(server, "wang.lei")
    france = await _raw(server, "camille.bernard")
    try:
        admin = await login(server.url, "amara.diallo", "accord-demo")
        users = await _api(server, admin, "GET", "/api/admin/users")
        assert isinstance(users, list)
        wang = next(u["id"] for u in users if u["username"] == "wang.lei")

        deactivated = await _api(server, admin, "POST", f"/api/admin/users/{wang}/deactivate")
        assert isinstance(deactivated, dict) and deactivated["is_active"] is False

        frame = await _next_of(china, "error")
        assert frame["code"] == "forbidden" and frame["fatal"] is True
        with pytest.raises(websockets.ConnectionClosed) as closed:
            async with asyncio.timeout(10):
                while True:
                    await china.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403

        # Others in the same document keep working.
        await france.send(json.dumps({"type": "ping", "nonce": 3}))
        assert (await _next_of(france, "pong"))["nonce"] == 3
    finally:
        await china.close()
        await france.close()
