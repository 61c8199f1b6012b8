"""The respondent API's contract: the OpenAPI 3.1 document in the repository is the one the code
builds (a test fails when it is stale: `make openapi`), the API serves it, and it names every
response each operation can give, with its body, the Survey-Token header and Retry-After."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select

from api.http.respondents.contract import (
    DOCUMENT_PATH,
    ERRORS,
    Survey,
    document_text,
    openapi_document,
)
from api.http.respondents.survey_view import survey_view
from domain.surveys.definitions import Audience, load_definition
from domain.surveys.models import SurveyCampaign, SurveyInvitation, SurveyVersion
from domain.surveys.responses.respond import OpenLink
from tests.conftest import World
from tests.domain.surveys.helpers import survey_defaults


def test_the_exported_openapi_document_is_current() -> None:
    assert DOCUMENT_PATH.exists(), "api/openapi/respond-v1.json is missing: run `make openapi`"
    assert DOCUMENT_PATH.read_text() == document_text(), (
        "api/openapi/respond-v1.json is stale: run `make openapi`"
    )


async def test_the_api_serves_the_document(client: httpx.AsyncClient) -> None:
    response = await client.get("/respond/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == json.loads(DOCUMENT_PATH.read_text())


def test_every_response_the_api_gives_is_in_the_document() -> None:
    document = openapi_document()
    assert document["openapi"] == "3.1.0"
    token = document["components"]["parameters"]["SurveyToken"]
    assert (token["name"], token["in"]) == ("Survey-Token", "header")
    assert "404" in token["description"]
    paths = document["paths"]
    expected = {
        ("get", "/respond/v1/survey"): {"200", "404", "409", "410", "429", "503"},
        ("post", "/respond/v1/submissions"): {
            "200",
            "201",
            "400",
            "404",
            "409",
            "410",
            "413",
            "422",
            "429",
            "503",
        },
        ("post", "/respond/v1/opt-out"): {"200", "404", "429", "503"},
    }
    assert {(m, p) for p, ops in paths.items() for m in ops} == set(expected)
    for (method, path), statuses in expected.items():
        operation = paths[path][method]
        assert operation["parameters"][0] == {"$ref": "#/components/parameters/SurveyToken"}
        assert set(operation["responses"]) == statuses, (method, path)
        for status, response in operation["responses"].items():
            assert response["description"]
            assert "schema" in response["content"]["application/json"], (path, status)
            assert ("headers" in response) == (status in ("429", "503")), (path, status)
    conflicts = paths["/respond/v1/submissions"]["post"]["responses"]["409"]
    assert (
        "COMPLETED_AFTER_CLOSE"
        in conflicts["content"]["application/json"]["schema"]["allOf"][1]["properties"]["code"][
            "enum"
        ]
    )
    request = document["components"]["schemas"]["SubmissionRequest"]
    assert set(request["required"]) == {"submissionId", "answers"}
    assert "completedAt" in request["properties"]


def test_every_refusal_the_domain_gives_has_a_status_and_a_code_in_the_contract() -> None:
    from typing import get_args

    from api.http.respondents.common import STATUS
    from api.http.respondents.contract import ErrorCode
    from api.http.respondents.phone_page import TITLES
    from domain.surveys.responses.respond import LinkProblem

    for problem in LinkProblem:
        assert problem in STATUS and problem in TITLES, problem
        assert problem.value in get_args(ErrorCode), problem
        assert problem.value in ERRORS[STATUS[problem]][1], problem


async def test_the_survey_of_every_default_version_in_every_language_fits_the_contract(
    world: World,
) -> None:
    """The survey body is written out directly (api/respond_common.py) rather than through the
    contract's model: this holds it to the model, field for field, for every default version
    in each of its languages."""
    await survey_defaults(world)
    async with world.session_factory() as s:
        versions = list(await s.scalars(select(SurveyVersion)))
    checked = set()
    for version in versions:
        definition = load_definition(version.definition)
        for language in definition.translations:
            opened = OpenLink(
                invitation=SurveyInvitation(expires_at=world.clock.now()),
                campaign=SurveyCampaign(),
                version_id=version.id,
                audience=version.audience,
                definition=definition,
                language=language,
            )
            body = survey_view(opened).as_json()
            assert Survey.model_validate(body).as_json() == body, (version.audience, language)
            checked.add((version.audience, language))
    assert {audience for audience, _ in checked} == set(Audience)
    assert (Audience.CHILD_UNDER_8, "cy") in checked
