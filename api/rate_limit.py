"""Rate limits for respondents (the JSON API and the phone page), counted in Redis.

Fixed windows of `respondent_rate_window_seconds`: each request counts once against the client
address and, when it carries something shaped like a token, once against that token (keyed on
the token's hash, never the token). A request with an unknown or malformed token still counts
against its address, so guessing links costs the guesser their address's allowance.

Counting is one MULTI/EXEC transaction (INCR, then EXPIRE ... NX so that the window starts at
the first request and is never extended), so concurrent requests from any number of API
processes count exactly; nothing is held in the process.

If Redis does not answer (within the client's socket timeouts, 2 s in `api.app.Services`; no
timer of our own, which under CPU load would fire for a busy event loop rather than a slow
Redis) the request is let through: fail open. A
child or carer may answer once, perhaps at the only moment they have; refusing them because
our cache is down would lose that voice for good. What the limit protects against costs little
in that time: a link is 128 random bits, so guessing one is hopeless with or without a limit
(at a million guesses a second against 100,000 live links the chance in a year is about
10^-20), and a flood is bounded by the database pool and the reverse proxy. The failure is
logged each time so an outage is seen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis.asyncio import Redis

from domain.core.settings import Settings

log = logging.getLogger("qaf.api.rate_limit")
PREFIX = "qaf:respond:rate"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # Seconds until the exhausted window ends (0 when allowed).
    retry_after: int = 0
    # Which limit refused: "token" or "address".
    limit: str | None = None


ALLOWED = Decision(True)


class RespondentRateLimiter:
    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.window = settings.respondent_rate_window_seconds
        self.per_token = settings.respondent_requests_per_token
        self.per_address = settings.respondent_requests_per_address

    async def check(self, *, address: str, token_hash: str | None) -> Decision:
        """Count this request and say whether it may go on."""
        keys = [f"{PREFIX}:address:{address}"]
        if token_hash is not None:
            keys.append(f"{PREFIX}:token:{token_hash}")
        try:
            counts = await self._count(keys)
        except Exception:
            log.warning("respondent rate limit not checked: Redis did not answer", exc_info=True)
            return ALLOWED
        (address_count, address_ttl), *token = counts
        if token:
            token_count, token_ttl = token[0]
            if token_count > self.per_token:
                return Decision(False, _seconds(token_ttl, self.window), "token")
        if address_count > self.per_address:
            return Decision(False, _seconds(address_ttl, self.window), "address")
        return ALLOWED

    async def _count(self, keys: list[str]) -> list[tuple[int, int]]:
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in keys:
                pipe.incr(key)
                pipe.expire(key, self.window, nx=True)
                pipe.ttl(key)
            results = await pipe.execute()
        return [(int(results[i]), int(results[i + 2])) for i in range(0, len(results), 3)]


def _seconds(ttl: int, window: int) -> int:
    # TTL is -1 only if a key somehow lost its expiry; then a whole window is the honest answer.
    return ttl if ttl > 0 else window
