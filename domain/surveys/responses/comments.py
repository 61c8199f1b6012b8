"""A campaign's free-text comments, without exposing anyone: a comment shows its team only
when the team's group is at least the minimum, and its audience only when that audience's
group (within the team, if shown) is (see `results.py`)."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Text,
    and_,
    cast,
    func,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.errors import InvalidInput
from domain.core.pagination import Page, check_page_size
from domain.core.roles import Actor
from domain.core.settings import PolicySettings
from domain.people.models import Team
from domain.surveys import policy
from domain.surveys.definitions import (
    Audience,
    QuestionType,
)
from domain.surveys.models import SurveyCampaign, SurveyResponse
from domain.surveys.responses.results import Questions, campaign_and_versions, questions_of


@dataclass(frozen=True)
class Comment:
    """One free-text answer, with nothing that links it to its response, invitation or child:
    its day, its team and audience only where their groups are large enough, and a sort key
    that is a hash of the response's id with the question's key (so one respondent's comments
    to two questions cannot be matched by it)."""

    question_key: str
    text: str
    submitted_on: date
    team_id: uuid.UUID | None
    team_name: str | None
    audience: Audience | None
    sort_key: str


def _encode(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[date, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        day, key = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(key, str) or len(key) != 32:
            raise ValueError("wrong shape")
        return date.fromisoformat(day), key
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidInput("That cursor is not one this list gave out.", field="after") from exc


@dataclass
class _CommentContext:
    campaign: SurveyCampaign
    questions: Questions
    where: list[ColumnElement[bool]]
    shown: bool  # the campaign has enough respondents in scope to show anything
    team_sizes: dict[uuid.UUID | None, int]
    cell_sizes: dict[tuple[uuid.UUID | None, Audience], int]
    audience_sizes: dict[Audience, int]
    team_names: dict[uuid.UUID, str]


async def _comment_context(
    session: AsyncSession, actor: Actor, minimum: int, campaign_id: uuid.UUID
) -> _CommentContext:
    scope = policy.check_can_read_comments(actor)
    campaign, versions = await campaign_and_versions(session, campaign_id)
    where = [SurveyResponse.campaign_id == campaign_id, policy.visible_responses(scope)]
    rows = await session.execute(
        select(SurveyResponse.team_id, Team.name, SurveyResponse.audience, func.count())
        .outerjoin(Team, Team.id == SurveyResponse.team_id)
        .where(*where)
        .group_by(SurveyResponse.team_id, Team.name, SurveyResponse.audience)
    )
    team_sizes: dict[uuid.UUID | None, int] = defaultdict(int)
    cells: dict[tuple[uuid.UUID | None, Audience], int] = {}
    audiences: dict[Audience, int] = defaultdict(int)
    names: dict[uuid.UUID, str] = {}
    for team_id, name, audience, n in rows:
        team_sizes[team_id] += n
        cells[(team_id, audience)] = n
        audiences[audience] += n
        if team_id is not None:
            names[team_id] = name
    return _CommentContext(
        campaign=campaign,
        questions=questions_of(versions),
        where=where,
        shown=sum(team_sizes.values()) >= minimum,
        team_sizes=team_sizes,
        cell_sizes=cells,
        audience_sizes=audiences,
        team_names=names,
    )


def _free_text_versions(ctx: _CommentContext, question_key: str) -> list[uuid.UUID]:
    return [
        version_id
        for (version_id, key), q in ctx.questions.by_version.items()
        if key == question_key and q.type is QuestionType.FREE_TEXT
    ]


def _comment_sort_key(question_key: ColumnElement[Any] | str) -> ColumnElement[str]:
    return func.md5(cast(SurveyResponse.id, Text).op("||")(":").op("||")(question_key))


def _comment(
    ctx: _CommentContext,
    minimum: int,
    question_key: str,
    text: str,
    submitted_on: date,
    team_id: uuid.UUID | None,
    audience: Audience,
    sort_key: str,
) -> Comment:
    team_shown = team_id is not None and ctx.team_sizes.get(team_id, 0) >= minimum
    audience_group = (
        ctx.cell_sizes.get((team_id, audience), 0)
        if team_shown
        else ctx.audience_sizes.get(audience, 0)
    )
    return Comment(
        question_key=question_key,
        text=text,
        submitted_on=submitted_on,
        team_id=team_id if team_shown else None,
        team_name=ctx.team_names.get(team_id) if team_shown and team_id else None,
        audience=audience if audience_group >= minimum else None,
        sort_key=sort_key,
    )


def _comments_statement(ctx: _CommentContext, question_key: str) -> Any:
    version_ids = _free_text_versions(ctx, question_key)
    if not version_ids:
        raise InvalidInput(
            "This campaign's survey has no free-text question with that key.",
            field="questionKey",
        )
    text = SurveyResponse.answers.op("->>")(question_key)
    sort_key = _comment_sort_key(question_key)
    return (
        select(
            text.label("text"),
            SurveyResponse.submitted_on,
            SurveyResponse.team_id,
            SurveyResponse.audience,
            sort_key.label("sort_key"),
        )
        .where(
            *ctx.where,
            SurveyResponse.survey_version_id.in_(version_ids),
            func.length(func.btrim(func.coalesce(text, ""))) > 0,
        )
        .order_by(SurveyResponse.submitted_on.desc(), sort_key.desc())
    ), sort_key


async def list_comments(
    *,
    session: AsyncSession,
    actor: Actor,
    policy_settings: PolicySettings,
    campaign_id: uuid.UUID,
    question_key: str,
    first: int | None,
    after: str | None,
) -> Page[Comment]:
    """A page of the free-text answers to one question of a campaign, within the actor's
    scope, newest first; none when the campaign has fewer respondents than the minimum in
    scope. Four statements for any page."""
    size = check_page_size(first)
    minimum = policy_settings.minimum_group_size
    ctx = await _comment_context(session, actor, minimum, campaign_id)
    stmt, sort_key = _comments_statement(ctx, question_key)
    if not ctx.shown:
        return Page(items=[], cursors=[], has_next_page=False, has_previous_page=bool(after))
    if after:
        day, key = _decode_cursor(after)
        stmt = stmt.where(tuple_(SurveyResponse.submitted_on, sort_key) < tuple_(day, key))
    rows = list((await session.execute(stmt.limit(size + 1))).all())
    has_next = len(rows) > size
    items = [
        _comment(ctx, minimum, question_key, text, day, team_id, audience, key)
        for text, day, team_id, audience, key in rows[:size]
    ]
    return Page(
        items=items,
        cursors=[_encode([c.submitted_on.isoformat(), c.sort_key]) for c in items],
        has_next_page=has_next,
        has_previous_page=bool(after),
    )


async def count_comments(
    *,
    session: AsyncSession,
    actor: Actor,
    policy_settings: PolicySettings,
    campaign_id: uuid.UUID,
    question_key: str,
) -> int:
    ctx = await _comment_context(session, actor, policy_settings.minimum_group_size, campaign_id)
    stmt, _ = _comments_statement(ctx, question_key)
    if not ctx.shown:
        return 0
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return int(total or 0)


@dataclass(frozen=True)
class CommentsExport:
    campaign: SurveyCampaign
    questions: tuple[tuple[str, str], ...]  # (key, English text) of each free-text question
    comments: tuple[Comment, ...]  # by question, newest first within each


async def all_comments(
    *,
    session: AsyncSession,
    actor: Actor,
    policy_settings: PolicySettings,
    campaign_id: uuid.UUID,
) -> CommentsExport:
    """Every free-text answer of a campaign within the actor's scope, for export: by
    question (in the survey's order), newest first; three statements."""
    minimum = policy_settings.minimum_group_size
    ctx = await _comment_context(session, actor, minimum, campaign_id)
    free = [q for q in ctx.questions.ordered if q.type is QuestionType.FREE_TEXT]
    keys = tuple((q.key, q.text) for q in free)
    free_by_version = ctx.questions.free_text()
    if not ctx.shown or not free_by_version:
        return CommentsExport(ctx.campaign, keys, ())
    answer = func.jsonb_each_text(SurveyResponse.answers).table_valued("key", "value").lateral("a")
    sort_key = _comment_sort_key(answer.c.key)
    order = {key: n for n, (key, _) in enumerate(keys)}
    rows = await session.execute(
        select(
            answer.c.key,
            answer.c.value,
            SurveyResponse.submitted_on,
            SurveyResponse.team_id,
            SurveyResponse.audience,
            sort_key,
        )
        .select_from(SurveyResponse)
        .join(answer, true())
        .where(
            *ctx.where,
            or_(
                *(
                    and_(SurveyResponse.survey_version_id == v, answer.c.key.in_(k))
                    for v, k in free_by_version.items()
                )
            ),
            func.length(func.btrim(answer.c.value)) > 0,
        )
        .order_by(SurveyResponse.submitted_on.desc(), sort_key.desc())
    )
    comments = sorted(
        (
            _comment(ctx, minimum, key, text, day, team_id, audience, skey)
            for key, text, day, team_id, audience, skey in rows
        ),
        key=lambda c: order.get(c.question_key, len(order)),
    )
    return CommentsExport(ctx.campaign, keys, tuple(comments))
