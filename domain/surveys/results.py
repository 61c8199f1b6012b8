"""A campaign's results in aggregate, and its free-text comments, without exposing anyone.

Responses are counted in PostgreSQL (`GROUP BY` over each response's `jsonb` answers); only
counts leave the database. A question is its key and its type across the versions the
campaign's respondents answered (the children's `feel_safe` is a face scale for the youngest
and a 0 to 10 scale for others: two questions), worded as its first version words it in
English.

Suppression (the policy's `minimum_group_size`, default 5), always after scoping to what the
actor may see (`policy.py`):
- a campaign with fewer respondents than the minimum, in the actor's scope, shows nothing;
- a question answered by fewer than the minimum shows no figures, overall or by group;
- in a breakdown, a group in which fewer than the minimum answered shows no figures (primary);
- secondary: while exactly one group of a breakdown is suppressed, or the suppressed groups
  together hold fewer than the minimum, the next smallest group is suppressed too, so that no
  small group can be worked out by subtracting the others from the overall figure. By team,
  this is done first within each service's teams (a service's figure, shown by service, minus
  its other teams would otherwise give the team away), then across the whole breakdown.
Comments show their team only when the team's group is at least the minimum, and their
audience only when that audience's group (within the team, if shown) is.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Text,
    and_,
    case,
    cast,
    distinct,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.core.errors import InvalidInput, NotFound
from domain.core.pagination import Page, check_page_size
from domain.core.settings import PolicySettings
from domain.people.models import Service, Team
from domain.people.roles import Actor
from domain.surveys import policy
from domain.surveys.definitions import (
    CHOICE_TYPES,
    ENGLISH,
    FACES,
    Audience,
    QuestionType,
    load_definition,
)
from domain.surveys.models import Cohort, SurveyCampaign, SurveyResponse, SurveyVersion


class Breakdown(StrEnum):
    TEAM = "TEAM"
    SERVICE = "SERVICE"
    COHORT = "COHORT"
    AUDIENCE = "AUDIENCE"


COHORT_LABELS = {
    Cohort.CARE_LEAVER: "Care leavers",
    Cohort.LOOKED_AFTER: "Looked after",
    Cohort.CHILD_PROTECTION: "Child protection",
    Cohort.CHILD_IN_NEED: "Child in need",
    Cohort.FAMILY_FIRST: "Family First",
    Cohort.OTHER: "Other",
    Cohort.STAFF: "Staff",
}
AUDIENCE_LABELS = {
    Audience.CHILD_UNDER_8: "Children under 8",
    Audience.CHILD_8_TO_12: "Children aged 8 to 12",
    Audience.CHILD_13_AND_OVER: "Young people aged 13 and over",
    Audience.PARENT_CARER: "Parents and carers",
    Audience.CARE_LEAVER: "Care leavers",
    Audience.STAFF: "Staff",
}
NO_TEAM = "No team recorded"
NO_SERVICE = "No service recorded"
SCALE_TYPES = frozenset({QuestionType.EMOJI_SCALE, QuestionType.SCALE_0_10})
_AUDIENCE_ORDER = {a: n for n, a in enumerate(Audience)}
_COHORT_ORDER = {c: n for n, c in enumerate(Cohort)}


# --- what comes out ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerCount:
    answer: str  # the scale's value ("1".."5", "0".."10") or the option's key
    label: str
    count: int


@dataclass(frozen=True)
class Figures:
    """A group's figures for one question; none of them when suppressed."""

    suppressed: bool
    respondents: int | None = None  # how many answered the question
    mean: float | None = None  # scales only
    counts: tuple[AnswerCount, ...] = ()  # scales and choices; empty for free text

    @classmethod
    def hidden(cls) -> Figures:
        return cls(suppressed=True)


@dataclass(frozen=True)
class GroupResult:
    key: str | None  # a team's or service's id, a cohort, an audience; None: none recorded
    label: str
    figures: Figures


@dataclass(frozen=True)
class Asked:
    """One version's asking of a question: to whom, and in what (English) words."""

    audience: Audience
    version: int
    text: str


