"""What every use case on one audit shares: cleaning text, recording history, loading an
audit to change, owing and discharging obligations, moving along the lifecycle."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.audits import policy
from domain.audits.flows import AuditEvent, next_status
from domain.audits.models import (
    Audit,
    AuditAction,
)
from domain.core.clock import Clock
from domain.core.errors import InvalidInput, NotFound
from domain.core.roles import Actor
from domain.deadlines import obligations
from domain.deadlines.calendar import end_of_day
from domain.deadlines.models import ObligationKind, ObligationState
from domain.history import service as history

MAX_TEXT = 20_000
VOICE_WHO = ("CHILD", "PARENT", "CARER", "SIBLING", "OTHER_FAMILY", "OTHER")


def trimmed(
    value: str | None, field: str, *, required: bool, at_most: int, if_empty: str
) -> str | None:
    """Free text as kept: trimmed, None when empty (refused with `if_empty` when
    `required`), refused over `at_most` characters."""
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise InvalidInput(if_empty, field=field)
        return None
    if len(cleaned) > at_most:
        raise InvalidInput(f"At most {at_most} characters.", field=field)
    return cleaned


def clean_text(value: str | None, field: str, *, required: bool = False) -> str | None:
    return trimmed(value, field, required=required, at_most=MAX_TEXT, if_empty="This is required.")


async def record_change(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    audit: Audit,
    action: str,
    changes: dict[str, Any],
) -> None:
    entry = history.Change(action, "Audit", audit.id, changes)
    await history.record_change(session, actor, clock, entry)


async def load_for_change(session: AsyncSession, actor: Actor, audit_id: uuid.UUID) -> Audit:
    """An audit to change, locked: only through the actor's visibility filter, so an audit they
    may not see is NOT_FOUND exactly like an id that does not exist."""
    audit = await session.scalar(
        select(Audit)
        .where(Audit.id == audit_id, policy.visible_audits(actor))
        .options(
            selectinload(Audit.section_grades),
            selectinload(Audit.template),
            selectinload(Audit.themes),
        )
        .with_for_update(of=Audit)
    )
    if audit is None:
        raise NotFound("audit", field="auditId")
    return audit


async def owe(
    session: AsyncSession,
    clock: Clock,
    kind: ObligationKind,
    subject: Audit | AuditAction,
    owner_id: uuid.UUID,
    due_date: date,
) -> None:
    """The obligation a planned audit or an added action creates: its owner acts by the end
    of its due date in London."""
    await obligations.open_obligation(
        session=session,
        clock=clock,
        kind=kind,
        subject_type=type(subject).__name__,
        subject_id=subject.id,
        owner_id=owner_id,
        due_at=end_of_day(due_date),
    )


async def discharge(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    kind: ObligationKind,
    subject: Audit | AuditAction,
    state: ObligationState,
) -> None:
    await obligations.close_obligation(
        session=session,
        clock=clock,
        key=obligations.obligation_key(kind, subject.id),
        state=state,
        by=actor.person_id,
    )


async def transition(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    audit: Audit,
    event: AuditEvent,
    extra: dict[str, Any] | None = None,
) -> None:
    before = audit.status
    audit.status = next_status(audit.status, event)
    audit.updated_at = clock.now()
    recorded = {
        "status": [before.value, audit.status.value],
        **(extra or {}),
    }
    await record_change(session, actor, clock, audit, f"audit.{event.value.lower()}", recorded)
