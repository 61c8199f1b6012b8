"""Riding out outages: PostgreSQL or Redis going away is logged once when it starts and once
when it ends, jobs that find PostgreSQL gone return quietly, and every Redis command waits
for Redis to come back."""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import asyncpg
from arq.connections import RedisSettings
from redis.asyncio.retry import Retry
from redis.backoff import EqualJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("qaf.worker")

# Reconnecting to Redis after it went away: a jittered back-off growing to this many seconds.
RECONNECT_BACKOFF_CAP = 5.0
RECONNECT_BACKOFF_BASE = 0.25


class Outage:
    """Logs once when a service stops answering and once when it answers again, rather than
    a traceback for every attempt in between. A failure within RELAPSE_SECONDS of the end
    (a connection that died in the outage, used once more) belongs to the same outage: it is
    logged only if it lasts."""

    RELAPSE_SECONDS = 10.0

    def __init__(self, name: str, consequence: str) -> None:
        self.name = name
        self.consequence = consequence
        self.since: float | None = None
        self.ended: float | None = None
        self.logged = False

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        if self.since is None:
            self.since = now
            relapse = self.ended is not None and now - self.ended < self.RELAPSE_SECONDS
            self.logged = False if relapse else self._log_start(exc)
        elif not self.logged and now - self.since >= self.RELAPSE_SECONDS:
            self.logged = self._log_start(exc)

    def _log_start(self, exc: BaseException) -> bool:
        log.warning(
            "%s is not answering (%s: %s); %s", self.name, type(exc).__name__, exc, self.consequence
        )
        return True

    def answered(self) -> None:
        if self.since is not None:
            if self.logged:
                log.warning(
                    "%s answers again after %.1f s", self.name, time.monotonic() - self.since
                )
            self.since = None
            self.ended = time.monotonic()


redis_outage = Outage("Redis", "the worker waits for it, retrying with a growing back-off")
postgres_outage = Outage(
    "PostgreSQL", "jobs that need it fail quietly and are tried again at their next run"
)


def connection_lost(exc: BaseException) -> bool:
    """Was this error PostgreSQL (or the network to it) going away, rather than a fault of
    the job? Follows the chain of causes."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        error = todo.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(
            error,
            OSError
            | asyncpg.PostgresConnectionError
            | asyncpg.ConnectionDoesNotExistError
            | asyncpg.CannotConnectNowError
            | asyncpg.AdminShutdownError
            | asyncpg.CrashShutdownError,
        ):
            return True
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        todo.extend(
            e
            for e in (error.__cause__, error.__context__, getattr(error, "orig", None))
            if isinstance(e, BaseException)
        )
    return False


Job = TypeVar("Job", bound=Callable[..., Awaitable[Any]])


def rides_out_postgres_outages(job: Job) -> Job:
    """A job that finds PostgreSQL gone logs it once (per outage, for all jobs) and returns
    None instead of failing with a traceback; cron runs it again at its next time."""

    @functools.wraps(job)
    async def wrapped(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            result = await job(ctx, *args, **kwargs)
        except Exception as exc:
            if not connection_lost(exc):
                raise
            postgres_outage.failed(exc)
            return None
        postgres_outage.answered()
        return result

    return cast(Job, wrapped)


class _RetryLoggingOutages(Retry):
    """redis-py's retry, telling `redis_outage` when a command fails and when one succeeds."""

    async def call_with_retry(self, do: Any, fail: Any) -> Any:
        async def failed(error: Any) -> None:
            redis_outage.failed(error)
            await fail(error)

        result = await super().call_with_retry(do, failed)
        redis_outage.answered()
        return result


def reconnecting(settings: RedisSettings) -> RedisSettings:
    """`settings` with every Redis command retried for ever on a lost connection or a
    time-out, reconnecting after a jittered back-off growing to RECONNECT_BACKOFF_CAP
    seconds: the worker waits out an outage instead of ending."""
    return dataclasses.replace(
        settings,
        retry=_RetryLoggingOutages(
            EqualJitterBackoff(cap=RECONNECT_BACKOFF_CAP, base=RECONNECT_BACKOFF_BASE), -1
        ),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        retry_on_timeout=True,
    )
