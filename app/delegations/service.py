from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.auth.principal import Principal
from app.conferences.service import get_conference
from app.delegations.models import Delegation


def delegations(db: Session, who: Principal, conference_id: int) -> Sequence[Delegation]:
    get_conference(db, who, conference_id)
    return db.scalars(
        select(Delegation)
        .where(Delegation.conference_id == conference_id)
        .options(selectinload(Delegation.regional_groups))
        .order_by(Delegation.name)
    ).all()
