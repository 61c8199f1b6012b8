"""The per-request context: who is asking, the clock, short-lived sessions and fresh loaders."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from strawberry.dataloader import DataLoader

from domain.audits import service as audits
from domain.audits.models import (
    Audit,
    AuditAction,
    AuditTemplate,
    BenchmarkRound,
    LearningPoint,
    Moderation,
    Theme,
)
from domain.audits.reference import get_templates
from domain.audits.templates import parse_sections
from domain.children import service as children
from domain.children.models import Child
from domain.core.clock import Clock
from domain.core.db import SessionFactory
from domain.core.errors import Unauthenticated
from domain.core.settings import Settings
from domain.deadlines.models import Obligation
from domain.escalation import service as escalation
from domain.escalation.models import InadequateEscalation, OtherCaseReview, SupervisionReview
from domain.events import service as events
from domain.events.models import DomainEvent
from domain.feedback import service as feedback
from domain.feedback.models import ComplaintStage
from domain.history.models import HistoryEntry
from domain.learning import service as learning
from domain.learning.models import TaskAndFinishGroup
from domain.people import service as people
from domain.people.models import Person, RoleGrant, Service, Team
from domain.people.roles import Actor

K = TypeVar("K")
V = TypeVar("V")


class SharedLoader(DataLoader[K, V]):
    """A DataLoader whose loads are shared safely. Every field that loads the same key awaits
    one future; when graphql-core cancels some of those fields (a refused non-null field nulls
    its parent and cancels its siblings), awaiting the future directly would cancel it for
    every other field too, and the request would fail with CancelledError. Each caller awaits
    a shield of it instead."""

    def load(self, key: K) -> Awaitable[V]:
        return asyncio.shield(super().load(key))


def _by_id(audit: Audit) -> uuid.UUID:
    return audit.id


def _escalation_id(process: InadequateEscalation) -> uuid.UUID:
    return process.id


class Loaders:
    """DataLoaders for one request; each batch opens its own short session, because sibling
    fields resolve concurrently and an AsyncSession must not be shared between tasks."""

    def __init__(self, session_factory: SessionFactory, actor: Actor | None) -> None:
        self._sf = session_factory
        self._actor = actor
        self.person = SharedLoader[uuid.UUID, Person | None](self._people)
        self.team = SharedLoader[uuid.UUID, Team | None](self._teams)
        self.service = SharedLoader[uuid.UUID, Service | None](self._services)
        self.teams_of_service = SharedLoader[uuid.UUID, list[Team]](self._teams_of_service)
        self.grants_of_person = SharedLoader[uuid.UUID, list[RoleGrant]](self._grants)
        # Audits and what hangs off them: each a fixed number of statements per batch, so a
        # list of audits costs the same however long it is.
        self.child = SharedLoader[uuid.UUID, Child | None](self._children)
        self.audit = SharedLoader[uuid.UUID, Audit | None](self._audits)
        self.template = SharedLoader[uuid.UUID, AuditTemplate | None](self._templates)
        self.section_titles = SharedLoader[uuid.UUID, dict[str, str]](self._section_titles)
        self.themes_of_audit = SharedLoader[uuid.UUID, list[Theme]](self._themes_of_audits)
        self.actions_of_audit = SharedLoader[uuid.UUID, list[AuditAction]](self._actions)
        self.learning_of_audit = SharedLoader[uuid.UUID, list[LearningPoint]](self._learning)
        self.moderations_of_audit = SharedLoader[uuid.UUID, list[Moderation]](self._moderations)
        self.events_of_object = SharedLoader[uuid.UUID, list[DomainEvent]](self._events)
        self.previous_audit = SharedLoader[Audit, Audit | None](self._previous, cache_key_fn=_by_id)
        self.grades_visible = SharedLoader[Audit, bool](self._grades_visible, cache_key_fn=_by_id)
        self.benchmark_round = SharedLoader[uuid.UUID, BenchmarkRound | None](self._rounds)
        self.audits_of_round = SharedLoader[uuid.UUID, list[Audit]](self._audits_of_rounds)
        # Inadequate processes: the caller already sees the process, so these read its parts.
        self.other_cases = SharedLoader[uuid.UUID, list[OtherCaseReview]](self._other_cases)
        self.supervision_reviews = SharedLoader[uuid.UUID, list[SupervisionReview]](
            self._supervision_reviews
        )
        self.escalation_history = SharedLoader[uuid.UUID, list[HistoryEntry]](
            self._escalation_history
        )
        self.escalation_obligations = SharedLoader[InadequateEscalation, list[Obligation]](
            self._escalation_obligations, cache_key_fn=_escalation_id
        )
        # The register: the caller already sees the record, so these read its parts.
        self.themes_of_feedback = SharedLoader[uuid.UUID, list[Theme]](self._themes_of_feedback)
        self.complaint_stages = SharedLoader[uuid.UUID, list[ComplaintStage]](
            self._complaint_stages
        )
        self.feedback_history = SharedLoader[uuid.UUID, list[HistoryEntry]](self._feedback_history)
        # Task and Finish Groups (through their policy) and, for a group the caller sees, its
        # learning.
        self.task_and_finish_group = SharedLoader[uuid.UUID, TaskAndFinishGroup | None](
            self._groups
        )
        self.learning_of_group = SharedLoader[uuid.UUID, list[LearningPoint]](self._group_learning)

    async def _people(self, ids: list[uuid.UUID]) -> list[Person | None]:
        if self._actor is None:
            return [None] * len(ids)
        async with self._sf() as session:
            found = await people.get_people(session=session, actor=self._actor, ids=ids)
        return [found.get(i) for i in ids]

    async def _teams(self, ids: list[uuid.UUID]) -> list[Team | None]:
        if self._actor is None:
            return [None] * len(ids)
        async with self._sf() as session:
            found = await people.get_teams(session=session, actor=self._actor, ids=ids)
        return [found.get(i) for i in ids]

    async def _services(self, ids: list[uuid.UUID]) -> list[Service | None]:
        if self._actor is None:
            return [None] * len(ids)
        async with self._sf() as session:
            found = await people.get_services(session=session, actor=self._actor, ids=ids)
        return [found.get(i) for i in ids]

    async def _teams_of_service(self, ids: list[uuid.UUID]) -> list[list[Team]]:
        if self._actor is None:
            return [[] for _ in ids]
        async with self._sf() as session:
            found = await people.teams_of_services(session, self._actor, ids)
        return [found[i] for i in ids]

    async def _grants(self, ids: list[uuid.UUID]) -> list[list[RoleGrant]]:
        async with self._sf() as session:
            found = await people.grants_for(session, ids)
        return [found[i] for i in ids]

    async def _children(self, ids: list[uuid.UUID]) -> list[Child | None]:
        if self._actor is None:
            return [None] * len(ids)
        async with self._sf() as session:
            found = await children.get_children(session=session, actor=self._actor, ids=ids)
        return [found.get(i) for i in ids]

    async def _audits(self, ids: list[uuid.UUID]) -> list[Audit | None]:
        if self._actor is None:
            return [None] * len(ids)
        async with self._sf() as session:
            found = await audits.get_audits(session=session, actor=self._actor, ids=ids)
        return [found.get(i) for i in ids]

    async def _templates(self, ids: list[uuid.UUID]) -> list[AuditTemplate | None]:
        if self._actor is None:
            return [None] * len(ids)
        async with self._sf() as session:
            found = await get_templates(session, self._actor, ids)
        return [found.get(i) for i in ids]

    async def _section_titles(self, ids: list[uuid.UUID]) -> list[dict[str, str]]:
        templates = await self.template.load_many(ids)
        return [
            {s.key: s.title for s in parse_sections(t.sections)} if t is not None else {}
            for t in templates
        ]

    async def _themes_of_audits(self, ids: list[uuid.UUID]) -> list[list[Theme]]:
        async with self._sf() as session:
            found = await audits.themes_of(session, ids)
        return [found[i] for i in ids]

    async def _actions(self, ids: list[uuid.UUID]) -> list[list[AuditAction]]:
        async with self._sf() as session:
            found = await audits.actions_of(session, ids)
        return [found[i] for i in ids]

    async def _learning(self, ids: list[uuid.UUID]) -> list[list[LearningPoint]]:
        async with self._sf() as session:
            found = await audits.learning_of(session, ids)
        return [found[i] for i in ids]

    async def _moderations(self, ids: list[uuid.UUID]) -> list[list[Moderation]]:
        async with self._sf() as session:
            found = await audits.moderations_of(session, ids)
        return [found[i] for i in ids]

    async def _other_cases(self, ids: list[uuid.UUID]) -> list[list[OtherCaseReview]]:
        if self._actor is None:
            return [[] for _ in ids]
        async with self._sf() as session:
            found = await escalation.other_cases_of(session, self._actor, ids)
        return [found[i] for i in ids]

    async def _supervision_reviews(self, ids: list[uuid.UUID]) -> list[list[SupervisionReview]]:
        async with self._sf() as session:
            found = await escalation.supervision_reviews_of(session, ids)
        return [found[i] for i in ids]

    async def _escalation_history(self, ids: list[uuid.UUID]) -> list[list[HistoryEntry]]:
        if self._actor is None:
            return [[] for _ in ids]
        async with self._sf() as session:
            found = await escalation.history_of(session, self._actor, ids)
        return [found[i] for i in ids]

    async def _escalation_obligations(
        self, processes: list[InadequateEscalation]
    ) -> list[list[Obligation]]:
        async with self._sf() as session:
            found = await escalation.obligations_of(session, processes)
        return [found[p.id] for p in processes]

    async def _themes_of_feedback(self, ids: list[uuid.UUID]) -> list[list[Theme]]:
        async with self._sf() as session:
            found = await feedback.themes_of(session, ids)
        return [found[i] for i in ids]

    async def _complaint_stages(self, ids: list[uuid.UUID]) -> list[list[ComplaintStage]]:
        async with self._sf() as session:
            found = await feedback.stages_of(session, ids)
        return [found[i] for i in ids]

    async def _feedback_history(self, ids: list[uuid.UUID]) -> list[list[HistoryEntry]]:
        async with self._sf() as session:
            found = await feedback.history_of(session, ids)
        return [found[i] for i in ids]

    async def _groups(self, ids: list[uuid.UUID]) -> list[TaskAndFinishGroup | None]:
        if self._actor is None:
            return [None] * len(ids)
        async with self._sf() as session:
            found = await learning.get_groups(session=session, actor=self._actor, ids=ids)
        return [found.get(i) for i in ids]

    async def _group_learning(self, ids: list[uuid.UUID]) -> list[list[LearningPoint]]:
        async with self._sf() as session:
            found = await learning.learning_of(session, ids)
        return [found[i] for i in ids]

    async def _events(self, ids: list[uuid.UUID]) -> list[list[DomainEvent]]:
        async with self._sf() as session:
            found = await events.for_objects(session, ids)
        return [found[i] for i in ids]

    async def _previous(self, keys: list[Audit]) -> list[Audit | None]:
        if self._actor is None:
            return [None] * len(keys)
        async with self._sf() as session:
            found = await audits.previous_audits(session=session, actor=self._actor, audits=keys)
        return [found.get(a.id) for a in keys]

    async def _grades_visible(self, keys: list[Audit]) -> list[bool]:
        if self._actor is None:
            return [False] * len(keys)
        async with self._sf() as session:
            found = await audits.grades_visible(session=session, actor=self._actor, audits=keys)
        return [found[a.id] for a in keys]

    async def _rounds(self, ids: list[uuid.UUID]) -> list[BenchmarkRound | None]:
        if self._actor is None:
            return [None] * len(ids)
        async with self._sf() as session:
            found = await audits.get_rounds(session=session, actor=self._actor, ids=ids)
        return [found.get(i) for i in ids]

    async def _audits_of_rounds(self, ids: list[uuid.UUID]) -> list[list[Audit]]:
        if self._actor is None:
            return [[] for _ in ids]
        async with self._sf() as session:
            found = await audits.audits_of_rounds(session=session, actor=self._actor, round_ids=ids)
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
