"""A survey, a version or a campaign changed: its history entry, in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock
from domain.core.roles import Actor
from domain.history import service as history
from domain.surveys.models import Survey, SurveyCampaign, SurveyVersion


async def record(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    action: str,
    changed: Survey | SurveyVersion | SurveyCampaign,
    changes: dict[str, Any],
) -> None:
    """History of `changed`, under its class's name ("SurveyCampaign")."""
    change = history.Change(action, type(changed).__name__, changed.id, changes)
    await history.record_many(session=session, actor=actor, clock=clock, entries=[change])
