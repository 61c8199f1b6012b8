"""Doing the audit: start, record (answers, grades, voices, findings), submit, reopen, and
the practitioner's reflections."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import policy
from domain.audits.common import (
    VOICE_WHO,
    clean_text,
    load_for_change,
    record_change,
    transition,
)
from domain.audits.flows import AuditEvent, next_status
from domain.audits.kinds import (
    Agreement,
    AuditKind,
    AuditStatus,
    Grade,
)
from domain.audits.models import (
    Audit,
    AuditSectionGrade,
    BenchmarkRound,
)
from domain.audits.reference import current_template
from domain.audits.templates import check_answers, graded_sections, parse_sections
from domain.children.models import Child
from domain.core.clock import Clock, local_today
from domain.core.errors import Conflict, InvalidInput
from domain.core.roles import Actor
from domain.history import service as history

# --- doing the audit ---------------------------------------------------------------------------


async def start_audit(
    *, session: AsyncSession, actor: Actor, clock: Clock, audit_id: uuid.UUID
) -> Audit:
    audit = await load_for_change(session, actor, audit_id)
    policy.check_is_auditor(actor, audit)
    # The audit is pinned to the template version in force when work starts.
    template = await current_template(session, audit.kind)
    audit.template_id, audit.template = template.id, template
    audit.started_at = clock.now()
    await transition(
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


def template_sections(audit: Audit) -> Any:
    return parse_sections(audit.template.sections)


async def apply_record(
    session: AsyncSession, clock: Clock, audit: Audit, record: AuditRecord
) -> dict[str, Any]:
    before = snapshot(audit)
    sections = template_sections(audit)
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
            rationale = clean_text(item.rationale, f"{where}.rationale", required=True)
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
        audit.overall_rationale = clean_text(record.overall_rationale, "overallRationale")
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
            said = clean_text(voice.said, f"voices[{i}].said", required=True)
            voices.append({"who": voice.who, "said": said or ""})
        audit.voices = voices
    if record.findings is not None:
        audit.findings = clean_text(record.findings, "findings")
    await session.flush()
    audit.updated_at = clock.now()
    return history.diff(before, snapshot(audit))


def snapshot(audit: Audit) -> dict[str, Any]:
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
    policy.check_is_auditor(actor, audit)
    if audit.status is not AuditStatus.IN_PROGRESS:
        raise Conflict(
            "Only an audit in progress can be changed; start or reopen it.", field="status"
        )
    changes = await apply_record(session, clock, audit, record)
    if changes:
        await record_change(session, actor, clock, audit, "audit.saved", changes)
    return audit


def check_complete(audit: Audit) -> None:
    """Everything a finished audit needs, each refusal naming its field."""
    sections = template_sections(audit)
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


async def finish_work(
    session: AsyncSession, actor: Actor, clock: Clock, audit_id: uuid.UUID, event: AuditEvent
) -> Audit:
    """Submit or complete (`event`): the auditor's, once everything a finished audit needs
    is there."""
    audit = await load_for_change(session, actor, audit_id)
    policy.check_is_auditor(actor, audit)
    next_status(audit.status, event)
    check_complete(audit)
    if event is AuditEvent.SUBMIT:
        audit.submitted_at = clock.now()
    else:
        audit.completed_at = clock.now()
    await transition(session, actor, clock, audit, event)
    return audit


async def submit_audit(
    *, session: AsyncSession, actor: Actor, clock: Clock, audit_id: uuid.UUID
) -> Audit:
    return await finish_work(session, actor, clock, audit_id, AuditEvent.SUBMIT)


async def reopen_audit(
    *, session: AsyncSession, actor: Actor, clock: Clock, audit_id: uuid.UUID
) -> Audit:
    audit = await load_for_change(session, actor, audit_id)
    policy.check_is_auditor(actor, audit)
    if audit.benchmark_round_id is not None:
        round_ = await session.get(BenchmarkRound, audit.benchmark_round_id)
        if round_ is not None and round_.agreed_at is not None:
            raise Conflict(
                "The round's grade is agreed: this audit can no longer change.", field="status"
            )
    await transition(session, actor, clock, audit, AuditEvent.REOPEN)
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
    policy.check_can_reflect(actor, audit, allocated)
    if audit.status not in (AuditStatus.IN_PROGRESS, AuditStatus.SUBMITTED):
        raise Conflict(
            "Reflections are added while the audit is in progress or submitted.", field="status"
        )
    before = snapshot(audit)
    audit.practitioner_reflections = clean_text(reflections, "reflections", required=True)
    audit.practitioner_agreement = agreement
    audit.updated_at = clock.now()
    await record_change(
        session, actor, clock, audit, "audit.reflected", history.diff(before, snapshot(audit))
    )
    return audit
