from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.api.types import SafeStr
from app.documents.models import DocumentKind


class BracketCounts(BaseModel):
    brackets: int
    groups: int
    options: int
    unmatched_open: int
    unmatched_close: int
    max_depth: int
    diagnostics: int


class DocumentSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    working_group_id: int
    symbol: str
    title: str
    kind: DocumentKind
    revision: int
    updated_at: datetime
    counts: BracketCounts | None = None


class DocumentRead(DocumentSummary):
    text: str
    can_edit: bool = False


class DocumentCreate(BaseModel):
    symbol: SafeStr = Field(min_length=1, max_length=80)
    title: SafeStr = Field(min_length=1, max_length=500)
    kind: DocumentKind = DocumentKind.resolution
    text: SafeStr = ""
