"""The notifications' enum: the domain's kinds, as a GraphQL enum."""

from __future__ import annotations

from api.graphql.core.enums import expose
from domain.notifications.models import NotificationKind

__all__ = ["NotificationKind"]

expose(
    NotificationKind,
    description="Why you are told.",
    values={
        "REMINDER_BEFORE": "Something you must do is due in a few working days (a policy setting).",
        "REMINDER_DUE_TODAY": "Something you must do is due by the end of today.",
        "OVERDUE": "Something is overdue: yours, or, as a line manager (directly or further up "
        "the line), that of someone you manage.",
        "INADEQUATE_CONFIRMED": "As Head of Service: the QA Lead confirmed an audit in your "
        "service as Inadequate; the subject is the "
        "`InadequateEscalation`.",
        "EXCEPTION_REPORT": "As AED: an exception report on an Inadequate audit was sent to "
        "you; the subject is the `InadequateEscalation`.",
        "INADEQUATE_TO_MODERATE": "As QA Lead: an audit was completed (or amended) as "
        "Inadequate and is yours to moderate; the subject is the "
        "`InadequateEscalation`.",
        "INADEQUATE_PROCESS_ENDED": "As Head of Service or QA Lead (or AED, if its report had "
        "reached you): an Inadequate process ended because the "
        "audit was regraded (its exception report is withdrawn); "
        "the subject is the `InadequateEscalation`.",
        "DESK_TOP_AUDIT_PLANNED": "As QA Lead: the third review in supervision is done and your"
        " desk-top audit, which closes the Inadequate process, is "
        "planned; the subject is the `InadequateEscalation`.",
    },
)
