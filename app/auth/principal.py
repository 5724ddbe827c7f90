"""Who is acting, with roles resolved from server-side state. Checked on every request
and every websocket message, never cached beyond one unit of work."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.models import RoleName

CHAIR_ROLES = frozenset({RoleName.chair, RoleName.vice_chair})


@dataclass(frozen=True, slots=True)
class RoleGrant:
    role: RoleName
    conference_id: int | None  # None: every conference
    working_group_id: int | None


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    delegation_id: int | None
    delegation_conference_id: int | None
    delegation_code: str | None
    grants: tuple[RoleGrant, ...]

    def has_role(self, role: RoleName, conference_id: int) -> bool:
        return any(g.role == role and g.conference_id in (None, conference_id) for g in self.grants)

    def is_secretariat(self, conference_id: int) -> bool:
        return self.has_role(RoleName.secretariat, conference_id)

    def is_global_secretariat(self) -> bool:
        return any(g.role == RoleName.secretariat and g.conference_id is None for g in self.grants)

    def chairs(self, working_group_id: int) -> bool:
        """Chair or vice-chair of this working group."""
        return any(
            g.role in CHAIR_ROLES and g.working_group_id == working_group_id for g in self.grants
        )

    def conference_ids(self) -> set[int] | None:
        """Conferences this user takes part in; None means all (global secretariat)."""
        if self.is_global_secretariat():
            return None
        ids = {g.conference_id for g in self.grants if g.conference_id is not None}
        if self.delegation_conference_id is not None:
            ids.add(self.delegation_conference_id)
        return ids

    def can_read_conference(self, conference_id: int) -> bool:
        ids = self.conference_ids()
        return ids is None or conference_id in ids

    def can_edit(self, conference_id: int, working_group_id: int) -> bool:
        """Edit draft text: the WG's chairs, the secretariat, and delegates of a delegation
        at this conference. Observers only watch."""
        if self.chairs(working_group_id) or self.is_secretariat(conference_id):
            return True
        return self.delegation_conference_id == conference_id and self.has_role(
            RoleName.delegate, conference_id
        )
