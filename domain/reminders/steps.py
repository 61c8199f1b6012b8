"""What each kind of obligation asks for, in words named for its case ("moderate the Inadequate
audit of case C-1"): the step every reminder, digest line and email tells."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from domain.audits.kinds import AuditKind
from domain.deadlines.calendar import local_day
from domain.deadlines.models import Obligation, ObligationKind
from domain.reminders.about import Subject

AUDIT_KIND_NAME = {
    AuditKind.CASE_FILE: "case file audit",
    AuditKind.THEMATIC: "thematic audit",
    AuditKind.BENCHMARKING: "benchmarking audit",
    AuditKind.SUPERVISION: "supervision audit",
    AuditKind.PEER: "peer audit",
    AuditKind.DIP_SAMPLE: "dip sample",
    AuditKind.DESK_TOP: "desk-top audit",
    AuditKind.MULTI_AGENCY: "multi-agency audit",
    AuditKind.EXTERNAL: "external audit",
}

ORDINAL = {1: "first", 2: "second", 3: "third"}


@dataclass(frozen=True)
class Named:
    """What a reminder's step is told from: the obligation, its subject's facts, and how the
    case is named to this recipient ("case C-1", or a case they may not see, or None)."""

    obligation: Obligation
    subject: Subject
    case: str | None


def _of_case(n: Named) -> str:
    return f" of {n.case}" if n.case else ""


def _audit(n: Named) -> str:
    kind = n.subject.audit_kind
    return AUDIT_KIND_NAME.get(kind, "audit") if kind is not None else "audit"


def _complaint(n: Named) -> str:
    received = n.subject.received_on
    said = f"the complaint received on {long_day(received)}" if received else "the complaint"
    return f"{said} about {n.case}" if n.case else said


def _month(n: Named) -> str:
    return f"{local_day(n.obligation.due_at):%B %Y}"


def _quarter(n: Named) -> str:
    due = local_day(n.obligation.due_at)
    first = date(due.year, (due.month - 1) // 3 * 3 + 1, 1)
    return f"{first:%B} to {date(due.year, first.month + 2, 1):%B %Y}"


def _review_number(n: Named) -> str:
    last = n.obligation.key.rsplit(":", 1)[-1]
    number = int(last) if last.isdigit() else 0
    return f"the {ORDINAL[number]} of three monthly reviews" if number in ORDINAL else "a review"


# The step each kind of obligation asks for, named for its case, as "You are to <step>".
STEPS: dict[ObligationKind, Callable[[Named], str]] = {
    ObligationKind.AUDIT_DUE: lambda n: f"complete the {_audit(n)}{_of_case(n)}",
    ObligationKind.ACTION_DUE: lambda n: (
        f"mark done an action arising from the {_audit(n)}{_of_case(n)}"
    ),
    ObligationKind.MONTHLY_AUDITS_DUE: lambda n: (
        f"complete the audits expected in the programme for {_month(n)}"
    ),
    ObligationKind.SUPERVISION_AUDITS_DUE: lambda n: (
        f"complete the supervision audit expected for {_quarter(n)}"
    ),
    ObligationKind.MODERATION_DUE: lambda n: f"moderate the Inadequate audit{_of_case(n)}",
    ObligationKind.ASSURANCE_DUE: lambda n: (
        "give assurance that the child is not at risk from the inadequate practice found "
        f"by the audit{_of_case(n)}"
    ),
    ObligationKind.OTHER_CASES_REVIEW_DUE: lambda n: (
        f"complete the review of the practitioner's other cases after the Inadequate "
        f"audit{_of_case(n)}"
    ),
    ObligationKind.EXCEPTION_REPORT_DUE: lambda n: (
        f"send the AED the exception report on the Inadequate audit{_of_case(n)}"
    ),
    ObligationKind.SUPERVISION_REVIEW_DUE: lambda n: (
        f"hold {_review_number(n)} in supervision{_of_case(n)} after its Inadequate audit"
    ),
    ObligationKind.COMPLAINT_STAGE1_DUE: lambda n: f"send the stage 1 response to {_complaint(n)}",
    ObligationKind.COMPLAINT_STAGE2_DUE: lambda n: f"send the stage 2 response to {_complaint(n)}",
    ObligationKind.COMPLAINT_STAGE3_PANEL_DUE: lambda n: (
        f"hold the stage 3 review panel on {_complaint(n)}"
    ),
}


def step(named: Named) -> str:
    """What is due, named for its case: "moderate the Inadequate audit of case C-1"."""
    says = STEPS.get(named.obligation.kind)
    return says(named) if says is not None else f"do what is owed{_of_case(named)}"


def long_day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"
