"""Survey results through GraphQL and as CSV: the figures and their suppression, who may read
them (and who is refused, and how), comments for the roles allowed to read them only, what a
read costs in SQL, and CSV that a spreadsheet cannot be tricked into running."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from typing import Any

import pytest

from domain.core.roles import SYSTEM
from domain.surveys.definitions import Audience
from domain.surveys.definitions import publishing as surveys
from domain.surveys.models import CampaignKind, Cohort, SurveyCampaign
from tests.conftest import GraphQL, StatementCounter, World, gid
from tests.domain.audits.helpers import Authority, build_authority, uow
from tests.domain.surveys.results_helpers import (
    ANNUAL,
    STAFF,
    Responder,
    campaign,
    child_answers,
    seed_surveys,
    staff_answers,
    version_of,
)

RESULTS = """
query($id: ID!, $by: ResultBreakdown, $first: Int) {
  surveyResults(campaignId: $id, by: $by) {
    campaignId campaignName by minimumGroupSize suppressed respondents
    questions {
      key type text asked { audience version text }
      overall { suppressed respondents mean counts { answer label count } }
      groups(first: $first) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { key label
          figures { suppressed respondents mean counts { answer count } } } }
      }
    }
  }
}
"""
COMMENTS = """
query($id: ID!, $key: String!, $first: Int, $after: String) {
  surveyComments(campaignId: $id, questionKey: $key, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { text submittedOn audience team { name } } }
  }
}
"""


@pytest.fixture
async def auth(world: World) -> Authority:
    await seed_surveys(world)
    return await build_authority(world)


@pytest.fixture
async def staff(world: World, auth: Authority) -> SurveyCampaign:
    """The Annual Health Check: 4 staff of team A, 5 of team B (9 in Children's Social Care),
    6 of team C (Family First); some wrote what worries them."""
    c = await campaign(world, STAFF, CampaignKind.STAFF_SURVEY, "Annual Health Check 2026")
    version = await version_of(world, STAFF, Audience.STAFF)
    r = Responder(world, c)
    await r.add(version, [staff_answers(3)] * 4, team=auth.team_a, cohort=Cohort.STAFF)
    await r.add(
        version,
        [staff_answers(6, worries="Caseloads.")] * 5,
        team=auth.team_b,
        cohort=Cohort.STAFF,
        submitted_on=date(2026, 11, 18),
    )
    await r.add(
        version,
        [staff_answers(8, worries="=cmd|' /C calc'!A0"), staff_answers(8, worries="-2+3")]
        + [staff_answers(9)] * 4,
        team=auth.team_c,
        cohort=Cohort.STAFF,
        submitted_on=date(2026, 11, 21),
    )
    return c


def data(body: dict[str, Any], field: str) -> Any:
    assert "errors" not in body, body
    return body["data"][field]


def question(results: dict[str, Any], key: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [q for q in results["questions"] if q["key"] == key]
    assert len(found) == 1
    return found[0]


def groups(q: dict[str, Any]) -> dict[str, int | None]:
    return {e["node"]["label"]: e["node"]["figures"]["respondents"] for e in q["groups"]["edges"]}


async def test_staff_results_by_team_and_by_service(
    gql: GraphQL, auth: Authority, staff: SurveyCampaign
) -> None:
    found = data(
        await gql(RESULTS, {"id": gid("SurveyCampaign", staff.id), "by": "TEAM"}, as_=auth.qa_lead),
        "surveyResults",
    )
    assert found["campaignName"] == "Annual Health Check 2026"
    assert found["campaignId"] == gid("SurveyCampaign", staff.id)
    assert (found["suppressed"], found["respondents"], found["minimumGroupSize"]) == (
        False,
        15,
        5,
    )
    workload = question(found, "workload")
    assert workload["type"] == "SCALE_0_10"
    assert workload["text"] == "How manageable is your workload?"
    assert workload["asked"] == [
        {"audience": "STAFF", "version": 1, "text": "How manageable is your workload?"}
    ]
    assert workload["overall"]["respondents"] == 15
    assert workload["overall"]["mean"] == round((4 * 3 + 5 * 6 + 2 * 8 + 4 * 9) / 15, 2)
    # A team of 4 is suppressed, and its only sibling in the service with it.
    assert groups(workload) == {
        "Assessment Team A": None,
        "Bridge Team B": None,
        "Community Team C": 6,
    }
    [team_a] = [
        e["node"] for e in workload["groups"]["edges"] if e["node"]["label"].startswith("A")
    ]
    assert team_a["figures"] == {
        "suppressed": True,
        "respondents": None,
        "mean": None,
        "counts": [],
    }
    team_c = workload["groups"]["edges"][2]["node"]
    assert team_c["key"] == gid("Team", auth.team_c.id)
    assert {c["answer"]: c["count"] for c in team_c["figures"]["counts"] if c["count"]} == {
        "8": 2,
        "9": 4,
    }
    # The service of 9 is shown.
    by_service = data(
        await gql(
            RESULTS, {"id": gid("SurveyCampaign", staff.id), "by": "SERVICE"}, as_=auth.qa_lead
        ),
        "surveyResults",
    )
    assert groups(question(by_service, "workload")) == {
        "Children's Social Care": 9,
        "Family First": 6,
    }
    recommend = question(by_service, "recommend")
    assert [(c["answer"], c["label"], c["count"]) for c in recommend["overall"]["counts"]] == [
        ("yes", "Yes", 15),
        ("not_sure", "Not sure", 0),
        ("no", "No", 0),
    ]
    worries = question(by_service, "worries")
    assert worries["overall"] == {
        "suppressed": False,
        "respondents": 7,
        "mean": None,
        "counts": [],
    }


async def test_groups_are_a_connection(
    gql: GraphQL, auth: Authority, staff: SurveyCampaign
) -> None:
    found = data(
        await gql(
            RESULTS,
            {"id": gid("SurveyCampaign", staff.id), "by": "TEAM", "first": 2},
            as_=auth.dcs,
        ),
        "surveyResults",
    )
    g = question(found, "workload")["groups"]
    assert g["totalCount"] == 3 and g["pageInfo"]["hasNextPage"]
    assert [e["node"]["label"] for e in g["edges"]] == ["Assessment Team A", "Bridge Team B"]
    too_many = await gql(
        RESULTS, {"id": gid("SurveyCampaign", staff.id), "by": "TEAM", "first": 101}, as_=auth.dcs
    )
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID"


async def test_managers_see_their_scope_and_nothing_under_the_minimum(
    gql: GraphQL, auth: Authority, staff: SurveyCampaign
) -> None:
    variables = {"id": gid("SurveyCampaign", staff.id), "by": "TEAM"}
    hos = data(await gql(RESULTS, variables, as_=auth.hos_csc), "surveyResults")
    assert hos["respondents"] == 9
    assert groups(question(hos, "workload")) == {"Assessment Team A": None, "Bridge Team B": None}
    team_a = data(await gql(RESULTS, variables, as_=auth.tm_a), "surveyResults")
    assert team_a == team_a | {"suppressed": True, "respondents": None, "questions": []}
    team_b = data(await gql(RESULTS, variables, as_=auth.tm_b), "surveyResults")
    assert team_b["respondents"] == 5
    assert groups(question(team_b, "workload")) == {"Bridge Team B": 5}


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("ann", "NOT_ALLOWED"),
        ("admin", "NOT_ALLOWED"),
        ("partner", "NOT_ALLOWED"),
        ("iro", "NOT_ALLOWED"),
        (None, "UNAUTHENTICATED"),
    ],
)
async def test_other_roles_are_refused(
    gql: GraphQL, auth: Authority, staff: SurveyCampaign, who: str | None, code: str
) -> None:
    person = auth.person(who) if who else None
    body = await gql(RESULTS, {"id": gid("SurveyCampaign", staff.id)}, as_=person)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == code


async def test_a_bad_id_and_an_unknown_campaign_are_typed_errors(
    gql: GraphQL, auth: Authority
) -> None:
    for value, code in [
        ("not-an-id", "INVALID"),
        (gid("Team", auth.team_a.id), "INVALID"),
        (gid("SurveyCampaign", uuid.uuid4()), "NOT_FOUND"),
    ]:
        body = await gql(RESULTS, {"id": value}, as_=auth.qa_lead)
        assert body["errors"][0]["extensions"]["code"] == code, value
        if code == "INVALID":
            assert body["errors"][0]["extensions"]["field"] == "campaignId"


# --- comments ----------------------------------------------------------------------------------


async def test_comments_newest_first_for_the_roles_allowed(
    gql: GraphQL, auth: Authority, staff: SurveyCampaign
) -> None:
    variables = {"id": gid("SurveyCampaign", staff.id), "key": "worries", "first": 3}
    page = data(await gql(COMMENTS, variables, as_=auth.psw), "surveyComments")
    assert page["totalCount"] == 7 and page["pageInfo"]["hasNextPage"]
    nodes = [e["node"] for e in page["edges"]]
    assert [n["submittedOn"] for n in nodes] == ["2026-11-21", "2026-11-21", "2026-11-18"]
    assert {n["text"] for n in nodes[:2]} == {"=cmd|' /C calc'!A0", "-2+3"}
    assert all(n["team"] == {"name": "Community Team C"} for n in nodes[:2])
    assert all(n["audience"] == "STAFF" for n in nodes)
    rest = data(
        await gql(COMMENTS, variables | {"after": page["pageInfo"]["endCursor"]}, as_=auth.aed),
        "surveyComments",
    )
    assert [e["node"]["text"] for e in rest["edges"]] == ["Caseloads."] * 3
    # Team B's 5 are enough to be named.
    assert rest["edges"][0]["node"]["team"] == {"name": "Bridge Team B"}


async def test_a_comment_from_a_small_team_carries_no_team(
    gql: GraphQL, auth: Authority, staff: SurveyCampaign
) -> None:
    version = await version_of(auth.world, STAFF, Audience.STAFF)
    team_d = await auth.world.team(auth.ff, "Dale Team D")
    await Responder(auth.world, staff).add(
        version,
        [staff_answers(5, worries="Only me here.")],
        team=team_d,
        cohort=Cohort.STAFF,
        submitted_on=date(2026, 11, 25),
    )
    body = await gql(
        COMMENTS,
        {"id": gid("SurveyCampaign", staff.id), "key": "worries", "first": 1},
        as_=auth.qa_lead,
    )
    [edge] = data(body, "surveyComments")["edges"]
    assert edge["node"]["text"] == "Only me here." and edge["node"]["team"] is None


@pytest.mark.parametrize("who", ["hos_csc", "gm", "tm_b", "ann", "admin", "partner"])
async def test_comments_are_refused_to_other_roles(
    gql: GraphQL, auth: Authority, staff: SurveyCampaign, who: str
) -> None:
    body = await gql(
        COMMENTS, {"id": gid("SurveyCampaign", staff.id), "key": "worries"}, as_=auth.person(who)
    )
    assert body["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"


def test_a_comment_has_no_id_to_link_it_to_anyone() -> None:
    from api.graphql.schema import schema

    sdl = schema.as_str()
    block = sdl[sdl.index("type SurveyComment {") :]
    block = block[: block.index("}")]
    assert " id" not in block and "Id" not in block and "response" not in block.lower()


# --- cost ----------------------------------------------------------------------------------------


async def one_question_campaign(world: World, auth: Authority) -> SurveyCampaign:
    version = await uow(
        world,
        surveys.publish_version,
        actor=SYSTEM,
        clock=world.clock,
        survey_key="pulse",
        audience=Audience.STAFF,
        questions=[{"key": "mood", "type": "SCALE_0_10", "required": True}],
        translations={
            "en": {
                "title": "Pulse",
                "questions": {"mood": {"text": "How is it?", "low": "0", "high": "10"}},
            }
        },
        name="Pulse",
        purpose="A one-question pulse.",
    )
    c = await campaign(world, "pulse", CampaignKind.STAFF_SURVEY, "Pulse")
    await Responder(world, c).add(version, [{"mood": 7}] * 5, team=auth.team_a)
    return c


async def test_results_cost_the_same_statements_for_one_question_or_many_groups(
    gql: GraphQL, auth: Authority, staff: SurveyCampaign, sql_counter: StatementCounter
) -> None:
    small = await one_question_campaign(auth.world, auth)

    async def cost(c: SurveyCampaign, by: str | None) -> int:
        sql_counter.start()
        body = await gql(RESULTS, {"id": gid("SurveyCampaign", c.id), "by": by}, as_=auth.qa_lead)
        assert "errors" not in body, body
        return sql_counter.stop()

    one = await cost(small, "TEAM")
    many = await cost(staff, "TEAM")
    assert one == many, sql_counter.statements
    assert await cost(small, None) == await cost(staff, "COHORT") == one
    # The token's person (by subject, then email) and grants; then the campaign, its versions,
    # the group sizes and the answers counted.
    assert one == 7, "\n\n".join(sql_counter.statements)


async def test_comments_cost_the_same_statements_for_one_or_many(
    gql: GraphQL, auth: Authority, staff: SurveyCampaign, sql_counter: StatementCounter
) -> None:
    async def cost(first: int) -> int:
        sql_counter.start()
        body = await gql(
            COMMENTS,
            {"id": gid("SurveyCampaign", staff.id), "key": "worries", "first": first},
            as_=auth.qa_lead,
        )
        assert len(data(body, "surveyComments")["edges"]) == first
        return sql_counter.stop()

    assert await cost(1) == await cost(7), sql_counter.statements


# --- CSV -----------------------------------------------------------------------------------------


def rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


async def test_results_csv_has_the_same_figures_and_suppression(
    world: World, auth: Authority, staff: SurveyCampaign, gql: GraphQL
) -> None:
    response = await gql.client.get(
        f"/survey-campaigns/{gid('SurveyCampaign', staff.id)}/results.csv?by=TEAM",
        headers=world.headers(auth.qa_lead),
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    found = rows(response.text)
    workload = [r for r in found if r["question_key"] == "workload"]
    overall = [r for r in workload if r["group"] == "All respondents"]
    assert len(overall) == 11 and {r["respondents"] for r in overall} == {"15"}
    assert next(r for r in overall if r["answer"] == "9")["count"] == "4"
    [team_a] = [r for r in workload if r["group"] == "Assessment Team A"]
    assert team_a["suppressed"] == "true"
    assert team_a["respondents"] == team_a["mean"] == team_a["count"] == team_a["answer"] == ""
    team_c = [r for r in workload if r["group"] == "Community Team C"]
    assert {r["suppressed"] for r in team_c} == {"false"} and len(team_c) == 11
    assert {r["breakdown"] for r in found} == {"TEAM"}
    [worries] = [
        r for r in found if r["question_key"] == "worries" and r["group"] == "All respondents"
    ]
    assert (worries["respondents"], worries["answer"], worries["count"]) == ("7", "", "")
    # The plain UUID works too.
    plain = await gql.client.get(
        f"/survey-campaigns/{staff.id}/results.csv", headers=world.headers(auth.tm_b)
    )
    assert plain.status_code == 200
    assert {r["group"] for r in rows(plain.text)} == {"All respondents"}
    assert {r["respondents"] for r in rows(plain.text) if r["question_key"] == "workload"} == {"5"}


async def test_results_csv_of_a_scope_below_the_minimum_is_one_suppressed_row(
    world: World, auth: Authority, staff: SurveyCampaign, gql: GraphQL
) -> None:
    response = await gql.client.get(
        f"/survey-campaigns/{staff.id}/results.csv", headers=world.headers(auth.tm_a)
    )
    assert response.status_code == 200
    [row] = rows(response.text)
    assert row["suppressed"] == "true" and row["respondents"] == "" and row["question_key"] == ""


async def test_comments_csv_neutralises_formulas(
    world: World, auth: Authority, staff: SurveyCampaign, gql: GraphQL
) -> None:
    response = await gql.client.get(
        f"/survey-campaigns/{staff.id}/comments.csv", headers=world.headers(auth.dcs)
    )
    assert response.status_code == 200, response.text
    found = rows(response.text)
    assert [r["question_key"] for r in found] == ["worries"] * 7
    assert found[0]["question"] == "What worries you about your work?"
    assert {r["comment"] for r in found[:2]} == {"'=cmd|' /C calc'!A0", "'-2+3"}
    assert found[0]["team"] == "Community Team C" and found[0]["audience"] == "Staff"
    assert found[-1]["comment"] == "Caseloads." and found[-1]["submitted_on"] == "2026-11-18"
    assert set(found[0]) == {
        "question_key",
        "question",
        "submitted_on",
        "team",
        "audience",
        "comment",
    }


def test_every_formula_start_is_neutralised() -> None:
    from api.http.survey_csv import neutralise

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(f"{start}1+1") == f"'{start}1+1"
    assert neutralise("Fine.") == "Fine." and neutralise(3) == 3


async def test_csv_refusals(
    world: World, auth: Authority, staff: SurveyCampaign, gql: GraphQL
) -> None:
    base = f"/survey-campaigns/{gid('SurveyCampaign', staff.id)}"
    get = gql.client.get
    assert (await get(f"{base}/results.csv")).status_code == 401
    assert (await get(f"{base}/comments.csv")).status_code == 401
    unsigned = await get(f"{base}/results.csv", headers={"Authorization": "Bearer nonsense"})
    assert unsigned.status_code == 401
    for person in (auth.ann, auth.admin, auth.partner):
        refused = await get(f"{base}/results.csv", headers=world.headers(person))
        assert refused.status_code == 403
        assert "Survey results are for" in refused.json()["error"]
    for person in (auth.hos_csc, auth.tm_b, auth.ann):
        assert (await get(f"{base}/comments.csv", headers=world.headers(person))).status_code == 403
    qa = world.headers(auth.qa_lead)
    ghost = f"/survey-campaigns/{gid('SurveyCampaign', uuid.uuid4())}"
    assert (await get(f"{ghost}/results.csv", headers=qa)).status_code == 404
    assert (await get("/survey-campaigns/nothing/results.csv", headers=qa)).status_code == 404
    assert (await get(f"{base}/answers.csv", headers=qa)).status_code == 404
    bad = await get(f"{base}/results.csv?by=CHILD", headers=qa)
    assert bad.status_code == 400 and bad.json()["field"] == "by"


async def test_csv_of_the_annual_survey_by_audience(
    world: World, auth: Authority, gql: GraphQL
) -> None:
    c = await campaign(world, ANNUAL, CampaignKind.ANNUAL_SURVEY)
    middle = await version_of(world, ANNUAL, Audience.CHILD_8_TO_12)
    parents = await version_of(world, ANNUAL, Audience.PARENT_CARER)
    r = Responder(world, c)
    await r.add(middle, [child_answers(8)] * 6, team=auth.team_a)
    await r.add(parents, [child_answers(6)] * 5, team=auth.team_a)
    response = await gql.client.get(
        f"/survey-campaigns/{c.id}/results.csv?by=AUDIENCE", headers=world.headers(auth.psw)
    )
    found = [r for r in rows(response.text) if r["question_key"] == "help_difference"]
    means = {r["group"]: r["mean"] for r in found}
    assert means == {
        "All respondents": str(round((6 * 8 + 5 * 6) / 11, 2)),
        "Children aged 8 to 12": "8.0",
        "Parents and carers": "6.0",
    }
