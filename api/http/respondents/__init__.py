"""The survey respondents' surfaces, with no account and no bearer token: a link's one-time
token is what authorises. `json_api.py` is the JSON API for mobile clients (/respond/v1, its
contract in `contract.py`), `phone_page.py` the page any browser can answer on (/s); both count
against the same rate limits (`rate_limit.py`), show the survey as `survey_view.py` makes it,
and share `common.py`."""

from __future__ import annotations

from datetime import timedelta

from starlette.routing import Route

from api.http.respondents.json_api import RespondentAPI
from api.http.respondents.phone_page import PhonePages
from api.http.respondents.rate_limit import RespondentRateLimiter
from api.http.services import Services


def routes(services: Services) -> list[Route]:
    settings = services.settings
    limiter = RespondentRateLimiter(services.redis, settings)
    respondent_api = RespondentAPI(
        session_factory=services.session_factory,
        clock=services.clock,
        limiter=limiter,
        offline_grace=timedelta(days=settings.policy.survey_offline_grace_days),
    )
    phone_pages = PhonePages(
        session_factory=services.session_factory, clock=services.clock, limiter=limiter
    )
    return [*respondent_api.routes(), *phone_pages.routes()]
