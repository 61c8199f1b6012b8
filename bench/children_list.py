"""Benchmark: the front-end's children list through the real HTTP stack, next to a
hand-written asyncpg query that returns the same JSON.

    .venv/bin/python -m bench.children_list [--seconds 10] [--concurrency 1,10,50]

Uses BENCH_DATABASE_URL / BENCH_REDIS_URL, else PostgreSQL and Redis on localhost (database
`qaf_bench`, Redis db 14). Prints requests/s and p50/p99 latency per concurrency level.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
from sqlalchemy import select
from sqlalchemy.engine import make_url

from cli import embedded, migrate
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


async def _prepare(settings: Settings) -> str:
    from tests.conftest import _recreate_database

    await _recreate_database(settings.database_url)
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
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


def _serve(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=embedded.ROOT,
    )
    deadline = time.monotonic() + 20
    while not embedded.port_open("127.0.0.1", port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{app} did not start")
        time.sleep(0.1)
    return process


async def _load(
    url: str, headers: dict[str, str], concurrency: int, seconds: float
) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    payload = {"query": QUERY, "variables": {"first": 50}}
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=30
    ) as client:
        first = (await client.post("/graphql", json=payload)).json()
        edges = len(first["data"]["children"]["edges"])

        async def one_client() -> None:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                response = await client.post("/graphql", json=payload)
                response.raise_for_status()
                latencies.append(time.perf_counter() - started)

        started = time.monotonic()
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, p99 * 1000, edges


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", default="1,10,50")
    args = parser.parse_args()
    db = os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/qaf_bench"
    )
    redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    settings = Settings(_env_file=None, environment="development", database_url=db, redis_url=redis)
    token = await _prepare(settings)
    env = {
        **os.environ,
        "DATABASE_URL": db,
        "REDIS_URL": redis,
        "ENVIRONMENT": "development",
        "BENCH_ASYNCPG_DSN": make_url(db).set(drivername="postgresql").render_as_string(False),
    }
    api_port, base_port = embedded.free_port(), embedded.free_port()
    servers = [
        _serve("api.main:app", api_port, env),
        _serve("bench.baseline_app:app", base_port, env),
    ]
    try:
        print(
            f"children list: 50 children, team, service, practitioner; {args.seconds:.0f} s a row"
        )
        print(f"{'server':<28}{'clients':>8}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            for name, port, headers in (
                ("GraphQL API (Strawberry)", api_port, {"Authorization": f"Bearer {token}"}),
                ("asyncpg JSON in SQL", base_port, {}),
            ):
                rps, p50, p99, edges = await _load(
                    f"http://127.0.0.1:{port}", headers, concurrency, args.seconds
                )
                assert edges == 50
                print(f"{name:<28}{concurrency:>8}{rps:>10.0f}{p50:>10.1f}{p99:>10.1f}")
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    asyncio.run(main())
