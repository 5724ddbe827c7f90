from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.server import ServerProcess, free_port, server_env


@pytest.fixture
def server_factory(tmp_path: Path, seeded_template: Path) -> Iterator[Callable[..., ServerProcess]]:
    shutil.copy(seeded_template, tmp_path / "accord.db")
    started: list[ServerProcess] = []

    class Factory(ServerProcess):
        def __init__(self, **extra: str) -> None:
            port = free_port()
            origins = f'["http://127.0.0.1:{port}"]'
            env = server_env(tmp_path, ACCORD_ALLOWED_ORIGINS=origins, **extra)
            super().__init__(tmp_path, port, env)
            started.append(self)

    yield Factory
    for server in started:
        server.stop()


@pytest.fixture
def server(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    instance = server_factory()
    instance.start()
    return instance
