"""The audit programme's periodic timescales as obligations (DOMAIN.md, Timescales):

- monthly audits, per auditor: each auditor with an expectation for a month of the programme
  owes that many completed audits by the month's last working day (`MONTHLY_AUDITS_DUE`, the
  subject is the `ProgrammeMonth`);
- supervision audits, quarterly: each PSW, Head of Service and QA Lead owes a completed
  supervision audit in each calendar quarter, by its last working day
  (`SUPERVISION_AUDITS_DUE`, the subject is the `Person`).

(Each planned audit, whatever its kind — benchmarking rounds and nine-month dip samples
included — already owes its own `AUDIT_DUE`.) `reconcile` opens what the current month and
quarter owe and closes what has been met; the worker runs it at startup and every hour, and
completing an audit runs it for that auditor at once, so a met obligation is not reminded.
Idempotent: keys are deterministic and only open obligations are closed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits.kinds import AuditKind, AuditStatus
from domain.audits.models import Audit, AuditorExpectation, ProgrammeMonth
from domain.core.clock import LONDON, Clock, local_today
from domain.core.roles import Role
from domain.deadlines import obligations
from domain.deadlines import service as deadlines
from domain.deadlines.calendar import WorkingCalendar, end_of_day, local_day
from domain.deadlines.models import Obligation, ObligationKind, ObligationState
from domain.people.models import Person, RoleGrant

SUPERVISION_AUDITORS = (Role.PRINCIPAL_SOCIAL_WORKER, Role.HEAD_OF_SERVICE, Role.QA_LEAD)


def quarter_of(day: date) -> tuple[date, date, str]:
    """The calendar quarter a day falls in: its first day, its last day and its label."""
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    last = first + relativedelta(months=3) - relativedelta(days=1)
    return first, last, f"{day.year}Q{(day.month - 1) // 3 + 1}"


def last_working_day(calendar: WorkingCalendar, last: date) -> date:
    return calendar.working_days_before(last, 0)


def _start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LONDON)


async def reconcile(
    *,
    session: AsyncSession,
    clock: Clock,
    auditor_id: uuid.UUID | None = None,
    open_new: bool = True,
) -> int:
    """Open the current month's and quarter's obligations (for one auditor, or everyone) and
    close those met. With `open_new` False (an audit just completed) only close what is met.
    Returns how many were closed."""
    today = local_today(clock)
    calendar = await deadlines.calendar(session)
    closed = await _monthly(session, clock, calendar, today, auditor_id, open_new)
    closed += await _quarterly(session, clock, calendar, today, auditor_id, open_new)
    return closed


async def _open_subjects(
    session: AsyncSession, kind: ObligationKind, auditor_id: uuid.UUID | None
) -> list[Obligation]:
    """Obligations of `kind` still open (a month or quarter gone by may yet be met late)."""
    stmt = select(Obligation).where(
        Obligation.kind == kind, Obligation.state == ObligationState.OPEN
    )
    if auditor_id is not None:
        stmt = stmt.where(Obligation.owner_id == auditor_id)
    return list(await session.scalars(stmt))


async def _monthly(
    session: AsyncSession,
    clock: Clock,
    calendar: WorkingCalendar,
    today: date,
    auditor_id: uuid.UUID | None,
    open_new: bool,
) -> int:
    still_open = await _open_subjects(session, ObligationKind.MONTHLY_AUDITS_DUE, auditor_id)
    owed_now = {(o.subject_id, o.owner_id) for o in still_open}
    months = select(ProgrammeMonth.id).where(
        ProgrammeMonth.month == (today.replace(day=1) if open_new else date.min)
    )
    stmt = (
        select(ProgrammeMonth, AuditorExpectation)
        .join(AuditorExpectation, AuditorExpectation.programme_month_id == ProgrammeMonth.id)
        .join(Person, Person.id == AuditorExpectation.auditor_id)
        .where(
            ProgrammeMonth.id.in_(months)
            | ProgrammeMonth.id.in_([o.subject_id for o in still_open]),
            AuditorExpectation.expected_audits > 0,
            Person.is_active.is_(True),
        )
    )
    if auditor_id is not None:
        stmt = stmt.where(AuditorExpectation.auditor_id == auditor_id)
    rows = [
        (pm, e)
        for pm, e in (await session.execute(stmt)).all()
        if open_new or (pm.id, e.auditor_id) in owed_now
    ]
    if not rows:
        return 0
    completed = {
        (pm_id, person_id): n
        for pm_id, person_id, n in (
            await session.execute(
                select(Audit.programme_month_id, Audit.auditor_id, func.count())
                .where(
                    Audit.programme_month_id.in_({pm.id for pm, _ in rows}),
                    Audit.status == AuditStatus.COMPLETED,
                    Audit.auditor_id.in_({e.auditor_id for _, e in rows}),
                )
                .group_by(Audit.programme_month_id, Audit.auditor_id)
            )
        ).all()
    }
    closed = 0
    for pm, expectation in rows:
        month_last = pm.month + relativedelta(months=1) - relativedelta(days=1)
        key = obligations.obligation_key(
            ObligationKind.MONTHLY_AUDITS_DUE, pm.id, expectation.auditor_id
        )
        await obligations.open_obligation(
            session=session,
            clock=clock,
            kind=ObligationKind.MONTHLY_AUDITS_DUE,
            subject_type="ProgrammeMonth",
            subject_id=pm.id,
            owner_id=expectation.auditor_id,
            due_at=end_of_day(last_working_day(calendar, month_last)),
            key=key,
        )
        if completed.get((pm.id, expectation.auditor_id), 0) >= expectation.expected_audits:
            closed += await _close(session, clock, key, expectation.auditor_id)
    return closed


async def _quarterly(
    session: AsyncSession,
    clock: Clock,
    calendar: WorkingCalendar,
    today: date,
    auditor_id: uuid.UUID | None,
    open_new: bool,
) -> int:
    stmt = (
        select(Person.id)
        .join(RoleGrant, RoleGrant.person_id == Person.id)
        .where(RoleGrant.role.in_(SUPERVISION_AUDITORS), Person.is_active.is_(True))
        .distinct()
    )
    if auditor_id is not None:
        stmt = stmt.where(Person.id == auditor_id)
    # (person, any day of the quarter): this quarter for everyone who holds the roles, and
    # earlier quarters whose obligation is still open.
    owed = {(person_id, today) for person_id in await session.scalars(stmt)} if open_new else set()
    for o in await _open_subjects(session, ObligationKind.SUPERVISION_AUDITS_DUE, auditor_id):
        owed.add((o.owner_id, local_day(o.due_at)))
    closed = 0
    for person_id, day in sorted(owed, key=lambda pair: (str(pair[0]), pair[1])):
        first, last, label = quarter_of(day)
        key = obligations.obligation_key(ObligationKind.SUPERVISION_AUDITS_DUE, person_id, label)
        await obligations.open_obligation(
            session=session,
            clock=clock,
            kind=ObligationKind.SUPERVISION_AUDITS_DUE,
            subject_type="Person",
            subject_id=person_id,
            owner_id=person_id,
            due_at=end_of_day(last_working_day(calendar, last)),
            key=key,
        )
        done = await session.scalar(
            select(Audit.id)
            .where(
                Audit.kind == AuditKind.SUPERVISION,
                Audit.status == AuditStatus.COMPLETED,
                Audit.auditor_id == person_id,
                Audit.completed_at >= _start(first),
                Audit.completed_at < _start(last + relativedelta(days=1)),
            )
            .limit(1)
        )
        if done is not None:
            closed += await _close(session, clock, key, person_id)
    return closed


async def _close(session: AsyncSession, clock: Clock, key: str, by: uuid.UUID) -> int:
    before = await session.scalar(select(Obligation.state).where(Obligation.key == key))
    if before is not ObligationState.OPEN:
        return 0
    await obligations.close_obligation(
        session=session, clock=clock, key=key, state=ObligationState.DONE, by=by
    )
    return 1
