"""Survey campaigns: invitations by one-time link, answered once (a retried submission is
stored once and gets the same receipt), opted out of at once, and closed with their contact
details erased."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.core.errors import Conflict, InvalidInput, NotAllowed
from domain.surveys import campaigns, tokens
from domain.surveys.campaigns import Invitee
from domain.surveys.definitions import Audience
from domain.surveys.models import (
    CampaignKind,
    CampaignState,
    Channel,
    Cohort,
    InvitationStatus,
    SurveyInvitation,
    SurveyOptOut,
    SurveyResponse,
)
from domain.surveys.responses import respond
from domain.surveys.responses.respond import AnswersInvalid, LinkProblem, LinkRefused
from tests.conftest import StatementCounter, World
from tests.domain.audits.helpers import Authority
from tests.domain.surveys.helpers import (
    annual_campaign,
    definition_of,
    emails_for,
    printed_for,
    token_key,
    valid_answers,
)


async def _submit(world: World, token: str, submission_id: str, answers: object) -> respond.Receipt:
    async with world.session_factory() as s, s.begin():
        return await respond.submit(
            session=s, clock=world.clock, token=token, submission_id=submission_id, answers=answers
        )


async def _count(world: World, model: type[Any]) -> int:
    async with world.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_link_answers_once_and_twenty_retries_at_once_get_one_receipt(
    world: World, town: Authority
) -> None:
    made = await annual_campaign(
        world, town.actor(town.qa_lead), printed_for([c.case_reference for c in town.ann_children])
    )
    assert len(made.tokens) == 3
    token = made.tokens[0]
    answers = valid_answers(await definition_of(world, made.invitations[0]))
    submission = str(uuid.uuid4())
    receipts = await asyncio.gather(
        *[_submit(world, token, submission, answers) for _ in range(20)]
    )
    assert len({r.receipt for r in receipts}) == 1
    assert sum(not r.repeated for r in receipts) == 1
    assert await _count(world, SurveyResponse) == 1
    # The same link with another submission is refused: a link answers once.
    with pytest.raises(LinkRefused) as refused:
        await _submit(world, token, str(uuid.uuid4()), answers)
    assert refused.value.problem is LinkProblem.ALREADY_ANSWERED
    # Opening it again says so, without saying whose it was.
    async with world.session_factory() as s:
        with pytest.raises(LinkRefused) as opened:
            await respond.open_link(session=s, clock=world.clock, token=token)
    assert opened.value.problem is LinkProblem.ALREADY_ANSWERED
    assert "already been used" in opened.value.message
    # The stored response carries what results count by, and nothing that leads back.
    async with world.session_factory() as s:
        response = await s.scalar(select(SurveyResponse))
        assert response is not None
        assert response.team_id == town.team_a.id
        assert response.cohort in set(Cohort)
        assert not hasattr(response, "invitation_id")


async def test_opening_and_answering_a_link_cost_one_statement_each_way_and_a_write(
    world: World, town: Authority, sql_counter: StatementCounter
) -> None:
    """A busy hour of respondents costs the database as little as it can: opening a link is
    one statement (the invitation with its campaign) once the survey version is known to the
    process; answering is that statement, locked, then the response and the invitation."""
    made = await annual_campaign(
        world, town.actor(town.qa_lead), printed_for([c.case_reference for c in town.ann_children])
    )
    answers = valid_answers(await definition_of(world, made.invitations[0]))
    async with world.session_factory() as s:
        await respond.open_link(session=s, clock=world.clock, token=made.tokens[0])
    for token in made.tokens[1:]:
        sql_counter.start()
        async with world.session_factory() as s:
            opened = await respond.open_link(session=s, clock=world.clock, token=token)
        assert sql_counter.stop() == 1, sql_counter.statements
        assert opened.campaign.id == made.invitations[0].campaign_id
        sql_counter.start()
        await _submit(world, token, str(uuid.uuid4()), answers)
        assert sql_counter.stop() == 3, sql_counter.statements
        assert "FOR UPDATE OF survey_invitations" in sql_counter.statements[0]
    assert await _count(world, SurveyResponse) == 2


async def test_a_printed_code_typed_in_groups_and_lower_case_opens_the_survey(
    world: World, town: Authority
) -> None:
    made = await annual_campaign(
        world, town.actor(town.psw), printed_for([town.bob_children[0].case_reference])
    )
    typed = tokens.printed(made.tokens[0]).lower().replace("-", " ")
    async with world.session_factory() as s:
        opened = await respond.open_link(session=s, clock=world.clock, token=typed)
    assert opened.audience is Audience.CHILD_8_TO_12
    assert opened.definition.questions


async def test_unknown_malformed_and_expired_links_are_refused_plainly(
    world: World, town: Authority
) -> None:
    made = await annual_campaign(
        world,
        town.actor(town.qa_lead),
        printed_for([town.cat_children[0].case_reference]),
        days_open=2,
    )
    for bad in (None, "", "x", "a" * 500, "abcdefghijklmnopqrstuvwxyz"):
        async with world.session_factory() as s:
            with pytest.raises(LinkRefused) as refused:
                await respond.open_link(session=s, clock=world.clock, token=bad)
        assert refused.value.problem is LinkProblem.UNKNOWN
    world.clock.advance(timedelta(days=3))
    async with world.session_factory() as s:
        with pytest.raises(LinkRefused) as expired:
            await respond.open_link(session=s, clock=world.clock, token=made.tokens[0])
    assert expired.value.problem is LinkProblem.EXPIRED


async def test_answers_that_do_not_fit_the_survey_are_refused_and_nothing_is_stored(
    world: World, town: Authority
) -> None:
    made = await annual_campaign(
        world, town.actor(town.qa_lead), printed_for([town.ann_children[1].case_reference])
    )
    with pytest.raises(AnswersInvalid) as refused:
        await _submit(world, made.tokens[0], str(uuid.uuid4()), {"no_such_question": 3})
    assert refused.value.problems
    with pytest.raises(InvalidInput):
        await _submit(world, made.tokens[0], "short", {})
    assert await _count(world, SurveyResponse) == 0
    async with world.session_factory() as s:
        invitation = await s.get(SurveyInvitation, made.invitations[0].id)
        assert invitation is not None and invitation.status is InvitationStatus.HANDED_OVER


async def test_an_opt_out_is_honoured_at_once_and_in_later_campaigns(
    world: World, town: Authority
) -> None:
    refs = [c.case_reference for c in town.ann_children]
    made = await annual_campaign(world, town.actor(town.qa_lead), emails_for(town, refs))
    assert all(i.status is InvitationStatus.QUEUED for i in made.invitations)
    async with world.session_factory() as s, s.begin():
        await respond.opt_out(session=s, clock=world.clock, token=made.tokens[0])
    async with world.session_factory() as s:
        invitation = await s.get(SurveyInvitation, made.invitations[0].id)
        assert invitation is not None
        assert invitation.status is InvitationStatus.OPTED_OUT
        assert invitation.next_send_at is None
        with pytest.raises(LinkRefused) as refused:
            await respond.open_link(session=s, clock=world.clock, token=made.tokens[0])
        assert refused.value.problem is LinkProblem.OPTED_OUT
    # Staff record another family's wish, told by phone.
    async with world.session_factory() as s, s.begin():
        await campaigns.record_opt_out(
            session=s, actor=town.actor(town.ann), clock=world.clock, child_reference=refs[1]
        )
    assert await _count(world, SurveyOptOut) == 2
    later = await annual_campaign(world, town.actor(town.qa_lead), printed_for(refs))
    assert len(later.invitations) == 1


async def test_closing_expires_unanswered_links_and_erases_contact_details(
    world: World, town: Authority
) -> None:
    refs = [c.case_reference for c in town.bob_children]
    made = await annual_campaign(world, town.actor(town.qa_lead), emails_for(town, refs))
    answers = valid_answers(await definition_of(world, made.invitations[0]))
    await _submit(world, made.tokens[0], str(uuid.uuid4()), answers)
    async with world.session_factory() as s, s.begin():
        closed = await campaigns.close_campaign(
            session=s,
            actor=town.actor(town.qa_lead),
            clock=world.clock,
            campaign_id=made.campaign.id,
        )
        assert closed.state is CampaignState.CLOSED
    async with world.session_factory() as s:
        rows = list(
            await s.scalars(
                select(SurveyInvitation).where(SurveyInvitation.campaign_id == made.campaign.id)
            )
        )
    assert all(r.contact is None and r.token_salt is None for r in rows)
    assert sorted(r.status for r in rows) == sorted(
        [InvitationStatus.ANSWERED, InvitationStatus.EXPIRED, InvitationStatus.EXPIRED]
    )
    assert all(campaigns.token_of(r, token_key(world)) is None for r in rows)
    async with world.session_factory() as s:
        with pytest.raises(LinkRefused) as refused:
            await respond.open_link(session=s, clock=world.clock, token=made.tokens[1])
    assert refused.value.problem is LinkProblem.EXPIRED
    # A closed campaign takes no more invitations.
    with pytest.raises(Conflict):
        async with world.session_factory() as s, s.begin():
            await campaigns.add_invitations(
                session=s,
                actor=town.actor(town.qa_lead),
                clock=world.clock,
                token_key=token_key(world),
                campaign_id=made.campaign.id,
                invitees=printed_for(refs),
            )


async def test_the_worker_opens_and_closes_campaigns_on_time(world: World, town: Authority) -> None:
    now = world.clock.now()
    async with world.session_factory() as s, s.begin():
        campaign = await campaigns.create_campaign(
            session=s,
            actor=town.actor(town.qa_lead),
            clock=world.clock,
            name="Next week's survey",
            kind=CampaignKind.ANNUAL_SURVEY,
            survey_key="annual_children_and_families",
            opens_at=now + timedelta(days=7),
            closes_at=now + timedelta(days=14),
        )
        await campaigns.add_invitations(
            session=s,
            actor=town.actor(town.qa_lead),
            clock=world.clock,
            token_key=token_key(world),
            campaign_id=campaign.id,
            invitees=emails_for(town, [town.ann_children[0].case_reference]),
        )
        launched = await campaigns.launch_campaign(
            session=s, actor=town.actor(town.qa_lead), clock=world.clock, campaign_id=campaign.id
        )
        assert launched.state is CampaignState.SCHEDULED
    world.clock.advance(timedelta(days=7))
    async with world.session_factory() as s, s.begin():
        assert await campaigns.keep_time(session=s, clock=world.clock) == (1, 0)
    world.clock.advance(timedelta(days=7))
    async with world.session_factory() as s, s.begin():
        assert await campaigns.keep_time(session=s, clock=world.clock) == (0, 1)
    async with world.session_factory() as s:
        row = await s.scalar(
            select(SurveyInvitation).where(SurveyInvitation.campaign_id == campaign.id)
        )
        assert row is not None and row.contact is None and row.status is InvitationStatus.EXPIRED


async def test_only_the_qa_lead_and_psw_run_campaigns(world: World, town: Authority) -> None:
    for person in (town.ann, town.tm_a, town.hos_csc, town.admin, town.partner, town.dcs):
        with pytest.raises(NotAllowed):
            await annual_campaign(world, town.actor(person), [])
    made = await annual_campaign(world, town.actor(town.psw), [])
    assert made.campaign.state is CampaignState.OPEN


async def test_invitations_take_the_audience_by_age_and_skip_what_cannot_be_invited(
    world: World, town: Authority
) -> None:
    ref = town.dan_children[0].case_reference
    invitees = [
        Invitee(channel=Channel.PRINT, child_reference=ref),
        Invitee(channel=Channel.PRINT, child_reference=ref, audience=Audience.PARENT_CARER),
        Invitee(channel=Channel.PRINT, child_reference=ref),
        Invitee(channel=Channel.PRINT, child_reference="NO-SUCH-CHILD"),
    ]
    made = await annual_campaign(world, town.actor(town.qa_lead), invitees)
    assert [i.audience for i in made.invitations] == [Audience.CHILD_8_TO_12, Audience.PARENT_CARER]
    with pytest.raises(InvalidInput) as bad:
        await annual_campaign(
            world,
            town.actor(town.qa_lead),
            [Invitee(channel=Channel.EMAIL, child_reference=ref, contact="not an address")],
        )
    assert bad.value.field == "invitees.0"
