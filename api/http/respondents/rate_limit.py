"""Rate limits for respondents (the JSON API and the phone page), counted in Redis.

Fixed windows of `respondent_rate_window_seconds`: each request counts once against the client
address and, when it carries something shaped like a token, once against that token (keyed on
the token's hash, never the token). A request with an unknown or malformed token still counts
against its address, so guessing links costs the guesser their address's allowance.

Counting is one Lua script (INCR; PEXPIRE when the count is 1 or the key somehow has no expiry;
PTTL), so the window starts at the first request and is never extended, and concurrent requests
from any number of API processes count exactly; nothing is held in the process. The script uses
only commands every Redis the project runs on has had for years (`EXPIRE … NX` was added in
Redis 7.0; the embedded Redis of `make run` is 6.2, which refused it, and every check failed
open): the tests run it against both servers (README, "Supported versions").

If Redis does not answer (within the client's socket timeouts, 2 s in `api.http.services`; no
timer of our own, which under CPU load would fire for a busy event loop rather than a slow
Redis) the request is let through: fail open. A child or carer may answer once, perhaps at the
only moment they have; refusing them because our cache is down would lose that voice for good.
What the limit protects against costs little in that time: a link is 128 random bits, so
guessing one is hopeless with or without a limit (at a million guesses a second against 100,000
live links the chance in a year is about 10^-20), and a flood is bounded by the database pool
and the reverse proxy.

An outage is logged once when it starts (a warning) and once when it ends (how long, and how
many requests went unchecked), not once per request: an outage under load would otherwise
bury the log. An error *reply* (Redis answered, but refused the command) is not an outage but
a bug of ours, so it is logged as an error, with its traceback, once per distinct reply.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from domain.core.settings import Settings

log = logging.getLogger("qaf.api.rate_limit")
PREFIX = "qaf:respond:rate"

# KEYS: the counters; ARGV[1]: the window in milliseconds. Returns {count, pttl, count, pttl, …}.
_COUNT = """
local window = tonumber(ARGV[1])
local out = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if count == 1 or ttl < 0 then
    redis.call('PEXPIRE', key, window)
    ttl = window
  end
  out[#out + 1] = count
  out[#out + 1] = ttl
end
return out
"""


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
        self._script = redis.register_script(_COUNT)  # EVALSHA, EVAL again after a FLUSH
        # While Redis is not answering: since when (monotonic), and how many requests went by.
        self._down_since: float | None = None
        self._unchecked = 0
        self._replies_logged: set[str] = set()

    async def check(self, *, address: str, token_hash: str | None) -> Decision:
        """Count this request and say whether it may go on."""
        keys = [f"{PREFIX}:address:{address}"]
        if token_hash is not None:
            keys.append(f"{PREFIX}:token:{token_hash}")
        try:
            counts = await self._count(keys)
        except ResponseError as error:
            self._refused(error)
            return ALLOWED
        except Exception as error:  # any failure to reach Redis: fail open
            self._unreachable(error)
            return ALLOWED
        self._answered()
        (address_count, address_ttl), *token = counts
        if token:
            token_count, token_ttl = token[0]
            if token_count > self.per_token:
                return Decision(False, self._seconds(token_ttl), "token")
        if address_count > self.per_address:
            return Decision(False, self._seconds(address_ttl), "address")
        return ALLOWED

    async def _count(self, keys: list[str]) -> list[tuple[int, int]]:
        results = await self._script(keys=keys, args=[self.window * 1000])
        return [(int(results[i]), int(results[i + 1])) for i in range(0, len(results), 2)]

    def _seconds(self, pttl: int) -> int:
        # PTTL is never below 1 here (the script sets one); a whole window is the honest fallback.
        return max(1, math.ceil(pttl / 1000)) if pttl > 0 else self.window

    def _unreachable(self, error: Exception) -> None:
        self._unchecked += 1
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.warning(
                "Redis did not answer (%s: %s): respondent rate limits are not checked until "
                "it does; requests are let through",
                type(error).__name__,
                error,
            )

    def _refused(self, error: ResponseError) -> None:
        self._unchecked += 1
        reply = str(error)
        if reply not in self._replies_logged:
            self._replies_logged.add(reply)
            log.error(
                "Redis refused the rate-limit script: a bug, not an outage; respondent rate "
                "limits are not checked",
                exc_info=error,
            )

    def _answered(self) -> None:
        if self._down_since is not None:
            log.warning(
                "Redis answers again after %.0f s: respondent rate limits checked again "
                "(%d requests went unchecked)",
                time.monotonic() - self._down_since,
                self._unchecked,
            )
        self._down_since = None
        self._unchecked = 0
