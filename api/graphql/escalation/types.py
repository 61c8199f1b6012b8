"""The Inadequate process (`InadequateEscalation`) as the front-end sees it: its steps,
the other cases under review, the reviews in supervision and the exception report."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.graphql.audits.loaders import AUDIT, MODERATIONS_OF_AUDIT
from api.graphql.audits.types import Audit, Grade, Moderation
from api.graphql.children.loaders import CHILD
from api.graphql.children.types import Child
from api.graphql.core.context import Context
from api.graphql.core.loaders import load_node, visible_nodes
from api.graphql.core.pagination import CountedConnection
from api.graphql.escalation.enums import (
    AssuranceOutcome,
    EscalationStage,
    EscalationStepKind,
    EscalationStepStatus,
    OtherCaseOutcome,
    RegradedBy,
)
from api.graphql.escalation.loaders import (
    ESCALATION_HISTORY,
    ESCALATION_OBLIGATIONS,
    OTHER_CASES,
    SUPERVISION_REVIEWS,
)
from api.graphql.history.types import HistoryEntry
from api.graphql.people.types import Person, load_person
from domain.escalation import models
from domain.escalation import service as domain


@strawberry.type(description="One step of the timeline: who owes it, by when, and whether done.")
class EscalationStep:
    kind: EscalationStepKind = strawberry.field(description="Which step.")
    number: int | None = strawberry.field(
        description="For a review in supervision: which of the three."
    )
    due_at: datetime | None = strawberry.field(
        description="When it is due (end of its due day in London); null until it is owed."
    )
    done_at: datetime | None = strawberry.field(description="When it was done.")
    status: EscalationStepStatus = strawberry.field(description="Done, due, overdue, …")
    late: bool = strawberry.field(
        description="Done after it was due (a review in supervision: held after its month's due "
        "day)."
    )
    opens_on: date | None = strawberry.field(
        description="For a review in supervision: the first day of its month after the "
        "exception report; it cannot be recorded before. Null for other steps."
    )
    owner_id: strawberry.Private[uuid.UUID | None]
    done_by_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Who owes it.")
    async def owner(self, info: Info[Context, None]) -> Person | None:
        return await load_person(info, self.owner_id)

    @strawberry.field(description="Who did it (null when the service did, or not yet done).")
    async def done_by(self, info: Info[Context, None]) -> Person | None:
        return await load_person(info, self.done_by_id)


@strawberry.type(description="One of the practitioner's other open cases, and its review.")
class OtherCaseReview:
    case_reference: str = strawberry.field(description="The case management system's reference.")
    outcome: OtherCaseOutcome | None = strawberry.field(
        description="The reviewer's outcome; null until reviewed."
    )
    note: str | None = strawberry.field(description="What the reviewer found and did.")
    reviewed_at: datetime | None = strawberry.field(description="When it was reviewed.")
    child_id: strawberry.Private[uuid.UUID]
    reviewed_by_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, m: models.OtherCaseReview) -> OtherCaseReview:
        return cls(
            case_reference=m.case_reference,
            outcome=OtherCaseOutcome(m.outcome.value) if m.outcome else None,
            note=m.note,
            reviewed_at=m.reviewed_at,
            child_id=m.child_id,
            reviewed_by_id=m.reviewed_by_id,
        )

    @strawberry.field(description="The child (null if you may not see the case).")
    async def child(self, info: Info[Context, None]) -> Child | None:
        return await load_node(info, CHILD, self.child_id, Child.from_model)

    @strawberry.field(description="Who reviewed it.")
    async def reviewed_by(self, info: Info[Context, None]) -> Person | None:
        return await load_person(info, self.reviewed_by_id)


@strawberry.type(description="A monthly review of the case in the practitioner's supervision.")
class SupervisionReview:
    number: int = strawberry.field(description="Which of the three (1, 2, 3).")
    held_on: date = strawberry.field(description="The day of the supervision.")
    notes: str = strawberry.field(description="What the review found.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
    recorded_by_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Who recorded it.")
    async def recorded_by(self, info: Info[Context, None]) -> Person | None:
        return await load_person(info, self.recorded_by_id)


@strawberry.type(description="The one-page exception report for the AED.")
class ExceptionReport:
    sent_at: datetime | None = strawberry.field(
        description="When the Head of Service sent it; null while it is a draft."
    )
    withdrawn_at: datetime | None = strawberry.field(
        description="When it was withdrawn because the audit was regraded away from Inadequate "
        "(sent or not, it no longer stands); null otherwise."
    )
    html_url: str = strawberry.field(
        description="Where to read it (HTML; a DRAFT preview until sent). Send the same "
        "Authorization header as for GraphQL."
    )
    pdf_url: str = strawberry.field(description="Where to download it as PDF (likewise).")


@strawberry.type(
    description="The Inadequate process of one audit (DOMAIN.md): moderation, the Head of "
    "Service told, assurance, the review of the practitioner's other cases, the exception "
    "report, three reviews in supervision and the desk-top audit. You see it if you may see "
    "its audit, or if it was brought to you as Head of Service."
)
class InadequateEscalation(relay.Node):
    id: relay.NodeID[str]
    stage: EscalationStage = strawberry.field(description="The step that is next, or how it ended.")
    is_open: bool = strawberry.field(description="False once closed or ended by a regrade.")
    audit_completed_at: datetime = strawberry.field(
        description="When the audit was completed as Inadequate (timescales count from it)."
    )
    started_at: datetime = strawberry.field(description="When the process started.")
    moderated_at: datetime | None = strawberry.field(description="When moderation decided.")
    head_of_service_told_at: datetime | None = strawberry.field(
        description="When the Head of Service was told."
    )
    assurance_outcome: AssuranceOutcome | None = strawberry.field(
        description="What the Head of Service found."
    )
    assurance_detail: str | None = strawberry.field(
        description="How they assured themselves, or the actions taken."
    )
    assured_at: datetime | None = strawberry.field(description="When they recorded it.")
    review_summary: str | None = strawberry.field(
        description="The summary of the review of the other cases."
    )
    reviewed_at: datetime | None = strawberry.field(description="When the review was completed.")
    ended_at: datetime | None = strawberry.field(description="When it closed or ended.")
    ended_reason: str | None = strawberry.field(
        description="Why it ended early: the moderation's (or the amendment's) reason for the "
        "regrade."
    )
    regraded_grade: Grade | None = strawberry.field(
        description="When it ended by a regrade: the grade the audit was given."
    )
    regraded_by: RegradedBy | None = strawberry.field(
        description="When it ended by a regrade: by moderation, or by an amendment."
    )
    model: strawberry.Private[models.InadequateEscalation]

    @classmethod
    def from_model(cls, m: models.InadequateEscalation) -> InadequateEscalation:
        return cls(
            id=str(m.id),
            stage=EscalationStage(m.stage.value),
            is_open=m.stage in models.OPEN_STAGES,
            audit_completed_at=m.audit_completed_at,
            started_at=m.started_at,
            moderated_at=m.moderated_at,
            head_of_service_told_at=m.hos_told_at,
            assurance_outcome=(
                AssuranceOutcome(m.assurance_outcome.value) if m.assurance_outcome else None
            ),
            assurance_detail=m.assurance_detail,
            assured_at=m.assured_at,
            review_summary=m.review_summary,
            reviewed_at=m.reviewed_at,
            ended_at=m.ended_at,
            ended_reason=m.ended_reason,
            regraded_grade=Grade(m.regraded_grade.value) if m.regraded_grade else None,
            regraded_by=RegradedBy(m.regraded_by.value) if m.regraded_by else None,
            model=m,
        )

    @strawberry.field(description="The audit completed as Inadequate.")
    async def audit(self, info: Info[Context, None]) -> Audit | None:
        return await load_node(info, AUDIT, self.model.audit_id, Audit.from_model)

    @strawberry.field(description="The child whose case it is (null if you may not see it).")
    async def child(self, info: Info[Context, None]) -> Child | None:
        return await load_node(info, CHILD, self.model.child_id, Child.from_model)

    @strawberry.field(description="The practitioner whose practice was judged Inadequate.")
    async def practitioner(self, info: Info[Context, None]) -> Person | None:
        return await load_person(info, self.model.practitioner_id)

    @strawberry.field(description="The responsible Head of Service, once told.")
    async def head_of_service(self, info: Info[Context, None]) -> Person | None:
        return await load_person(info, self.model.head_of_service_id)

    @strawberry.field(description="The QA Lead who owes the moderation and the desk-top audit.")
    async def qa_lead(self, info: Info[Context, None]) -> Person | None:
        return await load_person(info, self.model.qa_lead_id)

    @strawberry.field(description="The moderation that confirmed or regraded the audit.")
    async def moderation(self, info: Info[Context, None]) -> Moderation | None:
        if self.model.moderation_id is None:
            return None
        found = await MODERATIONS_OF_AUDIT.load(info, self.model.audit_id)
        return next(
            (Moderation.from_model(m) for m in found if m.id == self.model.moderation_id), None
        )

    @strawberry.field(
        description="The practitioner's other open cases (prefilled when the Head of Service is "
        "told), each with its outcome, by case reference: only those whose child you may see."
    )
    async def other_cases(self, info: Info[Context, None]) -> list[OtherCaseReview]:
        found = await OTHER_CASES.load(info, self.model.id)
        return [OtherCaseReview.from_model(m) for m in found]

    @strawberry.field(description="The reviews in supervision recorded so far, in order.")
    async def supervision_reviews(self, info: Info[Context, None]) -> list[SupervisionReview]:
        found = await SUPERVISION_REVIEWS.load(info, self.model.id)
        return [
            SupervisionReview(
                number=m.number,
                held_on=m.held_on,
                notes=m.notes,
                recorded_at=m.recorded_at,
                recorded_by_id=m.recorded_by_id,
            )
            for m in found
        ]

    @strawberry.field(description="The desk-top audit, once planned (after the third review).")
    async def desk_top_audit(self, info: Info[Context, None]) -> Audit | None:
        return await load_node(info, AUDIT, self.model.desk_top_audit_id, Audit.from_model)

    @strawberry.field(description="The exception report: read or download it.")
    def exception_report(self) -> ExceptionReport:
        base = f"/escalations/{self.model.id}/exception-report"
        return ExceptionReport(
            sent_at=self.model.report_sent_at,
            withdrawn_at=self.model.ended_at if self.model.report_withdrawn else None,
            html_url=f"{base}.html",
            pdf_url=f"{base}.pdf",
        )

    @strawberry.field(
        description="The whole timeline, in the framework's order: each step with who owes it, "
        "when it is due, and whether it is done, due, overdue, not yet open or not needed."
    )
    async def steps(self, info: Info[Context, None]) -> list[EscalationStep]:
        return [
            EscalationStep(
                kind=EscalationStepKind(s.kind.value),
                number=s.number,
                due_at=s.due_at,
                done_at=s.done_at,
                status=EscalationStepStatus(s.status.value),
                late=s.late,
                opens_on=s.opens_on,
                owner_id=s.owner_id,
                done_by_id=s.done_by_id,
            )
            for s in await self._steps(info)
        ]

    @strawberry.field(description="True when any open step is past its due moment.")
    async def overdue(self, info: Info[Context, None]) -> bool:
        return any(s.status is domain.StepStatus.OVERDUE for s in await self._steps(info))

    async def _steps(self, info: Info[Context, None]) -> list[domain.Step]:
        owed = await ESCALATION_OBLIGATIONS.load(info, self.model)
        reviews = await SUPERVISION_REVIEWS.load(info, self.model.id)
        return domain.steps(self.model, owed, info.context.clock.now(), reviews)

    @strawberry.field(description="Who did what when, oldest first.")
    async def history(self, info: Info[Context, None]) -> list[HistoryEntry]:
        found = await ESCALATION_HISTORY.load(info, self.model.id)
        return [HistoryEntry.from_model(m) for m in found]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await visible_nodes(
            info, node_ids, lambda s, a, ids: domain.get_escalations(session=s, actor=a, ids=ids)
        )
        return [cls.from_model(m) if m is not None else None for m in found]


@strawberry.type(description="A page of Inadequate processes.")
class InadequateEscalationConnection(CountedConnection[InadequateEscalation]):
    pass
