"""Audits as the front-end sees them: templates, themes, audits of every kind, their grades,
moderation, actions and learning (the programme, samples and rounds: programme.py).

Nested objects come through the request's DataLoaders, so a list of audits costs a fixed
number of statements whatever its length. In a benchmarking round that is still blind, the
judgement of another participant's audit (answers, grades, rationales, findings,
moderations and events) reads as empty, as the domain's policy decides.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
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
    ACTIONS_OF_AUDIT,
    AUDIT,
    BENCHMARK_ROUND,
    EVENTS_OF_OBJECT,
    GRADES_VISIBLE,
    LEARNING_OF_AUDIT,
    MODERATIONS_OF_AUDIT,
    PREVIOUS_AUDIT,
    SECTION_TITLES,
    TEMPLATE,
    THEMES_OF_AUDIT,
)
from api.graphql.audits.reference import AuditTemplate, Theme
from api.graphql.children.loaders import CHILD
from api.graphql.children.types import Child
from api.graphql.core.context import Context
from api.graphql.core.ids import uuids_of
from api.graphql.core.loaders import load_node
from api.graphql.core.pagination import CountedConnection, is_loaded
from api.graphql.learning.loaders import TASK_AND_FINISH_GROUP
from api.graphql.people.loaders import TEAM
from api.graphql.people.types import Person, Team, load_person
from domain.audits import models
from domain.audits import service as audits
from domain.events.models import DomainEvent
from domain.learning import points as learning_points

if TYPE_CHECKING:
    from api.graphql.audits.programme import BenchmarkRound
    from api.graphql.learning.types import TaskAndFinishGroup

T = TypeVar("T")
E = TypeVar("E", bound=Enum)


# --- an audit ----------------------------------------------------------------------------------


@strawberry.type(description="The grade of one section of an audit.")
class SectionGrade:
    section_key: str = strawberry.field(description="The template section's key.")
    grade: Grade = strawberry.field(description="The auditor's grade.")
    rationale: str = strawberry.field(description="Why, in the auditor's words.")
    moderated_grade: Grade | None = strawberry.field(
        description="The QA Lead's grade, when moderation regraded this section."
    )
    template_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, m: models.AuditSectionGrade, template_id: uuid.UUID) -> SectionGrade:
        return cls(
            section_key=m.section_key,
            grade=Grade(m.grade.value),
            rationale=m.rationale,
            moderated_grade=m.moderated_grade,
            template_id=template_id,
        )

    @strawberry.field(description="The section's title in the audit's template version.")
    async def section_title(self, info: Info[Context, None]) -> str:
        titles = await SECTION_TITLES.load(info, self.template_id)
        return titles.get(self.section_key, self.section_key)


@strawberry.type(description="What a child or a family member said, in their words.")
class Voice:
    who: str = strawberry.field(description="CHILD, PARENT, CARER, SIBLING, OTHER_FAMILY or OTHER.")
    said: str = strawberry.field(description="What they said.")


@strawberry.type(
    description="A fact recorded about an audit, such as `audit.completed_inadequate`."
)
class AuditEvent:
    name: str = strawberry.field(description="What happened, e.g. `audit.completed_inadequate`.")
    occurred_at: datetime = strawberry.field(description="When it happened.")
    payload: JSON = strawberry.field(description="The facts recorded with it.")

    @classmethod
    def from_model(cls, m: DomainEvent) -> AuditEvent:
        return cls(name=m.name, occurred_at=m.occurred_at, payload=cast(JSON, m.payload))


@strawberry.type(
    description="An audit of any kind: what it is about, who does it, what they recorded and "
    "how it was graded. In a benchmarking round that is still blind, another participant's "
    "answers, grades, rationales, findings, moderations and events read as empty."
)
class Audit(relay.Node):
    id: relay.NodeID[str]
    kind: AuditKind = strawberry.field(description="The kind of audit.")
    status: AuditStatus = strawberry.field(description="Where it is in its lifecycle.")
    due_date: date = strawberry.field(description="When it is due.")
    supervision_forum: str | None = strawberry.field(
        description="Supervision audits of a forum: which (panel, case discussion…)."
    )
    external_reviewer: str | None = strawberry.field(
        description="Multi-agency and external audits: who reviewed."
    )
    conversation_date: date | None = strawberry.field(
        description="Collaborative audits: when the auditor and practitioner talked it through."
    )
    practitioner_reflections: str | None = strawberry.field(
        description="The practitioner's reflections on the audit of their work."
    )
    practitioner_agreement: Agreement | None = strawberry.field(
        description="Whether the practitioner agrees with the audit."
    )
    voices: list[Voice] = strawberry.field(
        description="The child's and family's views, in their words."
    )
    cancel_reason: str | None = strawberry.field(description="Why it was cancelled, if it was.")
    created_at: datetime = strawberry.field(description="When it was planned.")
    started_at: datetime | None = strawberry.field(description="When the auditor started.")
    submitted_at: datetime | None = strawberry.field(description="When last submitted.")
    completed_at: datetime | None = strawberry.field(description="When completed.")
    cancelled_at: datetime | None = strawberry.field(description="When cancelled.")
    model: strawberry.Private[models.Audit]
    loaded_grades: strawberry.Private[list[models.AuditSectionGrade] | None] = None

    @classmethod
    def from_model(cls, m: models.Audit) -> Audit:
        return cls(
            id=str(m.id),
            kind=AuditKind(m.kind.value),
            status=AuditStatus(m.status.value),
            due_date=m.due_date,
            supervision_forum=m.supervision_forum,
            external_reviewer=m.external_reviewer,
            conversation_date=m.conversation_date,
            practitioner_reflections=m.practitioner_reflections,
            practitioner_agreement=m.practitioner_agreement,
            voices=[Voice(who=v.get("who", ""), said=v.get("said", "")) for v in m.voices],
            cancel_reason=m.cancel_reason,
            created_at=m.created_at,
            started_at=m.started_at,
            submitted_at=m.submitted_at,
            completed_at=m.completed_at,
            cancelled_at=m.cancelled_at,
            model=m,
            loaded_grades=list(m.section_grades) if is_loaded(m, "section_grades") else None,
        )

    # Blind benchmarking. Outside a round these are plain fields; inside one, one batched
    # check per audit decides whether the reader may see the judgement.
    def _judgement(self, info: Info[Context, None], value: T, hidden: T) -> T:
        if self.model.benchmark_round_id is None:
            return value
        return cast(T, self._if_visible(info, value, hidden))

    async def _if_visible(self, info: Info[Context, None], value: T, hidden: T) -> T:
        visible = await GRADES_VISIBLE.load(info, self.model)
        return value if visible else hidden

    async def _when_visible(
        self, info: Info[Context, None], load: Callable[[], Awaitable[T]], hidden: T
    ) -> T:
        if self.model.benchmark_round_id is not None and not (
            await GRADES_VISIBLE.load(info, self.model)
        ):
            return hidden
        return await load()

    @strawberry.field(description="The answers, by question key (see the template).")
    def answers(self, info: Info[Context, None]) -> JSON:
        return self._judgement(info, cast(JSON, self.model.answers), cast(JSON, {}))

    @strawberry.field(description="Each graded section's grade, by section key.")
    def section_grades(self, info: Info[Context, None]) -> list[SectionGrade]:
        if self.loaded_grades is None:
            return cast(
                list[SectionGrade], self._when_visible(info, lambda: self._load_grades(info), [])
            )
        grades = [SectionGrade.from_model(g, self.model.template_id) for g in self.loaded_grades]
        return self._judgement(info, grades, [])

    async def _load_grades(self, info: Info[Context, None]) -> list[SectionGrade]:
        m = await AUDIT.load(info, self.model.id)
        return [SectionGrade.from_model(g, m.template_id) for g in m.section_grades] if m else []

    @strawberry.field(description="The auditor's overall grade.")
    def overall_grade(self, info: Info[Context, None]) -> Grade | None:
        return self._judgement(info, self.model.overall_grade, None)

    @strawberry.field(description="Why, in the auditor's words.")
    def overall_rationale(self, info: Info[Context, None]) -> str | None:
        return self._judgement(info, self.model.overall_rationale, None)

    @strawberry.field(description="The QA Lead's overall grade, when moderation regraded it.")
    def moderated_overall_grade(self, info: Info[Context, None]) -> Grade | None:
        return self._judgement(info, self.model.moderated_overall_grade, None)

    @strawberry.field(description="The grade that counts: the moderated one, else the auditor's.")
    def effective_grade(self, info: Info[Context, None]) -> Grade | None:
        return self._judgement(info, audits.effective_grade(self.model), None)

    @strawberry.field(description="Multi-agency and external audits: what was found.")
    def findings(self, info: Info[Context, None]) -> str | None:
        return self._judgement(info, self.model.findings, None)

    @strawberry.field(description="The child whose case it is, if any and if you may see them.")
    async def child(self, info: Info[Context, None]) -> Child | None:
        return await load_node(info, CHILD, self.model.child_id, Child.from_model)

    @strawberry.field(description="The practitioner whose work is audited, if any.")
    async def subject_practitioner(self, info: Info[Context, None]) -> Person | None:
        return await load_person(info, self.model.subject_practitioner_id)

    # Plain fields when the list loaded them with the page; batched loads otherwise.
    @strawberry.field(description="Who carries out the audit.")
    def auditor(self, info: Info[Context, None]) -> Person:
        if is_loaded(self.model, "auditor"):
            return Person.from_model(self.model.auditor)
        return cast(Person, self._load_auditor(info))

    async def _load_auditor(self, info: Info[Context, None]) -> Person:
        person = await load_person(info, self.model.auditor_id)
        assert person is not None  # anyone who sees an audit sees the staff directory
        return person

    @strawberry.field(description="Supervision audits: the supervisor, if any.")
    async def supervisor(self, info: Info[Context, None]) -> Person | None:
        return await load_person(info, self.model.supervisor_id)

    @strawberry.field(description="The team whose work is audited (decides who sees the audit).")
    def team(self, info: Info[Context, None]) -> Team | None:
        if self.model.team_id is None:
            return None
        if is_loaded(self.model, "team") and self.model.team is not None:
            return Team.from_model(self.model.team)
        return cast(Team, self._load_team(info))

    async def _load_team(self, info: Info[Context, None]) -> Team | None:
        assert self.model.team_id is not None
        return await load_node(info, TEAM, self.model.team_id, Team.from_model)

    @strawberry.field(description="The template version the audit was started with.")
    async def template(self, info: Info[Context, None]) -> AuditTemplate:
        m = await TEMPLATE.load(info, self.model.template_id)
        assert m is not None  # a foreign key
        return AuditTemplate.from_model(m)

    @strawberry.field(description="Themes, cohorts or aspects of practice it is about, by name.")
    async def themes(self, info: Info[Context, None]) -> list[Theme]:
        found = await THEMES_OF_AUDIT.load(info, self.model.id)
        return [Theme.from_model(t) for t in found]

    @strawberry.field(
        description="The latest completed audit of the same child before this one, if you may "
        "see it."
    )
    async def previous_audit(self, info: Info[Context, None]) -> Audit | None:
        if self.model.child_id is None:
            return None
        m = await PREVIOUS_AUDIT.load(info, self.model)
        return Audit.from_model(m) if m else None

    @strawberry.field(description="Actions arising from the audit, soonest due first.")
    async def actions(self, info: Info[Context, None]) -> list[AuditAction]:
        found = await ACTIONS_OF_AUDIT.load(info, self.model.id)
        return [AuditAction.from_model(a) for a in found]

    @strawberry.field(description="Learning points from the audit, oldest first.")
    async def learning_points(self, info: Info[Context, None]) -> list[LearningPoint]:
        found = await LEARNING_OF_AUDIT.load(info, self.model.id)
        return [LearningPoint.from_model(p) for p in found]

    @strawberry.field(description="The QA Lead's moderations of the audit, oldest first.")
    async def moderations(self, info: Info[Context, None]) -> list[Moderation]:
        return await self._when_visible(info, lambda: self._moderations(info), [])

    async def _moderations(self, info: Info[Context, None]) -> list[Moderation]:
        found = await MODERATIONS_OF_AUDIT.load(info, self.model.id)
        return [Moderation.from_model(m) for m in found]

    @strawberry.field(
        description="Facts recorded about the audit, oldest first (for example "
        "`audit.completed_inadequate`, which starts the Inadequate process)."
    )
    async def events(self, info: Info[Context, None]) -> list[AuditEvent]:
        return await self._when_visible(info, lambda: self._events(info), [])

    async def _events(self, info: Info[Context, None]) -> list[AuditEvent]:
        found = await EVENTS_OF_OBJECT.load(info, self.model.id)
        return [AuditEvent.from_model(e) for e in found]

    @strawberry.field(description="The benchmarking round it belongs to, if any.")
    async def benchmark_round(
        self, info: Info[Context, None]
    ) -> Annotated[BenchmarkRound, strawberry.lazy("api.graphql.audits.programme")] | None:
        from api.graphql.audits.programme import BenchmarkRound

        return await load_node(
            info, BENCHMARK_ROUND, self.model.benchmark_round_id, BenchmarkRound.from_model
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        loaded = await AUDIT.load_many(info, uuids_of(node_ids))
        return [cls.from_model(m) if m else None for m in loaded]


# --- what follows from an audit ------------------------------------------------------------


@strawberry.type(description="An action arising from an audit, with an owner and a due date.")
class AuditAction(relay.Node):
    id: relay.NodeID[str]
    description: str = strawberry.field(description="What is to be done.")
    due_date: date = strawberry.field(description="When it is due.")
    done_at: datetime | None = strawberry.field(description="When it was marked done.")
    done_note: str | None = strawberry.field(description="What was done, if noted.")
    created_at: datetime = strawberry.field(description="When it was added.")
    owner_id: strawberry.Private[uuid.UUID]
    audit_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, m: models.AuditAction) -> AuditAction:
        return cls(
            id=str(m.id),
            description=m.description,
            due_date=m.due_date,
            done_at=m.done_at,
            done_note=m.done_note,
            created_at=m.created_at,
            owner_id=m.owner_id,
            audit_id=m.audit_id,
        )

    @strawberry.field(description="Who is to do it.")
    async def owner(self, info: Info[Context, None]) -> Person:
        person = await load_person(info, self.owner_id)
        assert person is not None  # an owner sees themselves; staff see the directory
        return person

    @strawberry.field(description="The audit it arises from, if you may see it.")
    async def audit(self, info: Info[Context, None]) -> Audit | None:
        return await load_audit(info, self.audit_id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await _follow_ups(info, models.AuditAction, node_ids)
        return [cls.from_model(m) if m else None for m in found]


@strawberry.type(
    description="Something learned from an audit or a Task and Finish Group: a strength or an "
    "area to develop."
)
class LearningPoint(relay.Node):
    id: relay.NodeID[str]
    text: str = strawberry.field(description="The learning, in the recorder's words.")
    is_strength: bool = strawberry.field(description="True for a strength, false for a worry.")
    themes: list[Theme] = strawberry.field(description="The themes it is tagged with.")
    created_at: datetime = strawberry.field(description="When it was recorded.")
    source: LearningSource = strawberry.field(
        description="Where it comes from: `audit` or `taskAndFinishGroup` says which."
    )
    audit_id: strawberry.Private[uuid.UUID | None]
    group_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, m: models.LearningPoint) -> LearningPoint:
        return cls(
            id=str(m.id),
            text=m.text,
            is_strength=m.is_strength,
            themes=[Theme.from_model(t) for t in m.themes] if is_loaded(m, "themes") else [],
            created_at=m.created_at,
            source=LearningSource.AUDIT
            if m.audit_id is not None
            else LearningSource.TASK_AND_FINISH_GROUP,
            audit_id=m.audit_id,
            group_id=m.task_and_finish_group_id,
        )

    @strawberry.field(description="The audit it comes from, if from an audit you may see.")
    async def audit(self, info: Info[Context, None]) -> Audit | None:
        return await load_audit(info, self.audit_id)

    @strawberry.field(
        description="The Task and Finish Group it comes from, if from a group you may see."
    )
    async def task_and_finish_group(
        self, info: Info[Context, None]
    ) -> Annotated[TaskAndFinishGroup, strawberry.lazy("api.graphql.learning.types")] | None:
        from api.graphql.learning.types import TaskAndFinishGroup

        return await load_node(
            info, TASK_AND_FINISH_GROUP, self.group_id, TaskAndFinishGroup.from_model
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await _follow_ups(info, models.LearningPoint, node_ids)
        return [cls.from_model(m) if m else None for m in found]


@strawberry.type(
    description="The QA Lead's moderation of a completed audit: confirmed or regraded, with a "
    "reason."
)
class Moderation(relay.Node):
    id: relay.NodeID[str]
    outcome: ModerationOutcome = strawberry.field(description="Confirmed or regraded.")
    original_overall_grade: Grade = strawberry.field(description="The overall grade before.")
    moderated_overall_grade: Grade = strawberry.field(description="The overall grade after.")
    section_grades: JSON = strawberry.field(
        description="{sectionKey: [before, after]} for each section it regraded."
    )
    reason: str = strawberry.field(description="Why, in the QA Lead's words.")
    moderated_at: datetime = strawberry.field(description="When.")
    moderator_id: strawberry.Private[uuid.UUID | None]
    audit_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, m: models.Moderation) -> Moderation:
        return cls(
            id=str(m.id),
            outcome=ModerationOutcome(m.outcome.value),
            original_overall_grade=Grade(m.original_overall_grade.value),
            moderated_overall_grade=Grade(m.moderated_overall_grade.value),
            section_grades=cast(JSON, m.section_grades),
            reason=m.reason,
            moderated_at=m.moderated_at,
            moderator_id=m.moderator_id,
            audit_id=m.audit_id,
        )

    @strawberry.field(description="Who moderated.")
    async def moderator(self, info: Info[Context, None]) -> Person | None:
        return await load_person(info, self.moderator_id)

    @strawberry.field(description="The audit moderated, if you may see it.")
    async def audit(self, info: Info[Context, None]) -> Audit | None:
        return await load_audit(info, self.audit_id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await _follow_ups(info, models.Moderation, node_ids)
        return [cls.from_model(m) if m else None for m in found]


# --- connections and helpers -------------------------------------------------------------------


@strawberry.type(description="A page of audits.")
class AuditConnection(CountedConnection[Audit]):
    pass


@strawberry.type(description="A page of learning points, newest first.")
class LearningPointConnection(CountedConnection[LearningPoint]):
    pass


@strawberry.type(description="A page of actions, soonest due first.")
class AuditActionConnection(CountedConnection[AuditAction]):
    pass


async def load_audit(info: Info[Context, None], audit_id: uuid.UUID | None) -> Audit | None:
    return await load_node(info, AUDIT, audit_id, Audit.from_model)


async def _follow_ups(info: Info[Context, None], model: Any, node_ids_: Iterable[str]) -> list[Any]:
    """Actions, learning points or moderations by id, through the domain's policy."""
    ids = uuids_of(node_ids_)
    actor = info.context.actor
    if actor is None:
        return [None] * len(ids)
    async with info.context.session_factory() as session:
        found = (
            await learning_points.get_learning_points(session=session, actor=actor, ids=ids)
            if model is models.LearningPoint
            else await audits.get_follow_ups(session=session, actor=actor, model=model, ids=ids)
        )
    return [found.get(i) for i in ids]
