"""The printable sheet of a campaign's printed invitations (GET
/survey-campaigns/{campaign_id}/printed-invitations.html), for those who run campaigns: one card
per invitation handed over and still open, with its code, link and QR code (inline SVG from
segno), and its invitation number, never a name or case reference."""

from __future__ import annotations

from dataclasses import dataclass

import segno
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from api.graphql.core.ids import id_in_path
from api.http.errors import staff_only
from api.http.services import Services
from api.http.templates import TEMPLATES, stylesheet
from domain.core.errors import NotAllowed, NotFound
from domain.core.roles import Actor
from domain.deadlines.calendar import local_day
from domain.surveys import campaigns, tokens
from domain.surveys.definitions import Audience

STYLE = stylesheet("respond/printed.css")
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{STYLE.digest}'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
}


@dataclass(frozen=True)
class Card:
    number: int
    title: str
    printed: str
    link: str
    qr: Markup
    case_reference: str | None
    audience: str


# Who a card is for, on the practitioner's stub.
AUDIENCES = {
    Audience.CHILD_UNDER_8: "the child (under 8)",
    Audience.CHILD_8_TO_12: "the child (8 to 12)",
    Audience.CHILD_13_AND_OVER: "the young person (13 and over)",
    Audience.PARENT_CARER: "a parent or carer",
    Audience.CARE_LEAVER: "the care leaver",
    Audience.STAFF: "a member of staff",
}


def _card(card: campaigns.PrintedCard, base: str) -> Card:
    link = f"{base}/s/{card.token}"
    svg = segno.make(link, error="m").svg_inline(scale=4, title=None)
    return Card(
        card.number,
        card.title,
        tokens.printed(card.token),
        link,
        Markup(svg),  # noqa: S704 (segno's own SVG of our link)
        card.case_reference,
        AUDIENCES[card.audience],
    )


def unsigned(request_id: str) -> Response:
    return JSONResponse(
        {"error": "sign in first", "requestId": request_id},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


def routes(services: Services) -> list[Route]:
    settings = services.settings

    async def page(request: Request, actor: Actor) -> Response:
        campaign_id = id_in_path(request.path_params["campaign_id"], "SurveyCampaign")
        if campaign_id is None:
            raise NotFound("survey campaign")
        try:
            async with services.session_factory() as session:
                campaign, found = await campaigns.printed_cards(
                    session=session,
                    actor=actor,
                    clock=services.clock,
                    campaign_id=campaign_id,
                    token_key=settings.survey_token_key.get_secret_value(),
                )
        except NotAllowed as refused:
            return JSONResponse(
                {"error": refused.message, "requestId": request.state.request_id},
                status_code=403,
            )
        base = settings.public_base_url.rstrip("/")
        html = TEMPLATES.get_template("respond/printed.html").render(
            css=STYLE.css,
            campaign=campaign,
            closes=local_day(campaign.closes_at).strftime("%-d %B %Y"),
            base=base,
            cards=[_card(c, base) for c in found],
        )
        return HTMLResponse(html, headers=HEADERS)

    return [
        Route(
            "/survey-campaigns/{campaign_id}/printed-invitations.html",
            staff_only(page, unsigned=unsigned),
            methods=["GET"],
        )
    ]
