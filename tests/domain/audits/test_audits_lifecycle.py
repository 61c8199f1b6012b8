"""One audit's life: planned, in progress, submitted, completed (or cancelled); what the
auditor records and how it is checked; the practitioner's reflections; amendments; templates
and their versions; the Inadequate event; moderation; and who may audit what."""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from domain.audits import reference
from domain.audits import service as audits
from domain.audits.kinds import Agreement, AuditKind, AuditStatus, Grade, ModerationOutcome
from domain.audits.models import Audit, AuditTemplate, Moderation, Theme
from domain.audits.templates import FULL
from domain.core.clock import local_today
from domain.core.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from domain.core.roles import SYSTEM
from domain.escalation.models import EscalationStage, InadequateEscalation
from domain.events.models import DomainEvent
from tests.conftest import World
from tests.domain.audits.helpers import (
    INADEQUATE_EVENT,
    Authority,
    act,
    advance,
    count_rows,
    full_record,
    history_of,
    inadequate_events,
    load,
    moderate_as_qa_lead,
    plan,
    template_of,
    uow,
)


async def _case_file(auth: Authority, to: AuditStatus = AuditStatus.PLANNED, **kw: Any) -> Audit:
    """The PSW's case file audit of one of Bob's cases (team A), taken to `to`."""
    audit = await plan(auth.world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[0])
    if to is AuditStatus.PLANNED:
        return await load(auth.world, audit.id)
    return await advance(auth.world, auth.actor(auth.psw), audit.id, to, **kw)


async def _do(auth: Authority, operation: str, who: str, audit_id: uuid.UUID) -> None:
    actor = auth.actor(auth.person(who))
    world = auth.world
    match operation:
        case "start":
            await act(world, audits.start_audit, actor, audit_id=audit_id)
        case "save":
            record = audits.AuditRecord(overall_rationale="A second look.")
            await act(world, audits.save_audit, actor, audit_id=audit_id, record=record)
        case "submit":
            await act(world, audits.submit_audit, actor, audit_id=audit_id)
        case "complete":
            await act(world, audits.complete_audit, actor, audit_id=audit_id)
        case "reopen":
            await act(world, audits.reopen_audit, actor, audit_id=audit_id)
        case "cancel":
            await act(world, audits.cancel_audit, actor, audit_id=audit_id, reason="Not needed.")
        case _:
            raise AssertionError(operation)


# --- the lifecycle -----------------------------------------------------------------------------


async def test_an_audit_goes_from_planned_to_in_progress_to_submitted_to_completed(
    auth: Authority, world: World
) -> None:
    psw = auth.actor(auth.psw)
    audit = await _case_file(auth)
    assert audit.status is AuditStatus.PLANNED
    assert audit.team_id == auth.team_a.id and audit.subject_practitioner_id == auth.bob.id

    world.clock.advance(timedelta(hours=1))
    started = await act(world, audits.start_audit, psw, audit_id=audit.id)
    assert started.status is AuditStatus.IN_PROGRESS
    assert started.started_at == world.clock.now()

    world.clock.advance(timedelta(hours=1))
    record = full_record(await template_of(world, audit.id), today=local_today(world.clock))
    await act(world, audits.save_audit, psw, audit_id=audit.id, record=record)
    submitted = await act(world, audits.submit_audit, psw, audit_id=audit.id)
    assert submitted.status is AuditStatus.SUBMITTED
    assert submitted.submitted_at == world.clock.now()

    world.clock.advance(timedelta(days=1))
    await act(world, audits.complete_audit, psw, audit_id=audit.id)
    done = await load(world, audit.id)
    assert done.status is AuditStatus.COMPLETED
    assert done.completed_at == world.clock.now()
    assert done.overall_grade is Grade.GOOD
    assert {g.section_key: g.grade for g in done.section_grades} == {
        "recording": Grade.GOOD,
        "practice": Grade.GOOD,
        "management_oversight": Grade.GOOD,
        "child_experience": Grade.GOOD,
    }
    assert done.answers["safer_scale"] == 7


@pytest.mark.parametrize(
    "stage", [AuditStatus.PLANNED, AuditStatus.IN_PROGRESS, AuditStatus.SUBMITTED]
)
async def test_an_open_audit_is_cancelled_with_a_reason(
    auth: Authority, world: World, stage: AuditStatus
) -> None:
    audit = await _case_file(auth, stage)
    with pytest.raises(InvalidInput) as refused:
        await act(world, audits.cancel_audit, auth.actor(auth.aed), audit_id=audit.id, reason=" ")
    assert refused.value.field == "reason"
    assert (await load(world, audit.id)).status is stage

    await act(
        world,
        audits.cancel_audit,
        auth.actor(auth.aed),
        audit_id=audit.id,
        reason="The case closed before the audit.",
    )
    cancelled = await load(world, audit.id)
    assert cancelled.status is AuditStatus.CANCELLED
    assert cancelled.cancel_reason == "The case closed before the audit."
    assert cancelled.cancelled_at == world.clock.now()


