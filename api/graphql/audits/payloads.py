"""The audit payloads: the object changed, or why nothing changed."""

from __future__ import annotations

import strawberry

from api.graphql.audits.programme import BenchmarkRound, ProgrammeMonth, Sample, SampleAllocation
from api.graphql.audits.reference import AuditTemplate, Theme
from api.graphql.audits.types import Audit, AuditAction, LearningPoint, Moderation
from api.graphql.core.errors import UserError
from api.graphql.core.mutations import Payload, payload
from domain.audits import models, sampling


@payload(
    "audit",
    Audit,
    description="The audit, or why nothing changed.",
    field_description="The audit, when it succeeded.",
)
class AuditPayload(Payload[models.Audit]):
    pass


@payload(
    "moderation",
    Moderation,
    description="The moderation, or why nothing changed.",
    field_description="The moderation, when it succeeded.",
)
class ModerationPayload(Payload[models.Moderation]):
    pass


@payload(
    "action",
    AuditAction,
    description="The action, or why nothing changed.",
    field_description="The action, when it succeeded.",
)
class AuditActionPayload(Payload[models.AuditAction]):
    pass


@payload(
    "learning_point",
    LearningPoint,
    description="The learning point, or why nothing changed.",
    field_description="The learning point, when it succeeded.",
)
class LearningPointPayload(Payload[models.LearningPoint]):
    pass


@payload(
    "template",
    AuditTemplate,
    description="The template version, or why nothing changed.",
    field_description="The new version, when it succeeded.",
)
class AuditTemplatePayload(Payload[models.AuditTemplate]):
    pass


@payload(
    "theme",
    Theme,
    description="The theme, or why nothing changed.",
    field_description="The theme, when it succeeded.",
)
class ThemePayload(Payload[models.Theme]):
    pass


@payload(
    "programme_month",
    ProgrammeMonth,
    description="The month of the programme, or why nothing changed.",
    field_description="The month, when it succeeded.",
)
class ProgrammeMonthPayload(Payload[models.ProgrammeMonth]):
    pass


@payload(
    "benchmark_round",
    BenchmarkRound,
    description="The benchmarking round, or why nothing changed.",
    field_description="The round, when it succeeded.",
)
class BenchmarkRoundPayload(Payload[models.BenchmarkRound]):
    pass


@strawberry.type(description="The sample and the audits planned from it, or why nothing changed.")
class DrawSamplePayload:
    sample: Sample | None = strawberry.field(description="The draw, when it succeeded.")
    audits: list[Audit] = strawberry.field(
        description="The audits planned, one per case drawn (none on a dry run)."
    )
    allocations: list[SampleAllocation] = strawberry.field(
        description="Who audits each case drawn (on a dry run, who would)."
    )
    errors: list[UserError] = strawberry.field(description="Empty when it succeeded.")

    @classmethod
    def of(cls, result: sampling.SampleResult | None, errors: list[UserError]) -> DrawSamplePayload:
        if result is None:
            return cls(sample=None, audits=[], allocations=[], errors=errors)
        return cls(
            sample=Sample.from_model(result.sample, result.audits),
            audits=[Audit.from_model(m) for m in result.audits],
            allocations=[
                SampleAllocation(child_id=c.id, auditor_id=result.allocation[c.id])
                for c in result.children
            ],
            errors=errors,
        )
