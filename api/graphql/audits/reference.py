"""Audit reference data as the front-end sees it: templates (with their sections and
questions) and themes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.graphql.audits.enums import Agreement as Agreement
from api.graphql.audits.enums import AuditKind as AuditKind
from api.graphql.audits.enums import AuditSort as AuditSort
from api.graphql.audits.enums import AuditStatus as AuditStatus
from api.graphql.audits.enums import Grade as Grade
from api.graphql.audits.enums import LearningSource as LearningSource
from api.graphql.audits.enums import ModerationOutcome as ModerationOutcome
from api.graphql.audits.enums import QuestionType as QuestionType
from api.graphql.audits.enums import ThemeKind as ThemeKind
from api.graphql.audits.loaders import (
    TEMPLATE,
)
from api.graphql.core.context import Context
from api.graphql.core.ids import uuids_of
from domain.audits import models, reference
from domain.audits.templates import parse_sections


@strawberry.type(description="A question in a template section.")
class TemplateQuestion:
    key: str = strawberry.field(description="Its key in `Audit.answers`.")
    text: str = strawberry.field(description="The question as asked.")
    type: QuestionType = strawberry.field(description="How it is answered.")
    required: bool = strawberry.field(description="Whether a finished audit must answer it.")
    help: str | None = strawberry.field(description="Guidance for the auditor, if any.")


@strawberry.type(description="A section of a template; graded sections get a grade each.")
class TemplateSection:
    key: str = strawberry.field(
        description="Stable across versions, so that reports line up by section."
    )
    title: str = strawberry.field(description="The section's title.")
    graded: bool = strawberry.field(description="Whether the section is graded.")
    questions: list[TemplateQuestion] = strawberry.field(description="Its questions, in order.")


@strawberry.type(
    description="One version of the template for a kind of audit; never changes once "
    "published, and an audit keeps the version it was started with."
)
class AuditTemplate(relay.Node):
    id: relay.NodeID[str]
    kind: AuditKind = strawberry.field(description="The kind of audit it is for.")
    version: int = strawberry.field(description="1 for the first, rising by one.")
    name: str = strawberry.field(description="The template's name.")
    sections: list[TemplateSection] = strawberry.field(description="Its sections, in order.")
    published_at: datetime = strawberry.field(description="When this version was published.")
    change_note: str | None = strawberry.field(description="What changed from the last version.")

    @classmethod
    def from_model(cls, m: models.AuditTemplate) -> AuditTemplate:
        return cls(
            id=str(m.id),
            kind=AuditKind(m.kind.value),
            version=m.version,
            name=m.name,
            sections=[
                TemplateSection(
                    key=s.key,
                    title=s.title,
                    graded=s.graded,
                    questions=[
                        TemplateQuestion(
                            key=q.key,
                            text=q.text,
                            type=QuestionType(q.type.value),
                            required=q.required,
                            help=q.help,
                        )
                        for q in s.questions
                    ],
                )
                for s in parse_sections(m.sections)
            ],
            published_at=m.published_at,
            change_note=m.change_note,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        # Reference data: staff read templates, as `auditTemplates` does.
        if info.context.actor is None:
            return [None for _ in node_ids]
        loaded = await TEMPLATE.load_many(info, uuids_of(node_ids))
        return [cls.from_model(m) if m else None for m in loaded]


@strawberry.type(
    description="A theme, cohort or aspect of practice audits and learning are tagged with."
)
class Theme(relay.Node):
    id: relay.NodeID[str]
    kind: ThemeKind = strawberry.field(description="What it names.")
    name: str = strawberry.field(description="Its name.")
    is_active: bool = strawberry.field(
        description="False once retired: kept on old records, not offered for new ones."
    )

    @classmethod
    def from_model(cls, m: models.Theme) -> Theme:
        return cls(id=str(m.id), kind=ThemeKind(m.kind.value), name=m.name, is_active=m.is_active)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        # Reference data: staff read themes, as `themes` does (domain/audits/policy.py).
        ids = uuids_of(node_ids)
        if info.context.actor is None:
            return [None] * len(ids)
        async with info.context.session_factory() as session:
            found = await reference.get_themes(session=session, actor=info.context.actor, ids=ids)
        return [cls.from_model(found[i]) if i in found else None for i in ids]
