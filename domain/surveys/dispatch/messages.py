"""The words of an invitation and its reminders: an email's subject and body, or a text
message, for each audience. The message and its link are built in memory from the
invitation's contact and token salt: nothing of either is written anywhere else (the outbox
keeps its rows for good; an invitation's contact details are erased when its campaign
closes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.core.clock import LONDON
from domain.surveys.definitions import Audience


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


_ABOUT: dict[Audience, tuple[str, str]] = {
    # (what we ask about, in the subject; the opening of the body)
    Audience.CHILD_UNDER_8: (
        "Tell us how things are for you",
        "We would like to know how things are for you, and about the people who help you.",
    ),
    Audience.CHILD_8_TO_12: (
        "Tell us how things are for you",
        "We would like to know how things are going for you, and what the people who help "
        "you do well or could do better.",
    ),
    Audience.CHILD_13_AND_OVER: (
        "Tell us what you think of the help you get",
        "We want to know what you think of the help you get from children's services: what "
        "is working well for you and what could be better.",
    ),
    Audience.PARENT_CARER: (
        "Tell us about the help your family gets",
        "We would like to hear what you think of the help your family gets from children's "
        "services: what is working well and what could be better.",
    ),
    Audience.CARE_LEAVER: (
        "Tell us about the support you get as a care leaver",
        "We want to hear what you think of the support you get as a care leaver: what is "
        "working well for you and what could be better.",
    ),
    Audience.STAFF: (
        "Staff survey: tell us how things are at work",
        "We would like to hear how things are for you at work: what helps you do your job "
        "well and what gets in the way.",
    ),
}


def _day(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B %Y}"


def message_for(
    *, audience: Audience, number: int, token: str, public_base_url: str, closes_at: datetime
) -> Message:
    """An email's subject and body for send `number` (0 the invitation, then reminders), in
    plain words for its audience, with the survey's link and a link to ask for no more. It
    names nobody and no case: the link is all that identifies the invitation."""
    link = f"{public_base_url.rstrip('/')}/s/{token}"
    subject, opening = _ABOUT[audience]
    staff = audience is Audience.STAFF
    if number > 0:
        subject = f"Reminder: {subject.lower() if not staff else subject}"
        opening = (
            "We asked you a little while ago, and would still like to hear from you. " + opening
        )
    anonymous = (
        "Your answers are counted with everyone else's, and are not shared with your manager."
        if staff
        else "Your answers are counted with everyone else's. You do not have to answer, and "
        "saying no will not change the help you get."
    )
    body = "\n\n".join(
        [
            "Hello,",
            opening,
            f"It takes a few minutes. Open the survey here:\n{link}",
            anonymous,
            f"The survey closes on {_day(closes_at)}. This link is only for you: please do "
            "not pass it on.",
            f"If you do not want any more messages about surveys, open this link:\n{link}/stop",
        ]
    )
    return Message(subject=subject, body=body)


def text_for(*, audience: Audience, number: int, token: str, public_base_url: str) -> str:
    """A text message: short, the link and how to stop."""
    link = f"{public_base_url.rstrip('/')}/s/{token}"
    ask = "We would like your views on the help you get"
    if audience is Audience.STAFF:
        ask = "Staff survey: we would like your views"
    elif audience is Audience.PARENT_CARER:
        ask = "We would like your views on the help your family gets"
    prefix = "Reminder: " if number > 0 else ""
    return f"{prefix}{ask}. It takes a few minutes: {link} No more messages: {link}/stop"
