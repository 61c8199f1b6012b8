"""The compliments and complaints register: recording a compliment, or a complaint, which
starts at stage 1 of the statutory procedure (`complaints.py` takes it on): its responder (a
named responder, or the Head of Service of the service concerned) owes the response
`complaint_stage1_working_days` after it was received, an obligation. The helpers the
procedure shares are here too. Every change writes its history in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits.reference import themes_by_ids
from domain.children import service as children
from domain.core.clock import Clock, local_today
from domain.core.errors import InvalidInput, NotFound
from domain.core.roles import Actor
from domain.core.settings import PolicySettings
from domain.deadlines import obligations
from domain.deadlines import service as deadlines
from domain.deadlines.calendar import end_of_day
from domain.deadlines.models import ObligationKind
from domain.feedback import policy
from domain.feedback.models import (
    ComplaintStage,
    ComplaintStatus,
    FeedbackCategory,
    FeedbackKind,
    FeedbackRecord,
    FeedbackSource,
)
from domain.history import service as history
from domain.people import service as people
from domain.people.models import Person, Service, Team

SUBJECT = "FeedbackRecord"
MAX_TEXT = 10_000
K = ObligationKind
STAGE_OBLIGATION = {
    1: K.COMPLAINT_STAGE1_DUE,
    2: K.COMPLAINT_STAGE2_DUE,
    3: K.COMPLAINT_STAGE3_PANEL_DUE,
}
# The stage a complaint is at, by its status (None: between stages or ended).
STAGE_OF_STATUS = {
    ComplaintStatus.STAGE_1: 1,
    ComplaintStatus.STAGE_2: 2,
    ComplaintStatus.STAGE_3: 3,
}


def clean_text(value: str | None, field: str, *, required: bool) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise InvalidInput("Write a few words; this cannot be empty.", field=field)
        return None
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(f"At most {MAX_TEXT} characters.", field=field)
    return cleaned


def working_days(policy_settings: PolicySettings, stage: int, *, extended: bool) -> int:
    if stage == 1:
        return (
            policy_settings.complaint_stage1_extended_working_days
            if extended
            else policy_settings.complaint_stage1_working_days
        )
    if stage == 2:
        return (
            policy_settings.complaint_stage2_extended_working_days
            if extended
            else policy_settings.complaint_stage2_working_days
        )
    return policy_settings.complaint_stage3_panel_working_days


async def write_history(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    record: FeedbackRecord,
    action: str,
    changes: dict[str, Any],
) -> None:
    record.updated_at = clock.now()
    change = history.Change(action, SUBJECT, record.id, changes)
    await history.record_many(session=session, actor=actor, clock=clock, entries=[change])


# --- recording ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackDetails:
    """What the register records of every compliment and complaint."""

    received_on: date
    source: FeedbackSource
    category: FeedbackCategory
    summary: str
    service_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    child_id: uuid.UUID | None = None
    theme_ids: Sequence[uuid.UUID] = field(default_factory=tuple)
    outcome: str | None = None
    learning: str | None = None


async def _about(
    session: AsyncSession, service_id: uuid.UUID | None, team_id: uuid.UUID | None
) -> tuple[uuid.UUID, uuid.UUID | None]:
    """The service (and team) a record is about: at least one given; a team's service is the
    service."""
    if team_id is not None:
        team_service = await session.scalar(select(Team.service_id).where(Team.id == team_id))
        if team_service is None:
            raise NotFound("team", field="teamId")
        if service_id is not None and service_id != team_service:
            raise InvalidInput("That team is not in that service.", field="teamId")
        return team_service, team_id
    if service_id is None:
        raise InvalidInput("Say which team or service it is about.", field="serviceId")
    if await session.get(Service, service_id) is None:
        raise NotFound("service", field="serviceId")
    return service_id, None


async def _new_record(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    kind: FeedbackKind,
    details: FeedbackDetails,
) -> FeedbackRecord:
    service_id, team_id = await _about(session, details.service_id, details.team_id)
    policy.check_can_record(actor, service_id, team_id)
    if details.received_on > local_today(clock):
        raise InvalidInput("It cannot have been received in the future.", field="receivedOn")
    summary = clean_text(details.summary, "summary", required=True)
    assert summary is not None
    if details.child_id is not None:
        found = await children.get_children(session=session, actor=actor, ids=[details.child_id])
        if details.child_id not in found:
            raise NotFound("child", field="childId")
    themes = await themes_by_ids(session, list(dict.fromkeys(details.theme_ids)), "themeIds")
    now = clock.now()
    record = FeedbackRecord(
        id=uuid.uuid4(),
        kind=kind,
        received_on=details.received_on,
        source=details.source,
        service_id=service_id,
        team_id=team_id,
        category=details.category,
        summary=summary,
        child_id=details.child_id,
        outcome=clean_text(details.outcome, "outcome", required=False),
        learning=clean_text(details.learning, "learning", required=False),
        status=ComplaintStatus.STAGE_1 if kind is FeedbackKind.COMPLAINT else None,
        recorded_by_id=actor.person_id,
        created_at=now,
        updated_at=now,
    )
    record.themes = themes
    session.add(record)
    await session.flush()
    return record


def _details_changes(record: FeedbackRecord) -> dict[str, Any]:
    return {
        "kind": [None, record.kind.value],
        "received_on": [None, record.received_on.isoformat()],
        "source": [None, record.source.value],
        "service_id": [None, str(record.service_id)],
        "team_id": [None, history.plain(record.team_id)],
        "category": [None, record.category.value],
        "summary": [None, record.summary],
        "child_id": [None, history.plain(record.child_id)],
        "themes": [None, sorted(str(t.id) for t in record.themes)],
        "outcome": [None, record.outcome],
        "learning": [None, record.learning],
    }


async def record_compliment(
    *, session: AsyncSession, actor: Actor, clock: Clock, details: FeedbackDetails
) -> FeedbackRecord:
    """A compliment enters the register, with what it praised and the learning from it."""
    record = await _new_record(session, actor, clock, FeedbackKind.COMPLIMENT, details)
    await write_history(
        session, actor, clock, record, "feedback.compliment_recorded", _details_changes(record)
    )
    return record


async def responder_for(
    session: AsyncSession, actor: Actor, service_id: uuid.UUID, named: uuid.UUID | None
) -> uuid.UUID:
    """Who owes the responses: the named responder; else the Head of Service of the service
    concerned; failing one (a vacancy), the AED; failing one, whoever records it."""
    if named is not None:
        active = await session.scalar(select(Person.is_active).where(Person.id == named))
        if not active:
            raise NotFound("person", field="responderId")
        return named
    responsible = await people.responsible_head_of_service(session, service_id)
    found = responsible.id if responsible is not None else actor.person_id
    if found is None:
        raise InvalidInput("Name who responds to this complaint.", field="responderId")
    return found


async def open_stage(
    session: AsyncSession,
    clock: Clock,
    record: FeedbackRecord,
    stage: int,
    started_on: date,
    policy_settings: PolicySettings,
) -> ComplaintStage:
    assert record.responder_id is not None
    working = await deadlines.calendar(session)
    due = working.working_days_after(
        started_on, working_days(policy_settings, stage, extended=False)
    )
    row = ComplaintStage(
        feedback_id=record.id,
        stage=stage,
        started_on=started_on,
        due_on=due,
        owner_id=record.responder_id,
    )
    session.add(row)
    kind = STAGE_OBLIGATION[stage]
    await obligations.open_obligation(
        session=session,
        clock=clock,
        kind=kind,
        subject_type=SUBJECT,
        subject_id=record.id,
        owner_id=record.responder_id,
        due_at=end_of_day(due),
        key=obligations.obligation_key(kind, record.id),
    )
    await session.flush()
    return row


async def record_complaint(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    details: FeedbackDetails,
    responder_id: uuid.UUID | None,
    policy_settings: PolicySettings,
) -> FeedbackRecord:
    """A complaint enters the register at stage 1; its responder owes the stage 1 response
    `complaint_stage1_working_days` working days after it was received."""
    record = await _new_record(session, actor, clock, FeedbackKind.COMPLAINT, details)
    record.responder_id = await responder_for(session, actor, record.service_id, responder_id)
    stage = await open_stage(session, clock, record, 1, record.received_on, policy_settings)
    changes = _details_changes(record)
    changes |= {
        "status": [None, ComplaintStatus.STAGE_1.value],
        "responder_id": [None, str(record.responder_id)],
        "stage_1_due": [None, stage.due_on.isoformat()],
    }
    await write_history(session, actor, clock, record, "feedback.complaint_recorded", changes)
    return record
