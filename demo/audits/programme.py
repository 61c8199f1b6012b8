"""The demo year's programme: each month the AED sets it and the QA Lead draws its samples,
with thematic, supervision, peer, dip sample, multi-agency and external audits where the story
puts them, and the worker's nine-month dip sample sweep."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from demo.audits.benchmark import benchmark_case, plan_benchmark
from demo.audits.lives import Script, audit_life, plan_and_live
from demo.audits.texts import EXTERNAL, FINDINGS_ANSWERS, MULTI_AGENCY, SUPERVISION_FORUMS
from demo.audits.timeline import Life, at_time, last_working, working
from demo.audits.year import Month, Year, half_of
from demo.people import CSC, FAMILY_FIRST, MASH, PARTNERSHIP, TEAMS
from domain.audits import programme as programme_service
from domain.audits.kinds import AuditKind, AuditStatus, Grade
from domain.audits.models import Audit
from domain.audits.programme import Expectation, month_end
from domain.audits.sampling import SampleRequest
from domain.audits.service import AuditPlan
from domain.children.models import Child
from domain.children.service import Cohort as ChildCohort
from domain.core.clock import local_today

CASE_FILE_SAMPLE = 10  # cases a month, about 3% of the caseload
CASE_FILE_ROTA = 10  # auditors allocated each month's sample, in turn
THEMATIC_SAMPLE = 5
PEER_AUDITS_A_MONTH = 2

# Where in the year (0 = eleven months ago … 11 = this month, 12 = next month) things happen.
THEMATIC_MONTHS = {
    0: ("Neglect", "Children in need", "Re-referrals", ChildCohort.CHILD_IN_NEED),
    3: ("Domestic abuse", "Child protection", "Section 47 enquiries", ChildCohort.CHILD_PROTECTION),
    6: (
        "Child exploitation",
        "Looked after children",
        "Permanence planning",
        ChildCohort.LOOKED_AFTER,
    ),
    9: ("Parental mental health", "Family First", "Re-referrals", ChildCohort.FAMILY_FIRST),
}
SUPERVISION_MONTHS = (1, 4, 7, 10)
BENCHMARK_MONTHS = (2, 8)
MULTI_AGENCY_MONTHS = (4, 11)
EXTERNAL_MONTH = 6
# Case file audits graded Inadequate; the one in the month given by REGRADED_INADEQUATE is
# regraded by moderation, the others are confirmed and end in a desk-top audit.
INADEQUATE_CASE_FILE_MONTHS = (1, 4, 7, 10)
INADEQUATE_THEMATIC_MONTH = 6
REGRADED_INADEQUATE = 4
# (month, place in that month's case file sample): left overdue in this state.
OVERDUE = {(9, 3): AuditStatus.PLANNED, (10, 5): AuditStatus.IN_PROGRESS}


async def planning(year: Year) -> Life:
    """The AED sets each month's programme around the 20th of the month before."""
    for index, month in enumerate(year.months):
        day = working(month - relativedelta(months=1) + timedelta(days=19))
        yield min(at_time(day, 9, 30), year.timeline.until)
        await plan_month(year, index, month)


async def sweeps(year: Year) -> Life:
    """The worker's nine-month child protection dip samples (it runs daily; weekly is
    close enough for the story and much cheaper)."""
    day = year.months[0] - timedelta(days=year.months[0].weekday())
    while True:
        yield at_time(day, 6, 15)
        await nine_month_sweep(year)
        day += timedelta(days=7)


async def nine_month_sweep(year: Year) -> None:
    created = await programme_service.create_nine_month_dip_samples(
        session=year.session, clock=year.clock
    )
    today = local_today(year.clock)
    for audit in sorted(
        created,
        key=lambda a: (
            year.child_by_id[a.child_id].case_reference if a.child_id else "",
            year.key_of.get(a.auditor_id, ""),
        ),
    ):
        assert audit.child_id is not None
        reference = year.child_by_id[audit.child_id].case_reference
        await year.timeline.spawn(
            audit_life(
                year,
                audit,
                Script(
                    key=f"nine-months:{reference}:{year.key_of.get(audit.auditor_id)}",
                    due=audit.due_date,
                    window=(today + timedelta(days=1), audit.due_date - timedelta(days=5)),
                    actions=(0, 1),
                    learning=(0, 1),
                ),
            )
        )


