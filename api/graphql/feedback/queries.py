"""What the front-end reads about the compliments and complaints register. Who sees what is
the domain's decision (`domain/feedback/policy.py`); these resolvers translate."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import IsAuthenticated
from api.graphql.core.pagination import After, First, connection, read
from api.graphql.feedback.inputs import FeedbackRecordFilter
from api.graphql.feedback.types import (
    FeedbackCounts,
    FeedbackRecord,
    FeedbackRecordConnection,
    FeedbackTrends,
)
from domain.feedback import service as domain


@strawberry.type(
    description="What the front-end reads about the compliments and complaints register."
)
class FeedbackQuery:
    @strawberry.field(
        description="Compliments and complaints you may see, most recently received first.",
        permission_classes=[IsAuthenticated],
    )
    async def feedback_records(
        self,
        info: Info[Context, None],
        filter: Annotated[
            FeedbackRecordFilter | None, strawberry.argument(description="Narrow the list.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> FeedbackRecordConnection:
        flt = filter or FeedbackRecordFilter()
        return await connection(
            info,
            FeedbackRecordConnection,
            FeedbackRecord.from_model,
            lambda s, a: domain.list_feedback(
                session=s, actor=a, filters=flt.to_domain(), first=first, after=after
            ),
            lambda s, a: domain.count_feedback(session=s, actor=a, filters=flt.to_domain()),
        )

    @strawberry.field(
        description="Counts of compliments and of complaints received between two days "
        "(inclusive), by month, team, category and theme, within your scope (QA Lead, DCS, "
        "AED, and managers of services and teams).",
        permission_classes=[IsAuthenticated],
    )
    async def feedback_trends(
        self,
        info: Info[Context, None],
        since: Annotated[date, strawberry.argument(name="from", description="The first day.")],
        until: Annotated[date, strawberry.argument(name="to", description="The last day.")],
    ) -> FeedbackTrends:
        found = await read(
            info,
            lambda s, a: domain.trends(
                session=s,
                actor=a,
                since=since,
                until=until,
                policy_settings=info.context.settings.policy,
            ),
        )
        return FeedbackTrends(
            since=found.since,
            until=found.until,
            compliments=FeedbackCounts.from_domain(found.compliments),
            complaints=FeedbackCounts.from_domain(found.complaints),
        )
