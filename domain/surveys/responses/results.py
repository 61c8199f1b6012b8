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

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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

from domain.core.errors import NotFound
from domain.core.roles import Actor
from domain.core.settings import PolicySettings
from domain.people.models import Service, Team
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
class Questions:
    ordered: list[_Question]
    by_version: dict[tuple[uuid.UUID, str], _Question]  # (version id, key) -> question

    def free_text(self) -> dict[uuid.UUID, list[str]]:
        out: dict[uuid.UUID, list[str]] = defaultdict(list)
        for (version_id, key), q in self.by_version.items():
            if q.type is QuestionType.FREE_TEXT:
                out[version_id].append(key)
        return out


def questions_of(versions: Iterable[SurveyVersion]) -> Questions:
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
    return Questions(ordered, by_version)


async def campaign_and_versions(
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
    campaign, versions = await campaign_and_versions(session, campaign_id)
    where = [SurveyResponse.campaign_id == campaign_id, policy.visible_responses(scope)]
    total, groups = await _group_totals(session, where, by)
    if total < minimum:
        return CampaignResults(campaign, by, minimum, True, None, ())
    questions = questions_of(versions)
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
    questions: Questions,
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
