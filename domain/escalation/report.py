"""The one-page exception report for the AED (DOMAIN.md, step 5), generated from the recorded
facts only: the audit and its grades, its moderation, the Head of Service's assurance, the
review of the practitioner's other cases, and each step's deadline. HTML to read in the
browser, PDF to download.

Page 1 of the PDF is one page whatever the facts: the other cases are counted and summarised
there, long text is cut short with a pointer to the annex, and the annex (page 2 on) holds the
full case list and every text that was cut. The PDF embeds Noto Sans, with Noto Sans Arabic for
Arabic script (Urdu too), shaped right to left by HarfBuzz; a character neither font has (an
emoji) is left out, never printed as "?" or an empty box. The same facts give the same bytes:
the PDF's creation date is the moment the facts were gathered (the injected clock).

Before it is sent it can be previewed (marked DRAFT, generated afresh); once sent, the HTML
as sent is kept on the process and the PDF is made from the same facts, so what the AED reads
does not change afterwards. A process ended by a regrade shows the report as WITHDRAWN. Every
value is escaped: the report holds free text people wrote.

The facts are gathered in `report_facts`, said and rendered as HTML in `report_html`, drawn
as PDF in `report_pdf`; this module gathers them, with the use case that reads the report.
"""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.children import policy as children_policy
from domain.core.clock import Clock
from domain.core.roles import Actor
from domain.escalation.models import OtherCaseReview
from domain.escalation.queries import get_escalation
from domain.escalation.report_facts import (
    GRADE_WORDS,
    NOT_REVIEWED,
    OUTCOME_ORDER,
    OUTCOME_WORDS,
    OtherCase,
    ReportFacts,
    SectionGrade,
    StepLine,
    StepOutcome,
    facts_of,
    gather,
)
from domain.escalation.report_html import (
    cases_summary,
    grade_cell,
    long_on,
    narrative_parts,
    next_steps,
    outcome_counts,
    render_html,
    short_date,
    status_line,
    step_result,
    summary_rows,
)
from domain.escalation.report_pdf import (
    ANNEX_NOTE,
    FONTS,
    FOOTER,
    LINE,
    MARGIN,
    printable,
    render_pdf,
)

__all__ = [
    "ANNEX_NOTE",
    "FONTS",
    "FOOTER",
    "GRADE_WORDS",
    "LINE",
    "MARGIN",
    "NOT_REVIEWED",
    "OUTCOME_ORDER",
    "OUTCOME_WORDS",
    "OtherCase",
    "ReportFacts",
    "SectionGrade",
    "StepLine",
    "StepOutcome",
    "cases_summary",
    "exception_report",
    "facts_of",
    "gather",
    "grade_cell",
    "long_on",
    "narrative_parts",
    "next_steps",
    "outcome_counts",
    "printable",
    "render_html",
    "render_pdf",
    "short_date",
    "status_line",
    "step_result",
    "summary_rows",
]


async def exception_report(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    escalation_id: uuid.UUID,
    pdf: bool,
) -> tuple[str, bytes]:
    """The exception report of a process the actor may see, as (file name, bytes): the HTML
    as it was sent, or a DRAFT generated from the facts recorded so far; or the PDF."""
    escalation = await get_escalation(session=session, actor=actor, escalation_id=escalation_id)
    sent = escalation.report_sent_at is not None
    facts = await gather(session=session, escalation=escalation, clock=clock, reader=actor)
    named = await session.scalar(
        select(func.count())
        .select_from(OtherCaseReview)
        .where(OtherCaseReview.escalation_id == escalation.id)
    )
    # The report as sent names every case; a reader who may not see one of those children
    # reads it generated afresh from the facts, without the cases they may not see.
    withheld = len(facts.other_cases) != named or (
        escalation.child_id is not None
        and not await children_policy.sees_child(session, actor, escalation.child_id)
    )
    name = f"exception-report-{facts.case_reference if not withheld else escalation.id}"
    if pdf:
        # Drawing a long annex takes a while (seconds with hundreds of long notes): off the
        # event loop, so that other requests are not held up meanwhile.
        return f"{name}.pdf", await asyncio.to_thread(render_pdf, facts, draft=not sent)
    # A report withdrawn by a regrade after it was sent reads as withdrawn, not as it was sent.
    as_sent = sent and not withheld and not escalation.report_withdrawn
    html = escalation.report_html if as_sent and escalation.report_html else None
    return f"{name}.html", (html or render_html(facts, draft=not sent)).encode()
