"""A send rate shared by every worker: a token bucket per channel in Redis.

Workers keep no state of their own, so the rate (GOV.UK Notify allows 3,000 messages a minute
per service) is held where they all see it: one Redis hash per bucket, refilled and taken
from atomically by a Lua script on Redis's own clock (TIME), so that workers on machines
whose clocks differ still share one rate. A bucket holds at most a second's worth of tokens
(at least one), so a quiet bucket allows a burst of one second's messages and no more.

If Redis is flushed the bucket starts full again: at worst one extra second's burst.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

# KEYS[1] the bucket; ARGV: rate per second, capacity, tokens wanted. Returns {granted, wait
# in milliseconds before a token will be there (when none was granted)}.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local granted = math.min(wanted, math.floor(tokens))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens),
           'at', string.format('%.6f', now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 60)
local wait = 0
if granted == 0 then
  wait = math.ceil((1 - tokens) / rate * 1000)
end
return {granted, wait}
"""


@dataclass
class Throttle:
    """`take(n)` waits until at least one token is there and takes up to `n`."""

    redis: Redis
    key: str
    per_second: float
    _script: Any = field(default=None, init=False, repr=False)

    @property
    def capacity(self) -> float:
        return max(1.0, self.per_second)

    async def take(self, wanted: int) -> int:
        wanted = max(1, min(wanted, math.floor(self.capacity)))
        if self._script is None:
            self._script = self.redis.register_script(_TAKE)  # EVALSHA after the first time
        while True:
            granted, wait_ms = await self._script(
                keys=[self.key], args=[repr(self.per_second), repr(self.capacity), wanted]
            )
            if int(granted) > 0:
                return int(granted)
            await asyncio.sleep(max(int(wait_ms), 1) / 1000)


def for_channel(redis: Redis, channel: str, per_second: float) -> Throttle:
    """The one bucket every worker shares for a channel's survey invitations."""
    return Throttle(redis, f"qaf:throttle:survey:{channel.lower()}", per_second)
