"""Use cases for one audit: plan, start, record, submit, reflect, complete, cancel, amend,
moderate, actions and learning; and reading audits through the policy's filter."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from domain.audits import policy, timescales
from domain.audits.flows import AuditEvent, next_status
from domain.audits.kinds import (
    KINDS_ABOUT_A_CHILD,
    OPEN_STATUSES,
    PLANNERS,
    Agreement,
    AuditKind,
    AuditStatus,
    Grade,
    ModerationOutcome,
)
from domain.audits.models import (
    Audit,
    AuditAction,
    AuditSectionGrade,
    BenchmarkRound,
    LearningPoint,
    Moderation,
    ProgrammeMonth,
)
from domain.audits.reference import current_template, themes_by_ids
from domain.audits.templates import check_answers, graded_sections, parse_sections
from domain.children import policy as children_policy
from domain.children.models import Child
from domain.core.clock import Clock, local_today
from domain.core.db import rows_by
from domain.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from domain.core.pagination import Page, count, paginate
from domain.core.settings import PolicySettings
from domain.deadlines import obligations
from domain.deadlines.calendar import end_of_day
from domain.deadlines.models import ObligationKind, ObligationState
from domain.events import service as events
from domain.history import service as history
from domain.learning import policy as learning_policy
from domain.learning.models import TaskAndFinishGroup
from domain.people.models import Person, Team
from domain.people.roles import Actor, Role

MAX_TEXT = 20_000
VOICE_WHO = ("CHILD", "PARENT", "CARER", "SIBLING", "OTHER_FAMILY", "OTHER")


def _text(value: str | None, field: str, *, required: bool = False) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise InvalidInput("This is required.", field=field)
        return None
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(f"At most {MAX_TEXT} characters.", field=field)
    return cleaned


async def _record(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    audit: Audit,
    action: str,
    changes: dict[str, Any],
) -> None:
    await history.record(
        session=session,
        actor=actor,
        clock=clock,
        action=action,
        object_type="Audit",
        object_id=audit.id,
        changes=changes,
    )


async def load_for_change(session: AsyncSession, actor: Actor, audit_id: uuid.UUID) -> Audit:
    """An audit to change, locked: only through the actor's visibility filter, so an audit they
    may not see is NOT_FOUND exactly like an id that does not exist."""
    audit = await session.scalar(
        select(Audit)
        .where(Audit.id == audit_id, policy.visible_audits(actor))
        .options(
            selectinload(Audit.section_grades),
            selectinload(Audit.template),
            selectinload(Audit.themes),
        )
        .with_for_update(of=Audit)
    )
    if audit is None:
        raise NotFound("audit", field="auditId")
    return audit


async def _owe(
    session: AsyncSession,
    clock: Clock,
    kind: ObligationKind,
    subject: Audit | AuditAction,
    owner_id: uuid.UUID,
    due_date: date,
) -> None:
    """The obligation a planned audit or an added action creates: its owner acts by the end
    of its due date in London."""
    await obligations.open_obligation(
        session=session,
        clock=clock,
        kind=kind,
        subject_type=type(subject).__name__,
        subject_id=subject.id,
        owner_id=owner_id,
        due_at=end_of_day(due_date),
    )


async def _discharge(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    kind: ObligationKind,
    subject: Audit | AuditAction,
    state: ObligationState,
) -> None:
    await obligations.close_obligation(
        session=session,
        clock=clock,
        key=obligations.obligation_key(kind, subject.id),
        state=state,
        by=actor.person_id,
    )


# --- planning one audit ----------------------------------------------------------------------


@dataclass
class AuditPlan:
    kind: AuditKind
    auditor_id: uuid.UUID
    due_date: date
    child_id: uuid.UUID | None = None
    subject_practitioner_id: uuid.UUID | None = None
    supervisor_id: uuid.UUID | None = None
    supervision_forum: str | None = None
    external_reviewer: str | None = None
    theme_ids: list[uuid.UUID] = field(default_factory=list)
    programme_month_id: uuid.UUID | None = None
    sample_id: uuid.UUID | None = None
    benchmark_round_id: uuid.UUID | None = None
    trigger_key: str | None = None


def check_can_plan_kind(actor: Actor, kind: AuditKind, auditor_id: uuid.UUID) -> None:
    """Planners plan any audit; a team manager plans dip samples; a practitioner plans a peer
    audit that they will do themselves."""
    if actor.is_system or actor.has_role(*PLANNERS):
        return
    if kind is AuditKind.DIP_SAMPLE and actor.has_role(
        Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER
    ):
        return
    if (
        kind is AuditKind.PEER
        and actor.has_role(Role.PRACTITIONER)
        and auditor_id == actor.person_id
    ):
        return
    raise NotAllowed("You may not plan this kind of audit.")


async def auditor_actor(session: AsyncSession, auditor_id: uuid.UUID, field: str) -> Actor:
    from domain.people.service import actor_for_person

    person = await session.get(Person, auditor_id)
    if person is None or not person.is_active:
        raise NotFound("active person", field=field)
    return await actor_for_person(session, person)


async def manages(session: AsyncSession, auditor_id: uuid.UUID, child: Child) -> bool:
    """Whether the auditor holds the case, or manages it (the practitioner's line manager or a
    team manager of the child's team): DOMAIN.md keeps such cases away from them."""
    if child.allocated_practitioner_id == auditor_id:
        return True
    if child.allocated_practitioner_id is not None:
        manager = await session.scalar(
            select(Person.line_manager_id).where(Person.id == child.allocated_practitioner_id)
        )
        if manager == auditor_id:
            return True
    from domain.people.models import RoleGrant

    return bool(
        await session.scalar(
            select(RoleGrant.id).where(
                RoleGrant.person_id == auditor_id,
                RoleGrant.team_id == child.team_id,
                RoleGrant.role.in_([Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER]),
            )
        )
    )


async def plannable_child(
    session: AsyncSession,
    actor: Actor,
    kind: AuditKind,
    child_id: uuid.UUID,
    field: str = "childId",
) -> Child:
    """The child an audit of `kind` is planned on: NOT_FOUND unless the actor may see the
    child (as for an id that does not exist), NOT_ALLOWED outside their planning reach. One
    statement for both."""
    in_reach = policy.planning_reach(actor, kind).children().label("in_reach")
    row = (
        await session.execute(
            select(Child, in_reach).where(
                Child.id == child_id, children_policy.visible_children(actor)
            )
        )
    ).first()
    if row is None:
        raise NotFound("child", field=field)
    if not row.in_reach:
        raise NotAllowed(
            f"That case is outside the teams and services you plan {kind.value} audits for.",
            field=field,
        )
    child: Child = row[0]
    return child


async def plan_audit(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    plan: AuditPlan,
    vetted_child: Child | None = None,
) -> Audit:
    """Plan one audit. `vetted_child` is for the domain's own callers that loaded the child
    through the same sight and reach filters already (a sample, a benchmarking round), so that
    it is not read again for each audit."""
    check_can_plan_kind(actor, plan.kind, plan.auditor_id)
    auditor = await auditor_actor(session, plan.auditor_id, "auditorId")
    if not policy.can_audit_kind(auditor, plan.kind):
        raise InvalidInput(
            f"That person does not hold a role that carries out {plan.kind.value} audits.",
            field="auditorId",
        )
    if plan.due_date < local_today(clock):
        raise InvalidInput("The due date has passed.", field="dueDate")
    child: Child | None = None
    team_id: uuid.UUID | None = None
    subject = plan.subject_practitioner_id
    if plan.kind in KINDS_ABOUT_A_CHILD and plan.child_id is None:
        raise InvalidInput("This kind of audit is about a child's case.", field="childId")
    if plan.child_id is not None:
        if vetted_child is not None and vetted_child.id == plan.child_id:
            child = vetted_child
        else:
            child = await plannable_child(session, actor, plan.kind, plan.child_id)
        team_id = child.team_id
        subject = subject or child.allocated_practitioner_id
        if plan.kind is AuditKind.PEER and child.allocated_practitioner_id == plan.auditor_id:
            raise InvalidInput(
                "A peer audit is never of the auditor's own case.", field="auditorId"
            )
        if plan.kind in (
            AuditKind.CASE_FILE,
            AuditKind.THEMATIC,
            AuditKind.BENCHMARKING,
        ) and await manages(session, plan.auditor_id, child):
            raise InvalidInput(
                "An auditor never audits a case they hold or manage.", field="auditorId"
            )
    if plan.kind is AuditKind.SUPERVISION:
        if (subject is None or plan.supervisor_id is None) and not (
            plan.supervision_forum or ""
        ).strip():
            raise InvalidInput(
                "A supervision audit is of a supervision relationship (supervisee and "
                "supervisor) or of a forum.",
                field="supervisorId",
            )
        for person_id, name in (
            (subject, "subjectPractitionerId"),
            (plan.supervisor_id, "supervisorId"),
        ):
            if person_id is not None and await session.get(Person, person_id) is None:
                raise NotFound("person", field=name)
    if plan.kind is AuditKind.THEMATIC and not plan.theme_ids:
        raise InvalidInput("A thematic audit has at least one theme.", field="themeIds")
    if plan.kind is AuditKind.EXTERNAL and not (plan.external_reviewer or "").strip():
        raise InvalidInput(
            "Name the external reviewer (LGA, regional ADCS…).", field="externalReviewer"
        )
    if child is None and subject is not None:
        # An audit of a person's work (supervision) is planned within the same reach as one of
        # a child's case: the team the person works in.
        row = (
            await session.execute(
                select(Person.team_id, Team.service_id)
                .outerjoin(Team, Team.id == Person.team_id)
                .where(Person.id == subject)
            )
        ).first()
        if row is None:
            raise NotFound("person", field="subjectPractitionerId")
        team_id = row.team_id
        if team_id is not None and not policy.planning_reach(actor, plan.kind).covers_team(
            team_id, row.service_id
        ):
            raise NotAllowed(
                "That person works in a team outside those you plan audits for.",
                field="subjectPractitionerId",
            )
    themes = await themes_by_ids(session, plan.theme_ids, "themeIds")
    if plan.programme_month_id is not None and (
        await session.get(ProgrammeMonth, plan.programme_month_id) is None
    ):
        raise NotFound("month of the programme", field="programmeMonthId")
    template = await current_template(session, plan.kind)
    now = clock.now()
    audit = Audit(
        kind=plan.kind,
        status=AuditStatus.PLANNED,
        template_id=template.id,
        auditor_id=plan.auditor_id,
        child_id=plan.child_id,
        subject_practitioner_id=subject,
        team_id=team_id,
        programme_month_id=plan.programme_month_id,
        sample_id=plan.sample_id,
        benchmark_round_id=plan.benchmark_round_id,
        trigger_key=plan.trigger_key,
        due_date=plan.due_date,
        supervisor_id=plan.supervisor_id,
        supervision_forum=_text(plan.supervision_forum, "supervisionForum"),
        external_reviewer=_text(plan.external_reviewer, "externalReviewer"),
        answers={},
        voices=[],
        created_at=now,
        updated_at=now,
    )
    audit.themes = themes
    audit.section_grades = []
    session.add(audit)
    await session.flush()
    await _record(
        session,
        actor,
        clock,
        audit,
        "audit.planned",
        {
            "kind": [None, plan.kind.value],
            "auditor_id": [None, str(plan.auditor_id)],
            "child_id": [None, history.plain(plan.child_id)],
            "due_date": [None, plan.due_date.isoformat()],
        },
    )
    await _owe(session, clock, ObligationKind.AUDIT_DUE, audit, audit.auditor_id, audit.due_date)
    return audit


# --- doing the audit ---------------------------------------------------------------------------


def _check_auditor(actor: Actor, audit: Audit) -> None:
    if not (actor.is_system or audit.auditor_id == actor.person_id):
        raise NotAllowed("Only the audit's auditor may do that.")


async def _transition(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    audit: Audit,
    event: AuditEvent,
    extra: dict[str, Any] | None = None,
) -> None:
    before = audit.status
    audit.status = next_status(audit.status, event)
    audit.updated_at = clock.now()
    await _record(
        session,
        actor,
        clock,
        audit,
        f"audit.{event.value.lower()}",
        {
            "status": [before.value, audit.status.value],
            **(extra or {}),
        },
    )


async def start_audit(
    *, session: AsyncSession, actor: Actor, clock: Clock, audit_id: uuid.UUID
) -> Audit:
    audit = await load_for_change(session, actor, audit_id)
    _check_auditor(actor, audit)
    # The audit is pinned to the template version in force when work starts.
    template = await current_template(session, audit.kind)
    audit.template_id, audit.template = template.id, template
    audit.started_at = clock.now()
    await _transition(
        session,
        actor,
        clock,
        audit,
        AuditEvent.START,
        {"template_version": [None, template.version]},
    )
    return audit


@dataclass
class SectionGradeInput:
    section_key: str
    grade: Grade
    rationale: str


@dataclass
class Voice:
    who: str
    said: str


@dataclass
class AuditRecord:
    """What the auditor records; None leaves a part as it is."""

    answers: dict[str, Any] | None = None
    section_grades: list[SectionGradeInput] | None = None
    overall_grade: Grade | None = None
    overall_rationale: str | None = None
    conversation_date: date | None = None
    voices: list[Voice] | None = None
    findings: str | None = None


def _sections(audit: Audit) -> Any:
    return parse_sections(audit.template.sections)


async def _apply_record(
    session: AsyncSession, clock: Clock, audit: Audit, record: AuditRecord
) -> dict[str, Any]:
    before = _snapshot(audit)
    sections = _sections(audit)
    if record.answers is not None:
        merged = {**audit.answers, **record.answers}
        audit.answers = check_answers(sections, merged, complete=False)
    if record.section_grades is not None:
        graded = {s.key for s in graded_sections(sections)}
        current = {g.section_key: g for g in audit.section_grades}
        seen: set[str] = set()
        for i, item in enumerate(record.section_grades):
            where = f"sectionGrades[{i}]"
            if item.section_key not in graded:
                raise InvalidInput(
                    "This template has no graded section with that key.",
                    field=f"{where}.sectionKey",
                )
            if item.section_key in seen:
                raise InvalidInput("Each section is graded once.", field=f"{where}.sectionKey")
            seen.add(item.section_key)
            rationale = _text(item.rationale, f"{where}.rationale", required=True)
            assert rationale is not None
            existing = current.get(item.section_key)
            if existing is None:
                existing = AuditSectionGrade(
                    audit_id=audit.id,
                    section_key=item.section_key,
                    grade=item.grade,
                    rationale=rationale,
                )
                session.add(existing)
                audit.section_grades.append(existing)
            else:
                existing.grade, existing.rationale = item.grade, rationale
    if record.overall_grade is not None:
        audit.overall_grade = record.overall_grade
    if record.overall_rationale is not None:
        audit.overall_rationale = _text(record.overall_rationale, "overallRationale")
    if record.conversation_date is not None:
        if record.conversation_date > local_today(clock):
            raise InvalidInput(
                "The conversation cannot be in the future.", field="conversationDate"
            )
        audit.conversation_date = record.conversation_date
    if record.voices is not None:
        voices = []
        for i, voice in enumerate(record.voices):
            if voice.who not in VOICE_WHO:
                raise InvalidInput(
                    f"Who is one of {', '.join(VOICE_WHO)}.", field=f"voices[{i}].who"
                )
            said = _text(voice.said, f"voices[{i}].said", required=True)
            voices.append({"who": voice.who, "said": said or ""})
        audit.voices = voices
    if record.findings is not None:
        audit.findings = _text(record.findings, "findings")
    await session.flush()
    audit.updated_at = clock.now()
    return history.diff(before, _snapshot(audit))


def _snapshot(audit: Audit) -> dict[str, Any]:
    return {
        "answers": dict(audit.answers),
        "section_grades": {
            g.section_key: [g.grade.value, g.rationale] for g in audit.section_grades
        },
        "overall_grade": audit.overall_grade,
        "overall_rationale": audit.overall_rationale,
        "conversation_date": audit.conversation_date,
        "voices": list(audit.voices),
        "findings": audit.findings,
        "practitioner_reflections": audit.practitioner_reflections,
        "practitioner_agreement": audit.practitioner_agreement,
    }


async def save_audit(
    *, session: AsyncSession, actor: Actor, clock: Clock, audit_id: uuid.UUID, record: AuditRecord
) -> Audit:
    """Save work in progress: answers are checked by type and range, not yet for completeness."""
    audit = await load_for_change(session, actor, audit_id)
    _check_auditor(actor, audit)
    if audit.status is not AuditStatus.IN_PROGRESS:
        raise Conflict(
            "Only an audit in progress can be changed; start or reopen it.", field="status"
        )
    changes = await _apply_record(session, clock, audit, record)
    if changes:
        await _record(session, actor, clock, audit, "audit.saved", changes)
    return audit


def check_complete(audit: Audit) -> None:
    """Everything a finished audit needs, each refusal naming its field."""
    sections = _sections(audit)
    check_answers(sections, audit.answers, complete=True)
    given = {g.section_key for g in audit.section_grades}
    for section in graded_sections(sections):
        if section.key not in given:
            raise InvalidInput(
                f"Grade '{section.title}' with a rationale.", field=f"sectionGrades.{section.key}"
            )
    if audit.overall_grade is None:
        raise InvalidInput("Give the overall grade.", field="overallGrade")
    if not audit.overall_rationale:
        raise InvalidInput("The overall grade needs a written rationale.", field="overallRationale")
    if audit.kind is AuditKind.CASE_FILE and audit.conversation_date is None:
        raise InvalidInput(
            "A collaborative audit records the date of the conversation with the practitioner.",
            field="conversationDate",
        )
    if audit.kind in (AuditKind.MULTI_AGENCY, AuditKind.EXTERNAL) and not audit.findings:
        raise InvalidInput("Record the findings.", field="findings")


async def submit_audit(
    *, session: AsyncSession, actor: Actor, clock: Clock, audit_id: uuid.UUID
) -> Audit:
    audit = await load_for_change(session, actor, audit_id)
    _check_auditor(actor, audit)
    next_status(audit.status, AuditEvent.SUBMIT)
    check_complete(audit)
    audit.submitted_at = clock.now()
    await _transition(session, actor, clock, audit, AuditEvent.SUBMIT)
    return audit


async def reopen_audit(
    *, session: AsyncSession, actor: Actor, clock: Clock, audit_id: uuid.UUID
) -> Audit:
    audit = await load_for_change(session, actor, audit_id)
    _check_auditor(actor, audit)
    if audit.benchmark_round_id is not None:
        round_ = await session.get(BenchmarkRound, audit.benchmark_round_id)
        if round_ is not None and round_.agreed_at is not None:
            raise Conflict(
                "The round's grade is agreed: this audit can no longer change.", field="status"
            )
    await _transition(session, actor, clock, audit, AuditEvent.REOPEN)
    return audit


async def add_reflections(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    audit_id: uuid.UUID,
    reflections: str,
    agreement: Agreement | None,
) -> Audit:
    """The practitioner whose case (or work) was audited adds their reflections."""
    audit = await load_for_change(session, actor, audit_id)
    allocated = None
    if audit.child_id is not None:
        allocated = await session.scalar(
            select(Child.allocated_practitioner_id).where(Child.id == audit.child_id)
        )
    if actor.person_id is None or actor.person_id not in (audit.subject_practitioner_id, allocated):
        raise NotAllowed("Only the practitioner whose work was audited adds reflections.")
    if audit.status not in (AuditStatus.IN_PROGRESS, AuditStatus.SUBMITTED):
        raise Conflict(
            "Reflections are added while the audit is in progress or submitted.", field="status"
        )
    before = _snapshot(audit)
    audit.practitioner_reflections = _text(reflections, "reflections", required=True)
    audit.practitioner_agreement = agreement
    audit.updated_at = clock.now()
    await _record(
        session, actor, clock, audit, "audit.reflected", history.diff(before, _snapshot(audit))
    )
    return audit


def effective_grade(audit: Audit) -> Grade | None:
    return audit.moderated_overall_grade or audit.overall_grade


async def complete_audit(
    *, session: AsyncSession, actor: Actor, clock: Clock, audit_id: uuid.UUID
) -> Audit:
    audit = await load_for_change(session, actor, audit_id)
    _check_auditor(actor, audit)
    next_status(audit.status, AuditEvent.COMPLETE)
    check_complete(audit)
    audit.completed_at = clock.now()
    await _transition(session, actor, clock, audit, AuditEvent.COMPLETE)
    await _discharge(session, clock, actor, ObligationKind.AUDIT_DUE, audit, ObligationState.DONE)
    if audit.overall_grade is Grade.INADEQUATE:
        await _inadequate(session, clock, audit, "completed")
    if audit.kind is AuditKind.DESK_TOP:
        from domain.escalation import service as escalation

        await escalation.on_audit_completed(session=session, clock=clock, actor=actor, audit=audit)
    # The month's or quarter's obligation this completion meets is closed at once (its
    # count reads the audit as completed, so the change is flushed first).
    await session.flush()
    await timescales.reconcile(
        session=session, clock=clock, auditor_id=audit.auditor_id, open_new=False
    )
    return audit


async def _inadequate(session: AsyncSession, clock: Clock, audit: Audit, how: str) -> None:
    """The fact the Inadequate process (the escalation) starts from, and the start of that
    process in the same transaction: it cannot be lost between the two. (Imported here, not
    at the top: the process plans its desk-top audit through this module.)"""
    from domain.escalation import service as escalation

    event = await events.record(
        session=session,
        clock=clock,
        name=events.AUDIT_COMPLETED_INADEQUATE,
        object_type="Audit",
        object_id=audit.id,
        payload={
            "how": how,
            "kind": audit.kind.value,
            "child_id": history.plain(audit.child_id),
            "team_id": history.plain(audit.team_id),
            "completed_at": history.plain(audit.completed_at),
        },
    )
    await escalation.start(session=session, clock=clock, audit=audit, how=how)
    event.processed_at = clock.now()


async def cancel_audit(
    *, session: AsyncSession, actor: Actor, clock: Clock, audit_id: uuid.UUID, reason: str
) -> Audit:
    audit = await load_for_change(session, actor, audit_id)
    if not (actor.is_system or actor.has_role(*PLANNERS) or audit.auditor_id == actor.person_id):
        raise NotAllowed("A planner or the auditor cancels an audit.")
    text = _text(reason, "reason", required=True)
    next_status(audit.status, AuditEvent.CANCEL)
    if audit.kind is AuditKind.DESK_TOP:
        from domain.escalation import service as escalation

        await escalation.check_can_cancel_audit(session, audit)
    audit.cancel_reason, audit.cancelled_at = text, clock.now()
    await _transition(
        session, actor, clock, audit, AuditEvent.CANCEL, {"cancel_reason": [None, text]}
    )
    await _discharge(
        session, clock, actor, ObligationKind.AUDIT_DUE, audit, ObligationState.CANCELLED
    )
    return audit


async def amend_audit(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    audit_id: uuid.UUID,
    record: AuditRecord,
    reason: str,
) -> Audit:
    """Change a completed audit, with a reason kept in history (the auditor or the QA Lead)."""
    audit = await load_for_change(session, actor, audit_id)
    if not (actor.is_system or audit.auditor_id == actor.person_id or actor.has_role(Role.QA_LEAD)):
        raise NotAllowed("The auditor or the QA Lead amends a completed audit.")
    if audit.status is not AuditStatus.COMPLETED:
        raise Conflict("Only a completed audit is amended; otherwise save it.", field="status")
    text = _text(reason, "reason", required=True)
    was_inadequate = effective_grade(audit) is Grade.INADEQUATE
    changes = await _apply_record(session, clock, audit, record)
    check_complete(audit)
    if not changes:
        raise InvalidInput("The amendment changes nothing.", field="record")
    await _record(session, actor, clock, audit, "audit.amended", {**changes, "reason": text})
    now_grade = effective_grade(audit)
    if not was_inadequate and now_grade is Grade.INADEQUATE:
        await _inadequate(session, clock, audit, "amended")
    elif was_inadequate and now_grade is not None and now_grade is not Grade.INADEQUATE:
        # Before moderation, an amendment away from Inadequate ends the process as a
        # regrade would.
        from domain.escalation import service as escalation

        assert text is not None
        await escalation.on_amended_away(
            session=session, clock=clock, actor=actor, audit=audit, grade=now_grade, reason=text
        )
    return audit


async def moderate_audit(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    audit_id: uuid.UUID,
    outcome: ModerationOutcome,
    reason: str,
    overall_grade: Grade | None = None,
    section_grades: dict[str, Grade] | None = None,
    policy_settings: PolicySettings | None = None,
) -> Moderation:
    """Confirm or regrade a completed audit; the auditor's grades are kept beside the new."""
    policy.check_is_qa_lead(actor, "moderates audits")
    audit = await load_for_change(session, actor, audit_id)
    if audit.status is not AuditStatus.COMPLETED:
        raise Conflict("Only a completed audit is moderated.", field="status")
    if audit.auditor_id == actor.person_id:
        raise NotAllowed("Nobody moderates their own audit.")
    text = _text(reason, "reason", required=True)
    assert audit.overall_grade is not None and text is not None
    original = effective_grade(audit) or audit.overall_grade
    sections: dict[str, list[str]] = {}
    if outcome is ModerationOutcome.CONFIRMED:
        if overall_grade not in (None, original) or section_grades:
            raise InvalidInput("A confirmation changes no grade; choose REGRADED.", field="outcome")
        moderated = original
    else:
        by_key = {g.section_key: g for g in audit.section_grades}
        for key, grade in (section_grades or {}).items():
            if key not in by_key:
                raise InvalidInput(
                    "The audit has no graded section with that key.", field=f"sectionGrades.{key}"
                )
            current = by_key[key].moderated_grade or by_key[key].grade
            sections[key] = [current.value, grade.value]
            by_key[key].moderated_grade = grade
        moderated = overall_grade or original
        if moderated == original and all(a == b for a, b in sections.values()):
            raise InvalidInput("A regrade changes at least one grade.", field="overallGrade")
        audit.moderated_overall_grade = moderated
    moderation = Moderation(
        audit_id=audit.id,
        moderator_id=actor.person_id,
        outcome=outcome,
        original_overall_grade=original,
        moderated_overall_grade=moderated,
        section_grades=sections,
        reason=text,
        moderated_at=clock.now(),
    )
    session.add(moderation)
    audit.updated_at = clock.now()
    await session.flush()
    await _record(
        session,
        actor,
        clock,
        audit,
        "audit.moderated",
        {
            "outcome": [None, outcome.value],
            "overall_grade": [original.value, moderated.value],
            "section_grades": sections,
            "reason": text,
        },
    )
    await events.record(
        session=session,
        clock=clock,
        name="audit.moderated",
        object_type="Audit",
        object_id=audit.id,
        payload={
            "outcome": outcome.value,
            "original": original.value,
            "moderated": moderated.value,
        },
    )
    if original is not Grade.INADEQUATE and moderated is Grade.INADEQUATE:
        await _inadequate(session, clock, audit, "moderated")
    from domain.escalation import service as escalation

    await escalation.on_moderated(
        session=session,
        clock=clock,
        actor=actor,
        audit=audit,
        moderation=moderation,
        policy_settings=policy_settings or PolicySettings(),
    )
    return moderation


# --- actions and learning ------------------------------------------------------------------


def _check_can_follow_up(actor: Actor, audit: Audit) -> None:
    if not (
        actor.is_system
        or audit.auditor_id == actor.person_id
        or actor.has_role(Role.QA_LEAD, *PLANNERS)
    ):
        raise NotAllowed("The auditor, a planner or the QA Lead records actions and learning.")


async def add_action(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    audit_id: uuid.UUID,
    description: str,
    owner_id: uuid.UUID,
    due_date: date,
) -> AuditAction:
    audit = await load_for_change(session, actor, audit_id)
    _check_can_follow_up(actor, audit)
    if audit.status is AuditStatus.CANCELLED:
        raise Conflict("A cancelled audit has no actions.", field="status")
    text = _text(description, "description", required=True)
    owner = await session.get(Person, owner_id)
    if owner is None or not owner.is_active:
        raise NotFound("active person", field="ownerId")
    if due_date < local_today(clock):
        raise InvalidInput("The due date has passed.", field="dueDate")
    action = AuditAction(
        audit_id=audit.id,
        description=text,
        owner_id=owner_id,
        due_date=due_date,
        created_by_id=actor.person_id,
        created_at=clock.now(),
    )
    session.add(action)
    await session.flush()
    await history.record(
        session=session,
        actor=actor,
        clock=clock,
        action="action.added",
        object_type="AuditAction",
        object_id=action.id,
        changes={
            "audit_id": [None, str(audit.id)],
            "owner_id": [None, str(owner_id)],
            "due_date": [None, due_date.isoformat()],
        },
    )
    await _owe(session, clock, ObligationKind.ACTION_DUE, action, owner_id, due_date)
    return action


async def complete_action(
    *, session: AsyncSession, actor: Actor, clock: Clock, action_id: uuid.UUID, note: str | None
) -> AuditAction:
    action = await session.scalar(
        select(AuditAction)
        .where(AuditAction.id == action_id, policy.visible_actions(actor))
        .with_for_update()
    )
    if action is None:
        raise NotFound("action", field="actionId")
    audit = await session.get(Audit, action.audit_id)
    assert audit is not None
    if not (
        actor.is_system
        or action.owner_id == actor.person_id
        or audit.auditor_id == actor.person_id
        or actor.has_role(Role.QA_LEAD)
    ):
        raise NotAllowed("The action's owner, the auditor or the QA Lead marks it done.")
    if action.done_at is not None:
        raise Conflict("That action is done already.", field="actionId")
    action.done_at, action.done_note = clock.now(), _text(note, "note")
    await history.record(
        session=session,
        actor=actor,
        clock=clock,
        action="action.done",
        object_type="AuditAction",
        object_id=action.id,
        changes={"done_at": [None, history.plain(action.done_at)]},
    )
    await _discharge(session, clock, actor, ObligationKind.ACTION_DUE, action, ObligationState.DONE)
    return action


async def add_learning_point(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    audit_id: uuid.UUID,
    text: str,
    theme_ids: Sequence[uuid.UUID],
    is_strength: bool,
) -> LearningPoint:
    audit = await load_for_change(session, actor, audit_id)
    _check_can_follow_up(actor, audit)
    clean = _text(text, "text", required=True)
    assert clean is not None
    point = LearningPoint(
        audit_id=audit.id,
        text=clean,
        is_strength=is_strength,
        created_by_id=actor.person_id,
        created_at=clock.now(),
    )
    point.themes = await themes_by_ids(session, list(theme_ids), "themeIds")
    session.add(point)
    await session.flush()
    await history.record(
        session=session,
        actor=actor,
        clock=clock,
        action="learning.added",
        object_type="LearningPoint",
        object_id=point.id,
        changes={"audit_id": [None, str(audit.id)], "themes": [None, [str(t) for t in theme_ids]]},
    )
    return point


# --- reading -----------------------------------------------------------------------------------


class AuditSort(StrEnum):
    DUE_DATE = "DUE_DATE"
    RECENTLY_COMPLETED = "RECENTLY_COMPLETED"
    RECENTLY_CREATED = "RECENTLY_CREATED"


@dataclass(frozen=True)
class AuditFilter:
    kinds: tuple[AuditKind, ...] = ()
    statuses: tuple[AuditStatus, ...] = ()
    grades: tuple[Grade, ...] = ()
    team_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    auditor_id: uuid.UUID | None = None
    child_id: uuid.UUID | None = None
    subject_practitioner_id: uuid.UUID | None = None
    of_my_cases: bool = False
    programme_month_id: uuid.UUID | None = None
    benchmark_round_id: uuid.UUID | None = None
    sample_id: uuid.UUID | None = None
    due_before: date | None = None
    completed_since: datetime | None = None
    completed_before: datetime | None = None


def audits_statement(actor: Actor, f: AuditFilter) -> Select[Any]:
    stmt = select(Audit).where(policy.visible_audits(actor))
    if f.kinds:
        stmt = stmt.where(Audit.kind.in_(f.kinds))
    if f.statuses:
        stmt = stmt.where(Audit.status.in_(f.statuses))
    if f.grades:
        # A blind benchmarking round's grades must not leak through a filter either.
        stmt = stmt.where(policy.judgement_visible(actor)).where(
            func.coalesce(Audit.moderated_overall_grade, Audit.overall_grade).in_(f.grades)
        )
    if f.team_id is not None:
        stmt = stmt.where(Audit.team_id == f.team_id)
    if f.service_id is not None:
        stmt = stmt.where(Audit.team_id.in_(select(Team.id).where(Team.service_id == f.service_id)))
    if f.auditor_id is not None:
        stmt = stmt.where(Audit.auditor_id == f.auditor_id)
    if f.child_id is not None:
        stmt = stmt.where(Audit.child_id == f.child_id)
    if f.subject_practitioner_id is not None:
        stmt = stmt.where(Audit.subject_practitioner_id == f.subject_practitioner_id)
    if f.of_my_cases:
        me = actor.person_id
        stmt = stmt.where(
            (Audit.subject_practitioner_id == me)
            | Audit.child_id.in_(select(Child.id).where(Child.allocated_practitioner_id == me))
        )
    if f.programme_month_id is not None:
        stmt = stmt.where(Audit.programme_month_id == f.programme_month_id)
    if f.benchmark_round_id is not None:
        stmt = stmt.where(Audit.benchmark_round_id == f.benchmark_round_id)
    if f.sample_id is not None:
        stmt = stmt.where(Audit.sample_id == f.sample_id)
    if f.due_before is not None:
        stmt = stmt.where(Audit.due_date < f.due_before)
    if f.completed_since is not None:
        stmt = stmt.where(Audit.completed_at >= f.completed_since)
    if f.completed_before is not None:
        stmt = stmt.where(Audit.completed_at < f.completed_before)
    return stmt


SORTS: dict[AuditSort, tuple[list[Any], bool]] = {
    AuditSort.DUE_DATE: ([Audit.due_date, Audit.id], False),
    AuditSort.RECENTLY_COMPLETED: ([Audit.completed_at, Audit.id], True),
    AuditSort.RECENTLY_CREATED: ([Audit.created_at, Audit.id], True),
}


async def list_audits(
    *,
    session: AsyncSession,
    actor: Actor,
    filters: AuditFilter,
    sort: AuditSort = AuditSort.DUE_DATE,
    first: int | None,
    after: str | None,
) -> Page[Audit]:
    order_by, descending = SORTS[sort]
    stmt = audits_statement(actor, filters)
    if sort is AuditSort.RECENTLY_COMPLETED:
        stmt = stmt.where(Audit.completed_at.is_not(None))
    # What list screens show of each audit comes with the page: its grades, its team (with
    # the service) and its auditor. The child goes through the children's own policy.
    stmt = stmt.options(
        selectinload(Audit.section_grades),
        joinedload(Audit.team).joinedload(Team.service),
        joinedload(Audit.auditor),
    )
    return await paginate(
        session, stmt, order_by=order_by, first=first, after=after, descending=descending
    )


async def count_audits(
    *,
    session: AsyncSession,
    actor: Actor,
    filters: AuditFilter,
    sort: AuditSort = AuditSort.DUE_DATE,
) -> int:
    stmt = audits_statement(actor, filters)
    if sort is AuditSort.RECENTLY_COMPLETED:
        stmt = stmt.where(Audit.completed_at.is_not(None))
    return await count(session, stmt)


def my_audits_to_do(actor: Actor) -> AuditFilter:
    return AuditFilter(auditor_id=actor.person_id, statuses=tuple(OPEN_STATUSES))


async def get_audits(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Audit]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(Audit)
        .where(Audit.id.in_(ids), policy.visible_audits(actor))
        .options(selectinload(Audit.section_grades))
    )
    return {a.id: a for a in rows}