async def plan_month(year: Year, index: int, month: date) -> None:
    """The month's programme (notes and each auditor's expectation), then its audits."""
    due = last_working(month_end(month))
    is_next = month > year.current
    rota = [year.pool[(index * CASE_FILE_ROTA + j) % len(year.pool)] for j in range(CASE_FILE_ROTA)]
    expected: Counter[str] = Counter(rota)
    notes = [
        f"Case file audits: {CASE_FILE_SAMPLE} cases sampled across all teams, completed "
        "with the practitioner."
    ]
    thematic = None if is_next else THEMATIC_MONTHS.get(index)
    if thematic is not None:
        expected.update(year.thematic_auditors)
        notes.append(
            f"Thematic audit: {thematic[0].lower()} ({thematic[1].lower()}), with a focus "
            f"on {thematic[2].lower()}."
        )
    supervision = not is_next and index in SUPERVISION_MONTHS
    if supervision:
        expected.update(["psw", f"hos:{CSC}", f"hos:{FAMILY_FIRST}", "qa-lead"])
        notes.append("Quarterly supervision audits by the PSW, Heads of Service and QA Lead.")
    benchmark: tuple[Child, list[str]] | None = None
    if not is_next and index in BENCHMARK_MONTHS:
        benchmark = await benchmark_case(year, month)
        expected.update(benchmark[1])
        notes.append(f"{half_of(month)} benchmarking round: four auditors, one case.")
    dip_team = [t.name for t in TEAMS if t.cohort is not None][index % 11]
    if not is_next:
        expected[f"tm:{dip_team}"] += 1
    if index in MULTI_AGENCY_MONTHS:
        notes.append("Multi-agency audit with the Safeguarding Children Partnership.")
    external = EXTERNAL[0] if index == EXTERNAL_MONTH else EXTERNAL[1] if is_next else None
    if external is not None:
        notes.append(f"External review: {external[0]}.")

    pm = await programme_service.set_programme_month(
        session=year.session,
        actor=await year.actor("aed"),
        clock=year.clock,
        month=month,
        notes=" ".join(notes),
        expectations=[Expectation(year.person(k), n) for k, n in sorted(expected.items())],
    )
    the_month = Month(index, month, due, pm.id)
    await plan_case_files(year, the_month, rota)
    if thematic is not None:
        await plan_thematic(year, the_month, *thematic)
    if benchmark is not None:
        await plan_benchmark(year, the_month, *benchmark)
    if supervision:
        await plan_supervision(year, the_month)
    if not is_next:
        await plan_peer_audits(year, the_month)
        await plan_dip_sample(year, the_month, dip_team)
    if index in MULTI_AGENCY_MONTHS:
        await plan_multi_agency(year, the_month)
    if external is not None:
        await plan_external(year, the_month, *external)


async def _draw(
    year: Year,
    m: Month,
    kind: AuditKind,
    auditors: list[str],
    count: int,
    draw: int,
    **more: Any,
) -> list[Audit]:
    """The QA Lead draws the month's sample of `kind`, seeded by the month and `draw` (its
    place among the month's draws), and allocates it to `auditors` (keys) in turn."""
    drawn = await programme_service.draw_sample(
        session=year.session,
        actor=await year.actor("qa-lead"),
        clock=year.clock,
        policy_settings=year.policy_settings,
        request=SampleRequest(
            month=m.month,
            kind=kind,
            auditor_ids=[year.person(k) for k in auditors],
            due_date=m.due,
            count=count,
            seed=int(f"{m.month:%Y%m}{draw:02d}"),
            **more,
        ),
    )
    return list(drawn.audits)


