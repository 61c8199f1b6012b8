"""Two services' worth of data for the generated cross-scope read test: every role of
DOMAIN.md (an administrator and a partner-agency member included) in the scopes they are held
in, audits in several states, an Inadequate audit of a team A case by team B's manager with its
escalation, other-case reviews and sent exception report, a benchmarking round with its agreed
grade, a sample, complaints, a Task and Finish Group, a closure day, a survey campaign with
printed cards, and the notifications and history all that leaves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from strawberry import relay

from domain.audits import benchmarking, programme, sampling
from domain.audits import service as audits
from domain.audits.kinds import AuditKind, AuditStatus, Grade, ModerationOutcome
from domain.core.roles import SYSTEM, Actor, Role, ScopeType
from domain.core.settings import PolicySettings
from domain.deadlines import service as deadlines
from domain.escalation import service as escalation
from domain.escalation.models import AssuranceOutcome, InadequateEscalation, OtherCaseOutcome
from domain.learning import service as learning
from domain.people.models import Person
from tests.conftest import World
from tests.domain.audits.helpers import (
    Authority,
    act,
    advance,
    build_authority,
    plan,
    refresh_actors,
    template_of,
)
from tests.domain.feedback.helpers import complaint, compliment
from tests.domain.surveys.helpers import annual_campaign, printed_for

NOW = datetime(2026, 11, 26, 10, tzinfo=UTC)
POLICY = PolicySettings()


@dataclass
class Scene:
    auth: Authority
    people: list[Person]
    actors: dict[uuid.UUID, Actor]
    campaign_id: str
    inadequate_escalation: uuid.UUID


async def build_scene(world: World) -> Scene:
    world.clock.set(datetime(2026, 11, 2, 10, tzinfo=UTC))
    auth = await build_authority(world)
    atm = await world.person(
        "Ali Atm", (Role.ASSISTANT_TEAM_MANAGER, ScopeType.TEAM, auth.team_c), team=auth.team_c
    )
    people = [
        auth.person(n)
        for n in [
            "dcs",
            "aed",
            "psw",
            "qa_lead",
            "hos_csc",
            "hos_ff",
            "gm",
            "tm_a",
            "tm_b",
            "ann",
            "bob",
            "cat",
            "dan",
            "iro",
            "qau",
            "admin",
            "partner",
        ]
    ] + [atm]
    await refresh_actors(auth, people)
    a = auth.actor
    # An Inadequate audit of Bob's case (team A) by the manager of team B, confirmed: the
    # process goes to the Head of Service with Bob's other cases, which Tob may not see.
    audit = await plan(world, AuditKind.CASE_FILE, auth.tm_b, auth.bob_children[0])
    await advance(world, a(auth.tm_b), audit.id, AuditStatus.COMPLETED, grade=Grade.INADEQUATE)
    await act(
        world,
        audits.moderate_audit,
        a(auth.qa_lead),
        audit_id=audit.id,
        outcome=ModerationOutcome.CONFIRMED,
        reason="The plan does not address the neglect.",
        policy_settings=POLICY,
    )
    async with world.session_factory() as s:
        process = await s.scalar(
            select(InadequateEscalation).where(InadequateEscalation.audit_id == audit.id)
        )
    assert process is not None
    await act(
        world,
        escalation.record_assurance,
        a(auth.hos_csc),
        escalation_id=process.id,
        outcome=AssuranceOutcome.NOT_AT_RISK,
        detail="Safety plan in place.",
    )
    await act(
        world,
        escalation.record_other_case,
        a(auth.tm_a),
        escalation_id=process.id,
        child_id=auth.bob_children[1].id,
        outcome=OtherCaseOutcome.CONCERNS_ADDRESSED,
        note="The plan was updated.",
    )
    await act(
        world,
        escalation.record_other_case,
        a(auth.tm_a),
        escalation_id=process.id,
        child_id=auth.bob_children[2].id,
        outcome=OtherCaseOutcome.NO_CONCERNS,
        note=None,
    )
    await act(
        world,
        escalation.complete_other_cases_review,
        a(auth.tm_a),
        escalation_id=process.id,
        summary="Both other cases reviewed.",
    )
    await act(world, escalation.send_exception_report, a(auth.hos_csc), escalation_id=process.id)
    # Audits in other states and services, with an action and learning.
    good = await plan(world, AuditKind.CASE_FILE, auth.hos_csc, auth.cat_children[0])
    await advance(world, a(auth.hos_csc), good.id, AuditStatus.COMPLETED, grade=Grade.GOOD)
    await act(
        world,
        audits.add_action,
        a(auth.hos_csc),
        audit_id=good.id,
        description="Update the plan.",
        owner_id=auth.cat.id,
        due_date=date(2026, 12, 18),
    )
    await act(
        world,
        audits.add_learning_point,
        a(auth.hos_csc),
        audit_id=good.id,
        text="Direct work with the child was strong.",
        theme_ids=[],
        is_strength=True,
    )
    started = await plan(world, AuditKind.CASE_FILE, auth.hos_ff, auth.dan_children[0])
    await advance(world, a(auth.hos_ff), started.id, AuditStatus.IN_PROGRESS)
    await plan(world, AuditKind.CASE_FILE, auth.psw, auth.ann_children[0])
    # A benchmarking round in Family First, agreed.
    async with world.session_factory() as s, s.begin():
        round_, round_audits = await benchmarking.create_benchmark_round(
            session=s,
            actor=a(auth.aed),
            clock=world.clock,
            name="Autumn 2026",
            child_id=auth.dan_children[1].id,
            auditor_ids=[auth.hos_ff.id, auth.iro.id],
            due_date=date(2026, 11, 30),
        )
    for audit_ in round_audits:
        auditor = auth.hos_ff if audit_.auditor_id == auth.hos_ff.id else auth.iro
        await advance(world, a(auditor), audit_.id, AuditStatus.SUBMITTED, grade=Grade.GOOD)
    template = await template_of(world, round_audits[0].id)
    await act(
        world,
        benchmarking.record_agreed_grade,
        a(auth.aed),
        round_id=round_.id,
        overall_grade=Grade.GOOD,
        section_grades={s["key"]: Grade.GOOD for s in template.sections if s["graded"]},
        rationale="Agreed at the panel.",
    )
    # A sample drawn in Family First.
    await act(
        world,
        programme.draw_sample,
        a(auth.hos_ff),
        policy_settings=POLICY,
        request=sampling.SampleRequest(
            month=date(2026, 11, 1),
            kind=AuditKind.DIP_SAMPLE,
            auditor_ids=[atm.id],
            due_date=date(2026, 11, 30),
            count=1,
            team_id=auth.team_c.id,
        ),
    )
    # The register, a Task and Finish Group, a closure day, a survey campaign.
    await complaint(auth, auth.team_b, date(2026, 11, 2), by=auth.hos_csc)
    await compliment(auth, auth.team_c, date(2026, 11, 2))
    await act(
        world,
        learning.create_group,
        a(auth.qa_lead),
        details=learning.GroupDetails(
            name="Neglect",
            purpose="Learn from neglect cases.",
            chair_id=auth.hos_csc.id,
            service_id=auth.csc.id,
        ),
    )
    await act(world, deadlines.add_closure_day, SYSTEM, day=date(2026, 12, 30), name="Closed")
    campaign = await annual_campaign(
        world, a(auth.qa_lead), printed_for([c.case_reference for c in auth.cat_children])
    )
    world.clock.set(NOW)
    actors = {p.id: auth.actor(p) for p in people}
    return Scene(
        auth=auth,
        people=people,
        actors=actors,
        campaign_id=str(relay.GlobalID("SurveyCampaign", str(campaign.campaign.id))),
        inadequate_escalation=process.id,
    )
