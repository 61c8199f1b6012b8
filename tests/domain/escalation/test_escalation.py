"""The Inadequate process in the framework's own words (DOMAIN.md): moderated by the QA Lead
within 3 working days, brought to the responsible Head of Service, who assures the child is
not at risk, has the practitioner's other cases reviewed within 10 working days, and sends the
exception report to the AED; reviewed in supervision monthly three times, then the QA Lead's
desk-top audit closes it. A regrade ends it with the reason kept.

Bob (team A of Children's Social Care, line-managed by Tam, team A's manager) holds three
cases; the PSW audits the first on Thursday 24 December 2026, the Thursday before a bank
holiday Monday (Friday 25 is Christmas Day, Monday 28 the substitute for Boxing Day)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, select

from domain.audits import service as audits
from domain.audits.kinds import AuditKind, AuditStatus, Grade
from domain.core.errors import AlreadyDone, Conflict, InvalidInput, NotAllowed, NotFound, NotOpenYet
from domain.core.roles import SYSTEM
from domain.deadlines.calendar import end_of_day
from domain.deadlines.models import Obligation, ObligationKind, ObligationState
from domain.escalation import service as escalation
from domain.escalation.models import (
    AssuranceOutcome,
    EscalationStage,
    InadequateEscalation,
    OtherCaseOutcome,
    OtherCaseReview,
)
from domain.events.models import DomainEvent
from domain.notifications.models import Notification, OutboxMessage
from tests.domain.audits.helpers import Authority, act, advance
from tests.domain.escalation.helpers import (
    COMPLETED_AT,
    POLICY,
    assure,
    confirmed,
    inadequate_audit,
    moderate,
    owed_by_kind,
    process_of,
    review_all,
    send_report,
    supervise,
)

# --- moderation ------------------------------------------------------------------------------


async def test_inadequate_audit_is_moderated_by_the_qa_lead_within_three_working_days(
    auth: Authority,
) -> None:
    audit_id = await inadequate_audit(auth)
    process = await process_of(auth.world, audit_id)
    assert process.stage is EscalationStage.MODERATION
    assert process.child_id == auth.bob_children[0].id
    assert process.practitioner_id == auth.bob.id
    assert process.service_id == auth.csc.id
    owed = await owed_by_kind(auth.world, process.id)
    moderation = owed["moderation-due"]
    assert moderation.owner_id == auth.qa_lead.id
    # Fri 25 and Mon 28 are bank holidays: Tue 29, Wed 30, Thu 31 December.
    assert moderation.due_at == end_of_day(date(2026, 12, 31))


async def test_a_second_start_of_the_same_audit_is_the_same_process(auth: Authority) -> None:
    audit_id = await inadequate_audit(auth)
    first = await process_of(auth.world, audit_id)
    async with auth.world.session_factory() as s, s.begin():
        audit = await audits.load_for_change(s, SYSTEM, audit_id)
        again = await escalation.start(session=s, clock=auth.world.clock, audit=audit)
    assert again is not None and again.id == first.id


async def test_confirmation_tells_the_head_of_service_at_once_and_opens_their_steps(
    auth: Authority,
) -> None:
    process = await confirmed(auth)
    assert process.stage is EscalationStage.ASSURANCE
    assert process.head_of_service_id == auth.hos_csc.id
    assert process.hos_told_at == datetime(2026, 12, 29, 11, tzinfo=UTC)
    owed = await owed_by_kind(auth.world, process.id)
    assert owed["moderation-due"].state is ObligationState.DONE
    assert owed["moderation-due"].closed_by_id == auth.qa_lead.id
    # Told on Tuesday 29 December: assurance by the end of the next working day.
    assert owed["assurance-due"].due_at == end_of_day(date(2026, 12, 30))
    # 10 working days after Thursday 24 December (1 January is a bank holiday too).
    assert owed["other-cases-review-due"].due_at == end_of_day(date(2027, 1, 12))
    assert owed["exception-report-due"].due_at == end_of_day(date(2027, 1, 12))
    assert {o.owner_id for k, o in owed.items() if k != "moderation-due"} == {auth.hos_csc.id}
    async with auth.world.session_factory() as s:
        told = list(
            await s.scalars(
                select(Notification).where(
                    Notification.subject_id == process.id,
                    Notification.kind == "INADEQUATE_CONFIRMED",
                )
            )
        )
        emails = list(
            await s.scalars(
                select(OutboxMessage).where(OutboxMessage.to_person_id == auth.hos_csc.id)
            )
        )
        other = list(
            await s.scalars(
                select(OtherCaseReview.case_reference).where(
                    OtherCaseReview.escalation_id == process.id
                )
            )
        )
    assert [(n.person_id, n.kind) for n in told] == [(auth.hos_csc.id, "INADEQUATE_CONFIRMED")]
    assert [e.key for e in emails] == [f"escalation:{process.id}:hos-told"]
    assert auth.bob_children[0].case_reference in emails[0].subject
    # The practitioner's other open cases are prefilled; the audited one is not among them.
    assert other == sorted(c.case_reference for c in auth.bob_children[1:])


async def test_a_regrade_ends_the_process_with_the_reason_kept(auth: Authority) -> None:
    audit_id = await inadequate_audit(auth)
    await moderate(auth, audit_id, confirm=False)
    process = await process_of(auth.world, audit_id)
    assert process.stage is EscalationStage.REGRADED
    assert process.ended_reason == "Strengths missed."
    assert process.head_of_service_id is None
    assert process.regraded_grade is Grade.REQUIRES_IMPROVEMENT
    assert process.report_withdrawn
    owed = await owed_by_kind(auth.world, process.id)
    assert set(owed) == {"moderation-due"}
    assert owed["moderation-due"].state is ObligationState.DONE
    with pytest.raises(Conflict, match="regraded"):
        await assure(auth, process.id)


async def test_a_later_regrade_ends_an_open_process_and_cancels_what_was_owed(
    auth: Authority,
) -> None:
    process = await confirmed(auth)
    await assure(auth, process.id)
    await moderate(auth, process.audit_id, confirm=False, at=datetime(2027, 1, 4, 10, tzinfo=UTC))
    process = await process_of(auth.world, process.audit_id)
    assert process.stage is EscalationStage.REGRADED
    owed = await owed_by_kind(auth.world, process.id)
    assert owed["assurance-due"].state is ObligationState.DONE
    assert owed["other-cases-review-due"].state is ObligationState.CANCELLED
    assert owed["exception-report-due"].state is ObligationState.CANCELLED


# --- refusals --------------------------------------------------------------------------------


async def test_steps_cannot_be_skipped(auth: Authority) -> None:
    audit_id = await inadequate_audit(auth)
    process = await process_of(auth.world, audit_id)
    with pytest.raises(Conflict, match="moderation"):
        await assure(auth, process.id)
    await moderate(auth, audit_id)
    for child in auth.bob_children[1:]:  # outcomes may be recorded while the HoS assures…
        await act(
            auth.world,
            escalation.record_other_case,
            auth.actor(auth.tm_a),
            escalation_id=process.id,
            child_id=child.id,
            outcome=OtherCaseOutcome.NO_CONCERNS,
            note=None,
        )
    with pytest.raises(Conflict, match="assurance"):  # …but the review completes after it
        await act(
            auth.world,
            escalation.complete_other_cases_review,
            auth.actor(auth.hos_csc),
            escalation_id=process.id,
            summary="Done.",
        )
    with pytest.raises(Conflict, match="assurance"):
        await send_report(auth, process.id)
    with pytest.raises(Conflict, match="assurance"):
        await supervise(auth, process.id, 1, date(2026, 12, 30))
    assert (await process_of(auth.world, audit_id)).stage is EscalationStage.ASSURANCE


@pytest.mark.parametrize("who", ["qa_lead", "tm_a", "aed", "bob", "psw"])
async def test_only_the_head_of_service_told_assures(auth: Authority, who: str) -> None:
    process = await confirmed(auth)
    with pytest.raises(NotAllowed):
        await act(
            auth.world,
            escalation.record_assurance,
            auth.actor(auth.person(who)),
            escalation_id=process.id,
            outcome=AssuranceOutcome.NOT_AT_RISK,
            detail="Fine.",
        )


@pytest.mark.parametrize("who", ["hos_ff", "tm_b", "cat", "admin", "partner"])
async def test_those_who_may_not_see_the_process_find_nothing(auth: Authority, who: str) -> None:
    process = await confirmed(auth)
    with pytest.raises(NotFound):
        await act(
            auth.world,
            escalation.record_assurance,
            auth.actor(auth.person(who)),
            escalation_id=process.id,
            outcome=AssuranceOutcome.NOT_AT_RISK,
            detail="Fine.",
        )


@pytest.mark.parametrize("who", ["bob", "psw", "qa_lead"])
async def test_the_other_cases_are_reviewed_by_the_head_of_service_or_the_team_manager(
    auth: Authority, who: str
) -> None:
    process = await confirmed(auth)
    with pytest.raises(NotAllowed):
        await act(
            auth.world,
            escalation.record_other_case,
            auth.actor(auth.person(who)),
            escalation_id=process.id,
            child_id=auth.bob_children[1].id,
            outcome=OtherCaseOutcome.NO_CONCERNS,
            note=None,
        )


async def test_bad_input_to_a_step_is_refused_and_changes_nothing(auth: Authority) -> None:
    process = await confirmed(auth)
    with pytest.raises(InvalidInput) as empty:
        await act(
            auth.world,
            escalation.record_assurance,
            auth.actor(auth.hos_csc),
            escalation_id=process.id,
            outcome=AssuranceOutcome.ACTIONS_TAKEN,
            detail="   ",
        )
    assert empty.value.field == "detail"
    with pytest.raises(NotFound) as unknown:
        await act(
            auth.world,
            escalation.record_other_case,
            auth.actor(auth.tm_a),
            escalation_id=process.id,
            child_id=auth.cat_children[0].id,  # not one of Bob's cases
            outcome=OtherCaseOutcome.NO_CONCERNS,
            note=None,
        )
    assert unknown.value.field == "childId"
    with pytest.raises(InvalidInput) as no_note:
        await act(
            auth.world,
            escalation.record_other_case,
            auth.actor(auth.tm_a),
            escalation_id=process.id,
            child_id=auth.bob_children[1].id,
            outcome=OtherCaseOutcome.INADEQUATE,
            note="",
        )
    assert no_note.value.field == "note"
    assert (await process_of(auth.world, process.audit_id)).stage is EscalationStage.ASSURANCE
    async with auth.world.session_factory() as s:
        outcomes = set(
            await s.scalars(
                select(OtherCaseReview.outcome).where(OtherCaseReview.escalation_id == process.id)
            )
        )
    assert outcomes == {None}


# --- the whole way to the desk-top audit ------------------------------------------------------


async def test_the_review_needs_an_outcome_for_every_other_case(auth: Authority) -> None:
    process = await confirmed(auth)
    await assure(auth, process.id)
    await act(
        auth.world,
        escalation.record_other_case,
        auth.actor(auth.hos_csc),
        escalation_id=process.id,
        child_id=auth.bob_children[1].id,
        outcome=OtherCaseOutcome.INADEQUATE,
        note="No visits for 8 weeks; audit this case.",
    )
    with pytest.raises(Conflict, match="1 of the practitioner's other cases") as missing:
        await act(
            auth.world,
            escalation.complete_other_cases_review,
            auth.actor(auth.hos_csc),
            escalation_id=process.id,
            summary="One more inadequate case found.",
        )
    assert missing.value.field == "otherCases"


async def test_the_process_runs_to_the_desk_top_audit_which_closes_it(auth: Authority) -> None:
    world = auth.world
    process = await confirmed(auth)
    world.clock.set(datetime(2026, 12, 30, 9, tzinfo=UTC))
    await assure(auth, process.id)
    await review_all(auth, process.id)
    world.clock.set(datetime(2027, 1, 11, 9, tzinfo=UTC))
    await send_report(auth, process.id)

    process = await process_of(world, process.audit_id)
    assert process.stage is EscalationStage.SUPERVISION_REVIEWS
    assert process.report_html is not None
    assert "Both other cases reviewed; no concerns." in process.report_html
    assert "Sent to the AED by Hal Hos" in process.report_html
    owed = await owed_by_kind(world, process.id)
    # Monthly from the report (Monday 11 January), on a working day, the supervisor's.
    assert [owed[f"supervision-review-due:{n}"].due_at for n in (1, 2, 3)] == [
        end_of_day(date(2027, 2, 11)),
        end_of_day(date(2027, 3, 11)),
        end_of_day(date(2027, 4, 12)),  # 11 April 2027 is a Sunday
    ]
    assert {owed[f"supervision-review-due:{n}"].owner_id for n in (1, 2, 3)} == {auth.tm_a.id}
    async with world.session_factory() as s:
        aed_told = await s.scalar(
            select(Notification).where(
                Notification.person_id == auth.aed.id, Notification.subject_id == process.id
            )
        )
    assert aed_told is not None and aed_told.kind == "EXCEPTION_REPORT"

    with pytest.raises(NotOpenYet, match="Review 1 comes first"):
        await supervise(auth, process.id, 2, date(2027, 1, 28))
    await supervise(auth, process.id, 1, date(2027, 1, 28))
    with pytest.raises(AlreadyDone, match="review 1 was recorded"):
        await supervise(auth, process.id, 1, date(2027, 1, 29))
    with pytest.raises(InvalidInput, match="not happened yet"):
        world.clock.set(datetime(2027, 2, 20, 9, tzinfo=UTC))
        await act(
            world,
            escalation.record_supervision_review,
            auth.actor(auth.tm_a),
            escalation_id=process.id,
            number=2,
            held_on=date(2027, 2, 25),
            notes="Too soon.",
            policy_settings=POLICY,
        )
    await supervise(auth, process.id, 2, date(2027, 2, 25))
    await supervise(auth, process.id, 3, date(2027, 3, 25))

    process = await process_of(world, process.audit_id)
    assert process.stage is EscalationStage.DESK_TOP_AUDIT
    assert process.desk_top_audit_id is not None
    async with world.session_factory() as s:
        desk_top = await audits.load_for_change(s, SYSTEM, process.desk_top_audit_id)
    assert desk_top.kind is AuditKind.DESK_TOP
    assert desk_top.auditor_id == auth.qa_lead.id
    assert desk_top.child_id == auth.bob_children[0].id
    # 10 working days after Thursday 25 March 2027 (Good Friday 26 March, Easter Monday 29).
    assert desk_top.due_date == date(2027, 4, 12)
    with pytest.raises(Conflict, match="closes an Inadequate process"):
        await act(world, audits.cancel_audit, SYSTEM, audit_id=desk_top.id, reason="Not needed.")

    world.clock.set(datetime(2027, 4, 8, 10, tzinfo=UTC))
    await advance(world, auth.actor(auth.qa_lead), desk_top.id, AuditStatus.COMPLETED)
    process = await process_of(world, process.audit_id)
    assert process.stage is EscalationStage.CLOSED
    assert process.ended_at == world.clock.now()

    async with world.session_factory() as s:
        owed_now = await escalation.obligations_of(s, [process])
    steps = escalation.steps(process, owed_now[process.id], world.clock.now())
    assert [s.status for s in steps] == [escalation.StepStatus.DONE] * len(steps)
    assert [s.kind for s in steps].count(escalation.StepKind.SUPERVISION_REVIEW) == 3


async def test_the_timeline_shows_what_is_overdue(auth: Authority) -> None:
    process = await confirmed(auth)
    auth.world.clock.set(datetime(2026, 12, 31, 9, tzinfo=UTC))  # assurance was due on the 30th
    async with auth.world.session_factory() as s:
        owed = await escalation.obligations_of(s, [process])
    steps = {
        (s.kind, s.number): s
        for s in escalation.steps(process, owed[process.id], auth.world.clock.now())
    }
    S = escalation.StepStatus
    K = escalation.StepKind
    assert steps[(K.MODERATION, None)].status is S.DONE
    assert steps[(K.MODERATION, None)].done_by_id == auth.qa_lead.id
    assert steps[(K.TELL_HEAD_OF_SERVICE, None)].status is S.DONE
    assert steps[(K.ASSURANCE, None)].status is S.OVERDUE
    assert steps[(K.OTHER_CASES_REVIEW, None)].status is S.DUE
    assert steps[(K.SUPERVISION_REVIEW, 1)].status is S.NOT_YET
    assert steps[(K.DESK_TOP_AUDIT, None)].status is S.NOT_YET


# --- catching up -----------------------------------------------------------------------------


async def test_an_inadequate_event_without_a_process_is_caught_up_once(auth: Authority) -> None:
    audit_id = await inadequate_audit(auth)
    # As an older release left it: the event recorded, no process started.
    async with auth.world.session_factory() as s, s.begin():
        await s.execute(delete(Obligation).where(Obligation.kind == ObligationKind.MODERATION_DUE))
        await s.execute(delete(InadequateEscalation))
        event = await s.scalar(select(DomainEvent).where(DomainEvent.object_id == audit_id))
        assert event is not None
        event.processed_at = None
    async with auth.world.session_factory() as s, s.begin():
        started = await escalation.catch_up(session=s, clock=auth.world.clock)
    assert started == 1
    process = await process_of(auth.world, audit_id)
    assert process.stage is EscalationStage.MODERATION
    assert process.audit_completed_at == COMPLETED_AT
    async with auth.world.session_factory() as s, s.begin():
        assert await escalation.catch_up(session=s, clock=auth.world.clock) == 0
