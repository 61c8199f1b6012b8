"""Survey definitions through GraphQL: who publishes and who reads, typed errors by field path
with nothing changed, reading versions in a language, previewing answer checks, and the cost of
the list."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry import relay

from domain.core.roles import Role, ScopeType
from domain.people.models import Person
from domain.surveys.definitions import reference
from domain.surveys.models import Survey, SurveyVersion
from tests.conftest import GraphQL, StatementCounter, World
from tests.domain.audits.helpers import count_rows, uow
from tests.domain.surveys.test_survey_definitions import sample

PUBLISH = """
mutation($input: PublishSurveyVersionInput!) {
  publishSurveyVersion(input: $input) {
    surveyVersion { id surveyKey audience version languages
      questions { key type required maxLength options { key emoji } } }
    errors { code field message }
  }
}
"""
SURVEYS = """
query($first: Int) {
  surveys(first: $first) {
    totalCount
    edges { node { id key name purpose
      currentVersions { id audience version languages questions { key type options { key } }
        wording { title questions { key text faces { emoji label } options { label } } } }
      versions { id version } } }
  }
}
"""
SURVEY = """
query($key: String!, $language: String!) {
  survey(key: $key) { key name currentVersions { id audience version languages
    wording(language: $language) { language title intro
      questions { key text options { key label } faces { value emoji label } low high } } } }
}
"""
VALIDATE = """
query($id: ID!, $answers: JSON!) {
  validateSurveyAnswers(versionId: $id, answers: $answers) {
    valid answers errors { questionKey code message }
  }
}
"""


def new_version(**overrides: Any) -> dict[str, Any]:
    d = sample()
    return {
        "surveyKey": "annual_children_and_families",
        "audience": "CHILD_8_TO_12",
        "name": "Annual survey of children and families",
        "purpose": "What difference has our help made?",
        "questions": d["questions"],
        "translations": d["translations"],
    } | overrides


@pytest.fixture
async def people(world: World) -> dict[str, Person]:
    csc = await world.service()
    team = await world.team(csc, "Assessment")
    a = ScopeType.AUTHORITY
    return {
        "qa": await world.person("Quinn Lead", (Role.QA_LEAD, a, None)),
        "psw": await world.person("Pat Principal", (Role.PRINCIPAL_SOCIAL_WORKER, a, None)),
        "admin": await world.person("Ada Admin", (Role.ADMINISTRATOR, a, None)),
        "dcs": await world.person("Dee Director", (Role.DIRECTOR_OF_CHILDRENS_SERVICES, a, None)),
        "worker": await world.person(
            "Wes Worker", (Role.PRACTITIONER, ScopeType.TEAM, team), team=team
        ),
        "partner": await world.person(
            "Pam Police", (Role.PARTNER_AGENCY_MEMBER, a, None), partner_agency="Police"
        ),
    }


@pytest.fixture
async def defaults(world: World) -> None:
    await uow(world, reference.ensure_defaults, clock=world.clock)


@pytest.mark.parametrize("who", ["qa", "psw"])
async def test_the_qa_lead_and_the_psw_publish_a_survey_version(
    gql: GraphQL, people: dict[str, Person], who: str
) -> None:
    body = await gql(PUBLISH, {"input": new_version()}, as_=people[who])
    payload = body["data"]["publishSurveyVersion"]
    assert payload["errors"] == []
    version = payload["surveyVersion"]
    assert (version["surveyKey"], version["audience"], version["version"]) == (
        "annual_children_and_families",
        "CHILD_8_TO_12",
        1,
    )
    assert version["languages"] == ["en", "cy"]
    assert version["questions"][4] == {
        "key": "better",
        "type": "FREE_TEXT",
        "required": False,
        "maxLength": 20,
        "options": [],
    }
    again = await gql(PUBLISH, {"input": new_version(name=None)}, as_=people[who])
    assert again["data"]["publishSurveyVersion"]["surveyVersion"]["version"] == 2


@pytest.mark.parametrize("who", ["admin", "dcs", "worker", "partner", None])
async def test_everyone_else_is_refused_and_nothing_changes(
    gql: GraphQL, world: World, people: dict[str, Person], who: str | None
) -> None:
    body = await gql(PUBLISH, {"input": new_version()}, as_=people[who] if who else None)
    payload = body["data"]["publishSurveyVersion"]
    assert payload["surveyVersion"] is None
    assert [e["code"] for e in payload["errors"]] == [
        "UNAUTHENTICATED" if who is None else "NOT_ALLOWED"
    ]
    assert await count_rows(world, Survey) == await count_rows(world, SurveyVersion) == 0


async def test_a_bad_definition_gets_every_problem_by_field_path_and_changes_nothing(
    gql: GraphQL, world: World, people: dict[str, Person]
) -> None:
    d = sample()
    d["questions"][3]["options"].append({"key": "school"})
    del d["translations"]["cy"]["questions"]["listens"]["options"]["no"]
    bad = new_version(
        audience="CHILD_UNDER_8", questions=d["questions"], translations=d["translations"]
    )
    body = await gql(PUBLISH, {"input": bad}, as_=people["qa"])
    payload = body["data"]["publishSurveyVersion"]
    assert payload["surveyVersion"] is None
    errors = {e["field"]: e for e in payload["errors"]}
    assert {e["code"] for e in payload["errors"]} == {"INVALID"}
    assert set(errors) >= {
        "questions.1.type",  # a 0 to 10 scale is not for children under 8
        "questions.3.type",  # nor is multiple choice
        "questions.3.options",  # an option key twice
        "translations.cy.questions.listens.options.no",  # a Welsh label missing
    }
    assert "'no'" in errors["translations.cy.questions.listens.options.no"]["message"]
    assert await count_rows(world, Survey) == await count_rows(world, SurveyVersion) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"questions": {"key": "x"}}, "questions"),
        ({"questions": [[1, 2], None]}, "questions.0"),
        ({"translations": "English"}, "translations"),
        ({"surveyKey": "Annual Survey"}, "surveyKey"),
        ({"surveyKey": "brand_new", "name": None}, "name"),
    ],
)
async def test_malformed_input_is_a_typed_error(
    gql: GraphQL, world: World, people: dict[str, Person], change: dict[str, Any], field: str
) -> None:
    body = await gql(PUBLISH, {"input": new_version(**change)}, as_=people["psw"])
    payload = body["data"]["publishSurveyVersion"]
    assert payload["surveyVersion"] is None
    assert payload["errors"][0]["code"] == "INVALID"
    assert payload["errors"][0]["field"] == field, payload["errors"]
    assert await count_rows(world, SurveyVersion) == 0


@pytest.mark.usefixtures("defaults")
@pytest.mark.parametrize("who", ["qa", "psw", "admin", "dcs", "worker"])
async def test_every_member_of_staff_reads_the_definitions(
    gql: GraphQL, people: dict[str, Person], who: str
) -> None:
    body = await gql(SURVEYS, {"first": 10}, as_=people[who])
    assert "errors" not in body, body
    surveys = {e["node"]["key"]: e["node"] for e in body["data"]["surveys"]["edges"]}
    assert set(surveys) == set(reference.DEFAULT_SURVEYS)
    annual = surveys["annual_children_and_families"]
    assert [v["audience"] for v in annual["currentVersions"]] == [
        "CHILD_UNDER_8",
        "CHILD_8_TO_12",
        "CHILD_13_AND_OVER",
        "PARENT_CARER",
        "CARE_LEAVER",
    ]
    youngest = annual["currentVersions"][0]
    assert youngest["languages"] == ["en", "cy"]
    assert {q["type"] for q in youngest["questions"]} <= {
        "EMOJI_SCALE",
        "SINGLE_CHOICE",
        "FREE_TEXT",
    }
    faces = youngest["wording"]["questions"][0]["faces"]
    assert [f["emoji"] for f in faces] == ["😢", "🙁", "😐", "🙂", "😄"]


@pytest.mark.usefixtures("defaults")
async def test_partner_agency_members_read_none_and_anonymous_callers_are_refused(
    gql: GraphQL, people: dict[str, Person]
) -> None:
    body = await gql(SURVEYS, {"first": 10}, as_=people["partner"])
    assert body["data"]["surveys"] == {"totalCount": 0, "edges": []}
    one = await gql(
        SURVEY, {"key": "staff_annual_health_check", "language": "en"}, as_=people["partner"]
    )
    assert one["data"]["survey"] is None
    anonymous = await gql(SURVEYS, {"first": 10})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.usefixtures("defaults")
async def test_a_version_reads_in_welsh_and_by_node_id(
    gql: GraphQL, people: dict[str, Person]
) -> None:
    body = await gql(
        SURVEY, {"key": "annual_children_and_families", "language": "cy"}, as_=people["worker"]
    )
    youngest, older, *_ = body["data"]["survey"]["currentVersions"]
    assert youngest["wording"]["language"] == "cy"
    assert youngest["wording"]["questions"][0]["faces"][2]["label"] == "Go lew"
    assert older["wording"] is None  # not worded in Welsh
    node = await gql(
        "query($id: ID!) { node(id: $id) { ... on SurveyVersion { surveyKey audience } } }",
        {"id": youngest["id"]},
        as_=people["admin"],
    )
    assert node["data"]["node"] == {
        "surveyKey": "annual_children_and_families",
        "audience": "CHILD_UNDER_8",
    }
    hidden = await gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": youngest["id"]}, as_=people["partner"]
    )
    assert hidden["data"]["node"] is None


@pytest.mark.usefixtures("defaults")
async def test_staff_preview_the_checks_answers_will_get(
    gql: GraphQL, people: dict[str, Person]
) -> None:
    body = await gql(
        SURVEY, {"key": "staff_annual_health_check", "language": "en"}, as_=people["worker"]
    )
    (version,) = body["data"]["survey"]["currentVersions"]
    answers = {"workload": 11, "wellbeing": 0, "recommend": "perhaps", "worries": 7, "pay": 1}
    check = (await gql(VALIDATE, {"id": version["id"], "answers": answers}, as_=people["admin"]))[
        "data"
    ]["validateSurveyAnswers"]
    assert check["valid"] is False and check["answers"] == {}
    assert {e["questionKey"]: e["code"] for e in check["errors"]} == {
        "pay": "UNKNOWN_QUESTION",
        "workload": "OUT_OF_RANGE",
        "supervision_quality": "REQUIRED",
        "management_support": "REQUIRED",
        "learning_development": "REQUIRED",
        "wellbeing": "OUT_OF_RANGE",
        "recommend": "UNKNOWN_OPTION",
        "worries": "WRONG_TYPE",
    }
    good = {
        "workload": 4,
        "supervision_quality": 8,
        "management_support": 7,
        "learning_development": 6,
        "wellbeing": 3,
        "recommend": "yes",
        "make_better": "  Fewer forms. ",
    }
    ok = (await gql(VALIDATE, {"id": version["id"], "answers": good}, as_=people["worker"]))[
        "data"
    ]["validateSurveyAnswers"]
    assert ok["valid"] is True and ok["errors"] == []
    assert ok["answers"]["make_better"] == "Fewer forms."
    not_object = (await gql(VALIDATE, {"id": version["id"], "answers": [1]}, as_=people["qa"]))[
        "data"
    ]["validateSurveyAnswers"]
    assert not_object["errors"] == [
        {
            "questionKey": None,
            "code": "NOT_AN_OBJECT",
            "message": "Answers are an object of question keys to answers.",
        }
    ]
    refused = await gql(VALIDATE, {"id": version["id"], "answers": good}, as_=people["partner"])
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    wrong_id = str(relay.GlobalID("Survey", "00000000-0000-0000-0000-000000000000"))
    bad = await gql(VALIDATE, {"id": wrong_id, "answers": good}, as_=people["qa"])
    assert bad["errors"][0]["extensions"] == {"code": "INVALID", "field": "versionId"}


async def test_a_list_of_1_and_of_10_surveys_cost_the_same_statements(
    gql: GraphQL, world: World, people: dict[str, Person], sql_counter: StatementCounter
) -> None:
    for i in range(10):
        for audience in ("CHILD_8_TO_12", "CHILD_13_AND_OVER"):
            body = await gql(
                PUBLISH,
                {"input": new_version(surveyKey=f"survey_{i}", audience=audience)},
                as_=people["qa"],
            )
            assert body["data"]["publishSurveyVersion"]["errors"] == []

    async def cost(first: int) -> int:
        sql_counter.start()
        body = await gql(SURVEYS, {"first": first}, as_=people["worker"])
        assert "errors" not in body, body
        assert len(body["data"]["surveys"]["edges"]) == first
        return sql_counter.stop()

    one, ten = await cost(1), await cost(10)
    assert one == ten, sql_counter.statements
    assert ten <= 6


def test_every_audience_question_type_and_answer_problem_is_in_the_schema() -> None:
    from api.graphql.surveys.enums import SurveyAnswerErrorCode, SurveyAudience, SurveyQuestionType
    from domain.surveys.definitions import AnswerProblemKind, Audience, QuestionType

    assert {a.value for a in Audience} == {a.name for a in SurveyAudience}
    assert {t.value for t in QuestionType} == {t.name for t in SurveyQuestionType}
    assert {k.value for k in AnswerProblemKind} == {k.name for k in SurveyAnswerErrorCode}
