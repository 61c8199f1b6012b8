"""Benchmark: respondents answering through the JSON API, the way a survey's busiest hour looks
(everyone with a printed card answering at once).

    .venv/bin/python -m bench.respond [--links 2000] [--concurrency 50]

Creates a campaign of the annual survey with `--links` printed invitations through the domain
(database `qaf_bench_respond`, created and migrated as the tests do, dropped at the end unless
`--keep-data`; Redis db 12; BENCH_DATABASE_URL / BENCH_REDIS_URL override them), serves the
real app with uvicorn (one process), and has `--concurrency` clients each answer distinct links:
half of the links with a POST alone (a mobile client that already has the survey), the other
half as a phone does, GET the survey then POST. Each link is answered once. Prints requests/s,
links answered/s, p50/p95/max latency and every non-2xx answer, then checks that PostgreSQL
holds exactly one response per link answered.

The respondent limits are raised for the server (every client is 127.0.0.1, one address), but
every request is still counted in Redis: the limiter's cost is in the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlalchemy import func, select

from bench.common import (
    bench_settings,
    launched_campaign,
    serve_app,
    server_env,
    throwaway_database,
)
from cli import embedded
from domain.children.models import Child
from domain.core.clock import SystemClock
from domain.core.db import create_engine, create_session_factory
from domain.core.roles import SYSTEM
from domain.core.settings import Settings
from domain.people import service as people
from domain.surveys import campaigns
from domain.surveys.campaigns import Invitee
from domain.surveys.models import Channel, SurveyResponse, SurveyVersion
from tests.domain.surveys.helpers import valid_answers


async def _prepare(settings: Settings, links: int) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The campaign's tokens, and a valid set of answers per audience version."""
    engine = create_engine(settings)
    clock = SystemClock()
    factory = create_session_factory(engine)
    now = clock.now()
    key = settings.survey_token_key.get_secret_value()
    async with factory() as s, s.begin():
        service = await people.create_service(session=s, actor=SYSTEM, clock=clock, name="CSC")
        team = await people.create_team(
            session=s, actor=SYSTEM, clock=clock, service_id=service.id, name="Team A"
        )
        # Ages 5 to 16: every children's version of the survey is answered.
        s.add_all(
            Child(
                case_reference=f"BENCH-{i:06d}",
                team_id=team.id,
                date_of_birth=date(now.year - 5 - i % 12, 1 + i % 12, 1 + i % 28),
                child_in_need=True,
                created_at=now,
                updated_at=now,
            )
            for i in range(links)
        )
    invitees = [
        Invitee(channel=Channel.PRINT, child_reference=f"BENCH-{i:06d}") for i in range(links)
    ]
    campaign, invited = await launched_campaign(
        factory,
        clock,
        key,
        invitees,
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=7),
    )
    tokens = [t for i in invited if (t := campaigns.token_of(i, key))]
    async with factory() as s:
        versions = await s.scalars(
            select(SurveyVersion)
            .where(SurveyVersion.survey_id == campaign.survey_id)
            .order_by(SurveyVersion.version)
        )
        answers = {v.audience.value: valid_answers(v.definition) for v in versions}
    await engine.dispose()
    return tokens, answers


class Run:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {"GET survey": [], "POST submission": []}
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.answered = 0


async def _phase(
    client: httpx.AsyncClient,
    tokens: list[str],
    answers: dict[str, dict[str, Any]],
    concurrency: int,
    *,
    get_first: bool,
) -> tuple[Run, float]:
    run = Run()
    queue = list(reversed(tokens))
    audience_of: dict[str, str] = {}

    async def timed(name: str, send: Any) -> httpx.Response:
        """One request; a connection dropped under it counts as an error (status 0) and is
        sent again once, as a client would (a submission is idempotent)."""
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                response: httpx.Response = await send()
            except httpx.TransportError:
                run.statuses[(name, 0)] += 1
                if attempt == 2:
                    raise
                continue
            run.latencies[name].append(time.perf_counter() - started)
            run.statuses[(name, response.status_code)] += 1
            return response
        raise AssertionError("unreachable")

    async def one_client() -> None:
        while queue:
            token = queue.pop()
            headers = {"Survey-Token": token}
            if get_first:
                got = await timed(
                    "GET survey", lambda h=headers: client.get("/respond/v1/survey", headers=h)
                )
                if got.status_code != 200:
                    continue
                audience_of[token] = got.json()["audience"]
            audience = audience_of.get(token) or _audiences[token]
            body = {"submissionId": str(uuid.uuid4()), "answers": answers[audience]}
            posted = await timed(
                "POST submission",
                lambda b=body, h=headers: client.post("/respond/v1/submissions", json=b, headers=h),
            )
            if posted.status_code == 201:
                run.answered += 1

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(concurrency)))
    return run, time.perf_counter() - started


