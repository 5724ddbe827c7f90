from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from app.conferences.schemas import RegionalGroupRead


class DelegationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    conference_id: int
    country_code: str
    name: str
    regional_groups: list[RegionalGroupRead]
