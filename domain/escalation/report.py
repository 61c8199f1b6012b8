"""The one-page exception report for the AED (DOMAIN.md, step 5), generated from the recorded
facts only: the audit and its moderation, the Head of Service's assurance, and the review of
the practitioner's other cases. HTML to read in the browser, PDF to download.

Before it is sent it can be previewed (marked DRAFT, generated afresh); once sent, the HTML
as sent is kept on the process and the PDF is made from the same facts, so what the AED reads
does not change afterwards. Every value is escaped: the report holds free text people wrote.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import escape

from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits.models import Audit, Moderation
from domain.children.models import Child
from domain.children.policy import visible_children
from domain.core.clock import Clock
from domain.deadlines.calendar import local_day
from domain.escalation.models import InadequateEscalation, OtherCaseOutcome, OtherCaseReview
from domain.people.models import Person, Service, Team
from domain.people.roles import Actor

OUTCOME_WORDS = {
    OtherCaseOutcome.NO_CONCERNS: "No concerns",
    OtherCaseOutcome.CONCERNS_ADDRESSED: "Concerns found and addressed",
    OtherCaseOutcome.INADEQUATE: "Inadequate: to be audited",
}


@dataclass(frozen=True)
class OtherCase:
    case_reference: str
    outcome: str
    note: str


@dataclass(frozen=True)
class ReportFacts:
    escalation_id: uuid.UUID
    case_reference: str
    child_age: str
    team: str
    service: str
    practitioner: str
    auditor: str
    audit_completed_on: date
    audit_rationale: str
    moderated_by: str
    moderated_on: date | None
    moderation_reason: str
    head_of_service: str
    told_on: date | None
    assurance: str
    assurance_detail: str
    assured_on: date | None
    review_summary: str
    reviewed_by: str
    reviewed_on: date | None
    other_cases: list[OtherCase] = field(default_factory=list)
    sent_on: date | None = None
    sent_by: str = ""


def _day(moment: datetime | None) -> date | None:
    return local_day(moment) if moment is not None else None


def _age(born: date, on: date) -> str:
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return f"{years} year{'s' if years != 1 else ''}"


async def gather(
    *,
    session: AsyncSession,
    escalation: InadequateEscalation,
    clock: Clock,
    reader: Actor | None = None,
) -> ReportFacts:
    """The facts of the report, read in a fixed number of statements. For a `reader`, only
    the cases whose child they may see are named (domain/children/policy.py); without one,
    the whole report as it is sent to the AED."""
    audit = await session.get_one(Audit, escalation.audit_id)
    child = None
    if escalation.child_id is not None:
        child_rule = [visible_children(reader)] if reader is not None else []
        child = await session.scalar(
            select(Child).where(Child.id == escalation.child_id, *child_rule)
        )
    team = await session.get(Team, escalation.team_id) if escalation.team_id else None
    service = await session.get(Service, escalation.service_id) if escalation.service_id else None
    moderation = (
        await session.get(Moderation, escalation.moderation_id)
        if escalation.moderation_id
        else None
    )
    people_ids = {
        escalation.practitioner_id,
        audit.auditor_id,
        escalation.head_of_service_id,
        escalation.reviewed_by_id,
        escalation.report_sent_by_id,
        moderation.moderator_id if moderation else None,
    } - {None}
    names = {
        p.id: p.display_name
        for p in await session.scalars(select(Person).where(Person.id.in_(people_ids)))
    }

    def name(person_id: uuid.UUID | None) -> str:
        return names.get(person_id, "") if person_id else ""

    seen = (
        [OtherCaseReview.child_id.in_(select(Child.id).where(visible_children(reader)))]
        if reader is not None
        else []
    )
    items = await session.scalars(
        select(OtherCaseReview)
        .where(OtherCaseReview.escalation_id == escalation.id, *seen)
        .order_by(OtherCaseReview.case_reference)
    )
    today = local_day(clock.now())
    return ReportFacts(
        escalation_id=escalation.id,
        case_reference=(
            child.case_reference
            if child
            else "(a case you may not see)"
            if escalation.child_id
            else "(no case)"
        ),
        child_age=_age(child.date_of_birth, today) if child else "",
        team=team.name if team else "",
        service=service.name if service else "",
        practitioner=name(escalation.practitioner_id),
        auditor=name(audit.auditor_id),
        audit_completed_on=local_day(escalation.audit_completed_at),
        audit_rationale=audit.overall_rationale or "",
        moderated_by=name(moderation.moderator_id) if moderation else "",
        moderated_on=_day(escalation.moderated_at),
        moderation_reason=moderation.reason if moderation else "",
        head_of_service=name(escalation.head_of_service_id),
        told_on=_day(escalation.hos_told_at),
        assurance=(
            "The child is not at risk from the inadequate practice."
            if escalation.assurance_outcome and escalation.assurance_outcome.value == "NOT_AT_RISK"
            else "Actions were taken to keep the child safe."
            if escalation.assurance_outcome
            else "Not yet recorded."
        ),
        assurance_detail=escalation.assurance_detail or "",
        assured_on=_day(escalation.assured_at),
        review_summary=escalation.review_summary or "Not yet completed.",
        reviewed_by=name(escalation.reviewed_by_id),
        reviewed_on=_day(escalation.reviewed_at),
        other_cases=[
            OtherCase(
                case_reference=i.case_reference,
                outcome=OUTCOME_WORDS[i.outcome] if i.outcome else "Not yet reviewed",
                note=i.note or "",
            )
            for i in items
        ],
        sent_on=_day(escalation.report_sent_at),
        sent_by=name(escalation.report_sent_by_id),
    )


def _long(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "not yet"


def _rows(facts: ReportFacts) -> list[tuple[str, str]]:
    return [
        ("Case", f"{facts.case_reference} (child aged {facts.child_age})"),
        ("Team and service", f"{facts.team}, {facts.service}"),
        ("Practitioner", facts.practitioner),
        ("Audit completed", f"{_long(facts.audit_completed_on)} by {facts.auditor}"),
        (
            "Moderation",
            f"Inadequate confirmed by {facts.moderated_by} on {_long(facts.moderated_on)}",
        ),
        ("Head of Service told", f"{facts.head_of_service} on {_long(facts.told_on)}"),
        ("Assurance", f"{facts.assurance} ({_long(facts.assured_on)})"),
    ]


def render_html(facts: ReportFacts, *, draft: bool) -> str:
    """The report as a small, self-contained, printable HTML page."""
    e = escape
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _rows(facts))
    cases = (
        "".join(
            f"<tr><td>{e(c.case_reference)}</td><td>{e(c.outcome)}</td><td>{e(c.note)}</td></tr>"
            for c in facts.other_cases
        )
        or '<tr><td colspan="3">The practitioner holds no other open cases.</td></tr>'
    )
    status = (
        "DRAFT: not yet sent"
        if draft
        else f"Sent to the AED by {e(facts.sent_by)} on {e(_long(facts.sent_on))}"
    )
    return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Exception report: case {e(facts.case_reference)}</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; color: #0b0c0c; max-width: 48rem;
  margin: 1.5rem auto; padding: 0 1rem; line-height: 1.4; }}
h1 {{ font-size: 1.5rem; margin-bottom: 0.25rem; }}
h2 {{ font-size: 1.15rem; margin-top: 1.25rem; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; vertical-align: top; padding: 0.3rem 0.5rem;
  border-bottom: 1px solid #b1b4b6; }}
th {{ width: 30%; }}
.status {{ font-weight: bold; color: {"#d4351c" if draft else "#00703c"}; }}
</style>
</head>
<body>
<h1>Exception report: Inadequate audit</h1>
<p class="status">{status}</p>
<table>{rows}</table>
<h2>Why the audit was graded Inadequate</h2>
<p>{e(facts.audit_rationale)}</p>
<h2>The QA Lead's moderation</h2>
<p>{e(facts.moderation_reason)}</p>
<h2>How the Head of Service assured themselves</h2>
<p>{e(facts.assurance_detail)}</p>
<h2>Review of the practitioner's other cases</h2>
<p>{e(facts.review_summary)}</p>
<p>Reviewed by {e(facts.reviewed_by or "not yet")} on {e(_long(facts.reviewed_on))}.</p>
<table>
<tr><th>Case</th><th>Outcome</th><th>Note</th></tr>
{cases}
</table>
</body>
</html>
"""