async def plan_case_files(year: Year, m: Month, rota: list[str]) -> None:
    """The monthly sample, drawn with a recorded seed and allocated to the month's rota."""
    drawn = await _draw(year, m, AuditKind.CASE_FILE, rota, CASE_FILE_SAMPLE, 1)
    for i, audit in enumerate(drawn):
        inadequate = m.index in INADEQUATE_CASE_FILE_MONTHS and i == 0
        grade = Grade.INADEQUATE if inadequate else None
        await year.timeline.spawn(
            audit_life(
                year,
                audit,
                Script(
                    key=f"case-file:{m.month}:{i}",
                    due=m.due,
                    grade=grade,
                    collaborative=True,
                    may_cancel=True,
                    moderate=0.12,
                    learning=(1, 2),
                    # Something overdue for the reminders and dashboards, whatever the dice say.
                    stop=None if grade else OVERDUE.get((m.index, i)),
                    regrade_inadequate=m.index == REGRADED_INADEQUATE,
                ),
            )
        )


async def plan_thematic(
    year: Year, m: Month, theme: str, cohort_theme: str, aspect: str, cohort: ChildCohort
) -> None:
    theme_ids = year.theme_ids(theme, cohort_theme, aspect)
    if not theme_ids:
        return  # the authority keeps other themes
    drawn = await _draw(
        year,
        m,
        AuditKind.THEMATIC,
        year.thematic_auditors,
        THEMATIC_SAMPLE,
        2,
        cohort=cohort,
        theme_ids=theme_ids,
    )
    for i, audit in enumerate(drawn):
        inadequate = m.index == INADEQUATE_THEMATIC_MONTH and i == 0
        await year.timeline.spawn(
            audit_life(
                year,
                audit,
                Script(
                    key=f"thematic:{m.month}:{i}",
                    due=m.due,
                    grade=Grade.INADEQUATE if inadequate else None,
                    collaborative=i % 2 == 0,
                    moderate=0.12,
                    extra_themes=(theme,),
                ),
            )
        )


async def plan_supervision(year: Year, m: Month) -> None:
    for i, plan in enumerate(supervision_plans(year, SUPERVISION_MONTHS.index(m.index))):
        plan.due_date, plan.programme_month_id = m.due, m.programme_month_id
        await plan_and_live(
            year,
            "aed",
            plan,
            Script(
                key=f"supervision:{m.month}:{i}",
                due=m.due,
                collaborative=plan.subject_practitioner_id is not None,
            ),
        )


def supervision_plans(year: Year, quarter: int) -> list[AuditPlan]:
    csc = [
        k
        for k in year.practitioners
        if year.plans[k].team in {t.name for t in TEAMS if t.service == CSC}
    ]
    ff = [
        k
        for k in year.practitioners
        if year.plans[k].team in {t.name for t in TEAMS if t.service == FAMILY_FIRST}
    ]

    def relationship(auditor: str, supervisee: str) -> AuditPlan:
        manager = year.plans[supervisee].manager
        assert manager is not None
        return AuditPlan(
            kind=AuditKind.SUPERVISION,
            auditor_id=year.person(auditor),
            due_date=date.min,
            subject_practitioner_id=year.person(supervisee),
            supervisor_id=year.person(manager),
        )

    plans = [
        relationship("psw", csc[(quarter * 3) % len(csc)]),
        relationship(f"hos:{CSC}", csc[(quarter * 3 + 10) % len(csc)]),
        relationship(f"hos:{FAMILY_FIRST}", ff[quarter % len(ff)]),
    ]
    if quarter == 2:
        # Support to IROs and Child Protection Chairs is in scope too.
        plans.append(
            AuditPlan(
                kind=AuditKind.SUPERVISION,
                auditor_id=year.person("qa-lead"),
                due_date=date.min,
                subject_practitioner_id=year.person("iro"),
                supervisor_id=year.person("aed"),
            )
        )
    else:
        plans.append(
            AuditPlan(
                kind=AuditKind.SUPERVISION,
                auditor_id=year.person("qa-lead"),
                due_date=date.min,
                supervision_forum=SUPERVISION_FORUMS[quarter],
            )
        )
    return plans


