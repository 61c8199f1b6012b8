"""Reading the organisation: people, services, teams and role grants through the policy, and
who holds a role where (the active holder, the responsible Head of Service)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from domain.core.pagination import Page, count, paginate
from domain.core.roles import Actor, Grant, Role, ScopeType
from domain.people import policy
from domain.people.models import Person, RoleGrant, Service, Team


@dataclass(frozen=True)
class PeopleFilter:
    team_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    role: Role | None = None
    search: str | None = None
    include_inactive: bool = False


def _people(actor: Actor, filters: PeopleFilter) -> Select[Any]:
    stmt = select(Person).where(policy.visible_people(actor))
    if not filters.include_inactive:
        stmt = stmt.where(Person.is_active.is_(True))
    if filters.team_id is not None:
        stmt = stmt.where(Person.team_id == filters.team_id)
    if filters.service_id is not None:
        stmt = stmt.where(
            Person.team_id.in_(select(Team.id).where(Team.service_id == filters.service_id))
        )
    if filters.role is not None:
        stmt = stmt.where(
            Person.id.in_(select(RoleGrant.person_id).where(RoleGrant.role == filters.role))
        )
    if filters.search:
        pattern = "%" + filters.search.strip().replace("%", r"\%").replace("_", r"\_") + "%"
        stmt = stmt.where(Person.display_name.ilike(pattern) | Person.email.ilike(pattern))
    return stmt


async def list_people(
    *,
    session: AsyncSession,
    actor: Actor,
    filters: PeopleFilter,
    first: int | None,
    after: str | None,
) -> Page[Person]:
    return await paginate(
        session,
        _people(actor, filters),
        order_by=[Person.display_name, Person.id],
        first=first,
        after=after,
    )


async def count_people(*, session: AsyncSession, actor: Actor, filters: PeopleFilter) -> int:
    return await count(session, _people(actor, filters))


async def get_people(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Person]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(Person).where(Person.id.in_(ids), policy.visible_people(actor))
    )
    return {p.id: p for p in rows}


async def list_services(
    *, session: AsyncSession, actor: Actor, first: int | None, after: str | None
) -> Page[Service]:
    return await paginate(
        session, _services(actor), order_by=[Service.name, Service.id], first=first, after=after
    )


def _services(actor: Actor) -> Select[Any]:
    return select(Service).where(policy.visible_organisation(actor))


async def list_teams(
    *,
    session: AsyncSession,
    actor: Actor,
    service_id: uuid.UUID | None,
    first: int | None,
    after: str | None,
) -> Page[Team]:
    return await paginate(
        session, _teams(actor, service_id), order_by=[Team.name, Team.id], first=first, after=after
    )


def _teams(actor: Actor, service_id: uuid.UUID | None) -> Select[Any]:
    stmt = select(Team).where(policy.visible_organisation(actor))
    if service_id is not None:
        stmt = stmt.where(Team.service_id == service_id)
    return stmt


async def count_teams(*, session: AsyncSession, actor: Actor, service_id: uuid.UUID | None) -> int:
    return await count(session, _teams(actor, service_id))


async def count_services(*, session: AsyncSession, actor: Actor) -> int:
    return await count(session, _services(actor))


async def get_teams(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Team]:
    if not ids or not policy.sees_organisation(actor):
        return {}
    rows = await session.scalars(
        select(Team).where(Team.id.in_(ids)).options(joinedload(Team.service))
    )
    return {r.id: r for r in rows}


async def get_services(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Service]:
    if not ids or not policy.sees_organisation(actor):
        return {}
    rows = await session.scalars(select(Service).where(Service.id.in_(ids)))
    return {r.id: r for r in rows}


async def get_by_ids(
    session: AsyncSession, model: Any, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Any]:
    if not ids:
        return {}
    stmt = select(model).where(model.id.in_(ids))
    if model is Team:
        stmt = stmt.options(joinedload(Team.service))
    rows = await session.scalars(stmt)
    return {r.id: r for r in rows}


async def grants_for(
    session: AsyncSession, person_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[RoleGrant]]:
    out: dict[uuid.UUID, list[RoleGrant]] = {pid: [] for pid in person_ids}
    if not person_ids:
        return out
    rows = await session.scalars(
        select(RoleGrant)
        .where(RoleGrant.person_id.in_(person_ids))
        .order_by(RoleGrant.granted_at, RoleGrant.id)
    )
    for grant in rows:
        out[grant.person_id].append(grant)
    return out


async def get_grants(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, RoleGrant]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(RoleGrant)
        .join(Person, Person.id == RoleGrant.person_id)
        .where(RoleGrant.id.in_(ids), policy.visible_people(actor))
    )
    return {g.id: g for g in rows}


async def actor_for_person(session: AsyncSession, person: Person) -> Actor:
    grants = (await grants_for(session, [person.id]))[person.id]
    return Actor(
        person_id=person.id,
        display_name=person.display_name,
        team_id=person.team_id,
        grants=tuple(Grant(g.role, g.scope, g.service_id, g.team_id) for g in grants),
    )


async def find_active_person(
    session: AsyncSession, *, subject: str | None, email: str | None
) -> Person | None:
    """The person a token speaks for: by the provider's subject first, then by email."""
    if subject:
        person = await session.scalar(select(Person).where(Person.subject == subject))
        if person is not None:
            return person if person.is_active else None
    if email:
        person = await session.scalar(
            select(Person).where(func.lower(Person.email) == email.strip().lower())
        )
        # A person already bound to another subject is not taken over by a matching email.
        if (
            person is not None
            and person.is_active
            and (person.subject is None or not subject or person.subject == subject)
        ):
            return person
    return None


async def teams_of_services(
    session: AsyncSession, actor: Actor, service_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Team]]:
    out: dict[uuid.UUID, list[Team]] = {sid: [] for sid in service_ids}
    if not service_ids or not policy.sees_organisation(actor):
        return out
    rows = await session.scalars(
        select(Team).where(Team.service_id.in_(service_ids)).order_by(Team.name, Team.id)
    )
    for team in rows:
        out[team.service_id].append(team)
    return out


async def active_holder(
    session: AsyncSession,
    role: Role,
    *,
    service_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    exclude: Sequence[uuid.UUID | None] = (),
) -> Person | None:
    """The active holder of a role (held for that service or team, when given), the same one
    every time (by name), leaving out `exclude`: who owes a step that a role owns."""
    stmt = (
        select(Person)
        .join(RoleGrant, RoleGrant.person_id == Person.id)
        .where(RoleGrant.role == role, Person.is_active.is_(True))
        .order_by(Person.display_name, Person.id)
        .limit(1)
    )
    if service_id is not None:
        stmt = stmt.where(RoleGrant.scope == ScopeType.SERVICE, RoleGrant.service_id == service_id)
    if team_id is not None:
        stmt = stmt.where(RoleGrant.scope == ScopeType.TEAM, RoleGrant.team_id == team_id)
    excluded = [i for i in exclude if i is not None]
    if excluded:
        stmt = stmt.where(Person.id.not_in(excluded))
    return await session.scalar(stmt)


async def responsible_head_of_service(
    session: AsyncSession, service_id: uuid.UUID | None
) -> Person | None:
    """The Head of Service responsible for a service; failing one (a vacancy), the AED, so
    that what a Head of Service owes is still someone's."""
    found = None
    if service_id is not None:
        found = await active_holder(session, Role.HEAD_OF_SERVICE, service_id=service_id)
    return found or await active_holder(session, Role.ASSISTANT_EXECUTIVE_DIRECTOR)
