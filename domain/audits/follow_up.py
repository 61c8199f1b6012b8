"""Actions and learning recorded from an audit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import policy
from domain.audits.common import (
    clean_text,
    discharge,
    load_for_change,
    owe,
)
from domain.audits.kinds import (
    AuditStatus,
)
from domain.audits.models import (
    Audit,
    AuditAction,
    LearningPoint,
)
from domain.audits.reference import themes_by_ids
from domain.core.clock import Clock, local_today
from domain.core.errors import Conflict, InvalidInput, NotFound
from domain.core.roles import Actor
from domain.deadlines.models import ObligationKind, ObligationState
from domain.history import service as history
from domain.people.models import Person

# --- actions and learning ------------------------------------------------------------------


async def add_action(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    audit_id: uuid.UUID,
    description: str,
    owner_id: uuid.UUID,
    due_date: date,
) -> AuditAction:
    audit = await load_for_change(session, actor, audit_id)
    policy.check_can_follow_up(actor, audit)
    if audit.status is AuditStatus.CANCELLED:
        raise Conflict("A cancelled audit has no actions.", field="status")
    text = clean_text(description, "description", required=True)
    owner = await session.get(Person, owner_id)
    if owner is None or not owner.is_active:
        raise NotFound("active person", field="ownerId")
    if due_date < local_today(clock):
        raise InvalidInput("The due date has passed.", field="dueDate")
    action = AuditAction(
        audit_id=audit.id,
        description=text,
        owner_id=owner_id,
        due_date=due_date,
        created_by_id=actor.person_id,
        created_at=clock.now(),
    )
    await history.record_added(
        session,
        actor,
        clock,
        action,
        "action.added",
        {
            "audit_id": [None, str(audit.id)],
            "owner_id": [None, str(owner_id)],
            "due_date": [None, due_date.isoformat()],
        },
    )
    await owe(session, clock, ObligationKind.ACTION_DUE, action, owner_id, due_date)
    return action


async def complete_action(
    *, session: AsyncSession, actor: Actor, clock: Clock, action_id: uuid.UUID, note: str | None
) -> AuditAction:
    action = await session.scalar(
        select(AuditAction)
        .where(AuditAction.id == action_id, policy.visible_actions(actor))
        .with_for_update()
    )
    if action is None:
        raise NotFound("action", field="actionId")
    audit = await session.get(Audit, action.audit_id)
    assert audit is not None
    policy.check_can_complete_action(actor, action.owner_id, audit)
    if action.done_at is not None:
        raise Conflict("That action is done already.", field="actionId")
    action.done_at, action.done_note = clock.now(), clean_text(note, "note")
    entry = history.Change(
        "action.done",
        "AuditAction",
        action.id,
        {"done_at": [None, history.plain(action.done_at)]},
    )
    await history.record_change(session, actor, clock, entry)
    await discharge(session, clock, actor, ObligationKind.ACTION_DUE, action, ObligationState.DONE)
    return action


async def add_learning_point(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    audit_id: uuid.UUID,
    text: str,
    theme_ids: Sequence[uuid.UUID],
    is_strength: bool,
) -> LearningPoint:
    audit = await load_for_change(session, actor, audit_id)
    policy.check_can_follow_up(actor, audit)
    clean = clean_text(text, "text", required=True)
    assert clean is not None
    point = LearningPoint(
        audit_id=audit.id,
        text=clean,
        is_strength=is_strength,
        created_by_id=actor.person_id,
        created_at=clock.now(),
    )
    point.themes = await themes_by_ids(session, list(theme_ids), "themeIds")
    await history.record_added(
        session,
        actor,
        clock,
        point,
        "learning.added",
        {"audit_id": [None, str(audit.id)], "themes": [None, [str(t) for t in theme_ids]]},
    )
    return point
