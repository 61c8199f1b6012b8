"""Who may see a child's record.

A role held for the whole authority (the Director, the QA Lead, an IRO…) sees every child; a
role held for a service sees the children of that service's teams; a role held for a team
sees that team's children; a practitioner always sees the children allocated to them, and an
auditor the children of the audits allocated to them.
An administrator or a partner-agency member sees none by that role alone.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from domain.audits.kinds import AuditStatus
from domain.audits.models import Audit
from domain.children.models import Child
from domain.people.models import Team
from domain.people.roles import Actor, ScopeType


def visible_children(actor: Actor) -> ColumnElement[bool]:
    if actor.is_system:
        return true()
    grants = actor.case_grants
    if any(g.scope is ScopeType.AUTHORITY for g in grants):
        return true()
    team_ids = {g.team_id for g in grants if g.scope is ScopeType.TEAM and g.team_id}
    service_ids = {g.service_id for g in grants if g.scope is ScopeType.SERVICE and g.service_id}
    conditions: list[ColumnElement[bool]] = []
    if team_ids:
        conditions.append(Child.team_id.in_(team_ids))
    if service_ids:
        conditions.append(
            Child.team_id.in_(select(Team.id).where(Team.service_id.in_(service_ids)))
        )
    if grants and actor.person_id is not None:
        conditions.append(Child.allocated_practitioner_id == actor.person_id)
        conditions.append(
            Child.id.in_(
                select(Audit.child_id).where(
                    Audit.auditor_id == actor.person_id, Audit.status != AuditStatus.CANCELLED
                )
            )
        )
    return or_(*conditions) if conditions else false()
