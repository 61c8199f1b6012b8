"""Statistics over audits: the dashboard counts only what the reader may see, the QA Lead sees
how often moderation regrades each auditor's work and each section, and a benchmarking round
shows how closely its auditors agree with the grade agreed in the end."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import pytest

from domain.audits import service as audits
from domain.audits.benchmarking import create_benchmark_round, record_agreed_grade
from domain.audits.kinds import AuditKind, AuditStatus, Grade, ModerationOutcome
from domain.audits.statistics import (
    Agreement,
    Count,
    Dashboard,
    RegradeRate,
    RegradeRates,
    RoundAgreement,
    audit_dashboard,
    benchmark_agreement,
    regrade_rates,
    weighted_kappa,
)
from domain.audits.templates import Question, QuestionType, graded_sections, parse_sections
from domain.children.models import Child
from domain.core.clock import local_today
from domain.core.errors import NotAllowed, NotFound
from domain.core.roles import SYSTEM, Actor, Role, ScopeType
from domain.core.settings import PolicySettings
from domain.people.models import Person, Service, Team
from domain.people.service import actor_for_person
from tests.conftest import NOW, StatementCounter, World

OUT, GOOD, RI, INAD = Grade.OUTSTANDING, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE
FULL_SECTIONS = ("recording", "practice", "management_oversight", "child_experience")


# --- kappa by hand -----------------------------------------------------------------------------


def kappa_by_formula(
    pairs: Sequence[tuple[int, int]], categories: int = 4, *, quadratic: bool = False
) -> Fraction:
    """Weighted kappa exactly as Altman (1991, section 14.3.4) writes it, in fractions:
    w_ij = 1 - |i - j| / (g - 1) (squared distance for quadratic weights),
    p_o(w) = sum w_ij f_ij / n, p_e(w) = sum w_ij r_i c_j / n^2,
    kappa_w = (p_o(w) - p_e(w)) / (1 - p_e(w))."""

    def w(i: int, j: int) -> Fraction:
        distance = Fraction(abs(i - j), categories - 1)
        return 1 - (distance * distance if quadratic else distance)

    n = len(pairs)
    scale = range(1, categories + 1)
    rows = {i: sum(1 for a, _ in pairs if a == i) for i in scale}
    columns = {j: sum(1 for _, b in pairs if b == j) for j in scale}
    observed = sum((w(a, b) for a, b in pairs), Fraction(0)) / n
    expected = sum((w(i, j) * rows[i] * columns[j] for i in scale for j in scale), Fraction(0))
    expected /= n * n
    return (observed - expected) / (1 - expected)


def pairs_of(table: list[list[int]]) -> list[tuple[int, int]]:
    """A contingency table (rater A in rows, rater B in columns) as rating pairs 1..g."""
    return [
        (i, j)
        for i, row in enumerate(table, start=1)
        for j, n in enumerate(row, start=1)
        for _ in range(n)
    ]


def kappa_of(pairs: Sequence[tuple[int, int]], **options: Any) -> float | None:
    return weighted_kappa([a for a, _ in pairs], [b for _, b in pairs], **options)


# Altman, D. G. (1991) Practical Statistics for Medical Research, Chapman & Hall, section 14.3.
# Table 14.2: 85 xeromammograms graded by two radiologists (Boyd et al., 1982), normal, benign
# disease, suspected cancer, cancer; published kappa 0.47, weighted kappa 0.57.
RADIOLOGISTS = [[21, 12, 0, 0], [4, 17, 1, 0], [3, 9, 15, 2], [0, 0, 0, 1]]
# Table 14.3: MAST against RAST for 363 sera (Brostoff et al., 1984), five ordered grades;
# published kappa 0.32, weighted kappa 0.56.
MAST_RAST = [
    [86, 3, 14, 0, 2],
    [26, 0, 10, 4, 0],
    [20, 2, 22, 4, 1],
    [11, 1, 37, 16, 14],
    [3, 0, 15, 24, 48],
]


def test_kappa_matches_the_published_two_reader_example() -> None:
    """Wikipedia, "Cohen's kappa", simple example: 50 grant proposals read by two readers,
    Yes/Yes 20, Yes/No 5, No/Yes 10, No/No 15: p_o = 0.70, p_e = 0.50, kappa = 0.40. With two
    categories every disagreement weighs the same, so weighted kappa is Cohen's kappa."""
    proposals = pairs_of([[20, 5], [10, 15]])
    assert kappa_of(proposals, categories=(1, 2)) == pytest.approx(0.40)
    assert kappa_by_formula(proposals, 2) == Fraction(2, 5)


