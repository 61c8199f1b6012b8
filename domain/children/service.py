"""Reading children's records, always through the policy's SQL filter."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from domain.children import policy
from domain.children.models import Child
from domain.core.pagination import Page, count, paginate
from domain.core.roles import Actor
from domain.people.models import Team


class Cohort(StrEnum):
    CHILD_IN_NEED = "CHILD_IN_NEED"
    CHILD_PROTECTION = "CHILD_PROTECTION"
    LOOKED_AFTER = "LOOKED_AFTER"
    CARE_LEAVER = "CARE_LEAVER"
    FAMILY_FIRST = "FAMILY_FIRST"


def cohort_condition(cohort: Cohort) -> ColumnElement[bool]:
    match cohort:
        case Cohort.CHILD_IN_NEED:
            return Child.child_in_need.is_(True)
        case Cohort.CHILD_PROTECTION:
            return Child.child_protection_plan_start.is_not(None)
        case Cohort.LOOKED_AFTER:
            return Child.looked_after.is_(True)
        case Cohort.CARE_LEAVER:
            return Child.care_leaver.is_(True)
        case Cohort.FAMILY_FIRST:
            return Child.family_first.is_(True)


def cohorts_of(child: Child) -> list[Cohort]:
    out = []
    if child.child_in_need:
        out.append(Cohort.CHILD_IN_NEED)
    if child.child_protection_plan_start is not None:
        out.append(Cohort.CHILD_PROTECTION)
    if child.looked_after:
        out.append(Cohort.LOOKED_AFTER)
    if child.care_leaver:
        out.append(Cohort.CARE_LEAVER)
    if child.family_first:
        out.append(Cohort.FAMILY_FIRST)
    return out


def age_in_years(date_of_birth: date, today: date) -> int:
    before_birthday = (today.month, today.day) < (date_of_birth.month, date_of_birth.day)
    return max(0, today.year - date_of_birth.year - int(before_birthday))


# What the front-end shows with a child comes in the same statement (many-to-one joins).
_SHOWN_WITH_A_CHILD = (
    joinedload(Child.team).joinedload(Team.service),
    joinedload(Child.allocated_practitioner),
)


@dataclass(frozen=True)
class ChildrenFilter:
    team_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    allocated_practitioner_id: uuid.UUID | None = None
    cohort: Cohort | None = None
    case_reference: str | None = None


def _children(actor: Actor, filters: ChildrenFilter) -> Select[Any]:
    stmt = select(Child).where(policy.visible_children(actor))
    if filters.team_id is not None:
        stmt = stmt.where(Child.team_id == filters.team_id)
    if filters.service_id is not None:
        stmt = stmt.where(
            Child.team_id.in_(select(Team.id).where(Team.service_id == filters.service_id))
        )
    if filters.allocated_practitioner_id is not None:
        stmt = stmt.where(Child.allocated_practitioner_id == filters.allocated_practitioner_id)
    if filters.cohort is not None:
        stmt = stmt.where(cohort_condition(filters.cohort))
    if filters.case_reference:
        stmt = stmt.where(Child.case_reference == filters.case_reference.strip())
    return stmt


async def list_children(
    *,
    session: AsyncSession,
    actor: Actor,
    filters: ChildrenFilter,
    first: int | None,
    after: str | None,
) -> Page[Child]:
    stmt = _children(actor, filters).options(*_SHOWN_WITH_A_CHILD)
    return await paginate(
        session, stmt, order_by=[Child.case_reference, Child.id], first=first, after=after
    )


async def count_children(*, session: AsyncSession, actor: Actor, filters: ChildrenFilter) -> int:
    return await count(session, _children(actor, filters))


async def get_children(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Child]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(Child)
        .where(Child.id.in_(ids), policy.visible_children(actor))
        .options(*_SHOWN_WITH_A_CHILD)
    )
    return {c.id: c for c in rows}
