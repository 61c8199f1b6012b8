"""The compliments and complaints register: recording, the statutory complaints procedure
with its deadlines as obligations, reading through the policy, and trends.

A complaint (`record_complaint`) starts at stage 1: its responder (a named responder, or the
Head of Service of the service concerned) owes the response `complaint_stage1_working_days`
after it was received. Then, each a use case here:
- `extend_stage`: stage 1 to `complaint_stage1_extended_working_days`, stage 2 to
  `complaint_stage2_extended_working_days`, counted from the stage's start; once, with a
  reason; the obligation moves.
- `respond`: the stage's response with its finding; the obligation is DONE.
- `escalate`: the complainant asks for the next stage: stage 2 (investigation, due
  `complaint_stage2_working_days` after the request) or stage 3 (a review panel, held within
  `complaint_stage3_panel_working_days` of the request).
- `close`: the complainant accepts the response (or does not escalate).
- `record_panel`: the stage 3 panel was held, with its finding; the procedure ends.
- `withdraw`: the complainant withdraws; whatever was owed is CANCELLED.
Every change writes its history in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits.models import Theme
from domain.audits.reference import themes_by_ids
from domain.children import service as children
from domain.core.clock import Clock, local_today
from domain.core.db import rows_by
from domain.core.errors import Conflict, InvalidInput, NotFound
from domain.core.pagination import Page, count, paginate
from domain.core.settings import PolicySettings
from domain.deadlines import obligations
from domain.deadlines import service as deadlines
from domain.deadlines.calendar import end_of_day
from domain.deadlines.models import ObligationKind, ObligationState
from domain.feedback import policy
from domain.feedback.flows import ComplaintEvent, next_status
from domain.feedback.models import (
    OPEN_STATUSES,
    ComplaintFinding,
    ComplaintStage,
    ComplaintStatus,
    FeedbackCategory,
    FeedbackKind,
    FeedbackRecord,
    FeedbackSource,
    feedback_themes,
)
from domain.history import service as history
from domain.history.models import HistoryEntry
from domain.people import service as people
from domain.people.models import Person, Service, Team
from domain.people.roles import Actor

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


def _text(value: str | None, field: str, *, required: bool) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise InvalidInput("Write a few words; this cannot be empty.", field=field)
        return None
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(f"At most {MAX_TEXT} characters.", field=field)
    return cleaned


def _working_days(policy_settings: PolicySettings, stage: int, *, extended: bool) -> int:
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


async def _record(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    record: FeedbackRecord,
    action: str,
    changes: dict[str, Any],
) -> None:
    record.updated_at = clock.now()
    await history.record(
        session=session,
        actor=actor,
        clock=clock,
        action=action,
        object_type=SUBJECT,
        object_id=record.id,
        changes=changes,
    )


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
    summary = _text(details.summary, "summary", required=True)
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
        outcome=_text(details.outcome, "outcome", required=False),
        learning=_text(details.learning, "learning", required=False),
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
    await _record(
        session, actor, clock, record, "feedback.compliment_recorded", _details_changes(record)
    )
    return record


async def _responder(
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


async def _open_stage(
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
        started_on, _working_days(policy_settings, stage, extended=False)
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
    record.responder_id = await _responder(session, actor, record.service_id, responder_id)
    stage = await _open_stage(session, clock, record, 1, record.received_on, policy_settings)
    changes = _details_changes(record)
    changes |= {
        "status": [None, ComplaintStatus.STAGE_1.value],
        "responder_id": [None, str(record.responder_id)],
        "stage_1_due": [None, stage.due_on.isoformat()],
    }
    await _record(session, actor, clock, record, "feedback.complaint_recorded", changes)
    return record


async def _load_complaint(
    session: AsyncSession, actor: Actor, feedback_id: uuid.UUID
) -> FeedbackRecord:
    record = await session.scalar(
        select(FeedbackRecord)
        .where(FeedbackRecord.id == feedback_id, policy.visible_feedback(actor))
        .with_for_update()
    )
    if record is None:
        raise NotFound("compliment or complaint", field="feedbackId")
    policy.check_can_act_on(actor, record)
    if record.status is None:
        raise Conflict("A compliment has no complaint stages.", field="feedbackId")
    return record


async def _stage_row(session: AsyncSession, record: FeedbackRecord, stage: int) -> ComplaintStage:
    row = await session.scalar(
        select(ComplaintStage)
        .where(ComplaintStage.feedback_id == record.id, ComplaintStage.stage == stage)
        .with_for_update()
    )
    assert row is not None  # every stage reached has its row
    return row


def _current_stage(record: FeedbackRecord) -> int:
    assert record.status is not None
    stage = STAGE_OF_STATUS.get(record.status)
    if stage is None:
        raise Conflict("No stage is waiting for a response.", field="status")
    return stage


async def extend_stage(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    feedback_id: uuid.UUID,
    reason: str,
    policy_settings: PolicySettings,
) -> FeedbackRecord:
    """Extend the current stage's response (stage 1 to 20 working days, stage 2 to 65, from
    the stage's start): once, with a reason. Stage 3's panel is not extended."""
    record = await _load_complaint(session, actor, feedback_id)
    assert record.status is not None
    status = next_status(record.status, ComplaintEvent.EXTEND)
    stage = _current_stage(record)
    text = _text(reason, "reason", required=True)
    row = await _stage_row(session, record, stage)
    if row.extended_at is not None:
        raise Conflict(f"Stage {stage} has already been extended once.", field="reason")
    working = await deadlines.calendar(session)
    before = row.due_on
    row.due_on = working.working_days_after(
        row.started_on, _working_days(policy_settings, stage, extended=True)
    )
    row.extended_at, row.extension_reason = clock.now(), text
    record.status = status
    await obligations.move_obligation(
        session=session,
        key=obligations.obligation_key(STAGE_OBLIGATION[stage], record.id),
        due_at=end_of_day(row.due_on),
    )
    await _record(
        session,
        actor,
        clock,
        record,
        "feedback.stage_extended",
        {
            "stage": stage,
            f"stage_{stage}_due": [before.isoformat(), row.due_on.isoformat()],
            "reason": text,
        },
    )
    return record


async def _discharge(
    session: AsyncSession, clock: Clock, actor: Actor, record: FeedbackRecord, stage: int
) -> None:
    await obligations.close_obligation(
        session=session,
        clock=clock,
        key=obligations.obligation_key(STAGE_OBLIGATION[stage], record.id),
        state=ObligationState.DONE,
        by=actor.person_id,
    )


async def respond(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    feedback_id: uuid.UUID,
    finding: ComplaintFinding,
    response: str,
    learning: str | None,
) -> FeedbackRecord:
    """The stage 1 response or the stage 2 adjudication is sent: its finding and a summary
    of it (the complaint's outcome so far), and any learning."""
    record = await _load_complaint(session, actor, feedback_id)
    assert record.status is not None
    before = record.status
    status = next_status(record.status, ComplaintEvent.RESPOND)
    stage = _current_stage(record)
    text = _text(response, "response", required=True)
    lesson = _text(learning, "learning", required=False)
    row = await _stage_row(session, record, stage)
    row.finding, row.response = finding, text
    row.responded_on = local_today(clock)
    row.responded_at, row.responded_by_id = clock.now(), actor.person_id
    record.status, record.outcome = status, text
    if lesson is not None:
        record.learning = lesson
    await _discharge(session, clock, actor, record, stage)
    await _record(
        session,
        actor,
        clock,
        record,
        "feedback.complaint_responded",
        {
            "stage": stage,
            "status": [before.value, status.value],
            "finding": [None, finding.value],
            "outcome": text,
            "learning": lesson,
        },
    )
    return record


async def escalate(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    feedback_id: uuid.UUID,
    requested_on: date | None,
    responder_id: uuid.UUID | None,
    policy_settings: PolicySettings,
) -> FeedbackRecord:
    """The complainant asks for the next stage (on `requested_on`, today when not given):
    stage 2's investigation, or stage 3's review panel. A new responder may be named."""
    record = await _load_complaint(session, actor, feedback_id)
    assert record.status is not None
    before = record.status
    status = next_status(record.status, ComplaintEvent.ESCALATE)
    stage = STAGE_OF_STATUS[status]
    today = local_today(clock)
    day = requested_on or today
    if day > today:
        raise InvalidInput("The request cannot be in the future.", field="requestedOn")
    previous = await _stage_row(session, record, stage - 1)
    if previous.responded_on is not None and day < previous.responded_on:
        raise InvalidInput(
            f"The request comes after the stage {stage - 1} response.", field="requestedOn"
        )
    if responder_id is not None:
        record.responder_id = await _responder(session, actor, record.service_id, responder_id)
    record.status = status
    row = await _open_stage(session, clock, record, stage, day, policy_settings)
    await _record(
        session,
        actor,
        clock,
        record,
        "feedback.complaint_escalated",
        {
            "status": [before.value, status.value],
            "requested_on": day.isoformat(),
            "responder_id": str(record.responder_id),
            f"stage_{stage}_due": [None, row.due_on.isoformat()],
        },
    )
    return record


async def close(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    feedback_id: uuid.UUID,
    learning: str | None,
) -> FeedbackRecord:
    """The complainant accepts the response, or does not ask for the next stage: the
    complaint closes with the response as its outcome."""
    record = await _load_complaint(session, actor, feedback_id)
    assert record.status is not None
    before = record.status
    record.status = next_status(record.status, ComplaintEvent.CLOSE)
    lesson = _text(learning, "learning", required=False)
    if lesson is not None:
        record.learning = lesson
    record.closed_at = clock.now()
    await _record(
        session,
        actor,
        clock,
        record,
        "feedback.complaint_closed",
        {"status": [before.value, record.status.value], "learning": lesson},
    )
    return record


async def record_panel(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    feedback_id: uuid.UUID,
    held_on: date,
    finding: ComplaintFinding,
    recommendations: str,
    learning: str | None,
) -> FeedbackRecord:
    """The stage 3 review panel was held: its finding and recommendations end the procedure."""
    record = await _load_complaint(session, actor, feedback_id)
    assert record.status is not None
    before = record.status
    status = next_status(record.status, ComplaintEvent.HOLD_PANEL)
    row = await _stage_row(session, record, 3)
    if held_on > local_today(clock):
        raise InvalidInput("The panel has not been held yet.", field="heldOn")
    if held_on < row.started_on:
        raise InvalidInput("The panel is held after it was requested.", field="heldOn")
    text = _text(recommendations, "recommendations", required=True)
    lesson = _text(learning, "learning", required=False)
    row.finding, row.response, row.responded_on = finding, text, held_on
    row.responded_at, row.responded_by_id = clock.now(), actor.person_id
    record.status, record.outcome, record.closed_at = status, text, clock.now()
    if lesson is not None:
        record.learning = lesson
    await _discharge(session, clock, actor, record, 3)
    await _record(
        session,
        actor,
        clock,
        record,
        "feedback.panel_held",
        {
            "status": [before.value, status.value],
            "held_on": held_on.isoformat(),
            "finding": [None, finding.value],
            "outcome": text,
            "learning": lesson,
        },
    )
    return record


async def withdraw(
    *, session: AsyncSession, actor: Actor, clock: Clock, feedback_id: uuid.UUID, reason: str
) -> FeedbackRecord:
    """The complainant withdraws the complaint: whatever stage was owed is cancelled."""
    record = await _load_complaint(session, actor, feedback_id)
    assert record.status is not None
    before = record.status
    record.status = next_status(record.status, ComplaintEvent.WITHDRAW)
    text = _text(reason, "reason", required=True)
    record.withdrawn_reason, record.closed_at = text, clock.now()
    if (stage := STAGE_OF_STATUS.get(before)) is not None:
        await obligations.close_obligation(
            session=session,
            clock=clock,
            key=obligations.obligation_key(STAGE_OBLIGATION[stage], record.id),
            state=ObligationState.CANCELLED,
            by=actor.person_id,
        )
    await _record(
        session,
        actor,
        clock,
        record,
        "feedback.complaint_withdrawn",
        {"status": [before.value, record.status.value], "reason": text},
    )
    return record


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackFilter:
    kind: FeedbackKind | None = None
    statuses: tuple[ComplaintStatus, ...] = ()
    open_only: bool = False
    team_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    category: FeedbackCategory | None = None
    received_from: date | None = None
    received_to: date | None = None


def _statement(actor: Actor, f: FeedbackFilter) -> Select[Any]:
    stmt = select(FeedbackRecord).where(policy.visible_feedback(actor))
    if f.kind is not None:
        stmt = stmt.where(FeedbackRecord.kind == f.kind)
    if f.statuses:
        stmt = stmt.where(FeedbackRecord.status.in_(f.statuses))
    if f.open_only:
        stmt = stmt.where(FeedbackRecord.status.in_(OPEN_STATUSES))
    if f.team_id is not None:
        stmt = stmt.where(FeedbackRecord.team_id == f.team_id)
    if f.service_id is not None:
        stmt = stmt.where(FeedbackRecord.service_id == f.service_id)
    if f.category is not None:
        stmt = stmt.where(FeedbackRecord.category == f.category)
    if f.received_from is not None:
        stmt = stmt.where(FeedbackRecord.received_on >= f.received_from)
    if f.received_to is not None:
        stmt = stmt.where(FeedbackRecord.received_on <= f.received_to)
    return stmt


async def list_feedback(
    *,
    session: AsyncSession,
    actor: Actor,
    filters: FeedbackFilter,
    first: int | None,
    after: str | None,
) -> Page[FeedbackRecord]:
    """Records the actor may see, most recently received first."""
    return await paginate(
        session,
        _statement(actor, filters),
        order_by=[FeedbackRecord.received_on, FeedbackRecord.id],
        first=first,
        after=after,
        descending=True,
    )


async def count_feedback(*, session: AsyncSession, actor: Actor, filters: FeedbackFilter) -> int:
    return await count(session, _statement(actor, filters))


async def get_feedback_records(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, FeedbackRecord]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(FeedbackRecord).where(FeedbackRecord.id.in_(ids), policy.visible_feedback(actor))
    )
    return {r.id: r for r in rows}


