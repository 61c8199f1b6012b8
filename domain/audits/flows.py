"""The lifecycle every kind of audit shares. A transition not in the table is refused."""

from __future__ import annotations

from enum import StrEnum

from domain.audits.kinds import AuditStatus
from domain.core.errors import Conflict


class AuditEvent(StrEnum):
    START = "START"
    SUBMIT = "SUBMIT"
    REOPEN = "REOPEN"  # the auditor takes a submitted audit back to change it
    COMPLETE = "COMPLETE"
    CANCEL = "CANCEL"


S, E = AuditStatus, AuditEvent
TRANSITIONS: dict[tuple[AuditStatus, AuditEvent], AuditStatus] = {
    (S.PLANNED, E.START): S.IN_PROGRESS,
    (S.PLANNED, E.CANCEL): S.CANCELLED,
    (S.IN_PROGRESS, E.SUBMIT): S.SUBMITTED,
    (S.IN_PROGRESS, E.CANCEL): S.CANCELLED,
    (S.SUBMITTED, E.REOPEN): S.IN_PROGRESS,
    (S.SUBMITTED, E.COMPLETE): S.COMPLETED,
    (S.SUBMITTED, E.CANCEL): S.CANCELLED,
}


def next_status(current: AuditStatus, event: AuditEvent) -> AuditStatus:
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise Conflict(
            f"An audit that is {current.value.lower().replace('_', ' ')} cannot be {_past(event)}.",
            field="status",
        ) from None


def _past(event: AuditEvent) -> str:
    return {
        E.START: "started",
        E.SUBMIT: "submitted",
        E.REOPEN: "reopened",
        E.COMPLETE: "completed",
        E.CANCEL: "cancelled",
    }[event]
