"""The processing model: different people at the same time, one person's updates in order.

PTB runs updates one at a time by default, which caps the whole bot at one Telegram round trip
per update. `RespondentOrder` lets updates of different people run concurrently (up to a
bound) while the updates of one person run strictly in the order they arrived.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)
Result = TypeVar("Result")

# Enough to keep a few hundred taps a second in flight at a 50 ms round trip; each update
# makes up to three Bot API calls at once, so the connection pool is sized to match.
DEFAULT_CONCURRENCY = 64
CALLS_PER_UPDATE = 4
# Updates held in memory at most (polling): about four seconds of a busy Monday morning.
DEFAULT_PENDING = 1000


def respondent_key(update: object) -> int | None:
    """Whose update this is: the person (their data is keyed on them), else the chat."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None


class RespondentOrder(BaseUpdateProcessor):
    """Processes different people's updates concurrently and each person's in arrival order.

    A person's later update waits in their own queue, not in a concurrency slot: the task
    already running for that person runs it next. So one person tapping fast (or flooding)
    holds one slot at most, and the bound counts people being served, not updates waiting.
    """

    def __init__(self, max_concurrent_updates: int = DEFAULT_CONCURRENCY) -> None:
        super().__init__(max_concurrent_updates)
        self._queues: dict[int, deque[tuple[Awaitable[Any], asyncio.Future[None] | None]]] = {}

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Takes a slot, or waits outside the slots while this person is being served.

        Either way it returns once the update ran, so PTB counts it as unfinished until then
        (which `PendingLimit` relies on).
        """
        key = respondent_key(update)
        queue = self._queues.get(key) if key is not None else None
        if queue is None:
            await super().process_update(update, coroutine)
            return
        ran = asyncio.get_running_loop().create_future()
        queue.append((coroutine, ran))
        await ran

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Runs the update now, then this person's updates that came in meanwhile."""
        key = respondent_key(update)
        if key is None:
            await coroutine
            return
        queue = self._queues.get(key)
        if queue is not None:  # arrived while it waited for a slot: the serving task runs it
            queue.append((coroutine, None))
            return
        self._queues[key] = queue = deque([(coroutine, None)])
        try:
            while queue:
                await self._run(queue[0][0])
                _, ran = queue.popleft()
                if ran is not None and not ran.done():
                    ran.set_result(None)
        finally:
            del self._queues[key]
            for left, ran in queue:  # cancelled at shutdown: nothing else will run these
                if asyncio.iscoroutine(left):
                    left.close()
                if ran is not None and not ran.done():
                    ran.set_result(None)

    async def _run(self, coroutine: Awaitable[Any]) -> None:
        try:
            await coroutine
        except Exception:  # PTB hands handler errors to the error handler; this is a last net
            log.exception("update processing failed")

    async def initialize(self) -> None:
        """Nothing to set up: queues appear and disappear with the people being served."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB waits for the running tasks, which drain their queues."""


class PendingLimit(asyncio.Queue[object]):
    """PTB's update queue with backpressure: polling waits while `limit` updates are unfinished.

    PTB takes each update off the queue at once and gives it a task, so a bounded queue never
    fills; this counts updates until PTB marks them done. 10,000 people pressing /start at the
    same moment then wait at Telegram (which keeps updates for a day), not in our memory.
    """

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.unfinished = 0
        self._room = asyncio.Event()
        self._room.set()

    def has_room_for(self, count: int) -> bool:
        """True if `count` more updates still leave room below the limit."""
        return self.unfinished + count < self.limit

    async def put(self, item: object) -> None:
        while self.unfinished >= self.limit:
            self._room.clear()
            await self._room.wait()
        self.unfinished += 1
        await super().put(item)

    def task_done(self) -> None:
        super().task_done()
        self.unfinished -= 1
        if self.unfinished < self.limit:
            self._room.set()


async def storage_call(
    in_thread: bool, function: Callable[..., Result], *args: Any, **kwargs: Any
) -> Result:
    """Runs a call of the synchronous conversation service in a thread or in the event loop.

    Measured with `python -m benchmarks.storage_offload` (200 people at once, 50 ms between
    taps, this 2-core machine): on SQLite a call is ~2 ms of pure CPU and runs fastest in the
    loop (441 taps/s at 2.2 ms CPU per tap, against 349 taps/s at 2.7 ms in a thread: the GIL
    gives a thread no parallelism, only hand-over cost). On PostgreSQL each call waits on the
    network and on other workers' row locks; in the loop that wait stalls everyone (loop lag
    p99 1.9 s), in a thread the loop stays responsive (p99 11 ms) at better throughput (229
    against 204 taps/s). So: SQLite in the loop, database servers in a thread.
    """
    if in_thread:
        return await asyncio.to_thread(function, *args, **kwargs)
    return function(*args, **kwargs)


def storage_in_thread(database_url: str) -> bool:
    """True for a database server (network and lock waits), False for SQLite (pure CPU)."""
    return not database_url.startswith("sqlite")
