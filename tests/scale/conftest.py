"""PostgreSQL + Redis: several server processes sharing one database and one broker."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.server import ServerProcess, free_port, server_env

PG_ADMIN_URL = os.environ.get("ACCORD_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("ACCORD_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _unavailable(reason: str) -> None:
    if os.environ.get("ACCORD_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (ACCORD_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database, migrated and seeded, dropped afterwards."""
    import psycopg

    name = f"accord_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        _unavailable(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = f"{url}/{name}"
    _migrate_and_seed(url)
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate_and_seed(url: str) -> None:
    from app.db.migrate import upgrade
    from app.db.session import make_engine, make_session_factory, transaction
    from app.demo.seed import seed_demo

    upgrade(url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as db:
        seed_demo(db)
    engine.dispose()


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


@pytest.fixture
def cluster(
    tmp_path: Path, pg_url: str, redis_url: str
) -> Iterator[Callable[..., list[ServerProcess]]]:
    """Start n server processes on one database and one Redis, with a private prefix."""
    started: list[ServerProcess] = []
    prefix = f"accord-test-{uuid.uuid4().hex[:8]}"

    def start(n: int, *, isolated: bool = False) -> list[ServerProcess]:
        ports = [free_port() for _ in range(n)]
        origins = "[" + ",".join(f'"http://127.0.0.1:{p}"' for p in ports) + "]"
        for port in ports:
            env = server_env(
                tmp_path,
                ACCORD_DATABASE_URL=pg_url,
                ACCORD_REDIS_URL=redis_url,
                ACCORD_CHANNEL_PREFIX=f"{prefix}-{port}" if isolated else prefix,
                ACCORD_ALLOWED_ORIGINS=origins,
            )
            server = ServerProcess(tmp_path, port, env)
            started.append(server)
            server.start()
        return started[-n:]

    yield start
    for server in started:
        server.stop()
