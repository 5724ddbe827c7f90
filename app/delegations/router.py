from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import CurrentUser, SessionDep
from app.delegations import service
from app.delegations.schemas import DelegationRead

router = APIRouter(prefix="/api", tags=["delegations"])


@router.get("/conferences/{conference_id}/delegations", response_model=list[DelegationRead])
def list_delegations(conference_id: int, user: CurrentUser, db: SessionDep) -> list[DelegationRead]:
    return [DelegationRead.model_validate(d) for d in service.delegations(db, user, conference_id)]
