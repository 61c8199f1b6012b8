"""Ending an audit: complete, cancel, amend, moderate. Each publishes its fact
(`domain.audits.facts`) for the concepts that react to it, in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import facts, policy, timescales
from domain.audits.common import (
    clean_text,
    discharge,
    load_for_change,
    record_change,
    transition,
)
from domain.audits.flows import AuditEvent, next_status
from domain.audits.kinds import (
    AuditStatus,
    Grade,
    ModerationOutcome,
)
from domain.audits.models import (
    Audit,
    Moderation,
)
from domain.audits.recording import AuditRecord, apply_record, check_complete, finish_work
from domain.core.clock import Clock
from domain.core.errors import Conflict, InvalidInput
from domain.core.roles import Actor
from domain.core.settings import PolicySettings
from domain.deadlines.models import ObligationKind, ObligationState
from domain.events import dispatch
from domain.events import service as events
from domain.history import service as history


def effective_grade(audit: Audit) -> Grade | None:
    return audit.moderated_overall_grade or audit.overall_grade


async def complete_audit(
    *, session: AsyncSession, actor: Actor, clock: Clock, audit_id: uuid.UUID
) -> Audit:
    audit = await finish_work(session, actor, clock, audit_id, AuditEvent.COMPLETE)
    await discharge(session, clock, actor, ObligationKind.AUDIT_DUE, audit, ObligationState.DONE)
    if audit.overall_grade is Grade.INADEQUATE:
        await _inadequate(session, actor, clock, audit, "completed")
    await dispatch.publish(session, clock, facts.AuditCompleted(actor, audit))
    # The month's or quarter's obligation this completion meets is closed at once (its
    # count reads the audit as completed, so the change is flushed first).
    await session.flush()
    await timescales.reconcile(
        session=session, clock=clock, auditor_id=audit.auditor_id, open_new=False
    )
    return audit


async def _inadequate(
    session: AsyncSession, actor: Actor, clock: Clock, audit: Audit, how: str
) -> None:
    """The fact the Inadequate process (the escalation) starts from, and its subscribers run
    in the same transaction: it cannot be lost between the two. The event stays unprocessed
    (for `catch_up`) if nobody reacted to it."""
    event = await events.record(
        session=session,
        clock=clock,
        name=events.AUDIT_COMPLETED_INADEQUATE,
        object_type="Audit",
        object_id=audit.id,
        payload={
            "how": how,
            "kind": audit.kind.value,
            "child_id": history.plain(audit.child_id),
            "team_id": history.plain(audit.team_id),
            "completed_at": history.plain(audit.completed_at),
        },
    )
    if await dispatch.publish(session, clock, facts.AuditGradedInadequate(actor, audit, how)):
        event.processed_at = clock.now()


async def cancel_audit(
    *, session: AsyncSession, actor: Actor, clock: Clock, audit_id: uuid.UUID, reason: str
) -> Audit:
    audit = await load_for_change(session, actor, audit_id)
    policy.check_can_cancel(actor, audit)
    text = clean_text(reason, "reason", required=True)
    next_status(audit.status, AuditEvent.CANCEL)
    await dispatch.publish(session, clock, facts.AuditToBeCancelled(actor, audit))
    audit.cancel_reason, audit.cancelled_at = text, clock.now()
    await transition(
        session, actor, clock, audit, AuditEvent.CANCEL, {"cancel_reason": [None, text]}
    )
    await discharge(
        session, clock, actor, ObligationKind.AUDIT_DUE, audit, ObligationState.CANCELLED
    )
    return audit


async def amend_audit(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    audit_id: uuid.UUID,
    record: AuditRecord,
    reason: str,
) -> Audit:
    """Change a completed audit, with a reason kept in history (the auditor or the QA Lead)."""
    audit = await load_for_change(session, actor, audit_id)
    policy.check_can_amend(actor, audit)
    if audit.status is not AuditStatus.COMPLETED:
        raise Conflict("Only a completed audit is amended; otherwise save it.", field="status")
    text = clean_text(reason, "reason", required=True)
    before_grade = effective_grade(audit)
    changes = await apply_record(session, clock, audit, record)
    check_complete(audit)
    if not changes:
        raise InvalidInput("The amendment changes nothing.", field="record")
    recorded = {**changes, "reason": text}
    await record_change(session, actor, clock, audit, "audit.amended", recorded)
    now_grade = effective_grade(audit)
    if before_grade is not Grade.INADEQUATE and now_grade is Grade.INADEQUATE:
        await _inadequate(session, actor, clock, audit, "amended")
    assert text is not None
    await dispatch.publish(
        session, clock, facts.AuditAmended(actor, audit, before_grade, now_grade, text)
    )
    return audit


@dataclass(frozen=True)
class ModerationDecision:
    original: Grade
    moderated: Grade
    # Each section regraded: its grade before (the auditor's, or an earlier moderation's) and now.
    sections: dict[str, tuple[Grade, Grade]]


def decide_moderation(
    outcome: ModerationOutcome,
    original: Grade,
    current_sections: Mapping[str, Grade],
    overall_grade: Grade | None,
    section_grades: Mapping[str, Grade],
) -> ModerationDecision:
    """A confirmation changes no grade; a regrade changes at least one, of sections the audit
    grades (`current_sections`: each graded section's grade as it stands)."""
    if outcome is ModerationOutcome.CONFIRMED:
        if overall_grade not in (None, original) or section_grades:
            raise InvalidInput("A confirmation changes no grade; choose REGRADED.", field="outcome")
        return ModerationDecision(original, original, {})
    sections: dict[str, tuple[Grade, Grade]] = {}
    for key, grade in section_grades.items():
        if key not in current_sections:
            raise InvalidInput(
                "The audit has no graded section with that key.", field=f"sectionGrades.{key}"
            )
        sections[key] = (current_sections[key], grade)
    moderated = overall_grade or original
    if moderated == original and all(a == b for a, b in sections.values()):
        raise InvalidInput("A regrade changes at least one grade.", field="overallGrade")
    return ModerationDecision(original, moderated, sections)


async def moderate_audit(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    audit_id: uuid.UUID,
    outcome: ModerationOutcome,
    reason: str,
    overall_grade: Grade | None = None,
    section_grades: dict[str, Grade] | None = None,
    policy_settings: PolicySettings | None = None,
) -> Moderation:
    """Confirm or regrade a completed audit; the auditor's grades are kept beside the new."""
    policy.check_is_qa_lead(actor, "moderates audits")
    audit = await load_for_change(session, actor, audit_id)
    if audit.status is not AuditStatus.COMPLETED:
        raise Conflict("Only a completed audit is moderated.", field="status")
    policy.check_can_moderate(actor, audit)
    text = clean_text(reason, "reason", required=True)
    assert audit.overall_grade is not None and text is not None
    decision = decide_moderation(
        outcome,
        effective_grade(audit) or audit.overall_grade,
        {g.section_key: g.moderated_grade or g.grade for g in audit.section_grades},
        overall_grade,
        section_grades or {},
    )
    original, moderated = decision.original, decision.moderated
    sections = {key: [was.value, now.value] for key, (was, now) in decision.sections.items()}
    if outcome is ModerationOutcome.REGRADED:
        for grade in audit.section_grades:
            if grade.section_key in decision.sections:
                grade.moderated_grade = decision.sections[grade.section_key][1]
        audit.moderated_overall_grade = moderated
    moderation = Moderation(
        audit_id=audit.id,
        moderator_id=actor.person_id,
        outcome=outcome,
        original_overall_grade=original,
        moderated_overall_grade=moderated,
        section_grades=sections,
        reason=text,
        moderated_at=clock.now(),
    )
    session.add(moderation)
    audit.updated_at = clock.now()
    await session.flush()
    recorded = {
        "outcome": [None, outcome.value],
        "overall_grade": [original.value, moderated.value],
        "section_grades": sections,
        "reason": text,
    }
    await record_change(session, actor, clock, audit, "audit.moderated", recorded)
    await events.record(
        session=session,
        clock=clock,
        name="audit.moderated",
        object_type="Audit",
        object_id=audit.id,
        payload={
            "outcome": outcome.value,
            "original": original.value,
            "moderated": moderated.value,
        },
    )
    if original is not Grade.INADEQUATE and moderated is Grade.INADEQUATE:
        await _inadequate(session, actor, clock, audit, "moderated")
    await dispatch.publish(
        session,
        clock,
        facts.AuditModerated(actor, audit, moderation, policy_settings or PolicySettings()),
    )
    return moderation
