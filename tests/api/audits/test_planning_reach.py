"""Planning an audit never gives sight of a child outside the planner's reach.

Planning makes the planned auditor able to see the child, so `planAudit`, `createBenchmarkRound`
and `drawSample` take only children the planner may see (NOT_FOUND otherwise, as for an id that
does not exist) and inside their planning reach for that kind (NOT_ALLOWED otherwise): a
practitioner's peer audit in their own team, a Team Manager's dip sample in their team, a Head
of Service in their service, the QA Lead and the AED across the authority."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.audits.kinds import AuditKind
from domain.audits.models import Audit, BenchmarkRound
from domain.children.models import Child
from domain.people.models import Person
from tests.conftest import GraphQL, World, gid
from tests.domain.audits.helpers import Authority, build_authority, plan

pytestmark = pytest.mark.usefixtures("audit_defaults")

DUE = "2026-12-15"  # the suite's clock stands at 26 November 2026


@pytest.fixture
async def auth(world: World) -> Authority:
    return await build_authority(world)


async def plan_as(
    gql: GraphQL, as_: Person, kind: AuditKind, auditor: Person, child: Child
) -> dict[str, Any]:
    body = await gql(
        "mutation($input: PlanAuditInput!) { planAudit(input: $input) { "
        "audit { id child { caseReference } } errors { code field } } }",
        {
            "input": {
                "kind": kind.value,
                "auditorId": gid("Person", auditor.id),
                "dueDate": DUE,
                "childId": gid("Child", child.id),
                "themeIds": [],
            }
        },
        as_=as_,
    )
    payload: dict[str, Any] = body["data"]["planAudit"]
    return payload


async def audits_of(auth: Authority, child: Child) -> int:
    async with auth.world.session_factory() as s:
        return int(
            await s.scalar(
                select(func.count()).select_from(Audit).where(Audit.child_id == child.id)
            )
            or 0
        )


async def sees_child(gql: GraphQL, as_: Person, child: Child) -> bool:
    body = await gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": gid("Child", child.id)}, as_=as_
    )
    return body["data"]["node"] is not None


@pytest.mark.parametrize(
    ("planner", "kind", "inside", "outside"),
    [
        # A practitioner in team A: a peer audit of a colleague's case in team A, not team B's.
        ("ann", AuditKind.PEER, "bob_children", "cat_children"),
        # The manager of team A dip-samples team A's cases, not team B's.
        ("tm_a", AuditKind.DIP_SAMPLE, "ann_children", "cat_children"),
        # The Head of Children's Social Care: its teams (A and B), not Family First's.
        ("hos_csc", AuditKind.CASE_FILE, "cat_children", "dan_children"),
    ],
)
async def test_a_planner_plans_inside_their_reach_and_outside_it_finds_nothing(
    auth: Authority, gql: GraphQL, planner: str, kind: AuditKind, inside: str, outside: str
) -> None:
    person = auth.person(planner)
    # The Group Manager of Children's Social Care audits for its Head of Service.
    auditor = person if kind in (AuditKind.PEER, AuditKind.DIP_SAMPLE) else auth.gm
    far: Child = getattr(auth, outside)[0]

    refused = await plan_as(gql, person, kind, auditor, far)

    assert refused == {"audit": None, "errors": [{"code": "NOT_FOUND", "field": "childId"}]}
    assert await audits_of(auth, far) == 0
    assert not await sees_child(gql, auditor, far)
    assert not await sees_child(gql, person, far)

    near: Child = getattr(auth, inside)[0]
    planned = await plan_as(gql, person, kind, auditor, near)
    assert planned["errors"] == []
    assert planned["audit"]["child"]["caseReference"] == near.case_reference


async def test_a_refused_plan_reads_exactly_like_a_child_that_does_not_exist(
    auth: Authority, gql: GraphQL
) -> None:
    ghost = Child(id=uuid.uuid4(), case_reference="NONE")
    out_of_reach = await plan_as(
        gql, auth.tm_a, AuditKind.DIP_SAMPLE, auth.tm_a, auth.dan_children[0]
    )
    missing = await plan_as(gql, auth.tm_a, AuditKind.DIP_SAMPLE, auth.tm_a, ghost)
    assert out_of_reach == missing


async def test_auditing_a_case_elsewhere_does_not_widen_planning_reach(
    auth: Authority, gql: GraphQL
) -> None:
    """The QA Lead may make the Head of Children's Social Care an auditor of a Family First
    case; that lets them see the child, not plan more audits of it."""
    child = auth.dan_children[0]
    await plan(
        auth.world, AuditKind.CASE_FILE, auth.hos_csc, child, planner=auth.actor(auth.qa_lead)
    )
    assert await sees_child(gql, auth.hos_csc, child)

    refused = await plan_as(gql, auth.hos_csc, AuditKind.CASE_FILE, auth.gm, child)

    assert refused["errors"] == [{"code": "NOT_ALLOWED", "field": "childId"}]
    assert await audits_of(auth, child) == 1
    assert not await sees_child(gql, auth.gm, child)


async def test_the_qa_lead_and_the_aed_plan_across_the_authority(
    auth: Authority, gql: GraphQL
) -> None:
    for planner, child in ((auth.qa_lead, auth.dan_children[0]), (auth.aed, auth.cat_children[0])):
        planned = await plan_as(gql, planner, AuditKind.CASE_FILE, auth.psw, child)
        assert planned["errors"] == [], planner.display_name


ROUND = (
    "mutation($input: CreateBenchmarkRoundInput!) { createBenchmarkRound(input: $input) { "
    "benchmarkRound { id } errors { code field } } }"
)


async def rounds(auth: Authority) -> int:
    async with auth.world.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(BenchmarkRound)) or 0)


async def test_a_benchmarking_round_is_only_of_a_case_in_the_planners_reach(
    auth: Authority, gql: GraphQL
) -> None:
    def round_of(child: Child) -> dict[str, Any]:
        return {
            "input": {
                "name": "Spring 2027",
                "childId": gid("Child", child.id),
                "auditorIds": [gid("Person", auth.psw.id), gid("Person", auth.iro.id)],
                "dueDate": DUE,
            }
        }

    far = auth.dan_children[0]
    body = await gql(ROUND, round_of(far), as_=auth.hos_csc)
    assert body["data"]["createBenchmarkRound"] == {
        "benchmarkRound": None,
        "errors": [{"code": "NOT_FOUND", "field": "childId"}],
    }
    assert await rounds(auth) == 0
    assert await audits_of(auth, far) == 0

    body = await gql(ROUND, round_of(auth.cat_children[0]), as_=auth.hos_csc)
    assert body["data"]["createBenchmarkRound"]["errors"] == []
    body = await gql(ROUND, round_of(far), as_=auth.qa_lead)
    assert body["data"]["createBenchmarkRound"]["errors"] == []
    assert await rounds(auth) == 2


DRAW = (
    "mutation($input: DrawSampleInput!) { drawSample(input: $input) { "
    "audits { id } allocations { child { caseReference } } errors { code field } } }"
)


async def test_a_sample_is_drawn_only_from_the_planners_reach(
    auth: Authority, gql: GraphQL
) -> None:
    base = {
        "month": "2026-12-01",
        "kind": "CASE_FILE",
        "auditorIds": [gid("Person", auth.psw.id)],
        "dueDate": DUE,
        "percentage": 100,
        "themeIds": [],
        "includeRecentlyAudited": True,
        "dryRun": True,
    }
    body = await gql(
        DRAW, {"input": {**base, "teamId": gid("Team", auth.team_c.id)}}, as_=auth.hos_csc
    )
    assert body["data"]["drawSample"]["errors"] == [{"code": "NOT_ALLOWED", "field": "teamId"}]
    body = await gql(
        DRAW, {"input": {**base, "serviceId": gid("Service", auth.ff.id)}}, as_=auth.hos_csc
    )
    assert body["data"]["drawSample"]["errors"] == [{"code": "NOT_ALLOWED", "field": "serviceId"}]

    body = await gql(DRAW, {"input": base}, as_=auth.hos_csc)
    drawn = {a["child"]["caseReference"] for a in body["data"]["drawSample"]["allocations"]}
    mine = auth.ann_children + auth.bob_children + auth.cat_children
    assert drawn == {c.case_reference for c in mine}


SUPERVISION = (
    "mutation($input: PlanAuditInput!) { planAudit(input: $input) { "
    "audit { id } errors { code field } } }"
)


async def test_a_supervision_audit_is_planned_within_the_same_reach(
    auth: Authority, gql: GraphQL
) -> None:
    def of(practitioner: Person, supervisor: Person) -> dict[str, Any]:
        return {
            "input": {
                "kind": "SUPERVISION",
                "auditorId": gid("Person", auth.hos_csc.id),
                "dueDate": DUE,
                "subjectPractitionerId": gid("Person", practitioner.id),
                "supervisorId": gid("Person", supervisor.id),
                "themeIds": [],
            }
        }

    body = await gql(SUPERVISION, of(auth.dan, auth.hos_ff), as_=auth.hos_csc)
    assert body["data"]["planAudit"] == {
        "audit": None,
        "errors": [{"code": "NOT_ALLOWED", "field": "subjectPractitionerId"}],
    }
    body = await gql(SUPERVISION, of(auth.cat, auth.tm_b), as_=auth.hos_csc)
    assert body["data"]["planAudit"]["errors"] == []