@pytest.mark.parametrize("who", ["tm_a", "bob", "gm"])
async def test_only_a_planner_or_the_auditor_cancels_an_audit(
    auth: Authority, world: World, who: str
) -> None:
    audit = await _case_file(auth, AuditStatus.IN_PROGRESS)
    with pytest.raises(NotAllowed):
        await _do(auth, "cancel", who, audit.id)
    assert (await load(world, audit.id)).status is AuditStatus.IN_PROGRESS
    await _do(auth, "cancel", "psw", audit.id)
    assert (await load(world, audit.id)).status is AuditStatus.CANCELLED


@pytest.mark.parametrize(
    ("stage", "operation"),
    [
        (AuditStatus.PLANNED, "submit"),
        (AuditStatus.PLANNED, "complete"),
        (AuditStatus.PLANNED, "reopen"),
        (AuditStatus.PLANNED, "save"),
        (AuditStatus.IN_PROGRESS, "start"),
        (AuditStatus.IN_PROGRESS, "complete"),
        (AuditStatus.IN_PROGRESS, "reopen"),
        (AuditStatus.SUBMITTED, "start"),
        (AuditStatus.SUBMITTED, "submit"),
        (AuditStatus.SUBMITTED, "save"),
        (AuditStatus.COMPLETED, "start"),
        (AuditStatus.COMPLETED, "submit"),
        (AuditStatus.COMPLETED, "complete"),
        (AuditStatus.COMPLETED, "reopen"),
        (AuditStatus.COMPLETED, "cancel"),
        (AuditStatus.COMPLETED, "save"),
        (AuditStatus.CANCELLED, "start"),
        (AuditStatus.CANCELLED, "submit"),
        (AuditStatus.CANCELLED, "complete"),
        (AuditStatus.CANCELLED, "reopen"),
        (AuditStatus.CANCELLED, "cancel"),
        (AuditStatus.CANCELLED, "save"),
    ],
)
async def test_a_step_the_lifecycle_does_not_allow_is_refused_and_changes_nothing(
    auth: Authority, world: World, stage: AuditStatus, operation: str
) -> None:
    audit = await _case_file(auth, stage)
    with pytest.raises(Conflict) as refused:
        await _do(auth, operation, "psw", audit.id)
    assert refused.value.field == "status"
    after = await load(world, audit.id)
    assert (after.status, after.template_id, after.updated_at) == (
        stage,
        audit.template_id,
        audit.updated_at,
    )


@pytest.mark.parametrize(
    ("operation", "stage"),
    [
        ("start", AuditStatus.PLANNED),
        ("save", AuditStatus.IN_PROGRESS),
        ("submit", AuditStatus.IN_PROGRESS),
        ("complete", AuditStatus.SUBMITTED),
        ("reopen", AuditStatus.SUBMITTED),
    ],
)
@pytest.mark.parametrize("who", ["qa_lead", "tm_a", "bob"])
async def test_only_the_auditor_starts_saves_submits_reopens_and_completes_an_audit(
    auth: Authority, world: World, operation: str, stage: AuditStatus, who: str
) -> None:
    audit = await _case_file(auth, stage)
    if operation == "submit":
        psw = auth.actor(auth.psw)
        record = full_record(await template_of(world, audit.id), today=local_today(world.clock))
        await act(world, audits.save_audit, psw, audit_id=audit.id, record=record)
    with pytest.raises(NotAllowed):
        await _do(auth, operation, who, audit.id)
    assert (await load(world, audit.id)).status is stage
    await _do(auth, operation, "psw", audit.id)


async def test_someone_who_cannot_see_an_audit_is_told_it_does_not_exist(
    auth: Authority,
) -> None:
    audit = await _case_file(auth)
    with pytest.raises(NotFound):
        await _do(auth, "start", "cat", audit.id)


def _without(record: audits.AuditRecord, missing: str) -> audits.AuditRecord:
    record = copy.deepcopy(record)
    if missing.startswith("answers."):
        assert record.answers is not None
        del record.answers[missing.removeprefix("answers.")]
    elif missing.startswith("sectionGrades."):
        assert record.section_grades is not None
        key = missing.removeprefix("sectionGrades.")
        record.section_grades = [g for g in record.section_grades if g.section_key != key]
    elif missing == "overallGrade":
        record.overall_grade = None
    elif missing == "overallRationale":
        record.overall_rationale = None
    elif missing == "conversationDate":
        record.conversation_date = None
    else:
        raise AssertionError(missing)
    return record


