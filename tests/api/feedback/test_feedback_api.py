"""The compliments and complaints register through GraphQL: a complaint received on Christmas
Eve 2026 through its stages, refusals as typed errors, who sees what, what a list costs in SQL,
and trends counted against the records seeded."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.feedback import service as feedback
from domain.feedback.models import FeedbackCategory, FeedbackSource
from domain.people.models import Person
from tests.conftest import GraphQL, StatementCounter, gid
from tests.domain.audits.helpers import Authority, act
from tests.domain.feedback.helpers import POLICY, complaint, compliment, themes

RECORD = """
fragment Record on FeedbackRecord {
  id kind receivedOn source category summary outcome learning status isOpen
  service { name } team { name } child { caseReference } themes { name }
  responder { displayName } recordedBy { displayName }
  stages { stage startedOn dueOn extended extensionReason finding respondedOn overdue
           owner { displayName } }
  history { action }
}
"""


@pytest.fixture
def founded_at() -> datetime:
    """The seeded authority (`auth`) is set up at this moment."""
    return datetime(2026, 12, 24, 15, tzinfo=UTC)


async def step(gql: GraphQL, name: str, input: dict[str, Any], as_: Person) -> dict[str, Any]:
    selection = "record { ...Record } errors { code field message }"
    return await gql.mutate(name, input, selection, as_, fragments=RECORD)


async def done(gql: GraphQL, name: str, input: dict[str, Any], as_: Person) -> dict[str, Any]:
    payload = await step(gql, name, input, as_)
    assert payload["errors"] == [], payload
    record: dict[str, Any] = payload["record"]
    return record


async def refused(gql: GraphQL, name: str, input: dict[str, Any], as_: Person) -> str:
    payload = await step(gql, name, input, as_)
    assert payload["record"] is None
    code: str = payload["errors"][0]["code"]
    return code


def complaint_input(auth: Authority, **extra: Any) -> dict[str, Any]:
    return {
        "receivedOn": "2026-12-24",
        "source": "PARENT_CARER",
        "category": "COMMUNICATION",
        "summary": "The parent was not told the date of the review meeting.",
        "teamId": gid("Team", auth.team_a.id),
        "childId": gid("Child", auth.bob_children[0].id),
        **extra,
    }


async def test_a_complaint_received_on_christmas_eve_through_its_stages(
    auth: Authority, gql: GraphQL
) -> None:
    theme = (await themes(auth.world))[0]
    record = await done(
        gql,
        "recordComplaint",
        complaint_input(auth, themeIds=[gid("Theme", theme.id)]),
        auth.qa_lead,
    )
    assert record["status"] == "STAGE_1" and record["isOpen"]
    assert record["service"]["name"] == "Children's Social Care"
    assert record["team"]["name"] == "Assessment Team A"
    assert record["child"]["caseReference"].startswith("BOB")
    assert record["themes"] == [{"name": theme.name}]
    assert record["responder"]["displayName"] == "Hal Hos"
    # Ten working days past Christmas, the substitute Boxing Day and New Year's Day.
    assert record["stages"] == [
        {
            "stage": 1,
            "startedOn": "2026-12-24",
            "dueOn": "2027-01-12",
            "extended": False,
            "extensionReason": None,
            "finding": None,
            "respondedOn": None,
            "overdue": False,
            "owner": {"displayName": "Hal Hos"},
        }
    ]
    fid = record["id"]
    owed = await gql(
        "{ obligations(filter: {kinds: [COMPLAINT_STAGE1_DUE]}) "
        "{ edges { node { dueAt subjectId owner { displayName } } } } }",
        as_=auth.hos_csc,
    )
    assert "errors" not in owed, owed
    [ob] = [e["node"] for e in owed["data"]["obligations"]["edges"]]
    assert ob["subjectId"] == fid and ob["dueAt"].startswith("2027-01-12T23:59:59")

    assert await refused(gql, "escalateComplaint", {"feedbackId": fid}, auth.hos_csc) == "CONFLICT"
    record = await done(
        gql,
        "extendComplaintStage",
        {"feedbackId": fid, "reason": "Records on leave."},
        auth.hos_csc,
    )
    assert record["stages"][0]["dueOn"] == "2027-01-26" and record["stages"][0]["extended"]
    assert (
        await refused(gql, "extendComplaintStage", {"feedbackId": fid, "reason": "x"}, auth.hos_csc)
        == "CONFLICT"
    )
    auth.world.clock.set(datetime(2027, 1, 8, 12, tzinfo=UTC))
    record = await done(
        gql,
        "respondToComplaint",
        {"feedbackId": fid, "finding": "PARTLY_UPHELD", "response": "Apology; dates by letter."},
        auth.hos_csc,
    )
    assert record["status"] == "STAGE_1_RESPONDED"
    assert record["outcome"] == "Apology; dates by letter."
    record = await done(
        gql, "escalateComplaint", {"feedbackId": fid, "requestedOn": "2027-01-08"}, auth.hos_csc
    )
    assert record["status"] == "STAGE_2"
    assert record["stages"][1]["startedOn"] == "2027-01-08"
    assert record["stages"][1]["dueOn"] == "2027-02-12"  # 25 working days
    record = await done(
        gql, "withdrawComplaint", {"feedbackId": fid, "reason": "Resolved."}, auth.hos_csc
    )
    assert record["status"] == "WITHDRAWN" and not record["isOpen"]
    assert [h["action"] for h in record["history"]] == [
        "feedback.complaint_recorded",
        "feedback.stage_extended",
        "feedback.complaint_responded",
        "feedback.complaint_escalated",
        "feedback.complaint_withdrawn",
    ]
    assert (
        await refused(
            gql,
            "recordComplaintPanel",
            {
                "feedbackId": fid,
                "heldOn": "2027-01-08",
                "finding": "UPHELD",
                "recommendations": "x",
            },
            auth.hos_csc,
        )
        == "CONFLICT"
    )


async def test_refusals_are_typed_errors(auth: Authority, gql: GraphQL) -> None:
    assert await refused(gql, "recordComplaint", complaint_input(auth), auth.bob) == "NOT_ALLOWED"
    assert await refused(gql, "recordComplaint", complaint_input(auth), auth.admin) == "NOT_ALLOWED"
    assert await refused(gql, "recordComplaint", complaint_input(auth), auth.tm_a) == "NOT_ALLOWED"
    payload = await step(gql, "recordCompliment", complaint_input(auth, summary="  "), auth.hos_csc)
    assert payload["errors"][0]["field"] == "summary"
    record = await done(gql, "recordComplaint", complaint_input(auth), auth.hos_csc)
    for person in (auth.bob, auth.admin, auth.partner, auth.hos_ff):
        code = await refused(
            gql, "withdrawComplaint", {"feedbackId": record["id"], "reason": "x"}, person
        )
        assert code == "NOT_FOUND"


async def test_who_sees_the_register(auth: Authority, gql: GraphQL) -> None:
    await complaint(auth, auth.team_a, date(2026, 12, 1))
    await compliment(auth, auth.team_b, date(2026, 12, 2))
    made = await complaint(auth, auth.team_c, date(2026, 12, 3))
    query = "{ feedbackRecords { totalCount edges { node { team { name } } } } }"
    expected = {
        "qa_lead": 3,
        "dcs": 3,
        "aed": 3,
        "hos_csc": 2,
        "gm": 2,
        "hos_ff": 1,
        "tm_a": 1,
        "tm_b": 1,
        "bob": 0,
        "psw": 0,
        "admin": 0,
        "partner": 0,
    }
    for name, n in expected.items():
        body = await gql(query, as_=auth.person(name))
        assert "errors" not in body, body
        assert body["data"]["feedbackRecords"]["totalCount"] == n, name
    node = "query($id: ID!) { node(id: $id) { ... on FeedbackRecord { kind } } }"
    fid = gid("FeedbackRecord", made.id)
    assert (await gql(node, {"id": fid}, as_=auth.hos_ff))["data"]["node"] == {"kind": "COMPLAINT"}
    assert (await gql(node, {"id": fid}, as_=auth.hos_csc))["data"]["node"] is None
    assert (await gql(node, {"id": fid}, as_=auth.admin))["data"]["node"] is None
    trends = await gql(
        '{ feedbackTrends(from: "2026-12-01", to: "2026-12-31") { complaints { total } } }',
        as_=auth.bob,
    )
    assert trends["data"] is None
    assert trends["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"


async def test_filters(auth: Authority, gql: GraphQL) -> None:
    await complaint(auth, auth.team_a, date(2026, 12, 1), category=FeedbackCategory.DELAY)
    await compliment(auth, auth.team_a, date(2026, 12, 2))
    await complaint(auth, auth.team_c, date(2026, 11, 3))

    async def total(flt: str) -> int:
        body = await gql(f"{{ feedbackRecords(filter: {flt}) {{ totalCount }} }}", as_=auth.qa_lead)
        assert "errors" not in body, body
        n: int = body["data"]["feedbackRecords"]["totalCount"]
        return n

    assert await total("{kind: COMPLAINT}") == 2
    assert await total("{statuses: [STAGE_1]}") == 2
    assert await total("{category: DELAY}") == 1
    assert await total(f'{{teamId: "{gid("Team", auth.team_a.id)}"}}') == 2
    assert await total(f'{{serviceId: "{gid("Service", auth.ff.id)}"}}') == 1
    assert await total('{receivedFrom: "2026-12-01", receivedTo: "2026-12-01"}') == 1


async def test_a_list_of_records_costs_the_same_statements_however_long(
    auth: Authority, gql: GraphQL, sql_counter: StatementCounter
) -> None:
    query = (
        RECORD
        + "query($first: Int) { feedbackRecords(first: $first) { edges { node { ...Record } } } }"
    )
    theme_ids = tuple(t.id for t in (await themes(auth.world))[:2])
    for i in range(20):
        team = [auth.team_a, auth.team_b, auth.team_c][i % 3]
        if i % 2:
            await complaint(auth, team, date(2026, 12, 1 + i), theme_ids=theme_ids)
        else:
            await compliment(auth, team, date(2026, 12, 1 + i), theme_ids=theme_ids[:1])

    async def cost(first: int) -> int:
        sql_counter.start()
        body = await gql(query, {"first": first}, as_=auth.qa_lead)
        assert "errors" not in body, body
        assert len(body["data"]["feedbackRecords"]["edges"]) == first
        return sql_counter.stop()

    assert await cost(1) == await cost(20), sql_counter.statements


TRENDS = """
fragment Counts on FeedbackCounts {
  total byMonth { key label count } byTeam { key label count suppressed }
  byCategory { key label count } byTheme { key label count }
}
query { feedbackTrends(from: "2026-11-01", to: "2026-12-31") {
  from to compliments { ...Counts } complaints { ...Counts } } }
