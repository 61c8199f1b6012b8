"""The Starlette application, composed: the routes (/graphql and GraphiQL, and everything in
`api/http/`: health, the exception report and survey results downloads, the sheet of printed
invitations, the survey respondents' JSON API and phone page), the middleware and the lifespan.
"""

from __future__ import annotations

from starlette.applications import Starlette

from api.http import (
    graphql_endpoint,
    health,
    log_redaction,
    middleware,
    printed_cards,
    reports,
    respondents,
    survey_csv,
)
from api.http.services import Services as Services
from api.http.services import lifespan
from domain.core.clock import Clock
from domain.core.settings import Settings, check_startable, get_settings


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    services: Services | None = None,
) -> Starlette:
    settings = settings or get_settings()
    check_startable(settings)
    log_redaction.install()
    services = services or Services(settings, clock=clock)
    app = Starlette(
        routes=[
            *health.routes(services),
            *graphql_endpoint.routes(services),
            *reports.routes(services),
            *survey_csv.routes(services),
            *printed_cards.routes(services),
            *respondents.routes(services),
        ],
        middleware=middleware.stack(services),
        lifespan=lifespan(services),
    )
    app.state.services = services
    return app