@pytest.mark.parametrize(
    "missing",
    [
        "answers.visits_in_timescale",
        "answers.working_well",
        "answers.safer_scale",
        "sectionGrades.management_oversight",
        "sectionGrades.child_experience",
        "overallGrade",
        "overallRationale",
        "conversationDate",
    ],
)
async def test_submitting_an_incomplete_audit_is_refused_naming_what_is_missing(
    auth: Authority, world: World, missing: str
) -> None:
    psw = auth.actor(auth.psw)
    audit = await _case_file(auth, AuditStatus.IN_PROGRESS)
    record = full_record(await template_of(world, audit.id), today=local_today(world.clock))
    await act(world, audits.save_audit, psw, audit_id=audit.id, record=_without(record, missing))
    with pytest.raises(InvalidInput) as refused:
        await act(world, audits.submit_audit, psw, audit_id=audit.id)
    assert refused.value.field == missing
    assert (await load(world, audit.id)).status is AuditStatus.IN_PROGRESS


async def test_a_section_grade_without_a_rationale_is_refused(
    auth: Authority, world: World
) -> None:
    audit = await _case_file(auth, AuditStatus.IN_PROGRESS)
    record = audits.AuditRecord(
        section_grades=[
            audits.SectionGradeInput("recording", Grade.GOOD, "Clear and current."),
            audits.SectionGradeInput("practice", Grade.GOOD, "   "),
        ]
    )
    with pytest.raises(InvalidInput) as refused:
        await act(world, audits.save_audit, auth.actor(auth.psw), audit_id=audit.id, record=record)
    assert refused.value.field == "sectionGrades[1].rationale"
    assert (await load(world, audit.id)).section_grades == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("safer_scale", 11),
        ("safer_scale", -1),
        ("safer_scale", 6.5),
        ("safer_scale", "7"),
        ("safer_scale", True),
        ("plan_smart", "MAYBE"),
        ("plan_smart", True),
        ("working_well", 42),
        ("no_such_question", "YES"),
    ],
)
async def test_answers_are_checked_by_type_and_range_and_a_wrong_one_saves_nothing(
    auth: Authority, world: World, key: str, value: Any
) -> None:
    psw = auth.actor(auth.psw)
    audit = await _case_file(auth, AuditStatus.IN_PROGRESS)
    first = audits.AuditRecord(answers={"plan_smart": "YES"})
    await act(world, audits.save_audit, psw, audit_id=audit.id, record=first)
    second = audits.AuditRecord(
        answers={"recording_up_to_date": "NO", key: value},
        overall_grade=Grade.REQUIRES_IMPROVEMENT,
    )
    with pytest.raises(InvalidInput) as refused:
        await act(world, audits.save_audit, psw, audit_id=audit.id, record=second)
    assert refused.value.field == f"answers.{key}"
    after = await load(world, audit.id)
    assert after.answers == {"plan_smart": "YES"}
    assert after.overall_grade is None


async def test_a_scaling_answer_may_be_anything_from_0_to_10(auth: Authority, world: World) -> None:
    psw = auth.actor(auth.psw)
    audit = await _case_file(auth, AuditStatus.IN_PROGRESS)
    for value in (0, 10):
        record = audits.AuditRecord(answers={"safer_scale": value})
        await act(world, audits.save_audit, psw, audit_id=audit.id, record=record)
        assert (await load(world, audit.id)).answers == {"safer_scale": value}


async def test_the_conversation_with_the_practitioner_cannot_be_dated_in_the_future(
    auth: Authority, world: World
) -> None:
    audit = await _case_file(auth, AuditStatus.IN_PROGRESS)
    record = audits.AuditRecord(conversation_date=local_today(world.clock) + timedelta(days=1))
    with pytest.raises(InvalidInput) as refused:
        await act(world, audits.save_audit, auth.actor(auth.psw), audit_id=audit.id, record=record)
    assert refused.value.field == "conversationDate"


async def test_a_submitted_audit_is_reopened_by_its_auditor_changed_and_submitted_again(
    auth: Authority, world: World
) -> None:
    psw = auth.actor(auth.psw)
    audit = await _case_file(auth, AuditStatus.SUBMITTED)
    reopened = await act(world, audits.reopen_audit, psw, audit_id=audit.id)
    assert reopened.status is AuditStatus.IN_PROGRESS
    record = audits.AuditRecord(
        overall_grade=Grade.OUTSTANDING, overall_rationale="The child's plan is transformative."
    )
    await act(world, audits.save_audit, psw, audit_id=audit.id, record=record)
    await act(world, audits.submit_audit, psw, audit_id=audit.id)
    again = await load(world, audit.id)
    assert again.status is AuditStatus.SUBMITTED
    assert again.overall_grade is Grade.OUTSTANDING


