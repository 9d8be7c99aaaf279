"""The processing model: different people at the same time, one person's updates in order.

PTB runs updates one at a time by default, which caps the whole bot at one Telegram round trip
per update. `PersonOrder` implements PTB's `BaseUpdateProcessor` contract: PTB's own limit
bounds the updates in flight, a lock per person keeps each person's updates in arrival order,
and a semaphore bounds how many people are served at once. A person's later update waits on
their lock before it takes a seat, so someone tapping fast (or flooding) holds one seat at most.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)


def respondent_key(update: object) -> int | None:
    """Whose update this is: the person (their data is keyed on them), else the chat."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None


@dataclass
class _Turns:
    """One person's updates: the lock they take in turn, and how many are waiting or running."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    queued: int = 0
    told: bool = False


class PersonOrder(BaseUpdateProcessor):
    """Processes different people's updates concurrently and each person's in arrival order.

    `in_flight` is PTB's own limit (updates held at once); `people_at_once` bounds the people
    being served. Beyond `per_person` updates waiting for one person, the extra ones are
    dropped, and `on_flood` is called once for that burst so the person can be told.
    """

    def __init__(
        self,
        *,
        in_flight: int,
        people_at_once: int,
        per_person: int,
        on_flood: Callable[[Update], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(in_flight)
        self._seats = asyncio.BoundedSemaphore(people_at_once)
        self._per_person = per_person
        self._on_flood = on_flood
        self._turns: dict[int, _Turns] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Waits for this person's earlier updates, then for a seat, then runs the update."""
        key = respondent_key(update)
        if key is None:
            async with self._seats:
                await _run(coroutine)
            return
        turns = self._turns.setdefault(key, _Turns())
        if turns.queued >= self._per_person:
            _close(coroutine)
            await self._flooded(update, turns)
            return
        turns.queued += 1
        try:
            async with turns.lock, self._seats:
                await _run(coroutine)
        finally:
            turns.queued -= 1
            if turns.queued == 0:
                del self._turns[key]

    async def _flooded(self, update: object, turns: _Turns) -> None:
        if turns.told:
            return
        turns.told = True  # once per burst: the entry goes when their backlog is done
        log.warning("one person sent more than %d updates at once: dropping", self._per_person)
        if self._on_flood is None or not isinstance(update, Update):
            return
        try:
            await self._on_flood(update)
        except Exception:
            log.exception("could not tell a flooding person to slow down")

    async def initialize(self) -> None:
        """Nothing to set up: turns appear and disappear with the people being served."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB waits for the running tasks."""


async def _run(coroutine: Awaitable[Any]) -> None:
    try:
        await coroutine
    except Exception:  # PTB hands handler errors to the error handler; this is a last net
        log.exception("update processing failed")


def _close(coroutine: Awaitable[Any]) -> None:
    if asyncio.iscoroutine(coroutine):
        coroutine.close()  # never awaited: closing it avoids a 'never awaited' warning


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
