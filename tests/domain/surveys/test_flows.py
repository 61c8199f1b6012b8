"""The campaign and invitation lifecycles as tables (domain/surveys/flows.py), without a
database."""

from __future__ import annotations

import pytest

from domain.core.errors import Conflict
from domain.surveys.flows import (
    CampaignEvent,
    InvitationEvent,
    campaign_sources,
    invitation_sources,
    next_state,
    next_status,
)
from domain.surveys.models import CampaignState, InvitationStatus

C, CE = CampaignState, CampaignEvent
St, IE = InvitationStatus, InvitationEvent


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """Nothing here touches the database."""


def test_a_draft_is_launched_scheduled_then_opens_and_closes() -> None:
    assert next_state(C.DRAFT, CE.LAUNCH) is C.SCHEDULED
    assert next_state(C.SCHEDULED, CE.OPEN) is C.OPEN
    assert next_state(C.OPEN, CE.CLOSE) is C.CLOSED


@pytest.mark.parametrize("state", [C.SCHEDULED, C.OPEN, C.CLOSED])
def test_only_a_draft_is_launched(state: CampaignState) -> None:
    with pytest.raises(Conflict, match=r"^Only a draft campaign is launched\.$") as refused:
        next_state(state, CE.LAUNCH)
    assert refused.value.field == "campaignId"


@pytest.mark.parametrize("event", [CE.CHANGE, CE.CLOSE, CE.OPEN])
def test_a_closed_campaign_takes_nothing(event: CampaignEvent) -> None:
    with pytest.raises(Conflict, match=r"^This campaign has closed\.$"):
        next_state(C.CLOSED, event)


def test_changes_keep_the_state_until_the_campaign_closes() -> None:
    for state in (C.DRAFT, C.SCHEDULED, C.OPEN):
        assert next_state(state, CE.CHANGE) is state


def test_the_statements_over_many_campaigns_take_their_states_from_the_table() -> None:
    assert campaign_sources(CE.OPEN) == (C.SCHEDULED,)
    assert set(campaign_sources(CE.CLOSE)) == {C.DRAFT, C.SCHEDULED, C.OPEN}


def test_sendable_and_still_out_come_from_the_table() -> None:
    assert set(invitation_sources(IE.SEND)) == {St.QUEUED, St.SENT}
    still_out = {St.QUEUED, St.SENT, St.FAILED, St.HANDED_OVER}
    assert set(invitation_sources(IE.EXPIRE)) == still_out
    assert set(invitation_sources(IE.OPT_OUT)) == still_out
    assert invitation_sources(IE.RETRY) == (St.FAILED,)


def test_an_invitation_is_sent_reminded_failed_and_retried() -> None:
    assert next_status(St.QUEUED, IE.SEND) is St.SENT
    assert next_status(St.SENT, IE.SEND) is St.SENT
    assert next_status(St.SENT, IE.FAIL) is St.FAILED
    assert next_status(St.FAILED, IE.RETRY) is St.QUEUED
    assert next_status(St.FAILED, IE.RETRY_REMINDER) is St.SENT


def test_answers_are_taken_from_an_expired_link_in_its_grace_but_never_twice() -> None:
    assert next_status(St.EXPIRED, IE.ANSWER) is St.ANSWERED
    assert next_status(St.HANDED_OVER, IE.ANSWER) is St.ANSWERED
    for final in (St.ANSWERED, St.OPTED_OUT):
        with pytest.raises(Conflict):
            next_status(final, IE.ANSWER)


def test_a_printed_code_is_never_sent() -> None:
    with pytest.raises(Conflict):
        next_status(St.HANDED_OVER, IE.SEND)
