"""The shared send rate (a token bucket in Redis, a Lua script on Redis's clock), on every Redis
the project runs on: the embedded 6.2 of `make run` and the configured one."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from domain.notifications.throttle import Throttle


async def test_a_full_bucket_gives_a_seconds_worth_then_refills_at_the_rate(
    each_redis: Redis,
) -> None:
    bucket = Throttle(each_redis, "test:throttle:rate", 10.0)
    started = time.monotonic()
    taken = 0
    while taken < 25:
        taken += await bucket.take(25 - taken)
    elapsed = time.monotonic() - started
    # 10 at once, then 15 more at 10 a second: about 1.5 s, never much less.
    assert 1.3 <= elapsed < 4.0, elapsed


async def test_a_bucket_never_grants_more_than_its_capacity_at_once(each_redis: Redis) -> None:
    bucket = Throttle(each_redis, "test:throttle:capacity", 5.0)
    assert await bucket.take(100) == 5
    assert 0 < await each_redis.ttl("test:throttle:capacity") <= 61


async def test_workers_sharing_a_bucket_share_its_rate(each_redis: Redis) -> None:
    buckets = [Throttle(each_redis, "test:throttle:shared-rate", 20.0) for _ in range(3)]

    async def take(bucket: Throttle, n: int) -> int:
        got = 0
        while got < n:
            got += await bucket.take(1)
        return got

    started = time.monotonic()
    assert sum(await asyncio.gather(*(take(b, 20) for b in buckets))) == 60
    # 20 at once, 40 more at 20 a second between the three: about 2 s.
    assert time.monotonic() - started >= 1.8


async def test_a_flushed_bucket_starts_full_again(each_redis: Redis) -> None:
    bucket = Throttle(each_redis, "test:throttle:flushed", 4.0)
    assert await bucket.take(4) == 4
    await each_redis.flushdb()  # EVALSHA still finds the script, or it is loaded again
    assert await bucket.take(4) == 4
    await each_redis.script_flush()
    assert await bucket.take(1) == 1  # NOSCRIPT: the client loads the script again