@pytest.mark.parametrize("stage", [AuditStatus.IN_PROGRESS, AuditStatus.SUBMITTED])
async def test_the_practitioner_whose_case_it_is_adds_reflections_and_agreement(
    auth: Authority, world: World, stage: AuditStatus
) -> None:
    audit = await _case_file(auth, stage)
    await act(
        world,
        audits.add_reflections,
        auth.actor(auth.bob),
        audit_id=audit.id,
        reflections="I had not seen how the chronology reads to the family.",
        agreement=Agreement.PARTLY_AGREE,
    )
    after = await load(world, audit.id)
    assert after.practitioner_reflections == (
        "I had not seen how the chronology reads to the family."
    )
    assert after.practitioner_agreement is Agreement.PARTLY_AGREE


@pytest.mark.parametrize(
    ("who", "error"),
    [("tm_a", NotAllowed), ("psw", NotAllowed), ("qa_lead", NotAllowed), ("ann", NotFound)],
)
async def test_nobody_but_that_practitioner_adds_reflections(
    auth: Authority, world: World, who: str, error: type[DomainError]
) -> None:
    audit = await _case_file(auth, AuditStatus.IN_PROGRESS)
    with pytest.raises(error):
        await act(
            world,
            audits.add_reflections,
            auth.actor(auth.person(who)),
            audit_id=audit.id,
            reflections="Speaking for Bob.",
            agreement=Agreement.AGREE,
        )
    after = await load(world, audit.id)
    assert after.practitioner_reflections is None and after.practitioner_agreement is None


async def test_a_completed_audit_is_changed_only_by_an_amendment_with_a_reason(
    auth: Authority, world: World
) -> None:
    psw = auth.actor(auth.psw)
    audit = await _case_file(auth, AuditStatus.COMPLETED)
    change = audits.AuditRecord(overall_rationale="Overall good; visits are now weekly.")
    with pytest.raises(Conflict):
        await act(world, audits.save_audit, psw, audit_id=audit.id, record=change)
    with pytest.raises(InvalidInput) as refused:
        await act(world, audits.amend_audit, psw, audit_id=audit.id, record=change, reason="")
    assert refused.value.field == "reason"
    with pytest.raises(NotAllowed):
        await act(
            world,
            audits.amend_audit,
            auth.actor(auth.tm_a),
            audit_id=audit.id,
            record=change,
            reason="The manager disagrees.",
        )
    assert (await load(world, audit.id)).overall_rationale == "Overall the work is GOOD."

    await act(
        world,
        audits.amend_audit,
        psw,
        audit_id=audit.id,
        record=change,
        reason="The visit log was updated after the audit.",
    )
    after = await load(world, audit.id)
    assert after.status is AuditStatus.COMPLETED
    assert after.overall_rationale == "Overall good; visits are now weekly."
    [entry] = await history_of(world, audit.id, "audit.amended")
    assert entry.changes["reason"] == "The visit log was updated after the audit."
    assert entry.changes["overall_rationale"] == [
        "Overall the work is GOOD.",
        "Overall good; visits are now weekly.",
    ]
    assert entry.actor_id == auth.psw.id

    with pytest.raises(InvalidInput):
        await act(world, audits.amend_audit, psw, audit_id=audit.id, record=change, reason="Again.")


async def test_amending_a_completed_audit_to_inadequate_starts_the_inadequate_process(
    auth: Authority, world: World
) -> None:
    audit = await _case_file(auth, AuditStatus.COMPLETED)
    assert await inadequate_events(world, audit.id) == []
    await act(
        world,
        audits.amend_audit,
        auth.actor(auth.qa_lead),
        audit_id=audit.id,
        record=audits.AuditRecord(
            overall_grade=Grade.INADEQUATE, overall_rationale="The child was not seen."
        ),
        reason="Visits were recorded that did not happen.",
    )
    [event] = await inadequate_events(world, audit.id)
    assert event.payload["how"] == "amended"


# --- templates -----------------------------------------------------------------------------------


def _with_family_network() -> list[dict[str, Any]]:
    sections = copy.deepcopy(FULL)
    sections.append(
        {
            "key": "family_network",
            "title": "The family network",
            "graded": False,
            "questions": [
                {
                    "key": "family_network_used",
                    "text": "Has the family network been brought together?",
                    "type": "YES_NO_NA",
                    "required": True,
                }
            ],
        }
    )
    return sections


