"""The phone page (/s/<token>) and the printed invitations sheet, through the real app: the
right status for every kind of link, answers kept and problems shown next to their question,
a resubmitted form stored once, security headers, and no case reference anywhere."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.graphql.core.ids import global_id
from domain.surveys import tokens
from domain.surveys.models import SurveyResponse
from tests.conftest import World
from tests.domain.audits.helpers import Authority
from tests.domain.surveys.helpers import (
    annual_campaign,
    emails_for,
    printed_for,
    young_child,
)


def submission_id_of(html: str) -> str:
    found = re.search(r'name="submission_id" value="([^"]+)"', html)
    assert found
    return found.group(1)


async def responses(world: World) -> int:
    async with world.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(SurveyResponse)) or 0)


def assert_safe_headers(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"


async def test_a_young_child_answers_with_faces_once_and_sees_their_receipt(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    child = await young_child(world, town.team_a, "YOUNG-0002")
    made = await annual_campaign(
        world, town.actor(town.qa_lead), printed_for([child.case_reference])
    )
    path = f"/s/{made.tokens[0]}"
    page = await client.get(path)
    assert page.status_code == 200
    assert_safe_headers(page)
    html = page.text
    assert '<html lang="en"' in html and "<script" not in html
    assert 'class="child"' in html
    assert "😄" in html and "Very happy" in html
    assert html.count("<fieldset") == 3 and html.count("<legend>") == 3
    assert 'href="/s/' in html and "?lang=cy" in html
    assert "YOUNG-0002" not in html and str(child.id) not in html
    submission = submission_id_of(html)

    # A required question unanswered: the page comes back with the problem beside it and the
    # summary at the top, keeping what was answered.
    missing = await client.post(
        path,
        data={"submission_id": submission, "lang": "en", "a.feel_safe": "4", "a.worries": "dogs"},
    )
    assert missing.status_code == 422
    assert "Please check your answers" in missing.text
    assert 'href="#q-feel_about_help"' in missing.text
    assert 'id="q-feel_about_help-error"' in missing.text
    assert 'value="4" checked' in missing.text and ">dogs</textarea>" in missing.text
    assert await responses(world) == 0

    form = {
        "submission_id": submission,
        "lang": "en",
        "a.feel_about_help": "5",
        "a.feel_safe": "4",
        "a.worker_listens": "yes",
        "a.working_well": "My bike",
    }
    thanks = await client.post(path, data=form)
    assert thanks.status_code == 200 and "Thank you" in thanks.text
    receipt = re.search(r'class="receipt">([^<]+)<', thanks.text)
    assert receipt
    # A double tap (the same form again) is the same submission: same receipt, one response.
    again = await client.post(path, data=form)
    assert again.status_code == 200 and receipt.group(1) in again.text
    assert await responses(world) == 1
    async with world.session_factory() as s:
        stored = await s.scalar(select(SurveyResponse))
        assert stored is not None
        assert stored.answers == {
            "feel_about_help": 5,
            "feel_safe": 4,
            "worker_listens": "yes",
            "working_well": "My bike",
        }

    used = await client.get(path)
    assert used.status_code == 409 and "already been used" in used.text
    assert_safe_headers(used)
    other = await client.post(path, data={**form, "submission_id": str(uuid.uuid4())})
    assert other.status_code == 409 and await responses(world) == 1


async def test_the_welsh_version_is_chosen_by_a_link_and_kept_on_submission(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    child = await young_child(world, town.team_b, "YOUNG-0003")
    made = await annual_campaign(
        world, town.actor(town.qa_lead), printed_for([child.case_reference])
    )
    page = await client.get(f"/s/{made.tokens[0]}?lang=cy")
    assert '<html lang="cy"' in page.text and "Trist iawn" in page.text
    assert 'name="lang" value="cy"' in page.text
    form = {
        "submission_id": submission_id_of(page.text),
        "lang": "cy",
        "a.feel_about_help": "3",
        "a.feel_safe": "5",
    }
    assert (await client.post(f"/s/{made.tokens[0]}", data=form)).status_code == 200
    async with world.session_factory() as s:
        stored = await s.scalar(select(SurveyResponse))
        assert stored is not None and stored.language == "cy"


async def test_every_kind_of_link_that_does_not_open_has_its_own_page_and_status(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    refs = [c.case_reference for c in town.ann_children]
    made = await annual_campaign(world, town.actor(town.qa_lead), printed_for(refs), days_open=2)
    unknown = await client.get("/s/" + "c" * 26)
    assert unknown.status_code == 404 and "do not recognise" in unknown.text
    assert 'href="/s"' in unknown.text
    garbage = await client.get("/s/%FF%FE%00")
    assert garbage.status_code == 404

    stop = await client.get(f"/s/{made.tokens[0]}/stop")
    assert stop.status_code == 200 and "Stop sending me surveys" in stop.text
    stopped = await client.post(f"/s/{made.tokens[0]}/stop")
    assert stopped.status_code == 200 and "any more surveys" in stopped.text
    opted = await client.get(f"/s/{made.tokens[0]}")
    assert opted.status_code == 410 and "asked us not to send" in opted.text

    world.clock.advance(timedelta(days=3))
    expired = await client.get(f"/s/{made.tokens[1]}")
    assert expired.status_code == 410 and "has closed" in expired.text
    for page in (unknown, opted, expired, stop, stopped):
        assert_safe_headers(page)
        assert not any(ref in page.text for ref in refs)


async def test_a_printed_code_is_typed_and_opens_its_survey(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    made = await annual_campaign(
        world, town.actor(town.qa_lead), printed_for([town.bob_children[0].case_reference])
    )
    form = await client.get("/s")
    assert form.status_code == 200 and 'for="code"' in form.text
    typed = tokens.printed(made.tokens[0]).lower().replace("-", " ")
    redirect = await client.post("/s", data={"code": typed})
    assert redirect.status_code == 303
    assert redirect.headers["location"] == f"/s/{made.tokens[0]}"
    wrong = await client.post("/s", data={"code": "ABCD-EFGH"})
    assert wrong.status_code == 422 and "26 letters" in wrong.text
    assert 'value="ABCD-EFGH"' in wrong.text


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe\xfd",
        b"a.feel_safe=%FF%FE",
        b"submission_id=%00%00%00%00%00%00%00%00",
        b"&".join([b"a.x=1"] * 1000),
        b"submission_id=abc&a.help_difference=99999999999999999999999",
        b"submission_id=abcdefgh1234&a.help_difference=-1&a.who_helps=nope&a.feel_safe=1.5",
        b"x" * 300_000,
    ],
)
async def test_no_malformed_form_is_a_server_error(
    client: httpx.AsyncClient, world: World, town: Authority, content: bytes
) -> None:
    made = await annual_campaign(
        world, town.actor(town.qa_lead), printed_for([town.bob_children[1].case_reference])
    )
    response = await client.post(
        f"/s/{made.tokens[0]}",
        content=content,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code in (400, 422), response.text
    assert await responses(world) == 0


async def test_the_printed_sheet_is_for_runners_and_each_practitioner_names_the_case_on_a_stub(
    client: httpx.AsyncClient, world: World, town: Authority
) -> None:
    refs = [c.case_reference for c in town.ann_children]
    made = await annual_campaign(world, town.actor(town.qa_lead), printed_for(refs))
    emailed = await annual_campaign(
        world,
        town.actor(town.qa_lead),
        emails_for(town, [town.cat_children[0].case_reference]),
    )
    url = f"/survey-campaigns/{made.campaign.id}/printed-invitations.html"
    # One of the three is answered already: it gets no card, the others keep their numbers.
    answered_page = await client.get(f"/s/{made.tokens[1]}")
    form: dict[str, Any] = {"submission_id": submission_id_of(answered_page.text), "lang": "en"}
    form |= {"a.help_difference": "6", "a.feel_safe": "4"}
    assert (await client.post(f"/s/{made.tokens[1]}", data=form)).status_code == 200

    in_order = sorted(made.invitations, key=lambda i: (i.created_at, i.id))
    answered_number = f"Invitation {in_order.index(made.invitations[1]) + 1}"
    # The id GraphQL gives works as well as the plain one.
    by_global_id = url.replace(str(made.campaign.id), global_id("SurveyCampaign", made.campaign.id))
    for runner, address in ((town.qa_lead, url), (town.psw, by_global_id)):
        sheet = await client.get(address, headers=world.headers(runner))
        assert sheet.status_code == 200, sheet.text
        html = sheet.text
        assert html.count('class="card"') == 2
        assert tokens.printed(made.tokens[0]) in html and tokens.printed(made.tokens[2]) in html
        assert tokens.printed(made.tokens[1]) not in html
        assert f"/s/{made.tokens[0]}" in html
        assert html.count("<svg") == 2
        numbers = {f"Invitation {n}" for n in range(1, 4)}
        assert {n for n in numbers if f"{n}<" in html} == numbers - {answered_number}
        # The case is named only on the stub the practitioner tears off and keeps.
        for card in html.split('class="card"')[1:]:
            stub, rest = card.split("</p>", 1)
            assert 'class="stub"' in stub and any(f"case {ref}" in stub for ref in refs)
            assert not any(ref in rest for ref in refs)
        assert sheet.headers["cache-control"] == "no-store"
        assert "script" not in sheet.headers["content-security-policy"]

    # Ann holds these children's cases: she prints her own cards to hand over.
    own = await client.get(url, headers=world.headers(town.ann))
    assert own.status_code == 200 and own.text.count('class="card"') == 2
    # Other staff get no cards (none of these children is theirs); outsiders get nothing.
    for other in (town.bob, town.hos_csc, town.admin, town.aed):
        sheet = await client.get(url, headers=world.headers(other))
        assert sheet.status_code == 200 and 'class="card"' not in sheet.text
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=world.headers(town.partner))).status_code == 404
    missing = f"/survey-campaigns/{uuid.uuid4()}/printed-invitations.html"
    assert (await client.get(missing, headers=world.headers(town.qa_lead))).status_code == 404
    bad = "/survey-campaigns/not-a-uuid/printed-invitations.html"
    assert (await client.get(bad, headers=world.headers(town.qa_lead))).status_code == 404
    emailed_url = f"/survey-campaigns/{emailed.campaign.id}/printed-invitations.html"
    none = await client.get(emailed_url, headers=world.headers(town.qa_lead))
    assert none.status_code == 200 and 'class="card"' not in none.text
