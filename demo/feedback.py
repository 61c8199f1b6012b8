"""The demo's compliments and complaints (a complaint at every point of the statutory
procedure) and a Task and Finish Group with its learning, so that `make run` shows the
register, its trends and group learning beside audit learning.

Written through the domain's own use cases, acting as whoever would do each step: the QA Lead
records, the Head of Service responds and records what the complainant asked, a Head of
Service sets up the group and its chair records the learning. Each part runs once: a database
that holds any compliment or complaint keeps its register as it is, and the group is found by
its name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits.models import LearningPoint, Theme
from domain.audits.reference import ensure_defaults
from domain.core.clock import Clock, local_today
from domain.core.roles import Actor
from domain.core.settings import PolicySettings
from domain.feedback import service as feedback
from domain.feedback.models import (
    ComplaintFinding,
    FeedbackCategory,
    FeedbackRecord,
    FeedbackSource,
)
from domain.learning import service as learning
from domain.learning.models import TaskAndFinishGroup
from domain.people.models import Person, Service, Team
from domain.people.service import actor_for_person

GROUP_NAME = "Re-referrals within twelve months"
CSC = "Children's Social Care"
F, S, C = ComplaintFinding, FeedbackSource, FeedbackCategory


@dataclass(frozen=True)
class FeedbackDemoSummary:
    compliments: int
    complaints: int
    groups: int
    group_learning: int


async def _themes(session: AsyncSession) -> dict[str, Theme]:
    return {t.name: t for t in await session.scalars(select(Theme))}


async def seed_demo_feedback(
    *,
    session: AsyncSession,
    clock: Clock,
    people: dict[str, Person],
    services: dict[str, Service],
    teams: dict[str, Team],
    progress: Callable[[str], None] | None = None,
) -> FeedbackDemoSummary:
    """Seed (once) the register and the group; returns what the database then holds."""
    await ensure_defaults(session=session, clock=clock)
    themes = await _themes(session)
    actors: dict[str, Actor] = {}

    async def as_(key: str) -> Actor:
        if key not in actors:
            actors[key] = await actor_for_person(session, people[key])
        return actors[key]

    today = local_today(clock)
    if not await session.scalar(select(func.count()).select_from(FeedbackRecord)):
        await _register(session, clock, as_, teams, themes, today)
    if not await session.scalar(
        select(func.count())
        .select_from(TaskAndFinishGroup)
        .where(TaskAndFinishGroup.name == GROUP_NAME)
    ):
        await _group(session, clock, as_, people, services[CSC], themes, today)
    summary = FeedbackDemoSummary(
        compliments=await _count_kind(session, "COMPLIMENT"),
        complaints=await _count_kind(session, "COMPLAINT"),
        groups=int(await session.scalar(select(func.count()).select_from(TaskAndFinishGroup)) or 0),
        group_learning=int(
            await session.scalar(
                select(func.count()).where(LearningPoint.task_and_finish_group_id.is_not(None))
            )
            or 0
        ),
    )
    if progress is not None:
        progress(
            f"Register: {summary.compliments} compliments, {summary.complaints} complaints; "
            f"{summary.groups} Task and Finish Group(s) with {summary.group_learning} learning "
            "points."
        )
    return summary


async def _count_kind(session: AsyncSession, kind: str) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(FeedbackRecord).where(FeedbackRecord.kind == kind)
        )
        or 0
    )


@dataclass(frozen=True)
class _Step:
    """One step of a complaint after it is recorded: `respond` (with a finding),
    `escalate`, `close` (with learning) or `withdraw` (with a reason)."""

    what: str
    text: str = ""
    finding: ComplaintFinding | None = None


# (team, days ago, category, summary, themes, steps): a complaint at every point of the
# statutory procedure.
COMPLAINTS: tuple[
    tuple[str, int, FeedbackCategory, str, tuple[str, ...], tuple[_Step, ...]], ...
] = (
    # Stage 1: the response is owed.
    (
        "Assessment Team 1",
        3,
        C.COMMUNICATION,
        "A parent was not told the date of the child and family assessment visit.",
        (),
        (),
    ),
    # Stage 1 responded: waiting for the complainant.
    (
        "Child Protection Team 1",
        20,
        C.DELAY,
        "A parent waited three weeks for the minutes of the initial child protection conference.",
        ("Child protection",),
        (_Step("respond", "Apology; minutes sent; a timescale for minutes agreed.", F.UPHELD),),
    ),
    # Stage 2: an investigation.
    (
        "Children in Care Team",
        60,
        C.CONTACT_ARRANGEMENTS,
        "A grandparent disagrees with how often family time was arranged.",
        ("Looked after children",),
        (
            _Step("respond", "Family time follows the care plan agreed at review.", F.NOT_UPHELD),
            _Step("escalate"),
        ),
    ),
    # Stage 2 responded.
    (
        "Assessment Team 2",
        90,
        C.DECISION,
        "A parent disagrees with the decision to close the case without support.",
        ("Re-referrals",),
        (
            _Step("respond", "The assessment's reasons were explained.", F.NOT_UPHELD),
            _Step("escalate"),
            _Step(
                "respond", "The step-down to early help should have been offered.", F.PARTLY_UPHELD
            ),
        ),
    ),
    # Stage 3: a review panel is to be held.
    (
        "Child Protection Team 2",
        120,
        C.STAFF_CONDUCT,
        "A parent felt the social worker did not listen to them at the core group.",
        ("Child protection",),
        (
            _Step("respond", "The core group's record shows the parent's views.", F.NOT_UPHELD),
            _Step("escalate"),
            _Step("respond", "The investigation found no fault.", F.NOT_UPHELD),
            _Step("escalate"),
        ),
    ),
    # Closed: the complainant accepted the stage 1 response.
    (
        "Disabled Children's Team",
        150,
        C.QUALITY_OF_SERVICE,
        "Short breaks stopped without the family being told why.",
        (),
        (
            _Step("respond", "Apology; the short breaks restarted.", F.UPHELD),
            _Step("close", "Tell families in writing before a service they rely on changes."),
        ),
    ),
    # Withdrawn.
    (
        "MASH",
        40,
        C.DELAY,
        "A referrer was not told the outcome of their referral.",
        (),
        (_Step("withdraw", "The referrer heard the outcome and withdrew the complaint."),),
    ),
)

# (team, days ago, source, category, summary, theme)
COMPLIMENTS: tuple[tuple[str, int, FeedbackSource, FeedbackCategory, str, str], ...] = (
    (
        "Children in Care Team",
        12,
        S.CHILD,
        C.QUALITY_OF_SERVICE,
        "A young person thanked their social worker for keeping every promise this year.",
        "Looked after children",
    ),
    (
        "Family First North",
        30,
        S.PARENT_CARER,
        C.COMMUNICATION,
        "A parent said the practitioner explained the plan in words the whole family understood.",
        "Family First",
    ),
    (
        "Care Leavers Team",
        45,
        S.CARE_LEAVER,
        C.STAFF_CONDUCT,
        "A care leaver praised their personal adviser's help in finding a flat.",
        "Care leavers",
    ),
)


async def _register(
    session: AsyncSession,
    clock: Clock,
    as_: Callable[[str], Awaitable[Actor]],
    teams: dict[str, Team],
    themes: dict[str, Theme],
    today: date,
) -> None:
    policy = PolicySettings()
    qa = await as_("qa-lead")
    hos = await as_(f"hos:{CSC}")

    def details(
        team: str,
        days_ago: int,
        source: FeedbackSource,
        category: FeedbackCategory,
        summary: str,
        theme_names: Sequence[str],
    ) -> feedback.FeedbackDetails:
        return feedback.FeedbackDetails(
            received_on=today - timedelta(days=days_ago),
            source=source,
            category=category,
            summary=summary,
            team_id=teams[team].id,
            theme_ids=tuple(themes[n].id for n in theme_names if n in themes),
        )

    for team, days_ago, source, category, summary, theme in COMPLIMENTS:
        await feedback.record_compliment(
            session=session,
            actor=qa,
            clock=clock,
            details=details(team, days_ago, source, category, summary, (theme,)),
        )
    for team, days_ago, category, summary, theme_names, steps in COMPLAINTS:
        record = await feedback.record_complaint(
            session=session,
            actor=qa,
            clock=clock,
            details=details(team, days_ago, S.PARENT_CARER, category, summary, theme_names),
            responder_id=None,
            policy_settings=policy,
        )
        for step in steps:
            await _take(session, clock, qa, hos, policy, record, step)


async def _take(
    session: AsyncSession,
    clock: Clock,
    qa: Actor,
    hos: Actor,
    policy: PolicySettings,
    record: FeedbackRecord,
    step: _Step,
) -> None:
    """The Head of Service responds, escalates and closes; the QA Lead records a withdrawal."""
    if step.what == "respond":
        assert step.finding is not None
        await feedback.respond(
            session=session,
            actor=hos,
            clock=clock,
            feedback_id=record.id,
            finding=step.finding,
            response=step.text,
            learning=None,
        )
    elif step.what == "escalate":
        await feedback.escalate(
            session=session,
            actor=hos,
            clock=clock,
            feedback_id=record.id,
            requested_on=None,
            responder_id=None,
            policy_settings=policy,
        )
    elif step.what == "close":
        await feedback.close(
            session=session, actor=hos, clock=clock, feedback_id=record.id, learning=step.text
        )
    else:
        await feedback.withdraw(
            session=session, actor=qa, clock=clock, feedback_id=record.id, reason=step.text
        )


async def _group(
    session: AsyncSession,
    clock: Clock,
    as_: Callable[[str], Awaitable[Actor]],
    people: dict[str, Person],
    service: Service,
    themes: dict[str, Theme],
    today: date,
) -> None:
    hos = await as_(f"hos:{CSC}")
    chair_key = "gm-assessment"
    group = await learning.create_group(
        session=session,
        actor=hos,
        clock=clock,
        details=learning.GroupDetails(
            name=GROUP_NAME,
            purpose="Why families come back to the front door within a year of their case "
            "closing, and what would help them stay well.",
            chair_id=people[chair_key].id,
            service_id=service.id,
            started_on=today - timedelta(days=70),
        ),
    )
    chair = await as_(chair_key)
    for text, theme_names, strength in (
        (
            "Step-down plans rarely named who the family could call when things got hard again.",
            ("Re-referrals", "Children in need"),
            False,
        ),
        (
            "Where early help met the family before the case closed, re-referrals were rare.",
            ("Re-referrals", "Family First"),
            True,
        ),
        (
            "Parental mental health was the most common worry when families came back.",
            ("Re-referrals", "Parental mental health"),
            False,
        ),
    ):
        await learning.record_learning(
            session=session,
            actor=chair,
            clock=clock,
            group_id=group.id,
            text=text,
            theme_ids=[themes[n].id for n in theme_names if n in themes],
            is_strength=strength,
        )
