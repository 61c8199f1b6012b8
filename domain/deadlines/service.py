"""Use cases for the working calendar: the calendar in force, and the authority's closure
days (administrators add and remove them; staff read them)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock
from domain.core.errors import Conflict, InvalidInput, NotFound
from domain.core.roles import Actor
from domain.deadlines import policy
from domain.deadlines.calendar import WorkingCalendar, bank_holiday_name
from domain.deadlines.models import ClosureDay
from domain.history import service as history

# The most working days anyone may ask about at once (the longest timescale in DOMAIN.md is
# 65 working days): a bound on the work one request can cause.
MAX_WORKING_DAYS = 1000
NAME_LENGTH = 120


def _name(value: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise InvalidInput("Give the closure day a name.", field="name")
    if len(cleaned) > NAME_LENGTH:
        raise InvalidInput(f"At most {NAME_LENGTH} characters.", field="name")
    return cleaned


def _long(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


async def calendar(session: AsyncSession, *, years: range | None = None) -> WorkingCalendar:
    """The working calendar in force: England's bank holidays and the closure days (one
    query). With `years`, only those years' closure days are loaded, and the calendar
    refuses to answer about days in other years rather than treat them as open."""
    stmt = select(ClosureDay.day)
    if years is not None:
        if years.step != 1 or not years:
            raise ValueError("years must be a non-empty range of consecutive years")
        stmt = stmt.where(
            ClosureDay.day >= date(years.start, 1, 1),
            ClosureDay.day <= date(years.stop - 1, 12, 31),
        )
    days = await session.scalars(stmt)
    return WorkingCalendar(closures=frozenset(days), closure_years=years)


async def add_closure_day(
    *, session: AsyncSession, actor: Actor, clock: Clock, day: date, name: str
) -> ClosureDay:
    policy.check_can_manage(actor)
    name = _name(name)
    if day.weekday() >= 5:
        raise InvalidInput(
            f"{_long(day)} is a weekend day, which is never a working day: "
            "a closure day is a weekday the authority closes.",
            field="day",
        )
    if (holiday := bank_holiday_name(day)) is not None:
        raise InvalidInput(
            f"{_long(day)} is a bank holiday in England ({holiday}), which is never a "
            "working day: a closure day is a weekday the authority closes.",
            field="day",
        )
    # One statement, safe against two administrators adding the same day at once.
    added: ClosureDay | None = await session.scalar(
        insert(ClosureDay)
        .values(id=uuid.uuid4(), day=day, name=name, created_at=clock.now())
        .on_conflict_do_nothing(index_elements=[ClosureDay.day])
        .returning(ClosureDay)
    )
    if added is None:
        raise Conflict(f"{_long(day)} is a closure day already.", field="day")
    change = history.Change(
        "closure_day.added",
        "ClosureDay",
        added.id,
        history.diff({}, {"day": added.day, "name": added.name}),
    )
    await history.record_many(session=session, actor=actor, clock=clock, entries=[change])
    return added


async def remove_closure_day(
    *, session: AsyncSession, actor: Actor, clock: Clock, closure_day_id: uuid.UUID
) -> ClosureDay:
    """Remove a closure day; the day becomes a working day again. Returns it as it was."""
    policy.check_can_manage(actor)
    closure = await session.get(ClosureDay, closure_day_id, with_for_update=True)
    if closure is None:
        raise NotFound("closure day", field="id")
    await session.delete(closure)
    await session.flush()
    change = history.Change(
        "closure_day.removed",
        "ClosureDay",
        closure.id,
        history.diff({"day": closure.day, "name": closure.name}, {"day": None, "name": None}),
    )
    await history.record_many(session=session, actor=actor, clock=clock, entries=[change])
    return closure


async def list_closure_days(
    *, session: AsyncSession, actor: Actor, since: date | None, until: date | None
) -> list[ClosureDay]:
    """Closure days from `since` to `until` (both included, either open), by day."""
    policy.check_can_read(actor)
    if since is not None and until is not None and until < since:
        raise InvalidInput("This is before `since`.", field="until")
    stmt = select(ClosureDay).order_by(ClosureDay.day)
    if since is not None:
        stmt = stmt.where(ClosureDay.day >= since)
    if until is not None:
        stmt = stmt.where(ClosureDay.day <= until)
    return list(await session.scalars(stmt))


async def get_closure_days(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ClosureDay]:
    if not ids or not policy.can_read(actor):
        return {}
    rows = await session.scalars(select(ClosureDay).where(ClosureDay.id.in_(ids)))
    return {c.id: c for c in rows}


async def working_days_after(
    *, session: AsyncSession, actor: Actor, moment: datetime, days: int
) -> datetime:
    """When something is due `days` working days after `moment`, by the calendar in force:
    the same rule every deadline uses (`WorkingCalendar.add_working_days`)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput("Give the moment with its timezone or offset.", field="moment")
    if not 0 <= days <= MAX_WORKING_DAYS:
        raise InvalidInput(f"Between 0 and {MAX_WORKING_DAYS} working days.", field="days")
    working = await calendar(session)
    try:
        return working.add_working_days(moment, days)
    except OverflowError as exc:  # past year 9999
        raise InvalidInput("That is too far in the future.", field="days") from exc