async def _retrying(client: httpx.AsyncClient, token: str, run: Run) -> httpx.Response:
    for _ in range(3):
        try:
            return await client.get("/respond/v1/survey", headers={"Survey-Token": token})
        except httpx.TransportError:
            run.statuses[("warm-up GET", 0)] += 1
    raise RuntimeError("the API dropped the connection three times")


# Each token's audience, learnt before the POST-only phase (a mobile client has the survey).
_audiences: dict[str, str] = {}


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far, from /proc (Linux), else None: the
    API's CPU per request is steadier than its latency on a small shared machine."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _used(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def _report(title: str, run: Run, elapsed: float, cpu: float | None) -> None:
    requests = sum(run.statuses.values())
    errors = {
        f"{name} {status or 'connection dropped'}": n
        for (name, status), n in run.statuses.items()
        if status >= 300 or status == 0
    }
    print(
        f"{title}: {run.answered} links answered in {elapsed:.2f} s: "
        f"{requests / elapsed:.0f} req/s, {run.answered / elapsed:.0f} links answered/s; "
        f"errors: {errors or 'none'}"
    )
    if cpu is not None and requests:
        print(
            f"  API process CPU: {cpu:.2f} s, {cpu * 1000 / requests:.2f} ms a request "
            f"({cpu / elapsed * 100:.0f}% of one core)"
        )
    print(f"  {'request':<18}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, values in run.latencies.items():
        if values:
            print(
                f"  {name:<18}{len(values):>7}{_ms(values, 0.5):>9.1f}"
                f"{_ms(values, 0.95):>9.1f}{max(values) * 1000:>9.1f}"
            )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--links", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()
    settings = bench_settings("qaf_bench_respond", redis_db=12)
    async with throwaway_database(settings.database_url, keep=args.keep_data):
        await _measure(settings, args.links, args.concurrency)
    print(f"finished {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


async def _measure(settings: Settings, links: int, concurrency: int) -> None:
    began = time.perf_counter()
    tokens, answers = await _prepare(settings, links)
    print(
        f"respondents: {len(tokens)} printed invitations made through the domain in "
        f"{time.perf_counter() - began:.1f} s; {concurrency} concurrent clients, "
        f"one uvicorn process, {os.cpu_count()} cores"
    )
    env = server_env(settings, RESPONDENT_REQUESTS_PER_ADDRESS="100000000")
    port = embedded.free_port()
    server = serve_app("api.main:app", port, env)
    try:
        half = len(tokens) // 2
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60
        ) as client:
            # The POST-only clients already have their survey (as an app would): learn each
            # link's audience first, outside the measurement.
            warm = Run()
            for token in tokens[:half]:
                got = await _retrying(client, token, warm)
                _audiences[token] = got.json()["audience"]
            flush = Redis.from_url(settings.redis_url)
            await flush.flushdb()  # the counts of that warm-up are not the benchmark's
            await flush.aclose()
            cpu0 = _cpu_seconds(server.pid)
            run, elapsed = await _phase(
                client, tokens[:half], answers, concurrency, get_first=False
            )
            cpu1 = _cpu_seconds(server.pid)
            _report("POST only", run, elapsed, _used(cpu0, cpu1))
            run2, elapsed2 = await _phase(
                client, tokens[half:], answers, concurrency, get_first=True
            )
            _report("GET then POST", run2, elapsed2, _used(cpu1, _cpu_seconds(server.pid)))
        engine = create_engine(settings)
        async with create_session_factory(engine)() as s:
            stored = await s.scalar(select(func.count()).select_from(SurveyResponse))
        await engine.dispose()
        answered = run.answered + run2.answered
        print(f"responses stored: {stored} for {answered} links answered (must be equal)")
        assert stored == answered
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    asyncio.run(main())
