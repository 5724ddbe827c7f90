"""Reusable validated field types for request schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from app.engine.utf16 import has_lone_surrogate


def reject_unstorable(value: str) -> str:
    # JSON can carry "\ud800" or "\u0000"; neither may reach the database.
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    if has_lone_surrogate(value):
        raise ValueError("text must not contain unpaired surrogates")
    return value


SafeStr = Annotated[str, AfterValidator(reject_unstorable)]
