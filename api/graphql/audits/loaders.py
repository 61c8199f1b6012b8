"""Audits and what hangs off them: each a fixed number of statements per batch, so a list of
audits costs the same however long it is."""

from __future__ import annotations

import uuid

from api.graphql.core.loaders import Loader, Loaders, lists_of, visible_by_id, visible_lists
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
from domain.events import service as events
from domain.events.models import DomainEvent


def _audit_id(audit: Audit) -> uuid.UUID:
    return audit.id


AUDIT: Loader[uuid.UUID, Audit | None] = visible_by_id(
    lambda s, a, ids: audits.get_audits(session=s, actor=a, ids=ids)
)
TEMPLATE: Loader[uuid.UUID, AuditTemplate | None] = visible_by_id(get_templates)
BENCHMARK_ROUND: Loader[uuid.UUID, BenchmarkRound | None] = visible_by_id(
    lambda s, a, ids: audits.get_rounds(session=s, actor=a, ids=ids)
)
AUDITS_OF_ROUND: Loader[uuid.UUID, list[Audit]] = visible_lists(
    lambda s, a, ids: audits.audits_of_rounds(session=s, actor=a, round_ids=ids)
)
THEMES_OF_AUDIT: Loader[uuid.UUID, list[Theme]] = lists_of(audits.themes_of)
ACTIONS_OF_AUDIT: Loader[uuid.UUID, list[AuditAction]] = lists_of(audits.actions_of)
LEARNING_OF_AUDIT: Loader[uuid.UUID, list[LearningPoint]] = lists_of(audits.learning_of)
MODERATIONS_OF_AUDIT: Loader[uuid.UUID, list[Moderation]] = lists_of(audits.moderations_of)
EVENTS_OF_OBJECT: Loader[uuid.UUID, list[DomainEvent]] = lists_of(events.for_objects)


async def _section_titles(loaders: Loaders, ids: list[uuid.UUID]) -> list[dict[str, str]]:
    templates = await loaders.get(TEMPLATE).load_many(ids)
    return [
        {s.key: s.title for s in parse_sections(t.sections)} if t is not None else {}
        for t in templates
    ]


SECTION_TITLES: Loader[uuid.UUID, dict[str, str]] = Loader(_section_titles)


async def _previous(loaders: Loaders, keys: list[Audit]) -> list[Audit | None]:
    if loaders.actor is None:
        return [None] * len(keys)
    async with loaders.session_factory() as session:
        found = await audits.previous_audits(session=session, actor=loaders.actor, audits=keys)
    return [found.get(a.id) for a in keys]


PREVIOUS_AUDIT: Loader[Audit, Audit | None] = Loader(_previous, cache_key=_audit_id)


async def _grades_visible(loaders: Loaders, keys: list[Audit]) -> list[bool]:
    if loaders.actor is None:
        return [False] * len(keys)
    async with loaders.session_factory() as session:
        found = await audits.grades_visible(session=session, actor=loaders.actor, audits=keys)
    return [found[a.id] for a in keys]


GRADES_VISIBLE: Loader[Audit, bool] = Loader(_grades_visible, cache_key=_audit_id)
