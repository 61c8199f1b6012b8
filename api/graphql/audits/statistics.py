"""Dashboards and quality statistics: counts, regrade rates, benchmarking agreement."""

from __future__ import annotations

import uuid

import strawberry
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.people.types import Person, load_person
from domain.audits import statistics


@strawberry.type(description="How many audits fall in one bucket.")
class Count:
    key: str = strawberry.field(
        description="The bucket: a grade, kind or status value, or a month as YYYY-MM."
    )
    count: int = strawberry.field(description="How many audits.")


@strawberry.type(
    description="Counts of the audits you may see, for a team or service dashboard: by grade "
    "(completed audits, moderated grade where there is one), kind, status and month due."
)
class AuditDashboard:
    total: int = strawberry.field(description="All audits counted.")
    by_grade: list[Count] = strawberry.field(description="Completed audits by grade, best first.")
    by_kind: list[Count] = strawberry.field(description="By kind of audit.")
    by_status: list[Count] = strawberry.field(description="By lifecycle status.")
    by_month: list[Count] = strawberry.field(description="By month due, oldest first.")

    @classmethod
    def from_domain(cls, d: statistics.Dashboard) -> AuditDashboard:
        def counts(items: list[statistics.Count]) -> list[Count]:
            return [Count(key=c.key, count=c.count) for c in items]

        return cls(
            total=d.total,
            by_grade=counts(d.by_grade),
            by_kind=counts(d.by_kind),
            by_status=counts(d.by_status),
            by_month=counts(d.by_month),
        )


@strawberry.type(description="How often one auditor's audits were regraded in moderation.")
class AuditorRegradeRate:
    moderated: int = strawberry.field(description="Their audits moderated.")
    regraded: int = strawberry.field(description="Of those, regraded.")
    rate: float = strawberry.field(description="Regraded over moderated (0 when none).")
    auditor_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The auditor.")
    async def auditor(self, info: Info[Context, None]) -> Person | None:
        return await load_person(info, self.auditor_id)


@strawberry.type(description="How often one section's grade was changed in moderation.")
class SectionRegradeRate:
    section_key: str = strawberry.field(description="The section (stable across versions).")
    moderated: int = strawberry.field(description="Moderations of audits grading it.")
    regraded: int = strawberry.field(description="Of those, ones that changed its grade.")
    rate: float = strawberry.field(description="Regraded over moderated (0 when none).")


@strawberry.type(description="Regrade rates in moderation, by auditor and by section.")
class RegradeRates:
    by_auditor: list[AuditorRegradeRate] = strawberry.field(description="Most regraded first.")
    by_section: list[SectionRegradeRate] = strawberry.field(description="Most regraded first.")

    @classmethod
    def from_domain(cls, r: statistics.RegradeRates) -> RegradeRates:
        return cls(
            by_auditor=[
                AuditorRegradeRate(
                    auditor_id=uuid.UUID(x.key),
                    moderated=x.moderated,
                    regraded=x.regraded,
                    rate=x.rate,
                )
                for x in r.by_auditor
            ],
            by_section=[
                SectionRegradeRate(
                    section_key=x.key, moderated=x.moderated, regraded=x.regraded, rate=x.rate
                )
                for x in r.by_section
            ],
        )


@strawberry.type(
    description="Agreement with the agreed grade: exact agreement and a linear-weighted "
    "Cohen's kappa suited to the ordinal four-point scale."
)
class AgreementFigure:
    key: str = strawberry.field(
        description="'overall', a section key, or an auditor's id (see `auditor`)."
    )
    pairs: int = strawberry.field(description="Judgements compared with the agreed grade.")
    percent_agreement: float = strawberry.field(description="Exact matches, in percent.")
    weighted_kappa: float | None = strawberry.field(
        description="Linear-weighted kappa; null where it is undefined (no variation)."
    )
    flagged: bool = strawberry.field(
        description="Kappa below the policy threshold (POLICY__BENCHMARK_AGREEMENT_THRESHOLD)."
    )
    auditor_id: strawberry.Private[uuid.UUID | None] = None

    @strawberry.field(description="The auditor, for a figure by auditor.")
    async def auditor(self, info: Info[Context, None]) -> Person | None:
        return await load_person(info, self.auditor_id)

    @classmethod
    def from_domain(cls, a: statistics.Agreement, *, by_auditor: bool = False) -> AgreementFigure:
        return cls(
            key=a.key,
            pairs=a.pairs,
            percent_agreement=a.percent_agreement,
            weighted_kappa=a.weighted_kappa,
            flagged=a.flagged,
            auditor_id=uuid.UUID(a.key) if by_auditor else None,
        )


@strawberry.type(description="How consistent a benchmarking round's auditors were.")
class BenchmarkAgreement:
    agreed: bool = strawberry.field(description="Whether the round's grade has been agreed.")
    overall: AgreementFigure = strawberry.field(description="Every judgement in the round.")
    by_section: list[AgreementFigure] = strawberry.field(description="Per section.")
    by_auditor: list[AgreementFigure] = strawberry.field(description="Per auditor.")

    @classmethod
    def from_domain(cls, r: statistics.RoundAgreement) -> BenchmarkAgreement:
        return cls(
            agreed=r.agreed,
            overall=AgreementFigure.from_domain(r.overall),
            by_section=[AgreementFigure.from_domain(a) for a in r.by_section],
            by_auditor=[AgreementFigure.from_domain(a, by_auditor=True) for a in r.by_auditor],
        )
