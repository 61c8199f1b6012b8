"""The hand-written baseline: one asyncpg query that builds the same JSON in SQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

CHILDREN_SQL = """
SELECT json_build_object('data', json_build_object('children', json_build_object(
  'edges', coalesce(json_agg(json_build_object('node', json_build_object(
     'id', c.id, 'caseReference', c.case_reference, 'dateOfBirth', c.date_of_birth,
     'team', json_build_object('id', t.id, 'name', t.name,
                               'service', json_build_object('id', s.id, 'name', s.name)),
     'allocatedPractitioner', CASE WHEN p.id IS NULL THEN NULL ELSE
        json_build_object('id', p.id, 'displayName', p.display_name, 'email', p.email) END
  )) ORDER BY c.case_reference), '[]'::json))))::text
FROM (SELECT * FROM children ORDER BY case_reference, id LIMIT $1) c
JOIN teams t ON t.id = c.team_id
JOIN services s ON s.id = t.service_id
LEFT JOIN people p ON p.id = c.allocated_practitioner_id
"""

pool: asyncpg.Pool | None = None


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    global pool
    dsn = os.environ["BENCH_ASYNCPG_DSN"]
    pool = await asyncpg.create_pool(dsn, min_size=5, max_size=10)
    yield
    await pool.close()


async def children(request: Request) -> Response:
    assert pool is not None
    body = await request.json()
    first = int(body.get("variables", {}).get("first", 50))
    async with pool.acquire() as conn:
        text = await conn.fetchval(CHILDREN_SQL, first)
    return Response(text, media_type="application/json")


app = Starlette(routes=[Route("/graphql", children, methods=["POST"])], lifespan=lifespan)
