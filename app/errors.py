"""One hierarchy of domain errors. Mapped once to HTTP problem details (app.api.problems)
and once to websocket error frames; services never raise HTTP exceptions."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "error"
    status = 400
    title = "Bad request"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422
    title = "Invalid input"


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401
    title = "Not authenticated"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title = "Conflict"


class TooLarge(DomainError):
    code = "too_large"
    status = 413
    title = "Too large"


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    title = "Too many requests"


class Locked(DomainError):
    code = "locked"
    status = 423
    title = "Locked"


class NotAgreed(Conflict):
    """An agreed text was asked for while brackets remain."""

    code = "not_agreed"
    title = "Not agreed"


class Unavailable(DomainError):
    """A capability this server lacks (a system library, say)."""

    code = "unavailable"
    status = 503
    title = "Unavailable"
