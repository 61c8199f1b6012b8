"""The lifecycles of a survey campaign and of an invitation, as transition tables. A transition
not in a table is refused; the statements that move many invitations at once take the statuses
they may move from the table (`invitation_sources`), so the table is the one place that says.

A campaign: DRAFT while invitations are added; launched, it is SCHEDULED until its opening
time and then OPEN (at once if that time has come); CLOSED for good, by its runner or when its
closing time passes (its contact details are erased). Invitations are added, a sample drawn and
failed sends retried (CHANGE) at any time before it closes.

An invitation: QUEUED until its first send goes, then SENT (each reminder keeps it SENT);
FAILED when every attempt at a send failed, until its runner retries it; HANDED_OVER when it is
a printed code. ANSWERED, OPTED_OUT and EXPIRED (its campaign closed) end it, but answers
completed offline before the close are still taken from an EXPIRED one in the grace period."""

from __future__ import annotations

from enum import StrEnum

from domain.core.errors import Conflict
from domain.surveys.models import CampaignState, InvitationStatus


class CampaignEvent(StrEnum):
    LAUNCH = "LAUNCH"  # its runner launches the draft: it waits for its opening time
    OPEN = "OPEN"  # its opening time has come (at launch, or later by the timekeeper)
    CHANGE = "CHANGE"  # invitations added, a sample drawn, failed sends retried
    CLOSE = "CLOSE"  # closed by its runner, or its closing time has passed


C, CE = CampaignState, CampaignEvent
CAMPAIGN_TRANSITIONS: dict[tuple[CampaignState, CampaignEvent], CampaignState] = {
    (C.DRAFT, CE.LAUNCH): C.SCHEDULED,
    (C.SCHEDULED, CE.OPEN): C.OPEN,
    **{(state, CE.CHANGE): state for state in (C.DRAFT, C.SCHEDULED, C.OPEN)},
    **{(state, CE.CLOSE): C.CLOSED for state in (C.DRAFT, C.SCHEDULED, C.OPEN)},
}


class InvitationEvent(StrEnum):
    SEND = "SEND"  # the invitation or one of its reminders went
    FAIL = "FAIL"  # every attempt at a send failed
    RETRY = "RETRY"  # its runner retries it: nothing had gone yet
    RETRY_REMINDER = "RETRY_REMINDER"  # its runner retries it: a reminder had failed
    ANSWER = "ANSWER"
    OPT_OUT = "OPT_OUT"
    EXPIRE = "EXPIRE"  # its campaign closed before it was answered


St, IE = InvitationStatus, InvitationEvent
_OUT = (St.QUEUED, St.SENT, St.FAILED, St.HANDED_OVER)  # still waiting for an answer
INVITATION_TRANSITIONS: dict[tuple[InvitationStatus, InvitationEvent], InvitationStatus] = {
    (St.QUEUED, IE.SEND): St.SENT,
    (St.SENT, IE.SEND): St.SENT,
    (St.QUEUED, IE.FAIL): St.FAILED,
    (St.SENT, IE.FAIL): St.FAILED,
    (St.FAILED, IE.RETRY): St.QUEUED,
    (St.FAILED, IE.RETRY_REMINDER): St.SENT,
    **{(status, IE.ANSWER): St.ANSWERED for status in (*_OUT, St.EXPIRED)},
    **{(status, IE.OPT_OUT): St.OPTED_OUT for status in _OUT},
    **{(status, IE.EXPIRE): St.EXPIRED for status in _OUT},
}


def next_state(current: CampaignState, event: CampaignEvent) -> CampaignState:
    try:
        return CAMPAIGN_TRANSITIONS[(current, event)]
    except KeyError:
        if event is CE.LAUNCH:
            message = "Only a draft campaign is launched."
        elif current is C.CLOSED:
            message = "This campaign has closed."
        else:
            message = f"A {current.value.lower()} campaign is not {event.value.lower()}ed."
        raise Conflict(message, field="campaignId") from None


def next_status(current: InvitationStatus, event: InvitationEvent) -> InvitationStatus:
    try:
        return INVITATION_TRANSITIONS[(current, event)]
    except KeyError:
        raise Conflict(
            f"An invitation that is {current.value.lower().replace('_', ' ')} cannot take "
            f"{event.value.lower().replace('_', ' ')}.",
            field="status",
        ) from None


def campaign_sources(event: CampaignEvent) -> tuple[CampaignState, ...]:
    """The states a campaign may be in for `event` (for statements over many campaigns)."""
    return tuple(state for state, e in CAMPAIGN_TRANSITIONS if e is event)


def invitation_sources(event: InvitationEvent) -> tuple[InvitationStatus, ...]:
    """The statuses an invitation may be in for `event` (for statements over many)."""
    return tuple(status for status, e in INVITATION_TRANSITIONS if e is event)
