"""What the steps of the Inadequate process share: cleaning text, recording history, who
owes what (the QA Lead, the supervisor, the AEDs), owing and discharging its obligations, and
telling people about it with the case named as each reader may see it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.audits.common import trimmed
from domain.audits.kinds import Grade
from domain.children import policy as children_policy
from domain.core.clock import Clock
from domain.core.errors import NotFound
from domain.core.roles import Actor, Role
from domain.deadlines import obligations
from domain.deadlines.calendar import end_of_day
from domain.deadlines.models import Obligation, ObligationKind, ObligationState
from domain.escalation import policy
from domain.escalation.models import (
    InadequateEscalation,
)
from domain.escalation.timeline import SUPERVISION_REVIEWS as SUPERVISION_REVIEWS
from domain.escalation.timeline import Step as Step
from domain.escalation.timeline import StepKind as StepKind
from domain.escalation.timeline import StepStatus as StepStatus
from domain.escalation.timeline import months_after as months_after
from domain.escalation.timeline import steps as steps
from domain.history import service as history
from domain.notifications.messages import tell
from domain.notifications.models import NotificationKind
from domain.people import service as people
from domain.people.models import Person, RoleGrant

SUBJECT = "InadequateEscalation"
MODERATION_WORKING_DAYS = 3  # DOMAIN.md: the framework's own number, not a policy setting
OTHER_CASES_REVIEW_WORKING_DAYS = 10  # likewise
MAX_TEXT = 10_000

K = ObligationKind


# --- helpers ---------------------------------------------------------------------------------


def clean_text(value: str | None, field: str, *, required: bool) -> str | None:
    return trimmed(
        value,
        field,
        required=required,
        at_most=MAX_TEXT,
        if_empty="Write a few words; this cannot be empty.",
    )


ORDINAL = {1: "first", 2: "second", 3: "third"}


async def record_change(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    escalation: InadequateEscalation,
    action: str,
    changes: dict[str, Any],
) -> None:
    escalation.updated_at = clock.now()
    entry = history.Change(action, SUBJECT, escalation.id, changes)
    await history.record_change(session, actor, clock, entry)


async def qa_lead_for(session: AsyncSession, auditor_id: uuid.UUID | None) -> Person | None:
    """Who owes the QA Lead's steps: a QA Lead who is not the auditor (nobody moderates their
    own audit); failing one, the AED, so that the step is owed by someone."""
    return await people.active_holder(
        session, Role.QA_LEAD, exclude=[auditor_id]
    ) or await people.active_holder(
        session, Role.ASSISTANT_EXECUTIVE_DIRECTOR, exclude=[auditor_id]
    )


async def line_manager(session: AsyncSession, person_id: uuid.UUID | None) -> uuid.UUID | None:
    if person_id is None:
        return None
    return await session.scalar(select(Person.line_manager_id).where(Person.id == person_id))


async def supervisor_of(
    session: AsyncSession, escalation: InadequateEscalation
) -> uuid.UUID | None:
    """The practitioner's supervisor: their line manager, or else a Team Manager of the
    team, or else the Head of Service."""
    manager = await line_manager(session, escalation.practitioner_id)
    if manager is not None:
        return manager
    team_manager = (
        await people.active_holder(session, Role.TEAM_MANAGER, team_id=escalation.team_id)
        if escalation.team_id is not None
        else None
    )
    return team_manager.id if team_manager is not None else escalation.head_of_service_id


def owed_for(*escalation_ids: uuid.UUID) -> ColumnElement[bool]:
    """The SQL filter of the obligations of these processes' own steps (not their desk-top
    audit's, which is the audit's)."""
    return (Obligation.subject_type == SUBJECT) & Obligation.subject_id.in_(escalation_ids)


async def owe(
    session: AsyncSession,
    clock: Clock,
    escalation: InadequateEscalation,
    kind: ObligationKind,
    owner_id: uuid.UUID | None,
    due_day: date,
    *parts: object,
) -> None:
    if owner_id is None:
        return
    await obligations.open_obligation(
        session=session,
        clock=clock,
        kind=kind,
        subject_type=SUBJECT,
        subject_id=escalation.id,
        owner_id=owner_id,
        due_at=end_of_day(due_day),
        key=obligations.obligation_key(kind, escalation.id, *parts),
    )


async def discharge(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    escalation: InadequateEscalation,
    kind: ObligationKind,
    *parts: object,
) -> None:
    await obligations.close_obligation(
        session=session,
        clock=clock,
        key=obligations.obligation_key(kind, escalation.id, *parts),
        state=ObligationState.DONE,
        by=actor.person_id,
    )


async def locked_process(
    session: AsyncSession, by: InstrumentedAttribute[uuid.UUID | None], audit_id: uuid.UUID
) -> InadequateEscalation | None:
    """The process whose audit (`by` InadequateEscalation.audit_id) or desk-top audit
    (`.desk_top_audit_id`) is `audit_id`, locked for the change."""
    return await session.scalar(
        select(InadequateEscalation).where(by == audit_id).with_for_update()
    )


async def load_for_change(
    session: AsyncSession, actor: Actor, escalation_id: uuid.UUID
) -> InadequateEscalation:
    escalation = await session.scalar(
        select(InadequateEscalation)
        .where(InadequateEscalation.id == escalation_id, policy.visible_escalations(actor))
        .with_for_update()
    )
    if escalation is None:
        raise NotFound("Inadequate process", field="escalationId")
    return escalation


def long_day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


GRADE_NAMES = {
    Grade.OUTSTANDING: "Outstanding",
    Grade.GOOD: "Good",
    Grade.REQUIRES_IMPROVEMENT: "Requires improvement to be good",
    Grade.INADEQUATE: "Inadequate",
}


async def tell_about(
    session: AsyncSession,
    clock: Clock,
    escalation: InadequateEscalation,
    person: Person | uuid.UUID | None,
    *,
    kind: NotificationKind,
    key: str,
    title: str,
    body: str,
) -> bool:
    """Tell one person about this process, at once (in-app and by email). `{case}` in the
    title and body becomes the case as this reader may see it named: its reference, and never
    anything more about the child."""
    if isinstance(person, uuid.UUID):
        person = await session.get(Person, person)
    if person is None:
        return False
    case = await case_named_for(session, person, escalation.child_id)
    return await tell(
        session=session,
        clock=clock,
        person=person,
        kind=kind,
        title=title.replace("{case}", case),
        body=body.replace("{case}", case),
        subject_type=SUBJECT,
        subject_id=escalation.id,
        key=key,
    )


async def aeds(session: AsyncSession) -> list[Person]:
    """Every active AED: the exception report goes to each."""
    return list(
        await session.scalars(
            select(Person)
            .join(RoleGrant, RoleGrant.person_id == Person.id)
            .where(RoleGrant.role == Role.ASSISTANT_EXECUTIVE_DIRECTOR, Person.is_active.is_(True))
            .distinct()
        )
    )


async def case_named_for(session: AsyncSession, person: Person, child_id: uuid.UUID | None) -> str:
    """How a message to `person` names the case: by its reference only if they may see the
    child (domain/children/policy.py); an email must not name a child its reader may not see."""
    if child_id is None:
        return "an audit without a case"
    reader = await people.actor_for_person(session, person)
    ref = await children_policy.case_reference_for(session, reader, child_id)
    return f"case {ref}" if ref else "a case you may not see in the service"
