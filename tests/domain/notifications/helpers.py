"""What the reminder and notification tests share: one sweep of the reminders."""

from __future__ import annotations

from domain.core.clock import Clock
from domain.core.db import SessionFactory
from domain.core.settings import PolicySettings
from domain.deadlines.calendar import WorkingCalendar
from domain.reminders import sweep as reminders


async def sweep(
    session_factory: SessionFactory,
    clock: Clock,
    *,
    calendar: WorkingCalendar | None = None,
    policy_settings: PolicySettings | None = None,
    frontend_base_url: str | None = None,
) -> reminders.SweepResult:
    """One reminder sweep in its own transaction, as the worker's cron runs it: working days
    without closure days and the default policy unless given."""
    async with session_factory() as s, s.begin():
        return await reminders.sweep(
            session=s,
            clock=clock,
            calendar=calendar or WorkingCalendar(),
            policy_settings=policy_settings or PolicySettings(),
            frontend_base_url=frontend_base_url,
        )
