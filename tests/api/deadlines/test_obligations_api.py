"""What a person must do, through GraphQL: `myObligations` for oneself, `obligations` for the
people one line-manages (the QA Lead and authority-wide roles: everyone), each with its
subject, owner, due moment and whether it is overdue by the service's clock."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from strawberry import relay

from domain.audits import service as audits
from domain.audits.kinds import AuditKind
from domain.core.roles import SYSTEM, Role, ScopeType
from domain.deadlines.models import ObligationKind
from domain.people.models import Person
from tests.conftest import GraphQL, StatementCounter, World
from tests.domain.audits.helpers import act, plan
from tests.domain.deadlines.helpers import owe

FIELDS = """id kind subjectType subjectId dueAt state createdAt closedAt overdue
            owner { id displayName }"""
MINE = f"""query($first: Int, $after: String, $closed: Boolean! = false) {{
  myObligations(first: $first, after: $after, includeClosed: $closed) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {FIELDS} }} }}
  }}
}}"""
LIST = f"""query($filter: ObligationFilter, $first: Int) {{
  obligations(filter: $filter, first: $first) {{
    totalCount edges {{ node {{ {FIELDS} }} }}
  }}
}}"""
NODE = (
    """query($id: ID!) { node(id: $id) { id ... on Obligation { kind owner { displayName } } } }"""
)
DUE = date(2026, 12, 10)
DUE_AT = "2026-12-10T23:59:59.999999+00:00"  # the end of 10 December in London (GMT)

Org = dict[str, Any]


def gid(type_name: str, node_id: uuid.UUID) -> str:
    return str(relay.GlobalID(type_name, str(node_id)))


@pytest.fixture
async def org(world: World, audit_defaults: None) -> Org:
    """Tam manages team A and line-manages Ann and Bob; Cat, a colleague in the same team,
    answers to someone else. Ann peer-audits one of Cat's cases, due on 10 December."""
    T, A = ScopeType.TEAM, ScopeType.AUTHORITY
    csc = await world.service()
    team = await world.team(csc, "Assessment Team A")
    tam = await world.person("Tam Manager", (Role.TEAM_MANAGER, T, team), team=team)
    tob = await world.person("Tob Manager", (Role.TEAM_MANAGER, T, team), team=team)
    ann = await world.person(
        "Ann Worker", (Role.PRACTITIONER, T, team), team=team, line_manager=tam
    )
    bob = await world.person(
        "Bob Worker", (Role.PRACTITIONER, T, team), team=team, line_manager=tam
    )
    cat = await world.person(
        "Cat Worker", (Role.PRACTITIONER, T, team), team=team, line_manager=tob
    )
    cases = await world.children(team, 2, practitioner=cat)
    audit = await plan(world, AuditKind.PEER, ann, cases[0], due_date=DUE)
    return {
        "team": team,
        "tam": tam,
        "ann": ann,
        "bob": bob,
        "cat": cat,
        "cases": cases,
        "audit": audit,
        "qa": await world.person("Quinn Qa", (Role.QA_LEAD, A, None)),
        "admin": await world.person("Ada Admin", (Role.ADMINISTRATOR, A, None)),
        "partner": await world.person(
            "Pol Partner", (Role.PARTNER_AGENCY_MEMBER, A, None), partner_agency="Police"
        ),
    }


def _nodes(body: dict[str, Any], field: str) -> list[dict[str, Any]]:
    assert "errors" not in body, body
    return [e["node"] for e in body["data"][field]["edges"]]


