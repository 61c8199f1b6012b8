"""Who sees which audits (DOMAIN.md, roles): auditors their own, practitioners their own
cases', managers their teams' or services', the authority-wide roles all; administrators and
partner agencies none. Blind benchmarking, and what reading a list costs."""

from __future__ import annotations

import uuid

import pytest

from domain.audits import benchmarking
from domain.audits import service as audits
from domain.audits.kinds import AuditKind, AuditStatus
from domain.audits.models import Audit
from domain.audits.policy import can_see_grades
from domain.core.clock import local_today
from domain.core.roles import SYSTEM, Actor
from tests.conftest import StatementCounter, World
from tests.domain.audits.helpers import (
    Authority,
    act,
    advance,
    due,
    full_record,
    plan,
    uow,
)


@pytest.fixture
async def four(auth: Authority, world: World) -> dict[str, Audit]:
    """The PSW audits a case of Ann's and one of Bob's (team A); the IRO one of Cat's
    (team B); the manager of team B one of Dan's (team C, Family First)."""
    return {
        "ann": await plan(world, AuditKind.CASE_FILE, auth.psw, auth.ann_children[0]),
        "bob": await plan(world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[0]),
        "cat": await plan(world, AuditKind.CASE_FILE, auth.iro, auth.cat_children[0]),
        "dan": await plan(world, AuditKind.CASE_FILE, auth.tm_b, auth.dan_children[0]),
    }


async def _listed(world: World, actor: Actor) -> set[uuid.UUID]:
    async with world.session_factory() as s:
        page = await audits.list_audits(
            session=s, actor=actor, filters=audits.AuditFilter(), first=100, after=None
        )
        return {a.id for a in page.items}


async def _fetched(world: World, actor: Actor, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    async with world.session_factory() as s:
        return set(await audits.get_audits(session=s, actor=actor, ids=ids))


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        # Auditors see their own audits, whatever team the case is in.
        ("iro", {"cat", "dan"}),
        ("tm_b", {"cat", "dan"}),
        # Practitioners see the audits of their own cases, not of others in their team.
        ("ann", {"ann"}),
        ("bob", {"bob"}),
        ("cat", {"cat"}),
        # Managers see their team's or their service's.
        ("tm_a", {"ann", "bob"}),
        ("gm", {"ann", "bob", "cat"}),
        ("hos_csc", {"ann", "bob", "cat"}),
        ("hos_ff", {"dan"}),
        # The authority-wide roles see every audit.
        ("qa_lead", {"ann", "bob", "cat", "dan"}),
        ("dcs", {"ann", "bob", "cat", "dan"}),
        ("aed", {"ann", "bob", "cat", "dan"}),
        # Administrators and partner agencies see none by those roles.
        ("admin", set()),
        ("partner", set()),
    ],
)
async def test_each_person_sees_the_audits_their_role_gives_them(
    auth: Authority, world: World, four: dict[str, Audit], who: str, sees: set[str]
) -> None:
    actor = auth.actor(auth.person(who))
    expected = {four[name].id for name in sees}
    assert await _listed(world, actor) == expected
    assert await _fetched(world, actor, [a.id for a in four.values()]) == expected
    assert await uow(world, audits.count_audits, actor=actor, filters=audits.AuditFilter()) == len(
        expected
    )


async def test_a_practitioner_sees_an_audit_of_their_case_however_far_it_has_gone(
    auth: Authority, world: World, four: dict[str, Audit]
) -> None:
    await advance(world, auth.actor(auth.psw), four["ann"].id, AuditStatus.COMPLETED)
    await advance(world, auth.actor(auth.psw), four["bob"].id, AuditStatus.CANCELLED)
    assert await _listed(world, auth.actor(auth.ann)) == {four["ann"].id}
    assert await _listed(world, auth.actor(auth.bob)) == {four["bob"].id}


async def test_a_supervision_audit_is_seen_by_the_supervisee_and_the_supervisor(
    auth: Authority, world: World
) -> None:
    audit = await plan(
        world,
        AuditKind.SUPERVISION,
        auth.hos_ff,
        subject_practitioner_id=auth.cat.id,
        supervisor_id=auth.tm_b.id,
    )
    for who, sees in (("cat", True), ("tm_b", True), ("hos_csc", True), ("ann", False)):
        assert (audit.id in await _listed(world, auth.actor(auth.person(who)))) is sees, who


async def test_in_a_blind_benchmarking_round_nobody_sees_anothers_grades_until_all_submit(
    auth: Authority, world: World
) -> None:
    round_, (by_psw, by_aed) = await act(
        world,
        benchmarking.create_benchmark_round,
        auth.actor(auth.qa_lead),
        name="Autumn 2026",
        child_id=auth.cat_children[0].id,
        auditor_ids=[auth.psw.id, auth.aed.id],
        due_date=due(world),
    )
    await advance(world, auth.actor(auth.psw), by_psw.id, AuditStatus.SUBMITTED)
    await advance(world, auth.actor(auth.aed), by_aed.id, AuditStatus.IN_PROGRESS)

    async def sight(who: str) -> dict[str, bool]:
        actor = auth.actor(auth.person(who))
        async with world.session_factory() as s:
            blind, members = (await audits.round_blindness(s, [round_.id]))[round_.id]
            shown = await audits.get_audits(session=s, actor=actor, ids=[by_psw.id, by_aed.id])
        return {
            name: can_see_grades(actor, shown[a.id], round_blind=blind, participant_ids=members)
            for name, a in (("psw", by_psw), ("aed", by_aed))
        }

    async with world.session_factory() as s:
        blind, members = (await audits.round_blindness(s, [round_.id]))[round_.id]
    assert blind and members == {auth.psw.id, auth.aed.id}
    assert await sight("psw") == {"psw": True, "aed": False}
    assert await sight("aed") == {"psw": False, "aed": True}
    assert await sight("qa_lead") == {"psw": True, "aed": True}
    assert await sight("hos_csc") == {"psw": False, "aed": False}

    await advance(world, auth.actor(auth.aed), by_aed.id, AuditStatus.SUBMITTED)
    async with world.session_factory() as s:
        blind, _ = (await audits.round_blindness(s, [round_.id]))[round_.id]
    assert not blind
    for who in ("psw", "aed", "qa_lead", "hos_csc"):
        assert await sight(who) == {"psw": True, "aed": True}, who

    # Reopened by one auditor, the round is blind again.
    await act(world, audits.reopen_audit, auth.actor(auth.aed), audit_id=by_aed.id)
    assert await sight("psw") == {"psw": True, "aed": False}


