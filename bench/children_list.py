"""Benchmark: the front-end's children list through the real HTTP stack, next to a
hand-written asyncpg query that returns the same JSON.

    .venv/bin/python -m bench.children_list [--seconds 10] [--concurrency 1,10,50]

Uses BENCH_DATABASE_URL / BENCH_REDIS_URL, else PostgreSQL and Redis on localhost (database
`qaf_bench`, Redis db 14). Prints requests/s and p50/p99 latency per concurrency level.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import make_url

from bench.common import bench_settings, post_once, race, recreate_database, served, server_env
from demo import seed_demo_authority
from domain.core.clock import SettableClock
from domain.core.db import create_engine, create_session_factory
from domain.core.roles import Role
from domain.core.settings import Settings
from domain.identity.tokens import issue_development_token
from domain.people.models import Person, RoleGrant

QUERY = """
query($first: Int) { children(first: $first) { edges { node {
  id caseReference dateOfBirth
  team { id name service { id name } }
  allocatedPractitioner { id displayName email } } } } }
"""
PAYLOAD = {"query": QUERY, "variables": {"first": 50}}


async def _prepare(settings: Settings) -> str:
    await recreate_database(settings.database_url)
    engine = create_engine(settings)
    clock = SettableClock(datetime.now(UTC))
    async with create_session_factory(engine)() as session:
        async with session.begin():
            await seed_demo_authority(session=session, clock=clock)
        qa = await session.scalar(
            select(Person).join(RoleGrant).where(RoleGrant.role == Role.QA_LEAD)
        )
        assert qa is not None
        token = issue_development_token(settings=settings, clock=clock, person=qa)
    await engine.dispose()
    return token


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", default="1,10,50")
    args = parser.parse_args()
    settings = bench_settings("qaf_bench", redis_db=14)
    token = await _prepare(settings)
    dsn = make_url(settings.database_url).set(drivername="postgresql").render_as_string(False)
    env = server_env(settings, BENCH_ASYNCPG_DSN=dsn)
    with served(["api.main:app", "bench.baseline_app:app"], env) as (api, base):
        contenders = [
            ("GraphQL API (Strawberry)", api, {"Authorization": f"Bearer {token}"}),
            ("asyncpg JSON in SQL", base, {}),
        ]
        for _, url, headers in contenders:
            answer = await post_once(url, headers, PAYLOAD)
            assert len(answer["data"]["children"]["edges"]) == 50
        print(
            f"children list: 50 children, team, service, practitioner; {args.seconds:.0f} s a row"
        )
        await race(contenders, PAYLOAD, args.concurrency, args.seconds)


if __name__ == "__main__":
    asyncio.run(main())
