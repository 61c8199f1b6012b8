"""Choosing the hour of the daily digest through GraphQL: a signed-in person sets and clears
their own, reads it on `me` (and nobody else's), an hour outside 0-23 is a typed error that
changes nothing, anonymous callers are refused, and each change is in history."""

from __future__ import annotations

from sqlalchemy import select

from domain.core.db import SessionFactory
from domain.core.roles import Role, ScopeType
from domain.history.models import HistoryEntry
from domain.people.models import Person
from tests.conftest import GraphQL, World

SET = """
mutation($hour: Int) {
  setDigestHour(hour: $hour) {
    person { id digestHour }
    errors { code field message }
  }
}
"""

ME = "{ me { id digestHour } }"


async def _hour(session_factory: SessionFactory, person: Person) -> int | None:
    async with session_factory() as s:
        return await s.scalar(select(Person.digest_hour).where(Person.id == person.id))


async def test_a_person_chooses_and_clears_their_digest_hour(
    gql: GraphQL, world: World, session_factory: SessionFactory
) -> None:
    sam = await world.person("Sam Social")
    assert (await gql(ME, as_=sam))["data"]["me"]["digestHour"] is None

    body = await gql(SET, {"hour": 7}, as_=sam)
    payload = body["data"]["setDigestHour"]
    assert payload == {"person": {"id": payload["person"]["id"], "digestHour": 7}, "errors": []}
    assert (await gql(ME, as_=sam))["data"]["me"]["digestHour"] == 7
    assert await _hour(session_factory, sam) == 7

    again = await gql(SET, {"hour": 7}, as_=sam)  # no change, no second history row
    assert again["data"]["setDigestHour"]["errors"] == []
    for hour in (0, 23):
        assert (await gql(SET, {"hour": hour}, as_=sam))["data"]["setDigestHour"]["person"][
            "digestHour"
        ] == hour
    cleared = await gql(SET, {"hour": None}, as_=sam)
    assert cleared["data"]["setDigestHour"]["person"]["digestHour"] is None
    assert await _hour(session_factory, sam) is None

    async with session_factory() as s:
        rows = list(
            await s.scalars(
                select(HistoryEntry)
                .where(HistoryEntry.action == "person.digest_hour_set")
                .order_by(HistoryEntry.id)
            )
        )
    assert [r.changes for r in rows] == [
        {"digest_hour": [None, 7]},
        {"digest_hour": [7, 0]},
        {"digest_hour": [0, 23]},
        {"digest_hour": [23, None]},
    ]
    assert all(r.actor_id == sam.id and r.object_id == sam.id for r in rows)


async def test_an_hour_outside_the_day_is_refused_and_changes_nothing(
    gql: GraphQL, world: World, session_factory: SessionFactory
) -> None:
    sam = await world.person("Sam Social")
    await gql(SET, {"hour": 9}, as_=sam)
    for hour in (-1, 24, 100):
        payload = (await gql(SET, {"hour": hour}, as_=sam))["data"]["setDigestHour"]
        assert payload["person"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "hour")]
    assert await _hour(session_factory, sam) == 9


async def test_anonymous_callers_are_refused(gql: GraphQL) -> None:
    payload = (await gql(SET, {"hour": 8}))["data"]["setDigestHour"]
    assert payload["person"] is None and payload["errors"][0]["code"] == "UNAUTHENTICATED"


async def test_nobody_reads_another_persons_digest_hour(
    gql: GraphQL, world: World, session_factory: SessionFactory
) -> None:
    team = await world.team(await world.service(), "Child Protection Team 1")
    manager = await world.person("Tom Manager", (Role.TEAM_MANAGER, ScopeType.TEAM, team))
    sam = await world.person(
        "Sam Social", (Role.PRACTITIONER, ScopeType.TEAM, team), line_manager=manager
    )
    await gql(SET, {"hour": 8}, as_=sam)
    seen = await gql("{ me { lineManager { digestHour } } }", as_=sam)
    assert seen["data"]["me"]["lineManager"]["digestHour"] is None
    await gql(SET, {"hour": 17}, as_=manager)
    node = await gql(
        "query($id: ID!) { node(id: $id) { ... on Person { digestHour } } }",
        {"id": (await gql(ME, as_=sam))["data"]["me"]["id"]},
        as_=manager,
    )
    assert node["data"]["node"]["digestHour"] is None
    assert await _hour(session_factory, manager) == 17
    assert await _hour(session_factory, sam) == 8
