"""Reading the register through the policy: lists, pages, a record's themes, stages and history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits.models import Theme
from domain.core.db import rows_by
from domain.core.errors import NotFound
from domain.core.pagination import Page, count, paginate
from domain.core.roles import Actor
from domain.feedback import policy
from domain.feedback.models import (
    OPEN_STATUSES,
    ComplaintStage,
    ComplaintStatus,
    FeedbackCategory,
    FeedbackKind,
    FeedbackRecord,
    feedback_themes,
)
from domain.feedback.records import SUBJECT
from domain.history import service as history
from domain.history.models import HistoryEntry

# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackFilter:
    kind: FeedbackKind | None = None
    statuses: tuple[ComplaintStatus, ...] = ()
    open_only: bool = False
    team_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    category: FeedbackCategory | None = None
    received_from: date | None = None
    received_to: date | None = None


def _statement(actor: Actor, f: FeedbackFilter) -> Select[Any]:
    stmt = select(FeedbackRecord).where(policy.visible_feedback(actor))
    if f.kind is not None:
        stmt = stmt.where(FeedbackRecord.kind == f.kind)
    if f.statuses:
        stmt = stmt.where(FeedbackRecord.status.in_(f.statuses))
    if f.open_only:
        stmt = stmt.where(FeedbackRecord.status.in_(OPEN_STATUSES))
    if f.team_id is not None:
        stmt = stmt.where(FeedbackRecord.team_id == f.team_id)
    if f.service_id is not None:
        stmt = stmt.where(FeedbackRecord.service_id == f.service_id)
    if f.category is not None:
        stmt = stmt.where(FeedbackRecord.category == f.category)
    if f.received_from is not None:
        stmt = stmt.where(FeedbackRecord.received_on >= f.received_from)
    if f.received_to is not None:
        stmt = stmt.where(FeedbackRecord.received_on <= f.received_to)
    return stmt


async def list_feedback(
    *,
    session: AsyncSession,
    actor: Actor,
    filters: FeedbackFilter,
    first: int | None,
    after: str | None,
) -> Page[FeedbackRecord]:
    """Records the actor may see, most recently received first."""
    return await paginate(
        session,
        _statement(actor, filters),
        order_by=[FeedbackRecord.received_on, FeedbackRecord.id],
        first=first,
        after=after,
        descending=True,
    )


async def count_feedback(*, session: AsyncSession, actor: Actor, filters: FeedbackFilter) -> int:
    return await count(session, _statement(actor, filters))


async def get_feedback_records(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, FeedbackRecord]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(FeedbackRecord).where(FeedbackRecord.id.in_(ids), policy.visible_feedback(actor))
    )
    return {r.id: r for r in rows}


async def get_feedback_record(
    *, session: AsyncSession, actor: Actor, feedback_id: uuid.UUID
) -> FeedbackRecord:
    found = await get_feedback_records(session=session, actor=actor, ids=[feedback_id])
    if feedback_id not in found:
        raise NotFound("compliment or complaint", field="feedbackId")
    return found[feedback_id]


async def themes_of(
    session: AsyncSession, feedback_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Theme]]:
    out: dict[uuid.UUID, list[Theme]] = {i: [] for i in feedback_ids}
    if feedback_ids:
        rows = await session.execute(
            select(feedback_themes.c.feedback_id, Theme)
            .join(Theme, Theme.id == feedback_themes.c.theme_id)
            .where(feedback_themes.c.feedback_id.in_(feedback_ids))
            .order_by(Theme.name)
        )
        for feedback_id, theme in rows:
            out[feedback_id].append(theme)
    return out


async def stages_of(
    session: AsyncSession, feedback_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ComplaintStage]]:
    return await rows_by(session, ComplaintStage.feedback_id, feedback_ids, ComplaintStage.stage)


async def history_of(
    session: AsyncSession, feedback_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[HistoryEntry]]:
    return await history.entries_of(session, SUBJECT, feedback_ids)
