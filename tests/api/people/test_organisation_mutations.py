"""Administrators manage services, teams, people and roles; nobody else may, and every change
is in history. Bad input gets a typed error and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from domain.core.roles import Role, ScopeType
from domain.history.models import HistoryEntry
from domain.people.models import Person, RoleGrant, Service, Team
from tests.conftest import GraphQL, World, gid


@pytest.fixture
async def org(world: World) -> dict[str, Any]:
    csc = await world.service()
    team = await world.team(csc, "Assessment Team 1")
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
    dcs = await world.person(
        "Dee Director", (Role.DIRECTOR_OF_CHILDRENS_SERVICES, ScopeType.AUTHORITY, None)
    )
    qa = await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None))
    tm = await world.person("Tom Manager", (Role.TEAM_MANAGER, ScopeType.TEAM, team), team=team)
    worker = await world.person(
        "Wyn Worker", (Role.PRACTITIONER, ScopeType.TEAM, team), team=team, line_manager=tm
    )
    partner = await world.person(
        "Pat Police",
        (Role.PARTNER_AGENCY_MEMBER, ScopeType.AUTHORITY, None),
        partner_agency="Police",
    )
    return {
        "csc": csc,
        "team": team,
        "admin": admin,
        "dcs": dcs,
        "qa": qa,
        "tm": tm,
        "worker": worker,
        "partner": partner,
    }


def mutations(org: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each mutation with input an administrator may apply."""
    grant_target = gid("Person", org["worker"].id)
    return {
        "createService": (
            "mutation($i: CreateServiceInput!) { r: createService(input: $i) { service { id name } errors { code field message } } }",
            {"name": "MASH"},
        ),
        "createTeam": (
            "mutation($i: CreateTeamInput!) { r: createTeam(input: $i) { team { id name } errors { code field message } } }",
            {"serviceId": gid("Service", org["csc"].id), "name": "Child Protection Team 1"},
        ),
        "updateTeam": (
            "mutation($i: UpdateTeamInput!) { r: updateTeam(input: $i) { team { id name } errors { code field message } } }",
            {"id": gid("Team", org["team"].id), "name": "Assessment Team A"},
        ),
        "createPerson": (
            "mutation($i: CreatePersonInput!) { r: createPerson(input: $i) { person { id email } errors { code field message } } }",
            {
                "displayName": "Nia New",
                "email": "nia.new@example.org",
                "teamId": gid("Team", org["team"].id),
            },
        ),
        "updatePerson": (
            "mutation($i: UpdatePersonInput!) { r: updatePerson(input: $i) { person { id jobTitle } errors { code field message } } }",
            {"id": grant_target, "jobTitle": "Senior Practitioner"},
        ),
        "grantRole": (
            "mutation($i: GrantRoleInput!) { r: grantRole(input: $i) { roleGrant { id role } person { id } errors { code field message } } }",
            {"personId": grant_target, "role": "PRACTITIONER", "scope": "TEAM", "teamId": None},
        ),
    }


async def _history_count(world: World) -> int:
    async with world.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(HistoryEntry)) or 0)


@pytest.mark.parametrize("refused", ["dcs", "qa", "tm", "worker", "partner"])
@pytest.mark.parametrize(
    "name",
    ["createService", "createTeam", "updateTeam", "createPerson", "updatePerson", "grantRole"],
)
async def test_only_administrators_may_change_the_organisation(
    gql: GraphQL, world: World, org: dict[str, Any], refused: str, name: str
) -> None:
    query, variables = mutations(org)[name]
    before = await _history_count(world)
    body = await gql(query, {"i": variables}, as_=org[refused])
    result = body["data"]["r"]
    assert result["errors"][0]["code"] == "NOT_ALLOWED"
    assert await _history_count(world) == before


async def test_anonymous_mutations_are_refused(gql: GraphQL, org: dict[str, Any]) -> None:
    query, variables = mutations(org)["createService"]
    body = await gql(query, {"i": variables})
    assert body["data"]["r"]["errors"][0]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "name", ["createService", "createTeam", "updateTeam", "createPerson", "updatePerson"]
)
async def test_an_administrator_may_and_history_records_it(
    gql: GraphQL, world: World, org: dict[str, Any], name: str
) -> None:
    query, variables = mutations(org)[name]
    before = await _history_count(world)
    body = await gql(query, {"i": variables}, as_=org["admin"])
    result = body["data"]["r"]
    assert result["errors"] == []
    assert await _history_count(world) == before + 1
    async with world.session_factory() as s:
        entry = (await s.scalars(select(HistoryEntry).order_by(HistoryEntry.id.desc()))).first()
    assert entry is not None and entry.actor_id == org["admin"].id and entry.request_id