async def test_the_qa_lead_auditing_in_a_blind_round_sees_only_their_own_grades(
    auth: Authority, world: World
) -> None:
    round_, (by_qa, by_psw) = await act(
        world,
        benchmarking.create_benchmark_round,
        auth.actor(auth.aed),
        name="Autumn 2026",
        child_id=auth.cat_children[0].id,
        auditor_ids=[auth.qa_lead.id, auth.psw.id],
        due_date=due(world),
    )
    await advance(world, auth.actor(auth.psw), by_psw.id, AuditStatus.SUBMITTED)
    qa = auth.actor(auth.qa_lead)
    async with world.session_factory() as s:
        blind, members = (await audits.round_blindness(s, [round_.id]))[round_.id]
        shown = await audits.get_audits(session=s, actor=qa, ids=[by_qa.id, by_psw.id])
    assert blind
    assert can_see_grades(qa, shown[by_qa.id], round_blind=blind, participant_ids=members)
    assert not can_see_grades(qa, shown[by_psw.id], round_blind=blind, participant_ids=members)


async def _audits_with_grades(auth: Authority, world: World, how_many: int) -> None:
    """`how_many` case file audits, each filled in with its four section grades."""
    team = await world.team(auth.csc, f"Counting Team {how_many}")
    children = await world.children(team, how_many, prefix=f"N{how_many}")
    async with world.session_factory() as s, s.begin():
        for child in children:
            audit = await audits.plan_audit(
                session=s,
                actor=SYSTEM,
                clock=world.clock,
                plan=audits.AuditPlan(
                    kind=AuditKind.CASE_FILE,
                    auditor_id=auth.psw.id,
                    due_date=due(world),
                    child_id=child.id,
                ),
            )
            started = await audits.start_audit(
                session=s, actor=SYSTEM, clock=world.clock, audit_id=audit.id
            )
            await audits.save_audit(
                session=s,
                actor=SYSTEM,
                clock=world.clock,
                audit_id=audit.id,
                record=full_record(started.template, today=local_today(world.clock)),
            )


async def _cost_of_listing(
    world: World, actor: Actor, counter: StatementCounter
) -> tuple[int, int]:
    counter.start()
    async with world.session_factory() as s:
        page = await audits.list_audits(
            session=s, actor=actor, filters=audits.AuditFilter(), first=100, after=None
        )
        assert all(len(a.section_grades) == 4 for a in page.items)
    return counter.stop(), len(page.items)


@pytest.mark.parametrize("who", ["qa_lead", "hos_csc", "psw"])
async def test_listing_fifty_audits_costs_the_same_statements_as_listing_one(
    auth: Authority, world: World, sql_counter: StatementCounter, who: str
) -> None:
    actor = auth.actor(auth.person(who))
    await _audits_with_grades(auth, world, 1)
    one = await _cost_of_listing(world, actor, sql_counter)
    await _audits_with_grades(auth, world, 49)
    fifty = await _cost_of_listing(world, actor, sql_counter)
    assert (one[1], fifty[1]) == (1, 50)
    assert fifty[0] == one[0] <= 2


async def test_a_blind_rounds_grades_do_not_leak_through_a_filter_by_grade(
    auth: Authority, world: World
) -> None:
    from domain.audits.kinds import Grade

    round_, (by_psw, by_aed) = await act(
        world,
        benchmarking.create_benchmark_round,
        auth.actor(auth.qa_lead),
        name="Spring 2027",
        child_id=auth.cat_children[0].id,
        auditor_ids=[auth.psw.id, auth.aed.id],
        due_date=due(world),
    )
    await advance(world, auth.actor(auth.psw), by_psw.id, AuditStatus.SUBMITTED)
    await advance(world, auth.actor(auth.aed), by_aed.id, AuditStatus.IN_PROGRESS)
    any_grade = audits.AuditFilter(grades=tuple(Grade), benchmark_round_id=round_.id)

    async def graded(who: str) -> set[uuid.UUID]:
        async with world.session_factory() as s:
            page = await audits.list_audits(
                session=s,
                actor=auth.actor(auth.person(who)),
                filters=any_grade,
                first=10,
                after=None,
            )
        return {a.id for a in page.items}

    # The AED sees every audit, but not the PSW's grade while the AED's own is unfinished.
    assert await graded("aed") == set()
    assert await graded("psw") == {by_psw.id}
    await advance(world, auth.actor(auth.aed), by_aed.id, AuditStatus.SUBMITTED)
    assert await graded("aed") == {by_psw.id, by_aed.id}
