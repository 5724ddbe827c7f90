from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.types import SafeStr
from app.brackets.models import ResolutionAction, SponsorRole, Stance


class ProposalCreate(BaseModel):
    """Propose other wording for a span (UTF-16 offsets in the text at ``revision``).
    An empty span proposes new text at that point."""

    revision: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: SafeStr = Field(min_length=1, max_length=20_000)
    cosponsors: list[str] = Field(default_factory=list, max_length=200)
    regional_group: str | None = Field(default=None, max_length=10)


class AlternativeCreate(BaseModel):
    text: SafeStr = Field(min_length=1, max_length=20_000)
    cosponsors: list[str] = Field(default_factory=list, max_length=200)
    regional_group: str | None = Field(default=None, max_length=10)


class PositionSet(BaseModel):
    stance: Stance
    note: SafeStr = Field(default="", max_length=5_000)


class ResolutionCreate(BaseModel):
    action: Literal["keep_alternative", "delete", "keep"]
    alternative: str | None = None  # the bracket id kept, for keep_alternative


class SponsorRead(BaseModel):
    delegation: str
    role: SponsorRole
    regional_group: str | None
    withdrawn: bool


class PositionRead(BaseModel):
    delegation: str
    stance: Stance
    note: str
    wording: str
    stale: bool  # given for an earlier wording
    user: str | None
    at: datetime


class PositionHistoryRead(BaseModel):
    delegation: str
    stance: Stance
    note: str
    wording: str
    user: str | None
    at: datetime


class RegionTally(BaseModel):
    regional_group: str
    support: list[str] = []
    oppose: list[str] = []
    reservation: list[str] = []


class AlternativeTally(BaseModel):
    id: str
    label: str | None
    wording: str
    open: int  # UTF-16
    close: int
    origin: str
    sponsors: list[SponsorRead]
    positions: list[PositionRead]
    by_region: list[RegionTally]
    support: int
    oppose: int
    reservation: int
    stale: int
    agreeable: bool  # support and no opposition, for the current wording


class BracketPlace(BaseModel):
    """A lone optional bracket, or a group of alternatives."""

    id: str  # the first bracket's id
    kind: Literal["optional", "alternatives"]
    depth: int
    line: int
    alternatives: list[AlternativeTally]


class ProposalRead(BaseModel):
    group: str
    alternatives: list[str]
    proposal: str
    revision: int


class ResolutionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    bracket_id: str
    action: ResolutionAction
    chosen_bracket_id: str | None
    revision: int
    text_before: str
    reopened_at: datetime | None
    created_at: datetime


class CountPoint(BaseModel):
    revision: int
    at: datetime
    brackets: int
    groups: int
    options: int


class DocumentCounts(BaseModel):
    document_id: int
    symbol: str
    points: list[CountPoint]
