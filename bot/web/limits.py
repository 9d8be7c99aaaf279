"""Rate limits kept in memory: a window of recent moments per key, bounded in size.

In memory on purpose: the addresses counted here are never stored. Several workers behind a
load balancer each count their own share, which still bounds a flood per worker.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable


class Limit:
    """At most `count` events per key within `seconds`; tracks at most `keys` keys at once."""

    def __init__(
        self,
        count: int,
        seconds: float,
        *,
        keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.count, self.seconds, self.keys = count, seconds, keys
        self.clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, key: str) -> bool:
        """Counts one event for `key`; False when the key is over its limit (not counted)."""
        now = self.clock()
        moments = self._seen.pop(key, None) or deque()
        while moments and moments[0] <= now - self.seconds:
            moments.popleft()
        allowed = len(moments) < self.count
        if allowed:
            moments.append(now)
        self._seen[key] = moments  # the most recent key last: the oldest go first
        while len(self._seen) > self.keys:
            self._seen.popitem(last=False)
        return allowed

    def blocked(self, key: str) -> bool:
        """True when `key` is over its limit now; counts nothing."""
        moments = self._seen.get(key)
        now = self.clock()
        return moments is not None and sum(m > now - self.seconds for m in moments) >= self.count
