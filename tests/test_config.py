from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import DEFAULT_SECRET, Settings


def test_default_secret_is_refused_outside_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACCORD_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="ACCORD_SECRET_KEY"):
        Settings(environment="production", demo_mode=False)


def test_default_secret_is_allowed_in_demo_mode() -> None:
    settings = Settings(demo_mode=True)
    assert settings.secret_key.get_secret_value() == DEFAULT_SECRET


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="16 characters"):
        Settings(secret_key="short")


def test_sqlite_file_under_data_dir_by_default(tmp_path: Path) -> None:
    settings = Settings(demo_mode=True, data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve() / 'accord.db'}"


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCORD_MAX_DOCUMENT_CHARS", "1234")
    monkeypatch.setenv("ACCORD_ALLOWED_ORIGINS", '["https://accord.example.org"]')
    settings = Settings(demo_mode=True)
    assert settings.max_document_chars == 1234
    assert settings.allowed_origins == ["https://accord.example.org"]