async def get_feedback_record(
    *, session: AsyncSession, actor: Actor, feedback_id: uuid.UUID
) -> FeedbackRecord:
    found = await get_feedback_records(session=session, actor=actor, ids=[feedback_id])
    if feedback_id not in found:
        raise NotFound("compliment or complaint", field="feedbackId")
    return found[feedback_id]


async def themes_of(
    session: AsyncSession, feedback_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Theme]]:
    out: dict[uuid.UUID, list[Theme]] = {i: [] for i in feedback_ids}
    if feedback_ids:
        rows = await session.execute(
            select(feedback_themes.c.feedback_id, Theme)
            .join(Theme, Theme.id == feedback_themes.c.theme_id)
            .where(feedback_themes.c.feedback_id.in_(feedback_ids))
            .order_by(Theme.name)
        )
        for feedback_id, theme in rows:
            out[feedback_id].append(theme)
    return out


async def stages_of(
    session: AsyncSession, feedback_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ComplaintStage]]:
    return await rows_by(session, ComplaintStage.feedback_id, feedback_ids, ComplaintStage.stage)


async def history_of(
    session: AsyncSession, feedback_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[HistoryEntry]]:
    return await history.entries_of(session, SUBJECT, feedback_ids)


# --- trends ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendCount:
    key: str | None  # a month "2026-12", a team's or theme's id, a category; None: no team
    label: str
    count: int | None  # None when suppressed
    suppressed: bool = False