# Typographic characters the PDF's built-in font lacks, and what stands in for them.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
)


def _latin1(text: str) -> str:
    """The PDF uses the standard Helvetica font, which has Latin-1 only (no font file need be
    installed): accents stay, other characters become their closest plain form or '?'."""
    text = unicodedata.normalize("NFC", text.translate(_PLAIN))
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(facts: ReportFacts, *, draft: bool) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"Exception report: case {facts.case_reference}"))
    pdf.set_creation_date(datetime(2000, 1, 1, tzinfo=UTC))  # the same facts give the same bytes
    pdf.add_page()
    pdf.set_margins(18, 16, 18)
    pdf.set_font("helvetica", "B", 16)
    pdf.multi_cell(0, 8, "Exception report: Inadequate audit", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "B", 10)
    status = (
        "DRAFT: not yet sent"
        if draft
        else f"Sent to the AED by {facts.sent_by} on {_long(facts.sent_on)}"
    )
    pdf.multi_cell(0, 6, _latin1(status), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for label, value in _rows(facts):
        pdf.set_font("helvetica", "B", 9)
        pdf.cell(45, 5, _latin1(label))
        pdf.set_font("helvetica", "", 9)
        pdf.multi_cell(0, 5, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    for heading, text in (
        ("Why the audit was graded Inadequate", facts.audit_rationale),
        ("The QA Lead's moderation", facts.moderation_reason),
        ("How the Head of Service assured themselves", facts.assurance_detail),
        ("Review of the practitioner's other cases", facts.review_summary),
    ):
        pdf.ln(2)
        pdf.set_font("helvetica", "B", 11)
        pdf.multi_cell(0, 6, _latin1(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 9)
        pdf.multi_cell(0, 5, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    for case in facts.other_cases or [OtherCase("-", "No other open cases", "")]:
        pdf.set_font("helvetica", "B", 9)
        pdf.cell(35, 5, _latin1(case.case_reference))
        pdf.set_font("helvetica", "", 9)
        line = f"{case.outcome}{': ' + case.note if case.note else ''}"
        pdf.multi_cell(0, 5, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
