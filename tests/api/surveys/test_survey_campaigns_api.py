"""Survey campaigns through GraphQL: the QA Lead or PSW creates one, invites people (typed
errors by field, nothing changed on a bad invitee), launches and closes it; staff follow its
progress; no output ever carries a contact detail or a token; and the list's cost is fixed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from graphql import build_schema

from domain.people.models import Person
from domain.surveys.models import SurveyInvitation, SurveyOptOut
from tests.conftest import GraphQL, StatementCounter, World
from tests.domain.audits.helpers import Authority, count_rows

CREATE = """
mutation($input: CreateSurveyCampaignInput!) {
  createSurveyCampaign(input: $input) {
    surveyCampaign { id name kind state survey { key } reminderDays opensAt closesAt }
    errors { code field message }
  }
}
"""
INVITE = """
mutation($id: ID!, $invitees: [SurveyInviteeInput!]!) {
  inviteToSurveyCampaign(campaignId: $id, invitees: $invitees) {
    invited skipped { index reason }
    surveyCampaign { progress { invited queued handedOver } }
    errors { code field message }
  }
}
"""
LAUNCH = """
mutation($id: ID!) { launchSurveyCampaign(campaignId: $id) {
  surveyCampaign { state openedAt } errors { code field message } } }
"""
CLOSE = """
mutation($id: ID!) { closeSurveyCampaign(campaignId: $id) {
  surveyCampaign { state closedAt progress { expired invited } } errors { code message } } }
"""
CAMPAIGNS = """
query($first: Int) { surveyCampaigns(first: $first) { totalCount edges { node {
  id name kind state survey { key name }
  progress { invited queued sent handedOver answered optedOut failed expired responseRate } } } } }
