"""The exception report of an Inadequate process (GET
/escalations/{escalation_id}/exception-report.html or .pdf), for whoever may see the process;
`.html` to read, `.pdf` to download. "Not found" for anyone else, as in GraphQL."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.graphql.core.ids import id_in_path
from api.http.errors import staff_only
from api.http.services import Services
from domain.core.errors import NotFound
from domain.core.roles import Actor
from domain.escalation import service as escalation

FORMATS = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def routes(services: Services) -> list[Route]:
    async def exception_report(request: Request, actor: Actor) -> Response:
        fmt = request.path_params["format"]
        escalation_id = id_in_path(request.path_params["escalation_id"], "InadequateEscalation")
        if fmt not in FORMATS or escalation_id is None:
            raise NotFound("exception report")
        async with services.session_factory() as session:
            name, body = await escalation.exception_report(
                session=session,
                actor=actor,
                clock=services.clock,
                escalation_id=escalation_id,
                pdf=fmt == "pdf",
            )
        headers = {
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "Content-Disposition": f"{'attachment' if fmt == 'pdf' else 'inline'}; "
            f'filename="{name}"',
        }
        return Response(body, media_type=FORMATS[fmt], headers=headers)

    return [
        Route(
            "/escalations/{escalation_id}/exception-report.{format}",
            staff_only(exception_report),
            methods=["GET"],
        )
    ]
