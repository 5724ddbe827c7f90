from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.types import SafeStr


class RevisionCreate(BaseModel):
    label: SafeStr | None = Field(default=None, min_length=1, max_length=200)


class IssuerRead(BaseModel):
    user_id: int
    display_name: str


class RevisionRead(BaseModel):
    id: int
    document_id: int
    number: int
    name: str  # e.g. "WG-PL/DT/12 Rev.2"
    label: str | None = None
    revision: int  # the document revision it froze
    created_at: datetime
    issued_by: IssuerRead | None = None


class RevisionText(RevisionRead):
    text: str


class VersionRef(BaseModel):
    """One side of a comparison."""

    ref: str  # as asked: "rev:2", "r:17" or "current"
    kind: Literal["named", "revision", "current"]
    revision: int
    number: int | None = None
    name: str | None = None


class SegmentRead(BaseModel):
    kind: Literal["equal", "insert", "delete"]
    text: str


class ComparisonCounts(BaseModel):
    inserted_words: int
    deleted_words: int


class ComparisonRead(BaseModel):
    # "from" is a Python keyword: the field is from_, the JSON key "from".
    model_config = ConfigDict(populate_by_name=True)

    document_id: int
    from_: VersionRef = Field(alias="from")
    to: VersionRef
    changed: bool
    coarse: bool  # the diff hit its time limit: still exact, but less minimal
    counts: ComparisonCounts
    segments: list[SegmentRead]