def _in_month(year: Year, m: Month, kind: AuditKind, auditor: str, **more: Any) -> AuditPlan:
    """An audit of the month's programme, due at the month's end, by `auditor` (a key)."""
    return AuditPlan(
        kind=kind,
        auditor_id=year.person(auditor),
        due_date=m.due,
        programme_month_id=m.programme_month_id,
        **more,
    )


async def plan_external(year: Year, m: Month, reviewer: str, findings: str) -> None:
    await plan_and_live(
        year,
        "aed",
        _in_month(year, m, AuditKind.EXTERNAL, "qa-lead", external_reviewer=reviewer),
        Script(
            key=f"external:{m.month}",
            due=m.due,
            grade=Grade.GOOD,
            may_stall=False,
            findings=findings,
            answers={
                **FINDINGS_ANSWERS,
                "outcomes_comments": "Across the cases the reviewers read, most children "
                "were safer and their plans were progressing; the children they met said "
                "they knew their worker and felt listened to.",
            },
            owners=(f"hos:{CSC}", f"hos:{MASH}", "qa-lead"),
        ),
    )


async def plan_peer_audits(year: Year, m: Month) -> None:
    """Practitioners audit a colleague's case in their own team, for reflection."""
    for j in range(PEER_AUDITS_A_MONTH):
        auditor = year.practitioners[(m.index * 5 + j * 17) % len(year.practitioners)]
        team = year.plans[auditor].team
        assert team is not None
        rng = year.rng("peer", m.month, j)
        cases = [
            c
            for c in year.children_of_team(team, m.month)
            if c.allocated_practitioner_id != year.person(auditor)
        ]
        child = rng.choice(cases)
        await plan_and_live(
            year,
            auditor,
            _in_month(year, m, AuditKind.PEER, auditor, child_id=child.id),
            Script(key=f"peer:{m.month}:{j}", due=m.due, collaborative=True, actions=(1, 1)),
        )


async def plan_dip_sample(year: Year, m: Month, team: str) -> None:
    """A team manager dip samples one of their team's cases."""
    manager = f"tm:{team}"
    child = year.rng("dip", m.month).choice(year.children_of_team(team, m.month))
    await plan_and_live(
        year,
        manager,
        _in_month(year, m, AuditKind.DIP_SAMPLE, manager, child_id=child.id),
        Script(key=f"dip:{m.month}", due=m.due, actions=(0, 1), learning=(0, 1)),
    )


async def plan_multi_agency(year: Year, m: Month) -> None:
    which = MULTI_AGENCY_MONTHS.index(m.index)
    reviewer, findings, themes = MULTI_AGENCY[which]
    team = "Children in Care Team" if which == 0 else "Child Protection Team 2"
    child = year.rng("multi-agency", m.month).choice(
        year.children_of_team(team, m.month - relativedelta(years=1))
    )
    await plan_and_live(
        year,
        "aed",
        _in_month(
            year,
            m,
            AuditKind.MULTI_AGENCY,
            f"hos:{PARTNERSHIP}",
            child_id=child.id,
            external_reviewer=reviewer,
            theme_ids=year.theme_ids(*themes),
        ),
        Script(
            key=f"multi-agency:{m.month}",
            due=m.due,
            grade=Grade.REQUIRES_IMPROVEMENT,
            may_stall=False,
            # This month's is still being written up.
            stop=AuditStatus.IN_PROGRESS if which == 1 else None,
            findings=findings,
            answers={
                **FINDINGS_ANSWERS,
                "outcomes_comments": "Most of the children in the sample are safer than "
                "a year ago; the two who went missing most often are not, and their "
                "plans are being reviewed jointly.",
            },
            extra_themes=themes,
            owners=(f"hos:{PARTNERSHIP}", "sqau", "qa-lead"),
        ),
    )
