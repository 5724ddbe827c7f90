from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from app.conferences.models import GroupKind


class ConferenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    city: str
    starts_on: date | None
    ends_on: date | None


class OfficerRead(BaseModel):
    user_id: int
    display_name: str
    role: str


class WorkingGroupRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    conference_id: int
    parent_id: int | None
    code: str
    name: str
    kind: GroupKind
    officers: list[OfficerRead] = []


class RegionalGroupRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
