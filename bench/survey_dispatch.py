"""Benchmark: survey invitations by email to a local SMTP server, sent by the worker's own job.

    .venv/bin/python -m bench.survey_dispatch [--invitations 10000] [--dispatchers 1,4]
                                              [--keep-data]

Uses its own database (BENCH_DATABASE_URL, default `qaf_bench_dispatch`, dropped, created and
migrated as the tests do, and dropped again at the end unless --keep-data) and Redis database
15 (BENCH_REDIS_URL). Set-up, through the domain: a service, a team, --invitations children
(written with INSERT … SELECT generate_series), the default surveys, and an annual-survey
campaign inviting every child by email (`campaigns.add_invitations`, 1,000 at a time),
launched. Then, for each number of dispatchers: every invitation is sent by
`workers.main.send_invitations` (the job the worker runs: `dispatch.send_batch` batch after
batch, lanes of reused SMTP connections, each send checked right before it goes and marked
right after), that many jobs at once, each as its own worker, called again until nothing is
due, to an aiosmtpd server in a child process that writes each Message-ID it receives to a
file. Prints elapsed seconds, messages/s, and how many messages and distinct Message-IDs the
server received; then puts the invitations back as they were before sending for the next run.

The throttle is RAISED for the benchmark (SURVEY_EMAIL_PER_SECOND = 100,000; the default is
40 a second, GOV.UK Notify's 3,000 a minute), to measure the code rather than the limit.
Also prints EXPLAIN of the claim statement, which must use ix_survey_invitations_next_send.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import text

from bench.common import bench_settings, launched_campaign, smtp_server, throwaway_database
from domain.core.clock import SystemClock
from domain.core.db import create_engine, create_session_factory
from domain.core.roles import SYSTEM
from domain.core.settings import Settings
from domain.people import service as people
from domain.surveys.campaigns import Invitee
from domain.surveys.models import Channel
from workers.jobs import send_invitations

CHILDREN_SQL = """
INSERT INTO children (id, case_reference, team_id, date_of_birth, child_in_need,
                      looked_after, care_leaver, family_first, created_at, updated_at)
SELECT md5('c' || i)::uuid, 'BENCH-' || lpad(i::text, 6, '0'), CAST(:team AS uuid),
       DATE '2012-01-01' + (i % 3000), i % 2 = 0, i % 3 = 0, false, false,
       CAST(:now AS timestamptz), CAST(:now AS timestamptz)
FROM generate_series(1, CAST(:count AS int)) AS i
"""

RESET_SQL = """
UPDATE survey_invitations SET status = 'QUEUED', sends_done = 0, sent_at = NULL,
       last_reminded_at = NULL, claimed_at = NULL, claimed_by = NULL, attempts = 0,
       last_error = NULL, next_send_at = CAST(:at AS timestamptz)
