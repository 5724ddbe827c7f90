"""Typed dependency aliases shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.auth.service import principal_for_token
from app.config import Settings
from app.db.session import transaction
from app.errors import NotAuthenticated


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns normally."""
    with request.app.state.session_factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
# scope="function": the commit happens before the response is sent, so a client that
# got an answer can rely on what it changed.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]


def get_current_user(request: Request, settings: SettingsDep) -> Principal:
    # A transaction of its own, closed at once: handlers that wait on a document's
    # writer must not hold the database (on SQLite every transaction takes the lock).
    token = request.cookies.get(settings.session_cookie)
    principal = None
    if token:
        with transaction(request.app.state.session_factory) as db:
            principal = principal_for_token(db, token)
    if principal is None:
        raise NotAuthenticated("sign in first")
    return principal


CurrentUser = Annotated[Principal, Depends(get_current_user)]
