"""The respondent rate limiter, on every Redis the project runs on (`each_redis`: the embedded
6.2 of `make run` and the configured one), and how it behaves when Redis is away or refuses."""

from __future__ import annotations

import asyncio
import logging

import pytest
from redis.asyncio import Redis

from api.http.respondents.rate_limit import PREFIX, RespondentRateLimiter
from cli import embedded
from domain.core.settings import Settings


def _limiter(redis: Redis, settings: Settings, **limits: int) -> RespondentRateLimiter:
    changed = settings.model_copy(
        update={
            "respondent_requests_per_token": limits.get("per_token", 3),
            "respondent_requests_per_address": limits.get("per_address", 6),
            "respondent_rate_window_seconds": limits.get("window", 60),
        }
    )
    return RespondentRateLimiter(redis, changed)


async def test_each_link_and_each_address_is_refused_past_its_allowance(
    each_redis: Redis, settings: Settings
) -> None:
    limiter = _limiter(each_redis, settings, per_token=3, per_address=6)
    on_one_link = [await limiter.check(address="10.0.0.1", token_hash="link-a") for _ in range(4)]
    assert [d.allowed for d in on_one_link] == [True, True, True, False]
    assert on_one_link[3].limit == "token" and 0 < on_one_link[3].retry_after <= 60
    # Another link from the same address goes on until the address's six are spent.
    assert (await limiter.check(address="10.0.0.1", token_hash="link-b")).allowed
    assert (await limiter.check(address="10.0.0.1", token_hash="link-c")).allowed
    spent = await limiter.check(address="10.0.0.1", token_hash="link-d")
    assert (spent.allowed, spent.limit) == (False, "address")
    # Another address is untouched.
    assert (await limiter.check(address="10.0.0.2", token_hash=None)).allowed


async def test_concurrent_requests_are_counted_exactly(
    each_redis: Redis, settings: Settings
) -> None:
    limiter = _limiter(each_redis, settings, per_address=20)
    decisions = await asyncio.gather(
        *(limiter.check(address="10.0.0.9", token_hash=None) for _ in range(50))
    )
    assert sum(d.allowed for d in decisions) == 20


async def test_the_window_starts_at_the_first_request_and_is_never_extended(
    each_redis: Redis, settings: Settings
) -> None:
    limiter = _limiter(each_redis, settings, per_address=2, window=1)
    assert (await limiter.check(address="10.0.0.3", token_hash=None)).allowed
    key = f"{PREFIX}:address:10.0.0.3"
    first_ttl = await each_redis.pttl(key)
    assert 0 < first_ttl <= 1000
    await asyncio.sleep(0.3)
    for _ in range(3):  # refused requests do not push the window on
        await limiter.check(address="10.0.0.3", token_hash=None)
    assert 0 < await each_redis.pttl(key) <= first_ttl - 250
    refused = await limiter.check(address="10.0.0.3", token_hash=None)
    assert not refused.allowed and refused.retry_after == 1
    await asyncio.sleep(0.8)
    assert (await limiter.check(address="10.0.0.3", token_hash=None)).allowed


async def test_a_counter_that_lost_its_expiry_gets_one_again(
    each_redis: Redis, settings: Settings
) -> None:
    key = f"{PREFIX}:address:10.0.0.4"
    await each_redis.set(key, 5)  # no expiry: as if one had been lost
    limiter = _limiter(each_redis, settings, per_address=3, window=60)
    refused = await limiter.check(address="10.0.0.4", token_hash=None)
    assert not refused.allowed and refused.retry_after == 60
    assert 0 < await each_redis.ttl(key) <= 60


async def test_the_tests_run_on_the_redis_versions_the_readme_names(each_redis: Redis) -> None:
    version = (await each_redis.info("server"))["redis_version"]
    major_minor = tuple(int(part) for part in str(version).split(".")[:2])
    # README, "Supported versions": Redis 6.2 and newer.
    assert major_minor >= (6, 2)


async def test_the_embedded_redis_is_the_6_2_the_readme_names(embedded_redis_url: str) -> None:
    client = Redis.from_url(embedded_redis_url)
    try:
        version = str((await client.info("server"))["redis_version"])
    finally:
        await client.aclose()
    assert version.startswith("6.2."), version


async def test_an_outage_lets_requests_through_and_is_logged_once_at_each_end(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    server = embedded.start_redis("test-rate-limit-outage")
    port = server.port
    client = Redis.from_url(server.url(0), socket_connect_timeout=0.5, socket_timeout=0.5)
    limiter = _limiter(client, settings, per_address=100)
    try:
        assert (await limiter.check(address="10.0.0.5", token_hash=None)).allowed
        server.stop()
        with caplog.at_level(logging.INFO, logger="qaf.api.rate_limit"):
            during = [await limiter.check(address="10.0.0.5", token_hash=None) for _ in range(5)]
            assert all(d.allowed for d in during)
            down = [r for r in caplog.records if "did not answer" in r.getMessage()]
            assert len(down) == 1 and down[0].exc_info is None
            server = embedded.start_redis("test-rate-limit-outage", port=port)
            assert (await limiter.check(address="10.0.0.5", token_hash=None)).allowed
            assert (await limiter.check(address="10.0.0.5", token_hash=None)).allowed
        back = [r for r in caplog.records if "answers again" in r.getMessage()]
        assert len(back) == 1 and "5 requests went unchecked" in back[0].getMessage()
        # Counting resumed, on the restarted (empty) server.
        assert int(await client.get(f"{PREFIX}:address:10.0.0.5") or 0) == 2
    finally:
        await client.aclose()
        server.stop()


async def test_a_refusal_by_redis_is_logged_as_a_bug_once_and_lets_requests_through(
    each_redis: Redis, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await each_redis.set(f"{PREFIX}:address:10.0.0.6", "not a number")
    limiter = _limiter(each_redis, settings, per_address=1)
    with caplog.at_level(logging.INFO, logger="qaf.api.rate_limit"):
        decisions = [await limiter.check(address="10.0.0.6", token_hash=None) for _ in range(3)]
    assert all(d.allowed for d in decisions)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "a bug" in errors[0].getMessage() and errors[0].exc_info