@pytest.mark.parametrize("who", ["aed", "tm_a", "psw", "bob"])
async def test_only_the_qa_lead_publishes_an_audit_template(
    auth: Authority, world: World, who: str
) -> None:
    with pytest.raises(NotAllowed):
        await act(
            world,
            reference.publish_template,
            auth.actor(auth.person(who)),
            kind=AuditKind.CASE_FILE,
            name="Case file audit 2027",
            sections=_with_family_network(),
        )
    published = await act(
        world,
        reference.publish_template,
        auth.actor(auth.qa_lead),
        kind=AuditKind.CASE_FILE,
        name="Case file audit 2027",
        sections=_with_family_network(),
    )
    assert published.version == 2


async def test_an_audit_keeps_the_template_version_it_was_started_with(
    auth: Authority, world: World
) -> None:
    psw = auth.actor(auth.psw)
    started_before = await _case_file(auth, AuditStatus.IN_PROGRESS)
    planned_before = await plan(world, AuditKind.CASE_FILE, auth.psw, auth.bob_children[1])
    await act(
        world,
        reference.publish_template,
        auth.actor(auth.qa_lead),
        kind=AuditKind.CASE_FILE,
        name="Case file audit 2027",
        sections=_with_family_network(),
        change_note="Family network question added.",
    )
    planned_after = await plan(world, AuditKind.CASE_FILE, auth.psw, auth.cat_children[0])
    for audit in (planned_before, planned_after):
        await act(world, audits.start_audit, psw, audit_id=audit.id)

    versions = [
        (await template_of(world, a.id)).version
        for a in (started_before, planned_before, planned_after)
    ]
    assert versions == [1, 2, 2]

    # The audit on version 1 is finished without the new question, and cannot be given it.
    with pytest.raises(InvalidInput) as refused:
        await act(
            world,
            audits.save_audit,
            psw,
            audit_id=started_before.id,
            record=audits.AuditRecord(answers={"family_network_used": "YES"}),
        )
    assert refused.value.field == "answers.family_network_used"
    assert (await advance(world, psw, started_before.id, AuditStatus.SUBMITTED)).status is (
        AuditStatus.SUBMITTED
    )

    # Those started on version 2 need it.
    v1_record = full_record(
        await template_of(world, started_before.id), today=local_today(world.clock)
    )
    await act(world, audits.save_audit, psw, audit_id=planned_after.id, record=v1_record)
    with pytest.raises(InvalidInput) as refused:
        await act(world, audits.submit_audit, psw, audit_id=planned_after.id)
    assert refused.value.field == "answers.family_network_used"


def _section(key: str = "practice", **changes: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "key": key,
        "title": "Quality of practice",
        "graded": True,
        "questions": [
            {"key": f"{key}_q", "text": "Is the plan working?", "type": "YES_NO_NA"},
        ],
    }
    section.update(changes)
    return section


