from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.api.deps import CurrentUser, SessionDep, SettingsDep
from app.auth import service
from app.auth.schemas import LoginRequest, UserRead

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/login", response_model=UserRead)
def login(
    body: LoginRequest, response: Response, db: SessionDep, settings: SettingsDep
) -> UserRead:
    user = service.authenticate(db, body.username, body.password)
    token = service.start_session(db, user, settings.session_max_age_s)
    response.set_cookie(
        settings.session_cookie,
        token,
        max_age=settings.session_max_age_s,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/",
    )
    return UserRead.model_validate(service.get_user(db, user.id))


@router.post("/logout", status_code=204)
def logout(request: Request, response: Response, db: SessionDep, settings: SettingsDep) -> None:
    token = request.cookies.get(settings.session_cookie)
    if token:
        service.end_session(db, token)
    response.delete_cookie(settings.session_cookie, path="/", httponly=True, samesite="strict")


@router.get("/me", response_model=UserRead)
def me(user: CurrentUser, db: SessionDep) -> UserRead:
    return UserRead.model_validate(service.get_user(db, user.user_id))
