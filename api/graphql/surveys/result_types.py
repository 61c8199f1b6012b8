"""Survey results as the front-end sees them: a campaign's figures per question, overall and by
group, and its free-text comments. What is counted, what is suppressed and who sees what is
decided in `domain/surveys/results.py` and `policy.py`."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.graphql.core.context import Context
from api.graphql.core.errors import refusal
from api.graphql.core.ids import global_id
from api.graphql.core.pagination import After, First
from api.graphql.people.loaders import TEAM
from api.graphql.people.types import Team
from api.graphql.surveys.enums import ResultBreakdown, SurveyAudience, SurveyQuestionType
from domain.core.errors import InvalidInput
from domain.core.pagination import Page, check_page_size
from domain.surveys.responses import comments as domain_comments
from domain.surveys.responses import results as domain

CAMPAIGN = "SurveyCampaign"


@strawberry.type(description="How many gave one answer.")
class SurveyAnswerCount:
    answer: str = strawberry.field(
        description="The answer: a scale's value (`1` to `5` for faces, `0` to `10`) or a "
        "choice's option key."
    )
    label: str = strawberry.field(
        description="The answer in English words (a face with its label)."
    )
    count: int = strawberry.field(
        description="How many gave it (a multiple choice counts each option chosen)."
    )


@strawberry.type(
    description="A group's figures for one question. When fewer answered than the policy's "
    "minimum group (or a smaller group would otherwise be worked out from it), `suppressed` is "
    "true and there are no figures."
)
class SurveyResultFigures:
    suppressed: bool = strawberry.field(description="True when no figures may be shown.")
    respondents: int | None = strawberry.field(
        description="How many answered the question; null when suppressed."
    )
    mean: float | None = strawberry.field(
        description="For a scale, the mean answer (2 decimals); null otherwise or when suppressed."
    )
    counts: list[SurveyAnswerCount] = strawberry.field(
        description="For scales and choices, how many gave each answer, every answer listed in "
        "order; empty for free text (only how many answered) and when suppressed."
    )

    @classmethod
    def from_domain(cls, f: domain.Figures) -> SurveyResultFigures:
        return cls(
            suppressed=f.suppressed,
            respondents=f.respondents,
            mean=f.mean,
            counts=[
                SurveyAnswerCount(answer=c.answer, label=c.label, count=c.count) for c in f.counts
            ],
        )


@strawberry.type(description="One group of a breakdown, with its figures for a question.")
class SurveyResultGroup:
    key: str | None = strawberry.field(
        description="The group: a team's or service's global id, a cohort or an audience; null "
        "for respondents counted under no team (or service)."
    )
    label: str = strawberry.field(description="The group, in words.")
    figures: SurveyResultFigures = strawberry.field(description="Its figures.")


@strawberry.type(description="A group and its place in the list.")
class SurveyResultGroupEdge:
    cursor: str = strawberry.field(description="Give it as `after` to read the groups after it.")
    node: SurveyResultGroup = strawberry.field(description="The group.")


@strawberry.type(description="A page of a question's groups.")
class SurveyResultGroupConnection:
    edges: list[SurveyResultGroupEdge] = strawberry.field(description="The groups on this page.")
    page_info: relay.PageInfo = strawberry.field(description="Where this page is in the list.")
    total_count: int = strawberry.field(description="How many groups in all, across all pages.")


@strawberry.type(description="One version's asking of a question.")
class SurveyQuestionAsked:
    audience: SurveyAudience = strawberry.field(description="Who was asked it.")
    version: int = strawberry.field(description="The version of the survey for that audience.")
    text: str = strawberry.field(description="How that version words it, in English.")


def _offset(after: str | None) -> int:
    if not after:
        return 0
    try:
        raw = base64.urlsafe_b64decode((after + "=" * (-len(after) % 4)).encode()).decode()
        kind, _, n = raw.partition(":")
        if kind != "group" or not (n.isascii() and n.isdigit()):
            raise ValueError(raw)
        return int(n) + 1
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("That cursor is not one this list gave out.", field="after") from exc


def _page_info(cursors: Sequence[str], has_next: bool, has_previous: bool) -> relay.PageInfo:
    return relay.PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


def _cursor(n: int) -> str:
    return base64.urlsafe_b64encode(f"group:{n}".encode()).decode().rstrip("=")


def _group_key(by: domain.Breakdown | None, key: str | None) -> str | None:
    if key is None:
        return None
    if by is domain.Breakdown.TEAM:
        return str(global_id("Team", uuid.UUID(key)))
    if by is domain.Breakdown.SERVICE:
        return str(global_id("Service", uuid.UUID(key)))
    return key


@strawberry.type(
    description="One question's results: overall within your scope, and by group when a "
    "breakdown was asked for. A question is its key and its type across the versions answered."
)
class SurveyQuestionResult:
    key: str = strawberry.field(description="The question's key.")
    type: SurveyQuestionType = strawberry.field(description="How it is answered.")
    text: str = strawberry.field(
        description="The question in English, as the first version asking it words it "
        "(youngest audience first)."
    )
    asked: list[SurveyQuestionAsked] = strawberry.field(
        description="Every version that asked it: to whom, and in what words."
    )
    overall: SurveyResultFigures = strawberry.field(
        description="Everyone in your scope who answered it."
    )
    _groups: strawberry.Private[Sequence[domain.GroupResult]]
    _by: strawberry.Private[domain.Breakdown | None]

    @strawberry.field(
        description="The breakdown's groups in order (by name; cohorts and audiences in their "
        "usual order; the group with none recorded last); empty without a breakdown."
    )
    def groups(self, first: First = None, after: After = None) -> SurveyResultGroupConnection:
        try:
            size = check_page_size(first)
            start = _offset(after)
        except InvalidInput as error:
            raise refusal(error) from error
        chosen = self._groups[start : start + size]
        edges = [
            SurveyResultGroupEdge(
                node=SurveyResultGroup(
                    key=_group_key(self._by, g.key),
                    label=g.label,
                    figures=SurveyResultFigures.from_domain(g.figures),
                ),
                cursor=_cursor(start + n),
            )
            for n, g in enumerate(chosen)
        ]
        return SurveyResultGroupConnection(
            edges=edges,
            page_info=_page_info(
                [e.cursor for e in edges], start + size < len(self._groups), start > 0
            ),
            total_count=len(self._groups),
        )

    @classmethod
    def from_domain(
        cls, q: domain.QuestionResult, by: domain.Breakdown | None
    ) -> SurveyQuestionResult:
        return cls(
            key=q.key,
            type=q.type,
            text=q.text,
            asked=[
                SurveyQuestionAsked(audience=a.audience, version=a.version, text=a.text)
                for a in q.asked
            ],
            overall=SurveyResultFigures.from_domain(q.overall),
            _groups=q.groups,
            _by=by,
        )


@strawberry.type(
    description="A campaign's results in aggregate, within your scope: the QA Lead, the PSW, "
    "the DCS and the AED see the whole authority; a Head of Service or Group Manager their "
    "service; a Team Manager or Assistant Team Manager their team. Never a response, and no "
    "figures for a group smaller than the policy's minimum."
)
class SurveyResults:
    campaign_id: strawberry.ID = strawberry.field(description="The campaign's global id.")
    campaign_name: str = strawberry.field(description="The campaign's name.")
    by: ResultBreakdown | None = strawberry.field(description="The breakdown asked for, if any.")
    minimum_group_size: int = strawberry.field(
        description="The smallest group whose figures are shown (policy setting)."
    )
    suppressed: bool = strawberry.field(
        description="True when fewer than the minimum responded within your scope: then "
        "nothing is shown at all."
    )
    respondents: int | None = strawberry.field(
        description="How many responded within your scope; null when suppressed."
    )
    questions: list[SurveyQuestionResult] = strawberry.field(
        description="Each question's results, in the survey's order; empty when suppressed."
    )

    @classmethod
    def from_domain(
        cls, found: domain.CampaignResults, by: ResultBreakdown | None
    ) -> SurveyResults:
        return cls(
            campaign_id=global_id(CAMPAIGN, found.campaign.id),
            campaign_name=found.campaign.name,
            by=by,
            minimum_group_size=found.minimum_group_size,
            suppressed=found.suppressed,
            respondents=found.respondents,
            questions=[SurveyQuestionResult.from_domain(q, by) for q in found.questions],
        )


@strawberry.type(
    description="One free-text answer, without anything that links it to a respondent, an "
    "invitation or a child."
)
class SurveyComment:
    text: str = strawberry.field(description="What was written (or, for young children, told).")
    submitted_on: date = strawberry.field(description="The day it was submitted.")
    audience: SurveyAudience | None = strawberry.field(
        description="Who wrote it, by audience; null when that group is smaller than the minimum."
    )
    _team_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(
        description="The team the respondent was counted under; null when none, or when the "
        "team's group is smaller than the minimum."
    )
    async def team(self, info: Info[Context, None]) -> Team | None:
        if self._team_id is None:
            return None
        m = await TEAM.load(info, self._team_id)
        return Team.from_model(m) if m else None

    @classmethod
    def from_domain(cls, c: domain_comments.Comment) -> SurveyComment:
        return cls(
            text=c.text,
            submitted_on=c.submitted_on,
            audience=c.audience,
            _team_id=c.team_id,
        )


@strawberry.type(description="A comment and its place in the list.")
class SurveyCommentEdge:
    cursor: str = strawberry.field(description="Give it as `after` to read the comments after it.")
    node: SurveyComment = strawberry.field(description="The comment.")


@strawberry.type(description="A page of free-text comments, newest first.")
class SurveyCommentConnection:
    edges: list[SurveyCommentEdge] = strawberry.field(description="The comments on this page.")
    page_info: relay.PageInfo = strawberry.field(description="Where this page is in the list.")
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many comments in all, across all pages.")
    async def total_count(self) -> int:
        return await self._count()

    @classmethod
    def from_page(
        cls, page: Page[domain_comments.Comment], count: Callable[[], Awaitable[int]]
    ) -> SurveyCommentConnection:
        edges = [
            SurveyCommentEdge(node=SurveyComment.from_domain(c), cursor=cursor)
            for c, cursor in zip(page.items, page.cursors, strict=True)
        ]
        return cls(
            edges=edges,
            page_info=_page_info(page.cursors, page.has_next_page, page.has_previous_page),
            _count=count,
        )
