"""Conversation-service calls in the event loop or in a thread: throughput, CPU and loop lag.

    .venv/bin/python -m benchmarks.storage_offload [--people 20 200] [--database-url URL]

N simulated people answer the whole scan at once through the synchronous conversation service,
waiting one round trip (50 ms) between taps as a Telegram user would. The same load runs with
each call made in the event loop and with each call handed to a thread (`asyncio.to_thread`).
Loop lag is how late a 10 ms timer fires: what every other person would wait on top.
Decides `bot.processing.storage_in_thread`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.service.conversation import Conversation
from bot.service.outcome import Person, answer_data
from dialogues.loader import default_dialogue
from storage.db import make_engine, sqlite_url

ROUND_TRIP = 0.05


async def run(conversation: Conversation, people: int, in_thread: bool) -> tuple[float, ...]:
    """Returns taps per second, CPU ms per tap and loop lag p50/p99 in ms."""
    update_ids = itertools.count(
        time.time_ns() // 1000
    )  # never seen before, even on a shared database
    lags: list[float] = []

    async def call(function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(function, *args) if in_thread else function(*args)

    async def person(number: int) -> int:
        who = f"{time.time_ns()}-{number}"
        outcome = await call(conversation.start, Person("telegram", who, "nl", next(update_ids)))
        taps = 0
        while (reply := outcome.replies[-1]).template == "question":
            question = reply.data["question"]
            await asyncio.sleep(ROUND_TRIP)
            tap = Person("telegram", who, "nl", next(update_ids))
            outcome = await call(
                conversation.press, tap, answer_data(question.id, question.options[0].value)
            )
            taps += 1
        return taps

    async def watch_the_loop() -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - before - 0.01)

    watcher = asyncio.create_task(watch_the_loop())
    started, cpu = time.perf_counter(), time.process_time()
    taps = sum(await asyncio.gather(*(person(n) for n in range(people))))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    watcher.cancel()
    lags.sort()
    return (
        taps / wall,
        cpu / taps * 1000,
        lags[len(lags) // 2] * 1000,
        lags[-len(lags) // 100] * 1000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--database-url", help="default: a fresh SQLite file per run")
    args = parser.parse_args()
    print(
        f"{'where':>7} {'people':>7} {'taps/s':>7} {'CPU ms/tap':>11} {'lag p50':>8} {'lag p99':>8}"
    )
    for people in args.people:
        for in_thread in (False, True):
            with tempfile.TemporaryDirectory() as folder:
                engine = make_engine(args.database_url or sqlite_url(Path(folder)))
                conversation = Conversation(engine, default_dialogue(), "b" * 64)
                rate, cpu, p50, p99 = asyncio.run(run(conversation, people, in_thread))
                where = "thread" if in_thread else "loop"
                print(f"{where:>7} {people:>7} {rate:>7.0f} {cpu:>11.2f} {p50:>8.1f} {p99:>8.1f}")


if __name__ == "__main__":
    main()
