"""Reading audits, their actions, learning and moderations, always through the policy's
filter."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from domain.audits import policy
from domain.audits.kinds import (
    OPEN_STATUSES,
    AuditKind,
    AuditStatus,
    Grade,
)
from domain.audits.models import (
    Audit,
    AuditAction,
    BenchmarkRound,
    LearningPoint,
    Moderation,
    Theme,
    audit_themes,
)
from domain.children.models import Child
from domain.core.db import rows_by
from domain.core.pagination import Page, count, paginate
from domain.core.roles import Actor
from domain.people.models import Team

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
    """Actions or moderations by id, where the actor may see their audit (and, for a
    moderation, the audit's judgement; an action's owner always sees it). Learning points, which
    come from other sources too, are read by domain/learning/points.py."""
    if not ids:
        return {}
    stmt = select(model).where(
        model.id.in_(ids),
        policy.visible_actions(actor)
        if model is AuditAction
        else model.audit_id.in_(select(Audit.id).where(policy.visible_audits(actor))),
    )
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