@dataclass(frozen=True)
class QuestionResult:
    key: str
    type: QuestionType
    text: str
    asked: tuple[Asked, ...]
    overall: Figures
    groups: tuple[GroupResult, ...]


@dataclass(frozen=True)
class CampaignResults:
    campaign: SurveyCampaign
    by: Breakdown | None
    minimum_group_size: int
    suppressed: bool  # fewer respondents than the minimum in the actor's scope: nothing shown
    respondents: int | None
    questions: tuple[QuestionResult, ...]


# --- the questions of a campaign ---------------------------------------------------------------


@dataclass
class _Question:
    key: str
    type: QuestionType
    text: str
    asked: list[Asked] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)  # key -> English label, in order
    faces: list[str] = field(default_factory=list)

    def answers(self) -> list[tuple[str, str]]:
        """Every answer a figure is counted for, with its label, in order."""
        if self.type is QuestionType.EMOJI_SCALE:
            labels = self.faces or [""] * len(FACES)
            return [
                (str(n + 1), f"{face} {label}".strip())
                for n, (face, label) in enumerate(zip(FACES, labels, strict=False))
            ]
        if self.type is QuestionType.SCALE_0_10:
            return [(str(n), str(n)) for n in range(11)]
        if self.type in CHOICE_TYPES:
            return list(self.options.items())
        return []


@dataclass
class _Questions:
    ordered: list[_Question]
    by_version: dict[tuple[uuid.UUID, str], _Question]  # (version id, key) -> question

    def free_text(self) -> dict[uuid.UUID, list[str]]:
        out: dict[uuid.UUID, list[str]] = defaultdict(list)
        for (version_id, key), q in self.by_version.items():
            if q.type is QuestionType.FREE_TEXT:
                out[version_id].append(key)
        return out


def _questions(versions: Iterable[SurveyVersion]) -> _Questions:
    """The campaign's questions, youngest audience first, newest version first within one,
    in each version's order; one per (key, type)."""
    ordered: list[_Question] = []
    found: dict[tuple[str, QuestionType], _Question] = {}
    by_version: dict[tuple[uuid.UUID, str], _Question] = {}
    for v in sorted(versions, key=lambda v: (_AUDIENCE_ORDER[v.audience], -v.version)):
        d = load_definition(v.definition)
        wording = d.translations.get(ENGLISH) or d.translations[d.languages[0]]
        for q in d.questions:
            qw = wording.questions[q.key]
            question = found.get((q.key, q.type))
            if question is None:
                question = _Question(key=q.key, type=q.type, text=qw.text)
                found[(q.key, q.type)] = question
                ordered.append(question)
            question.asked.append(Asked(v.audience, v.version, qw.text))
            for option in q.option_keys:
                question.options.setdefault(option, (qw.options or {}).get(option, option))
            if q.type is QuestionType.EMOJI_SCALE and not question.faces and qw.faces:
                question.faces = list(qw.faces)
            by_version[(v.id, q.key)] = question
    return _Questions(ordered, by_version)


async def _campaign_and_versions(
    session: AsyncSession, campaign_id: uuid.UUID
) -> tuple[SurveyCampaign, list[SurveyVersion]]:
    campaign = await session.get(SurveyCampaign, campaign_id)
    if campaign is None:
        raise NotFound("survey campaign", field="campaignId")
    versions = list(
        await session.scalars(
            select(SurveyVersion).where(
                SurveyVersion.id.in_(
                    select(SurveyResponse.survey_version_id)
                    .where(SurveyResponse.campaign_id == campaign_id)
                    .distinct()
                )
            )
        )
    )
    return campaign, versions


# --- groups ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    key: str | None
    label: str
    order: tuple[int, int, str]  # the none-recorded group last
    partition: str | None = None  # by team: the team's service, for secondary suppression


def _group_column(by: Breakdown) -> Any:
    return {
        Breakdown.TEAM: SurveyResponse.team_id,
        Breakdown.SERVICE: SurveyResponse.service_id,
        Breakdown.COHORT: SurveyResponse.cohort,
        Breakdown.AUDIENCE: SurveyResponse.audience,
    }[by]


def _key(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, StrEnum):
        return value.value
    return str(value)


