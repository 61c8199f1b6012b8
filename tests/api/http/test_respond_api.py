"""The respondents' JSON API: a link answers once (twenty identical posts at once store one
response and get one receipt), refusals read plainly with stable codes, limits are counted in
Redis per link and per address, an opt-out is honoured, and no body, however malformed, is a
500."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import Services, create_app
from domain.core.clock import SettableClock
from domain.core.settings import Settings
from domain.surveys.models import (
    InvitationStatus,
    SurveyInvitation,
    SurveyResponse,
)
from tests.conftest import World, app_client
from tests.domain.audits.helpers import Authority, count_rows
from tests.domain.surveys.helpers import (
    Campaign,
    annual_campaign,
    definition_of,
    emails_for,
    printed_for,
    valid_answers,
    young_child,
)

SURVEY = "/respond/v1/survey"
SUBMIT = "/respond/v1/submissions"
OPT_OUT = "/respond/v1/opt-out"


async def campaign_of(world: World, town: Authority, *, days_open: int = 28) -> Campaign:
    refs = [c.case_reference for c in town.ann_children + town.bob_children]
    return await annual_campaign(
        world, town.actor(town.qa_lead), printed_for(refs), days_open=days_open
    )


def token_header(token: str) -> dict[str, str]:
    return {"Survey-Token": token}


@pytest.fixture
async def limited_client(
    settings: Settings, clock: SettableClock, engine: AsyncEngine, each_redis: Redis
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app whose respondent limits are low: 3 a link, 6 an address, a minute;
    once on the embedded Redis (6.2) and once on the configured one."""
    low = settings.model_copy(
        update={
            "respondent_requests_per_token": 3,
            "respondent_requests_per_address": 6,
            "respondent_rate_window_seconds": 60,
        }
    )
    services = Services(low, clock=clock, engine=engine, redis=each_redis)
    async with app_client(create_app(low, services=services)) as c:
        yield c


