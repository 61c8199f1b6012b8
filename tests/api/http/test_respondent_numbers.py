"""Numbers from respondents are ASCII digits or nothing: a scale answer of "²" or "①" (which
`str.isdigit()` calls digits and `int()` refuses) was a 500 on the phone page. Every other
spelling of a number that is not plain ASCII (Arabic-Indic and full-width digits, signs,
whitespace, underscores, huge numbers) reads as "not a whole number", on the phone page and in
the JSON API alike, and nothing is stored."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from domain.core.numbers import ascii_int
from domain.surveys.models import SurveyResponse
from tests.conftest import World
from tests.domain.audits.helpers import Authority
from tests.domain.surveys.helpers import (
    annual_campaign,
    definition_of,
    printed_for,
    valid_answers,
    young_child,
)

NOT_ASCII_NUMBERS = [
    "\u00b2",  # superscript two
    "\u2460",  # circled one
    "\u0663",  # Arabic-Indic three
    "\u06f7",  # extended Arabic-Indic seven
    "\uff13",  # full-width three
    "\u096d",  # Devanagari seven
    "\U0001d7d5",  # mathematical bold seven
    "+7",
    "-1",
    " 7",
    "7 ",
    "7\n",
    "1_0",
    "0x7",
    "7.0",
    "1e1",
    "9" * 5000,
    "\u0661\u0660",
]


def _scale_keys(definition: dict[str, Any]) -> list[str]:
    return [q["key"] for q in definition["questions"] if q["type"] in ("EMOJI_SCALE", "SCALE_0_10")]


async def _stored(world: World) -> int:
    async with world.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(SurveyResponse)) or 0)


def test_only_ascii_digits_read_as_a_number() -> None:
    assert ascii_int("7", max_digits=3) == 7 and ascii_int("010", max_digits=3) == 10
    for text in [*NOT_ASCII_NUMBERS, "", "1234"]:
        assert ascii_int(text, max_digits=3) is None, text


@pytest.mark.parametrize("value", NOT_ASCII_NUMBERS, ids=lambda v: repr(v)[:12])
async def test_the_phone_page_refuses_a_scale_answer_that_is_not_ascii_digits(
    client: httpx.AsyncClient, world: World, town: Authority, value: str
) -> None:
    made = await annual_campaign(
        world, town.actor(town.qa_lead), printed_for([town.ann_children[0].case_reference])
    )
    definition = await definition_of(world, made.invitations[0])
    path = f"/s/{made.tokens[0]}"
    answers = valid_answers(definition)
    scale_keys = _scale_keys(definition)
    assert scale_keys, "the annual survey asks on a scale"
    form = {
        "submission_id": str(uuid.uuid4()),
        "lang": "en",
        **{f"a.{k}": str(v) for k, v in answers.items() if not isinstance(v, list)},
    }
    for key in scale_keys:
        refused = await client.post(path, data={**form, f"a.{key}": value})
        assert refused.status_code == 422, refused.text[:300]
        assert "whole number" in refused.text
        assert f'id="q-{key}-error"' in refused.text
    assert await _stored(world) == 0
    # The same form with ASCII digits is taken, and stored as numbers.
    taken = await client.post(path, data=form)
    assert taken.status_code == 200 and "Thank you" in taken.text
    async with world.session_factory() as s:
        stored = await s.scalar(select(SurveyResponse))
    assert stored is not None
    assert all(isinstance(stored.answers[k], int) for k in scale_keys if k in answers)


async def test_the_json_api_refuses_scale_answers_that_are_not_ascii_numbers(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    made = await annual_campaign(
        world, town.actor(town.qa_lead), printed_for([town.ann_children[0].case_reference])
    )
    definition = await definition_of(world, made.invitations[0])
    key = _scale_keys(definition)[0]
    headers = {"Survey-Token": made.tokens[0], "Content-Type": "application/json"}
    for value in NOT_ASCII_NUMBERS:
        body = {
            "submissionId": str(uuid.uuid4()),
            "answers": {**valid_answers(definition), key: value},
        }
        response = await client.post("/respond/v1/submissions", json=body, headers=headers)
        assert response.status_code == 422, (value, response.text)
        problem = response.json()["problems"][0]
        assert (problem["question"], problem["code"]) == (key, "WRONG_TYPE")
    # Unicode digits written as a JSON number are not JSON at all.
    for raw in ("\u0663", "\uff13", "\u00b2", "\u2460"):
        content = f'{{"submissionId": "{uuid.uuid4()}", "answers": {{"{key}": {raw}}}}}'
        response = await client.post(
            "/respond/v1/submissions", content=content.encode(), headers=headers
        )
        assert (response.status_code, response.json()["code"]) == (400, "MALFORMED")
    assert await _stored(world) == 0


@pytest.mark.parametrize(
    "length",
    ["\u00b2", "\u2460", "\u0663\u0660\u0660", "\uff13", "+5", " 5", "9" * 5000, "0" * 5000],
)
async def test_a_content_length_that_is_not_ascii_digits_is_not_a_server_error(
    client: httpx.AsyncClient, world: World, town: Authority, length: str
) -> None:
    made = await annual_campaign(
        world, town.actor(town.qa_lead), printed_for([town.ann_children[0].case_reference])
    )
    transport = client._transport
    request = httpx.Request(
        "POST",
        "http://test/respond/v1/submissions",
        headers=[
            (b"survey-token", made.tokens[0].encode()),
            (b"content-length", length.encode("utf-8")),
        ],
        content=b"{}",
    )
    response = await transport.handle_async_request(request)
    await response.aread()
    assert response.status_code in (400, 413, 422), response.status_code


@pytest.mark.parametrize("quality", ["inf", "1_0", "1e0", "nan", "\uff11", "\u00b2"])
async def test_a_language_weight_that_is_not_ascii_is_ignored(
    client: httpx.AsyncClient, world: World, town: Authority, quality: str
) -> None:
    # A young child's version is in English and Welsh: a weight read as more than 0 would
    # choose Welsh.
    child = await young_child(world, town.team_a, "YOUNG-0003")
    made = await annual_campaign(
        world, town.actor(town.qa_lead), printed_for([child.case_reference])
    )
    header = f"cy;q={quality}, en;q=0.5".encode()
    response = await client.get(
        "/respond/v1/survey",
        headers=[(b"survey-token", made.tokens[0].encode()), (b"accept-language", header)],
    )
    assert response.status_code == 200 and response.json()["language"] == "en"
    page = await client.get(f"/s/{made.tokens[0]}", headers=[(b"accept-language", header)])
    assert page.status_code == 200 and '<html lang="en"' in page.text


@pytest.mark.parametrize(
    "number", ["07\u066700900123", "\uff107700900123", "+447700\uff1900123", "07700 90012\u00b3"]
)
def test_a_mobile_number_for_text_invitations_is_ascii_digits(number: str) -> None:
    from domain.core.errors import InvalidInput
    from domain.surveys.campaigns import _clean_contact
    from domain.surveys.models import Channel

    assert _clean_contact(Channel.SMS, "07700 900123", 0) == "+447700900123"
    with pytest.raises(InvalidInput):
        _clean_contact(Channel.SMS, number, 0)
