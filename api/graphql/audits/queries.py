"""What the front-end reads about audits: lists, reference data, the dashboard, the programme."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.audits.inputs import ActionFilter, AuditFilter, LearningFilter
from api.graphql.audits.programme import ProgrammeMonth
from api.graphql.audits.reference import AuditTemplate, Theme
from api.graphql.audits.statistics import AuditDashboard, RegradeRates
from api.graphql.audits.types import (
    Audit,
    AuditAction,
    AuditActionConnection,
    AuditConnection,
    AuditKind,
    AuditSort,
    LearningPoint,
    LearningPointConnection,
    ThemeKind,
)
from api.graphql.core.context import Context
from api.graphql.core.errors import IsAuthenticated
from api.graphql.core.ids import decode_optional_id
from api.graphql.core.pagination import After, First, Narrow, connection, filtered_connection, read
from domain.audits import programme, reference, statistics
from domain.audits import service as audits
from domain.learning import points as learning_points

# --- queries -----------------------------------------------------------------------------------


@strawberry.type(description="What the front-end reads about audits.")
class AuditQuery:
    @strawberry.field(
        description="Audits you may see (by your roles and their scopes).",
        permission_classes=[IsAuthenticated],
    )
    async def audits(
        self,
        info: Info[Context, None],
        filter: Annotated[AuditFilter | None, Narrow] = None,
        sort: Annotated[AuditSort, strawberry.argument(description="The order.")] = (
            AuditSort.DUE_DATE
        ),
        first: First = None,
        after: After = None,
    ) -> AuditConnection:
        flt = filter or AuditFilter()
        order = sort
        return await connection(
            info,
            AuditConnection,
            Audit.from_model,
            lambda s, a: audits.list_audits(
                session=s,
                actor=a,
                filters=flt.to_domain(),
                sort=order,
                first=first,
                after=after,
            ),
            lambda s, a: audits.count_audits(
                session=s, actor=a, filters=flt.to_domain(), sort=order
            ),
        )

    @strawberry.field(
        description="Your open audits (planned, in progress or submitted), soonest due first.",
        permission_classes=[IsAuthenticated],
    )
    async def my_audits_to_do(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> AuditConnection:
        return await connection(
            info,
            AuditConnection,
            Audit.from_model,
            lambda s, a: audits.list_audits(
                session=s,
                actor=a,
                filters=audits.my_audits_to_do(a),
                sort=audits.AuditSort.DUE_DATE,
                first=first,
                after=after,
            ),
            lambda s, a: audits.count_audits(session=s, actor=a, filters=audits.my_audits_to_do(a)),
        )

    @strawberry.field(
        description="Completed audits of your work or of the cases allocated to you, newest "
        "completed first.",
        permission_classes=[IsAuthenticated],
    )
    async def audits_of_my_cases(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> AuditConnection:
        mine = audits.AuditFilter(of_my_cases=True)
        order = audits.AuditSort.RECENTLY_COMPLETED
        return await connection(
            info,
            AuditConnection,
            Audit.from_model,
            lambda s, a: audits.list_audits(
                session=s, actor=a, filters=mine, sort=order, first=first, after=after
            ),
            lambda s, a: audits.count_audits(session=s, actor=a, filters=mine, sort=order),
        )

    @strawberry.field(
        description="Audit templates, by kind and newest version first.",
        permission_classes=[IsAuthenticated],
    )
    async def audit_templates(
        self,
        info: Info[Context, None],
        kind: Annotated[
            AuditKind | None, strawberry.argument(description="Only this kind's templates.")
        ] = None,
        latest_only: Annotated[
            bool, strawberry.argument(description="Only the version in force for each kind.")
        ] = True,
    ) -> list[AuditTemplate]:
        found = await read(
            info,
            lambda s, a: reference.list_templates(
                session=s,
                actor=a,
                kind=kind,
                latest_only=latest_only,
            ),
        )
        return [AuditTemplate.from_model(t) for t in found]

    @strawberry.field(
        description="Themes, cohorts and aspects of practice, by kind and name.",
        permission_classes=[IsAuthenticated],
    )
    async def themes(
        self,
        info: Info[Context, None],
        kind: Annotated[ThemeKind | None, strawberry.argument(description="Only this kind.")] = (
            None
        ),
        include_inactive: Annotated[
            bool, strawberry.argument(description="Include retired themes.")
        ] = False,
    ) -> list[Theme]:
        found = await read(
            info,
            lambda s, a: reference.list_themes(
                session=s,
                actor=a,
                kind=kind,
                include_inactive=include_inactive,
            ),
        )
        return [Theme.from_model(t) for t in found]

    @strawberry.field(
        description="Learning points from the audits and the Task and Finish Groups you may "
        "see, newest first.",
        permission_classes=[IsAuthenticated],
    )
    async def learning_points(
        self,
        info: Info[Context, None],
        filter: Annotated[LearningFilter | None, Narrow] = None,
        first: First = None,
        after: After = None,
    ) -> LearningPointConnection:
        flt = filter or LearningFilter()
        return await filtered_connection(
            info,
            LearningPointConnection,
            LearningPoint.from_model,
            flt.to_domain,
            learning_points.list_learning,
            learning_points.count_learning,
            first,
            after,
        )

    @strawberry.field(
        description="Actions you own or from audits you may see, soonest due first.",
        permission_classes=[IsAuthenticated],
    )
    async def audit_actions(
        self,
        info: Info[Context, None],
        filter: Annotated[ActionFilter | None, Narrow] = None,
        first: First = None,
        after: After = None,
    ) -> AuditActionConnection:
        flt = filter or ActionFilter()
        return await filtered_connection(
            info,
            AuditActionConnection,
            AuditAction.from_model,
            flt.to_domain,
            audits.list_actions,
            audits.count_actions,
            first,
            after,
        )

    @strawberry.field(
        description="Counts for a team or service dashboard, over the audits you may see.",
        permission_classes=[IsAuthenticated],
    )
    async def audit_dashboard(
        self,
        info: Info[Context, None],
        team_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this team's audits.")
        ] = None,
        service_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this service's audits.")
        ] = None,
        since: Annotated[
            date | None, strawberry.argument(description="Due on or after this day.")
        ] = None,
        until: Annotated[
            date | None, strawberry.argument(description="Due before this day.")
        ] = None,
    ) -> AuditDashboard:
        found = await read(
            info,
            lambda s, a: statistics.audit_dashboard(
                session=s,
                actor=a,
                team_id=decode_optional_id(team_id, "Team", "teamId"),
                service_id=decode_optional_id(service_id, "Service", "serviceId"),
                since=since,
                until=until,
            ),
        )
        return AuditDashboard.from_domain(found)

    @strawberry.field(
        description="How often moderation regraded audits, by auditor and by section (the QA "
        "Lead, planners and senior leaders).",
        permission_classes=[IsAuthenticated],
    )
    async def regrade_rates(
        self,
        info: Info[Context, None],
        since: Annotated[
            date | None, strawberry.argument(description="Moderated on or after this day.")
        ] = None,
        until: Annotated[
            date | None, strawberry.argument(description="Moderated before this day.")
        ] = None,
    ) -> RegradeRates:
        found = await read(
            info,
            lambda s, a: statistics.regrade_rates(session=s, actor=a, since=since, until=until),
        )
        return RegradeRates.from_domain(found)

    @strawberry.field(
        description="A month of the audit programme; null until the month is set or sampled.",
        permission_classes=[IsAuthenticated],
    )
    async def programme_month(
        self,
        info: Info[Context, None],
        month: Annotated[date, strawberry.argument(description="Any day of the month.")],
    ) -> ProgrammeMonth | None:
        clock = info.context.clock
        found = await read(
            info,
            lambda s, a: programme.find_programme_month(
                session=s, actor=a, clock=clock, month=month
            ),
        )
        return ProgrammeMonth.from_model(found) if found else None
