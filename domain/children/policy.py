"""Who may see a child's record.

A role held for the whole authority (the Director, the QA Lead, an IRO…) sees every child; a
role held for a service sees the children of that service's teams; a role held for a team
sees that team's children; a practitioner always sees the children allocated to them, and an
auditor the children of the audits allocated to them.
An administrator or a partner-agency member sees none by that role alone.

A case reference, and anything else that identifies a child or carries case content, is
child-linked wherever it appears (a nested field, a list inside another record, history, a
download, a report, an email) and goes through this same rule: `visible_children` in SQL for
lists, `case_reference_for` for one child named in a message to one person.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

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


def names_visible_case(actor: Actor, record: Any) -> ColumnElement[bool]:
    """For a JSON record (history's `changes`) that may name a case by `case_reference`: true
    when it names none, or one of a child `actor` may see."""
    named = record["case_reference"].astext
    return or_(
        named.is_(None),
        named.in_(select(Child.case_reference).where(visible_children(actor))),
    )


async def sees_child(session: AsyncSession, actor: Actor, child_id: uuid.UUID) -> bool:
    """Whether `actor` may see this one child: the list's own SQL filter, for one id."""
    found = await session.scalar(
        select(Child.id).where(Child.id == child_id, visible_children(actor))
    )
    return found is not None


async def case_reference_for(
    session: AsyncSession, actor: Actor, child_id: uuid.UUID | None
) -> str | None:
    """The child's case reference if `actor` may see the child; None otherwise (or when
    there is no child), for a message to one person that must not name a child they may not
    see."""
    if child_id is None:
        return None
    ref: str | None = await session.scalar(
        select(Child.case_reference).where(Child.id == child_id, visible_children(actor))
    )
    return ref