@dataclass
class KindTrends:
    total: int = 0
    by_month: list[TrendCount] = field(default_factory=list)
    by_team: list[TrendCount] = field(default_factory=list)
    by_category: list[TrendCount] = field(default_factory=list)
    by_theme: list[TrendCount] = field(default_factory=list)


@dataclass(frozen=True)
class Trends:
    since: date
    until: date
    compliments: KindTrends
    complaints: KindTrends


CATEGORY_LABELS = {
    FeedbackCategory.COMMUNICATION: "Communication",
    FeedbackCategory.QUALITY_OF_SERVICE: "Quality of service",
    FeedbackCategory.STAFF_CONDUCT: "Staff conduct",
    FeedbackCategory.DELAY: "Delay",
    FeedbackCategory.DECISION: "A decision",
    FeedbackCategory.CONTACT_ARRANGEMENTS: "Contact arrangements",
    FeedbackCategory.PLACEMENT: "Placement",
    FeedbackCategory.OTHER: "Other",
}
NO_TEAM = "The service as a whole"


def suppress_small_teams(cells: list[TrendCount], minimum: int) -> list[TrendCount]:
    """Complaints by team with small counts hidden: a handful of complaints about one team in
    a period can point to the family who made them, so a team's cell with fewer than
    `minimum` complaints (`policy.minimum_group_size`, default 5) reads as suppressed, its
    count None. Zero is never a cell (a team with none is not listed).

    Secondary suppression: when exactly one cell is hidden, the complaints' `total` minus the
    other cells would give it away, so the smallest other cell is hidden too (the row for the
    service as a whole included). Only the team breakdown is suppressed: by month, category
    and theme the counts are across teams, and no month-by-team breakdown exists."""
    hidden = {
        i
        for i, c in enumerate(cells)
        if c.key is not None and c.count is not None and c.count < minimum
    }
    if len(hidden) == 1:
        others = [(c.count or 0, i) for i, c in enumerate(cells) if i not in hidden]
        if others:
            hidden.add(min(others)[1])
    return [
        TrendCount(c.key, c.label, None, suppressed=True) if i in hidden else c
        for i, c in enumerate(cells)
    ]