async def previous_audits(
    *, session: AsyncSession, actor: Actor, audits: Sequence[Audit]
) -> dict[uuid.UUID, Audit | None]:
    """For each audit, the latest completed audit of the same child before it (one query)."""
    out: dict[uuid.UUID, Audit | None] = {a.id: None for a in audits}
    about = [a for a in audits if a.child_id is not None]
    if not about:
        return out
    child_ids = {a.child_id for a in about}
    rows = list(
        await session.scalars(
            select(Audit)
            .where(
                Audit.child_id.in_(child_ids),
                Audit.status == AuditStatus.COMPLETED,
                policy.visible_audits(actor),
            )
            .options(selectinload(Audit.section_grades))
            .order_by(Audit.completed_at.desc())
        )
    )
    for audit in about:
        moment = audit.completed_at or audit.created_at
        out[audit.id] = next(
            (
                r
                for r in rows
                if r.child_id == audit.child_id
                and r.id != audit.id
                and r.completed_at is not None
                and r.completed_at < moment
            ),
            None,
        )
    return out


async def round_blindness(
    session: AsyncSession, round_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[bool, frozenset[uuid.UUID]]]:
    """For each benchmarking round: whether it is still blind, and who audits in it."""
    out: dict[uuid.UUID, tuple[bool, frozenset[uuid.UUID]]] = {}
    if not round_ids:
        return out
    rows = await session.execute(
        select(Audit.benchmark_round_id, Audit.auditor_id, Audit.status).where(
            Audit.benchmark_round_id.in_(round_ids), Audit.status != AuditStatus.CANCELLED
        )
    )
    grouped: dict[uuid.UUID, list[tuple[uuid.UUID, AuditStatus]]] = {}
    for round_id, auditor_id, status in rows:
        assert round_id is not None
        grouped.setdefault(round_id, []).append((auditor_id, status))
    for round_id in round_ids:
        members = grouped.get(round_id, [])
        blind = any(s not in (AuditStatus.SUBMITTED, AuditStatus.COMPLETED) for _, s in members)
        out[round_id] = (blind, frozenset(a for a, _ in members))
    return out