async def test_the_survey_is_given_in_the_language_asked_for_with_nothing_about_the_child(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    child = await young_child(world, town.team_a, "YOUNG-0001")
    made = await annual_campaign(
        world, town.actor(town.qa_lead), printed_for([child.case_reference])
    )
    response = await client.get(SURVEY, headers=token_header(made.tokens[0]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["audience"] == "CHILD_UNDER_8" and body["childFriendly"] is True
    assert body["language"] == "en"
    assert [lang["code"] for lang in body["languages"]] == ["en", "cy"]
    first = body["questions"][0]
    assert first["type"] == "EMOJI_SCALE" and first["min"] == 1 and first["max"] == 5
    assert [f["emoji"] for f in first["faces"]] == ["😢", "🙁", "😐", "🙂", "😄"]
    assert first["faces"][4]["label"] == "Very happy"
    text = next(q for q in body["questions"] if q["type"] == "FREE_TEXT")
    assert text["maxLength"] == 500
    assert "YOUNG-0001" not in response.text and str(child.id) not in response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"

    welsh = await client.get(
        SURVEY, headers={**token_header(made.tokens[0]), "Accept-Language": "cy-GB,en;q=0.5"}
    )
    assert welsh.json()["language"] == "cy"
    assert welsh.json()["title"].startswith("Beth wyt ti")
    query = await client.get(f"{SURVEY}?lang=en", headers={**token_header(made.tokens[0])})
    assert query.json()["language"] == "en"


async def test_a_link_answers_once_and_twenty_identical_posts_at_once_get_one_receipt(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    made = await campaign_of(world, town)
    answers = valid_answers(await definition_of(world, made.invitations[0]))
    body = {"submissionId": str(uuid.uuid4()), "answers": answers, "language": "en"}
    responses = await asyncio.gather(
        *[client.post(SUBMIT, json=body, headers=token_header(made.tokens[0])) for _ in range(20)]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 19 + [201], [r.text for r in responses]
    receipts = {r.json()["receipt"] for r in responses}
    assert len(receipts) == 1
    assert sum(not r.json()["repeated"] for r in responses) == 1
    assert await count_rows(world, SurveyResponse) == 1

    other = {**body, "submissionId": str(uuid.uuid4())}
    again = await client.post(SUBMIT, json=other, headers=token_header(made.tokens[0]))
    assert again.status_code == 409
    assert again.json()["code"] == "ALREADY_ANSWERED"
    assert "already been used" in again.json()["message"]
    opened = await client.get(SURVEY, headers=token_header(made.tokens[0]))
    assert (opened.status_code, opened.json()["code"]) == (409, "ALREADY_ANSWERED")
    assert await count_rows(world, SurveyResponse) == 1


async def test_answers_that_do_not_fit_are_refused_question_by_question(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    made = await campaign_of(world, town)
    body = {
        "submissionId": str(uuid.uuid4()),
        "answers": {"feel_safe": 9, "no_such_question": "x", "help_difference": "seven"},
    }
    response = await client.post(SUBMIT, json=body, headers=token_header(made.tokens[0]))
    assert response.status_code == 422
    problems = {(p["question"], p["code"]) for p in response.json()["problems"]}
    assert ("feel_safe", "OUT_OF_RANGE") in problems
    assert ("no_such_question", "UNKNOWN_QUESTION") in problems
    assert ("help_difference", "WRONG_TYPE") in problems
    short = {"submissionId": "short", "answers": {}}
    response = await client.post(SUBMIT, json=short, headers=token_header(made.tokens[0]))
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "submissionId"
    assert await count_rows(world, SurveyResponse) == 0


async def test_unknown_missing_and_expired_links_are_refused_plainly(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    made = await campaign_of(world, town, days_open=2)
    non_utf8: dict[str, Any] = {"Survey-Token": b"\xff\xfe" * 13}
    for headers in ({}, token_header("nonsense"), token_header("a" * 26), non_utf8):
        response = await client.get(SURVEY, headers=headers)
        assert (response.status_code, response.json()["code"]) == (404, "UNKNOWN")
        assert "do not recognise" in response.json()["message"]
    world.clock.advance(timedelta(days=3))
    response = await client.get(SURVEY, headers=token_header(made.tokens[0]))
    assert (response.status_code, response.json()["code"]) == (410, "EXPIRED")
    answers = valid_answers(await definition_of(world, made.invitations[0]))
    posted = await client.post(
        SUBMIT,
        json={"submissionId": str(uuid.uuid4()), "answers": answers},
        headers=token_header(made.tokens[0]),
    )
    assert (posted.status_code, posted.json()["code"]) == (410, "EXPIRED")


async def test_a_link_of_a_campaign_not_open_yet_says_so(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    made = await annual_campaign(
        world,
        town.actor(town.qa_lead),
        printed_for([town.cat_children[0].case_reference]),
        launch=False,
    )
    response = await client.get(SURVEY, headers=token_header(made.tokens[0]))
    assert (response.status_code, response.json()["code"]) == (409, "NOT_OPEN_YET")


async def test_an_opt_out_is_honoured_at_once(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    refs = [c.case_reference for c in town.ann_children]
    made = await annual_campaign(world, town.actor(town.qa_lead), emails_for(town, refs))
    response = await client.post(OPT_OUT, headers=token_header(made.tokens[0]))
    assert response.status_code == 200 and response.json()["optedOut"] is True
    async with world.session_factory() as s:
        invitation = await s.get(SurveyInvitation, made.invitations[0].id)
        assert invitation is not None and invitation.status is InvitationStatus.OPTED_OUT
        assert invitation.next_send_at is None
    opened = await client.get(SURVEY, headers=token_header(made.tokens[0]))
    assert (opened.status_code, opened.json()["code"]) == (410, "OPTED_OUT")
    again = await client.post(OPT_OUT, headers=token_header(made.tokens[0]))
    assert again.status_code == 200
    unknown = await client.post(OPT_OUT, headers=token_header("b" * 26))
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'"just a string"',
        b"\xff\xfe\xfa not utf-8",
        b"[" * 50_000 + b"]" * 50_000,
        b'{"submissionId": 12, "answers": {}}',
        b'{"submissionId": "abcdefgh-1234", "answers": [1, 2]}',
        b'{"submissionId": "abcdefgh-1234", "answers": "lots"}',
        b'{"submissionId": "abcdefgh-1234", "answers": {"feel_safe": 1e999}}',
        b'{"submissionId": "abcdefgh-1234", "answers": {"feel_safe": NaN}}',
        b'{"submissionId": "abcdefgh-1234", "answers": {"feel_safe": ' + b"9" * 5000 + b"}}",
        b'{"submissionId": "abcdefgh-1234", "answers": {"worries": "a\\u0000b"}}',
        b'{"submissionId": "abcdefgh-1234", "answers": {"worries": "\\ud800"}}',
        b'{"submissionId": "abcdefgh-1234", "answers": {"\\udfff": 1}}',
        b'{"submissionId": "abcdefgh-1234", "answers": {"who_helps": [[[]]]}}',
        b'{"submissionId": "abcdefgh-1234", "answers": {"worries": {"a": 1}}, "language": 5}',
        b'{"submissionId": "' + b"x" * 200 + b'", "answers": {}}',
    ],
)
async def test_no_malformed_body_is_a_server_error(
    client: httpx.AsyncClient, world: World, town: Authority, content: bytes
) -> None:
    made = await campaign_of(world, town)
    response = await client.post(
        SUBMIT,
        content=content,
        headers={**token_header(made.tokens[0]), "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422), response.text
    assert response.json()["code"] in ("MALFORMED", "INVALID")
    assert await count_rows(world, SurveyResponse) == 0


async def test_a_huge_body_is_refused_before_it_is_read(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    made = await campaign_of(world, town)
    huge = json.dumps({"submissionId": "abcdefgh", "answers": {"worries": "x" * 2_000_000}})
    response = await client.post(SUBMIT, content=huge, headers=token_header(made.tokens[0]))
    assert (response.status_code, response.json()["code"]) == (413, "TOO_LARGE")

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"x" * 10_000

    streamed = await client.post(SUBMIT, content=chunks(), headers=token_header(made.tokens[0]))
    assert streamed.status_code == 413


async def test_requests_are_limited_per_link_with_retry_after(
    limited_client: httpx.AsyncClient, world: World, town: Authority, each_redis: Redis
) -> None:
    made = await campaign_of(world, town)
    statuses = [
        (await limited_client.get(SURVEY, headers=token_header(made.tokens[0]))).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = await limited_client.get(SURVEY, headers=token_header(made.tokens[0]))
    assert limited.json()["code"] == "RATE_LIMITED"
    assert 0 < int(limited.headers["retry-after"]) <= 60
    # Keys are the token's hash, never the token.
    keys = [k.decode() for k in await each_redis.keys("qaf:respond:rate:*")]
    assert keys and not any(made.tokens[0] in k for k in keys)
    # Another link from the same address still works, until the address's allowance is spent.
    other = await limited_client.get(SURVEY, headers=token_header(made.tokens[1]))
    assert other.status_code == 200  # the 6th request from this address
    spent = await limited_client.get(SURVEY, headers=token_header(made.tokens[2]))
    assert spent.status_code == 429 and int(spent.headers["retry-after"]) > 0


async def test_guessing_links_spends_the_address_allowance(
    limited_client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    made = await campaign_of(world, town)
    guesses = [
        (await limited_client.get(SURVEY, headers=token_header(uuid.uuid4().hex[:26]))).status_code
        for _ in range(6)
    ]
    assert guesses == [404] * 6
    # Even a real link is now refused from this address, for the rest of the window.
    real = await limited_client.get(SURVEY, headers=token_header(made.tokens[0]))
    assert real.status_code == 429 and int(real.headers["retry-after"]) > 0


async def test_guessing_printed_codes_on_the_phone_page_is_limited_too(
    limited_client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    made = await campaign_of(world, town)
    statuses = [
        (await limited_client.post("/s", data={"code": uuid.uuid4().hex[:26]})).status_code
        for _ in range(7)
    ]
    assert 429 not in statuses[:6] and statuses[6] == 429
    # The address's allowance is spent for the link pages as well, whatever the link.
    page = await limited_client.get(f"/s/{made.tokens[0]}")
    assert page.status_code == 429 and int(page.headers["retry-after"]) > 0


async def test_when_redis_is_down_respondents_are_let_through(
    settings: Settings, clock: SettableClock, engine: AsyncEngine, world: World, town: Authority
) -> None:
    made = await campaign_of(world, town)
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    services = Services(settings, clock=clock, engine=engine, redis=dead)
    async with app_client(create_app(settings, services=services)) as c:
        response = await c.get(SURVEY, headers=token_header(made.tokens[0]))
    assert response.status_code == 200


async def test_when_the_database_is_out_of_reach_respondents_are_asked_to_try_again(
    settings: Settings, clock: SettableClock, world: World, town: Authority
) -> None:
    """A 503 with Retry-After, on the JSON API and the phone page alike, never an internal
    error: the respondent's link still works once the database is back."""
    from domain.core.db import create_engine

    made = await campaign_of(world, town)
    unreachable = settings.model_copy(
        update={"database_url": "postgresql+asyncpg://postgres@127.0.0.1:1/qaf"}
    )
    engine = create_engine(unreachable, pool_size=1, max_overflow=0)
    services = Services(unreachable, clock=clock, engine=engine)
    try:
        async with app_client(
            create_app(unreachable, services=services), raise_app_exceptions=False
        ) as c:
            api = await c.get(SURVEY, headers=token_header(made.tokens[0]))
            page = await c.get(f"/s/{made.tokens[0]}")
    finally:
        await services.close()
    assert api.status_code == 503 and api.json()["code"] == "UNAVAILABLE"
    assert page.status_code == 503 and "try again" in page.text
    assert "retry-after" in api.headers and "retry-after" in page.headers
