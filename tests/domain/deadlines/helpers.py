"""What the deadline, reminder and notification tests share: obligations owed by someone, and
a line of management with obligations overdue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from domain.core.clock import Clock
from domain.core.db import SessionFactory
from domain.deadlines import obligations
from domain.deadlines.calendar import end_of_day
from domain.deadlines.models import ObligationKind
from domain.people.models import Person
from tests.conftest import World

SUBJECT_TYPES = {ObligationKind.AUDIT_DUE: "Audit", ObligationKind.ACTION_DUE: "AuditAction"}


async def owe(
    session_factory: SessionFactory,
    clock: Clock,
    owner: Person,
    *due_at: datetime,
    kind: ObligationKind = ObligationKind.AUDIT_DUE,
    subject_ids: Sequence[uuid.UUID] = (),
) -> list[uuid.UUID]:
    """`owner` owes one obligation of `kind` per due moment, each about its own subject (the
    given ids in order, else new ones), opened in one transaction; returns their ids."""
    subjects = list(subject_ids) or [uuid.uuid4() for _ in due_at]
    async with session_factory() as s, s.begin():
        return [
            (
                await obligations.open_obligation(
                    session=s,
                    clock=clock,
                    kind=kind,
                    subject_type=SUBJECT_TYPES[kind],
                    subject_id=subject,
                    owner_id=owner.id,
                    due_at=due,
                )
            ).id
            for subject, due in zip(subjects, due_at, strict=True)
        ]


async def overdue_line(
    world: World, count: int, *, subject_ids: Sequence[uuid.UUID] = ()
) -> tuple[Person, Person]:
    """Sam Social, line-managed by Tom Manager, owes `count` audits due on 1 December 2026;
    the clock is then moved to 09:00 on the 2nd, when each is overdue (a reminder to the owner
    and one to the line manager). Returns `(owner, manager)`."""
    manager = await world.person("Tom Manager")
    owner = await world.person("Sam Social", line_manager=manager)
    due = [end_of_day(date(2026, 12, 1))] * count
    await owe(world.session_factory, world.clock, owner, *due, subject_ids=subject_ids)
    world.clock.set(datetime(2026, 12, 2, 9, tzinfo=UTC))
    return owner, manager
