"""The per-request context: who is asking, the clock, short-lived sessions and fresh loaders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from strawberry.dataloader import DataLoader

from domain.core.clock import Clock
from domain.core.db import SessionFactory
from domain.core.errors import Unauthenticated
from domain.core.settings import Settings
from domain.people import service as people
from domain.people.models import Person, RoleGrant, Service, Team
from domain.people.roles import Actor


class Loaders:
    """DataLoaders for one request; each batch opens its own short session, because sibling
    fields resolve concurrently and an AsyncSession must not be shared between tasks."""

    def __init__(self, session_factory: SessionFactory, actor: Actor | None) -> None:
        self._sf = session_factory
        self._actor = actor
        self.person = DataLoader[uuid.UUID, Person | None](self._people)
        self.team = DataLoader[uuid.UUID, Team | None](self._teams)
        self.service = DataLoader[uuid.UUID, Service | None](self._services)
        self.teams_of_service = DataLoader[uuid.UUID, list[Team]](self._teams_of_service)
        self.grants_of_person = DataLoader[uuid.UUID, list[RoleGrant]](self._grants)

    async def _people(self, ids: list[uuid.UUID]) -> list[Person | None]:
        if self._actor is None:
            return [None] * len(ids)
        async with self._sf() as session:
            found = await people.get_people(session=session, actor=self._actor, ids=ids)
        return [found.get(i) for i in ids]

    async def _teams(self, ids: list[uuid.UUID]) -> list[Team | None]:
        async with self._sf() as session:
            found = await people.get_by_ids(session, Team, ids)
        return [found.get(i) for i in ids]

    async def _services(self, ids: list[uuid.UUID]) -> list[Service | None]:
        async with self._sf() as session:
            found = await people.get_by_ids(session, Service, ids)
        return [found.get(i) for i in ids]

    async def _teams_of_service(self, ids: list[uuid.UUID]) -> list[list[Team]]:
        async with self._sf() as session:
            found = await people.teams_of_services(session, ids)
        return [found[i] for i in ids]

    async def _grants(self, ids: list[uuid.UUID]) -> list[list[RoleGrant]]:
        async with self._sf() as session:
            found = await people.grants_for(session, ids)
        return [found[i] for i in ids]


@dataclass
class Context:
    request: Request
    response: Response | None
    actor: Actor | None
    request_id: str
    settings: Settings
    clock: Clock
    session_factory: SessionFactory
    loaders: Loaders
    extra: dict[str, Any] = field(default_factory=dict)

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise Unauthenticated()
        return self.actor
