"""The audit programme: each month's expectations and progress, drawing and allocating
samples, benchmarking rounds, and the nine-month child protection dip samples."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from domain.audits import benchmarking, programme, sampling
from domain.audits import service as audits
from domain.audits.kinds import AuditKind, AuditStatus, Grade
from domain.audits.models import (
    Audit,
    AuditorExpectation,
    BenchmarkRound,
    ProgrammeMonth,
    Sample,
)
from domain.children.models import Child
from domain.children.service import Cohort
from domain.core.errors import Conflict, InvalidInput, NotAllowed
from domain.core.roles import Role, ScopeType
from domain.core.settings import PolicySettings
from domain.history.models import HistoryEntry
from domain.people.models import Person, Team
from tests.conftest import NOW, World
from tests.domain.audits.helpers import (
    Authority,
    act,
    advance,
    count_rows,
    cp_child,
    load,
    plan,
    uow,
)

NOVEMBER = date(2026, 11, 1)
DECEMBER = date(2026, 12, 1)
DUE = date(2026, 12, 18)
POLICY = PolicySettings()


@pytest.fixture
async def pool(auth: Authority, world: World) -> tuple[Team, list[Child]]:
    """A team of thirty unallocated cases with no manager, to sample from."""
    team = await world.team(auth.csc, "Sampling Team S")
    return team, await world.children(team, 30, prefix="S")


async def _draw(
    auth: Authority, auditors: list[Person], *, planner: str = "qa_lead", **request: Any
) -> sampling.SampleResult:
    request.setdefault("month", DECEMBER)
    request.setdefault("kind", AuditKind.CASE_FILE)
    request.setdefault("due_date", DUE)
    return await act(
        auth.world,
        programme.draw_sample,
        auth.actor(auth.person(planner)),
        policy_settings=POLICY,
        request=sampling.SampleRequest(auditor_ids=[a.id for a in auditors], **request),
    )


async def _stored(world: World) -> tuple[int, int, int, int]:
    return (
        await count_rows(world, Audit),
        await count_rows(world, Sample),
        await count_rows(world, ProgrammeMonth),
        await count_rows(world, HistoryEntry),
    )


# --- the month's expectations and progress -------------------------------------------------------


@pytest.mark.parametrize("planner", ["aed", "psw", "hos_csc", "qa_lead"])
async def test_the_aed_psw_heads_of_service_and_qa_lead_set_the_months_expectations(
    auth: Authority, world: World, planner: str
) -> None:
    month = await act(
        world,
        programme.set_programme_month,
        auth.actor(auth.person(planner)),
        month=date(2026, 11, 17),
        notes="Neglect is this month's theme.",
        expectations=[
            programme.Expectation(auth.psw.id, 3),
            programme.Expectation(auth.gm.id, 2),
        ],
    )
    assert (month.month, month.notes) == (NOVEMBER, "Neglect is this month's theme.")
    async with world.session_factory() as s:
        rows = await s.scalars(
            select(AuditorExpectation).where(AuditorExpectation.programme_month_id == month.id)
        )
        assert {(r.auditor_id, r.expected_audits) for r in rows} == {
            (auth.psw.id, 3),
            (auth.gm.id, 2),
        }


@pytest.mark.parametrize("who", ["tm_a", "ann", "gm", "iro", "admin", "partner"])
async def test_nobody_else_sets_the_programme(auth: Authority, world: World, who: str) -> None:
    with pytest.raises(NotAllowed):
        await act(
            world,
            programme.set_programme_month,
            auth.actor(auth.person(who)),
            month=NOVEMBER,
            notes=None,
            expectations=[programme.Expectation(auth.psw.id, 3)],
        )
    assert await count_rows(world, ProgrammeMonth) == 0
    assert await count_rows(world, AuditorExpectation) == 0


async def test_setting_expectations_again_replaces_those_given_and_keeps_the_others(
    auth: Authority, world: World
) -> None:
    aed = auth.actor(auth.aed)
    first = [programme.Expectation(auth.psw.id, 3), programme.Expectation(auth.gm.id, 2)]
    await act(
        world, programme.set_programme_month, aed, month=NOVEMBER, notes=None, expectations=first
    )
    await act(
        world,
        programme.set_programme_month,
        aed,
        month=NOVEMBER,
        notes=None,
        expectations=[programme.Expectation(auth.psw.id, 4)],
    )
    for bad, field in (
        (programme.Expectation(auth.admin.id, 1), "expectations[0].auditorId"),
        (programme.Expectation(auth.psw.id, -1), "expectations[0].expectedAudits"),
        (programme.Expectation(auth.psw.id, 101), "expectations[0].expectedAudits"),
    ):
        with pytest.raises(InvalidInput) as refused:
            await act(
                world,
                programme.set_programme_month,
                aed,
                month=NOVEMBER,
                notes=None,
                expectations=[bad],
            )
        assert refused.value.field == field
    progress = await act(world, programme.auditor_progress, aed, month=NOVEMBER, auditor_id=None)
    assert {p.auditor_id: p.expected for p in progress} == {auth.psw.id: 4, auth.gm.id: 2}


async def _november_work(auth: Authority, world: World) -> None:
    """The PSW: one audit completed and one still open, due in November; one cancelled; one
    due in December. The manager of team A: one open audit due on the last day of November."""
    psw = auth.actor(auth.psw)
    done = await plan(
        world, AuditKind.CASE_FILE, auth.psw, auth.cat_children[0], due_date=date(2026, 11, 27)
    )
    await advance(world, psw, done.id, AuditStatus.COMPLETED)
    await plan(
        world, AuditKind.CASE_FILE, auth.psw, auth.cat_children[1], due_date=date(2026, 11, 27)
    )
    dropped = await plan(
        world, AuditKind.CASE_FILE, auth.psw, auth.cat_children[2], due_date=date(2026, 11, 28)
    )
    await advance(world, psw, dropped.id, AuditStatus.CANCELLED)
    await plan(
        world, AuditKind.CASE_FILE, auth.psw, auth.dan_children[0], due_date=date(2026, 12, 3)
    )
    await plan(
        world, AuditKind.CASE_FILE, auth.tm_a, auth.cat_children[1], due_date=date(2026, 11, 30)
    )
    await act(
        world,
        programme.set_programme_month,
        auth.actor(auth.aed),
        month=NOVEMBER,
        notes=None,
        expectations=[
            programme.Expectation(auth.psw.id, 3),
            programme.Expectation(auth.tm_a.id, 1),
            programme.Expectation(auth.gm.id, 2),
        ],
    )
    world.clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))


async def test_a_planner_sees_each_auditors_expected_allocated_completed_and_overdue_audits(
    auth: Authority, world: World
) -> None:
    await _november_work(auth, world)
    progress = await act(
        world, programme.auditor_progress, auth.actor(auth.aed), month=NOVEMBER, auditor_id=None
    )
    lines = {p.auditor_id: (p.expected, p.allocated, p.completed, p.overdue) for p in progress}
    assert lines == {
        auth.psw.id: (3, 2, 1, 1),
        auth.tm_a.id: (1, 1, 0, 0),
        auth.gm.id: (2, 0, 0, 0),
    }
    [only_psw] = await act(
        world,
        programme.auditor_progress,
        auth.actor(auth.qa_lead),
        month=NOVEMBER,
        auditor_id=auth.psw.id,
    )
    assert (only_psw.auditor_id, only_psw.expected, only_psw.allocated) == (auth.psw.id, 3, 2)


@pytest.mark.parametrize("asking_for", [None, "psw"])
async def test_someone_who_does_not_plan_sees_only_their_own_progress(
    auth: Authority, world: World, asking_for: str | None
) -> None:
    await _november_work(auth, world)
    progress = await act(
        world,
        programme.auditor_progress,
        auth.actor(auth.tm_a),
        month=NOVEMBER,
        auditor_id=auth.person(asking_for).id if asking_for else None,
    )
    assert [(p.auditor_id, p.expected, p.allocated) for p in progress] == [(auth.tm_a.id, 1, 1)]


# --- drawing a sample ------------------------------------------------------------------------------


async def test_the_same_seed_over_the_same_cases_draws_the_same_sample(
    auth: Authority, world: World, pool: tuple[Team, list[Child]]
) -> None:
    team, _ = pool
    auditors = [auth.psw, auth.aed, auth.qa_lead]
    ask: dict[str, Any] = {"team_id": team.id, "count": 6, "seed": 20261126}
    first = await _draw(auth, auditors, dry_run=True, **ask)
    second = await _draw(auth, auditors, dry_run=True, **ask)
    real = await _draw(auth, auditors, **ask)

    drawn = [c.id for c in first.children]
    assert len(drawn) == 6
    assert [c.id for c in second.children] == drawn == [c.id for c in real.children]
    assert first.allocation == second.allocation == real.allocation
    assert {(a.child_id, a.auditor_id) for a in real.audits} == set(real.allocation.items())
    async with world.session_factory() as s:
        stored = (await s.scalars(select(Sample))).one()
    assert stored.seed == 20261126
    assert stored.drawn_child_ids == [str(i) for i in drawn]
    assert stored.candidates == 30


async def test_a_draw_without_a_seed_records_the_seed_that_draws_it_again(
    auth: Authority, world: World, pool: tuple[Team, list[Child]]
) -> None:
    team, _ = pool
    unseeded = await _draw(auth, [auth.psw], dry_run=True, team_id=team.id, count=5)
    again = await _draw(
        auth, [auth.psw], dry_run=True, team_id=team.id, count=5, seed=unseeded.sample.seed
    )
    assert [c.id for c in again.children] == [c.id for c in unseeded.children]


async def test_different_seeds_draw_different_samples(
    auth: Authority, world: World, pool: tuple[Team, list[Child]]
) -> None:
    team, _ = pool
    samples = [
        {
            c.id
            for c in (
                await _draw(auth, [auth.psw], dry_run=True, team_id=team.id, count=5, seed=seed)
            ).children
        }
        for seed in (1, 2, 3)
    ]
    assert len({frozenset(s) for s in samples}) == 3


@pytest.mark.parametrize(
    ("size", "drawn"),
    [
        ({"count": 7}, 7),
        ({"count": 45}, 30),
        ({"percentage": 20}, 6),
        ({"percentage": 100}, 30),
    ],
)
async def test_a_sample_is_sized_by_a_count_or_a_percentage_of_the_cases(
    auth: Authority, pool: tuple[Team, list[Child]], size: dict[str, Any], drawn: int
) -> None:
    team, _ = pool
    result = await _draw(auth, [auth.psw], dry_run=True, team_id=team.id, seed=7, **size)
    assert len(result.children) == drawn
    assert len({c.id for c in result.children}) == drawn


@pytest.mark.parametrize(
    ("size", "field"),
    [
        ({}, "count"),
        ({"count": 5, "percentage": 10}, "count"),
        ({"count": 0}, "count"),
        ({"percentage": 0}, "percentage"),
        ({"percentage": 101}, "percentage"),
    ],
)
async def test_a_sample_needs_one_size(
    auth: Authority, pool: tuple[Team, list[Child]], size: dict[str, Any], field: str
) -> None:
    team, _ = pool
    with pytest.raises(InvalidInput) as refused:
        await _draw(auth, [auth.psw], team_id=team.id, **size)
    assert refused.value.field == field


async def test_a_small_percentage_of_a_small_caseload_still_draws_a_case(
    auth: Authority, world: World
) -> None:
    team = await world.team(auth.csc, "Small Team")
    await world.children(team, 10, prefix="SM")
    result = await _draw(auth, [auth.psw], dry_run=True, team_id=team.id, percentage=5, seed=1)
    assert len(result.children) == 1


async def _audited_on(auth: Authority, world: World, child: Child, when: datetime) -> Audit:
    world.clock.set(when)
    audit = await plan(world, AuditKind.CASE_FILE, auth.psw, child)
    await advance(world, auth.actor(auth.psw), audit.id, AuditStatus.COMPLETED)
    world.clock.set(NOW)
    return audit


async def test_children_audited_in_the_last_twelve_months_are_left_out_unless_asked(
    auth: Authority, world: World
) -> None:
    team = await world.team(auth.csc, "Recent Team")
    six_months, thirteen_months, cancelled, planned, never = await world.children(
        team, 5, prefix="R"
    )
    await _audited_on(auth, world, six_months, NOW - relativedelta(months=6))
    await _audited_on(auth, world, thirteen_months, NOW - relativedelta(months=13))
    dropped = await plan(world, AuditKind.CASE_FILE, auth.psw, cancelled)
    await advance(world, auth.actor(auth.psw), dropped.id, AuditStatus.CANCELLED)
    await plan(world, AuditKind.CASE_FILE, auth.psw, planned)

    left = await _draw(auth, [auth.aed], dry_run=True, team_id=team.id, percentage=100)
    assert {c.id for c in left.children} == {thirteen_months.id, cancelled.id, never.id}
    assert left.sample.candidates == 3
    every = await _draw(
        auth,
        [auth.aed],
        dry_run=True,
        team_id=team.id,
        percentage=100,
        include_recently_audited=True,
    )
    assert len(every.children) == 5


async def test_a_child_whose_audit_was_completed_within_twelve_months_is_left_out(
    auth: Authority, world: World
) -> None:
    team = await world.team(auth.csc, "Slow Team")
    [child] = await world.children(team, 1, prefix="SL")
    psw = auth.actor(auth.psw)
    world.clock.set(NOW - relativedelta(months=13))
    audit = await plan(world, AuditKind.CASE_FILE, auth.psw, child)
    await advance(world, psw, audit.id, AuditStatus.SUBMITTED)
    world.clock.set(NOW - relativedelta(months=11))
    await act(world, audits.complete_audit, psw, audit_id=audit.id)
    world.clock.set(NOW)
    result = await _draw(auth, [auth.aed], dry_run=True, team_id=team.id, percentage=100)
    assert result.children == []


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"team_id": "team_b"}, {"CAT-0", "CAT-1", "CAT-2"}),
        ({"service_id": "ff"}, {"DAN-0", "DAN-1", "DAN-2"}),
        ({"cohort": Cohort.LOOKED_AFTER}, {"ANN-0", "BOB-0", "CAT-0", "DAN-0"}),
        ({"service_id": "csc", "cohort": Cohort.LOOKED_AFTER}, {"ANN-0", "BOB-0", "CAT-0"}),
    ],
)
async def test_a_sample_is_drawn_only_from_the_team_service_or_cohort_asked_for(
    auth: Authority, where: dict[str, Any], expected: set[str]
) -> None:
    ask = {
        k: getattr(auth, v).id if k in ("team_id", "service_id") else v for k, v in where.items()
    }
    result = await _draw(auth, [auth.psw, auth.aed], dry_run=True, percentage=100, **ask)
    # Case references are "<prefix>-<first three letters of the team>-<number>".
    drawn = {
        f"{c.case_reference.split('-')[0]}-{int(c.case_reference.split('-')[2])}"
        for c in result.children
    }
    assert drawn == expected
    assert result.sample.candidates == len(expected)


async def test_allocation_balances_the_load_across_the_auditors_named(
    auth: Authority, world: World, pool: tuple[Team, list[Child]]
) -> None:
    team, _ = pool
    auditors = [auth.psw, auth.aed, auth.qa_lead]
    first = await _draw(auth, auditors, team_id=team.id, count=10, seed=5)
    assert sorted(Counter(first.allocation.values()).values()) == [3, 3, 4]
    # A second draw for the month evens out what the first left.
    second = await _draw(auth, auditors, team_id=team.id, count=5, seed=6)
    assert not set(first.allocation) & set(second.allocation)
    async with world.session_factory() as s:
        totals = Counter(await s.scalars(select(Audit.auditor_id).where(Audit.due_date == DUE)))
    assert totals == {auth.psw.id: 5, auth.aed.id: 5, auth.qa_lead.id: 5}


async def test_no_auditor_is_given_a_case_they_hold_or_manage(
    auth: Authority, world: World
) -> None:
    # The manager of team A, Ann's line manager and the manager of team B.
    result = await _draw(
        auth, [auth.tm_a, auth.gm, auth.tm_b], service_id=auth.csc.id, percentage=100, seed=3
    )
    assert len(result.audits) == 9
    children = {c.id: c for c in result.children}
    for audit in result.audits:
        assert audit.child_id is not None
        child = children[audit.child_id]
        if child.team_id == auth.team_a.id:
            assert audit.auditor_id != auth.tm_a.id
        if child.allocated_practitioner_id == auth.ann.id:
            assert audit.auditor_id != auth.gm.id
        if child.team_id == auth.team_b.id:
            assert audit.auditor_id != auth.tm_b.id


async def test_a_peer_sample_never_gives_a_practitioner_their_own_case(
    auth: Authority, world: World
) -> None:
    result = await _draw(
        auth,
        [auth.ann, auth.bob],
        kind=AuditKind.PEER,
        team_id=auth.team_a.id,
        percentage=100,
        seed=11,
    )
    given = {a.child_id: a.auditor_id for a in result.audits}
    assert {given[c.id] for c in auth.ann_children} == {auth.bob.id}
    assert {given[c.id] for c in auth.bob_children} == {auth.ann.id}


@pytest.mark.parametrize("dry_run", [True, False])
async def test_a_case_that_every_named_auditor_holds_or_manages_is_refused(
    auth: Authority, world: World, dry_run: bool
) -> None:
    before = await _stored(world)
    with pytest.raises(Conflict) as refused:
        await _draw(
            auth, [auth.tm_a, auth.gm], team_id=auth.team_a.id, percentage=100, dry_run=dry_run
        )
    assert refused.value.field == "auditorIds"
    assert await _stored(world) == before


async def test_a_dry_run_writes_nothing(
    auth: Authority, world: World, pool: tuple[Team, list[Child]]
) -> None:
    team, _ = pool
    before = await _stored(world)
    result = await _draw(auth, [auth.psw, auth.aed], team_id=team.id, count=8, dry_run=True)
    assert len(result.allocation) == 8 and result.audits == []
    assert await _stored(world) == before


async def test_only_a_planner_draws_a_sample(
    auth: Authority, world: World, pool: tuple[Team, list[Child]]
) -> None:
    team, _ = pool
    with pytest.raises(NotAllowed):
        await _draw(auth, [auth.psw], planner="tm_b", team_id=team.id, count=3)
    assert await count_rows(world, Sample) == 0


# --- benchmarking rounds ---------------------------------------------------------------------------


async def _round(auth: Authority, *auditors: Person) -> tuple[BenchmarkRound, list[Audit]]:
    return await act(
        auth.world,
        benchmarking.create_benchmark_round,
        auth.actor(auth.qa_lead),
        name="Spring 2027",
        child_id=auth.cat_children[0].id,
        auditor_ids=[a.id for a in auditors],
        due_date=DUE,
    )


async def test_a_benchmarking_round_has_at_least_two_auditors(
    auth: Authority, world: World
) -> None:
    for auditors in ([auth.psw], [auth.psw, auth.psw]):
        with pytest.raises(InvalidInput) as refused:
            await _round(auth, *auditors)
        assert refused.value.field == "auditorIds"
    assert await count_rows(world, BenchmarkRound) == 0
    round_, planned = await _round(auth, auth.psw, auth.aed, auth.psw)
    assert [(a.kind, a.auditor_id, a.child_id) for a in planned] == [
        (AuditKind.BENCHMARKING, auth.psw.id, auth.cat_children[0].id),
        (AuditKind.BENCHMARKING, auth.aed.id, auth.cat_children[0].id),
    ]
    assert all(a.benchmark_round_id == round_.id for a in planned)


async def test_the_agreed_grade_waits_until_every_auditor_in_the_round_has_submitted(
    auth: Authority, world: World
) -> None:
    round_, (by_psw, by_aed) = await _round(auth, auth.psw, auth.aed)
    await advance(world, auth.actor(auth.psw), by_psw.id, AuditStatus.SUBMITTED)
    await advance(world, auth.actor(auth.aed), by_aed.id, AuditStatus.IN_PROGRESS)

    async def agree() -> BenchmarkRound:
        return await act(
            world,
            benchmarking.record_agreed_grade,
            auth.actor(auth.qa_lead),
            round_id=round_.id,
            overall_grade=Grade.REQUIRES_IMPROVEMENT,
            section_grades={"practice": Grade.REQUIRES_IMPROVEMENT},
            rationale="Both auditors found the plan drifting.",
        )

    with pytest.raises(Conflict):
        await agree()
    await advance(
        world, auth.actor(auth.aed), by_aed.id, AuditStatus.SUBMITTED, grade=Grade.INADEQUATE
    )
    agreed = await agree()
    assert agreed.agreed_overall_grade is Grade.REQUIRES_IMPROVEMENT
    assert agreed.agreed_section_grades == {"practice": "REQUIRES_IMPROVEMENT"}
    assert agreed.agreed_at == world.clock.now()
    assert agreed.agreed_by_id == auth.qa_lead.id
    # Once agreed, the auditors' audits no longer change.
    with pytest.raises(Conflict):
        await act(world, audits.reopen_audit, auth.actor(auth.psw), audit_id=by_psw.id)
    assert (await load(world, by_psw.id)).status is AuditStatus.SUBMITTED


async def test_an_agreed_grade_names_only_sections_the_template_grades(
    auth: Authority, world: World
) -> None:
    round_, planned = await _round(auth, auth.psw, auth.aed)
    for audit in planned:
        auditor = auth.psw if audit.auditor_id == auth.psw.id else auth.aed
        await advance(world, auth.actor(auditor), audit.id, AuditStatus.SUBMITTED)
    with pytest.raises(InvalidInput) as refused:
        await act(
            world,
            benchmarking.record_agreed_grade,
            auth.actor(auth.qa_lead),
            round_id=round_.id,
            overall_grade=Grade.GOOD,
            section_grades={"quality_of_vibes": Grade.GOOD},
            rationale="Agreed at the panel.",
        )
    assert refused.value.field == "sectionGrades.quality_of_vibes"


# --- nine-month child protection dip samples -----------------------------------------------------


async def _sweep(world: World) -> list[Audit]:
    return await uow(world, programme.create_nine_month_dip_samples, clock=world.clock)


async def _dip_samples(world: World) -> list[Audit]:
    async with world.session_factory() as s:
        return list(await s.scalars(select(Audit).where(Audit.kind == AuditKind.DIP_SAMPLE)))


async def test_a_plan_reaching_nine_months_gets_a_dip_sample_for_the_head_of_service_and_a_qau_manager(
    auth: Authority, world: World
) -> None:
    second_qau = await world.person(
        "Ava Qau", (Role.SAFEGUARDING_QAU_MANAGER, ScopeType.AUTHORITY, None)
    )
    qau_managers = {auth.qau.id, second_qau.id}
    at_nine = await cp_child(world, auth.team_a, "CP-NINE", date(2026, 2, 26))
    in_ff = await cp_child(world, auth.team_c, "CP-FF", date(2026, 2, 20))
    await cp_child(world, auth.team_b, "CP-THREE", date(2026, 8, 26))
    await cp_child(world, auth.team_b, "CP-EIGHT", date(2026, 3, 1))

    made = await _sweep(world)
    assert len(made) == 4
    by_child: dict[uuid.UUID, set[uuid.UUID]] = {}
    for audit in await _dip_samples(world):
        assert (audit.kind, audit.status) == (AuditKind.DIP_SAMPLE, AuditStatus.PLANNED)
        assert audit.child_id is not None
        by_child.setdefault(audit.child_id, set()).add(audit.auditor_id)
    assert set(by_child) == {at_nine.id, in_ff.id}
    for child, head in ((at_nine, auth.hos_csc), (in_ff, auth.hos_ff)):
        auditors = by_child[child.id]
        assert head.id in auditors and len(auditors) == 2
        assert len(auditors & qau_managers) == 1


async def test_running_the_nine_month_sweep_again_creates_no_second_dip_sample(
    auth: Authority, world: World
) -> None:
    await cp_child(world, auth.team_a, "CP-NINE", date(2026, 2, 26))
    assert len(await _sweep(world)) == 2
    assert await _sweep(world) == []
    world.clock.advance(timedelta(hours=6))
    assert await _sweep(world) == []
    world.clock.advance(timedelta(days=1))
    assert await _sweep(world) == []
    assert len(await _dip_samples(world)) == 2


async def test_two_nine_month_sweeps_at_once_create_each_dip_sample_once(
    auth: Authority, world: World
) -> None:
    await cp_child(world, auth.team_a, "CP-NINE", date(2026, 2, 26))
    results = await asyncio.gather(_sweep(world), _sweep(world), return_exceptions=True)
    for result in results:
        assert isinstance(result, list | IntegrityError), result
    assert len(await _dip_samples(world)) == 2


async def test_a_plan_of_three_months_gets_no_dip_sample(auth: Authority, world: World) -> None:
    await cp_child(world, auth.team_a, "CP-THREE", date(2026, 8, 26))
    assert await _sweep(world) == []
    assert await _dip_samples(world) == []


async def test_a_months_sample_counts_towards_that_month_even_when_due_the_next(
    auth: Authority, world: World, pool: tuple[Team, list[Child]]
) -> None:
    team, _ = pool
    await _draw(auth, [auth.psw], team_id=team.id, count=3, seed=7, due_date=date(2027, 1, 8))

    async def allocated(month: date) -> int:
        progress = await act(
            world,
            programme.auditor_progress,
            auth.actor(auth.qa_lead),
            month=month,
            auditor_id=auth.psw.id,
        )
        return progress[0].allocated

    assert await allocated(DECEMBER) == 3
    assert await allocated(date(2027, 1, 1)) == 0
