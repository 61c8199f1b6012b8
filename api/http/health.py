"""/healthz (the process answers) and /readyz (it can do its work: database, Redis, and a
worker's recent heartbeat), for the load balancer and the orchestrator; no token needed."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.http.services import Services
from domain.system.service import check_readiness


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def routes(services: Services) -> list[Route]:
    async def readyz(request: Request) -> Response:
        state = await check_readiness(
            session_factory=services.session_factory, redis=services.redis, clock=services.clock
        )
        body = {
            "status": "ready" if state.ready else "not ready",
            "database": state.database,
            "redis": state.redis,
            "worker": state.worker,
            "workers_alive": state.workers_alive,
            "last_worker_heartbeat": state.last_heartbeat.isoformat()
            if state.last_heartbeat
            else None,
        }
        return JSONResponse(body, status_code=200 if state.ready else 503)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]