"""


def campaign_input(world: World, **overrides: Any) -> dict[str, Any]:
    now = world.clock.now()
    return {
        "name": "Annual survey 2027",
        "kind": "ANNUAL_SURVEY",
        "surveyKey": "annual_children_and_families",
        "opensAt": now.isoformat(),
        "closesAt": (now + timedelta(days=28)).isoformat(),
        "reminderDays": [7, 14],
        **overrides,
    }


async def create(gql: GraphQL, world: World, as_: Person, **overrides: Any) -> dict[str, Any]:
    body = await gql(CREATE, {"input": campaign_input(world, **overrides)}, as_=as_)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["createSurveyCampaign"]
    return payload


async def test_the_qa_lead_runs_a_campaign_from_draft_to_closed(
    town: Authority, gql: GraphQL, world: World
) -> None:
    made = await create(gql, world, town.qa_lead)
    assert made["errors"] == []
    campaign = made["surveyCampaign"]
    assert (campaign["state"], campaign["reminderDays"]) == ("DRAFT", [7, 14])
    refs = [c.case_reference for c in town.ann_children]
    invitees = [
        {"channel": "EMAIL", "childReference": refs[0], "contact": "family@example.org"},
        {"channel": "SMS", "childReference": refs[1], "contact": "07700 900123"},
        {"channel": "PRINT", "childReference": refs[2]},
        {"channel": "PRINT", "childReference": refs[2], "audience": "PARENT_CARER"},
        {"channel": "PRINT", "childReference": refs[2]},
    ]
    body = await gql(INVITE, {"id": campaign["id"], "invitees": invitees}, as_=town.qa_lead)
    result = body["data"]["inviteToSurveyCampaign"]
    assert result["errors"] == [] and result["invited"] == 4
    assert result["skipped"] == [{"index": 4, "reason": "Invited to this campaign already."}]
    assert result["surveyCampaign"]["progress"] == {"invited": 4, "queued": 2, "handedOver": 2}
    launched = (await gql(LAUNCH, {"id": campaign["id"]}, as_=town.qa_lead))["data"]
    assert launched["launchSurveyCampaign"]["surveyCampaign"]["state"] == "OPEN"
    again = (await gql(LAUNCH, {"id": campaign["id"]}, as_=town.qa_lead))["data"]
    assert again["launchSurveyCampaign"]["errors"][0]["code"] == "CONFLICT"
    # Any member of staff follows its progress.
    listed = await gql(CAMPAIGNS, {"first": 10}, as_=town.tm_a)
    node = listed["data"]["surveyCampaigns"]["edges"][0]["node"]
    assert node["progress"]["invited"] == 4 and node["progress"]["responseRate"] == 0
    closed = (await gql(CLOSE, {"id": campaign["id"]}, as_=town.psw))["data"]["closeSurveyCampaign"]
    assert closed["surveyCampaign"]["state"] == "CLOSED"
    assert closed["surveyCampaign"]["progress"] == {"expired": 4, "invited": 4}
    async with world.session_factory() as s:
        from sqlalchemy import select

        rows = list(await s.scalars(select(SurveyInvitation)))
    assert rows and all(r.contact is None and r.token_salt is None for r in rows)


async def test_a_bad_invitee_refuses_the_whole_call_by_field_and_adds_nothing(
    town: Authority, gql: GraphQL, world: World
) -> None:
    campaign = (await create(gql, world, town.qa_lead))["surveyCampaign"]
    ref = town.bob_children[0].case_reference
    for invitee, field in (
        ({"channel": "EMAIL", "childReference": ref, "contact": "nope"}, "invitees.1"),
        ({"channel": "SMS", "childReference": ref, "contact": "0123"}, "invitees.1"),
        ({"channel": "PRINT", "childReference": ref, "contact": "x@example.org"}, "invitees.1"),
        ({"channel": "PRINT"}, "invitees.1"),
        ({"channel": "PRINT", "personId": "not-an-id"}, "invitees.1.personId"),
    ):
        body = await gql(
            INVITE,
            {
                "id": campaign["id"],
                "invitees": [{"channel": "PRINT", "childReference": ref}, invitee],
            },
            as_=town.qa_lead,
        )
        errors = body["data"]["inviteToSurveyCampaign"]["errors"]
        assert [(e["code"], e["field"]) for e in errors] == [("INVALID", field)], invitee
    assert await count_rows(world, SurveyInvitation) == 0


async def test_bad_campaign_input_is_refused_with_its_field(
    town: Authority, gql: GraphQL, world: World
) -> None:
    now = world.clock.now()
    for overrides, field in (
        ({"name": "  "}, "name"),
        ({"closesAt": (now - timedelta(days=1)).isoformat()}, "closesAt"),
        ({"closesAt": (now + timedelta(days=400)).isoformat()}, "closesAt"),
        ({"reminderDays": [0]}, "reminderDays"),
        ({"surveyKey": "no_such_survey"}, "surveyKey"),
        ({"kind": "STAFF_SURVEY"}, "surveyKey"),
        ({"kind": "AUDIT_FEEDBACK"}, "kind"),
    ):
        made = await create(gql, world, town.qa_lead, **overrides)
        assert made["surveyCampaign"] is None
        assert made["errors"][0]["field"] == field, overrides


@pytest.mark.parametrize("role", ["ann", "tm_a", "hos_csc", "dcs", "aed", "admin", "partner"])
async def test_only_the_qa_lead_and_psw_create_and_run_campaigns(
    town: Authority, gql: GraphQL, world: World, role: str
) -> None:
    refused = await create(gql, world, town.person(role))
    assert refused["surveyCampaign"] is None
    assert refused["errors"][0]["code"] == "NOT_ALLOWED"
    campaign = (await create(gql, world, town.psw))["surveyCampaign"]
    for mutation in (LAUNCH, CLOSE):
        body = await gql(mutation, {"id": campaign["id"]}, as_=town.person(role))
        errors = next(iter(body["data"].values()))["errors"]
        assert errors and errors[0]["code"] in {"NOT_ALLOWED", "NOT_FOUND"}
    body = await gql(
        INVITE,
        {"id": campaign["id"], "invitees": [{"channel": "PRINT", "childReference": "X"}]},
        as_=town.person(role),
    )
    assert body["data"]["inviteToSurveyCampaign"]["errors"][0]["code"] == "NOT_ALLOWED"


async def test_partner_agency_members_and_strangers_see_no_campaigns(
    town: Authority, gql: GraphQL, world: World
) -> None:
    await create(gql, world, town.qa_lead)
    body = await gql(CAMPAIGNS, {"first": 10}, as_=town.partner)
    assert body["data"]["surveyCampaigns"]["totalCount"] == 0
    anonymous = await gql(CAMPAIGNS, {"first": 10})
    assert anonymous["data"] is None or anonymous["data"]["surveyCampaigns"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_staff_survey_invites_whole_teams_by_email(
    town: Authority, gql: GraphQL, world: World
) -> None:
    campaign = (
        await create(
            gql, world, town.qa_lead, kind="STAFF_SURVEY", surveyKey="staff_annual_health_check"
        )
    )["surveyCampaign"]
    assert campaign is not None
    from api.graphql.core.ids import global_id

    body = await gql(
        """mutation($id: ID!, $teams: [ID!]!) { inviteTeamsToSurveyCampaign(campaignId: $id,
        teamIds: $teams) { invited errors { code field } surveyCampaign { progress { queued } } } }""",
        {"id": campaign["id"], "teams": [global_id("Team", town.team_a.id)]},
        as_=town.qa_lead,
    )
    result = body["data"]["inviteTeamsToSurveyCampaign"]
    # Team A: its manager and two practitioners.
    assert result["errors"] == [] and result["invited"] == 3
    assert result["surveyCampaign"]["progress"]["queued"] == 3


async def test_an_opt_out_told_to_staff_is_recorded_by_those_who_see_the_child(
    town: Authority, gql: GraphQL, world: World
) -> None:
    query = """mutation($ref: String) { recordSurveyOptOut(childReference: $ref) {
        recorded errors { code field } } }"""
    ref = town.cat_children[0].case_reference
    refused = await gql(query, {"ref": ref}, as_=town.ann)
    assert refused["data"]["recordSurveyOptOut"]["errors"][0]["code"] == "NOT_FOUND"
    done = await gql(query, {"ref": ref}, as_=town.cat)
    assert done["data"]["recordSurveyOptOut"] == {"recorded": True, "errors": []}
    assert await count_rows(world, SurveyOptOut) == 1


def test_no_output_type_carries_a_contact_detail_or_a_token() -> None:
    """Contact details and link tokens go in (an invitation's input) and never come out."""
    from pathlib import Path

    schema = build_schema(Path("schema.graphql").read_text())
    for name, type_ in schema.type_map.items():
        fields = getattr(type_, "fields", None)
        if name.startswith("__") or fields is None or name.endswith("Input"):
            continue
        for field_name in fields:
            lowered = field_name.lower()
            assert "contact" not in lowered and "token" not in lowered, (name, field_name)


async def test_the_list_of_campaigns_costs_the_same_for_one_or_many(
    town: Authority, gql: GraphQL, world: World, sql_counter: StatementCounter
) -> None:
    refs = [c.case_reference for c in town.ann_children + town.bob_children]
    for n in range(6):
        campaign = (await create(gql, world, town.qa_lead, name=f"Campaign {n}"))["surveyCampaign"]
        await gql(
            INVITE,
            {
                "id": campaign["id"],
                "invitees": [{"channel": "PRINT", "childReference": r} for r in refs[: n + 1]],
            },
            as_=town.qa_lead,
        )

    async def cost(first: int) -> int:
        sql_counter.start()
        body = await gql(CAMPAIGNS, {"first": first}, as_=town.qa_lead)
        assert "errors" not in body, body
        assert len(body["data"]["surveyCampaigns"]["edges"]) == first
        return sql_counter.stop()

    assert await cost(1) == await cost(6), sql_counter.statements


FEEDBACK = """
mutation($audit: ID!, $invitees: [SurveyInviteeInput!]!) {
  requestAuditFeedback(auditId: $audit, invitees: $invitees) {
    invited skipped { index reason }
    surveyCampaign { kind state auditId reminderDays survey { key } progress { queued } }
    errors { code field message }
  }
}
"""


async def test_an_auditor_asks_the_child_and_family_for_feedback_on_their_audit(
    town: Authority, gql: GraphQL, world: World, audit_defaults: None
) -> None:
    from api.graphql.core.ids import global_id
    from domain.audits.kinds import AuditKind
    from tests.domain.audits.helpers import plan

    child = town.ann_children[0]
    audit = await plan(world, AuditKind.CASE_FILE, town.tm_b, child)
    invitees = [
        {"channel": "EMAIL", "contact": "young.person@example.org"},
        {"channel": "SMS", "contact": "+447700900456", "audience": "PARENT_CARER"},
    ]
    variables = {"audit": global_id("Audit", audit.id), "invitees": invitees}
    # Someone who is neither its auditor nor a campaign runner is refused; nothing is made.
    refused = await gql(FEEDBACK, variables, as_=town.bob)
    assert refused["data"]["requestAuditFeedback"]["errors"][0]["code"] in {
        "NOT_ALLOWED",
        "NOT_FOUND",
    }
    body = await gql(FEEDBACK, variables, as_=town.tm_b)
    result = body["data"]["requestAuditFeedback"]
    assert result["errors"] == [] and result["invited"] == 2
    campaign = result["surveyCampaign"]
    assert (campaign["kind"], campaign["state"], campaign["survey"]["key"]) == (
        "AUDIT_FEEDBACK",
        "OPEN",
        "post_audit_feedback",
    )
    assert campaign["auditId"] == global_id("Audit", audit.id)
    # Asking again uses the same campaign and does not invite anyone twice.
    again = (await gql(FEEDBACK, variables, as_=town.qa_lead))["data"]["requestAuditFeedback"]
    assert again["invited"] == 0 and len(again["skipped"]) == 2
    assert again["surveyCampaign"]["progress"]["queued"] == 2


async def test_runners_see_failed_invitations_and_try_them_again(
    town: Authority, gql: GraphQL, world: World
) -> None:
    from sqlalchemy import update

    from domain.surveys.models import InvitationStatus

    campaign = (await create(gql, world, town.qa_lead))["surveyCampaign"]
    refs = [c.case_reference for c in town.bob_children]
    invitees = [
        {"channel": "EMAIL", "childReference": r, "contact": f"f{n}@example.org"}
        for n, r in enumerate(refs)
    ]
    await gql(INVITE, {"id": campaign["id"], "invitees": invitees}, as_=town.qa_lead)
    await gql(LAUNCH, {"id": campaign["id"]}, as_=town.qa_lead)
    # The mail server refused one address after every retry.
    async with world.session_factory() as s, s.begin():
        failed = await s.scalar(
            update(SurveyInvitation)
            .where(SurveyInvitation.id.in_(select_one_invitation()))
            .values(
                status=InvitationStatus.FAILED,
                attempts=5,
                last_error="550 mailbox unavailable",
                next_send_at=None,
            )
            .returning(SurveyInvitation.id)
        )
    assert failed is not None
    query = """query($id: ID!) { surveyCampaign(id: $id) {
      dispatch { toSend dueNow failed sent }
      failedInvitations(first: 10) { totalCount edges { node {
        channel audience status attempts lastError } } } } }"""
    seen = await gql(query, {"id": campaign["id"]}, as_=town.qa_lead)
    node = seen["data"]["surveyCampaign"]
    assert node["dispatch"] == {"toSend": 2, "dueNow": 2, "failed": 1, "sent": 0}
    failure = node["failedInvitations"]["edges"][0]["node"]
    assert failure["lastError"] == "550 mailbox unavailable" and failure["status"] == "FAILED"
    # A team manager sees the campaign's progress, not its failures.
    manager = await gql(query, {"id": campaign["id"]}, as_=town.tm_a)
    assert manager["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    retry = """mutation($id: ID!) { retryFailedSurveyInvitations(campaignId: $id) {
      retried errors { code } surveyCampaign { dispatch { toSend failed } } } }"""
    refused = await gql(retry, {"id": campaign["id"]}, as_=town.tm_a)
    assert refused["data"]["retryFailedSurveyInvitations"]["errors"][0]["code"] == "NOT_ALLOWED"
    done = (await gql(retry, {"id": campaign["id"]}, as_=town.psw))["data"]
    assert done["retryFailedSurveyInvitations"]["retried"] == 1
    assert done["retryFailedSurveyInvitations"]["surveyCampaign"]["dispatch"] == {
        "toSend": 3,
        "failed": 0,
    }


def select_one_invitation() -> Any:
    from sqlalchemy import select

    return select(SurveyInvitation.id).order_by(SurveyInvitation.id).limit(1).scalar_subquery()


async def test_the_annual_surveys_sample_is_drawn_from_the_teams_asked_with_printed_codes(
    town: Authority, gql: GraphQL, world: World
) -> None:
    from api.graphql.core.ids import global_id

    campaign = (await create(gql, world, town.qa_lead))["surveyCampaign"]
    draw = """mutation($id: ID!, $sample: SurveySampleInput!) { drawSurveySample(campaignId: $id,
      sample: $sample) { invited skipped { index reason } errors { code field }
      surveyCampaign { sample progress { handedOver } } } }"""
    sample = {
        "size": 4,
        "teamIds": [global_id("Team", town.team_a.id)],
        "includeParentCarers": True,
    }
    body = await gql(draw, {"id": campaign["id"], "sample": sample}, as_=town.qa_lead)
    result = body["data"]["drawSurveySample"]
    # Four of team A's six children, each with a parent or carer: eight printed codes.
    assert result["errors"] == [] and result["invited"] == 8
    assert result["surveyCampaign"]["progress"]["handedOver"] == 8
    assert result["surveyCampaign"]["sample"]["drawn"] == 4
    async with world.session_factory() as s:
        from sqlalchemy import select

        from domain.children.models import Child

        teams = set(
            await s.scalars(
                select(Child.team_id).where(
                    Child.id.in_(select(SurveyInvitation.child_id)),
                )
            )
        )
    assert teams == {town.team_a.id}
    # Drawing again takes only children not drawn yet.
    again = await gql(draw, {"id": campaign["id"], "sample": sample}, as_=town.qa_lead)
    assert again["data"]["drawSurveySample"]["invited"] == 4
    bad = {"size": 4, "teamIds": ["nonsense"]}
    refused = await gql(draw, {"id": campaign["id"], "sample": bad}, as_=town.qa_lead)
    assert refused["data"]["drawSurveySample"]["errors"] == [
        {"code": "INVALID", "field": "sample.teamIds.0"}
    ]
    practitioner = await gql(draw, {"id": campaign["id"], "sample": sample}, as_=town.ann)
    assert practitioner["data"]["drawSurveySample"]["errors"][0]["code"] == "NOT_ALLOWED"
