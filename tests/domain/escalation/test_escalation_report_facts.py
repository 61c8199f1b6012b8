"""The exception report made from a real process (PostgreSQL, the moved clock): the audit's
section grades by their template titles, each step's deadline met, met late or overdue from
its obligation, the other cases counted, the next steps; a process ended by a regrade is
withdrawn. The facts are read in a fixed number of statements."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader

from domain.escalation import report
from domain.escalation import service as escalation
from domain.escalation.models import (
    AssuranceOutcome,
    OtherCaseOutcome,
)
from tests.conftest import StatementCounter
from tests.domain.audits.helpers import Authority, act
from tests.domain.escalation.helpers import inadequate_audit, moderate, process_of

# Bob's first case is audited on Thursday 24 December 2026 (Friday 25 and Monday 28 are bank
# holidays): moderation is due by Thursday the 31st, the other cases' review and the report
# by Tuesday 12 January 2027.


def _first_page(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


async def test_the_report_of_a_real_process_says_which_deadlines_were_met(
    auth: Authority, sql_counter: StatementCounter
) -> None:
    world = auth.world
    audit_id = await inadequate_audit(auth)
    await moderate(auth, audit_id, confirm=True)  # Tuesday 29 December, due by the 31st
    process = await process_of(world, audit_id)
    world.clock.set(datetime(2027, 1, 4, 10, tzinfo=UTC))  # assurance was due on the 30th
    await act(
        world,
        escalation.record_assurance,
        auth.actor(auth.hos_csc),
        escalation_id=process.id,
        outcome=AssuranceOutcome.NOT_AT_RISK,
        detail="Visited with the manager; safety plan in place and working.",
    )
    inadequate, fine = auth.bob_children[1:3]
    for child, outcome, note in (
        (inadequate, OtherCaseOutcome.INADEQUATE, "No visits for 8 weeks 🚩; Łukasz's sister."),
        (fine, OtherCaseOutcome.NO_CONCERNS, None),
    ):
        await act(
            world,
            escalation.record_other_case,
            auth.actor(auth.tm_a),
            escalation_id=process.id,
            child_id=child.id,
            outcome=outcome,
            note=note,
        )
    await act(
        world,
        escalation.complete_other_cases_review,
        auth.actor(auth.tm_a),
        escalation_id=process.id,
        summary="One more inadequate case found.",
    )
    world.clock.set(datetime(2027, 1, 14, 9, tzinfo=UTC))  # the report was due on the 12th

    async with world.session_factory() as s:
        loaded = await escalation.get_escalation(
            session=s, actor=auth.actor(auth.hos_csc), escalation_id=process.id
        )
        sql_counter.start()
        facts = await report.gather(session=s, escalation=loaded, clock=world.clock)
        statements = sql_counter.stop()
    assert statements <= 11, sql_counter.statements

    assert [g.title for g in facts.section_grades][:2] == [
        "Quality of recording",
        "Quality of practice",
    ]
    assert facts.overall_grade == facts.moderated_overall_grade == "Inadequate"
    results = {s.step: report.step_result(s) for s in facts.steps}
    assert results["Moderated by the QA Lead"] == "Met on 29 Dec 2026"
    assert results["Head of Service's assurance"] == "Met late on 4 Jan 2027"
    assert results["Review of the other cases"] == "Met on 4 Jan 2027"
    assert results["Exception report to the AED"] == "Overdue"
    assert results["Review in supervision 1 of 3"] == "Not yet open"

    async with world.session_factory() as s:
        name, pdf = await escalation.exception_report(
            session=s,
            actor=auth.actor(auth.hos_csc),
            clock=world.clock,
            escalation_id=process.id,
            pdf=True,
        )
    assert name.endswith(".pdf")
    reader = PdfReader(io.BytesIO(pdf))
    first = reader.pages[0].extract_text()
    assert "DRAFT: not yet sent" in first
    assert "Quality of recording" in first and "Met late on 4 Jan 2027" in first
    assert "2 other open cases: 1 inadequate, to be audited, 1 with no concerns." in first
    assert "Exception report to the AED: Hal Hos, due 12 January 2027 (overdue)." in first
    assert f"found inadequate: {inadequate.case_reference}." in first
    annex = reader.pages[1].extract_text()
    assert "No visits for 8 weeks; Łukasz's sister." in annex
    assert inadequate.case_reference in annex and fine.case_reference in annex


async def test_a_process_ended_by_a_regrade_reports_withdrawn(auth: Authority) -> None:
    audit_id = await inadequate_audit(auth)
    await moderate(auth, audit_id, confirm=False)  # Tuesday 29 December
    process = await process_of(auth.world, audit_id)
    async with auth.world.session_factory() as s:
        _, pdf = await escalation.exception_report(
            session=s,
            actor=auth.actor(auth.qa_lead),
            clock=auth.world.clock,
            escalation_id=process.id,
            pdf=True,
        )
        _, html = await escalation.exception_report(
            session=s,
            actor=auth.actor(auth.qa_lead),
            clock=auth.world.clock,
            escalation_id=process.id,
            pdf=False,
        )
    status = "WITHDRAWN: regraded to Requires improvement on 29 December 2026"
    first = _first_page(pdf)
    assert status in first and "DRAFT" not in first
    assert "Head of Service's assurance Not needed" in first
    assert "Head of Service told Not needed: the process ended" in first
    assert "Not reviewed: the process ended before the Head of Service was told." in first
    assert status in html.decode() and "DRAFT" not in html.decode()
