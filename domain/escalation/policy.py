"""Who sees an Inadequate process and who records each of its steps.

- Seeing: whoever may see the audit it started from (the QA Lead and roles for the whole
  authority, the Head of Service and managers of the team's service or team, the auditor, the
  practitioner and their supervisor), and the Head of Service it was brought to.
- Moderation is the QA Lead's (not the auditor's: nobody moderates their own audit), through
  `moderateAudit`.
- The assurance and the exception report are the responsible Head of Service's: the one the
  process was brought to, and no one else.
- The review of the practitioner's other cases is the Head of Service's or the Team Manager's
  (a Team Manager of the audit's team, or the practitioner's line manager).
- The monthly reviews in supervision are the practitioner's supervisor's: their line manager,
  or a Team Manager or Assistant Team Manager of the team.
- The desk-top audit is the QA Lead's, as an audit of its own.
Administrators and partner-agency members see none by those roles alone.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, or_, select, true

from domain.audits.models import Audit
from domain.audits.policy import sees_everything, visible_audits
from domain.core.errors import NotAllowed
from domain.core.roles import Actor, Role, ScopeType
from domain.escalation.models import InadequateEscalation


def visible_escalations(actor: Actor) -> ColumnElement[bool]:
    """The SQL filter every read of escalations goes through."""
    if sees_everything(actor):
        return true()
    seen_audits = select(Audit.id).where(visible_audits(actor))
    conditions: list[ColumnElement[bool]] = [InadequateEscalation.audit_id.in_(seen_audits)]
    if actor.person_id is not None:
        conditions.append(InadequateEscalation.head_of_service_id == actor.person_id)
    return or_(*conditions)


def _manages_team(actor: Actor, team_id: uuid.UUID | None, *roles: Role) -> bool:
    return team_id is not None and any(
        g.role in roles and g.scope is ScopeType.TEAM and g.team_id == team_id for g in actor.grants
    )


def check_is_head_of_service(actor: Actor, escalation: InadequateEscalation, what: str) -> None:
    if actor.is_system:
        return
    if actor.person_id is None or actor.person_id != escalation.head_of_service_id:
        raise NotAllowed(f"Only the Head of Service this Inadequate audit was brought to {what}.")


def _is_reviewer(
    actor: Actor, escalation: InadequateEscalation, named: set[uuid.UUID | None], *roles: Role
) -> bool:
    """Anyone but the practitioner themselves who is one of `named`, or holds one of `roles`
    for the process's team."""
    me = actor.person_id
    return (
        me is not None
        and me != escalation.practitioner_id
        and (me in named or _manages_team(actor, escalation.team_id, *roles))
    )


def check_can_review_other_cases(
    actor: Actor, escalation: InadequateEscalation, practitioner_manager_id: uuid.UUID | None
) -> None:
    if actor.is_system or _is_reviewer(
        actor,
        escalation,
        {escalation.head_of_service_id, practitioner_manager_id},
        Role.TEAM_MANAGER,
    ):
        return
    raise NotAllowed(
        "The Head of Service or the Team Manager reviews the practitioner's other cases."
    )


def check_can_review_in_supervision(
    actor: Actor, escalation: InadequateEscalation, supervisor_id: uuid.UUID | None
) -> None:
    if actor.is_system or _is_reviewer(
        actor, escalation, {supervisor_id}, Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER
    ):
        return
    raise NotAllowed("The practitioner's supervisor records the reviews in supervision.")
