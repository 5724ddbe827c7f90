from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import CurrentUser, SessionDep
from app.conferences import service
from app.conferences.schemas import ConferenceRead, RegionalGroupRead, WorkingGroupRead

router = APIRouter(prefix="/api", tags=["conferences"])


@router.get("/conferences", response_model=list[ConferenceRead])
def list_conferences(user: CurrentUser, db: SessionDep) -> list[ConferenceRead]:
    return [ConferenceRead.model_validate(c) for c in service.visible_conferences(db, user)]


@router.get("/conferences/{conference_id}", response_model=ConferenceRead)
def read_conference(conference_id: int, user: CurrentUser, db: SessionDep) -> ConferenceRead:
    return ConferenceRead.model_validate(service.get_conference(db, user, conference_id))


@router.get("/conferences/{conference_id}/working-groups", response_model=list[WorkingGroupRead])
def list_working_groups(
    conference_id: int, user: CurrentUser, db: SessionDep
) -> list[WorkingGroupRead]:
    return service.working_groups(db, user, conference_id)


@router.get("/regional-groups", response_model=list[RegionalGroupRead])
def list_regional_groups(user: CurrentUser, db: SessionDep) -> list[RegionalGroupRead]:
    return [RegionalGroupRead.model_validate(g) for g in service.regional_groups(db)]
