"""The printable sheet of a campaign's printed invitations (GET
/survey-campaigns/{campaign_id}/printed-invitations.html), for those who run campaigns: one card
per invitation handed over and still open, with its code, link and QR code (inline SVG from
segno), and its invitation number, never a name or case reference."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from importlib import resources

import segno
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from api.respond_pages import TEMPLATES
from api.types.common import id_in_path
from domain.core.clock import Clock
from domain.core.db import SessionFactory
from domain.core.errors import NotAllowed, NotFound
from domain.core.settings import Settings
from domain.deadlines.calendar import local_day
from domain.people.roles import Actor
from domain.surveys import campaigns, tokens
from domain.surveys.definitions import Audience

CSS = resources.files("api").joinpath("templates/respond/printed.css").read_text("utf-8")
CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{CSS_HASH}'; base-uri 'none'; "
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


class PrintedInvitations:
    def __init__(self, *, session_factory: SessionFactory, clock: Clock, settings: Settings):
        self.session_factory = session_factory
        self.clock = clock
        self.settings = settings

    async def page(self, request: Request) -> Response:
        actor: Actor | None = request.state.actor
        request_id = request.state.request_id
        if actor is None:
            return JSONResponse(
                {"error": "sign in first", "requestId": request_id},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        campaign_id = id_in_path(request.path_params["campaign_id"], "SurveyCampaign")
        if campaign_id is None:
            return JSONResponse({"error": "not found", "requestId": request_id}, status_code=404)
        try:
            async with self.session_factory() as session:
                campaign, found = await campaigns.printed_cards(
                    session=session,
                    actor=actor,
                    clock=self.clock,
                    campaign_id=campaign_id,
                    token_key=self.settings.survey_token_key.get_secret_value(),
                )
        except NotFound:
            return JSONResponse({"error": "not found", "requestId": request_id}, status_code=404)
        except NotAllowed as refused:
            return JSONResponse(
                {"error": refused.message, "requestId": request_id}, status_code=403
            )
        base = self.settings.public_base_url.rstrip("/")
        html = TEMPLATES.get_template("respond/printed.html").render(
            css=Markup(CSS),  # noqa: S704 (our own stylesheet)
            campaign=campaign,
            closes=local_day(campaign.closes_at).strftime("%-d %B %Y"),
            base=base,
            cards=[_card(c, base) for c in found],
        )
        return HTMLResponse(html, headers=HEADERS)
