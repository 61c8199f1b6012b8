"""The compliments and complaints register as the front-end sees it: `FeedbackRecord`, its
complaint stages, and trends in what was received."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.types.audits import Theme
from api.types.children import Child
from api.types.common import (
    CountedConnection,
    global_id,
    node_ids,
)
from api.types.history import HistoryEntry
from api.types.organisation import Person, Service, Team
from domain.deadlines.calendar import end_of_day
from domain.feedback import models
from domain.feedback import service as domain


@strawberry.enum(description="A compliment or a complaint.")
class FeedbackKind(Enum):
    COMPLIMENT = strawberry.enum_value("COMPLIMENT", description="Praise for the service.")
    COMPLAINT = strawberry.enum_value(
        "COMPLAINT", description="A complaint, handled under the statutory children's procedure."
    )


@strawberry.enum(description="Who the compliment or complaint came from.")
class FeedbackSource(Enum):
    CHILD = strawberry.enum_value("CHILD", description="A child or young person.")
    PARENT_CARER = strawberry.enum_value("PARENT_CARER", description="A parent or carer.")
    CARE_LEAVER = strawberry.enum_value("CARE_LEAVER", description="A care leaver.")
    PROFESSIONAL = strawberry.enum_value(
        "PROFESSIONAL", description="A professional, of this or another agency."
    )
    OTHER = strawberry.enum_value("OTHER", description="Anyone else.")


@strawberry.enum(description="What the compliment or complaint is about.")
class FeedbackCategory(Enum):
    COMMUNICATION = strawberry.enum_value(
        "COMMUNICATION", description="Being kept informed, listened to, calls returned."
    )
    QUALITY_OF_SERVICE = strawberry.enum_value(
        "QUALITY_OF_SERVICE", description="The help or support given."
    )
    STAFF_CONDUCT = strawberry.enum_value(
        "STAFF_CONDUCT", description="The attitude or behaviour of staff."
    )
    DELAY = strawberry.enum_value(
        "DELAY", description="Delay in an assessment, a service or a decision."
    )
    DECISION = strawberry.enum_value(
        "DECISION", description="A decision about the child or family."
    )
    CONTACT_ARRANGEMENTS = strawberry.enum_value(
        "CONTACT_ARRANGEMENTS", description="Family time for a child in care."
    )
    PLACEMENT = strawberry.enum_value(
        "PLACEMENT", description="Where a child lives, and the support to carers."
    )
    OTHER = strawberry.enum_value("OTHER", description="Anything else.")


@strawberry.enum(description="Where a complaint stands in the statutory procedure.")
class ComplaintStatus(Enum):
    STAGE_1 = strawberry.enum_value(
        "STAGE_1", description="Local resolution: the stage 1 response is owed."
    )
    STAGE_1_RESPONDED = strawberry.enum_value(
        "STAGE_1_RESPONDED",
        description="Responded at stage 1: the complainant accepts it (`closeComplaint`) or "
        "asks for stage 2 (`escalateComplaint`).",
    )
    STAGE_2 = strawberry.enum_value(
        "STAGE_2", description="Investigation: the stage 2 response is owed."
    )
    STAGE_2_RESPONDED = strawberry.enum_value(
        "STAGE_2_RESPONDED",
        description="Responded at stage 2: the complainant accepts it or asks for a review panel.",
    )
    STAGE_3 = strawberry.enum_value(
        "STAGE_3", description="A review panel was requested and is to be held."
    )
    CLOSED = strawberry.enum_value("CLOSED", description="The procedure has ended.")
    WITHDRAWN = strawberry.enum_value(
        "WITHDRAWN", description="The complainant withdrew the complaint."
    )


@strawberry.enum(description="A stage's response on a complaint, or the review panel's finding.")
class ComplaintFinding(Enum):
    UPHELD = strawberry.enum_value("UPHELD", description="Upheld.")
    PARTLY_UPHELD = strawberry.enum_value("PARTLY_UPHELD", description="Partly upheld.")
    NOT_UPHELD = strawberry.enum_value("NOT_UPHELD", description="Not upheld.")


async def _person(info: Info[Context, None], person_id: uuid.UUID | None) -> Person | None:
    if person_id is None:
        return None
    m = await info.context.loaders.person.load(person_id)
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
            finding=ComplaintFinding(m.finding.value) if m.finding else None,
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
            kind=FeedbackKind(m.kind.value),
            received_on=m.received_on,
            source=FeedbackSource(m.source.value),
            category=FeedbackCategory(m.category.value),
            summary=m.summary,
            outcome=m.outcome,
            learning=m.learning,
            status=ComplaintStatus(m.status.value) if m.status else None,
            is_open=m.status in models.OPEN_STATUSES,
            closed_at=m.closed_at,
            withdrawn_reason=m.withdrawn_reason,
            created_at=m.created_at,
            updated_at=m.updated_at,
            model=m,
        )

    @strawberry.field(description="The service it is about.")
    async def service(self, info: Info[Context, None]) -> Service:
        m = await info.context.loaders.service.load(self.model.service_id)
        assert m is not None  # a foreign key
        return Service.from_model(m)

    @strawberry.field(description="The team it is about; null when about the service as a whole.")
    async def team(self, info: Info[Context, None]) -> Team | None:
        if self.model.team_id is None:
            return None
        m = await info.context.loaders.team.load(self.model.team_id)
        return Team.from_model(m) if m else None

    @strawberry.field(description="The child whose case it concerns, if linked and you may see it.")
    async def child(self, info: Info[Context, None]) -> Child | None:
        if self.model.child_id is None:
            return None
        m = await info.context.loaders.child.load(self.model.child_id)
        return Child.from_model(m) if m else None

    @strawberry.field(description="The themes it is tagged with, by name.")
    async def themes(self, info: Info[Context, None]) -> list[Theme]:
        found = await info.context.loaders.themes_of_feedback.load(self.model.id)
        return [Theme.from_model(t) for t in found]

    @strawberry.field(description="Who owes a complaint's responses.")
    async def responder(self, info: Info[Context, None]) -> Person | None:
        return await _person(info, self.model.responder_id)

    @strawberry.field(description="Who recorded it.")
    async def recorded_by(self, info: Info[Context, None]) -> Person | None:
        return await _person(info, self.model.recorded_by_id)

    @strawberry.field(description="A complaint's stages so far, in order; empty for a compliment.")
    async def stages(self, info: Info[Context, None]) -> list[ComplaintStage]:
        found = await info.context.loaders.complaint_stages.load(self.model.id)
        now = info.context.clock.now()
        return [ComplaintStage.from_model(s, now) for s in found]

    @strawberry.field(description="Who did what when, oldest first.")
    async def history(self, info: Info[Context, None]) -> list[HistoryEntry]:
        found = await info.context.loaders.feedback_history.load(self.model.id)
        return [HistoryEntry.from_model(m) for m in found]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        ids = node_ids_list(node_ids)
        actor = info.context.actor
        if actor is None:
            return [None] * len(ids)
        async with info.context.session_factory() as session:
            found = await domain.get_feedback_records(session=session, actor=actor, ids=ids)
        return [cls.from_model(found[i]) if i in found else None for i in ids]


def node_ids_list(values: Iterable[str]) -> list[uuid.UUID]:
    return node_ids(list(values))


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
        def team(c: domain.TrendCount) -> TrendCount:
            key = global_id("Team", uuid.UUID(c.key)) if c.key else None
            return TrendCount(key=key, label=c.label, count=c.count, suppressed=c.suppressed)

        def theme(c: domain.TrendCount) -> TrendCount:
            assert c.key is not None
            return TrendCount(
                key=global_id("Theme", uuid.UUID(c.key)),
                label=c.label,
                count=c.count,
                suppressed=c.suppressed,
            )

        def plain(c: domain.TrendCount) -> TrendCount:
            return TrendCount(key=c.key, label=c.label, count=c.count, suppressed=c.suppressed)

        return cls(
            total=t.total,
            by_month=[plain(c) for c in t.by_month],
            by_team=[team(c) for c in t.by_team],
            by_category=[plain(c) for c in t.by_category],
            by_theme=[theme(c) for c in t.by_theme],
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
