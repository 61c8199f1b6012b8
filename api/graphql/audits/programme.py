"""The audit programme as the front-end sees it: months, samples and benchmarking rounds."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.audits.loaders import AUDITS_OF_ROUND, BENCHMARK_ROUND
from api.graphql.audits.statistics import BenchmarkAgreement
from api.graphql.audits.types import Audit, AuditKind, Grade
from api.graphql.children.loaders import CHILD
from api.graphql.children.types import Child
from api.graphql.core.context import Context
from api.graphql.core.ids import uuids_of
from api.graphql.core.loaders import load_node, visible_nodes
from api.graphql.core.pagination import read
from api.graphql.people.types import Person, load_person
from domain.audits import models, programme, statistics
from domain.audits import service as audits
from domain.core.pagination import MAX_PAGE_SIZE


@strawberry.type(description="One auditor's month: what was expected of them and what they did.")
class AuditorProgress:
    expected: int = strawberry.field(description="Audits the programme expects of them.")
    allocated: int = strawberry.field(description="Audits due this month allocated to them.")
    completed: int = strawberry.field(description="Of those, completed.")
    overdue: int = strawberry.field(description="Of those, still open past their due date.")
    auditor_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The auditor.")
    async def auditor(self, info: Info[Context, None]) -> Person:
        person = await load_person(info, self.auditor_id)
        assert person is not None  # planners see the directory; anyone else sees themselves
        return person


@strawberry.type(
    description="A month of the audit programme: its notes and each auditor's progress."
)
class ProgrammeMonth(relay.Node):
    id: relay.NodeID[str]
    month: date = strawberry.field(description="The first day of the month.")
    notes: str | None = strawberry.field(description="The month's notes: themes, priorities.")

    @classmethod
    def from_model(cls, m: models.ProgrammeMonth) -> ProgrammeMonth:
        return cls(id=str(m.id), month=m.month, notes=m.notes)

    @strawberry.field(
        description="Each auditor's expectation against what they were allocated and did: "
        "planners see every auditor, anyone else their own line."
    )
    async def progress(self, info: Info[Context, None]) -> list[AuditorProgress]:
        clock = info.context.clock
        lines = await read(
            info,
            lambda s, a: programme.auditor_progress(
                session=s, actor=a, clock=clock, month=self.month, auditor_id=None
            ),
        )
        return [
            AuditorProgress(
                auditor_id=p.auditor_id,
                expected=p.expected,
                allocated=p.allocated,
                completed=p.completed,
                overdue=p.overdue,
            )
            for p in lines
        ]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await visible_nodes(
            info,
            node_ids,
            lambda s, a, ids: programme.get_programme_months(session=s, actor=a, ids=ids),
        )
        return [cls.from_model(m) if m is not None else None for m in found]


@strawberry.type(
    description="A draw of cases for the programme: the filter, the size asked for and the "
    "seed, so that the same seed over the same cases draws the same sample. A dry run keeps "
    "nothing: its id resolves to nothing."
)
class Sample(relay.Node):
    id: relay.NodeID[str]
    kind: AuditKind = strawberry.field(description="The kind of audit drawn for.")
    seed: str = strawberry.field(
        description="The seed, as a decimal string (it may exceed GraphQL's 32-bit Int); give "
        "it to `drawSample` to draw the same sample again."
    )
    candidates: int = strawberry.field(description="How many cases the filter matched.")
    requested_count: int | None = strawberry.field(description="The number asked for, if any.")
    requested_percentage: int | None = strawberry.field(
        description="The percentage of the candidates asked for, if any."
    )
    include_recently_audited: bool = strawberry.field(
        description="Whether cases audited within the exclusion period could be drawn."
    )
    criteria: JSON = strawberry.field(description="The filter and allocation asked for.")
    created_at: datetime = strawberry.field(description="When it was drawn.")
    drawn_child_ids: strawberry.Private[list[uuid.UUID]]
    drawn_audits: strawberry.Private[list[models.Audit] | None] = None

    @classmethod
    def from_model(cls, m: models.Sample, audits_: list[models.Audit] | None = None) -> Sample:
        return cls(
            id=str(m.id or uuid.uuid4()),
            kind=AuditKind(m.kind.value),
            seed=str(m.seed),
            candidates=m.candidates,
            requested_count=m.requested_count,
            requested_percentage=m.requested_percentage,
            include_recently_audited=m.include_recently_audited,
            criteria=cast(JSON, m.criteria),
            created_at=m.created_at,
            drawn_child_ids=[uuid.UUID(c) for c in m.drawn_child_ids],
            drawn_audits=audits_,
        )

    @strawberry.field(description="The cases drawn, in the order drawn (those you may see).")
    async def children(self, info: Info[Context, None]) -> list[Child]:
        found = await CHILD.load_many(info, self.drawn_child_ids)
        return [Child.from_model(c) for c in found if c is not None]

    @strawberry.field(
        description="The audits planned from the draw that you may see (none on a dry run)."
    )
    async def audits(self, info: Info[Context, None]) -> list[Audit]:
        if self.drawn_audits is not None:
            return [Audit.from_model(a) for a in self.drawn_audits]
        sample_id = uuid.UUID(self.id)
        page = await read(
            info,
            lambda s, a: audits.list_audits(
                session=s,
                actor=a,
                filters=audits.AuditFilter(sample_id=sample_id),
                first=MAX_PAGE_SIZE,
                after=None,
            ),
        )
        return [Audit.from_model(a) for a in page.items]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await visible_nodes(
            info, node_ids, lambda s, a, ids: programme.get_samples(session=s, actor=a, ids=ids)
        )
        return [cls.from_model(m) if m is not None else None for m in found]


@strawberry.type(description="Who audits (or, on a dry run, would audit) each drawn case.")
class SampleAllocation:
    child_id: strawberry.Private[uuid.UUID]
    auditor_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The case, if you may see it.")
    async def child(self, info: Info[Context, None]) -> Child | None:
        return await load_node(info, CHILD, self.child_id, Child.from_model)

    @strawberry.field(description="Its auditor.")
    async def auditor(self, info: Info[Context, None]) -> Person:
        person = await load_person(info, self.auditor_id)
        assert person is not None  # planners see the directory
        return person


@strawberry.type(
    description="A benchmarking round: several auditors audit the same case blind, then a "
    "grade is agreed."
)
class BenchmarkRound(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Its name, e.g. 'Spring 2027'.")
    due_date: date = strawberry.field(description="When the auditors' audits are due.")
    agreed_overall_grade: Grade | None = strawberry.field(
        description="The agreed overall grade, once recorded."
    )
    agreed_section_grades: JSON = strawberry.field(
        description="The agreed grade of each section, {sectionKey: grade}."
    )
    agreed_rationale: str | None = strawberry.field(description="Why that grade was agreed.")
    agreed_at: datetime | None = strawberry.field(description="When it was agreed.")
    child_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, m: models.BenchmarkRound) -> BenchmarkRound:
        return cls(
            id=str(m.id),
            name=m.name,
            due_date=m.due_date,
            agreed_overall_grade=m.agreed_overall_grade,
            agreed_section_grades=cast(JSON, m.agreed_section_grades),
            agreed_rationale=m.agreed_rationale,
            agreed_at=m.agreed_at,
            child_id=m.child_id,
        )

    @strawberry.field(description="The case every auditor audits, if you may see it.")
    async def child(self, info: Info[Context, None]) -> Child | None:
        return await load_node(info, CHILD, self.child_id, Child.from_model)

    @strawberry.field(
        description="Agreement of the round's auditors with the agreed grade (the QA Lead, "
        "planners and senior leaders; the round's auditors once it is agreed)."
    )
    async def agreement(self, info: Info[Context, None]) -> BenchmarkAgreement:
        round_id = uuid.UUID(self.id)
        found = await read(
            info,
            lambda s, a: statistics.benchmark_agreement(
                session=s,
                actor=a,
                policy_settings=info.context.settings.policy,
                round_id=round_id,
            ),
        )
        return BenchmarkAgreement.from_domain(found)

    @strawberry.field(description="The round's audits that you may see, newest planned first.")
    async def audits(self, info: Info[Context, None]) -> list[Audit]:
        found = await AUDITS_OF_ROUND.load(info, uuid.UUID(self.id))
        return [Audit.from_model(a) for a in found]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        rounds = await BENCHMARK_ROUND.load_many(info, uuids_of(node_ids))
        return [cls.from_model(r) if r is not None else None for r in rounds]
