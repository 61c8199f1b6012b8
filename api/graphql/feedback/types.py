"""The compliments and complaints register as the front-end sees it: `FeedbackRecord`, its
complaint stages, and trends in what was received."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.graphql.audits.reference import Theme
from api.graphql.children.loaders import CHILD
from api.graphql.children.types import Child
from api.graphql.core.context import Context
from api.graphql.core.ids import global_id
from api.graphql.core.ids import node_ids as node_ids_of
from api.graphql.core.pagination import CountedConnection
from api.graphql.feedback.enums import (
    ComplaintFinding,
    ComplaintStatus,
    FeedbackCategory,
    FeedbackKind,
    FeedbackSource,
)
from api.graphql.feedback.loaders import (
    COMPLAINT_STAGES,
    FEEDBACK_HISTORY,
    FEEDBACK_RECORD,
    THEMES_OF_FEEDBACK,
)
from api.graphql.history.types import HistoryEntry
from api.graphql.people.loaders import PERSON, SERVICE, TEAM
from api.graphql.people.types import Person, Service, Team
from domain.deadlines.calendar import end_of_day
from domain.feedback import models
from domain.feedback import service as domain


async def _person(info: Info[Context, None], person_id: uuid.UUID | None) -> Person | None:
    if person_id is None:
        return None
    m = await PERSON.load(info, person_id)
    return Person.from_model(m) if m else None


@strawberry.type(
    description="One stage a complaint reached: 1 (local resolution), 2 (investigation) or 3 "
    "(review panel), with its deadline in working days and its response."
)
class ComplaintStage:
    stage: int = strawberry.field(description="1, 2 or 3.")
    started_on: date = strawberry.field(
        description="Stage 1: the day the complaint was received; 2 and 3: the day the "
        "complainant asked for it. Working days count from this day."
    )
    due_on: date = strawberry.field(
        description="The day the response (stage 3: the panel) is due, extension included."
    )
    extended: bool = strawberry.field(description="True once the stage was extended.")
    extension_reason: str | None = strawberry.field(description="Why it was extended.")
    finding: ComplaintFinding | None = strawberry.field(
        description="The response's finding (stage 3: the panel's); null until responded."
    )
    responded_on: date | None = strawberry.field(
        description="The day of the response (stage 3: the day the panel was held)."
    )
    response: str | None = strawberry.field(
        description="A summary of the response (stage 3: the panel's recommendations)."
    )
    overdue: bool = strawberry.field(
        description="True when there is no response yet and its due day is over."
    )
    owner_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Who owes the response (the obligation's owner).")
    async def owner(self, info: Info[Context, None]) -> Person | None:
        return await _person(info, self.owner_id)

    @classmethod
    def from_model(cls, m: models.ComplaintStage, now: datetime) -> ComplaintStage:
        return cls(
            stage=m.stage,
            started_on=m.started_on,
            due_on=m.due_on,
            extended=m.extended_at is not None,
            extension_reason=m.extension_reason,
            finding=m.finding,
            responded_on=m.responded_on,
            response=m.response,
            overdue=m.responded_at is None and now > end_of_day(m.due_on),
            owner_id=m.owner_id,
        )


@strawberry.type(
    description="A compliment or complaint in the register: when it was received, from whom "
    "(by kind of person only), about which service or team, its category, themes, outcome and "
    "learning; for a complaint, its stages. You see it as the QA Lead, the DCS or the AED; as "
    "Head of Service or Group Manager of its service; as Team Manager of its team; or as the "
    "complaint's named responder."
)
class FeedbackRecord(relay.Node):
    id: relay.NodeID[str]
    kind: FeedbackKind = strawberry.field(description="Compliment or complaint.")
    received_on: date = strawberry.field(description="The day it was received.")
    source: FeedbackSource = strawberry.field(description="Who it came from, by kind.")
    category: FeedbackCategory = strawberry.field(description="What it is about.")
    summary: str = strawberry.field(
        description="What was said, in a few sentences, without names: the register holds the "
        "least it needs (names stay in the case management system and the complaints file)."
    )
    outcome: str | None = strawberry.field(
        description="What came of it: for a complaint, its latest response or the panel's "
        "recommendations."
    )
    learning: str | None = strawberry.field(description="What the service learnt from it.")
    status: ComplaintStatus | None = strawberry.field(
        description="Where a complaint stands; null for a compliment."
    )
    is_open: bool = strawberry.field(
        description="True while a complaint is not closed or withdrawn (false for compliments)."
    )
    closed_at: datetime | None = strawberry.field(
        description="When the complaint closed or was withdrawn."
    )
    withdrawn_reason: str | None = strawberry.field(description="Why it was withdrawn.")
    created_at: datetime = strawberry.field(description="When it was recorded.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    model: strawberry.Private[models.FeedbackRecord]

    @classmethod
    def from_model(cls, m: models.FeedbackRecord) -> FeedbackRecord:
        return cls(
            id=str(m.id),
            kind=m.kind,
            received_on=m.received_on,
            source=m.source,
            category=m.category,
            summary=m.summary,
            outcome=m.outcome,
            learning=m.learning,
            status=m.status,
            is_open=m.status in models.OPEN_STATUSES,
            closed_at=m.closed_at,
            withdrawn_reason=m.withdrawn_reason,
            created_at=m.created_at,
            updated_at=m.updated_at,
            model=m,
        )

    @strawberry.field(description="The service it is about.")
    async def service(self, info: Info[Context, None]) -> Service:
        m = await SERVICE.load(info, self.model.service_id)
        assert m is not None  # a foreign key
        return Service.from_model(m)

    @strawberry.field(description="The team it is about; null when about the service as a whole.")
    async def team(self, info: Info[Context, None]) -> Team | None:
        if self.model.team_id is None:
            return None
        m = await TEAM.load(info, self.model.team_id)
        return Team.from_model(m) if m else None

    @strawberry.field(description="The child whose case it concerns, if linked and you may see it.")
    async def child(self, info: Info[Context, None]) -> Child | None:
        if self.model.child_id is None:
            return None
        m = await CHILD.load(info, self.model.child_id)
        return Child.from_model(m) if m else None

    @strawberry.field(description="The themes it is tagged with, by name.")
    async def themes(self, info: Info[Context, None]) -> list[Theme]:
        found = await THEMES_OF_FEEDBACK.load(info, self.model.id)
        return [Theme.from_model(t) for t in found]

    @strawberry.field(description="Who owes a complaint's responses.")
    async def responder(self, info: Info[Context, None]) -> Person | None:
        return await _person(info, self.model.responder_id)

    @strawberry.field(description="Who recorded it.")
    async def recorded_by(self, info: Info[Context, None]) -> Person | None:
        return await _person(info, self.model.recorded_by_id)

    @strawberry.field(description="A complaint's stages so far, in order; empty for a compliment.")
    async def stages(self, info: Info[Context, None]) -> list[ComplaintStage]:
        found = await COMPLAINT_STAGES.load(info, self.model.id)
        now = info.context.clock.now()
        return [ComplaintStage.from_model(s, now) for s in found]

    @strawberry.field(description="Who did what when, oldest first.")
    async def history(self, info: Info[Context, None]) -> list[HistoryEntry]:
        found = await FEEDBACK_HISTORY.load(info, self.model.id)
        return [HistoryEntry.from_model(m) for m in found]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        found = await FEEDBACK_RECORD.load_many(info, node_ids_of(node_ids))
        return [cls.from_model(m) if m else None for m in found]


@strawberry.type(description="A page of compliments and complaints.")
class FeedbackRecordConnection(CountedConnection[FeedbackRecord]):
    pass


@strawberry.type(description="How many were received in one group (a month, team, category…).")
class TrendCount:
    key: str | None = strawberry.field(
        description="The group: a month (`2026-12`), a team's or theme's global id, or a "
        "category; null for records about a service as a whole (by team)."
    )
    label: str = strawberry.field(description="The group, in words.")
    count: int | None = strawberry.field(
        description="How many; null when suppressed (see `suppressed`)."
    )
    suppressed: bool = strawberry.field(
        description="True when the count is hidden: complaints about a team fewer than the "
        "policy's `minimumGroupSize` (5) could identify a family, so the cell shows no count "
        "(and, when only one cell would be hidden, the next smallest is hidden too, so the "
        "total cannot give it away)."
    )

    @classmethod
    def from_domain(cls, c: domain.TrendCount, node_type: str | None = None) -> TrendCount:
        """`node_type` names the type whose global id the key is (a team, a theme); the
        domain gives its plain id."""
        key = global_id(node_type, uuid.UUID(c.key)) if node_type and c.key else c.key
        return cls(key=key, label=c.label, count=c.count, suppressed=c.suppressed)


@strawberry.type(description="Counts of compliments, or of complaints, grouped four ways.")
class FeedbackCounts:
    total: int = strawberry.field(description="How many were received in the period.")
    by_month: list[TrendCount] = strawberry.field(description="By month received, in order.")
    by_team: list[TrendCount] = strawberry.field(
        description="By team, the largest first; for complaints, a team's count below the "
        "policy's `minimumGroupSize` is suppressed."
    )
    by_category: list[TrendCount] = strawberry.field(description="By category, the largest first.")
    by_theme: list[TrendCount] = strawberry.field(
        description="By theme, the largest first (a record with two themes counts in both)."
    )

    @classmethod
    def from_domain(cls, t: domain.KindTrends) -> FeedbackCounts:
        return cls(
            total=t.total,
            by_month=[TrendCount.from_domain(c) for c in t.by_month],
            by_team=[TrendCount.from_domain(c, "Team") for c in t.by_team],
            by_category=[TrendCount.from_domain(c) for c in t.by_category],
            by_theme=[TrendCount.from_domain(c, "Theme") for c in t.by_theme],
        )


@strawberry.type(
    description="Trends in compliments and complaints received in a period, within your scope: "
    "counts only, never the records themselves."
)
class FeedbackTrends:
    since: date = strawberry.field(name="from", description="The first day counted.")
    until: date = strawberry.field(name="to", description="The last day counted.")
    compliments: FeedbackCounts = strawberry.field(description="Compliments.")
    complaints: FeedbackCounts = strawberry.field(description="Complaints.")