@pytest.mark.parametrize(
    ("sections", "field"),
    [
        ([], "sections"),
        ({"key": "practice"}, "sections"),
        ([_section(), _section()], "sections[1].key"),
        ([_section("Practice Quality")], "sections[0].key"),
        ([_section(title="  ")], "sections[0].title"),
        ([_section(graded=False)], "sections"),
        (
            [_section(questions=[{"key": "q", "text": "Why?", "type": "ESSAY"}])],
            "sections[0].questions[0].type",
        ),
        (
            [_section(questions=[{"key": "q", "text": "", "type": "FREE_TEXT"}])],
            "sections[0].questions[0].text",
        ),
        (
            [
                _section("recording", questions=[{"key": "q", "text": "A?", "type": "GRADE"}]),
                _section("practice", questions=[{"key": "q", "text": "B?", "type": "GRADE"}]),
            ],
            "sections[1].questions[0].key",
        ),
        (["practice"], "sections[0]"),
    ],
)
async def test_a_malformed_template_is_refused_naming_the_fault(
    auth: Authority, world: World, sections: Any, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await act(
            world,
            reference.publish_template,
            auth.actor(auth.qa_lead),
            kind=AuditKind.CASE_FILE,
            name="Broken",
            sections=sections,
        )
    assert refused.value.field == field
    async with world.session_factory() as s:
        versions = list(
            await s.scalars(
                select(AuditTemplate.version).where(AuditTemplate.kind == AuditKind.CASE_FILE)
            )
        )
    assert versions == [1]


async def test_a_grade_question_refuses_an_answer_that_is_not_a_grade(
    auth: Authority, world: World
) -> None:
    sections: list[dict[str, Any]] = copy.deepcopy(FULL)
    sections[0]["questions"].append(
        {"key": "recording_grade", "text": "Grade the chronology.", "type": "GRADE"}
    )
    await act(
        world,
        reference.publish_template,
        auth.actor(auth.qa_lead),
        kind=AuditKind.CASE_FILE,
        name="Case file audit with a graded question",
        sections=sections,
    )
    audit = await _case_file(auth, AuditStatus.IN_PROGRESS)
    with pytest.raises(InvalidInput) as refused:
        await act(
            world,
            audits.save_audit,
            auth.actor(auth.psw),
            audit_id=audit.id,
            record=audits.AuditRecord(answers={"recording_grade": ["GOOD"]}),
        )
    assert refused.value.field == "answers.recording_grade"


# --- the Inadequate event ----------------------------------------------------------------------


async def test_completing_an_inadequate_audit_records_the_event_in_the_same_transaction(
    auth: Authority, world: World
) -> None:
    psw = auth.actor(auth.psw)
    audit = await _case_file(auth, AuditStatus.SUBMITTED, grade=Grade.INADEQUATE)

    # Completed but rolled back: neither the completion nor the event remains.
    async with world.session_factory() as s:
        await audits.complete_audit(session=s, actor=psw, clock=world.clock, audit_id=audit.id)
        seen = list(await s.scalars(select(DomainEvent).where(DomainEvent.object_id == audit.id)))
        assert [e.name for e in seen] == [INADEQUATE_EVENT]
        await s.rollback()
    assert await inadequate_events(world, audit.id) == []
    assert (await load(world, audit.id)).status is AuditStatus.SUBMITTED

    await act(world, audits.complete_audit, psw, audit_id=audit.id)
    [event] = await inadequate_events(world, audit.id)
    assert event.object_type == "Audit"
    assert event.payload["how"] == "completed"
    assert event.payload["child_id"] == str(auth.bob_children[0].id)
    assert event.payload["team_id"] == str(auth.team_a.id)
    assert event.occurred_at == world.clock.now()
    # The Inadequate process started in the same transaction, so the event is acted on.
    assert event.processed_at == world.clock.now()
    async with world.session_factory() as s:
        started = await s.scalar(
            select(InadequateEscalation).where(InadequateEscalation.audit_id == audit.id)
        )
    assert started is not None and started.stage is EscalationStage.MODERATION


@pytest.mark.parametrize("grade", [Grade.OUTSTANDING, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT])
async def test_completing_an_audit_that_is_not_inadequate_records_no_inadequate_event(
    auth: Authority, world: World, grade: Grade
) -> None:
    audit = await _case_file(
        auth,
        AuditStatus.COMPLETED,
        grade=grade,
        section_grades={"management_oversight": Grade.INADEQUATE},
    )
    assert audit.overall_grade is grade
    assert await inadequate_events(world, audit.id) == []


# --- moderation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["aed", "psw", "hos_csc", "tm_a"])
async def test_only_the_qa_lead_moderates(auth: Authority, world: World, who: str) -> None:
    audit = await _case_file(auth, AuditStatus.COMPLETED, grade=Grade.INADEQUATE)
    with pytest.raises(NotAllowed):
        await act(
            world,
            audits.moderate_audit,
            auth.actor(auth.person(who)),
            audit_id=audit.id,
            outcome=ModerationOutcome.CONFIRMED,
            reason="Agreed.",
        )
    assert await count_rows(world, Moderation) == 0


@pytest.mark.parametrize("stage", [AuditStatus.IN_PROGRESS, AuditStatus.SUBMITTED])
async def test_only_a_completed_audit_is_moderated(
    auth: Authority, world: World, stage: AuditStatus
) -> None:
    audit = await _case_file(auth, stage, grade=Grade.INADEQUATE)
    with pytest.raises(Conflict):
        await moderate_as_qa_lead(
            auth,
            audit_id=audit.id,
            outcome=ModerationOutcome.CONFIRMED,
            reason="Agreed.",
        )


async def test_nobody_moderates_their_own_audit(auth: Authority, world: World) -> None:
    qa = auth.actor(auth.qa_lead)
    audit = await plan(world, AuditKind.CASE_FILE, auth.qa_lead, auth.cat_children[0])
    await advance(world, qa, audit.id, AuditStatus.COMPLETED, grade=Grade.INADEQUATE)
    with pytest.raises(NotAllowed):
        await act(
            world,
            audits.moderate_audit,
            qa,
            audit_id=audit.id,
            outcome=ModerationOutcome.CONFIRMED,
            reason="I stand by it.",
        )


async def test_confirming_an_inadequate_audit_keeps_its_grade(
    auth: Authority, world: World
) -> None:
    audit = await _case_file(auth, AuditStatus.COMPLETED, grade=Grade.INADEQUATE)
    with pytest.raises(InvalidInput) as refused:
        await moderate_as_qa_lead(
            auth,
            audit_id=audit.id,
            outcome=ModerationOutcome.CONFIRMED,
            overall_grade=Grade.GOOD,
            reason="Agreed.",
        )
    assert refused.value.field == "outcome"

    moderation = await moderate_as_qa_lead(
        auth,
        audit_id=audit.id,
        outcome=ModerationOutcome.CONFIRMED,
        reason="The child was not seen for eleven weeks.",
    )
    assert moderation.outcome is ModerationOutcome.CONFIRMED
    assert (moderation.original_overall_grade, moderation.moderated_overall_grade) == (
        Grade.INADEQUATE,
        Grade.INADEQUATE,
    )
    after = await load(world, audit.id)
    assert after.overall_grade is Grade.INADEQUATE
    assert audits.effective_grade(after) is Grade.INADEQUATE
    assert all(g.moderated_grade is None for g in after.section_grades)
    # The process was started once, at completion; confirming does not start it again.
    assert len(await inadequate_events(world, audit.id)) == 1


async def test_regrading_keeps_the_auditors_grades_beside_the_moderated_ones(
    auth: Authority, world: World
) -> None:
    audit = await _case_file(auth, AuditStatus.COMPLETED, grade=Grade.INADEQUATE)
    moderation = await moderate_as_qa_lead(
        auth,
        audit_id=audit.id,
        outcome=ModerationOutcome.REGRADED,
        overall_grade=Grade.REQUIRES_IMPROVEMENT,
        section_grades={"practice": Grade.REQUIRES_IMPROVEMENT},
        reason="The child was seen; the visits were recorded late.",
    )
    assert moderation.section_grades == {"practice": ["INADEQUATE", "REQUIRES_IMPROVEMENT"]}
    after = await load(world, audit.id)
    assert after.overall_grade is Grade.INADEQUATE
    assert after.moderated_overall_grade is Grade.REQUIRES_IMPROVEMENT
    assert audits.effective_grade(after) is Grade.REQUIRES_IMPROVEMENT
    by_key = {g.section_key: g for g in after.section_grades}
    assert (by_key["practice"].grade, by_key["practice"].moderated_grade) == (
        Grade.INADEQUATE,
        Grade.REQUIRES_IMPROVEMENT,
    )
    assert by_key["recording"].moderated_grade is None
    [entry] = await history_of(world, audit.id, "audit.moderated")
    assert entry.changes["reason"] == "The child was seen; the visits were recorded late."


@pytest.mark.parametrize("outcome", [ModerationOutcome.CONFIRMED, ModerationOutcome.REGRADED])
async def test_a_moderation_needs_a_reason(
    auth: Authority, world: World, outcome: ModerationOutcome
) -> None:
    audit = await _case_file(auth, AuditStatus.COMPLETED, grade=Grade.INADEQUATE)
    with pytest.raises(InvalidInput) as refused:
        await moderate_as_qa_lead(
            auth,
            audit_id=audit.id,
            outcome=outcome,
            overall_grade=Grade.GOOD if outcome is ModerationOutcome.REGRADED else None,
            reason="   ",
        )
    assert refused.value.field == "reason"
    assert (await load(world, audit.id)).moderated_overall_grade is None


async def test_a_regrade_that_changes_no_grade_is_refused(auth: Authority, world: World) -> None:
    audit = await _case_file(auth, AuditStatus.COMPLETED, grade=Grade.GOOD)
    for overall, sections in ((None, None), (Grade.GOOD, {"practice": Grade.GOOD})):
        with pytest.raises(InvalidInput):
            await moderate_as_qa_lead(
                auth,
                audit_id=audit.id,
                outcome=ModerationOutcome.REGRADED,
                overall_grade=overall,
                section_grades=sections,
                reason="Looked again.",
            )
    after = await load(world, audit.id)
    assert after.moderated_overall_grade is None
    assert all(g.moderated_grade is None for g in after.section_grades)
    assert await count_rows(world, Moderation) == 0


async def test_regrading_a_good_audit_to_inadequate_starts_the_inadequate_process(
    auth: Authority, world: World
) -> None:
    audit = await _case_file(auth, AuditStatus.COMPLETED, grade=Grade.GOOD)
    assert await inadequate_events(world, audit.id) == []
    await moderate_as_qa_lead(
        auth,
        audit_id=audit.id,
        outcome=ModerationOutcome.REGRADED,
        overall_grade=Grade.INADEQUATE,
        reason="The child's voice is absent and risks were not assessed.",
    )
    [event] = await inadequate_events(world, audit.id)
    assert event.payload["how"] == "moderated"
    assert (await load(world, audit.id)).overall_grade is Grade.GOOD


async def test_regrading_an_inadequate_audit_up_starts_nothing_more(
    auth: Authority, world: World
) -> None:
    audit = await _case_file(auth, AuditStatus.COMPLETED, grade=Grade.INADEQUATE)
    await moderate_as_qa_lead(
        auth,
        audit_id=audit.id,
        outcome=ModerationOutcome.REGRADED,
        overall_grade=Grade.GOOD,
        reason="The evidence was in the case notes.",
    )
    assert len(await inadequate_events(world, audit.id)) == 1


# --- who audits what -----------------------------------------------------------------------------


@pytest.mark.parametrize("auditor", ["tm_a", "gm"])
async def test_an_auditor_never_audits_a_case_they_hold_or_manage(
    auth: Authority, world: World, auditor: str
) -> None:
    ann_case = auth.ann_children[0]
    for kind in (AuditKind.CASE_FILE, AuditKind.THEMATIC, AuditKind.BENCHMARKING):
        themes = await uow(
            world, reference.list_themes, actor=SYSTEM, kind=None, include_inactive=False
        )
        with pytest.raises(InvalidInput) as refused:
            await plan(
                world,
                kind,
                auth.person(auditor),
                ann_case,
                planner=auth.actor(auth.qa_lead),
                theme_ids=[themes[0].id] if kind is AuditKind.THEMATIC else [],
            )
        assert refused.value.field == "auditorId"
    assert await count_rows(world, Audit) == 0
    audit = await plan(
        world, AuditKind.CASE_FILE, auth.psw, ann_case, planner=auth.actor(auth.qa_lead)
    )
    assert audit.auditor_id == auth.psw.id


async def test_a_peer_audit_is_never_of_the_auditors_own_case(
    auth: Authority, world: World
) -> None:
    ann = auth.actor(auth.ann)
    with pytest.raises(InvalidInput) as refused:
        await plan(world, AuditKind.PEER, auth.ann, auth.ann_children[0], planner=ann)
    assert refused.value.field == "auditorId"
    peer = await plan(world, AuditKind.PEER, auth.ann, auth.bob_children[0], planner=ann)
    assert (peer.auditor_id, peer.subject_practitioner_id) == (auth.ann.id, auth.bob.id)


async def test_a_supervision_audit_is_of_a_supervision_relationship_or_a_forum(
    auth: Authority, world: World
) -> None:
    qa = auth.actor(auth.qa_lead)
    for partial in (
        {"subject_practitioner_id": auth.bob.id},
        {"supervisor_id": auth.tm_a.id},
        {"supervision_forum": "  "},
    ):
        with pytest.raises(InvalidInput) as refused:
            await plan(world, AuditKind.SUPERVISION, auth.psw, planner=qa, **partial)
        assert refused.value.field == "supervisorId"
    relationship = await plan(
        world,
        AuditKind.SUPERVISION,
        auth.psw,
        planner=qa,
        subject_practitioner_id=auth.bob.id,
        supervisor_id=auth.tm_a.id,
    )
    assert relationship.team_id == auth.team_a.id
    forum = await plan(
        world,
        AuditKind.SUPERVISION,
        auth.hos_csc,
        planner=qa,
        supervision_forum="Legal Planning and Permanence Panel",
    )
    assert forum.supervision_forum == "Legal Planning and Permanence Panel"


@pytest.mark.parametrize(
    ("auditor", "allowed"),
    [
        ("psw", True),
        ("hos_csc", True),
        ("qa_lead", True),
        ("aed", False),
        ("gm", False),
        ("tm_b", False),
        ("iro", False),
        ("cat", False),
    ],
)
async def test_only_the_psw_a_head_of_service_or_the_qa_lead_audit_supervision(
    auth: Authority, world: World, auditor: str, allowed: bool
) -> None:
    async def attempt() -> Audit:
        return await plan(
            world,
            AuditKind.SUPERVISION,
            auth.person(auditor),
            planner=auth.actor(auth.aed),
            subject_practitioner_id=auth.bob.id,
            supervisor_id=auth.tm_a.id,
        )

    if allowed:
        assert (await attempt()).auditor_id == auth.person(auditor).id
    else:
        with pytest.raises(InvalidInput) as refused:
            await attempt()
        assert refused.value.field == "auditorId"


async def test_a_thematic_audit_has_a_theme(auth: Authority, world: World) -> None:
    qa = auth.actor(auth.qa_lead)
    with pytest.raises(InvalidInput) as refused:
        await plan(world, AuditKind.THEMATIC, auth.psw, auth.cat_children[0], planner=qa)
    assert refused.value.field == "themeIds"
    async with world.session_factory() as s:
        neglect = (await s.scalars(select(Theme).where(Theme.name == "Neglect"))).one()
    audit = await plan(
        world,
        AuditKind.THEMATIC,
        auth.psw,
        auth.cat_children[0],
        planner=qa,
        theme_ids=[neglect.id],
    )
    async with world.session_factory() as s:
        themes = await audits.themes_of(s, [audit.id])
    assert [t.name for t in themes[audit.id]] == ["Neglect"]