async def _group_totals(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], by: Breakdown | None
) -> tuple[int, dict[str | None, _Group]]:
    """Respondents in scope, overall and by group, with each group's label: one statement."""
    n = func.count(SurveyResponse.id)
    groups: dict[str | None, _Group] = {}
    sizes: dict[str | None, int] = {}
    if by is None:
        total = int(await session.scalar(select(n).where(*where)) or 0)
        return total, groups
    column = _group_column(by)
    if by is Breakdown.TEAM:
        stmt = (
            select(column, Team.name, Team.service_id, n)
            .outerjoin(Team, Team.id == column)
            .group_by(column, Team.name, Team.service_id)
        )
    elif by is Breakdown.SERVICE:
        stmt = (
            select(column, Service.name, literal_column("NULL"), n)
            .outerjoin(Service, Service.id == column)
            .group_by(column, Service.name)
        )
    else:
        stmt = select(column, literal_column("NULL"), literal_column("NULL"), n).group_by(column)
    for value, name, partition, count in await session.execute(stmt.where(*where)):
        key = _key(value)
        if by is Breakdown.COHORT:
            label, order = COHORT_LABELS[value], (0, _COHORT_ORDER[value], "")
        elif by is Breakdown.AUDIENCE:
            label, order = AUDIENCE_LABELS[value], (0, _AUDIENCE_ORDER[value], "")
        elif value is None:
            label, order = (NO_TEAM if by is Breakdown.TEAM else NO_SERVICE), (1, 0, "")
        else:
            label, order = name, (0, 0, name.casefold())
        groups[key] = _Group(key, label, order, _key(partition))
        sizes[key] = int(count)
    return sum(sizes.values()), groups


def suppressed_groups(
    sizes: dict[Any, int], minimum: int, partitions: Iterable[Iterable[Any]] = ()
) -> set[Any]:
    """The groups to suppress: those smaller than the minimum, then (secondary) in each
    partition and in the whole, while exactly one is suppressed or the suppressed together are
    fewer than the minimum, the next smallest (ties by key, for a stable answer)."""
    hidden = {g for g, n in sizes.items() if n < minimum}
    parts = [list(p) for p in partitions] + [list(sizes)]
    changed = True
    while changed:
        changed = False
        for part in parts:
            inside = [g for g in part if g in hidden]
            if not inside:
                continue
            if len(inside) > 1 and sum(sizes[g] for g in inside) >= minimum:
                continue
            shown = sorted((g for g in part if g not in hidden), key=lambda g: (sizes[g], str(g)))
            if shown:
                hidden.add(shown[0])
                changed = True
    return hidden


# --- results -----------------------------------------------------------------------------------


def _figures(q: _Question, respondents: int, counts: dict[str, int]) -> Figures:
    answers = q.answers()
    counted = tuple(AnswerCount(a, label, counts.get(a, 0)) for a, label in answers)
    mean = None
    if q.type in SCALE_TYPES:
        n = sum(c.count for c in counted)
        mean = round(sum(int(c.answer) * c.count for c in counted) / n, 2) if n else None
    return Figures(suppressed=False, respondents=respondents, mean=mean, counts=counted)


