"""Notifications by id, each only for its recipient (`domain/notifications/policy.py`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.graphql.core.loaders import Loader, visible_by_id
from domain.core.roles import Actor
from domain.notifications import models
from domain.notifications.policy import own_notifications


async def _own(
    session: AsyncSession, actor: Actor, ids: list[uuid.UUID]
) -> Mapping[uuid.UUID, models.Notification]:
    rows = await session.scalars(
        select(models.Notification).where(models.Notification.id.in_(ids), own_notifications(actor))
    )
    return {m.id: m for m in rows}


NOTIFICATION: Loader[uuid.UUID, models.Notification | None] = visible_by_id(_own)