def test_linear_weighted_kappa_matches_altmans_worked_examples() -> None:
    """Altman (1991), Practical Statistics for Medical Research, section 14.3.3: weighted kappa
    (linear weights, section 14.3.4) is 0.57 for the radiologists' Table 14.2 and 0.56 for the
    MAST/RAST Table 14.3, against 0.47 and 0.32 unweighted. The hand formula used by the
    round tests below gives the same published values."""
    radiologists, mast_rast = pairs_of(RADIOLOGISTS), pairs_of(MAST_RAST)
    assert kappa_of(radiologists) == pytest.approx(0.57, abs=0.005)
    assert kappa_of(mast_rast, categories=(1, 2, 3, 4, 5)) == pytest.approx(0.56, abs=0.005)
    assert float(kappa_by_formula(radiologists)) == pytest.approx(0.57, abs=0.005)
    assert float(kappa_by_formula(mast_rast, 5)) == pytest.approx(0.56, abs=0.005)
    assert kappa_of(radiologists) == pytest.approx(float(kappa_by_formula(radiologists)))


def test_quadratic_weights_follow_the_squared_distance() -> None:
    radiologists = pairs_of(RADIOLOGISTS)
    assert kappa_of(radiologists, weights="quadratic") == pytest.approx(
        float(kappa_by_formula(radiologists, quadratic=True))
    )


def test_kappa_is_undefined_without_pairs_or_without_any_variation() -> None:
    assert weighted_kappa([], []) is None
    # Both always GOOD: chance agreement is certain, so kappa is 0/0, not perfect or zero.
    assert weighted_kappa([2, 2, 2], [2, 2, 2]) is None
    # Each always the same grade, but different ones: defined, and no better than chance.
    assert weighted_kappa([1, 1], [2, 2]) == 0.0


def test_a_grade_nobody_used_still_counts_in_the_distance_between_grades() -> None:
    """Nobody graded REQUIRES_IMPROVEMENT (3): GOOD (2) against INADEQUATE (4) is still two
    steps apart. Were the scale taken from the grades used, they would count as adjacent and
    kappa would be 2/5 instead of 5/11."""
    given, agreed = [1, 2, 4, 4, 2, 1], [2, 2, 4, 2, 1, 1]
    pairs = list(zip(given, agreed, strict=True))
    assert kappa_by_formula(pairs) == Fraction(5, 11)
    squeezed = {1: 1, 2: 2, 4: 3}
    assert kappa_by_formula([(squeezed[a], squeezed[b]) for a, b in pairs], 3) == Fraction(2, 5)
    assert weighted_kappa(given, agreed) == pytest.approx(5 / 11)


def test_kappa_refuses_ratings_it_cannot_pair_or_place() -> None:
    with pytest.raises(ValueError):
        weighted_kappa([1, 2], [1])
    with pytest.raises(ValueError):
        weighted_kappa([1, 5], [1, 2])


# --- a small authority -------------------------------------------------------------------------


@dataclass
class Authority:
    csc: Service
    family_first: Service
    assessment: Team
    protection: Team
    ff_team: Team
    qa_lead: Person
    director: Person
    head_csc: Person
    head_ff: Person
    assessment_manager: Person
    worker: Person
    admin: Person
    gail: Person
    ivy: Person
    tom: Person
    assessment_children: list[Child]
    protection_children: list[Child]
    ff_children: list[Child]


