from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class LockCreate(BaseModel):
    """Lock the paragraphs a range touches (UTF-16 offsets in the text at ``revision``)."""

    revision: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class LockRead(BaseModel):
    id: int
    start: int  # UTF-16, in the text at ``revision``
    end: int
    text: str
    revision: int  # the revision the offsets are given at
    locked_revision: int
    locked_by: int | None
    created_at: datetime
    released: bool = False
