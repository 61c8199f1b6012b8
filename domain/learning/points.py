"""Learning points from every source the service learns from (DOMAIN.md): audits' learning
and Task and Finish Groups' learning, read together through each source's own policy.

Learning sits above audits: it reads audits' learning points; audits know nothing of it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.audits import policy
from domain.audits.models import Audit, LearningPoint, learning_point_themes
from domain.core.pagination import Page, count, paginate
from domain.core.roles import Actor
from domain.learning import policy as learning_policy
from domain.learning.models import TaskAndFinishGroup
from domain.people.models import Team


class LearningSource(StrEnum):
    """Where a learning point comes from."""

    AUDIT = "AUDIT"
    TASK_AND_FINISH_GROUP = "TASK_AND_FINISH_GROUP"


@dataclass(frozen=True)
class LearningFilter:
    theme_id: uuid.UUID | None = None
    # Audits of this team's work only (a group belongs to a service, not a team).
    team_id: uuid.UUID | None = None
    # Audits of this service's teams, and this service's groups.
    service_id: uuid.UUID | None = None
    since: datetime | None = None
    strengths_only: bool = False
    # Both sources when empty.
    sources: tuple[LearningSource, ...] = ()
    task_and_finish_group_id: uuid.UUID | None = None


def _learning_visible(actor: Actor) -> ColumnElement[bool]:
    """Learning the actor may see: from an audit they may see (audits' policy), or from a
    Task and Finish Group they may see (the groups' policy)."""
    return or_(
        LearningPoint.audit_id.in_(select(Audit.id).where(policy.visible_audits(actor))),
        LearningPoint.task_and_finish_group_id.in_(
            select(TaskAndFinishGroup.id).where(learning_policy.visible_groups(actor))
        ),
    )


def _learning(actor: Actor, f: LearningFilter) -> Select[Any]:
    sources = set(f.sources or LearningSource)
    if f.team_id is not None or f.task_and_finish_group_id is not None:
        sources &= (
            {LearningSource.AUDIT}
            if f.task_and_finish_group_id is None
            else {LearningSource.TASK_AND_FINISH_GROUP}
        )
    from_audits = select(Audit.id).where(policy.visible_audits(actor))
    if f.team_id is not None:
        from_audits = from_audits.where(Audit.team_id == f.team_id)
    if f.service_id is not None:
        from_audits = from_audits.where(
            Audit.team_id.in_(select(Team.id).where(Team.service_id == f.service_id))
        )
    from_groups = select(TaskAndFinishGroup.id).where(learning_policy.visible_groups(actor))
    if f.service_id is not None:
        from_groups = from_groups.where(TaskAndFinishGroup.service_id == f.service_id)
    if f.task_and_finish_group_id is not None:
        from_groups = from_groups.where(TaskAndFinishGroup.id == f.task_and_finish_group_id)
    conditions: list[ColumnElement[bool]] = []
    if LearningSource.AUDIT in sources:
        conditions.append(LearningPoint.audit_id.in_(from_audits))
    if LearningSource.TASK_AND_FINISH_GROUP in sources:
        conditions.append(LearningPoint.task_and_finish_group_id.in_(from_groups))
    stmt = select(LearningPoint).where(or_(*conditions) if conditions else false())
    if f.theme_id is not None:
        stmt = stmt.where(
            LearningPoint.id.in_(
                select(learning_point_themes.c.learning_point_id).where(
                    learning_point_themes.c.theme_id == f.theme_id
                )
            )
        )
    if f.since is not None:
        stmt = stmt.where(LearningPoint.created_at >= f.since)
    if f.strengths_only:
        stmt = stmt.where(LearningPoint.is_strength.is_(True))
    return stmt


async def list_learning(
    *,
    session: AsyncSession,
    actor: Actor,
    filters: LearningFilter,
    first: int | None,
    after: str | None,
) -> Page[LearningPoint]:
    stmt = _learning(actor, filters).options(selectinload(LearningPoint.themes))
    return await paginate(
        session,
        stmt,
        order_by=[LearningPoint.created_at, LearningPoint.id],
        first=first,
        after=after,
        descending=True,
    )


async def count_learning(*, session: AsyncSession, actor: Actor, filters: LearningFilter) -> int:
    return await count(session, _learning(actor, filters))


async def get_learning_points(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, LearningPoint]:
    """Learning points by id, where the actor may see their source."""
    if not ids:
        return {}
    found = await session.scalars(
        select(LearningPoint)
        .where(LearningPoint.id.in_(ids), _learning_visible(actor))
        .options(selectinload(LearningPoint.themes))
    )
    return {p.id: p for p in found}