@pytest.fixture
async def authority(world: World, audit_defaults: None) -> Authority:
    csc = await world.service()
    ff = await world.service("Family First")
    assessment = await world.team(csc, "Assessment Team 1")
    protection = await world.team(csc, "Child Protection Team 2")
    ff_team = await world.team(ff, "Family First Team 1")
    manager = await world.person(
        "Mo Manager", (Role.TEAM_MANAGER, ScopeType.TEAM, assessment), team=assessment
    )
    worker = await world.person(
        "Ann Worker",
        (Role.PRACTITIONER, ScopeType.TEAM, assessment),
        team=assessment,
        line_manager=manager,
    )
    return Authority(
        csc=csc,
        family_first=ff,
        assessment=assessment,
        protection=protection,
        ff_team=ff_team,
        qa_lead=await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None)),
        director=await world.person(
            "Dee Director", (Role.DIRECTOR_OF_CHILDRENS_SERVICES, ScopeType.AUTHORITY, None)
        ),
        head_csc=await world.person("Hal Head", (Role.HEAD_OF_SERVICE, ScopeType.SERVICE, csc)),
        head_ff=await world.person("Fay Head", (Role.HEAD_OF_SERVICE, ScopeType.SERVICE, ff)),
        assessment_manager=manager,
        worker=worker,
        admin=await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None)),
        gail=await world.person("Gail Group", (Role.GROUP_MANAGER, ScopeType.SERVICE, ff)),
        ivy=await world.person(
            "Ivy Reviewing", (Role.INDEPENDENT_REVIEWING_OFFICER, ScopeType.SERVICE, csc)
        ),
        tom=await world.person(
            "Tom Manager", (Role.TEAM_MANAGER, ScopeType.TEAM, protection), team=protection
        ),
        assessment_children=await world.children(assessment, 6, practitioner=worker),
        protection_children=await world.children(protection, 2),
        ff_children=await world.children(ff_team, 1),
    )


async def actor_of(world: World, person: Person) -> Actor:
    async with world.session_factory() as s:
        return await actor_for_person(s, person)


async def plan(
    world: World, kind: AuditKind, auditor: Person, child: Child, due: date
) -> uuid.UUID:
    async with world.session_factory() as s, s.begin():
        audit = await audits.plan_audit(
            session=s,
            actor=SYSTEM,
            clock=world.clock,
            plan=audits.AuditPlan(
                kind=kind, auditor_id=auditor.id, due_date=due, child_id=child.id
            ),
        )
        return audit.id


def answer(question: Question) -> object:
    return {
        QuestionType.YES_NO_NA: "YES",
        QuestionType.SCALE_0_10: 7,
        QuestionType.GRADE: Grade.GOOD.value,
        QuestionType.FREE_TEXT: "As the record shows.",
    }[question.type]


async def carry_out(
    world: World,
    audit_id: uuid.UUID,
    overall: Grade,
    sections: dict[str, Grade] | None = None,
    *,
    until: AuditStatus = AuditStatus.COMPLETED,
) -> None:
    """Start the audit and, unless told to stop earlier, answer every required question, grade
    every graded section (as `sections` says, else as the overall grade), submit, complete."""
    async with world.session_factory() as s, s.begin():
        audit = await audits.start_audit(
            session=s, actor=SYSTEM, clock=world.clock, audit_id=audit_id
        )
        if until is AuditStatus.IN_PROGRESS:
            return
        template = parse_sections(audit.template.sections)
        record = audits.AuditRecord(
            answers={q.key: answer(q) for sec in template for q in sec.questions if q.required},
            section_grades=[
                audits.SectionGradeInput(
                    sec.key, (sections or {}).get(sec.key, overall), "What the file shows."
                )
                for sec in graded_sections(template)
            ],
            overall_grade=overall,
            overall_rationale="Weighed across the sections.",
            conversation_date=local_today(world.clock)
            if audit.kind is AuditKind.CASE_FILE
            else None,
        )
        ids: dict[str, Any] = {"session": s, "actor": SYSTEM, "clock": world.clock}
        await audits.save_audit(**ids, audit_id=audit_id, record=record)
        await audits.submit_audit(**ids, audit_id=audit_id)
        if until is AuditStatus.COMPLETED:
            await audits.complete_audit(**ids, audit_id=audit_id)


