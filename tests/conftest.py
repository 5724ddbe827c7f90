"""Shared fixtures: a migrated (and seeded) SQLite template copied for each test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.migrate import upgrade
from app.db.session import make_engine, make_session_factory, transaction
from app.demo.seed import seed_demo
from app.main import create_app

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "environment": "test",
        "secret_key": "test-secret-key-0123456789",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once: ``alembic upgrade head`` then the demo seed."""
    path = tmp_path_factory.mktemp("template") / "accord.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as db:
        seed_demo(db)
    engine.dispose()
    return path


@pytest.fixture
def settings(tmp_path: Path, seeded_template: Path) -> Settings:
    shutil.copy(seeded_template, tmp_path / "accord.db")
    return make_settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


@pytest.fixture
def db(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.resolved_database_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA} (it lives beside the repo)")
    return SHARED_DATA
