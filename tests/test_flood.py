"""One person flooding the real bot (default limits) while fifty others take the whole scan."""

from __future__ import annotations

import asyncio
import time
from functools import partial
from pathlib import Path
from typing import Any

from bot.settings import Settings
from tests.fakebotapi import FakeBotApi, FakeUser, keyboard_of
from tests.harness import bot_in_this_loop, start_and_consent

FLOOD = 2_000
PEOPLE = 50
WALL = 240.0  # seconds for everything; generous, so a slow CI machine passes but never hangs
STEP = 60.0  # seconds one person waits for their next question before the test gives up
PER_PERSON = Settings.model_fields["max_updates_per_person"].default
SLOW_DOWN = "Je stuurt veel berichten"
HINT = "Antwoorden gaat met de knoppen"  # the reply to a text message the bot got round to
SUMMARY = "Klaar! Dit is jouw uitslag."


def finished(user: FakeUser) -> bool:
    return any(SUMMARY in m.get("plain", "") for m in user.messages)


def newest_question(user: FakeUser) -> dict[str, Any] | None:
    return next((m for m in reversed(user.messages) if keyboard_of(m)), None)


def moved_past(asked: int, user: FakeUser) -> bool:
    """Whether the person has a question newer than the one they tapped, or their summary."""
    question = newest_question(user)
    return finished(user) or (question is not None and question["message_id"] > asked)


def count(user: FakeUser, text: str) -> int:
    return sum(text in m.get("plain", "") for m in user.messages)


async def scan(user: FakeUser, pick: int) -> float:
    """Takes the whole scan, tapping each new question once; returns when the summary came."""
    await user.send("/start")
    asked = 0
    while not finished(user):
        # A question is tapped once: the next tap waits for a newer question or the summary.
        await user.wait_for(partial(moved_past, asked), timeout=STEP)
        question = newest_question(user)
        if finished(user) or question is None:
            break
        labels = [b for b in user.buttons() if not b.startswith("⬅️")]
        asked = question["message_id"]
        await user.tap_on(asked, labels[min(pick, len(labels) - 2)])
    return time.perf_counter()


async def flood(user: FakeUser) -> float:
    """Sends FLOOD texts as fast as the server takes them; returns when the last was sent."""
    for n in range(FLOOD):
        await user.send(f"bericht {n}")
        await asyncio.sleep(0)  # `send` never waits: yield, so the flood interleaves with the rest
    return time.perf_counter()


async def test_one_person_sending_2000_messages_holds_up_none_of_50_others(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    """All 50 finish their scan while one person floods, within a bounded time."""
    flo = api.user(9001, "Flo")
    others = [api.user(9100 + n, f"P{n}") for n in range(PEOPLE)]

    async def everything() -> tuple[float, float, list[float]]:
        timings: tuple[float, float, list[float]] | None = None
        # No return inside the loop: the bot stops only when the loop ends.
        async for _ in bot_in_this_loop(api, tmp_path, database_url=database_url):
            await start_and_consent(api, flo)  # mid-scan, so each answered text gets the hint
            started = time.perf_counter()
            flooding = asyncio.create_task(flood(flo))
            done = await asyncio.gather(*(scan(user, n % 4) for n, user in enumerate(others)))
            flood_sent = await flooding
            await api.settle(timeout=60)  # the flooder's accepted backlog is answered too
            timings = started, flood_sent, done
        assert timings is not None, "the bot did not start"
        return timings

    started, flood_sent, done = await asyncio.wait_for(everything(), WALL)
    ended = time.perf_counter()

    assert all(finished(user) for user in others)
    slow_downs, hints = count(flo, SLOW_DOWN), count(flo, HINT)
    assert slow_downs >= 1, "the flooder was told to slow down"
    # Told once per burst: a new burst needs the backlog of PER_PERSON answered first.
    assert slow_downs * PER_PERSON <= hints < FLOOD, "the backlog is answered, the rest dropped"
    assert api.rejected == []
    assert api.unanswered_callback_queries() == []
    print(
        f"\n{PEOPLE} scans during a flood of {FLOOD}: all done {max(done) - started:.1f} s "
        f"(first {min(done) - started:.1f} s), flood sent in {flood_sent - started:.1f} s, "
        f"wall {ended - started:.1f} s; {hints} texts answered, {slow_downs} slow-down replies"
    )
