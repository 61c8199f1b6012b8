"""What the benchmarks share: a throwaway database, a server in a child process, a local SMTP
server that writes down what it received, and closed-loop HTTP load with its latencies.

`python -m bench.common --serve-smtp PORT FILE` is the SMTP server's child process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from cli import embedded, migrate
from domain.core.clock import Clock
from domain.core.db import SessionFactory
from domain.core.roles import SYSTEM
from domain.core.settings import Settings
from domain.surveys import campaigns
from domain.surveys.campaigns import Invitee
from domain.surveys.definitions import reference as survey_reference
from domain.surveys.models import CampaignKind, SurveyCampaign, SurveyInvitation


async def _admin(url: str, *statements: str) -> None:
    admin = create_async_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as conn:
        for statement in statements:
            await conn.execute(text(statement))
    await admin.dispose()


async def recreate_database(url: str) -> None:
    """A new, empty database at `url`, migrated to the newest revision."""
    name = make_url(url).database
    await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    await asyncio.to_thread(migrate.upgrade, url)


async def drop_database(url: str) -> None:
    await _admin(url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@asynccontextmanager
async def throwaway_database(url: str, *, keep: bool = False) -> AsyncIterator[None]:
    """A new migrated database at `url` for the benchmark, dropped after it (unless `keep`)."""
    await recreate_database(url)
    try:
        yield
    finally:
        if not keep:
            await drop_database(url)
            print(f"\ndropped {make_url(url).database}")


def bench_settings(database: str, redis_db: int | None = None, **overrides: Any) -> Settings:
    """Development settings on `BENCH_DATABASE_URL` (default: the local PostgreSQL's
    `database`) and `BENCH_REDIS_URL` (default: the local Redis's `redis_db`)."""
    url = os.environ.get(
        "BENCH_DATABASE_URL", f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"
    )
    if redis_db is not None:
        overrides["redis_url"] = os.environ.get(
            "BENCH_REDIS_URL", f"redis://127.0.0.1:6379/{redis_db}"
        )
    return Settings(_env_file=None, environment="development", database_url=url, **overrides)


def server_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a server process started on `settings`' database and Redis."""
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "ENVIRONMENT": "development",
        **extra,
    }


def spawn(argv: list[str], port: int, what: str, env: dict[str, str] | None = None) -> Any:
    """`argv` in a child process from the project's root, once it listens on `port`."""
    process = subprocess.Popen(argv, env=env, cwd=embedded.ROOT)  # noqa: S603
    deadline = time.monotonic() + 20
    while not embedded.port_open("127.0.0.1", port):
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.1)
    return process


def serve_app(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """One uvicorn process serving `app` (e.g. "api.main:app") on `port`."""
    argv = [sys.executable, "-m", "uvicorn", app, "--port", str(port)]
    quiet = ["--log-level", "warning", "--no-access-log"]
    process: subprocess.Popen[bytes] = spawn(argv + quiet, port, app, env)
    return process


@contextmanager
def served(apps: list[str], env: dict[str, str]) -> Iterator[list[str]]:
    """Each of `apps` in its own uvicorn process; their base URLs, in order."""
    ports = [embedded.free_port() for _ in apps]
    servers = [serve_app(app, port, env) for app, port in zip(apps, ports, strict=True)]
    try:
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)


def serve_smtp(port: int, out: Path) -> None:
    """The child process: an aiosmtpd server writing each message's Message-ID to `out`."""
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self) -> None:
            self.stream = out.open("a", encoding="utf-8")

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            for line in envelope.content.split(b"\r\n"):
                if not line:
                    break  # the end of the headers
                if line.lower().startswith(b"message-id:"):
                    self.stream.write(line.split(b":", 1)[1].strip().decode() + "\n")
            self.stream.flush()
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()


