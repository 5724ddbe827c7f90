"""Signing in over HTTP with the standard library (no extra dependency)."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from http.cookies import SimpleCookie

SESSION_COOKIE = "accord_session"


class LoginFailed(Exception):
    pass


def login_sync(base_url: str, username: str, password: str) -> str:
    """The session token for these credentials."""
    body = json.dumps({"username": username, "password": password}).encode()
    if not base_url.startswith(("http://", "https://")):
        raise ValueError("base_url must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        base_url.rstrip("/") + "/api/login",
        data=body,
        method="POST",
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            cookies = SimpleCookie()
            for header in response.headers.get_all("set-cookie") or []:
                cookies.load(header)
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        raise LoginFailed(f"login refused ({exc.code}): {detail}") from None
    if SESSION_COOKIE not in cookies:
        raise LoginFailed("the server set no session cookie")
    return cookies[SESSION_COOKIE].value


async def login(base_url: str, username: str, password: str) -> str:
    return await asyncio.to_thread(login_sync, base_url, username, password)
