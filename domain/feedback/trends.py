"""The register's trends: compliments and complaints by month, category and team, small teams
suppressed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits.models import Theme
from domain.core.errors import InvalidInput
from domain.core.roles import Actor
from domain.core.settings import PolicySettings
from domain.feedback import policy
from domain.feedback.models import (
    FeedbackCategory,
    FeedbackKind,
    FeedbackRecord,
    feedback_themes,
)
from domain.people.models import Team

# --- trends ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendCount:
    key: str | None  # a month "2026-12", a team's or theme's id, a category; None: no team
    label: str
    count: int | None  # None when suppressed
    suppressed: bool = False


@dataclass
class KindTrends:
    total: int = 0
    by_month: list[TrendCount] = field(default_factory=list)
    by_team: list[TrendCount] = field(default_factory=list)
    by_category: list[TrendCount] = field(default_factory=list)
    by_theme: list[TrendCount] = field(default_factory=list)


@dataclass(frozen=True)
class Trends:
    since: date
    until: date
    compliments: KindTrends
    complaints: KindTrends


CATEGORY_LABELS = {
    FeedbackCategory.COMMUNICATION: "Communication",
    FeedbackCategory.QUALITY_OF_SERVICE: "Quality of service",
    FeedbackCategory.STAFF_CONDUCT: "Staff conduct",
    FeedbackCategory.DELAY: "Delay",
    FeedbackCategory.DECISION: "A decision",
    FeedbackCategory.CONTACT_ARRANGEMENTS: "Contact arrangements",
    FeedbackCategory.PLACEMENT: "Placement",
    FeedbackCategory.OTHER: "Other",
}
NO_TEAM = "The service as a whole"


def suppress_small_teams(cells: list[TrendCount], minimum: int) -> list[TrendCount]:
    """Complaints by team with small counts hidden: a handful of complaints about one team in
    a period can point to the family who made them, so a team's cell with fewer than
    `minimum` complaints (`policy.minimum_group_size`, default 5) reads as suppressed, its
    count None. Zero is never a cell (a team with none is not listed).

    Secondary suppression: when exactly one cell is hidden, the complaints' `total` minus the
    other cells would give it away, so the smallest other cell is hidden too (the row for the
    service as a whole included). Only the team breakdown is suppressed: by month, category
    and theme the counts are across teams, and no month-by-team breakdown exists."""
    hidden = {
        i
        for i, c in enumerate(cells)
        if c.key is not None and c.count is not None and c.count < minimum
    }
    if len(hidden) == 1:
        others = [(c.count or 0, i) for i, c in enumerate(cells) if i not in hidden]
        if others:
            hidden.add(min(others)[1])
    return [
        TrendCount(c.key, c.label, None, suppressed=True) if i in hidden else c
        for i, c in enumerate(cells)
    ]


async def trends(
    *,
    session: AsyncSession,
    actor: Actor,
    since: date,
    until: date,
    policy_settings: PolicySettings | None = None,
) -> Trends:
    """Counts of the compliments and of the complaints received between `since` and `until`
    (inclusive) that the actor may see, by month, team, category and theme: four GROUP BY
    statements, whatever the number of records. Only counts leave the database.

    Complaints by team are subject to small-group suppression (`suppress_small_teams`):
    a team's cell with fewer than `minimum_group_size` complaints shows no count. Compliments
    identify no one who complained, so they are shown as counted."""
    minimum = (policy_settings or PolicySettings()).minimum_group_size
    policy.check_can_read_trends(actor)
    if since > until:
        raise InvalidInput("The start comes before the end.", field="from")
    seen = (
        policy.visible_feedback(actor),
        FeedbackRecord.received_on >= since,
        FeedbackRecord.received_on <= until,
    )
    out = {FeedbackKind.COMPLIMENT: KindTrends(), FeedbackKind.COMPLAINT: KindTrends()}
    n = func.count(FeedbackRecord.id.distinct()).label("n")
    month = func.to_char(FeedbackRecord.received_on, "YYYY-MM")
    for kind, key, m in await session.execute(
        select(FeedbackRecord.kind, month, n)
        .where(*seen)
        .group_by(FeedbackRecord.kind, month)
        .order_by(month)
    ):
        year, number = key.split("-")
        label = date(int(year), int(number), 1).strftime("%B %Y")
        out[kind].by_month.append(TrendCount(key, label, m))
    for kind, team_id, name, m in await session.execute(
        select(FeedbackRecord.kind, FeedbackRecord.team_id, Team.name, n)
        .outerjoin(Team, Team.id == FeedbackRecord.team_id)
        .where(*seen)
        .group_by(FeedbackRecord.kind, FeedbackRecord.team_id, Team.name)
        .order_by(n.desc(), Team.name)
    ):
        out[kind].by_team.append(TrendCount(str(team_id) if team_id else None, name or NO_TEAM, m))
    for kind, category, m in await session.execute(
        select(FeedbackRecord.kind, FeedbackRecord.category, n)
        .where(*seen)
        .group_by(FeedbackRecord.kind, FeedbackRecord.category)
        .order_by(n.desc(), FeedbackRecord.category)
    ):
        out[kind].by_category.append(TrendCount(category.value, CATEGORY_LABELS[category], m))
        out[kind].total += m
    for kind, theme_id, name, m in await session.execute(
        select(FeedbackRecord.kind, Theme.id, Theme.name, n)
        .join(feedback_themes, feedback_themes.c.feedback_id == FeedbackRecord.id)
        .join(Theme, Theme.id == feedback_themes.c.theme_id)
        .where(*seen)
        .group_by(FeedbackRecord.kind, Theme.id, Theme.name)
        .order_by(n.desc(), Theme.name)
    ):
        out[kind].by_theme.append(TrendCount(str(theme_id), name, m))
    complaints = out[FeedbackKind.COMPLAINT]
    complaints.by_team = suppress_small_teams(complaints.by_team, minimum)
    return Trends(
        since=since,
        until=until,
        compliments=out[FeedbackKind.COMPLIMENT],
        complaints=complaints,
    )