@contextmanager
def smtp_server() -> Iterator[tuple[int, Path]]:
    """A local SMTP server in a child process (so that it takes no time from the sender): its
    port, and the file it writes each received Message-ID to."""
    port = embedded.free_port()
    out = Path(f"/tmp/qaf-bench-smtp-{os.getpid()}.ids")  # noqa: S108
    out.write_text("")
    argv = [sys.executable, "-m", "bench.common", "--serve-smtp", str(port), str(out)]
    server = spawn(argv, port, "the SMTP server")
    try:
        yield port, out
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)
        out.unlink(missing_ok=True)


async def launched_campaign(
    factory: SessionFactory,
    clock: Clock,
    token_key: str,
    invitees: list[Invitee],
    *,
    opens_at: datetime,
    closes_at: datetime,
    reminder_days: Sequence[int] = (),
) -> tuple[SurveyCampaign, list[SurveyInvitation]]:
    """The annual survey of children and families as a campaign called "Benchmark", with
    `invitees` invited through the domain (in its largest batches) and launched."""
    async with factory() as s, s.begin():
        await survey_reference.ensure_defaults(session=s, clock=clock)
        campaign = await campaigns.create_campaign(
            session=s,
            actor=SYSTEM,
            clock=clock,
            name="Benchmark",
            kind=CampaignKind.ANNUAL_SURVEY,
            survey_key="annual_children_and_families",
            opens_at=opens_at,
            closes_at=closes_at,
            reminder_days=reminder_days,
        )
    created: list[SurveyInvitation] = []
    for start in range(0, len(invitees), campaigns.MAX_INVITEES_PER_CALL):
        batch = invitees[start : start + campaigns.MAX_INVITEES_PER_CALL]
        async with factory() as s, s.begin():
            invited = await campaigns.add_invitations(
                session=s,
                actor=SYSTEM,
                clock=clock,
                token_key=token_key,
                campaign_id=campaign.id,
                invitees=batch,
            )
        assert len(invited.created) == len(batch), invited.skipped[:3]
        created += invited.created
    async with factory() as s, s.begin():
        await campaigns.launch_campaign(
            session=s, actor=SYSTEM, clock=clock, campaign_id=campaign.id
        )
    return campaign, created


class Throughput(NamedTuple):
    per_second: float
    p50_ms: float
    p99_ms: float


async def post_once(url: str, headers: dict[str, str], payload: dict[str, Any]) -> Any:
    """One GraphQL request's JSON answer."""
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        response = await client.post("/graphql", json=payload)
        response.raise_for_status()
        return response.json()


async def closed_loop(
    url: str,
    headers: dict[str, str],
    payload: dict[str, Any],
    concurrency: int,
    seconds: float,
    max_requests: int | None = None,
) -> Throughput:
    """`concurrency` clients each posting `payload` to `url`'s /graphql as soon as their last
    answer came, for `seconds` (or until `max_requests` were answered)."""
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    limit = max_requests if max_requests is not None else sys.maxsize
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=30
    ) as client:

        async def one_client() -> None:
            while time.monotonic() < deadline and len(latencies) < limit:
                started = time.perf_counter()
                response = await client.post("/graphql", json=payload)
                response.raise_for_status()
                latencies.append(time.perf_counter() - started)

        started = time.monotonic()
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return Throughput(len(latencies) / elapsed, statistics.median(latencies) * 1000, p99 * 1000)


async def race(
    contenders: list[tuple[str, str, dict[str, str]]],
    payload: dict[str, Any],
    concurrencies: str,
    seconds: float,
    max_requests: int | None = None,
) -> None:
    """Print a table row per contender (name, base URL, headers) and number of clients
    (`concurrencies`, e.g. "1,10,50"): requests per second, p50 and p99."""
    print(f"{'  server':<30}{'clients':>8}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for concurrency in (int(c) for c in concurrencies.split(",")):
        for name, url, headers in contenders:
            rps, p50, p99 = await closed_loop(
                url, headers, payload, concurrency, seconds, max_requests
            )
            print(f"  {name:<28}{concurrency:>8}{rps:>10.0f}{p50:>10.1f}{p99:>10.1f}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-smtp":
        serve_smtp(int(sys.argv[2]), Path(sys.argv[3]))
