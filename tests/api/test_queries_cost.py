"""A list costs a fixed number of SQL statements, however long it is (no N+1)."""

from __future__ import annotations

from domain.core.roles import Role, ScopeType
from tests.conftest import GraphQL, StatementCounter, World

CHILDREN = """
query($first: Int) {
  children(first: $first) {
    totalCount
    edges { node { id caseReference cohorts ageInYears
      team { id name service { id name } }
      allocatedPractitioner { id displayName team { name } lineManager { displayName } roles { role } } } }
  }
}
"""
PEOPLE = """
query($first: Int) {
  people(first: $first) {
    edges { node { displayName team { name service { name } } lineManager { displayName }
                   roles { role scope team { name } service { name } } } }
  }
}
"""


async def _cost(
    gql: GraphQL, counter: StatementCounter, query: str, first: int, as_: object
) -> int:
    counter.start()
    body = await gql(query, {"first": first}, as_=as_)  # type: ignore[arg-type]
    assert "errors" not in body, body
    return counter.stop()


async def test_a_list_of_1_and_of_100_children_cost_the_same_statements(
    gql: GraphQL, world: World, sql_counter: StatementCounter
) -> None:
    csc = await world.service()
    teams = [await world.team(csc, f"Team {i}") for i in range(5)]
    manager = await world.person("Mo Manager", (Role.GROUP_MANAGER, ScopeType.SERVICE, csc))
    workers = [
        await world.person(
            f"Worker {i}", (Role.PRACTITIONER, ScopeType.TEAM, t), team=t, line_manager=manager
        )
        for i, t in enumerate(teams)
    ]
    for i, team in enumerate(teams):
        await world.children(team, 20, practitioner=workers[i], prefix=f"T{i}")
    qa = await world.person("Quinn Lead", (Role.QA_LEAD, ScopeType.AUTHORITY, None))

    one = await _cost(gql, sql_counter, CHILDREN, 1, qa)
    hundred = await _cost(gql, sql_counter, CHILDREN, 100, qa)
    assert one == hundred, sql_counter.statements
    assert hundred <= 12


async def test_a_list_of_1_and_of_50_people_cost_the_same_statements(
    gql: GraphQL, world: World, sql_counter: StatementCounter
) -> None:
    csc = await world.service()
    teams = [await world.team(csc, f"Team {i}") for i in range(5)]
    manager = await world.person(
        "Zed Manager", (Role.TEAM_MANAGER, ScopeType.TEAM, teams[0]), team=teams[0]
    )
    for i in range(49):
        team = teams[i % 5]
        await world.person(
            f"Worker {i:02d}",
            (Role.PRACTITIONER, ScopeType.TEAM, team),
            team=team,
            line_manager=manager,
        )
    one = await _cost(gql, sql_counter, PEOPLE, 1, manager)
    fifty = await _cost(gql, sql_counter, PEOPLE, 50, manager)
    assert one == fifty, sql_counter.statements
