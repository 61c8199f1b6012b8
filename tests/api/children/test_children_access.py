"""A person sees only the children their roles and scopes allow: by list, by node(id:), and
by guessing ids; an administrator or a partner-agency member sees none."""

from __future__ import annotations

import uuid

import pytest

from domain.core.roles import Role, ScopeType
from tests.conftest import GraphQL, World, gid

CHILDREN = """
query($filter: ChildrenFilter, $first: Int, $after: String) {
  children(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id caseReference ageInYears cohorts team { name service { name } }
                          allocatedPractitioner { displayName team { name } } } }
  }
}
"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Child { caseReference } } }"


@pytest.fixture
async def two_teams(world: World) -> dict[str, object]:
    csc = await world.service()
    family_first = await world.service("Family First")
    team_a = await world.team(csc, "Assessment Team 1")
    team_b = await world.team(csc, "Child Protection Team 1")
    team_c = await world.team(family_first, "Family First North")
    worker_a = await world.person(
        "Ann Worker", (Role.PRACTITIONER, ScopeType.TEAM, team_a), team=team_a
    )
    manager_b = await world.person(
        "Bo Manager", (Role.TEAM_MANAGER, ScopeType.TEAM, team_b), team=team_b
    )
    children_a = await world.children(team_a, 3, practitioner=worker_a, prefix="A")
    children_b = await world.children(team_b, 4, prefix="B")
    children_c = await world.children(team_c, 2, prefix="C")
    return {
        "csc": csc,
        "team_a": team_a,
        "team_b": team_b,
        "team_c": team_c,
        "worker_a": worker_a,
        "manager_b": manager_b,
        "children_a": children_a,
        "children_b": children_b,
        "children_c": children_c,
    }


async def test_a_practitioner_in_team_a_sees_only_team_a_children(
    gql: GraphQL, two_teams: dict
) -> None:
    body = await gql(CHILDREN, as_=two_teams["worker_a"])
    refs = [e["node"]["caseReference"] for e in body["data"]["children"]["edges"]]
    assert refs == sorted(c.case_reference for c in two_teams["children_a"])
    assert body["data"]["children"]["totalCount"] == 3


async def test_team_b_children_cannot_be_read_by_node_id_from_team_a(
    gql: GraphQL, two_teams: dict
) -> None:
    other = two_teams["children_b"][0]
    body = await gql(NODE, {"id": gid("Child", other.id)}, as_=two_teams["worker_a"])
    assert body["data"]["node"] is None
    mine = two_teams["children_a"][0]
    body = await gql(NODE, {"id": gid("Child", mine.id)}, as_=two_teams["worker_a"])
    assert body["data"]["node"]["caseReference"] == mine.case_reference


async def test_guessed_and_malformed_ids_read_the_same_as_forbidden(
    gql: GraphQL, two_teams: dict
) -> None:
    for guess in [
        gid("Child", uuid.uuid4()),
        "not-an-id",
        gid("Child", "123"),
        gid("Nope", uuid.uuid4()),
    ]:
        body = await gql(NODE, {"id": guess}, as_=two_teams["worker_a"])
        assert body == {"data": {"node": None}}


async def test_filtering_by_another_team_returns_nothing_not_their_children(
    gql: GraphQL, two_teams: dict
) -> None:
    body = await gql(
        CHILDREN,
        {"filter": {"teamId": gid("Team", two_teams["team_b"].id)}},
        as_=two_teams["worker_a"],
    )
    assert body["data"]["children"]["edges"] == []


async def test_a_head_of_service_sees_every_team_of_their_service_only(
    gql: GraphQL, world: World, two_teams: dict
) -> None:
    hos = await world.person(
        "Hannah Head", (Role.HEAD_OF_SERVICE, ScopeType.SERVICE, two_teams["csc"])
    )
    body = await gql(CHILDREN, {"first": 100}, as_=hos)
    refs = {e["node"]["caseReference"] for e in body["data"]["children"]["edges"]}
    expected = {c.case_reference for c in two_teams["children_a"] + two_teams["children_b"]}
    assert refs == expected


async def test_the_qa_lead_sees_every_child(gql: GraphQL, world: World, two_teams: dict) -> None:
    qa = await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None))
    body = await gql(CHILDREN, {"first": 100}, as_=qa)
    assert body["data"]["children"]["totalCount"] == 9


@pytest.mark.parametrize(
    "role", [Role.ADMINISTRATOR, Role.PARTNER_AGENCY_MEMBER], ids=["administrator", "partner"]
)
async def test_administrators_and_partner_members_see_no_children(
    gql: GraphQL, world: World, two_teams: dict, role: Role
) -> None:
    person = await world.person(
        "Someone Else", (role, ScopeType.AUTHORITY, None), partner_agency="Police"
    )
    body = await gql(CHILDREN, {"first": 100}, as_=person)
    assert body["data"]["children"]["edges"] == []
    assert body["data"]["children"]["totalCount"] == 0
    child = two_teams["children_a"][0]
    body = await gql(NODE, {"id": gid("Child", child.id)}, as_=person)
    assert body["data"]["node"] is None


async def test_children_are_paged_with_cursors_and_at_most_100(
    gql: GraphQL, world: World, two_teams: dict
) -> None:
    qa = await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None))
    first = await gql(CHILDREN, {"first": 4}, as_=qa)
    page = first["data"]["children"]
    assert len(page["edges"]) == 4 and page["pageInfo"]["hasNextPage"]
    second = await gql(CHILDREN, {"first": 100, "after": page["pageInfo"]["endCursor"]}, as_=qa)
    refs = [e["node"]["caseReference"] for e in page["edges"] + second["data"]["children"]["edges"]]
    assert len(refs) == 9 and refs == sorted(refs)
    assert not second["data"]["children"]["pageInfo"]["hasNextPage"]

    too_many = await gql(CHILDREN, {"first": 101}, as_=qa)
    assert too_many["data"] is None
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID"
    bad_cursor = await gql(CHILDREN, {"after": "garbage!"}, as_=qa)
    assert bad_cursor["errors"][0]["extensions"]["code"] == "INVALID"


async def test_anonymous_requests_are_told_to_sign_in(gql: GraphQL, two_teams: dict) -> None:
    body = await gql(CHILDREN)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_auditor_sees_the_child_of_an_audit_allocated_to_them(
    gql: GraphQL, world: World, two_teams: dict, audit_defaults: None
) -> None:
    from datetime import timedelta

    from domain.audits.kinds import AuditKind
    from domain.audits.service import AuditPlan, plan_audit
    from domain.core.roles import SYSTEM

    audited, other = two_teams["children_a"][0], two_teams["children_a"][1]
    auditor = two_teams["manager_b"]  # a team manager of another team
    async with world.session_factory() as s, s.begin():
        await plan_audit(
            session=s,
            actor=SYSTEM,
            clock=world.clock,
            plan=AuditPlan(
                kind=AuditKind.CASE_FILE,
                auditor_id=auditor.id,
                child_id=audited.id,
                due_date=world.clock.now().date() + timedelta(days=20),
            ),
        )
    seen = await gql(NODE, {"id": gid("Child", audited.id)}, as_=auditor)
    assert seen["data"]["node"]["caseReference"] == audited.case_reference
    unseen = await gql(NODE, {"id": gid("Child", other.id)}, as_=auditor)
    assert unseen["data"]["node"] is None
