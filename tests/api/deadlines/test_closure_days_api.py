"""An administrator adds and removes the authority's closure days, and history records it;
nobody else may. Staff read them, and the front-end's due dates (`workingDaysAfter`) follow
them, by the same rule the domain uses for every deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from strawberry import relay

from domain.core.roles import Role, ScopeType
from domain.deadlines import service as deadlines
from domain.deadlines.models import ClosureDay
from domain.history.models import HistoryEntry
from tests.conftest import GraphQL, World

ADD = """mutation($i: AddClosureDayInput!) {
  r: addClosureDay(input: $i) { closureDay { id day name } errors { code field message } }
}"""
REMOVE = """mutation($i: RemoveClosureDayInput!) {
  r: removeClosureDay(input: $i) { closureDay { id day name } errors { code field message } }
}"""
LIST = """query($since: Date, $until: Date) {
  closureDays(since: $since, until: $until) { id day name }
}"""
AFTER = """query($m: DateTime!, $d: Int!) { workingDaysAfter(moment: $m, days: $d) }"""

CHRISTMAS_EVE_2026 = "2026-12-24T16:00:00+00:00"


@pytest.fixture
async def org(world: World) -> dict[str, Any]:
    csc = await world.service()
    team = await world.team(csc, "Assessment Team 1")
    admin = await world.person("Ada Admin", (Role.ADMINISTRATOR, ScopeType.AUTHORITY, None))
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
    return {"admin": admin, "qa": qa, "tm": tm, "worker": worker, "partner": partner}


async def _counts(world: World) -> tuple[int, int]:
    async with world.session_factory() as s:
        closures = await s.scalar(select(func.count()).select_from(ClosureDay))
        entries = await s.scalar(select(func.count()).select_from(HistoryEntry))
    return int(closures or 0), int(entries or 0)


async def _add(gql: GraphQL, org: dict[str, Any], day: str, name: str = "Staff day") -> Any:
    body = await gql(ADD, {"i": {"day": day, "name": name}}, as_=org["admin"])
    return body["data"]["r"]


async def test_an_administrator_adds_and_removes_a_closure_day_and_history_records_both(
    gql: GraphQL, world: World, org: dict[str, Any]
) -> None:
    added = await _add(gql, org, "2026-12-29", "  Christmas   closure ")
    assert added["errors"] == []
    assert added["closureDay"]["day"] == "2026-12-29"
    assert added["closureDay"]["name"] == "Christmas closure"
    closure_id = added["closureDay"]["id"]
    listed = await gql(LIST, {"since": "2026-12-01", "until": "2026-12-31"}, as_=org["worker"])
    assert listed["data"]["closureDays"] == [added["closureDay"]]

    removed = await gql(REMOVE, {"i": {"id": closure_id}}, as_=org["admin"])
    assert removed["data"]["r"]["errors"] == []
    assert removed["data"]["r"]["closureDay"] == added["closureDay"]
    listed = await gql(LIST, {}, as_=org["worker"])
    assert listed["data"]["closureDays"] == []

    async with world.session_factory() as s:
        entries = list(
            await s.scalars(
                select(HistoryEntry)
                .where(HistoryEntry.object_type == "ClosureDay")
                .order_by(HistoryEntry.id)
            )
        )
    assert [e.action for e in entries] == ["closure_day.added", "closure_day.removed"]
    assert {e.actor_id for e in entries} == {org["admin"].id}
    assert {str(e.object_id) for e in entries} == {relay.GlobalID.from_id(closure_id).node_id}
    assert entries[0].changes == {
        "day": [None, "2026-12-29"],
        "name": [None, "Christmas closure"],
    }
    assert entries[1].changes == {
        "day": ["2026-12-29", None],
        "name": ["Christmas closure", None],
    }
    assert all(e.request_id for e in entries)


@pytest.mark.parametrize("refused", ["qa", "tm", "worker", "partner"])
async def test_only_an_administrator_may_add_a_closure_day(
    gql: GraphQL, world: World, org: dict[str, Any], refused: str
) -> None:
    before = await _counts(world)
    body = await gql(ADD, {"i": {"day": "2026-12-29", "name": "Staff day"}}, as_=org[refused])
    assert body["data"]["r"]["closureDay"] is None
    assert body["data"]["r"]["errors"][0]["code"] == "NOT_ALLOWED"
    assert await _counts(world) == before


@pytest.mark.parametrize("refused", ["qa", "tm", "worker", "partner"])
async def test_only_an_administrator_may_remove_a_closure_day(
    gql: GraphQL, world: World, org: dict[str, Any], refused: str
) -> None:
    closure_id = (await _add(gql, org, "2026-12-29"))["closureDay"]["id"]
    before = await _counts(world)
    body = await gql(REMOVE, {"i": {"id": closure_id}}, as_=org[refused])
    assert body["data"]["r"]["closureDay"] is None
    assert body["data"]["r"]["errors"][0]["code"] == "NOT_ALLOWED"
    assert await _counts(world) == before


async def test_anonymous_changes_are_refused(gql: GraphQL, world: World) -> None:
    body = await gql(ADD, {"i": {"day": "2026-12-29", "name": "Staff day"}})
    assert body["data"]["r"]["errors"][0]["code"] == "UNAUTHENTICATED"
    assert await _counts(world) == (0, 0)


async def test_the_same_day_cannot_be_a_closure_day_twice(
    gql: GraphQL, world: World, org: dict[str, Any]
) -> None:
    await _add(gql, org, "2026-12-29")
    before = await _counts(world)
    again = await _add(gql, org, "2026-12-29", "Another name")
    assert again["closureDay"] is None
    error = again["errors"][0]
    assert (error["code"], error["field"]) == ("CONFLICT", "day")
    assert "already" in error["message"]
    assert await _counts(world) == before


@pytest.mark.parametrize(
    ("day", "words"),
    [
        ("2026-12-26", "weekend"),  # Saturday (Boxing Day)
        ("2026-11-29", "weekend"),  # Sunday
        ("2026-12-25", "Christmas Day"),
        ("2026-12-28", "Boxing Day (observed)"),
        ("2026-05-25", "Spring Bank Holiday"),
    ],
)
async def test_a_day_that_is_never_a_working_day_cannot_be_a_closure_day(
    gql: GraphQL, world: World, org: dict[str, Any], day: str, words: str
) -> None:
    before = await _counts(world)
    result = await _add(gql, org, day)
    error = result["errors"][0]
    assert (error["code"], error["field"]) == ("INVALID", "day")
    assert words in error["message"]
    assert await _counts(world) == before


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
async def test_a_closure_day_needs_a_name(
    gql: GraphQL, world: World, org: dict[str, Any], name: str
) -> None:
    before = await _counts(world)
    result = await _add(gql, org, "2026-12-29", name)
    error = result["errors"][0]
    assert (error["code"], error["field"]) == ("INVALID", "name")
    assert await _counts(world) == before


async def test_removing_a_closure_day_that_is_not_there_is_not_found(
    gql: GraphQL, org: dict[str, Any]
) -> None:
    closure_id = (await _add(gql, org, "2026-12-29"))["closureDay"]["id"]
    await gql(REMOVE, {"i": {"id": closure_id}}, as_=org["admin"])
    again = await gql(REMOVE, {"i": {"id": closure_id}}, as_=org["admin"])
    error = again["data"]["r"]["errors"][0]
    assert (error["code"], error["field"]) == ("NOT_FOUND", "id")
    wrong_type = str(relay.GlobalID("Team", relay.GlobalID.from_id(closure_id).node_id))
    bad = await gql(REMOVE, {"i": {"id": wrong_type}}, as_=org["admin"])
    error = bad["data"]["r"]["errors"][0]
    assert (error["code"], error["field"]) == ("INVALID", "id")


async def test_staff_list_closure_days_by_day_within_the_dates_asked_for(
    gql: GraphQL, org: dict[str, Any]
) -> None:
    for day in ("2027-01-04", "2026-12-29", "2026-12-30", "2026-11-30"):
        await _add(gql, org, day)
    body = await gql(LIST, {"since": "2026-12-01", "until": "2026-12-31"}, as_=org["tm"])
    assert [c["day"] for c in body["data"]["closureDays"]] == ["2026-12-29", "2026-12-30"]
    body = await gql(LIST, {"since": "2026-12-30"}, as_=org["qa"])
    assert [c["day"] for c in body["data"]["closureDays"]] == ["2026-12-30", "2027-01-04"]
    body = await gql(LIST, {"since": "2026-12-31", "until": "2026-12-01"}, as_=org["qa"])
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "until"}


async def test_a_partner_agency_member_and_anonymous_callers_read_no_closure_days(
    gql: GraphQL, org: dict[str, Any]
) -> None:
    await _add(gql, org, "2026-12-29")
    body = await gql(LIST, {}, as_=org["partner"])
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    body = await gql(LIST, {})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# --- workingDaysAfter ----------------------------------------------------------------------


async def test_working_days_after_agrees_with_the_domain_and_moves_with_a_closure_day(
    gql: GraphQL, world: World, org: dict[str, Any]
) -> None:
    moment = datetime(2026, 12, 24, 16, 0, tzinfo=UTC)
    body = await gql(AFTER, {"m": CHRISTMAS_EVE_2026, "d": 3}, as_=org["worker"])
    due = datetime.fromisoformat(body["data"]["workingDaysAfter"])
    async with world.session_factory() as s:
        domain_due = (await deadlines.calendar(s)).add_working_days(moment, 3)
    assert due == domain_due == datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)

    await _add(gql, org, "2026-12-29", "Christmas closure")
    body = await gql(AFTER, {"m": CHRISTMAS_EVE_2026, "d": 3}, as_=org["worker"])
    moved = datetime.fromisoformat(body["data"]["workingDaysAfter"])
    async with world.session_factory() as s:
        calendar = await deadlines.calendar(s, years=range(2026, 2028))
    assert moved == calendar.add_working_days(moment, 3)
    assert moved == datetime(2027, 1, 4, 23, 59, 59, 999999, tzinfo=UTC)


async def test_working_days_after_answers_in_utc_for_a_moment_in_summer_time(
    gql: GraphQL, org: dict[str, Any]
) -> None:
    # Friday 27 March 2026 + 1 working day: the end of Monday 30 March, in BST.
    body = await gql(AFTER, {"m": "2026-03-27T10:00:00Z", "d": 1}, as_=org["partner"])
    due = datetime.fromisoformat(body["data"]["workingDaysAfter"])
    assert due == datetime(2026, 3, 30, 22, 59, 59, 999999, tzinfo=UTC)
    assert due.utcoffset() is not None and due.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("moment", "days", "field"),
    [
        (CHRISTMAS_EVE_2026, -1, "days"),
        (CHRISTMAS_EVE_2026, 1001, "days"),
        ("2026-12-24T16:00:00", 3, "moment"),  # no offset: which 16:00?
    ],
)
async def test_working_days_after_refuses_what_it_cannot_answer_with_a_typed_error(
    gql: GraphQL, org: dict[str, Any], moment: str, days: int, field: str
) -> None:
    body = await gql(AFTER, {"m": moment, "d": days}, as_=org["worker"])
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": field}


async def test_working_days_after_needs_someone_signed_in(gql: GraphQL) -> None:
    body = await gql(AFTER, {"m": CHRISTMAS_EVE_2026, "d": 3})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_domain_calendar_is_loaded_in_one_query(
    world: World, org: dict[str, Any], gql: GraphQL, sql_counter: Any
) -> None:
    await _add(gql, org, "2026-12-29")
    async with world.session_factory() as s:
        sql_counter.start()
        calendar = await deadlines.calendar(s, years=range(2026, 2027))
        assert sql_counter.stop() == 1
    assert calendar.closures == frozenset({date(2026, 12, 29)})
