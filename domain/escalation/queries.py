"""Reading Inadequate processes, always through the policy's filter."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.children import policy as children_policy
from domain.children.models import Child
from domain.core.db import rows_by
from domain.core.errors import NotFound
from domain.core.pagination import Page, count, paginate
from domain.core.roles import Actor
from domain.deadlines.models import Obligation
from domain.escalation import policy
from domain.escalation.common import (
    SUBJECT,
    K,
    owed_for,
)
from domain.escalation.models import (
    OPEN_STAGES,
    EscalationStage,
    InadequateEscalation,
    OtherCaseReview,
    SupervisionReview,
)
from domain.escalation.timeline import SUPERVISION_REVIEWS as SUPERVISION_REVIEWS
from domain.escalation.timeline import Step as Step
from domain.escalation.timeline import StepKind as StepKind
from domain.escalation.timeline import StepStatus as StepStatus
from domain.escalation.timeline import months_after as months_after
from domain.escalation.timeline import steps as steps
from domain.history import service as history
from domain.history.models import HistoryEntry

# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationFilter:
    open_only: bool = False
    stages: tuple[EscalationStage, ...] = ()
    child_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    audit_id: uuid.UUID | None = None


def escalations_statement(actor: Actor, f: EscalationFilter) -> Select[Any]:
    stmt = select(InadequateEscalation).where(policy.visible_escalations(actor))
    if f.open_only:
        stmt = stmt.where(InadequateEscalation.stage.in_(OPEN_STAGES))
    if f.stages:
        stmt = stmt.where(InadequateEscalation.stage.in_(f.stages))
    if f.child_id is not None:
        stmt = stmt.where(InadequateEscalation.child_id == f.child_id)
    if f.service_id is not None:
        stmt = stmt.where(InadequateEscalation.service_id == f.service_id)
    if f.audit_id is not None:
        stmt = stmt.where(InadequateEscalation.audit_id == f.audit_id)
    return stmt


async def list_escalations(
    *,
    session: AsyncSession,
    actor: Actor,
    filters: EscalationFilter,
    first: int | None,
    after: str | None,
) -> Page[InadequateEscalation]:
    """Processes the actor may see, most recently started first."""
    return await paginate(
        session,
        escalations_statement(actor, filters),
        order_by=[InadequateEscalation.started_at, InadequateEscalation.id],
        first=first,
        after=after,
        descending=True,
    )


async def count_escalations(
    *, session: AsyncSession, actor: Actor, filters: EscalationFilter
) -> int:
    return await count(session, escalations_statement(actor, filters))


async def get_escalations(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, InadequateEscalation]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(InadequateEscalation).where(
            InadequateEscalation.id.in_(ids), policy.visible_escalations(actor)
        )
    )
    return {e.id: e for e in rows}


async def get_escalation(
    *, session: AsyncSession, actor: Actor, escalation_id: uuid.UUID
) -> InadequateEscalation:
    found = await get_escalations(session=session, actor=actor, ids=[escalation_id])
    if escalation_id not in found:
        raise NotFound("Inadequate process", field="escalationId")
    return found[escalation_id]


async def escalations_of_audits(
    session: AsyncSession, audit_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, InadequateEscalation]:
    """The process of each audit that has one (for an audit the caller may already see)."""
    if not audit_ids:
        return {}
    rows = await session.scalars(
        select(InadequateEscalation).where(InadequateEscalation.audit_id.in_(audit_ids))
    )
    return {e.audit_id: e for e in rows}


async def other_cases_of(
    session: AsyncSession, actor: Actor, escalation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OtherCaseReview]]:
    """The practitioner's other cases under review, for processes the actor already sees:
    only those whose child the actor may see (a case reference is child-linked), in one
    statement."""
    out: dict[uuid.UUID, list[OtherCaseReview]] = {i: [] for i in escalation_ids}
    if escalation_ids:
        rows = await session.scalars(
            select(OtherCaseReview)
            .where(
                OtherCaseReview.escalation_id.in_(list(escalation_ids)),
                OtherCaseReview.child_id.in_(
                    select(Child.id).where(children_policy.visible_children(actor))
                ),
            )
            .order_by(OtherCaseReview.case_reference)
        )
        for row in rows:
            out[row.escalation_id].append(row)
    return out


async def supervision_reviews_of(
    session: AsyncSession, escalation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[SupervisionReview]]:
    return await rows_by(
        session, SupervisionReview.escalation_id, escalation_ids, SupervisionReview.number
    )


async def history_of(
    session: AsyncSession, actor: Actor, escalation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[HistoryEntry]]:
    """Who did what when, oldest first (for processes the caller may already see), without
    the entries about another case (a review of one of the practitioner's other cases) whose
    child the caller may not see."""
    return await history.entries_of(
        session,
        SUBJECT,
        escalation_ids,
        children_policy.names_visible_case(actor, HistoryEntry.changes),
    )


async def obligations_of(
    session: AsyncSession, escalations: Sequence[InadequateEscalation]
) -> dict[uuid.UUID, list[Obligation]]:
    """Every obligation of each process: its own steps', and its desk-top audit's."""
    out: dict[uuid.UUID, list[Obligation]] = {e.id: [] for e in escalations}
    by_audit = {e.desk_top_audit_id: e.id for e in escalations if e.desk_top_audit_id}
    if not escalations:
        return out
    rows = await session.scalars(
        select(Obligation).where(
            owed_for(*out)
            | (Obligation.kind == K.AUDIT_DUE) & Obligation.subject_id.in_(list(by_audit))
        )
    )
    for row in rows:
        owner = by_audit.get(row.subject_id) if row.kind is K.AUDIT_DUE else row.subject_id
        if owner in out:
            out[owner].append(row)
    return out