async def test_granting_and_revoking_a_role(
    gql: GraphQL, world: World, org: dict[str, Any]
) -> None:
    query, variables = mutations(org)["grantRole"]
    variables = {
        **variables,
        "role": "ASSISTANT_TEAM_MANAGER",
        "teamId": gid("Team", org["team"].id),
    }
    body = await gql(query, {"i": variables}, as_=org["admin"])
    grant_id = body["data"]["r"]["roleGrant"]["id"]
    assert body["data"]["r"]["errors"] == []
    again = await gql(query, {"i": variables}, as_=org["admin"])
    assert again["data"]["r"]["errors"][0]["code"] == "CONFLICT"

    revoke = "mutation($i: RevokeRoleInput!) { r: revokeRole(input: $i) { person { roles { role } } errors { code } } }"
    refused = await gql(revoke, {"i": {"grantId": grant_id}}, as_=org["tm"])
    assert refused["data"]["r"]["errors"][0]["code"] == "NOT_ALLOWED"
    body = await gql(revoke, {"i": {"grantId": grant_id}}, as_=org["admin"])
    assert body["data"]["r"]["person"]["roles"] == [{"role": "PRACTITIONER"}]
    async with world.session_factory() as s:
        actions = list(
            await s.scalars(
                select(HistoryEntry.action)
                .where(HistoryEntry.object_id == org["worker"].id)
                .order_by(HistoryEntry.id)
            )
        )
    assert actions[-2:] == ["role.granted", "role.revoked"]


@pytest.mark.parametrize(
    ("role", "scope", "target", "field"),
    [
        ("HEAD_OF_SERVICE", "TEAM", "team", "scope"),  # a Head of Service holds a service
        ("TEAM_MANAGER", "TEAM", None, "teamId"),  # a team scope names its team
        ("DIRECTOR_OF_CHILDRENS_SERVICES", "AUTHORITY", "team", "scope"),
    ],
)
async def test_a_role_in_the_wrong_scope_is_refused(
    gql: GraphQL,
    world: World,
    org: dict[str, Any],
    role: str,
    scope: str,
    target: str | None,
    field: str,
) -> None:
    query, variables = mutations(org)["grantRole"]
    variables = {
        **variables,
        "role": role,
        "scope": scope,
        "teamId": gid("Team", org["team"].id) if target else None,
    }
    before = await _history_count(world)
    body = await gql(query, {"i": variables}, as_=org["admin"])
    error = body["data"]["r"]["errors"][0]
    assert (error["code"], error["field"]) == ("INVALID", field)
    assert await _history_count(world) == before


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"email": "not an email"}, "INVALID", "email"),
        ({"displayName": "   "}, "INVALID", "displayName"),
        ({"displayName": None}, "INVALID", "displayName"),
        ({"teamId": "VGVhbTpub3BlCg=="}, "INVALID", "teamId"),
        ({"teamId": None, "lineManagerId": "garbage"}, "INVALID", "lineManagerId"),
    ],
)
async def test_bad_input_gets_a_typed_error_and_changes_nothing(
    gql: GraphQL, world: World, org: dict[str, Any], change: dict[str, Any], code: str, field: str
) -> None:
    query, _ = mutations(org)["updatePerson"]
    before = await _history_count(world)
    body = await gql(
        query,
        {"i": {"id": gid("Person", org["worker"].id), "jobTitle": "X", **change}},
        as_=org["admin"],
    )
    error = body["data"]["r"]["errors"][0]
    assert (error["code"], error["field"]) == (code, field)
    assert await _history_count(world) == before
    async with world.session_factory() as s:
        person = await s.get(Person, org["worker"].id)
    assert person is not None and person.job_title is None and person.team_id == org["team"].id


