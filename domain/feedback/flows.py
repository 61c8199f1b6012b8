"""A complaint's way through the statutory children's complaints procedure, as a state
machine. Each stage is answered by a response; the complainant may then accept it (the
complaint closes) or escalate it to the next stage. An extension keeps the stage where it
is. A step recorded out of turn is refused, so no stage is skipped."""

from __future__ import annotations

from enum import StrEnum

from domain.core.errors import Conflict
from domain.feedback.models import OPEN_STATUSES, ComplaintStatus


class ComplaintEvent(StrEnum):
    EXTEND = "EXTEND"  # the stage's response is extended (stages 1 and 2, once each)
    RESPOND = "RESPOND"  # the stage 1 response or the stage 2 adjudication is sent
    ESCALATE = "ESCALATE"  # the complainant asks for the next stage
    CLOSE = "CLOSE"  # the complainant accepts the response (or does not escalate)
    HOLD_PANEL = "HOLD_PANEL"  # the stage 3 review panel is held; the procedure ends
    WITHDRAW = "WITHDRAW"  # the complainant withdraws the complaint


S, E = ComplaintStatus, ComplaintEvent
TRANSITIONS: dict[tuple[ComplaintStatus, ComplaintEvent], ComplaintStatus] = {
    (S.STAGE_1, E.EXTEND): S.STAGE_1,
    (S.STAGE_1, E.RESPOND): S.STAGE_1_RESPONDED,
    (S.STAGE_1_RESPONDED, E.ESCALATE): S.STAGE_2,
    (S.STAGE_1_RESPONDED, E.CLOSE): S.CLOSED,
    (S.STAGE_2, E.EXTEND): S.STAGE_2,
    (S.STAGE_2, E.RESPOND): S.STAGE_2_RESPONDED,
    (S.STAGE_2_RESPONDED, E.ESCALATE): S.STAGE_3,
    (S.STAGE_2_RESPONDED, E.CLOSE): S.CLOSED,
    (S.STAGE_3, E.HOLD_PANEL): S.CLOSED,
    **{(status, E.WITHDRAW): S.WITHDRAWN for status in OPEN_STATUSES},
}

# What the complaint is waiting for, said to the person who tried a step out of turn.
_WAITING_FOR = {
    S.STAGE_1: "the stage 1 response",
    S.STAGE_1_RESPONDED: "the complainant's choice: accept the stage 1 response or escalate",
    S.STAGE_2: "the stage 2 investigation's response",
    S.STAGE_2_RESPONDED: "the complainant's choice: accept the stage 2 response or escalate",
    S.STAGE_3: "the stage 3 review panel",
}


def next_status(current: ComplaintStatus, event: ComplaintEvent) -> ComplaintStatus:
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        if current is S.CLOSED:
            message = "This complaint is closed."
        elif current is S.WITHDRAWN:
            message = "This complaint was withdrawn."
        else:
            message = f"Not at this point: the complaint is waiting for {_WAITING_FOR[current]}."
        raise Conflict(message, field="status") from None
