"""Real uvicorn servers on loopback, in their own processes, for realtime tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    data_dir: Path
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    _log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        self._close_log()
        self._log = open(self.data_dir / f"server-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/api/health", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not start: {self.log_text()[-3000:]}")

    def log_text(self) -> str:
        path = self.data_dir / f"server-{self.port}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what was committed must survive."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()
        self._close_log()


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env.update(
        {
            "ACCORD_DATA_DIR": str(data_dir),
            "ACCORD_ENVIRONMENT": "test",
            "ACCORD_SECRET_KEY": "test-secret-key-0123456789",
            "ACCORD_LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra)
    return env


async def converged(clients: list[Any], within: float = 30.0) -> None:
    """Wait until every live client is settled at the same revision."""
    import asyncio

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        revisions = {c.revision for c in clients}
        if len(revisions) == 1 and all(c.state.is_settled for c in clients):
            return
        await asyncio.sleep(0.02)
    states = [(c.revision, c.state.is_settled) for c in clients]
    raise AssertionError(f"clients did not converge: {states}")