"""


def counts(rows: list[dict[str, Any]]) -> dict[str | None, int | None]:
    return {r["key"]: r["count"] for r in rows}


async def test_trends_count_the_seeded_records_by_month_team_category_and_theme(
    auth: Authority, gql: GraphQL
) -> None:
    t1, t2 = (await themes(auth.world))[:2]
    a, b, c = (gid("Team", t.id) for t in (auth.team_a, auth.team_b, auth.team_c))
    C = FeedbackCategory
    await compliment(auth, auth.team_a, date(2026, 11, 5), theme_ids=(t1.id,))
    await compliment(
        auth, auth.team_a, date(2026, 12, 7), category=C.COMMUNICATION, theme_ids=(t1.id, t2.id)
    )
    await compliment(auth, auth.team_c, date(2026, 12, 8))
    await complaint(auth, auth.team_a, date(2026, 12, 10), category=C.DELAY, theme_ids=(t2.id,))
    await complaint(auth, auth.team_b, date(2026, 12, 11), category=C.DELAY)
    await complaint(
        auth, auth.team_a, date(2026, 11, 12), category=C.STAFF_CONDUCT, theme_ids=(t1.id,)
    )
    await complaint(auth, auth.team_a, date(2026, 10, 30), category=C.DELAY)  # before the period

    body = await gql(TRENDS, as_=auth.qa_lead)
    assert "errors" not in body, body
    trends = body["data"]["feedbackTrends"]
    assert (trends["from"], trends["to"]) == ("2026-11-01", "2026-12-31")
    praise, worry = trends["compliments"], trends["complaints"]
    assert praise["total"] == 3
    assert praise["byMonth"] == [
        {"key": "2026-11", "label": "November 2026", "count": 1},
        {"key": "2026-12", "label": "December 2026", "count": 2},
    ]
    assert counts(praise["byTeam"]) == {a: 2, c: 1}
    assert counts(praise["byCategory"]) == {"QUALITY_OF_SERVICE": 2, "COMMUNICATION": 1}
    assert counts(praise["byTheme"]) == {gid("Theme", t1.id): 2, gid("Theme", t2.id): 1}
    assert worry["total"] == 3
    assert counts(worry["byMonth"]) == {"2026-11": 1, "2026-12": 2}
    # Fewer than five complaints about a team: hidden (see the suppression test below).
    assert counts(worry["byTeam"]) == {a: None, b: None}
    assert all(r["suppressed"] for r in worry["byTeam"])
    assert not any(r["suppressed"] for r in praise["byTeam"])
    assert counts(worry["byCategory"]) == {"DELAY": 2, "STAFF_CONDUCT": 1}
    assert counts(worry["byTheme"]) == {gid("Theme", t1.id): 1, gid("Theme", t2.id): 1}

    # A Team Manager's trends are their team's.
    mine = (await gql(TRENDS, as_=auth.tm_a))["data"]["feedbackTrends"]
    assert (mine["compliments"]["total"], mine["complaints"]["total"]) == (2, 2)
    assert counts(mine["complaints"]["byTeam"]) == {a: None}


async def test_complaints_about_a_team_fewer_than_the_minimum_group_size_are_suppressed(
    auth: Authority, gql: GraphQL
) -> None:
    """A small count of complaints about a team can identify a family: below
    `minimumGroupSize` (5) the cell shows no count. With only one such cell, the next smallest
    is hidden too, or the total minus the others would reveal it."""
    a, b, c = (gid("Team", t.id) for t in (auth.team_a, auth.team_b, auth.team_c))
    for day in range(1, 7):
        await complaint(auth, auth.team_a, date(2026, 12, day))
    for day in range(1, 6):
        await complaint(auth, auth.team_c, date(2026, 12, day))
    for day in range(1, 3):
        await complaint(auth, auth.team_b, date(2026, 12, day))
    for day in range(1, 4):
        await compliment(auth, auth.team_b, date(2026, 12, day))
    await act(
        auth.world,
        feedback.record_complaint,
        auth.actor(auth.qa_lead),
        details=feedback.FeedbackDetails(
            received_on=date(2026, 12, 3),
            source=FeedbackSource.PROFESSIONAL,
            category=FeedbackCategory.DELAY,
            summary="Delay in the service's response to a referral.",
            service_id=auth.csc.id,
        ),
        responder_id=None,
        policy_settings=POLICY,
    )

    body = await gql(TRENDS, as_=auth.qa_lead)
    assert "errors" not in body, body
    worry = body["data"]["feedbackTrends"]["complaints"]
    assert worry["total"] == 14
    assert worry["byTeam"] == [
        {"key": a, "label": "Assessment Team A", "count": 6, "suppressed": False},
        {"key": c, "label": "Community Team C", "count": 5, "suppressed": False},
        {"key": b, "label": "Bridge Team B", "count": None, "suppressed": True},
        # Not about a team, but hidden so that 14 - 6 - 5 cannot give team B's count away.
        {"key": None, "label": "The service as a whole", "count": None, "suppressed": True},
    ]
    # Compliments and the other breakdowns are counted as they are.
    praise = body["data"]["feedbackTrends"]["compliments"]
    assert counts(praise["byTeam"]) == {b: 3}
    assert counts(worry["byMonth"]) == {"2026-12": 14}


def test_suppression_follows_the_policy_setting() -> None:
    cells = [
        feedback.TrendCount("a", "A", 4),
        feedback.TrendCount("b", "B", 2),
        feedback.TrendCount(None, "The service as a whole", 1),
    ]
    assert [c.count for c in feedback.suppress_small_teams(cells, 5)] == [None, None, 1]
    assert [c.count for c in feedback.suppress_small_teams(cells, 3)] == [4, None, None]
    assert [c.count for c in feedback.suppress_small_teams(cells, 1)] == [4, 2, 1]
    # One cell only: hidden, and nothing else to hide.
    assert feedback.suppress_small_teams(cells[1:2], 5) == [
        feedback.TrendCount("b", "B", None, suppressed=True)
    ]
