"""A campaign's results (GET /survey-campaigns/{campaign_id}/results.csv,
`?by=TEAM|SERVICE|COHORT|AUDIENCE`) or its free-text comments (`comments.csv`) as CSV, with the
GraphQL bearer token: the same figures, suppression and scope as `surveyResults` and
`surveyComments` (the domain computes both), one row per answer counted. 401 unsigned, 403 for
a role that may not read them, 404 for a campaign that does not exist, 400 for a bad `by`.

Free text comes from the public, and team names and question wording are typed by people: every
text cell that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) gets a leading apostrophe (OWASP's advice on CSV injection). The file starts with a
UTF-8 byte order mark so that Excel shows faces and Welsh accents as they are.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.graphql.core.ids import id_in_path
from api.http.errors import staff_only
from api.http.services import Services
from domain.core.errors import InvalidInput, NotAllowed, NotFound
from domain.core.roles import Actor
from domain.surveys.responses import comments as survey_comments
from domain.surveys.responses import results as survey_results
from domain.surveys.responses.comments import CommentsExport
from domain.surveys.responses.results import (
    AUDIENCE_LABELS,
    CampaignResults,
    Figures,
    QuestionResult,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
OVERALL = "All respondents"
RESULT_COLUMNS = (
    "question_key",
    "question",
    "question_type",
    "breakdown",
    "group",
    "suppressed",
    "respondents",
    "mean",
    "answer",
    "answer_label",
    "count",
)
COMMENT_COLUMNS = ("question_key", "question", "submitted_on", "team", "audience", "comment")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _write(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return out.getvalue()


def _figure_rows(q: QuestionResult, breakdown: str, group: str, f: Figures) -> Iterable[list[Any]]:
    head = [q.key, q.text, q.type.value, breakdown, group]
    if f.suppressed:
        yield [*head, "true", None, None, None, None, None]
        return
    if not f.counts:
        yield [*head, "false", f.respondents, f.mean, None, None, None]
        return
    for c in f.counts:
        yield [*head, "false", f.respondents, f.mean, c.answer, c.label, c.count]


def results_csv(found: CampaignResults) -> str:
    breakdown = found.by.value if found.by else ""

    def rows() -> Iterable[list[Any]]:
        if found.suppressed:
            yield [None, None, None, breakdown, OVERALL, "true", None, None, None, None, None]
            return
        for q in found.questions:
            yield from _figure_rows(q, breakdown, OVERALL, q.overall)
            for g in q.groups:
                yield from _figure_rows(q, breakdown, g.label, g.figures)

    return _write(RESULT_COLUMNS, rows())


def comments_csv(export: CommentsExport) -> str:
    texts = dict(export.questions)
    return _write(
        COMMENT_COLUMNS,
        (
            [
                c.question_key,
                texts.get(c.question_key, ""),
                c.submitted_on.isoformat(),
                c.team_name,
                AUDIENCE_LABELS[c.audience] if c.audience else None,
                c.text,
            ]
            for c in export.comments
        ),
    )


def routes(services: Services) -> list[Route]:
    async def survey_csv(request: Request, actor: Actor) -> Response:
        request_id = request.state.request_id
        what = request.path_params["what"]
        campaign_id = id_in_path(request.path_params["campaign_id"], "SurveyCampaign")
        if what not in ("results", "comments") or campaign_id is None:
            raise NotFound("survey campaign")
        try:
            async with services.session_factory() as session:
                body = await _csv(
                    session, services, actor, campaign_id, what, request.query_params.get("by")
                )
        except NotAllowed as error:
            return JSONResponse(
                {"error": error.message, "code": error.code.value, "requestId": request_id},
                status_code=403,
            )
        except InvalidInput as error:
            return JSONResponse(
                {"error": error.message, "field": error.field, "requestId": request_id},
                status_code=400,
            )
        headers = {
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'attachment; filename="survey-{what}-{campaign_id}.csv"',
        }
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)

    return [
        Route("/survey-campaigns/{campaign_id}/{what}.csv", staff_only(survey_csv), methods=["GET"])
    ]


async def _csv(
    session: AsyncSession,
    services: Services,
    actor: Actor,
    campaign_id: uuid.UUID,
    what: str,
    by: str | None,
) -> str:
    policy_settings = services.settings.policy
    if what == "comments":
        export = await survey_comments.all_comments(
            session=session, actor=actor, policy_settings=policy_settings, campaign_id=campaign_id
        )
        return comments_csv(export)
    if by is not None and by not in {b.value for b in survey_results.Breakdown}:
        raise InvalidInput("by is one of TEAM, SERVICE, COHORT or AUDIENCE.", field="by")
    found = await survey_results.campaign_results(
        session=session,
        actor=actor,
        policy_settings=policy_settings,
        campaign_id=campaign_id,
        by=survey_results.Breakdown(by) if by else None,
    )
    return results_csv(found)
