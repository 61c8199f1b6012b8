"""The upgrade to this release (migration 0015) on a database with processes under way: the
reviews in supervision still owed are moved to the months after the exception report (the older
release had them monthly from the confirmation), and a process ended by a regrade gets the
grade its moderation gave, so that its report reads as withdrawn."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from cli import migrate
from domain.audits.kinds import Grade
from domain.core.settings import Settings
from domain.deadlines.calendar import end_of_day
from domain.deadlines.models import Obligation
from domain.escalation.models import InadequateEscalation, RegradedBy
from tests.domain.audits.helpers import Authority
from tests.domain.escalation.helpers import (
    assure,
    confirmed,
    inadequate_audit,
    moderate,
    owed_by_kind,
    process_of,
    review_all,
    send_report,
    supervise,
)


async def test_the_upgrade_redates_reviews_owed_and_keeps_the_regraded_grade(
    auth: Authority, settings: Settings, engine: AsyncEngine
) -> None:
    world = auth.world
    process = await confirmed(auth)  # confirmed on Tuesday 29 December 2026
    world.clock.set(datetime(2026, 12, 30, 9, tzinfo=UTC))
    await assure(auth, process.id)
    await review_all(auth, process.id)
    world.clock.set(datetime(2027, 1, 11, 14, tzinfo=UTC))
    await send_report(auth, process.id)
    await supervise(auth, process.id, 1, date(2027, 1, 28))
    # Another audit of Bob's, regraded at moderation.
    other_audit = await inadequate_audit(auth)
    await moderate(auth, other_audit, confirm=False, at=datetime(2027, 1, 12, 10, tzinfo=UTC))

    # As the older release left them: reviews due monthly from the confirmation, and no
    # regraded grade kept.
    old = {2: date(2027, 3, 1), 3: date(2027, 3, 30)}
    async with world.session_factory() as s, s.begin():
        for number, day in old.items():
            await s.execute(
                update(Obligation)
                .where(Obligation.key == f"supervision-review-due:{process.id}:{number}")
                .values(due_at=end_of_day(day))
            )
        await s.execute(update(InadequateEscalation).values(regraded_grade=None, regraded_by=None))
    done_before = (await owed_by_kind(world, process.id))["supervision-review-due:1"]

    await asyncio.to_thread(migrate.downgrade, settings.database_url, "0014_notification_link")
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    await engine.dispose()  # no connection keeps statements prepared for the old columns

    owed = await owed_by_kind(world, process.id)
    # Monthly from the report (Monday 11 January 2027); 11 April 2027 is a Sunday.
    assert owed["supervision-review-due:2"].due_at == end_of_day(date(2027, 3, 11))
    assert owed["supervision-review-due:3"].due_at == end_of_day(date(2027, 4, 12))
    # What was done stays as it was done.
    assert owed["supervision-review-due:1"].due_at == done_before.due_at
    regraded = await process_of(world, other_audit)
    assert (regraded.regraded_grade, regraded.regraded_by) == (
        Grade.REQUIRES_IMPROVEMENT,
        RegradedBy.MODERATION,
    )
    assert regraded.report_withdrawn
    assert (await process_of(world, process.audit_id)).regraded_grade is None