async def test_my_obligations_lists_what_i_must_do_with_its_subject_owner_and_due_moment(
    gql: GraphQL, world: World, org: Org
) -> None:
    ann, audit = org["ann"], org["audit"]
    body = await gql(MINE, as_=org["ann"])
    [owed] = _nodes(body, "myObligations")
    assert body["data"]["myObligations"]["totalCount"] == 1
    assert owed["kind"] == "AUDIT_DUE"
    assert (owed["subjectType"], owed["subjectId"]) == ("Audit", gid("Audit", audit.id))
    assert owed["dueAt"] == DUE_AT
    assert (owed["state"], owed["closedAt"], owed["overdue"]) == ("OPEN", None, False)
    assert owed["createdAt"] == world.clock.now().isoformat()
    assert owed["owner"] == {"id": gid("Person", ann.id), "displayName": "Ann Worker"}
    # The subject is read with node(id:), under its own policy.
    subject = await gql(
        "query($id: ID!) { node(id: $id) { ... on Audit { kind dueDate } } }",
        {"id": owed["subjectId"]},
        as_=ann,
    )
    assert subject["data"]["node"] == {"kind": "PEER", "dueDate": "2026-12-10"}
    # Tam has nothing of his own to do.
    assert _nodes(await gql(MINE, as_=org["tam"]), "myObligations") == []


async def test_an_obligation_is_overdue_once_the_services_clock_passes_its_due_moment(
    gql: GraphQL, world: World, org: Org
) -> None:
    world.clock.set(datetime(2026, 12, 10, 23, 59, 59, 999999, tzinfo=UTC))
    [owed] = _nodes(await gql(MINE, as_=org["ann"]), "myObligations")
    assert owed["overdue"] is False
    overdue_only = {"filter": {"overdueOnly": True}}
    assert _nodes(await gql(LIST, overdue_only, as_=org["tam"]), "obligations") == []

    world.clock.set(datetime(2026, 12, 11, 0, 0, tzinfo=UTC))
    [owed] = _nodes(await gql(MINE, as_=org["ann"]), "myObligations")
    assert owed["overdue"] is True
    [late] = _nodes(await gql(LIST, overdue_only, as_=org["tam"]), "obligations")
    assert late["id"] == owed["id"]


async def test_a_done_or_cancelled_obligation_shows_only_when_asked_for(
    gql: GraphQL, world: World, org: Org
) -> None:
    world.clock.advance(timedelta(days=1))
    await act(world, audits.cancel_audit, SYSTEM, audit_id=org["audit"].id, reason="Case closed.")
    assert _nodes(await gql(MINE, as_=org["ann"]), "myObligations") == []
    [closed] = _nodes(await gql(MINE, {"closed": True}, as_=org["ann"]), "myObligations")
    assert (closed["state"], closed["overdue"]) == ("CANCELLED", False)
    assert closed["closedAt"] == world.clock.now().isoformat()


async def test_a_manager_sees_a_reports_obligations_and_a_colleague_does_not(
    gql: GraphQL, world: World, org: Org
) -> None:
    ann_filter = {"filter": {"ownerId": gid("Person", org["ann"].id)}}
    [seen] = _nodes(await gql(LIST, ann_filter, as_=org["tam"]), "obligations")
    assert seen["owner"]["displayName"] == "Ann Worker"
    assert _nodes(await gql(LIST, ann_filter, as_=org["cat"]), "obligations") == []
    assert _nodes(await gql(LIST, as_=org["cat"]), "obligations") == []

    by_node = {"id": seen["id"]}
    assert (await gql(NODE, by_node, as_=org["tam"]))["data"]["node"] == {
        "id": seen["id"],
        "kind": "AUDIT_DUE",
        "owner": {"displayName": "Ann Worker"},
    }
    assert (await gql(NODE, by_node, as_=org["cat"]))["data"]["node"] is None
    assert (await gql(NODE, by_node, as_=org["qa"]))["data"]["node"] is not None


@pytest.mark.parametrize("who", ["admin", "partner"])
async def test_administrators_and_partner_members_see_no_obligations(
    gql: GraphQL, org: Org, who: str
) -> None:
    body = await gql(LIST, as_=org[who])
    assert body["data"]["obligations"]["totalCount"] == 0
    assert _nodes(body, "obligations") == []


