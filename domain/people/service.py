"""Use cases for the organisation: services, teams, people, line management, role grants."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from domain.core.clock import Clock
from domain.core.errors import Conflict, InvalidInput, NotFound
from domain.core.pagination import Page, count, paginate
from domain.history import service as history
from domain.people import policy
from domain.people.models import Person, RoleGrant, Service, Team
from domain.people.roles import ALLOWED_SCOPES, Actor, Grant, Role, ScopeType

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()


def _text(value: str, field: str, *, max_length: int) -> str:
    if "\x00" in value:
        raise InvalidInput("Text may not contain the NUL character.", field=field)
    cleaned = " ".join(value.split())
    if not cleaned:
        raise InvalidInput("This cannot be blank.", field=field)
    if len(cleaned) > max_length:
        raise InvalidInput(f"At most {max_length} characters.", field=field)
    return cleaned


def _email(value: str, field: str = "email") -> str:
    cleaned = value.strip()
    if not EMAIL.match(cleaned) or len(cleaned) > 320:
        raise InvalidInput("That is not an email address.", field=field)
    return cleaned


def _optional_text(value: str | None, field: str, *, max_length: int) -> str | None:
    if value is None or not value.strip():
        return None
    return _text(value, field, max_length=max_length)


def snapshot(obj: Any, names: Sequence[str]) -> dict[str, Any]:
    return {n: getattr(obj, n) for n in names}


# --- services and teams ------------------------------------------------------------------


async def create_service(
    *, session: AsyncSession, actor: Actor, clock: Clock, name: str, is_multi_agency: bool = False
) -> Service:
    policy.check_can_manage(actor)
    name = _text(name, "name", max_length=120)
    if await session.scalar(select(Service.id).where(func.lower(Service.name) == name.lower())):
        raise Conflict("A service with that name exists already.", field="name")
    service = Service(name=name, is_multi_agency=is_multi_agency, created_at=clock.now())
    session.add(service)
    await session.flush()
    await history.record(
        session=session,
        actor=actor,
        clock=clock,
        action="service.created",
        object_type="Service",
        object_id=service.id,
        changes=history.diff({}, snapshot(service, ["name", "is_multi_agency"])),
    )
    return service


async def _get_service(session: AsyncSession, service_id: uuid.UUID, field: str) -> Service:
    service = await session.get(Service, service_id)
    if service is None:
        raise NotFound("service", field=field)
    return service


async def _get_team(session: AsyncSession, team_id: uuid.UUID, field: str) -> Team:
    team = await session.get(Team, team_id)
    if team is None:
        raise NotFound("team", field=field)
    return team


async def _check_team_name_free(
    session: AsyncSession, service_id: uuid.UUID, name: str, exclude: uuid.UUID | None = None
) -> None:
    stmt = select(Team.id).where(
        Team.service_id == service_id, func.lower(Team.name) == name.lower()
    )
    if exclude is not None:
        stmt = stmt.where(Team.id != exclude)
    if await session.scalar(stmt):
        raise Conflict("That service has a team with that name already.", field="name")


async def create_team(
    *, session: AsyncSession, actor: Actor, clock: Clock, service_id: uuid.UUID, name: str
) -> Team:
    policy.check_can_manage(actor)
    name = _text(name, "name", max_length=120)
    await _get_service(session, service_id, "serviceId")
    await _check_team_name_free(session, service_id, name)
    team = Team(service_id=service_id, name=name, created_at=clock.now())
    session.add(team)
    await session.flush()
    await history.record(
        session=session,
        actor=actor,
        clock=clock,
        action="team.created",
        object_type="Team",
        object_id=team.id,
        changes=history.diff({}, snapshot(team, ["name", "service_id"])),
    )
    return team


async def update_team(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    team_id: uuid.UUID,
    name: str | None = None,
    service_id: uuid.UUID | None = None,
) -> Team:
    policy.check_can_manage(actor)
    team = await _get_team(session, team_id, "id")
    before = snapshot(team, ["name", "service_id"])
    new_name = _text(name, "name", max_length=120) if name is not None else team.name
    new_service = service_id if service_id is not None else team.service_id
    if service_id is not None:
        await _get_service(session, service_id, "serviceId")
    await _check_team_name_free(session, new_service, new_name, exclude=team.id)
    team.name, team.service_id = new_name, new_service
    changes = history.diff(before, snapshot(team, ["name", "service_id"]))
    if changes:
        await history.record(
            session=session,
            actor=actor,
            clock=clock,
            action="team.updated",
            object_type="Team",
            object_id=team.id,
            changes=changes,
        )
    return team


# --- people --------------------------------------------------------------------------------


@dataclass
class PersonFields:
    """What an administrator sets on a person; UNSET leaves a field as it is."""

    display_name: Any = UNSET
    email: Any = UNSET
    subject: Any = UNSET
    job_title: Any = UNSET
    team_id: Any = UNSET
    line_manager_id: Any = UNSET
    partner_agency: Any = UNSET
    is_active: Any = UNSET

    def given(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) is not UNSET
        }


PERSON_FIELDS = [f.name for f in fields(PersonFields)]


async def _check_line_manager(
    session: AsyncSession, person_id: uuid.UUID | None, manager_id: uuid.UUID
) -> None:
    manager = await session.get(Person, manager_id)
    if manager is None:
        raise NotFound("person", field="lineManagerId")
    if person_id is None:
        return
    if manager_id == person_id:
        raise InvalidInput("A person cannot be their own line manager.", field="lineManagerId")
    # Walk up from the proposed manager: meeting the person again would make a loop.
    chain = (
        select(Person.id, Person.line_manager_id)
        .where(Person.id == manager_id)
        .cte("chain", recursive=True)
    )
    chain = chain.union(
        select(Person.id, Person.line_manager_id).join(chain, Person.id == chain.c.line_manager_id)
    )
    ancestors = set((await session.scalars(select(chain.c.id))).all())
    if person_id in ancestors:
        raise InvalidInput("That would make a loop of line managers.", field="lineManagerId")


async def _apply_person_fields(
    session: AsyncSession, person: Person | None, values: dict[str, Any]
) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    person_id = person.id if person is not None else None
    for name, value in values.items():
        if name == "display_name":
            clean[name] = _text(value, "displayName", max_length=200)
        elif name == "email":
            email = _email(value)
            stmt = select(Person.id).where(func.lower(Person.email) == email.lower())
            if person_id is not None:
                stmt = stmt.where(Person.id != person_id)
            if await session.scalar(stmt):
                raise Conflict("Someone has that email address already.", field="email")
            clean[name] = email
        elif name == "subject":
            subject = _optional_text(value, "subject", max_length=255)
            if subject is not None:
                stmt = select(Person.id).where(Person.subject == subject)
                if person_id is not None:
                    stmt = stmt.where(Person.id != person_id)
                if await session.scalar(stmt):
                    raise Conflict("Someone has that identity subject already.", field="subject")
            clean[name] = subject
        elif name in ("job_title", "partner_agency"):
            field = "jobTitle" if name == "job_title" else "partnerAgency"
            clean[name] = _optional_text(value, field, max_length=200)
        elif name == "team_id":
            if value is not None:
                await _get_team(session, value, "teamId")
            clean[name] = value
        elif name == "line_manager_id":
            if value is not None:
                await _check_line_manager(session, person_id, value)
            clean[name] = value
        elif name == "is_active":
            clean[name] = bool(value)
    return clean


async def create_person(
    *, session: AsyncSession, actor: Actor, clock: Clock, data: PersonFields
) -> Person:
    policy.check_can_manage(actor)
    values = data.given()
    for required, field in (("display_name", "displayName"), ("email", "email")):
        if values.get(required) in (UNSET, None):
            raise InvalidInput("This is required.", field=field)
    clean = await _apply_person_fields(session, None, values)
    now = clock.now()
    person = Person(is_active=True, created_at=now, updated_at=now, **clean)
    session.add(person)
    await session.flush()
    await history.record(
        session=session,
        actor=actor,
        clock=clock,
        action="person.created",
        object_type="Person",
        object_id=person.id,
        changes=history.diff({}, snapshot(person, PERSON_FIELDS)),
    )
    return person


async def update_person(
    *, session: AsyncSession, actor: Actor, clock: Clock, person_id: uuid.UUID, data: PersonFields
) -> Person:
    policy.check_can_manage(actor)
    person = await session.get(Person, person_id, with_for_update=True)
    if person is None:
        raise NotFound("person", field="id")
    before = snapshot(person, PERSON_FIELDS)
    clean = await _apply_person_fields(session, person, data.given())
    if clean.get("is_active") is False and person.id == actor.person_id:
        raise Conflict(
            "You cannot mark yourself as left: ask another administrator.", field="isActive"
        )
    for name, value in clean.items():
        setattr(person, name, value)
    changes = history.diff(before, snapshot(person, PERSON_FIELDS))
    if changes:
        person.updated_at = clock.now()
        await history.record(
            session=session,
            actor=actor,
            clock=clock,
            action="person.updated",
            object_type="Person",
            object_id=person.id,
            changes=changes,
        )
    return person


# --- role grants ---------------------------------------------------------------------------


async def grant_role(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    person_id: uuid.UUID,
    role: Role,
    scope: ScopeType,
    service_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
) -> RoleGrant:
    policy.check_can_manage(actor)
    if await session.get(Person, person_id) is None:
        raise NotFound("person", field="personId")
    if scope not in ALLOWED_SCOPES[role]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED_SCOPES[role]))
        raise InvalidInput(f"{role.value} is held with scope {allowed}.", field="scope")
    if scope is ScopeType.SERVICE:
        if service_id is None or team_id is not None:
            raise InvalidInput("A service scope names a service and no team.", field="serviceId")
        await _get_service(session, service_id, "serviceId")
    elif scope is ScopeType.TEAM:
        if team_id is None or service_id is not None:
            raise InvalidInput("A team scope names a team and no service.", field="teamId")
        await _get_team(session, team_id, "teamId")
    elif service_id is not None or team_id is not None:
        raise InvalidInput("The authority scope names no service or team.", field="scope")
    existing = await session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.person_id == person_id,
            RoleGrant.role == role,
            RoleGrant.scope == scope,
            RoleGrant.service_id.is_not_distinct_from(service_id),
            RoleGrant.team_id.is_not_distinct_from(team_id),
        )
    )
    if existing:
        raise Conflict("That person holds that role in that scope already.", field="role")
    grant = RoleGrant(
        person_id=person_id,
        role=role,
        scope=scope,
        service_id=service_id,
        team_id=team_id,
        granted_at=clock.now(),
    )
    session.add(grant)
    await session.flush()
    await history.record(
        session=session,
        actor=actor,
        clock=clock,
        action="role.granted",
        object_type="Person",
        object_id=person_id,
        changes={
            "role": [None, role.value],
            "scope": [None, scope.value],
            "service_id": [None, history.plain(service_id)],
            "team_id": [None, history.plain(team_id)],
        },
    )
    return grant


async def revoke_role(
    *, session: AsyncSession, actor: Actor, clock: Clock, grant_id: uuid.UUID
) -> RoleGrant:
    policy.check_can_manage(actor)
    grant = await session.get(RoleGrant, grant_id, with_for_update=True)
    if grant is None:
        raise NotFound("role grant", field="grantId")
    if grant.person_id == actor.person_id and grant.role is Role.ADMINISTRATOR:
        remaining = await session.scalar(
            select(func.count())
            .select_from(RoleGrant)
            .where(RoleGrant.role == Role.ADMINISTRATOR, RoleGrant.id != grant.id)
        )
        if not remaining:
            raise Conflict("This is the last administrator: grant another first.", field="grantId")
    await session.delete(grant)
    await session.flush()
    await history.record(
        session=session,
        actor=actor,
        clock=clock,
        action="role.revoked",
        object_type="Person",
        object_id=grant.person_id,
        changes={
            "role": [grant.role.value, None],
            "scope": [grant.scope.value, None],
            "service_id": [history.plain(grant.service_id), None],
            "team_id": [history.plain(grant.team_id), None],
        },
    )
    return grant


# --- reading -------------------------------------------------------------------------------


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