async def moderate(
    world: World,
    qa_lead: Person,
    audit_id: uuid.UUID,
    outcome: ModerationOutcome,
    overall: Grade | None = None,
    sections: dict[str, Grade] | None = None,
) -> None:
    async with world.session_factory() as s, s.begin():
        await audits.moderate_audit(
            session=s,
            actor=await actor_for_person(s, qa_lead),
            clock=world.clock,
            audit_id=audit_id,
            outcome=outcome,
            reason="Moderated against the framework's descriptors.",
            overall_grade=overall,
            section_grades=sections,
        )


# --- the dashboard -----------------------------------------------------------------------------


@pytest.fixture
async def six_audits(world: World, authority: Authority) -> Authority:
    """Three audits of the Assessment Team's work, two of Child Protection's, one of Family
    First's, due from December 2026 to February 2027, in every state."""
    a = authority
    good = await plan(
        world, AuditKind.CASE_FILE, a.gail, a.assessment_children[0], date(2026, 12, 10)
    )
    await carry_out(world, good, GOOD)
    inadequate = await plan(
        world, AuditKind.CASE_FILE, a.ivy, a.assessment_children[1], date(2026, 12, 15)
    )
    await carry_out(world, inadequate, INAD)
    await moderate(world, a.qa_lead, inadequate, ModerationOutcome.REGRADED, overall=RI)
    dip = await plan(world, AuditKind.DIP_SAMPLE, a.tom, a.assessment_children[2], date(2027, 1, 5))
    await carry_out(world, dip, GOOD, until=AuditStatus.IN_PROGRESS)
    outstanding = await plan(
        world, AuditKind.CASE_FILE, a.gail, a.protection_children[0], date(2027, 1, 20)
    )
    await carry_out(world, outstanding, OUT)
    cancelled = await plan(
        world, AuditKind.CASE_FILE, a.ivy, a.protection_children[1], date(2027, 2, 1)
    )
    async with world.session_factory() as s, s.begin():
        await audits.cancel_audit(
            session=s, actor=SYSTEM, clock=world.clock, audit_id=cancelled, reason="Case closed."
        )
    submitted = await plan(world, AuditKind.CASE_FILE, a.ivy, a.ff_children[0], date(2027, 2, 14))
    await carry_out(world, submitted, GOOD, until=AuditStatus.SUBMITTED)
    return a


