"""The programme's periodic timescales as obligations: every auditor completes their monthly
audits, and the PSW, Heads of Service and QA Lead a supervision audit each quarter, by the
last working day; met obligations close when the audit that meets them is completed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from domain.audits import programme, timescales
from domain.audits.kinds import AuditKind, AuditStatus
from domain.core.roles import SYSTEM
from domain.deadlines.calendar import end_of_day
from domain.deadlines.models import Obligation, ObligationKind, ObligationState
from tests.conftest import World
from tests.domain.audits.helpers import Authority, act, advance, plan, uow

START = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.fixture
def founded_at() -> datetime:
    """The seeded authority (`auth`) is set up at this moment."""
    return START


async def _owed(world: World, kind: ObligationKind) -> dict[object, Obligation]:
    async with world.session_factory() as s:
        rows = await s.scalars(select(Obligation).where(Obligation.kind == kind))
        return {o.owner_id: o for o in rows}


async def _reconcile(world: World) -> int:
    return await uow(world, timescales.reconcile, clock=world.clock)


def test_quarters_are_calendar_quarters() -> None:
    assert timescales.quarter_of(date(2026, 11, 26)) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
        "2026Q4",
    )
    assert timescales.quarter_of(date(2027, 3, 31))[2] == "2027Q1"


async def test_every_auditor_owes_their_monthly_audits_by_the_last_working_day(
    auth: Authority,
) -> None:
    world = auth.world
    await act(
        world,
        programme.set_programme_month,
        SYSTEM,
        month=date(2026, 12, 1),
        notes=None,
        expectations=[programme.Expectation(auth.psw.id, 2), programme.Expectation(auth.gm.id, 0)],
    )
    await _reconcile(world)
    await _reconcile(world)  # again: nothing twice
    owed = await _owed(world, ObligationKind.MONTHLY_AUDITS_DUE)
    assert set(owed) == {auth.psw.id}  # an expectation of none owes nothing
    assert owed[auth.psw.id].due_at == end_of_day(date(2026, 12, 31))

    audits = [
        await plan(world, AuditKind.CASE_FILE, auth.psw, child) for child in auth.cat_children[:2]
    ]
    async with world.session_factory() as s, s.begin():
        month = await programme.programme_month(s, world.clock, date(2026, 12, 1), create=False)
        assert month is not None
        for audit in audits:
            row = await s.get(type(audit), audit.id)
            assert row is not None
            row.programme_month_id = month.id
    await advance(world, auth.actor(auth.psw), audits[0].id, AuditStatus.COMPLETED)
    owed = await _owed(world, ObligationKind.MONTHLY_AUDITS_DUE)
    assert owed[auth.psw.id].state is ObligationState.OPEN  # one of two
    await advance(world, auth.actor(auth.psw), audits[1].id, AuditStatus.COMPLETED)
    owed = await _owed(world, ObligationKind.MONTHLY_AUDITS_DUE)
    assert owed[auth.psw.id].state is ObligationState.DONE  # closed by the completion itself
    assert owed[auth.psw.id].closed_by_id == auth.psw.id


async def test_the_psw_heads_of_service_and_qa_lead_owe_a_supervision_audit_each_quarter(
    auth: Authority,
) -> None:
    world = auth.world
    await _reconcile(world)
    owed = await _owed(world, ObligationKind.SUPERVISION_AUDITS_DUE)
    assert set(owed) == {auth.psw.id, auth.qa_lead.id, auth.hos_csc.id, auth.hos_ff.id}
    assert {o.due_at for o in owed.values()} == {end_of_day(date(2026, 12, 31))}

    audit = await plan(
        world,
        AuditKind.SUPERVISION,
        auth.hos_csc,
        supervision_forum="Legal Planning and Permanence Panel",
    )
    await advance(world, auth.actor(auth.hos_csc), audit.id, AuditStatus.COMPLETED)
    owed = await _owed(world, ObligationKind.SUPERVISION_AUDITS_DUE)
    assert owed[auth.hos_csc.id].state is ObligationState.DONE
    assert owed[auth.psw.id].state is ObligationState.OPEN

    # A new quarter opens a new obligation; the missed one stays open, overdue.
    world.clock.set(datetime(2027, 1, 4, 9, tzinfo=UTC))
    await _reconcile(world)
    async with world.session_factory() as s:
        psw = list(
            await s.scalars(
                select(Obligation)
                .where(
                    Obligation.kind == ObligationKind.SUPERVISION_AUDITS_DUE,
                    Obligation.owner_id == auth.psw.id,
                )
                .order_by(Obligation.due_at)
            )
        )
    assert [(o.due_at, o.state) for o in psw] == [
        (end_of_day(date(2026, 12, 31)), ObligationState.OPEN),
        (end_of_day(date(2027, 3, 31)), ObligationState.OPEN),
    ]