async def actions_of(
    session: AsyncSession, audit_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[AuditAction]]:
    return await rows_by(session, AuditAction.audit_id, audit_ids, AuditAction.due_date)


async def learning_of(
    session: AsyncSession, audit_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[LearningPoint]]:
    return await rows_by(
        session,
        LearningPoint.audit_id,
        audit_ids,
        LearningPoint.created_at,
        selectinload(LearningPoint.themes),
    )


async def moderations_of(
    session: AsyncSession, audit_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Moderation]]:
    return await rows_by(session, Moderation.audit_id, audit_ids, Moderation.moderated_at)


async def themes_of(
    session: AsyncSession, audit_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    from domain.audits.models import Theme, audit_themes

    out: dict[uuid.UUID, list[Any]] = {i: [] for i in audit_ids}
    if audit_ids:
        rows = await session.execute(
            select(audit_themes.c.audit_id, Theme)
            .join(Theme, Theme.id == audit_themes.c.theme_id)
            .where(audit_themes.c.audit_id.in_(audit_ids))
            .order_by(Theme.name)
        )
        for audit_id, theme in rows:
            out[audit_id].append(theme)
    return out


class LearningSource(StrEnum):
    """Where a learning point comes from."""

    AUDIT = "AUDIT"
    TASK_AND_FINISH_GROUP = "TASK_AND_FINISH_GROUP"


@dataclass(frozen=True)
class LearningFilter:
    theme_id: uuid.UUID | None = None
    # Audits of this team's work only (a group belongs to a service, not a team).
    team_id: uuid.UUID | None = None
    # Audits of this service's teams, and this service's groups.
    service_id: uuid.UUID | None = None
    since: datetime | None = None
    strengths_only: bool = False
    # Both sources when empty.
    sources: tuple[LearningSource, ...] = ()
    task_and_finish_group_id: uuid.UUID | None = None


def _learning_visible(actor: Actor) -> ColumnElement[bool]:
    """Learning the actor may see: from an audit they may see (audits' policy), or from a
    Task and Finish Group they may see (the groups' policy)."""
    return or_(
        LearningPoint.audit_id.in_(select(Audit.id).where(policy.visible_audits(actor))),
        LearningPoint.task_and_finish_group_id.in_(
            select(TaskAndFinishGroup.id).where(learning_policy.visible_groups(actor))
        ),
    )


def _learning(actor: Actor, f: LearningFilter) -> Select[Any]:
    sources = set(f.sources or LearningSource)
    if f.team_id is not None or f.task_and_finish_group_id is not None:
        sources &= (
            {LearningSource.AUDIT}
            if f.task_and_finish_group_id is None
            else {LearningSource.TASK_AND_FINISH_GROUP}
        )
    from_audits = select(Audit.id).where(policy.visible_audits(actor))
    if f.team_id is not None:
        from_audits = from_audits.where(Audit.team_id == f.team_id)
    if f.service_id is not None:
        from_audits = from_audits.where(
            Audit.team_id.in_(select(Team.id).where(Team.service_id == f.service_id))
        )
    from_groups = select(TaskAndFinishGroup.id).where(learning_policy.visible_groups(actor))
    if f.service_id is not None:
        from_groups = from_groups.where(TaskAndFinishGroup.service_id == f.service_id)
    if f.task_and_finish_group_id is not None:
        from_groups = from_groups.where(TaskAndFinishGroup.id == f.task_and_finish_group_id)
    conditions: list[ColumnElement[bool]] = []
    if LearningSource.AUDIT in sources:
        conditions.append(LearningPoint.audit_id.in_(from_audits))
    if LearningSource.TASK_AND_FINISH_GROUP in sources:
        conditions.append(LearningPoint.task_and_finish_group_id.in_(from_groups))
    stmt = select(LearningPoint).where(or_(*conditions) if conditions else false())
    if f.theme_id is not None:
        from domain.audits.models import learning_point_themes

        stmt = stmt.where(
            LearningPoint.id.in_(
                select(learning_point_themes.c.learning_point_id).where(
                    learning_point_themes.c.theme_id == f.theme_id
                )
            )
        )
    if f.since is not None:
        stmt = stmt.where(LearningPoint.created_at >= f.since)
    if f.strengths_only:
        stmt = stmt.where(LearningPoint.is_strength.is_(True))
    return stmt


async def list_learning(
    *,
    session: AsyncSession,
    actor: Actor,
    filters: LearningFilter,
    first: int | None,
    after: str | None,
) -> Page[LearningPoint]:
    stmt = _learning(actor, filters).options(selectinload(LearningPoint.themes))
    return await paginate(
        session,
        stmt,
        order_by=[LearningPoint.created_at, LearningPoint.id],
        first=first,
        after=after,
        descending=True,
    )


async def count_learning(*, session: AsyncSession, actor: Actor, filters: LearningFilter) -> int:
    return await count(session, _learning(actor, filters))


@dataclass(frozen=True)
class ActionFilter:
    owner_id: uuid.UUID | None = None
    open_only: bool = True
    overdue_on: date | None = None


def _actions(actor: Actor, f: ActionFilter) -> Select[Any]:
    stmt = select(AuditAction).where(policy.visible_actions(actor))
    if f.owner_id is not None:
        stmt = stmt.where(AuditAction.owner_id == f.owner_id)
    if f.open_only:
        stmt = stmt.where(AuditAction.done_at.is_(None))
    if f.overdue_on is not None:
        stmt = stmt.where(and_(AuditAction.done_at.is_(None), AuditAction.due_date < f.overdue_on))
    return stmt


async def list_actions(
    *,
    session: AsyncSession,
    actor: Actor,
    filters: ActionFilter,
    first: int | None,
    after: str | None,
) -> Page[AuditAction]:
    return await paginate(
        session,
        _actions(actor, filters),
        order_by=[AuditAction.due_date, AuditAction.id],
        first=first,
        after=after,
    )


async def count_actions(*, session: AsyncSession, actor: Actor, filters: ActionFilter) -> int:
    return await count(session, _actions(actor, filters))


async def grades_visible(
    *, session: AsyncSession, actor: Actor, audits: Sequence[Audit]
) -> dict[uuid.UUID, bool]:
    """Blind benchmarking for a batch of audits: whether the actor may see each one's
    judgement (grades, rationales, answers, findings, moderations and events)."""
    round_ids = list({a.benchmark_round_id for a in audits if a.benchmark_round_id})
    rounds = await round_blindness(session, round_ids)
    out: dict[uuid.UUID, bool] = {}
    for audit in audits:
        blind, members = (
            rounds.get(audit.benchmark_round_id, (False, frozenset()))
            if audit.benchmark_round_id is not None
            else (False, frozenset())
        )
        out[audit.id] = policy.can_see_grades(
            actor, audit, round_blind=blind, participant_ids=members
        )
    return out


async def audits_of_rounds(
    *, session: AsyncSession, actor: Actor, round_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Audit]]:
    """The audits of each benchmarking round that the actor may see (one statement)."""
    out: dict[uuid.UUID, list[Audit]] = {i: [] for i in round_ids}
    if not round_ids:
        return out
    rows = await session.scalars(
        select(Audit)
        .where(Audit.benchmark_round_id.in_(round_ids), policy.visible_audits(actor))
        .options(selectinload(Audit.section_grades))
        .order_by(Audit.created_at.desc(), Audit.id)
    )
    for audit in rows:
        assert audit.benchmark_round_id is not None
        out[audit.benchmark_round_id].append(audit)
    return out