async def dashboard(
    world: World,
    person: Person,
    *,
    team: Team | None = None,
    service: Service | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Dashboard:
    actor = await actor_of(world, person)
    async with world.session_factory() as s:
        return await audit_dashboard(
            session=s,
            actor=actor,
            team_id=team.id if team else None,
            service_id=service.id if service else None,
            since=since,
            until=until,
        )


def counts(items: list[Count]) -> dict[str, int]:
    return {c.key: c.count for c in items if c.count}


async def test_the_dashboard_counts_every_audit_the_qa_lead_sees_by_grade_kind_status_and_month(
    world: World, six_audits: Authority, sql_counter: StatementCounter
) -> None:
    actor = await actor_of(world, six_audits.qa_lead)
    async with world.session_factory() as s:
        sql_counter.start()
        board = await audit_dashboard(
            session=s, actor=actor, team_id=None, service_id=None, since=None, until=None
        )
        assert sql_counter.stop() == 1
    assert board.total == 6
    # Completed audits only, by the grade that stands after moderation, best first.
    assert board.by_grade == [
        Count("OUTSTANDING", 1),
        Count("GOOD", 1),
        Count("REQUIRES_IMPROVEMENT", 1),
        Count("INADEQUATE", 0),
    ]
    assert [c.key for c in board.by_kind] == [k.value for k in AuditKind]
    assert counts(board.by_kind) == {"CASE_FILE": 5, "DIP_SAMPLE": 1}
    assert board.by_status == [
        Count("PLANNED", 0),
        Count("IN_PROGRESS", 1),
        Count("SUBMITTED", 1),
        Count("COMPLETED", 3),
        Count("CANCELLED", 1),
    ]
    assert board.by_month == [Count("2026-12", 2), Count("2027-01", 2), Count("2027-02", 2)]


async def test_a_team_manager_sees_only_their_teams_audits_on_the_dashboard(
    world: World, six_audits: Authority
) -> None:
    board = await dashboard(world, six_audits.assessment_manager)
    assert board.total == 3
    assert counts(board.by_grade) == {"GOOD": 1, "REQUIRES_IMPROVEMENT": 1}
    assert counts(board.by_kind) == {"CASE_FILE": 2, "DIP_SAMPLE": 1}
    assert counts(board.by_status) == {"IN_PROGRESS": 1, "COMPLETED": 2}
    assert board.by_month == [Count("2026-12", 2), Count("2027-01", 1)]

    head_of_family_first = await dashboard(world, six_audits.head_ff)
    assert (head_of_family_first.total, counts(head_of_family_first.by_status)) == (
        1,
        {"SUBMITTED": 1},
    )


async def test_an_administrator_sees_an_empty_dashboard_with_every_bucket_present(
    world: World, six_audits: Authority
) -> None:
    board = await dashboard(world, six_audits.admin)
    assert board.total == 0
    assert [c.key for c in board.by_grade] == [g.value for g in Grade]
    assert [c.key for c in board.by_status] == [s.value for s in AuditStatus]
    assert len(board.by_kind) == len(AuditKind)
    assert all(c.count == 0 for c in board.by_grade + board.by_kind + board.by_status)
    assert board.by_month == []


async def test_the_dashboard_narrows_by_team_service_and_due_dates(
    world: World, six_audits: Authority
) -> None:
    a = six_audits
    protection = await dashboard(world, a.qa_lead, team=a.protection)
    assert counts(protection.by_status) == {"COMPLETED": 1, "CANCELLED": 1}
    family_first = await dashboard(world, a.qa_lead, service=a.family_first)
    assert family_first.total == 1 and family_first.by_month == [Count("2027-02", 1)]
    children_social_care = await dashboard(world, a.qa_lead, service=a.csc)
    assert children_social_care.total == 5
    # `since` counts its own day, `until` does not: 15 December to 1 February leaves out the
    # audit due on 10 December and the one due on 1 February.
    window = await dashboard(world, a.qa_lead, since=date(2026, 12, 15), until=date(2027, 2, 1))
    assert window.total == 3
    assert window.by_month == [Count("2026-12", 1), Count("2027-01", 2)]
    narrowed = await dashboard(
        world, a.assessment_manager, team=a.protection, since=date(2026, 12, 1)
    )
    assert narrowed.total == 0


# --- regrade rates -----------------------------------------------------------------------------


@dataclass
class Moderated:
    authority: Authority
    late_day: date


@pytest.fixture
async def moderated(world: World, authority: Authority) -> Moderated:
    """Gail's two audits: one confirmed, one regraded overall and in practice. Tom's three:
    one regraded in recording only, one (a week later) regraded overall with practice given
    its own grade again, and a confirmed dip sample."""
    a, due = authority, date(2026, 12, 18)
    qa = a.qa_lead
    ids = [
        await plan(world, AuditKind.CASE_FILE, a.gail, a.assessment_children[0], due),
        await plan(world, AuditKind.CASE_FILE, a.gail, a.assessment_children[1], due),
        await plan(world, AuditKind.CASE_FILE, a.tom, a.assessment_children[2], due),
        await plan(world, AuditKind.CASE_FILE, a.tom, a.assessment_children[3], due),
        await plan(world, AuditKind.DIP_SAMPLE, a.tom, a.assessment_children[4], due),
    ]
    for audit_id in ids:
        await carry_out(world, audit_id, GOOD)
    await moderate(world, qa, ids[0], ModerationOutcome.CONFIRMED)
    await moderate(
        world, qa, ids[1], ModerationOutcome.REGRADED, overall=RI, sections={"practice": RI}
    )
    await moderate(world, qa, ids[2], ModerationOutcome.REGRADED, sections={"recording": OUT})
    await moderate(world, qa, ids[4], ModerationOutcome.CONFIRMED)
    world.clock.set(NOW + timedelta(days=7))
    await moderate(
        world, qa, ids[3], ModerationOutcome.REGRADED, overall=RI, sections={"practice": GOOD}
    )
    return Moderated(authority=a, late_day=local_today(world.clock))


async def rates(
    world: World, person: Person, since: date | None = None, until: date | None = None
) -> RegradeRates:
    actor = await actor_of(world, person)
    async with world.session_factory() as s:
        return await regrade_rates(session=s, actor=actor, since=since, until=until)


async def test_the_regrade_rate_counts_each_auditors_regraded_moderations(
    world: World, moderated: Moderated
) -> None:
    a = moderated.authority
    result = await rates(world, a.qa_lead)
    assert result.by_auditor == [
        RegradeRate(str(a.tom.id), moderated=3, regraded=2, rate=2 / 3),
        RegradeRate(str(a.gail.id), moderated=2, regraded=1, rate=0.5),
    ]


async def test_the_regrade_rate_by_section_counts_only_sections_whose_grade_changed(
    world: World, moderated: Moderated
) -> None:
    result = await rates(world, moderated.authority.qa_lead)
    # Every case file audit grades the four full sections; only the dip sample grades plan
    # progress. Practice given its own grade again on Tom's later regrade is not a change.
    assert result.by_section == [
        RegradeRate("practice", moderated=4, regraded=1, rate=0.25),
        RegradeRate("recording", moderated=4, regraded=1, rate=0.25),
        RegradeRate("child_experience", moderated=4, regraded=0, rate=0.0),
        RegradeRate("management_oversight", moderated=4, regraded=0, rate=0.0),
        RegradeRate("plan_progress", moderated=1, regraded=0, rate=0.0),
    ]


async def test_regrade_rates_read_the_days_moderation_happened(
    world: World, moderated: Moderated
) -> None:
    a, late = moderated.authority, moderated.late_day
    later = await rates(world, a.qa_lead, since=late)
    assert later.by_auditor == [RegradeRate(str(a.tom.id), 1, 1, 1.0)]
    assert {r.key: (r.moderated, r.regraded) for r in later.by_section} == {
        key: (1, 0) for key in FULL_SECTIONS
    }
    earlier = await rates(world, a.qa_lead, until=late)
    assert {r.key: (r.moderated, r.regraded) for r in earlier.by_auditor} == {
        str(a.tom.id): (2, 1),
        str(a.gail.id): (2, 1),
    }
    assert (await rates(world, a.qa_lead, since=late + timedelta(days=1))).by_auditor == []


async def test_planners_and_authority_roles_read_regrade_rates_within_what_they_see(
    world: World, moderated: Moderated
) -> None:
    a = moderated.authority
    everything = await rates(world, a.qa_lead)
    assert await rates(world, a.director) == everything
    assert await rates(world, a.head_csc) == everything
    # The Head of Service for Family First reads the rates of their own service's audits:
    # all of these were of the Assessment Team's work.
    assert await rates(world, a.head_ff) == RegradeRates(by_auditor=[], by_section=[])


@pytest.mark.parametrize("who", ["assessment_manager", "worker", "admin", "gail"])
async def test_only_the_qa_lead_planners_and_authority_roles_read_regrade_rates(
    world: World, authority: Authority, who: str
) -> None:
    with pytest.raises(NotAllowed):
        await rates(world, getattr(authority, who))


# --- benchmarking agreement --------------------------------------------------------------------

AGREED_SECTIONS = {
    "recording": GOOD,
    "practice": RI,
    "management_oversight": GOOD,
    "child_experience": OUT,
}
# Overall grade first, then the four sections in the order above.
GRADES_GIVEN = {
    "gail": (
        GOOD,
        {"recording": GOOD, "practice": RI, "management_oversight": GOOD, "child_experience": OUT},
    ),
    "ivy": (
        GOOD,
        {"recording": OUT, "practice": RI, "management_oversight": GOOD, "child_experience": GOOD},
    ),
    "tom": (
        RI,
        {
            "recording": INAD,
            "practice": GOOD,
            "management_oversight": GOOD,
            "child_experience": GOOD,
        },
    ),
}


@dataclass
class Round:
    authority: Authority
    round_id: uuid.UUID


@pytest.fixture
async def submitted_round(world: World, authority: Authority) -> Round:
    """Gail, Ivy and Tom audit the same case blind and submit; nothing agreed yet."""
    a = authority
    async with world.session_factory() as s, s.begin():
        round_, planned = await create_benchmark_round(
            session=s,
            actor=await actor_for_person(s, a.qa_lead),
            clock=world.clock,
            name="Winter 2026",
            child_id=a.assessment_children[5].id,
            auditor_ids=[a.gail.id, a.ivy.id, a.tom.id],
            due_date=date(2026, 12, 20),
        )
        by_auditor = {audit.auditor_id: audit.id for audit in planned}
    for name, (overall, sections) in GRADES_GIVEN.items():
        auditor: Person = getattr(a, name)
        await carry_out(
            world, by_auditor[auditor.id], overall, sections, until=AuditStatus.SUBMITTED
        )
    return Round(authority=a, round_id=round_.id)


@pytest.fixture
async def agreed_round(world: World, submitted_round: Round) -> Round:
    async with world.session_factory() as s, s.begin():
        await record_agreed_grade(
            session=s,
            actor=await actor_for_person(s, submitted_round.authority.qa_lead),
            clock=world.clock,
            round_id=submitted_round.round_id,
            overall_grade=GOOD,
            section_grades=AGREED_SECTIONS,
            rationale="Good overall; practice needs to improve; the child's outcomes stand out.",
        )
    return submitted_round


async def agreement(
    world: World,
    person: Person,
    round_id: uuid.UUID,
    settings: PolicySettings | None = None,
) -> RoundAgreement:
    actor = await actor_of(world, person)
    async with world.session_factory() as s:
        return await benchmark_agreement(
            session=s,
            actor=actor,
            policy_settings=settings or PolicySettings(),
            round_id=round_id,
        )


def ranked(name: str) -> list[tuple[int, int]]:
    overall, sections = GRADES_GIVEN[name]
    return [(overall.rank, GOOD.rank)] + [
        (sections[key].rank, agreed.rank) for key, agreed in AGREED_SECTIONS.items()
    ]


async def test_a_rounds_agreement_compares_each_auditors_grades_with_the_agreed_grades(
    world: World, agreed_round: Round
) -> None:
    a = agreed_round.authority
    result = await agreement(world, a.qa_lead, agreed_round.round_id)
    assert result.agreed and result.round_id == agreed_round.round_id
    by_auditor = {x.key: x for x in result.by_auditor}
    gail, ivy, tom = (by_auditor[str(p.id)] for p in (a.gail, a.ivy, a.tom))

    assert (gail.pairs, gail.percent_agreement, gail.weighted_kappa) == (5, 100.0, 1.0)
    # Ivy (auditor, agreed) as ranks: (2,2) (1,2) (3,3) (2,2) (2,1). Linear weights 1, 2/3,
    # 1/3, 0 for 0 to 3 steps apart. p_o = (1 + 2/3 + 1 + 1 + 2/3) / 5 = 13/15. Both sides
    # used Outstanding once, Good three times, Requires improvement once, so
    # p_e = (1 + 9 + 1 + 4 * (2/3 * 3) + 2 * (1/3 * 1)) / 25 = 59/75, and
    # kappa = (13/15 - 59/75) / (1 - 59/75) = (6/75) / (16/75) = 3/8.
    assert (ivy.pairs, ivy.percent_agreement) == (5, 60.0)
    assert ivy.weighted_kappa == pytest.approx(3 / 8)
    assert kappa_by_formula(ranked("ivy")) == Fraction(3, 8)
    assert tom.percent_agreement == 20.0
    assert tom.weighted_kappa == pytest.approx(float(kappa_by_formula(ranked("tom"))))
    assert tom.weighted_kappa is not None and tom.weighted_kappa < 0

    # The round as a whole pools all fifteen pairs; nine are exact matches.
    everything = ranked("gail") + ranked("ivy") + ranked("tom")
    assert (result.overall.key, result.overall.pairs) == ("overall", 15)
    assert result.overall.percent_agreement == 60.0
    assert result.overall.weighted_kappa == pytest.approx(float(kappa_by_formula(everything)))


async def test_a_section_every_auditor_graded_as_agreed_has_no_kappa_and_is_not_flagged(
    world: World, agreed_round: Round
) -> None:
    result = await agreement(world, agreed_round.authority.qa_lead, agreed_round.round_id)
    sections = {x.key: x for x in result.by_section}
    assert list(sections) == sorted(AGREED_SECTIONS)
    assert sections["management_oversight"] == Agreement(
        "management_oversight", 3, 100.0, None, False
    )
    # Against one agreed grade per section, any disagreement is no better than chance.
    practice = sections["practice"]
    assert (practice.pairs, practice.flagged) == (3, True)
    assert practice.percent_agreement == pytest.approx(200 / 3)
    assert practice.weighted_kappa == pytest.approx(0.0)


async def test_auditors_below_the_agreement_threshold_are_flagged(
    world: World, agreed_round: Round
) -> None:
    a = agreed_round.authority
    default = await agreement(world, a.qa_lead, agreed_round.round_id)
    flagged = {x.key for x in default.by_auditor if x.flagged}
    assert flagged == {str(a.ivy.id), str(a.tom.id)}  # 3/8 and below zero, under 0.6
    assert default.overall.flagged

    lenient = await agreement(
        world, a.qa_lead, agreed_round.round_id, PolicySettings(benchmark_agreement_threshold=0.3)
    )
    assert {x.key for x in lenient.by_auditor if x.flagged} == {str(a.tom.id)}


async def test_auditors_in_a_round_see_its_agreement_only_once_the_grade_is_agreed(
    world: World, submitted_round: Round
) -> None:
    a, round_id = submitted_round.authority, submitted_round.round_id
    with pytest.raises(NotAllowed):
        await agreement(world, a.gail, round_id)
    # The QA Lead and the planners may look before then: there is nothing to compare yet.
    early = await agreement(world, a.qa_lead, round_id)
    assert not early.agreed
    assert early.overall == Agreement("overall", 0, 0.0, None, False)
    assert early.by_section == []
    assert {x.key for x in early.by_auditor} == {str(p.id) for p in (a.gail, a.ivy, a.tom)}
    assert all(x.pairs == 0 for x in early.by_auditor)
    assert (await agreement(world, a.head_csc, round_id)).agreed is False

    async with world.session_factory() as s, s.begin():
        await record_agreed_grade(
            session=s,
            actor=SYSTEM,
            clock=world.clock,
            round_id=round_id,
            overall_grade=GOOD,
            section_grades=AGREED_SECTIONS,
            rationale="Agreed at the benchmarking meeting.",
        )
    assert (await agreement(world, a.gail, round_id)).agreed


async def test_others_may_not_read_a_rounds_agreement_nor_learn_that_it_exists(
    world: World, agreed_round: Round
) -> None:
    a = agreed_round.authority
    for outsider in (a.assessment_manager, a.worker, a.admin):
        with pytest.raises(NotAllowed):
            await agreement(world, outsider, agreed_round.round_id)
    # The Director acts for the whole authority, so reads it as the QA Lead does.
    assert (await agreement(world, a.director, agreed_round.round_id)).agreed
    with pytest.raises(NotAllowed):
        await agreement(world, a.assessment_manager, uuid.uuid4())
    with pytest.raises(NotFound) as refused:
        await agreement(world, a.qa_lead, uuid.uuid4())
    assert refused.value.field == "roundId"