"""


async def _set_up(settings: Settings, count: int) -> None:
    engine = create_engine(settings, pool_size=2, max_overflow=0)
    sessions = create_session_factory(engine)
    clock = SystemClock()
    started = time.perf_counter()
    async with sessions() as s, s.begin():
        service = await people.create_service(
            session=s, actor=SYSTEM, clock=clock, name="Children's Social Care"
        )
        team = await people.create_team(
            session=s, actor=SYSTEM, clock=clock, service_id=service.id, name="Bench team"
        )
        await s.execute(text(CHILDREN_SQL), {"team": team.id, "now": clock.now(), "count": count})
    now = clock.now()
    invitees = [
        Invitee(
            channel=Channel.EMAIL,
            child_reference=f"BENCH-{i:06d}",
            contact=f"family{i}@bench.example.org",
        )
        for i in range(1, count + 1)
    ]
    await launched_campaign(
        sessions,
        clock,
        settings.survey_token_key.get_secret_value(),
        invitees,
        opens_at=now,
        closes_at=now + timedelta(days=28),
        reminder_days=[7, 14],
    )
    async with sessions() as s, s.begin():
        await s.execute(text("ANALYZE survey_invitations"))
        await s.execute(text("ANALYZE survey_campaigns"))
    await engine.dispose()
    print(
        f"set-up: {count:,} children and {count:,} email invitations through the domain in "
        f"{time.perf_counter() - started:.1f} s"
    )


async def _explain(settings: Settings) -> None:
    """The claim statement as PostgreSQL receives it, explained (rolled back)."""
    from sqlalchemy import event

    from domain.surveys import dispatch

    engine = create_engine(settings, pool_size=1, max_overflow=0)
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "UPDATE survey_invitations" in statement:
            captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    sessions = create_session_factory(engine)
    async with sessions() as s, s.begin():
        await dispatch.claim_sends(
            s, SystemClock(), "explain", Channel.EMAIL, 100, timedelta(minutes=5)
        )
        await s.rollback()
    event.remove(engine.sync_engine, "before_cursor_execute", capture)
    statement, parameters = captured[0]
    raw = await engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        async with driver.transaction():
            plan = await driver.fetch(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, *tuple(parameters or ())
            )
            raise _Rollback
    except _Rollback:
        pass
    finally:
        raw.close()
    await engine.dispose()
    print("\nEXPLAIN (ANALYZE, BUFFERS) of claim_sends (a batch of 100, rolled back):")
    for row in plan:
        print("  " + row[0])


class _Rollback(Exception):
    pass


async def _run(settings: Settings, dispatchers: int, out: Path, count: int) -> None:
    engine = create_engine(settings, pool_size=4 + dispatchers * 6, max_overflow=0)
    sessions = create_session_factory(engine)
    redis = Redis.from_url(settings.redis_url)
    await redis.flushdb()
    async with engine.begin() as conn:
        await conn.execute(text(RESET_SQL), {"at": datetime.now(UTC) - timedelta(seconds=1)})
    await asyncio.to_thread(out.write_text, "")

    async def one(n: int) -> tuple[int, int]:
        ctx = {
            "settings": settings,
            "clock": SystemClock(),
            "session_factory": sessions,
            "worker_id": f"bench:{n}",
            "redis": redis,
        }
        sent = jobs = 0
        while True:
            jobs += 1
            done = await send_invitations(ctx)
            sent += done
            if done == 0:
                return sent, jobs

    started = time.perf_counter()
    results = await asyncio.gather(*(one(n) for n in range(dispatchers)))
    seconds = time.perf_counter() - started
    sent = sum(r[0] for r in results)
    await asyncio.sleep(0.5)  # the server writes each id after accepting it
    ids = (await asyncio.to_thread(out.read_text)).split()
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE status = 'SENT' AND sends_done = 1), "
                    "count(*) FILTER (WHERE last_error IS NOT NULL) FROM survey_invitations"
                )
            )
        ).one()
    await redis.aclose()
    await engine.dispose()
    print(
        f"{dispatchers} dispatcher(s) at once ({sum(r[1] for r in results)} job runs): "
        f"{sent:,} sent in {seconds:.1f} s = {sent / seconds:,.0f} messages/s; the server "
        f"received {len(ids):,} messages, {len(set(ids)):,} distinct Message-IDs; "
        f"{row[0]:,} invitations SENT once, {row[1]} with an error"
    )
    if len(ids) != count or len(set(ids)) != count or row[0] != count:
        raise SystemExit("the server did not receive every invitation exactly once")


async def main(port: int, out: Path) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invitations", type=int, default=10_000)
    parser.add_argument("--dispatchers", default="1,4", help="dispatchers at once, e.g. 1,4")
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()
    settings = bench_settings(
        "qaf_bench_dispatch",
        redis_db=15,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="surveys@bench.qaf.local",
        survey_email_per_second=100_000,  # RAISED for the benchmark (default 40)
        survey_sending_hours="00:00-24:00",  # at any hour the benchmark is run
        public_base_url="https://qaf.bench.example",
    )
    print(
        f"== {args.invitations:,} survey invitations by email to a local SMTP server "
        "(aiosmtpd in a child process) =="
    )
    print(
        "workers.main.send_invitations as the worker runs it; throttle RAISED to "
        f"{settings.survey_email_per_second:,.0f}/s for the benchmark (default 40/s)"
    )
    async with throwaway_database(settings.database_url, keep=args.keep_data):
        await _set_up(settings, args.invitations)
        await _explain(settings)
        print()
        for n in [int(d) for d in args.dispatchers.split(",")]:
            await _run(settings, n, out, args.invitations)


if __name__ == "__main__":
    with smtp_server() as (port, out):
        asyncio.run(main(port, out))
