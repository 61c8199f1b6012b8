"""Who is told what, and when, in the Inadequate process: the QA Lead at once when an audit is
completed (or amended) Inadequate, not at the next day's reminder; the Head of Service and the
QA Lead when the process ends by a regrade (or an amendment away from Inadequate before
moderation), its exception report then withdrawn; the QA Lead when the desk-top audit is
planned. Every message names the case by its reference (and nothing more about the child), the
step, and when it is due."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from domain.audits import service as audits
from domain.audits.kinds import AuditKind, AuditStatus, Grade, ModerationOutcome
from domain.deadlines.calendar import end_of_day
from domain.deadlines.models import ObligationState
from domain.escalation import service as escalation
from domain.escalation.models import EscalationStage, RegradedBy
from domain.notifications.models import Notification, OutboxMessage
from tests.conftest import World
from tests.domain.audits.helpers import Authority, act, advance, moderate_as_qa_lead, plan
from tests.domain.escalation.helpers import (
    COMPLETED_AT,
    PLANNED_AT,
    assure,
    confirmed,
    inadequate_audit,
    moderate,
    owed_by_kind,
    process_of,
    review_all,
    send_report,
    supervise,
    told,
)

DUE = re.compile(
    r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November"
    r"|December) \d{4}\b"
)


async def emails_to(world: World, person_id: uuid.UUID) -> list[OutboxMessage]:
    async with world.session_factory() as s:
        return list(
            await s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.to_person_id == person_id)
                .order_by(OutboxMessage.created_at, OutboxMessage.subject)
            )
        )


def of_kind(notes: list[Notification], kind: str) -> list[Notification]:
    return [n for n in notes if n.kind == kind]


async def amend_grade(auth: Authority, audit_id: uuid.UUID, grade: Grade, reason: str) -> None:
    await act(
        auth.world,
        audits.amend_audit,
        auth.actor(auth.psw),
        audit_id=audit_id,
        record=audits.AuditRecord(overall_grade=grade, overall_rationale=f"Now {grade.value}."),
        reason=reason,
    )


# --- the QA Lead, at once ----------------------------------------------------------------------


async def test_the_qa_lead_is_told_at_once_when_an_audit_is_completed_inadequate(
    auth: Authority,
) -> None:
    audit_id = await inadequate_audit(auth)
    process = await process_of(auth.world, audit_id)
    [note] = of_kind(await told(auth.world, process.id), "INADEQUATE_TO_MODERATE")
    assert note.person_id == auth.qa_lead.id
    assert note.created_at == COMPLETED_AT  # at the completion, not at the next sweep
    reference = auth.bob_children[0].case_reference
    assert note.title == f"Inadequate audit to moderate: case {reference}, due 31 December 2026"
    assert "completed as Inadequate on Thursday 24 December 2026" in note.body
    assert "your moderation, due by the end of Thursday 31 December 2026" in note.body
    [email] = await emails_to(auth.world, auth.qa_lead.id)
    assert email.subject == note.title
    assert email.body.startswith(note.body)  # and, where the service adds one, a link
    assert email.available_at == COMPLETED_AT  # goes at once, not with a digest


async def test_the_qa_lead_is_told_at_once_when_an_audit_is_amended_to_inadequate(
    auth: Authority,
) -> None:
    auth.world.clock.set(PLANNED_AT)
    audit = await plan(auth.world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[1])
    auth.world.clock.set(COMPLETED_AT)
    await advance(auth.world, auth.actor(auth.psw), audit.id, AuditStatus.COMPLETED)
    auth.world.clock.set(COMPLETED_AT + timedelta(days=5))  # Tuesday 29 December
    await amend_grade(auth, audit.id, Grade.INADEQUATE, "Visits were logged but not made.")
    process = await process_of(auth.world, audit.id)
    [note] = of_kind(await told(auth.world, process.id), "INADEQUATE_TO_MODERATE")
    assert note.person_id == auth.qa_lead.id
    assert auth.bob_children[1].case_reference in note.title
    assert "amended as Inadequate" in note.body


async def test_a_qa_lead_who_moderated_an_audit_to_inadequate_is_not_told_to_moderate_it(
    auth: Authority,
) -> None:
    auth.world.clock.set(PLANNED_AT)
    audit = await plan(auth.world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[1])
    auth.world.clock.set(COMPLETED_AT)
    await advance(
        auth.world,
        auth.actor(auth.psw),
        audit.id,
        AuditStatus.COMPLETED,
        grade=Grade.REQUIRES_IMPROVEMENT,
    )
    await moderate_as_qa_lead(
        auth,
        audit_id=audit.id,
        outcome=ModerationOutcome.REGRADED,
        reason="The child was not seen for eight weeks.",
        overall_grade=Grade.INADEQUATE,
    )
    process = await process_of(auth.world, audit.id)
    assert process.stage is EscalationStage.ASSURANCE
    notes = await told(auth.world, process.id)
    assert of_kind(notes, "INADEQUATE_TO_MODERATE") == []
    assert [n.person_id for n in of_kind(notes, "INADEQUATE_CONFIRMED")] == [auth.hos_csc.id]


# --- a regrade ends it, and says so ---------------------------------------------------------------


async def test_a_regrade_at_moderation_tells_the_head_of_service_and_withdraws_the_report(
    auth: Authority,
) -> None:
    audit_id = await inadequate_audit(auth)
    await moderate(auth, audit_id, confirm=False)
    process = await process_of(auth.world, audit_id)
    assert process.stage is EscalationStage.REGRADED
    assert process.report_withdrawn
    assert (process.regraded_grade, process.regraded_by) == (
        Grade.REQUIRES_IMPROVEMENT,
        RegradedBy.MODERATION,
    )
    assert process.ended_at == datetime(2026, 12, 29, 11, tzinfo=UTC)
    ended = of_kind(await told(auth.world, process.id), "INADEQUATE_PROCESS_ENDED")
    # The QA Lead regraded it: the responsible Head of Service is told; the QA Lead knows.
    assert [n.person_id for n in ended] == [auth.hos_csc.id]
    reference = auth.bob_children[0].case_reference
    assert ended[0].title == (
        f"Inadequate process ended: case {reference} regraded Requires improvement to be good"
    )
    assert "by the QA Lead's moderation on Tuesday 29 December 2026" in ended[0].body
    assert "the next step was the QA Lead's moderation of the audit" in ended[0].body
    assert "Nothing further is due" in ended[0].body
    assert "Strengths missed." not in ended[0].body  # the reason may say more about the child


async def test_a_later_regrade_tells_the_head_of_service_the_sent_report_is_withdrawn(
    auth: Authority,
) -> None:
    process = await confirmed(auth)
    auth.world.clock.set(datetime(2026, 12, 30, 9, tzinfo=UTC))
    await assure(auth, process.id)
    await review_all(auth, process.id)
    auth.world.clock.set(datetime(2027, 1, 11, 14, tzinfo=UTC))
    await send_report(auth, process.id)
    await moderate(auth, process.audit_id, confirm=False, at=datetime(2027, 1, 20, 10, tzinfo=UTC))
    process = await process_of(auth.world, process.audit_id)
    assert process.stage is EscalationStage.REGRADED and process.report_withdrawn
    owed = await owed_by_kind(auth.world, process.id)
    assert {owed[f"supervision-review-due:{n}"].state for n in (1, 2, 3)} == {
        ObligationState.CANCELLED
    }
    ended = of_kind(await told(auth.world, process.id), "INADEQUATE_PROCESS_ENDED")
    # The QA Lead regraded it; the AED, who read the report, is told it is withdrawn.
    assert sorted(n.person_id for n in ended) == sorted([auth.hos_csc.id, auth.aed.id])
    note = ended[0]
    assert "The exception report that was sent to the AED is withdrawn." in note.body
    assert "the three monthly reviews in supervision" in note.body
    # The report as the AED opens it now reads withdrawn, not as it was sent.
    async with auth.world.session_factory() as s:
        _, html = await escalation.exception_report(
            session=s,
            actor=auth.actor(auth.aed),
            clock=auth.world.clock,
            escalation_id=process.id,
            pdf=False,
        )
    assert "WITHDRAWN: regraded to Requires improvement on 20 January 2027" in html.decode()


async def test_an_amendment_away_from_inadequate_before_moderation_ends_it_as_a_regrade(
    auth: Authority,
) -> None:
    audit_id = await inadequate_audit(auth)
    auth.world.clock.set(datetime(2026, 12, 29, 9, tzinfo=UTC))
    await amend_grade(auth, audit_id, Grade.GOOD, "The wrong case's notes were read.")
    process = await process_of(auth.world, audit_id)
    assert process.stage is EscalationStage.REGRADED
    assert process.report_withdrawn
    assert (process.regraded_grade, process.regraded_by) == (Grade.GOOD, RegradedBy.AMENDMENT)
    assert process.ended_reason == "The wrong case's notes were read."
    assert process.ended_at == datetime(2026, 12, 29, 9, tzinfo=UTC)
    owed = await owed_by_kind(auth.world, process.id)
    assert owed["moderation-due"].state is ObligationState.CANCELLED
    ended = of_kind(await told(auth.world, process.id), "INADEQUATE_PROCESS_ENDED")
    assert sorted(n.person_id for n in ended) == sorted([auth.hos_csc.id, auth.qa_lead.id])
    for note in ended:
        assert "regraded to Good by an amendment on Tuesday 29 December 2026" in note.body
        assert "No exception report will be sent." in note.body
    assert len(await emails_to(auth.world, auth.hos_csc.id)) == 1


async def test_an_amendment_after_moderation_confirmed_leaves_the_process_open(
    auth: Authority,
) -> None:
    process = await confirmed(auth)
    auth.world.clock.set(datetime(2026, 12, 30, 9, tzinfo=UTC))
    await amend_grade(auth, process.audit_id, Grade.GOOD, "Second thoughts.")
    process = await process_of(auth.world, process.audit_id)
    assert process.stage is EscalationStage.ASSURANCE
    assert of_kind(await told(auth.world, process.id), "INADEQUATE_PROCESS_ENDED") == []


# --- the desk-top audit, and every message ----------------------------------------------------


async def test_every_message_names_the_case_the_step_and_when_it_is_due(auth: Authority) -> None:
    process = await confirmed(auth)
    auth.world.clock.set(datetime(2026, 12, 30, 9, tzinfo=UTC))
    await assure(auth, process.id)
    await review_all(auth, process.id)
    auth.world.clock.set(datetime(2027, 1, 11, 14, tzinfo=UTC))
    await send_report(auth, process.id)
    for number, held_on in enumerate([date(2027, 1, 28), date(2027, 2, 25), date(2027, 3, 25)]):
        await supervise(auth, process.id, number + 1, held_on)

    notes = await told(auth.world, process.id)
    assert [(n.kind, n.person_id) for n in notes] == [
        ("INADEQUATE_TO_MODERATE", auth.qa_lead.id),
        ("INADEQUATE_CONFIRMED", auth.hos_csc.id),
        ("EXCEPTION_REPORT", auth.aed.id),
        ("DESK_TOP_AUDIT_PLANNED", auth.qa_lead.id),
    ]
    desk_top = notes[-1]
    reference = auth.bob_children[0].case_reference
    assert desk_top.title == f"Desk-top audit to do: case {reference}, due 12 April 2027"
    assert "held on Thursday 25 March 2027" in desk_top.body
    assert "your desk-top audit, which closes the Inadequate process, due by the end of " in (
        desk_top.body
    )
    assert "the first review is due by the end of Thursday 11 February 2027" in notes[2].body
    for note in notes:
        assert f"case {reference}" in note.title, note.title
        assert DUE.search(note.body), note.body
        # The case reference, never anything else about the child (their birthday, say).
        born = auth.bob_children[0].date_of_birth
        for detail in (born.isoformat(), f"{born.day} {born:%B %Y}"):
            assert detail not in note.title + note.body
    emails = {
        m.key: m
        for p in (auth.qa_lead, auth.hos_csc, auth.aed)
        for m in await emails_to(auth.world, p.id)
    }
    assert {n.key for n in notes} <= set(emails)


async def test_an_audit_amended_away_and_back_to_inadequate_starts_its_process_over(
    auth: Authority,
) -> None:
    audit_id = await inadequate_audit(auth)
    auth.world.clock.set(datetime(2026, 12, 29, 9, tzinfo=UTC))
    await amend_grade(auth, audit_id, Grade.GOOD, "The wrong case's notes were read.")
    auth.world.clock.set(datetime(2027, 1, 4, 9, tzinfo=UTC))  # Monday 4 January
    await amend_grade(auth, audit_id, Grade.INADEQUATE, "It was the right case after all.")
    process = await process_of(auth.world, audit_id)
    assert process.stage is EscalationStage.MODERATION
    assert process.ended_at is None and process.regraded_grade is None
    assert not process.report_withdrawn
    owed = await owed_by_kind(auth.world, process.id)
    assert owed["moderation-due"].state is ObligationState.OPEN
    assert owed["moderation-due"].due_at == end_of_day(date(2027, 1, 7))
    notes = of_kind(await told(auth.world, process.id), "INADEQUATE_TO_MODERATE")
    assert [n.person_id for n in notes] == [auth.qa_lead.id, auth.qa_lead.id]
    assert notes[-1].title.startswith("Inadequate audit to moderate again: case ")
    assert "due by the end of Thursday 7 January 2027" in notes[-1].body
    # And it goes on as any process does.
    await moderate(auth, audit_id, at=datetime(2027, 1, 5, 10, tzinfo=UTC))
    assert (await process_of(auth.world, audit_id)).stage is EscalationStage.ASSURANCE


async def test_a_regrade_moderated_back_to_inadequate_goes_on_to_the_head_of_service(
    auth: Authority,
) -> None:
    audit_id = await inadequate_audit(auth)
    await moderate(auth, audit_id, confirm=False)
    await moderate_as_qa_lead(
        auth,
        audit_id=audit_id,
        outcome=ModerationOutcome.REGRADED,
        reason="On a second look, the child was not seen.",
        overall_grade=Grade.INADEQUATE,
    )
    process = await process_of(auth.world, audit_id)
    assert process.stage is EscalationStage.ASSURANCE
    assert process.head_of_service_id == auth.hos_csc.id
    owed = await owed_by_kind(auth.world, process.id)
    assert owed["moderation-due"].state is ObligationState.DONE
    assert owed["assurance-due"].state is ObligationState.OPEN


async def test_a_reopened_process_ended_again_is_told_again(auth: Authority) -> None:
    audit_id = await inadequate_audit(auth)
    for day, grade in [(29, Grade.GOOD), (30, Grade.INADEQUATE), (31, Grade.GOOD)]:
        auth.world.clock.set(datetime(2026, 12, day, 9, tzinfo=UTC))
        await amend_grade(auth, audit_id, grade, f"Amended on {day} December.")
    process = await process_of(auth.world, audit_id)
    assert process.stage is EscalationStage.REGRADED
    assert process.ended_reason == "Amended on 31 December."
    ended = of_kind(await told(auth.world, process.id), "INADEQUATE_PROCESS_ENDED")
    assert sorted(n.person_id for n in ended) == sorted([auth.hos_csc.id, auth.qa_lead.id] * 2)
