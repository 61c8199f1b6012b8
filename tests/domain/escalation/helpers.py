"""What the Inadequate process tests share: an audit of Bob's first case completed as
Inadequate on Thursday 24 December 2026 (the Thursday before a bank holiday Monday), and each
step of the process taken by the person who owns it, in its own unit of work, at the clock's
moment."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from domain.audits import service as audits
from domain.audits.kinds import AuditKind, AuditStatus, Grade, ModerationOutcome
from domain.core.settings import PolicySettings
from domain.deadlines.models import Obligation, ObligationKind
from domain.escalation import service as escalation
from domain.escalation.models import AssuranceOutcome, InadequateEscalation, OtherCaseOutcome
from domain.notifications.models import Notification
from tests.conftest import World
from tests.domain.audits.helpers import Authority, act, advance, moderate_as_qa_lead, plan

PLANNED_AT = datetime(2026, 12, 1, 10, tzinfo=UTC)
COMPLETED_AT = datetime(2026, 12, 24, 15, tzinfo=UTC)  # Thursday before a bank holiday Monday
POLICY = PolicySettings()


async def inadequate_audit(auth: Authority) -> uuid.UUID:
    world = auth.world
    world.clock.set(PLANNED_AT)
    audit = await plan(world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[0])
    world.clock.set(COMPLETED_AT - timedelta(hours=1))
    await advance(
        world, auth.actor(auth.psw), audit.id, AuditStatus.SUBMITTED, grade=Grade.INADEQUATE
    )
    world.clock.set(COMPLETED_AT)
    await act(world, audits.complete_audit, auth.actor(auth.psw), audit_id=audit.id)
    return audit.id


async def process_of(world: World, audit_id: uuid.UUID) -> InadequateEscalation:
    async with world.session_factory() as s:
        found = await s.scalar(
            select(InadequateEscalation).where(InadequateEscalation.audit_id == audit_id)
        )
    assert found is not None
    return found


async def owed_by_kind(world: World, process_id: uuid.UUID) -> dict[str, Obligation]:
    """The process's obligations by kind (`moderation-due`, `supervision-review-due:2`)."""
    out: dict[str, Obligation] = {}
    async with world.session_factory() as s:
        for o in await s.scalars(select(Obligation).where(Obligation.subject_id == process_id)):
            name = o.key.split(":")[0]
            if o.kind is ObligationKind.SUPERVISION_REVIEW_DUE:
                name += ":" + o.key.rsplit(":", 1)[1]
            out[name] = o
    return out


async def moderate(
    auth: Authority, audit_id: uuid.UUID, *, confirm: bool = True, at: datetime | None = None
) -> None:
    auth.world.clock.set(at or datetime(2026, 12, 29, 11, tzinfo=UTC))
    await moderate_as_qa_lead(
        auth,
        audit_id=audit_id,
        outcome=ModerationOutcome.CONFIRMED if confirm else ModerationOutcome.REGRADED,
        reason="The plan does not address the neglect." if confirm else "Strengths missed.",
        overall_grade=None if confirm else Grade.REQUIRES_IMPROVEMENT,
        policy_settings=POLICY,
    )


async def confirmed(auth: Authority) -> InadequateEscalation:
    audit_id = await inadequate_audit(auth)
    await moderate(auth, audit_id)
    return await process_of(auth.world, audit_id)


async def assure(auth: Authority, process_id: uuid.UUID) -> None:
    await act(
        auth.world,
        escalation.record_assurance,
        auth.actor(auth.hos_csc),
        escalation_id=process_id,
        outcome=AssuranceOutcome.NOT_AT_RISK,
        detail="Visited with the manager; safety plan in place and working.",
    )


async def review_all(auth: Authority, process_id: uuid.UUID) -> None:
    for child in auth.bob_children[1:]:
        await act(
            auth.world,
            escalation.record_other_case,
            auth.actor(auth.tm_a),
            escalation_id=process_id,
            child_id=child.id,
            outcome=OtherCaseOutcome.NO_CONCERNS,
            note=None,
        )
    await act(
        auth.world,
        escalation.complete_other_cases_review,
        auth.actor(auth.tm_a),
        escalation_id=process_id,
        summary="Both other cases reviewed; no concerns.",
    )


async def send_report(auth: Authority, process_id: uuid.UUID) -> None:
    await act(
        auth.world,
        escalation.send_exception_report,
        auth.actor(auth.hos_csc),
        escalation_id=process_id,
    )


async def supervise(
    auth: Authority,
    process_id: uuid.UUID,
    number: int,
    held_on: date,
    *,
    recorded_at: datetime | None = None,
    notes: str | None = None,
) -> None:
    """The team manager records review `number`, held on `held_on`, at `recorded_at` (16:00
    on the day held unless given)."""
    held_at = datetime(held_on.year, held_on.month, held_on.day, 16, tzinfo=UTC)
    auth.world.clock.set(recorded_at or held_at)
    await act(
        auth.world,
        escalation.record_supervision_review,
        auth.actor(auth.tm_a),
        escalation_id=process_id,
        number=number,
        held_on=held_on,
        notes=notes or f"Review {number}: the plan is progressing.",
        policy_settings=POLICY,
    )


async def told(world: World, process_id: uuid.UUID) -> list[Notification]:
    """What people were told about a process, oldest first."""
    async with world.session_factory() as s:
        return list(
            await s.scalars(
                select(Notification)
                .where(Notification.subject_id == process_id)
                .order_by(Notification.created_at, Notification.title)
            )
        )
