"""The hand-written baseline for bench/audits.py: one asyncpg query per request that builds
the same JSON in SQL as the GraphQL API returns for "my audits to do" and the dashboard.

Like bench/baseline_app.py it does no authentication: the person whose audits are listed is
fixed by BENCH_AUDITOR_ID, and the dashboard counts the team it is given (what the team's
manager sees of it), so it measures the floor the API is compared with.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.audits.kinds import OPEN_STATUSES, AuditKind, AuditStatus, Grade

# Strawberry's global ids are base64("Type:uuid"); PostgreSQL's base64 is the same alphabet
# (and wraps only after 76 characters, longer than these).
TO_DO_SQL = """
SELECT json_build_object('data', json_build_object('myAuditsToDo', json_build_object(
  'edges', coalesce(json_agg(json_build_object('node', json_build_object(
     'id', encode(convert_to('Audit:' || a.id::text, 'UTF8'), 'base64'),
     'kind', a.kind, 'status', a.status, 'dueDate', a.due_date,
     'child', CASE WHEN c.id IS NULL THEN NULL
                   ELSE json_build_object('caseReference', c.case_reference) END,
     'team', CASE WHEN t.id IS NULL THEN NULL ELSE json_build_object('name', t.name) END,
     'auditor', json_build_object('displayName', p.display_name)
  )) ORDER BY a.due_date, a.id), '[]'::json))))::text
FROM (SELECT * FROM audits
      WHERE auditor_id = $1 AND status = ANY($2::text[])
      ORDER BY due_date, id LIMIT $3) a
LEFT JOIN children c ON c.id = a.child_id
LEFT JOIN teams t ON t.id = a.team_id
JOIN people p ON p.id = a.auditor_id
"""

# grouping(kind, status, grade, month) marks each grouping set: 7 kind, 11 status, 13 grade,
# 14 month (a bit for every column not grouped on).
DASHBOARD_SQL = """
WITH a AS (
  SELECT kind, status,
         CASE WHEN status = 'COMPLETED'
              THEN coalesce(moderated_overall_grade, overall_grade) END AS grade,
         to_char(due_date, 'YYYY-MM') AS month
  FROM audits WHERE team_id = $1
), g AS (
  SELECT grouping(kind, status, grade, month) AS set, kind, status, grade, month,
         count(*)::int AS n
  FROM a GROUP BY GROUPING SETS (kind, status, grade, month)
)
SELECT json_build_object('data', json_build_object('auditDashboard', json_build_object(
  'total', (SELECT coalesce(sum(n), 0)::int FROM g WHERE set = 11),
  'byGrade', (SELECT json_agg(json_build_object('key', k, 'count',
                coalesce((SELECT n FROM g WHERE set = 13 AND grade = k), 0)) ORDER BY o)
              FROM unnest($2::text[]) WITH ORDINALITY AS u(k, o)),
  'byKind', (SELECT json_agg(json_build_object('key', k, 'count',
                coalesce((SELECT n FROM g WHERE set = 7 AND kind = k), 0)) ORDER BY o)
             FROM unnest($3::text[]) WITH ORDINALITY AS u(k, o)),
  'byStatus', (SELECT json_agg(json_build_object('key', k, 'count',
                coalesce((SELECT n FROM g WHERE set = 11 AND status = k), 0)) ORDER BY o)
               FROM unnest($4::text[]) WITH ORDINALITY AS u(k, o)),
  'byMonth', (SELECT coalesce(json_agg(json_build_object('key', month, 'count', n)
                ORDER BY month), '[]'::json)
              FROM g WHERE set = 14)
)))::text
"""

GRADES = [g.value for g in Grade]
KINDS = [k.value for k in AuditKind]
STATUSES = [s.value for s in AuditStatus]
OPEN = sorted(s.value for s in OPEN_STATUSES)

pool: asyncpg.Pool | None = None


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    global pool
    pool = await asyncpg.create_pool(os.environ["BENCH_ASYNCPG_DSN"], min_size=5, max_size=10)
    yield
    await pool.close()


def _node_id(global_id: str) -> uuid.UUID:
    return uuid.UUID(base64.b64decode(global_id).decode().split(":", 1)[1])


async def graphql(request: Request) -> Response:
    assert pool is not None
    body = await request.json()
    query, variables = body.get("query", ""), body.get("variables") or {}
    async with pool.acquire() as conn:
        if "myAuditsToDo" in query:
            text = await conn.fetchval(
                TO_DO_SQL,
                uuid.UUID(os.environ["BENCH_AUDITOR_ID"]),
                OPEN,
                int(variables.get("first", 50)),
            )
        elif "auditDashboard" in query:
            text = await conn.fetchval(
                DASHBOARD_SQL, _node_id(variables["teamId"]), GRADES, KINDS, STATUSES
            )
        else:
            return JSONResponse({"errors": [{"message": "not a benchmarked query"}]})
    return Response(text, media_type="application/json")


app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"])], lifespan=lifespan)
