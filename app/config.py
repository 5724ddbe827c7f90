"""Settings, read from the environment with the ``ACCORD_`` prefix (and a ``.env`` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-accord-demo-secret"  # noqa: S105 - refused outside demo mode


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACCORD_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file accord.db in data_dir"
    )
    redis_url: str | None = None
    sqlite_synchronous: Literal["FULL", "NORMAL", "EXTRA"] = "FULL"
    channel_prefix: str = "accord"  # broker channels; separates deployments on one Redis
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    demo_mode: bool = False
    environment: Literal["development", "production", "test"] = "development"
    allowed_origins: list[str] = ["http://127.0.0.1:8000", "http://localhost:8000"]
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    log_json: bool = False

    # Sessions
    session_cookie: str = "accord_session"
    session_max_age_s: int = 12 * 3600
    invitation_max_age_s: int = 7 * 24 * 3600
    cookie_secure: bool = False

    # Limits
    max_document_chars: int = 1_000_000
    max_nesting_depth: int = 32
    max_message_bytes: int = 256 * 1024
    max_edits_per_second: float = 50.0
    edit_burst: int = 200
    diff_timeout_s: float = 0.5
    max_upload_bytes: int = 10 * 1024 * 1024
    # PDF and Word exports render in worker processes (0: in the request's thread).
    export_workers: int = 2
    export_timeout_s: float = 120.0
    login_max_length: int = 200

    # Live editing
    snapshot_every_edits: int = 200
    edit_history_window: int = 1000  # revisions an edit may lag behind and still rebase
    edit_history_chars: int = 20_000_000  # ... and the text those revisions may hold
    send_queue_frames: int = 1000  # frames queued for one client before it is cut off
    close_flush_s: float = 5.0  # time a closing connection gets to send its last frames
    coalesce_window_ms: float = 15.0  # edits arriving within this window share one frame
    max_batch_edits: int = 200
    bracket_refresh_ms: float = 250.0  # debounce of bracket re-parsing under load
    presence_interval_ms: float = 50.0
    # With several processes, a room also checks the database this often, in case a
    # broker message was lost (Redis pub/sub is at-most-once).
    follow_interval_s: float = 2.0
    room_idle_close_s: float = 30.0

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'accord.db').resolve()}"

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.secret_key.get_secret_value() == DEFAULT_SECRET and not (
            self.demo_mode or self.environment == "test"
        ):
            raise ValueError(
                "ACCORD_SECRET_KEY must be set to a random value outside demo mode "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        if len(self.secret_key.get_secret_value()) < 16:
            raise ValueError("ACCORD_SECRET_KEY must be at least 16 characters")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