async def trends(
    *,
    session: AsyncSession,
    actor: Actor,
    since: date,
    until: date,
    policy_settings: PolicySettings | None = None,
) -> Trends:
    """Counts of the compliments and of the complaints received between `since` and `until`
    (inclusive) that the actor may see, by month, team, category and theme: four GROUP BY
    statements, whatever the number of records. Only counts leave the database.

    Complaints by team are subject to small-group suppression (`suppress_small_teams`):
    a team's cell with fewer than `minimum_group_size` complaints shows no count. Compliments
    identify no one who complained, so they are shown as counted."""
    minimum = (policy_settings or PolicySettings()).minimum_group_size
    policy.check_can_read_trends(actor)
    if since > until:
        raise InvalidInput("The start comes before the end.", field="from")
    seen = (
        policy.visible_feedback(actor),
        FeedbackRecord.received_on >= since,
        FeedbackRecord.received_on <= until,
    )
    out = {FeedbackKind.COMPLIMENT: KindTrends(), FeedbackKind.COMPLAINT: KindTrends()}
    n = func.count(FeedbackRecord.id.distinct()).label("n")
    month = func.to_char(FeedbackRecord.received_on, "YYYY-MM")
    for kind, key, m in await session.execute(
        select(FeedbackRecord.kind, month, n)
        .where(*seen)
        .group_by(FeedbackRecord.kind, month)
        .order_by(month)
    ):
        year, number = key.split("-")
        label = date(int(year), int(number), 1).strftime("%B %Y")
        out[kind].by_month.append(TrendCount(key, label, m))
    for kind, team_id, name, m in await session.execute(
        select(FeedbackRecord.kind, FeedbackRecord.team_id, Team.name, n)
        .outerjoin(Team, Team.id == FeedbackRecord.team_id)
        .where(*seen)
        .group_by(FeedbackRecord.kind, FeedbackRecord.team_id, Team.name)
        .order_by(n.desc(), Team.name)
    ):
        out[kind].by_team.append(TrendCount(str(team_id) if team_id else None, name or NO_TEAM, m))
    for kind, category, m in await session.execute(
        select(FeedbackRecord.kind, FeedbackRecord.category, n)
        .where(*seen)
        .group_by(FeedbackRecord.kind, FeedbackRecord.category)
        .order_by(n.desc(), FeedbackRecord.category)
    ):
        out[kind].by_category.append(TrendCount(category.value, CATEGORY_LABELS[category], m))
        out[kind].total += m
    for kind, theme_id, name, m in await session.execute(
        select(FeedbackRecord.kind, Theme.id, Theme.name, n)
        .join(feedback_themes, feedback_themes.c.feedback_id == FeedbackRecord.id)
        .join(Theme, Theme.id == feedback_themes.c.theme_id)
        .where(*seen)
        .group_by(FeedbackRecord.kind, Theme.id, Theme.name)
        .order_by(n.desc(), Theme.name)
    ):
        out[kind].by_theme.append(TrendCount(str(theme_id), name, m))
    complaints = out[FeedbackKind.COMPLAINT]
    complaints.by_team = suppress_small_teams(complaints.by_team, minimum)
    return Trends(
        since=since,
        until=until,
        compliments=out[FeedbackKind.COMPLIMENT],
        complaints=complaints,
    )
