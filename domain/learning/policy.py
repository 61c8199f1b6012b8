"""Who runs Task and Finish Groups, who records their learning, and who sees it.

- The QA Lead, the PSW, the AED and the DCS set up a group for any service or for the whole
  authority; a Head of Service sets one up for their own service. The same people close it
  and record its learning, and so does the group's chair (whatever their role).
- A group, and the learning recorded in it, is seen by the staff of its service: whoever
  holds a role for that service, for one of its teams, or works in one of its teams, and
  whoever holds a role for the whole authority (except the administrator, whose role gives
  no sight of practice by itself); a group for the whole authority by everyone on staff. Its
  chair and whoever set it up always see it. Partner-agency members see none: their part is
  the multi-agency audits they take part in.

`visible_groups` is the SQL filter every list, read and count goes through, including the
learning points listed across audits and groups (`domain/audits/service.py`).
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, false, or_, select, true

from domain.core.errors import NotAllowed
from domain.core.roles import Actor, Role, ScopeType
from domain.learning.models import TaskAndFinishGroup
from domain.people.models import Team

# Set up groups for any service or for the whole authority.
AUTHORITY_LEADS = frozenset(
    {
        Role.QA_LEAD,
        Role.PRINCIPAL_SOCIAL_WORKER,
        Role.ASSISTANT_EXECUTIVE_DIRECTOR,
        Role.DIRECTOR_OF_CHILDRENS_SERVICES,
    }
)


def _leads_everywhere(actor: Actor) -> bool:
    return actor.is_system or actor.has_role(*AUTHORITY_LEADS)


def _headed_services(actor: Actor) -> set[uuid.UUID]:
    return {
        g.service_id
        for g in actor.grants
        if g.role is Role.HEAD_OF_SERVICE and g.scope is ScopeType.SERVICE and g.service_id
    }


def may_run(actor: Actor, service_id: uuid.UUID | None) -> bool:
    """Sets up, closes and records in groups of this service (None: the whole authority)."""
    return _leads_everywhere(actor) or (
        service_id is not None and service_id in _headed_services(actor)
    )


def check_can_create(actor: Actor, service_id: uuid.UUID | None) -> None:
    if not may_run(actor, service_id):
        raise NotAllowed(
            "The QA Lead, the PSW, the AED, the DCS, or the Head of Service of the service "
            "concerned sets up a Task and Finish Group.",
            field="serviceId",
        )


def check_can_run(actor: Actor, group: TaskAndFinishGroup) -> None:
    """Closing a group and recording its learning: those who may set it up, and its chair."""
    if actor.person_id is not None and actor.person_id == group.chair_id:
        return
    if not may_run(actor, group.service_id):
        raise NotAllowed(
            "The group's chair, the QA Lead, the PSW, the AED, the DCS or the group's Head of "
            "Service records its learning and closes it."
        )


def visible_groups(actor: Actor) -> ColumnElement[bool]:
    """The SQL filter for the groups (and so the group learning) the actor may see."""
    if actor.is_system:
        return true()
    staff = [g for g in actor.grants if g.role is not Role.PARTNER_AGENCY_MEMBER]
    if not staff:
        return false()
    practice = [g for g in staff if g.role is not Role.ADMINISTRATOR]
    if any(g.scope is ScopeType.AUTHORITY for g in practice):
        return true()
    conditions: list[ColumnElement[bool]] = [TaskAndFinishGroup.service_id.is_(None)]
    if actor.person_id is not None:
        conditions += [
            TaskAndFinishGroup.chair_id == actor.person_id,
            TaskAndFinishGroup.created_by_id == actor.person_id,
        ]
    services = {g.service_id for g in practice if g.scope is ScopeType.SERVICE and g.service_id}
    teams = {g.team_id for g in practice if g.scope is ScopeType.TEAM and g.team_id}
    if actor.team_id is not None and practice:
        teams.add(actor.team_id)
    if services:
        conditions.append(TaskAndFinishGroup.service_id.in_(services))
    if teams:
        conditions.append(
            TaskAndFinishGroup.service_id.in_(select(Team.service_id).where(Team.id.in_(teams)))
        )
    return or_(*conditions)