async def get_rounds(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, BenchmarkRound]:
    """Rounds read as their audits do: to whoever may see one of them."""
    if not ids:
        return {}
    visible = select(Audit.benchmark_round_id).where(
        Audit.benchmark_round_id.in_(ids), policy.visible_audits(actor)
    )
    rows = await session.scalars(
        select(BenchmarkRound).where(BenchmarkRound.id.in_(ids), BenchmarkRound.id.in_(visible))
    )
    return {r.id: r for r in rows}


async def get_follow_ups(
    *, session: AsyncSession, actor: Actor, model: Any, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Any]:
    """Actions, learning points or moderations by id, where the actor may see their audit
    (and, for a moderation, the audit's judgement; an action's owner always sees it)."""
    if not ids:
        return {}
    stmt = select(model).where(
        model.id.in_(ids),
        _learning_visible(actor)
        if model is LearningPoint
        else model.audit_id.in_(select(Audit.id).where(policy.visible_audits(actor)))
        if model is not AuditAction
        else policy.visible_actions(actor),
    )
    if model is LearningPoint:
        stmt = stmt.options(selectinload(LearningPoint.themes))
    found = {m.id: m for m in await session.scalars(stmt)}
    if model is Moderation and found:
        audits = list(
            await session.scalars(
                select(Audit).where(Audit.id.in_({m.audit_id for m in found.values()}))
            )
        )
        seen = await grades_visible(session=session, actor=actor, audits=audits)
        found = {i: m for i, m in found.items() if seen.get(m.audit_id)}
    return found