async def campaign_results(
    *,
    session: AsyncSession,
    actor: Actor,
    policy_settings: PolicySettings,
    campaign_id: uuid.UUID,
    by: Breakdown | None = None,
) -> CampaignResults:
    """A campaign's results per question within the actor's scope, overall and (`by`) by
    team, service, cohort or audience, suppressed as this module's docstring says. Four SQL
    statements whatever the number of questions, groups and responses."""
    scope = policy.check_can_read_results(actor)
    minimum = policy_settings.minimum_group_size
    campaign, versions = await _campaign_and_versions(session, campaign_id)
    where = [SurveyResponse.campaign_id == campaign_id, policy.visible_responses(scope)]
    total, groups = await _group_totals(session, where, by)
    if total < minimum:
        return CampaignResults(campaign, by, minimum, True, None, ())
    questions = _questions(versions)
    answered, counts = await _aggregate(session, where, by, questions)
    out: list[QuestionResult] = []
    for q in questions.ordered:
        per_group = answered.get(id(q), {})
        overall_n = sum(per_group.values())
        overall_counts: dict[str, int] = defaultdict(int)
        for group_counts in counts.get(id(q), {}).values():
            for answer, n in group_counts.items():
                overall_counts[answer] += n
        asked = tuple(q.asked)
        if overall_n < minimum:
            hidden_groups = tuple(
                GroupResult(g.key, g.label, Figures.hidden()) for g in _ordered(groups, per_group)
            )
            out.append(
                QuestionResult(q.key, q.type, q.text, asked, Figures.hidden(), hidden_groups)
            )
            continue
        partitions: dict[str | None, list[str | None]] = defaultdict(list)
        for key in per_group:
            if by is Breakdown.TEAM and groups[key].partition is not None:
                partitions[groups[key].partition].append(key)
        hidden = suppressed_groups(per_group, minimum, partitions.values())
        results = tuple(
            GroupResult(
                g.key,
                g.label,
                Figures.hidden()
                if g.key in hidden
                else _figures(q, per_group[g.key], counts.get(id(q), {}).get(g.key, {})),
            )
            for g in _ordered(groups, per_group)
        )
        out.append(
            QuestionResult(
                q.key, q.type, q.text, asked, _figures(q, overall_n, overall_counts), results
            )
        )
    return CampaignResults(campaign, by, minimum, False, total, tuple(out))


def _ordered(groups: dict[str | None, _Group], present: Iterable[str | None]) -> list[_Group]:
    return sorted((groups[k] for k in present if k in groups), key=lambda g: g.order)


async def _aggregate(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    by: Breakdown | None,
    questions: _Questions,
) -> tuple[dict[int, dict[str | None, int]], dict[int, dict[str | None, dict[str, int]]]]:
    """How many answered each question, and how many gave each answer, by group: one
    statement. Each response's answers are spread with `jsonb_each` (and a multiple choice's
    options with `jsonb_array_elements_text`); free text is counted, never grouped by."""
    answer = func.jsonb_each(SurveyResponse.answers).table_valued("key", "value").lateral("a")
    is_array = func.jsonb_typeof(answer.c.value) == "array"
    element = (
        func.jsonb_array_elements_text(case((is_array, answer.c.value))).table_valued("value")
    ).lateral("e")
    free: list[ColumnElement[bool]] = [
        and_(SurveyResponse.survey_version_id == version_id, answer.c.key.in_(keys))
        for version_id, keys in questions.free_text().items()
    ]
    is_free = or_(*free) if free else false()
    scalar = answer.c.value.op("#>>")(literal_column("'{}'"))
    value = case((is_free, None), (is_array, element.c.value), else_=scalar)
    group = _group_column(by) if by is not None else literal_column("NULL")
    spread = (
        select(
            SurveyResponse.id.label("response_id"),
            SurveyResponse.survey_version_id.label("version_id"),
            answer.c.key.label("key"),
            cast(group, String).label("grp"),
            cast(value, Text).label("val"),
        )
        .select_from(SurveyResponse)
        .join(answer, true())
        .outerjoin(element, true())
        .where(
            *where,
            func.jsonb_typeof(answer.c.value) != "null",
            or_(~is_array, element.c.value.is_not(None)),
        )
        .subquery("spread")
    )
    s = spread.c
    rows = await session.execute(
        select(
            s.version_id,
            s.key,
            s.grp,
            s.val,
            func.grouping(s.val).label("is_total"),
            func.count(distinct(s.response_id)),
        ).group_by(
            func.grouping_sets(
                tuple_(s.version_id, s.key, s.grp, s.val), tuple_(s.version_id, s.key, s.grp)
            )
        )
    )
    answered: dict[int, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    counts: dict[int, dict[str | None, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for version_id, key, grp, val, is_total, n in rows:
        q = questions.by_version.get((version_id, key))
        if q is None:
            continue
        if is_total:
            answered[id(q)][grp] += n
        elif val is not None:
            counts[id(q)][grp][val] += n
    return answered, counts


# --- comments ----------------------------------------------------------------------------------


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
    questions: _Questions
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
    campaign, versions = await _campaign_and_versions(session, campaign_id)
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
        questions=_questions(versions),
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