async def test_a_line_manager_loop_is_refused(
    gql: GraphQL, world: World, org: dict[str, Any]
) -> None:
    query, _ = mutations(org)["updatePerson"]
    # Wyn is managed by Tom; making Wyn Tom's manager would be a loop.
    body = await gql(
        query,
        {
            "i": {
                "id": gid("Person", org["tm"].id),
                "lineManagerId": gid("Person", org["worker"].id),
            }
        },
        as_=org["admin"],
    )
    assert body["data"]["r"]["errors"][0]["field"] == "lineManagerId"
    own = await gql(
        query,
        {"i": {"id": gid("Person", org["tm"].id), "lineManagerId": gid("Person", org["tm"].id)}},
        as_=org["admin"],
    )
    assert own["data"]["r"]["errors"][0]["code"] == "INVALID"


async def test_duplicate_email_and_names_conflict(
    gql: GraphQL, world: World, org: dict[str, Any]
) -> None:
    query, variables = mutations(org)["createPerson"]
    taken = {**variables, "email": org["worker"].email.upper()}
    body = await gql(query, {"i": taken}, as_=org["admin"])
    assert body["data"]["r"]["errors"][0] == {
        "code": "CONFLICT",
        "field": "email",
        "message": "Someone has that email address already.",
    }
    query, _ = mutations(org)["createService"]
    body = await gql(query, {"i": {"name": "children's social care"}}, as_=org["admin"])
    assert body["data"]["r"]["errors"][0]["code"] == "CONFLICT"
    async with world.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(Service)) == 1
        assert await s.scalar(select(func.count()).select_from(Team)) == 1
        assert await s.scalar(select(func.count()).select_from(RoleGrant)) == 6


async def test_a_person_who_leaves_is_hidden_from_the_directory(
    gql: GraphQL, org: dict[str, Any]
) -> None:
    query, _ = mutations(org)["updatePerson"]
    await gql(
        query, {"i": {"id": gid("Person", org["worker"].id), "isActive": False}}, as_=org["admin"]
    )
    people = "query($f: PeopleFilter) { people(filter: $f, first: 100) { edges { node { displayName isActive } } } }"
    body = await gql(people, as_=org["tm"])
    names = [e["node"]["displayName"] for e in body["data"]["people"]["edges"]]
    assert "Wyn Worker" not in names and "Tom Manager" in names
    body = await gql(people, {"f": {"includeInactive": True}}, as_=org["tm"])
    assert {"displayName": "Wyn Worker", "isActive": False} in [
        e["node"] for e in body["data"]["people"]["edges"]
    ]


async def test_a_partner_member_sees_only_themselves_in_the_directory(
    gql: GraphQL, org: dict[str, Any]
) -> None:
    body = await gql(
        "{ people(first: 100) { totalCount edges { node { displayName } } } }", as_=org["partner"]
    )
    assert body["data"]["people"]["totalCount"] == 1
    assert body["data"]["people"]["edges"][0]["node"]["displayName"] == "Pat Police"
    node = await gql(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": gid("Person", org["tm"].id)},
        as_=org["partner"],
    )
    assert node["data"]["node"] is None


async def test_an_administrator_cannot_mark_themselves_as_left(
    gql: GraphQL, world: World, org: dict[str, Any]
) -> None:
    query, _ = mutations(org)["updatePerson"]
    body = await gql(
        query, {"i": {"id": gid("Person", org["admin"].id), "isActive": False}}, as_=org["admin"]
    )
    assert body["data"]["r"]["errors"][0]["code"] == "CONFLICT"
    assert (await gql("{ me { isActive } }", as_=org["admin"]))["data"]["me"]["isActive"] is True


async def test_the_policy_settings_are_readable_by_staff(gql: GraphQL, org: dict[str, Any]) -> None:
    body = await gql(
        "{ policySettings { hosAssuranceWorkingDays complaintStage2WorkingDays } }",
        as_=org["worker"],
    )
    assert body["data"]["policySettings"] == {
        "hosAssuranceWorkingDays": 1,
        "complaintStage2WorkingDays": 25,
    }
    anonymous = await gql("{ policySettings { minimumGroupSize } }")
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_name_with_a_nul_byte_is_refused_not_an_internal_error(
    gql: GraphQL, org: dict[str, Any]
) -> None:
    query, variables = mutations(org)["createPerson"]
    before = await _history_count(gql.world)
    body = await gql(query, {"i": {**variables, "displayName": "Nia \x00 New"}}, as_=org["admin"])
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
    assert "NUL" in body["errors"][0]["message"]
    assert await _history_count(gql.world) == before
