"""Who sees the compliments and complaints register and who records in it.

- The QA Lead and the roles for the whole authority that oversee the service (the DCS and the
  AED) see and record every record.
- A Head of Service or Group Manager held for a service sees and records that service's
  records (a Group Manager held for a team, that team's).
- A Team Manager sees their team's records (and records nothing: the response is the
  service's, owed by its Head of Service or a named responder).
- The named responder of a complaint sees it and records its steps.
- Practitioners, administrators, partner-agency members and every other role see none: a
  complaint is about the service, and an administrator sees no case content.

`visible_feedback` is the SQL filter every list and read goes through; trends are counted
through it too, so a manager's counts are of their scope only.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, false, or_, true

from domain.core.errors import NotAllowed
from domain.core.roles import Actor, Role, ScopeType
from domain.feedback.models import FeedbackRecord

AUTHORITY_ROLES = frozenset(
    {Role.DIRECTOR_OF_CHILDRENS_SERVICES, Role.ASSISTANT_EXECUTIVE_DIRECTOR}
)
SERVICE_RECORDERS = frozenset({Role.HEAD_OF_SERVICE, Role.GROUP_MANAGER})
TEAM_READERS = frozenset({Role.TEAM_MANAGER})


def sees_all(actor: Actor) -> bool:
    return actor.is_system or any(
        g.role is Role.QA_LEAD or (g.role in AUTHORITY_ROLES and g.scope is ScopeType.AUTHORITY)
        for g in actor.grants
    )


def _recorded_services(actor: Actor) -> set[uuid.UUID]:
    return {
        g.service_id
        for g in actor.grants
        if g.role in SERVICE_RECORDERS and g.scope is ScopeType.SERVICE and g.service_id
    }


def _recorded_teams(actor: Actor) -> set[uuid.UUID]:
    return {
        g.team_id
        for g in actor.grants
        if g.role in SERVICE_RECORDERS and g.scope is ScopeType.TEAM and g.team_id
    }


def _read_teams(actor: Actor) -> set[uuid.UUID]:
    return _recorded_teams(actor) | {
        g.team_id
        for g in actor.grants
        if g.role in TEAM_READERS and g.scope is ScopeType.TEAM and g.team_id
    }


def reads_register(actor: Actor) -> bool:
    """Holds a role that sees some part of the register (not counting being a responder)."""
    return sees_all(actor) or bool(_recorded_services(actor) or _read_teams(actor))


def visible_feedback(actor: Actor) -> ColumnElement[bool]:
    """The SQL filter every read of the register goes through."""
    if sees_all(actor):
        return true()
    conditions: list[ColumnElement[bool]] = []
    if services := _recorded_services(actor):
        conditions.append(FeedbackRecord.service_id.in_(services))
    if teams := _read_teams(actor):
        conditions.append(FeedbackRecord.team_id.in_(teams))
    if actor.person_id is not None:
        conditions.append(FeedbackRecord.responder_id == actor.person_id)
    return or_(*conditions) if conditions else false()


def may_record_about(actor: Actor, service_id: uuid.UUID, team_id: uuid.UUID | None) -> bool:
    return (
        sees_all(actor)
        or service_id in _recorded_services(actor)
        or (team_id is not None and team_id in _recorded_teams(actor))
    )


def check_can_record(actor: Actor, service_id: uuid.UUID, team_id: uuid.UUID | None) -> None:
    if not may_record_about(actor, service_id, team_id):
        raise NotAllowed(
            "The QA Lead, the DCS, the AED, and the Head of Service or Group Manager of the "
            "service concerned record compliments and complaints."
        )


def check_can_act_on(actor: Actor, record: FeedbackRecord) -> None:
    """A complaint's steps: whoever may record about its service, and its named responder."""
    if actor.person_id is not None and actor.person_id == record.responder_id:
        return
    if not may_record_about(actor, record.service_id, record.team_id):
        raise NotAllowed(
            "The complaint's responder, its service's Head of Service or Group Manager, the "
            "QA Lead, the DCS or the AED records its steps."
        )


def check_can_read_trends(actor: Actor) -> None:
    if not reads_register(actor):
        raise NotAllowed(
            "Compliments and complaints trends are for the QA Lead, the DCS, the AED, and "
            "managers of the services and teams concerned."
        )
