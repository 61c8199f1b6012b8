"""The compliments and complaints register, and complaints through the statutory children's
procedure (DOMAIN.md, Timescales): stage 1 answered within 10 working days (extendable to 20),
stage 2 within 25 (extendable to 65), the stage 3 review panel within 30 working days of the
request; each stage's response an obligation of the responsible Head of Service or a named
responder. Refusals for steps out of turn and for people outside the register.

A parent's complaint about team A of Children's Social Care arrives on Thursday 24 December
2026: Friday 25 is Christmas Day, Monday 28 the substitute Boxing Day bank holiday and
Friday 1 January 2027 New Year's Day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from domain.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from domain.deadlines.calendar import WorkingCalendar, end_of_day
from domain.deadlines.models import Obligation, ObligationKind, ObligationState
from domain.feedback import service as feedback
from domain.feedback.models import ComplaintFinding, ComplaintStage, ComplaintStatus
from domain.history import service as history
from domain.history.models import HistoryEntry
from domain.reminders.about import Subject
from domain.reminders.sweep import Named, step
from tests.conftest import World, at
from tests.domain.audits.helpers import Authority, act
from tests.domain.feedback.helpers import POLICY, complaint, compliment, details, owed

RECEIVED = date(2026, 12, 24)
STAGE_1_DUE = date(2027, 1, 12)  # 10 working days: 29, 30, 31 Dec, 4-8 Jan, 11, 12 Jan


@pytest.fixture
def founded_at() -> datetime:
    """The seeded authority (`auth`) is set up at this moment."""
    return datetime(2026, 12, 24, 15, tzinfo=UTC)


async def _stages(world: World, record_id: object) -> dict[int, ComplaintStage]:
    async with world.session_factory() as s:
        rows = await s.scalars(
            select(ComplaintStage).where(ComplaintStage.feedback_id == record_id)
        )
        return {r.stage: r for r in rows}


def test_the_calendar_agrees_with_the_stage_1_date() -> None:
    assert WorkingCalendar(closures=frozenset()).working_days_after(RECEIVED, 10) == STAGE_1_DUE


def test_every_complaint_obligation_has_plain_reminder_wording() -> None:
    for kind in (
        ObligationKind.COMPLAINT_STAGE1_DUE,
        ObligationKind.COMPLAINT_STAGE2_DUE,
        ObligationKind.COMPLAINT_STAGE3_PANEL_DUE,
    ):
        obligation = Obligation(kind=kind, key="k", due_at=end_of_day(STAGE_1_DUE))
        said = step(Named(obligation, Subject(received_on=RECEIVED), "case C-1"))
        assert "complaint received on Thursday 24 December 2026 about case C-1" in said


async def test_a_complaint_is_answered_at_stage_1_within_ten_working_days(auth: Authority) -> None:
    record = await complaint(auth, auth.team_a, RECEIVED)
    assert record.status is ComplaintStatus.STAGE_1
    assert record.service_id == auth.csc.id  # the team's service
    assert record.responder_id == auth.hos_csc.id  # the Head of Service of the service concerned
    stage_1 = (await _stages(auth.world, record.id))[1]
    assert (stage_1.started_on, stage_1.due_on) == (RECEIVED, STAGE_1_DUE)
    ob = (await owed(auth.world, record.id))["COMPLAINT_STAGE1_DUE"]
    assert ob.owner_id == auth.hos_csc.id
    assert ob.due_at == end_of_day(STAGE_1_DUE)
    assert ob.state is ObligationState.OPEN


async def test_stage_1_is_extended_to_twenty_working_days_once_with_a_reason(
    auth: Authority,
) -> None:
    record = await complaint(auth, auth.team_a, RECEIVED)
    hos = auth.actor(auth.hos_csc)
    with pytest.raises(InvalidInput):
        await act(
            auth.world,
            feedback.extend_stage,
            hos,
            feedback_id=record.id,
            reason=" ",
            policy_settings=POLICY,
        )
    await act(
        auth.world,
        feedback.extend_stage,
        hos,
        feedback_id=record.id,
        reason="The worker who holds the records is on leave until 4 January.",
        policy_settings=POLICY,
    )
    extended = date(2027, 1, 26)  # 20 working days after 24 December
    assert (await _stages(auth.world, record.id))[1].due_on == extended
    assert (await owed(auth.world, record.id))["COMPLAINT_STAGE1_DUE"].due_at == end_of_day(
        extended
    )
    with pytest.raises(Conflict, match="already been extended once"):
        await act(
            auth.world,
            feedback.extend_stage,
            hos,
            feedback_id=record.id,
            reason="Again.",
            policy_settings=POLICY,
        )


async def test_a_complaint_goes_through_all_three_stages(auth: Authority) -> None:
    world = auth.world
    record = await complaint(auth, auth.team_a, RECEIVED)
    hos = auth.actor(auth.hos_csc)
    world.clock.set(at(date(2027, 1, 8)))
    await act(
        world,
        feedback.respond,
        hos,
        feedback_id=record.id,
        finding=ComplaintFinding.PARTLY_UPHELD,
        response="Apology given; review dates now sent by letter.",
        learning=None,
    )
    ob1 = (await owed(world, record.id))["COMPLAINT_STAGE1_DUE"]
    assert ob1.state is ObligationState.DONE and ob1.closed_by_id == auth.hos_csc.id

    # The parent asks for stage 2 on Monday 11 January: 25 working days, 65 when extended.
    world.clock.set(at(date(2027, 1, 11)))
    await act(
        world,
        feedback.escalate,
        auth.actor(auth.qa_lead),
        feedback_id=record.id,
        requested_on=date(2027, 1, 11),
        responder_id=None,
        policy_settings=POLICY,
    )
    stage_2 = (await _stages(world, record.id))[2]
    assert stage_2.due_on == date(2027, 2, 15)
    ob2 = (await owed(world, record.id))["COMPLAINT_STAGE2_DUE"]
    assert ob2.due_at == end_of_day(date(2027, 2, 15)) and ob2.owner_id == auth.hos_csc.id
    await act(
        world,
        feedback.extend_stage,
        hos,
        feedback_id=record.id,
        reason="An independent investigator is appointed.",
        policy_settings=POLICY,
    )
    # 65 working days after 11 January 2027, skipping Good Friday and Easter Monday.
    assert (await _stages(world, record.id))[2].due_on == date(2027, 4, 14)
    world.clock.set(at(date(2027, 3, 1)))
    await act(
        world,
        feedback.respond,
        hos,
        feedback_id=record.id,
        finding=ComplaintFinding.NOT_UPHELD,
        response="Adjudication sent.",
        learning="Tell families review dates in writing.",
    )

    # Stage 3: the panel within 30 working days of the request.
    world.clock.set(at(date(2027, 3, 3)))
    await act(
        world,
        feedback.escalate,
        hos,
        feedback_id=record.id,
        requested_on=None,
        responder_id=auth.aed.id,
        policy_settings=POLICY,
    )
    stage_3 = (await _stages(world, record.id))[3]
    assert (stage_3.started_on, stage_3.due_on) == (date(2027, 3, 3), date(2027, 4, 16))
    ob3 = (await owed(world, record.id))["COMPLAINT_STAGE3_PANEL_DUE"]
    assert ob3.owner_id == auth.aed.id and ob3.due_at == end_of_day(date(2027, 4, 16))
    with pytest.raises(Conflict):  # the panel is not extended
        await act(
            world,
            feedback.extend_stage,
            hos,
            feedback_id=record.id,
            reason="More time.",
            policy_settings=POLICY,
        )
    world.clock.set(at(date(2027, 4, 1)))
    done = await act(
        world,
        feedback.record_panel,
        auth.actor(auth.aed),
        feedback_id=record.id,
        held_on=date(2027, 3, 31),
        finding=ComplaintFinding.NOT_UPHELD,
        recommendations="No further action; letters template changed.",
        learning=None,
    )
    assert done.status is ComplaintStatus.CLOSED and done.closed_at is not None
    assert done.outcome == "No further action; letters template changed."
    assert done.learning == "Tell families review dates in writing."
    assert all(o.state is ObligationState.DONE for o in (await owed(world, record.id)).values())
    async with world.session_factory() as s:
        actions = list(
            await s.scalars(
                select(HistoryEntry.action)
                .where(HistoryEntry.object_id == record.id)
                .order_by(HistoryEntry.id)
            )
        )
    assert actions == [
        "feedback.complaint_recorded",
        "feedback.complaint_responded",
        "feedback.complaint_escalated",
        "feedback.stage_extended",
        "feedback.complaint_responded",
        "feedback.complaint_escalated",
        "feedback.panel_held",
    ]


async def test_steps_out_of_turn_are_refused(auth: Authority) -> None:
    world = auth.world
    record = await complaint(auth, auth.team_a, RECEIVED)
    qa = auth.actor(auth.qa_lead)
    with pytest.raises(Conflict, match="waiting for the stage 1 response"):
        await act(
            world,
            feedback.escalate,
            qa,
            feedback_id=record.id,
            requested_on=None,
            responder_id=None,
            policy_settings=POLICY,
        )
    with pytest.raises(Conflict):
        await act(world, feedback.close, qa, feedback_id=record.id, learning=None)
    with pytest.raises(Conflict):
        await act(
            world,
            feedback.record_panel,
            qa,
            feedback_id=record.id,
            held_on=RECEIVED,
            finding=ComplaintFinding.UPHELD,
            recommendations="x",
            learning=None,
        )
    await act(
        world,
        feedback.respond,
        qa,
        feedback_id=record.id,
        finding=ComplaintFinding.UPHELD,
        response="Apology.",
        learning=None,
    )
    with pytest.raises(Conflict):  # no second response before an escalation
        await act(
            world,
            feedback.respond,
            qa,
            feedback_id=record.id,
            finding=ComplaintFinding.UPHELD,
            response="Again.",
            learning=None,
        )
    await act(world, feedback.close, qa, feedback_id=record.id, learning="Apologise early.")
    with pytest.raises(Conflict, match="closed"):
        await act(
            world,
            feedback.escalate,
            qa,
            feedback_id=record.id,
            requested_on=None,
            responder_id=None,
            policy_settings=POLICY,
        )
    praise = await compliment(auth, auth.team_a, RECEIVED)
    with pytest.raises(Conflict, match="compliment"):
        await act(
            world,
            feedback.respond,
            qa,
            feedback_id=praise.id,
            finding=ComplaintFinding.UPHELD,
            response="x",
            learning=None,
        )


async def test_withdrawing_a_complaint_cancels_what_was_owed(auth: Authority) -> None:
    record = await complaint(auth, auth.team_a, RECEIVED)
    gone = await act(
        auth.world,
        feedback.withdraw,
        auth.actor(auth.hos_csc),
        feedback_id=record.id,
        reason="Resolved informally with the team manager.",
    )
    assert gone.status is ComplaintStatus.WITHDRAWN
    ob = (await owed(auth.world, record.id))["COMPLAINT_STAGE1_DUE"]
    assert ob.state is ObligationState.CANCELLED
    with pytest.raises(Conflict, match="withdrawn"):
        await act(
            auth.world,
            feedback.withdraw,
            auth.actor(auth.hos_csc),
            feedback_id=record.id,
            reason="Again.",
        )


async def test_a_named_responder_owes_the_response_and_may_record_it(auth: Authority) -> None:
    record = await complaint(auth, auth.team_a, RECEIVED, responder=auth.tm_b)
    assert (await owed(auth.world, record.id))["COMPLAINT_STAGE1_DUE"].owner_id == auth.tm_b.id
    answered = await act(
        auth.world,
        feedback.respond,
        auth.actor(auth.tm_b),
        feedback_id=record.id,
        finding=ComplaintFinding.NOT_UPHELD,
        response="Explained the decision.",
        learning=None,
    )
    assert answered.status is ComplaintStatus.STAGE_1_RESPONDED


async def test_a_record_is_about_a_team_or_a_service(auth: Authority) -> None:
    qa = auth.actor(auth.qa_lead)
    with pytest.raises(InvalidInput, match="team or service"):
        await act(
            auth.world,
            feedback.record_compliment,
            qa,
            details=feedback.FeedbackDetails(
                received_on=RECEIVED,
                source=details(auth.team_a, RECEIVED).source,
                category=details(auth.team_a, RECEIVED).category,
                summary="Thanks.",
            ),
        )
    with pytest.raises(InvalidInput, match="not in that service"):
        await act(
            auth.world,
            feedback.record_compliment,
            qa,
            details=feedback.FeedbackDetails(
                received_on=RECEIVED,
                source=details(auth.team_a, RECEIVED).source,
                category=details(auth.team_a, RECEIVED).category,
                summary="Thanks.",
                service_id=auth.ff.id,
                team_id=auth.team_a.id,
            ),
        )
    with pytest.raises(InvalidInput, match="future"):
        await compliment(auth, auth.team_a, date(2026, 12, 25))
    whole = await act(
        auth.world,
        feedback.record_compliment,
        qa,
        details=feedback.FeedbackDetails(
            received_on=RECEIVED,
            source=details(auth.team_a, RECEIVED).source,
            category=details(auth.team_a, RECEIVED).category,
            summary="Thanks to the whole service.",
            service_id=auth.ff.id,
        ),
    )
    assert (whole.service_id, whole.team_id) == (auth.ff.id, None)


# --- who sees and records ----------------------------------------------------------------------

SEES = {
    "dcs": {"A", "B", "C"},
    "aed": {"A", "B", "C"},
    "qa_lead": {"A", "B", "C"},
    "hos_csc": {"A", "B"},
    "gm": {"A", "B"},
    "hos_ff": {"C"},
    "tm_a": {"A"},
    "tm_b": {"B"},
    "ann": set(),
    "bob": set(),
    "psw": set(),
    "iro": set(),
    "qau": set(),
    "admin": set(),
    "partner": set(),
}


async def test_who_sees_which_records(auth: Authority) -> None:
    made = {
        "A": await complaint(auth, auth.team_a, RECEIVED),
        "B": await compliment(auth, auth.team_b, RECEIVED),
        "C": await complaint(auth, auth.team_c, RECEIVED),
    }
    names = {r.id: name for name, r in made.items()}
    for person, expected in SEES.items():
        async with auth.world.session_factory() as s:
            page = await feedback.list_feedback(
                session=s,
                actor=auth.actor(auth.person(person)),
                filters=feedback.FeedbackFilter(),
                first=None,
                after=None,
            )
        assert {names[r.id] for r in page.items} == expected, person


RECORDS_IN_CSC = {"dcs", "aed", "qa_lead", "hos_csc", "gm"}


@pytest.mark.parametrize("person", sorted(SEES))
async def test_who_records_a_complaint_about_team_a(auth: Authority, person: str) -> None:
    actor = auth.actor(auth.person(person))
    if person in RECORDS_IN_CSC:
        made = await complaint(auth, auth.team_a, RECEIVED, by=auth.person(person))
        assert made.recorded_by_id == auth.person(person).id
    else:
        with pytest.raises(NotAllowed):
            await act(
                auth.world,
                feedback.record_complaint,
                actor,
                details=details(auth.team_a, RECEIVED),
                responder_id=None,
                policy_settings=POLICY,
            )


async def test_outside_the_register_a_complaint_reads_as_not_found(auth: Authority) -> None:
    record = await complaint(auth, auth.team_a, RECEIVED)
    for person in (auth.bob, auth.admin, auth.hos_ff, auth.partner):
        with pytest.raises(NotFound):
            await act(
                auth.world,
                feedback.respond,
                auth.actor(person),
                feedback_id=record.id,
                finding=ComplaintFinding.UPHELD,
                response="x",
                learning=None,
            )
    # The team's manager sees it, but the response is the service's.
    with pytest.raises(NotAllowed):
        await act(
            auth.world,
            feedback.respond,
            auth.actor(auth.tm_a),
            feedback_id=record.id,
            finding=ComplaintFinding.UPHELD,
            response="x",
            learning=None,
        )
    with pytest.raises(NotAllowed):
        async with auth.world.session_factory() as s:
            await feedback.trends(
                session=s, actor=auth.actor(auth.bob), since=RECEIVED, until=RECEIVED
            )


async def test_an_administrator_reads_no_history_of_the_register(auth: Authority) -> None:
    record = await complaint(auth, auth.team_a, RECEIVED)
    flt = history.HistoryFilter(object_id=record.id)
    async with auth.world.session_factory() as s:
        mine = await history.count_history(session=s, actor=auth.actor(auth.admin), filters=flt)
        qa = await history.count_history(session=s, actor=auth.actor(auth.qa_lead), filters=flt)
    assert (mine, qa) == (0, 1)
