"""Use cases for the organisation: services, teams, people, line management, role grants.
Reading them is `directory.py` (its names re-exported at the end here until imports are
rewritten)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.clock import Clock
from domain.core.errors import Conflict, InvalidInput, NotFound
from domain.core.roles import ALLOWED_SCOPES, Actor, Role, ScopeType
from domain.history import service as history
from domain.people import policy
from domain.people.models import Person, RoleGrant, Service, Team

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
    await _add(session, actor, clock, service, "service.created", ["name", "is_multi_agency"])
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
    await _add(session, actor, clock, team, "team.created", ["name", "service_id"])
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
        change = history.Change("team.updated", "Team", team.id, changes)
        await history.record_many(session=session, actor=actor, clock=clock, entries=[change])
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
    await _add(session, actor, clock, person, "person.created", PERSON_FIELDS)
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
        change = history.Change("person.updated", "Person", person.id, changes)
        await history.record_many(session=session, actor=actor, clock=clock, entries=[change])
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
    changes = {name: [None, value] for name, value in _grant_facts(grant).items()}
    change = history.Change("role.granted", "Person", person_id, changes)
    await history.record_many(session=session, actor=actor, clock=clock, entries=[change])
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
    changes = {name: [value, None] for name, value in _grant_facts(grant).items()}
    change = history.Change("role.revoked", "Person", grant.person_id, changes)
    await history.record_many(session=session, actor=actor, clock=clock, entries=[change])
    return grant


def _grant_facts(grant: RoleGrant) -> dict[str, Any]:
    """What a grant's history says of it (on the person: a grant is theirs)."""
    return {
        "role": grant.role.value,
        "scope": grant.scope.value,
        "service_id": history.plain(grant.service_id),
        "team_id": history.plain(grant.team_id),
    }


async def _add(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    added: Service | Team | Person,
    action: str,
    names: Sequence[str],
) -> None:
    """Write a new service, team or person, with its history (the `names` it was given)."""
    session.add(added)
    await session.flush()
    changes = history.diff({}, snapshot(added, names))
    change = history.Change(action, type(added).__name__, added.id, changes)
    await history.record_many(session=session, actor=actor, clock=clock, entries=[change])


# Moved to directory.py: re-exported until the importers are rewritten (SHIMS-surveys.md).
from domain.people.directory import (  # noqa: E402
    PeopleFilter,
    active_holder,
    actor_for_person,
    count_people,
    count_services,
    count_teams,
    find_active_person,
    get_by_ids,
    get_grants,
    get_people,
    get_services,
    get_teams,
    grants_for,
    list_people,
    list_services,
    list_teams,
    responsible_head_of_service,
    teams_of_services,
)

__all__ = [
    "PeopleFilter",
    "active_holder",
    "actor_for_person",
    "count_people",
    "count_services",
    "count_teams",
    "find_active_person",
    "get_by_ids",
    "get_grants",
    "get_people",
    "get_services",
    "get_teams",
    "grants_for",
    "list_people",
    "list_services",
    "list_teams",
    "responsible_head_of_service",
    "teams_of_services",
]
