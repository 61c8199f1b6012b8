"""How the Inadequate process reacts to what happens to audits (`domain.audits.facts`): each
subscriber runs in the audit's own transaction (`domain/reactions.py` subscribes them)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import facts
from domain.audits.kinds import Grade
from domain.core.clock import Clock
from domain.escalation import service as escalation


async def refuse_cancelling_desk_top_audit(
    session: AsyncSession, clock: Clock, fact: facts.AuditToBeCancelled
) -> None:
    await escalation.check_can_cancel_audit(session, fact.audit)


async def start_process(
    session: AsyncSession, clock: Clock, fact: facts.AuditGradedInadequate
) -> None:
    await escalation.start(session=session, clock=clock, audit=fact.audit, how=fact.how)


async def close_by_desk_top_audit(
    session: AsyncSession, clock: Clock, fact: facts.AuditCompleted
) -> None:
    await escalation.on_audit_completed(
        session=session, clock=clock, actor=fact.actor, audit=fact.audit
    )


async def end_if_amended_away(
    session: AsyncSession, clock: Clock, fact: facts.AuditAmended
) -> None:
    """Before moderation, an amendment away from Inadequate ends the process as a regrade
    would."""
    if fact.before is Grade.INADEQUATE and fact.after not in (None, Grade.INADEQUATE):
        assert fact.after is not None
        await escalation.on_amended_away(
            session=session,
            clock=clock,
            actor=fact.actor,
            audit=fact.audit,
            grade=fact.after,
            reason=fact.reason,
        )


async def follow_moderation(
    session: AsyncSession, clock: Clock, fact: facts.AuditModerated
) -> None:
    await escalation.on_moderated(
        session=session,
        clock=clock,
        actor=fact.actor,
        audit=fact.audit,
        moderation=fact.moderation,
        policy_settings=fact.policy_settings,
    )