async def test_the_qa_lead_sees_everyones_and_filters_by_kind_and_state(
    gql: GraphQL, world: World, org: Org
) -> None:
    action = await act(
        world,
        audits.add_action,
        SYSTEM,
        audit_id=org["audit"].id,
        description="Share the learning with the team.",
        owner_id=org["bob"].id,
        due_date=date(2027, 1, 15),
    )

    async def listed(flt: dict[str, Any]) -> list[dict[str, Any]]:
        return _nodes(await gql(LIST, {"filter": flt}, as_=org["qa"]), "obligations")

    both = await listed({})
    assert [n["kind"] for n in both] == ["AUDIT_DUE", "ACTION_DUE"]  # soonest due first
    [bobs] = await listed({"kinds": ["ACTION_DUE"]})
    assert (bobs["subjectType"], bobs["subjectId"]) == (
        "AuditAction",
        gid("AuditAction", action.id),
    )
    assert bobs["owner"]["displayName"] == "Bob Worker"
    assert bobs["dueAt"] == "2027-01-15T23:59:59.999999+00:00"
    assert await listed({"states": ["DONE"]}) == []
    assert len(await listed({"dueBefore": "2027-01-01T00:00:00+00:00"})) == 1

    await act(world, audits.complete_action, SYSTEM, action_id=action.id, note="Shared.")
    [done] = await listed({"states": ["DONE"]})
    assert done["id"] == bobs["id"] and done["closedAt"] is not None


async def test_a_bad_owner_id_is_refused_for_its_field(gql: GraphQL, org: Org) -> None:
    body = await gql(LIST, {"filter": {"ownerId": gid("Team", org["team"].id)}}, as_=org["qa"])
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "ownerId"}


@pytest.mark.parametrize("query", [MINE, LIST])
async def test_anonymous_callers_are_refused(gql: GraphQL, org: Org, query: str) -> None:
    body = await gql(query)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_my_obligations_are_read_page_by_page(gql: GraphQL, world: World, org: Org) -> None:
    for days in range(1, 5):
        await plan(
            world, AuditKind.PEER, org["ann"], org["cases"][1], due_date=DUE + timedelta(days)
        )
    first = (await gql(MINE, {"first": 3}, as_=org["ann"]))["data"]["myObligations"]
    assert first["totalCount"] == 5 and first["pageInfo"]["hasNextPage"]
    after = first["pageInfo"]["endCursor"]
    rest = await gql(MINE, {"first": 3, "after": after}, as_=org["ann"])
    page = rest["data"]["myObligations"]
    assert len(page["edges"]) == 2 and not page["pageInfo"]["hasNextPage"]
    dues = [e["node"]["dueAt"] for e in first["edges"] + page["edges"]]
    assert dues == sorted(dues) and len(set(dues)) == 5


async def _owe_many(world: World, owner: Person, n: int) -> None:
    due = [datetime(2027, 1, 1, tzinfo=UTC) + timedelta(hours=i) for i in range(n)]
    await owe(world.session_factory, world.clock, owner, *due, kind=ObligationKind.ACTION_DUE)


async def test_a_list_of_1_and_of_100_obligations_cost_the_same_statements(
    gql: GraphQL, world: World, org: Org, sql_counter: StatementCounter
) -> None:
    await _owe_many(world, org["ann"], 100)
    await _owe_many(world, org["bob"], 20)

    async def cost(query: str, field: str, as_: Person, first: int) -> int:
        sql_counter.start()
        body = await gql(query, {"first": first}, as_=as_)
        assert len(_nodes(body, field)) == first
        assert body["data"][field]["totalCount"] >= first
        return sql_counter.stop()

    # Tam reads his reports' (the line-management policy); Ann reads her own.
    assert await cost(LIST, "obligations", org["tam"], 1) == await cost(
        LIST, "obligations", org["tam"], 100
    ), sql_counter.statements
    one = await cost(MINE, "myObligations", org["ann"], 1)
    hundred = await cost(MINE, "myObligations", org["ann"], 100)
    assert one == hundred, sql_counter.statements
    # Signing in (3), the page with its owners (1) and the count (1).
    assert hundred <= 5, sql_counter.statements
