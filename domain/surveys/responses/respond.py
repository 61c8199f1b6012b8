"""Answering a survey with a one-time link: what the mobile survey client and the phone page
both call. The token is all a respondent has; nothing here needs or reveals anything else.

- `open_link` finds the invitation by the token's hash and says what the link is for (the
  survey version in the respondent's language), or why it no longer works.
- `submit` checks the answers against the version and stores them once. The client makes a
  submission id; the same submission sent again (an offline phone retrying, twenty times at
  once) gets the same receipt, because the invitation row is locked while it is answered and
  keeps the submission's hash and its receipt. A different submission on a used link is
  refused. The response is stored without any link to the invitation.
- `opt_out` stops the invitation and every later one to the same person.

Offline completion: a mobile client may collect answers without a connection and send them
later, saying when they were completed (`completed_at`). Answers completed before the
campaign closed are taken for a grace period after the close (the policy setting
`survey_offline_grace_days`), and the completion time is kept on the invitation beside
`answered_at`. Closing erases the token salts, but a link is found by its token's hash alone,
which closing keeps, so the token still verifies in the grace period. Answers claiming a
completion at or after the close are refused as such (`COMPLETED_AFTER_CLOSE`); a completion
time in the future (beyond `CLOCK_SKEW`) or before the survey opened is not believable and is
refused as invalid. Without a completion time, or once the grace period is over, a closed
link reads as closed, as it always did. Opening a link (the survey itself) is not part of the
grace: a client that completed offline already has the survey.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from domain.core.clock import Clock
from domain.core.errors import DomainError, ErrorCode, InvalidInput
from domain.deadlines.calendar import local_day
from domain.surveys import tokens
from domain.surveys.campaigns import opting_out
from domain.surveys.definitions import (
    ENGLISH,
    AnswerProblem,
    Audience,
    Definition,
    check_answers,
    load_definition,
)
from domain.surveys.flows import InvitationEvent, next_status
from domain.surveys.models import (
    CampaignState,
    InvitationStatus,
    SurveyCampaign,
    SurveyInvitation,
    SurveyResponse,
    SurveyVersion,
)

SUBMISSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,100}$")
# How far ahead of the service's clock a phone's clock may be and its completion time still be
# believed.
CLOCK_SKEW = timedelta(minutes=5)


class LinkProblem(StrEnum):
    """Why a link does not open a survey. Each reads the same for every link it applies to,
    and none says anything about who the link was for."""

    UNKNOWN = "UNKNOWN"
    NOT_OPEN_YET = "NOT_OPEN_YET"
    EXPIRED = "EXPIRED"
    ALREADY_ANSWERED = "ALREADY_ANSWERED"
    OPTED_OUT = "OPTED_OUT"
    # Answers sent in the grace period after the close, completed after it.
    COMPLETED_AFTER_CLOSE = "COMPLETED_AFTER_CLOSE"


MESSAGES = {
    LinkProblem.UNKNOWN: (
        "We do not recognise this link. Check that it was copied or typed in full."
    ),
    LinkProblem.NOT_OPEN_YET: "This survey is not open yet. Please try again later.",
    LinkProblem.EXPIRED: "This survey has closed. Thank you for wanting to take part.",
    LinkProblem.ALREADY_ANSWERED: "This link has already been used to answer. Thank you.",
    LinkProblem.OPTED_OUT: (
        "You asked us not to send you surveys, so this link no longer works. "
        "Thank you for letting us know."
    ),
    LinkProblem.COMPLETED_AFTER_CLOSE: (
        "These answers were finished after the survey closed, so we cannot count them. "
        "Thank you for wanting to take part."
    ),
}


class LinkRefused(DomainError):
    code = ErrorCode.NOT_FOUND

    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(MESSAGES[problem], field="token")
        self.problem = problem


class AnswersInvalid(InvalidInput):
    """The answers do not fit the survey: every problem, by question."""

    def __init__(self, problems: tuple[AnswerProblem, ...]) -> None:
        super().__init__("Some answers need another look.", field="answers")
        self.problems = problems


@dataclass(frozen=True)
class OpenLink:
    """What a link opens: the survey to answer and in which language."""

    invitation: SurveyInvitation
    campaign: SurveyCampaign
    version_id: uuid.UUID
    audience: Audience
    definition: Definition
    language: str


@dataclass(frozen=True)
class Receipt:
    receipt: str
    answered_at: datetime
    # True when this was a retry of a submission already stored.
    repeated: bool
    # When the client says the answers were completed (None if it did not say).
    completed_at: datetime | None = None


def _problem(
    invitation: SurveyInvitation, campaign: SurveyCampaign, now: datetime
) -> LinkProblem | None:
    match invitation.status:
        case InvitationStatus.ANSWERED:
            return LinkProblem.ALREADY_ANSWERED
        case InvitationStatus.OPTED_OUT:
            return LinkProblem.OPTED_OUT
        case InvitationStatus.EXPIRED:
            return LinkProblem.EXPIRED
    if campaign.state is CampaignState.CLOSED or invitation.expires_at <= now:
        return LinkProblem.EXPIRED
    if campaign.state is not CampaignState.OPEN:
        return LinkProblem.NOT_OPEN_YET
    return None


def closing_moment(invitation: SurveyInvitation, campaign: SurveyCampaign) -> datetime:
    """When the link stopped taking answers: its campaign's closing time, or the moment the
    campaign was closed if that was earlier (closed early by its runner)."""
    if campaign.closed_at is not None and campaign.closed_at < invitation.expires_at:
        return campaign.closed_at
    return invitation.expires_at


def _in_grace(
    invitation: SurveyInvitation, campaign: SurveyCampaign, now: datetime, grace: timedelta
) -> bool:
    """Whether a closed link may still take answers completed before its close: only one of
    a campaign that was open, and only until the grace period after the close is over."""
    return campaign.opened_at is not None and now <= closing_moment(invitation, campaign) + grace


def check_completed_at(
    completed_at: datetime | None, invitation: SurveyInvitation, now: datetime
) -> datetime | None:
    """A completion time the service can believe: with a time zone, not in the future (beyond
    `CLOCK_SKEW`) and not before the survey opened to this link. Kept as the client said it,
    in UTC."""
    if completed_at is None:
        return None
    if completed_at.utcoffset() is None:
        raise InvalidInput(
            "completedAt is a date and time with its offset, such as 2026-12-01T18:30:00+00:00.",
            field="completedAt",
        )
    if completed_at > now + CLOCK_SKEW:
        raise InvalidInput(
            "completedAt is in the future: check the device's date and time.",
            field="completedAt",
        )
    opened = invitation.campaign.opened_at or invitation.created_at
    if completed_at < max(invitation.created_at, opened) - CLOCK_SKEW:
        raise InvalidInput(
            "completedAt is before this survey opened: check the device's date and time.",
            field="completedAt",
        )
    return completed_at.astimezone(UTC)


async def _find(
    session: AsyncSession, raw_token: str | None, *, for_update: bool
) -> SurveyInvitation:
    """The invitation and its campaign in one statement (locking only the invitation)."""
    token = tokens.normalise(raw_token)
    if token is None:
        raise LinkRefused(LinkProblem.UNKNOWN)
    stmt = (
        select(SurveyInvitation)
        .join(SurveyInvitation.campaign)
        .options(contains_eager(SurveyInvitation.campaign))
        .where(SurveyInvitation.token_hash == tokens.hash_token(token))
    )
    if for_update:
        stmt = stmt.with_for_update(of=SurveyInvitation)
    invitation = await session.scalar(stmt)
    if invitation is None:
        raise LinkRefused(LinkProblem.UNKNOWN)
    return invitation


# A published survey version never changes (a new wording is a new version), so each process
# keeps the versions it has parsed: answering costs no statement and no parse for them. It is
# a cache of rows that cannot change, so any number of API processes may each keep their own.
_DEFINITIONS: dict[uuid.UUID, Definition] = {}
_DEFINITIONS_KEPT = 256


async def definition_of(session: AsyncSession, version_id: uuid.UUID) -> Definition:
    found = _DEFINITIONS.get(version_id)
    if found is None:
        stored = await session.scalar(
            select(SurveyVersion.definition).where(SurveyVersion.id == version_id)
        )
        if stored is None:
            raise LookupError(f"survey version {version_id} is missing")
        found = load_definition(stored)
        if len(_DEFINITIONS) >= _DEFINITIONS_KEPT:
            _DEFINITIONS.pop(next(iter(_DEFINITIONS)))
        _DEFINITIONS[version_id] = found
    return found


def token_hash_of(raw_token: str | None) -> str | None:
    """The hash a rate limiter may key on (never the token itself), or None for garbage."""
    token = tokens.normalise(raw_token)
    return tokens.hash_token(token) if token else None


async def open_link(
    *, session: AsyncSession, clock: Clock, token: str | None, language: str | None = None
) -> OpenLink:
    invitation = await _find(session, token, for_update=False)
    problem = _problem(invitation, invitation.campaign, clock.now())
    if problem is not None:
        raise LinkRefused(problem)
    definition = await definition_of(session, invitation.survey_version_id)
    chosen = language if language in definition.translations else invitation.language
    if chosen not in definition.translations:
        chosen = ENGLISH
    return OpenLink(
        invitation=invitation,
        campaign=invitation.campaign,
        version_id=invitation.survey_version_id,
        audience=invitation.audience,
        definition=definition,
        language=chosen,
    )


def check_submission_id(submission_id: str | None) -> str:
    if not submission_id or not SUBMISSION_ID.match(submission_id):
        raise InvalidInput(
            "A submission id is 8 to 100 letters, digits, '-' or '_' (a UUID will do).",
            field="submissionId",
        )
    return submission_id


async def submit(
    *,
    session: AsyncSession,
    clock: Clock,
    token: str | None,
    submission_id: str | None,
    answers: Any,
    language: str | None = None,
    completed_at: datetime | None = None,
    offline_grace: timedelta = timedelta(0),
) -> Receipt:
    """Store the answers once. The caller commits; a refusal changes nothing.
    `completed_at` is when the client says the answers were completed; answers completed
    before the close are taken for `offline_grace` after it (the respondent surfaces pass
    the policy's `survey_offline_grace_days`; see the module's docstring)."""
    submission = check_submission_id(submission_id)
    invitation = await _find(session, token, for_update=True)
    now = clock.now()
    submission_hash = tokens.hash_submission(submission)
    if invitation.status is InvitationStatus.ANSWERED:
        if invitation.submission_hash == submission_hash and invitation.receipt:
            assert invitation.answered_at is not None
            return Receipt(
                invitation.receipt,
                invitation.answered_at,
                repeated=True,
                completed_at=invitation.completed_at,
            )
        raise LinkRefused(LinkProblem.ALREADY_ANSWERED)
    campaign = invitation.campaign
    problem = _problem(invitation, campaign, now)
    # A closed link in its grace period, with answers that say when they were completed.
    late = (
        problem is LinkProblem.EXPIRED
        and completed_at is not None
        and _in_grace(invitation, campaign, now, offline_grace)
    )
    if problem is not None and not late:
        raise LinkRefused(problem)
    completed = check_completed_at(completed_at, invitation, now)
    if late and completed is not None and completed >= closing_moment(invitation, campaign):
        raise LinkRefused(LinkProblem.COMPLETED_AFTER_CLOSE)
    definition = await definition_of(session, invitation.survey_version_id)
    checked = check_answers(definition, answers)
    if not checked.ok:
        raise AnswersInvalid(checked.problems)
    used_language = language if language in definition.translations else invitation.language
    session.add(
        SurveyResponse(
            campaign_id=invitation.campaign_id,
            survey_version_id=invitation.survey_version_id,
            audience=invitation.audience,
            team_id=invitation.team_id,
            service_id=invitation.service_id,
            cohort=invitation.cohort,
            language=used_language,
            answers=checked.answers,
            submitted_on=local_day(now),
        )
    )
    receipt = "R-" + tokens.printed(secrets.token_hex(4))
    invitation.status = next_status(invitation.status, InvitationEvent.ANSWER)
    invitation.answered_at = now
    invitation.completed_at = completed
    invitation.submission_hash = submission_hash
    invitation.receipt = receipt
    invitation.next_send_at = None
    await session.flush()
    return Receipt(receipt, now, repeated=False, completed_at=completed)


async def opt_out(*, session: AsyncSession, clock: Clock, token: str | None) -> None:
    """The respondent asks for no more surveys: this invitation and every later one to them
    stop at once. An answered link may still opt out of future surveys."""
    invitation = await _find(session, token, for_update=True)
    await opting_out.opt_out(
        session=session,
        clock=clock,
        child_id=invitation.child_id,
        person_id=invitation.person_id,
    )
