from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.api.types import SafeStr
from app.documents.models import DocumentKind
from app.documents.schemas import BracketCounts


class ProposalIn(BaseModel):
    """One proposal: a delegation's (with co-sponsors) or a regional group's common
    proposal (with its signatories), marked as ITU proposals are."""

    proposer: SafeStr = Field(min_length=2, max_length=10, description="EGY, or ATU")
    signatories: list[SafeStr] = Field(default_factory=list, max_length=200)
    action: Literal["ADD", "MOD", "SUP", "NOC"]
    text: SafeStr = ""
    reasons: SafeStr = Field(default="", max_length=20_000)


class CompilationCreate(BaseModel):
    symbol: SafeStr = Field(min_length=1, max_length=80)
    title: SafeStr = Field(min_length=1, max_length=500)
    kind: DocumentKind = DocumentKind.resolution
    base_document_id: int | None = None
    base_version: str = Field(default="current", max_length=40)
    base_text: SafeStr | None = None
    base_label: SafeStr | None = Field(default=None, max_length=200)
    proposals: list[ProposalIn] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def one_base(self) -> CompilationCreate:
        if self.base_document_id is not None and self.base_text is not None:
            raise ValueError("give base_document_id or base_text, not both")
        return self


class PlaceRead(BaseModel):
    """Where proposals differ: one bracket per wording (two or more form a group)."""

    bracket_ids: list[str]
    wordings: list[str]
    proposers: list[list[str]]  # per wording
    omitted_by: list[str]  # proposers of no text here


class CompilationRead(BaseModel):
    document_id: int
    symbol: str
    text: str
    coarse: bool
    places: list[PlaceRead]


class ImportDiagnostic(BaseModel):
    line: int
    column: int
    kind: str
    message: str


class ImportRead(BaseModel):
    document_id: int
    revision: int
    format: Literal["txt", "md", "docx"]
    changed: bool
    warnings: list[str]
    counts: BracketCounts
    diagnostics: list[ImportDiagnostic]


class OpenPlace(BaseModel):
    kind: str
    line: int
    column: int
    excerpt: str
    bracket_id: str | None = None


class AgreementRead(BaseModel):
    """Whether the text is agreed, and if not, every open place."""

    document_id: int
    revision: int
    agreed: bool
    brackets: int
    open: list[OpenPlace]
