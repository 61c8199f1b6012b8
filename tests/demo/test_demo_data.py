"""The demo authority: every role in a valid scope, a sensible line-management tree, 300
children in every cohort, written with history, and the same data however often it is run."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from demo import DemoSummary, seed_demo_authority
from domain.audits.models import LearningPoint
from domain.children.models import Child
from domain.core.clock import SettableClock, local_today
from domain.core.db import SessionFactory
from domain.core.roles import ALLOWED_SCOPES, Role, ScopeType
from domain.core.settings import Settings
from domain.feedback.models import ComplaintStatus, FeedbackKind, FeedbackRecord
from domain.history.models import HistoryEntry
from domain.learning.models import TaskAndFinishGroup
from domain.people.models import Person, RoleGrant, Service, Team


async def _seed(session_factory: SessionFactory, clock: SettableClock) -> DemoSummary:
    messages: list[str] = []
    async with session_factory() as s, s.begin():
        # The year of audits has its own, slower test (test_demo_audits.py).
        summary = await seed_demo_authority(
            session=s, clock=clock, progress=messages.append, with_audits=False
        )
    assert messages
    return summary


async def _count(session_factory: SessionFactory, model: type[object]) -> int:
    async with session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_first_run_creates_the_authority_with_history(
    session_factory: SessionFactory, clock: SettableClock
) -> None:
    summary = await _seed(session_factory, clock)

    assert (summary.services, summary.teams) == (4, 12)
    assert summary.children_created == 300
    assert summary.children_updated == 0
    assert not summary.already_seeded
    assert len(summary.people) == summary.people_count == await _count(session_factory, Person)
    assert {role for _, _, role in summary.people} == {r.value for r in Role}
    emails = [email for _, email, _ in summary.people]
    assert len(set(emails)) == len(emails)
    assert all(e == e.lower() and e.endswith("@demo.qaf.local") for e in emails)

    async with session_factory() as s:
        actions = dict(
            (
                await s.execute(
                    select(HistoryEntry.action, func.count()).group_by(HistoryEntry.action)
                )
            ).all()
        )
        multi_agency = await s.scalar(select(Service.name).where(Service.is_multi_agency))
    organisation = {
        "service.created": 4,
        "team.created": 12,
        "person.created": len(summary.people),
        "role.granted": len(summary.people),
        "child.imported": 300,
    }
    assert {a: n for a, n in actions.items() if a in organisation} == organisation
    # The register and the Task and Finish Group are written through their use cases too.
    assert actions["feedback.compliment_recorded"] == 3
    assert actions["feedback.complaint_recorded"] == 7
    assert actions["task_and_finish_group.created"] == 1
    assert actions["learning.added"] == 3
    assert multi_agency == "Safeguarding Children Partnership"


async def test_running_again_changes_nothing(
    session_factory: SessionFactory, clock: SettableClock
) -> None:
    first = await _seed(session_factory, clock)
    history = await _count(session_factory, HistoryEntry)

    again = await _seed(session_factory, clock)
    # A later day must not move the children's dates either.
    clock.advance(timedelta(days=40))
    later = await _seed(session_factory, clock)

    for summary in (again, later):
        assert summary.already_seeded
        assert (summary.children_created, summary.children_updated) == (0, 0)
        assert summary.children_unchanged == 300
        assert summary.people == first.people
    assert await _count(session_factory, HistoryEntry) == history
    assert await _count(session_factory, Child) == 300


async def test_roles_are_held_in_allowed_scopes_and_managers_make_sense(
    session_factory: SessionFactory, clock: SettableClock
) -> None:
    await _seed(session_factory, clock)
    async with session_factory() as s:
        grants = list(await s.scalars(select(RoleGrant)))
        people = {p.id: p for p in await s.scalars(select(Person))}
    role_of = {g.person_id: g.role for g in grants}
    assert len(role_of) == len(grants) == len(people)

    for grant in grants:
        assert grant.scope in ALLOWED_SCOPES[grant.role]
        person = people[grant.person_id]
        manager = people.get(person.line_manager_id) if person.line_manager_id else None
        manager_role = role_of[manager.id] if manager else None
        if grant.scope is ScopeType.TEAM:
            assert person.team_id == grant.team_id
        if grant.role is Role.PRACTITIONER:
            assert manager_role is Role.TEAM_MANAGER
            assert manager is not None and manager.team_id == person.team_id
        elif grant.role is Role.ASSISTANT_TEAM_MANAGER:
            assert manager_role is Role.TEAM_MANAGER
        elif grant.role is Role.TEAM_MANAGER:
            assert manager_role in (Role.GROUP_MANAGER, Role.HEAD_OF_SERVICE)
        elif grant.role is Role.GROUP_MANAGER:
            assert manager_role is Role.HEAD_OF_SERVICE
        elif grant.role is Role.DIRECTOR_OF_CHILDRENS_SERVICES:
            assert manager is None
        elif grant.role is Role.ASSISTANT_EXECUTIVE_DIRECTOR:
            assert manager_role is Role.DIRECTOR_OF_CHILDRENS_SERVICES
        elif grant.role is Role.PARTNER_AGENCY_MEMBER:
            assert person.partner_agency in {"Police", "Health", "Education"}
        else:
            assert manager_role is Role.ASSISTANT_EXECUTIVE_DIRECTOR

    practitioners = [p for p in people.values() if role_of[p.id] is Role.PRACTITIONER]
    assert len(practitioners) == 33
    assert any("ASYE" in (p.job_title or "") for p in practitioners)


async def test_children_cover_every_cohort_in_casework_teams(
    session_factory: SessionFactory, clock: SettableClock
) -> None:
    await _seed(session_factory, clock)
    today = local_today(clock)
    async with session_factory() as s:
        children = list(await s.scalars(select(Child).order_by(Child.case_reference)))
        people = {p.id: p for p in await s.scalars(select(Person))}
        teams = {t.id: t.name for t in await s.scalars(select(Team))}

    assert [c.case_reference for c in children] == [f"DEMO-{n:06d}" for n in range(1, 301)]
    assert "Partnership Business Unit" not in {teams[c.team_id] for c in children}
    for child in children:
        assert child.allocated_practitioner_id is not None
        assert people[child.allocated_practitioner_id].team_id == child.team_id
        assert not (child.looked_after and child.care_leaver)
        assert child.date_of_birth <= today
        if child.child_protection_plan_start is not None:
            assert child.child_protection_plan_start <= today

    plans = [c for c in children if c.child_protection_plan_start is not None]
    nine_months = [
        c
        for c in plans
        if c.child_protection_plan_start is not None
        and 260 <= (today - c.child_protection_plan_start).days <= 290
    ]
    care_leavers = [c for c in children if c.care_leaver]
    assert plans and nine_months
    assert any(c.child_in_need for c in children)
    assert any(c.looked_after for c in children)
    assert any(c.family_first for c in children)
    assert care_leavers
    for child in care_leavers:
        age_in_days = (today - child.date_of_birth).days
        assert 18 * 365 <= age_in_days < 22 * 365 + 6


async def test_the_register_has_a_complaint_at_every_stage_and_a_group_with_learning(
    session_factory: SessionFactory, clock: SettableClock
) -> None:
    summary = await _seed(session_factory, clock)
    assert summary.register is not None
    assert (summary.register.compliments, summary.register.complaints) == (3, 7)
    async with session_factory() as s:
        statuses = set(
            await s.scalars(
                select(FeedbackRecord.status).where(FeedbackRecord.kind == FeedbackKind.COMPLAINT)
            )
        )
        group = await s.scalar(select(TaskAndFinishGroup))
        assert group is not None
        points = list(
            await s.scalars(
                select(LearningPoint)
                .where(LearningPoint.task_and_finish_group_id == group.id)
                .options(selectinload(LearningPoint.themes))
            )
        )
    assert statuses == set(ComplaintStatus)
    assert group.ended_on is None and group.service_id is not None
    assert len(points) == 3 and all(p.themes for p in points)
    assert any(p.is_strength for p in points)

    again = await _seed(session_factory, clock)
    assert again.register == summary.register
    assert await _count(session_factory, FeedbackRecord) == 10
    assert await _count(session_factory, TaskAndFinishGroup) == 1


async def test_the_demo_surveys_are_answered_in_part_seeded_once_and_show_results(
    session_factory: SessionFactory, clock: SettableClock, settings: Settings
) -> None:
    from domain.core.roles import SYSTEM
    from domain.core.settings import PolicySettings
    from domain.surveys.models import SurveyCampaign, SurveyResponse
    from domain.surveys.responses import results

    key = settings.survey_token_key.get_secret_value()
    async with session_factory() as s, s.begin():
        first = await seed_demo_authority(
            session=s, clock=clock, with_audits=False, survey_token_key=key
        )
    assert first.surveys is not None and first.surveys.campaigns == 2
    assert first.surveys.invitations > 200
    # About half the families and most staff answered, each through their link.
    assert 0.4 < first.surveys.responses / first.surveys.invitations < 0.8
    assert await _count(session_factory, SurveyResponse) == first.surveys.responses
    async with session_factory() as s, s.begin():
        again = await seed_demo_authority(
            session=s, clock=clock, with_audits=False, survey_token_key=key
        )
    assert again.surveys is not None and again.surveys.campaigns == 0
    assert await _count(session_factory, SurveyCampaign) == 2
    async with session_factory() as s:
        annual = await s.scalar(
            select(SurveyCampaign).where(SurveyCampaign.kind == "ANNUAL_SURVEY")
        )
        assert annual is not None
        shown = await results.campaign_results(
            session=s,
            actor=SYSTEM,
            policy_settings=PolicySettings(),
            campaign_id=annual.id,
            by=None,
        )
    assert not shown.suppressed and shown.questions
