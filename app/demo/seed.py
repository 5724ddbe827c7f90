"""Seeds the demo conference into an empty database (idempotent)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import AffiliationKind, RoleName, User
from app.auth.service import create_user, grant_role
from app.conferences.models import Conference, GroupKind, RegionalGroup, WorkingGroup
from app.delegations.models import Delegation
from app.demo import fixtures
from app.documents.models import DocumentKind, DraftDocument


def seed_demo(db: Session) -> bool:
    """Create the demo conference; False when it is already there."""
    if db.scalar(select(Conference.id).where(Conference.code == fixtures.CONFERENCE.code)):
        return False
    conference = _conference(db)
    regions = _regional_groups(db)
    delegations = _delegations(db, conference, regions)
    groups = _working_groups(db, conference)
    _users(db, conference, delegations, groups)
    _documents(db, groups)
    db.flush()
    return True


def _conference(db: Session) -> Conference:
    spec = fixtures.CONFERENCE
    conference = Conference(
        code=spec.code,
        name=spec.name,
        city=spec.city,
        starts_on=spec.start_date,
        ends_on=spec.end_date,
    )
    db.add(conference)
    db.flush()
    return conference


def _regional_groups(db: Session) -> dict[str, RegionalGroup]:
    existing = {g.code: g for g in db.scalars(select(RegionalGroup))}
    for spec in fixtures.REGIONAL_GROUPS:
        if spec.code not in existing:
            existing[spec.code] = RegionalGroup(code=spec.code, name=spec.name)
            db.add(existing[spec.code])
    db.flush()
    return existing


def _delegations(
    db: Session, conference: Conference, regions: dict[str, RegionalGroup]
) -> dict[str, Delegation]:
    result = {}
    for spec in fixtures.DELEGATIONS:
        delegation = Delegation(
            conference_id=conference.id,
            country_code=spec.iso3,
            name=spec.name,
            regional_groups=[regions[c] for c in spec.regional_groups],
        )
        db.add(delegation)
        result[spec.iso3] = delegation
    db.flush()
    return result


def _working_groups(db: Session, conference: Conference) -> dict[str, WorkingGroup]:
    result = {}
    for spec in fixtures.WORKING_GROUPS:
        group = WorkingGroup(
            conference_id=conference.id,
            code=spec.code,
            name=spec.name,
            kind=GroupKind.working_group,
        )
        db.add(group)
        result[spec.code] = group
    db.flush()
    return result


def _users(
    db: Session,
    conference: Conference,
    delegations: dict[str, Delegation],
    groups: dict[str, WorkingGroup],
) -> None:
    for spec in fixtures.USERS:
        user = create_user(
            db,
            username=spec.username,
            email=spec.email,
            display_name=spec.display_name,
            password=fixtures.DEMO_PASSWORD,
            affiliation_kind=AffiliationKind(spec.affiliation_kind),
            affiliation_name=spec.affiliation_name,
            delegation=delegations[spec.delegation] if spec.delegation else None,
        )
        _grant(
            db,
            user,
            RoleName(spec.role),
            conference,
            groups[spec.working_group] if spec.working_group else None,
        )


def _grant(
    db: Session, user: User, role: RoleName, conference: Conference, group: WorkingGroup | None
) -> None:
    grant_role(
        db, user, role, conference_id=conference.id, working_group_id=group.id if group else None
    )


def _documents(db: Session, groups: dict[str, WorkingGroup]) -> None:
    for spec in fixtures.DOCUMENTS:
        db.add(
            DraftDocument(
                working_group_id=groups[spec.working_group].id,
                symbol=spec.symbol,
                title=spec.title,
                kind=DocumentKind(spec.kind),
                text=fixtures.load_text(spec.text_file),
                revision=0,
            )
        )
