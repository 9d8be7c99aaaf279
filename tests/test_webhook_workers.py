"""Two webhook worker processes (`python -m bot webhook`) behind a load balancer, one database.

The local Bot API server posts updates to the two workers in turn, as a load balancer would,
so one person's taps alternate between them. Every answer must arrive exactly once and in
order; a worker killed in the middle of an update must lose nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import Result
from tests.fakebotapi import FakeBotApi, FakeUser
from tests.flow import WORKER_TAPS
from tests.harness import (
    answer_all,
    shows_summary,
    start_and_consent,
    start_webhook_worker,
    stored_answers,
    wait_until_serving,
)

CROWD = 8
FAILURE_MARKS = ("Traceback", " ERROR ", " CRITICAL ", "database is locked")


@dataclass
class Worker:
    process: asyncio.subprocess.Process
    url: str
    log: Path


@pytest.fixture
async def workers(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> AsyncIterator[list[Worker]]:
    """Two webhook workers on one database, with the fake server balancing between them."""
    started: list[Worker] = []
    try:
        for number in (1, 2):  # one after the other: the first one makes the tables
            log = tmp_path / f"worker-{number}.log"
            process, url = await start_webhook_worker(api, tmp_path, log, DATABASE_URL=database_url)
            started.append(Worker(process, url, log))
            await wait_until_serving(url)
        await api.wait_for_webhook()
        api.balance_between([worker.url for worker in started])
        yield started
    finally:
        for worker in started:
            with contextlib.suppress(ProcessLookupError):
                worker.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(worker.process.wait(), 20)


def questions_seen(user: FakeUser) -> list[str]:
    """The 'Vraag n van m' lines the person got, in order."""
    return [m["plain"].split("\n")[0] for m in user.messages if m["plain"].startswith("Vraag ")]


def failures_in(worker: Worker) -> list[str]:
    text = worker.log.read_text() if worker.log.exists() else ""
    return [line for line in text.splitlines() if any(mark in line for mark in FAILURE_MARKS)]


async def test_taps_alternating_between_two_workers_arrive_once_and_in_order(
    api: FakeBotApi, database_url: str, workers: list[Worker]
) -> None:
    lea = api.user(8401, "Lea")
    await start_and_consent(api, lea)
    await api.settle()
    await lea.tap("👷 Medewerker")
    await api.settle()
    taps = 2 + await answer_all(api, lea, pick=2)

    assert taps == WORKER_TAPS
    assert "Klaar! Dit is jouw uitslag." in lea.last["plain"]
    assert all(outcome == 200 for _, _, outcome in api.webhook_deliveries)
    targets = [target for _, target, _ in api.webhook_deliveries]
    assert len(targets) == taps + 1  # /start and every tap, each acknowledged once
    assert all(a != b for a, b in pairwise(targets)), "alternating"
    seen = questions_seen(lea)
    assert len(seen) == len(set(seen)), "no question twice"
    numbers = [int(line.split()[1]) for line in seen]
    assert numbers == sorted(numbers), "in order"
    answers = stored_answers(database_url)
    assert len(answers) == len(set(answers)) == WORKER_TAPS
    engine = make_engine(database_url)
    with Session(engine) as session:
        assert len(session.exec(select(Result)).all()) == 1
    engine.dispose()
    assert api.rejected == []
    assert api.unanswered_callback_queries() == []
    assert [line for worker in workers for line in failures_in(worker)] == []


async def test_a_worker_killed_mid_update_loses_nothing(
    api: FakeBotApi, database_url: str, workers: list[Worker]
) -> None:
    max_ = api.user(8402, "Max")
    await start_and_consent(api, max_)
    await api.settle()
    held = api.hold_next("sendMessage", chat_id=max_.id)
    await max_.tap("👷 Medewerker")
    await asyncio.wait_for(held.reached.wait(), 20)
    # The answer is stored; the next question is on its way out when the worker dies.
    ((tap, serving),) = api.webhook_in_flight.items()
    victim = next(worker for worker in workers if worker.url == serving)
    victim.process.send_signal(signal.SIGKILL)
    await victim.process.wait()
    await max_.wait_for(lambda user: "Vraag 2 van" in user.last.get("plain", ""), timeout=20)
    held.release()  # the dead worker's call: dropped, nobody is waiting for it any more
    await api.settle()
    await answer_all(api, max_, pick=1)  # the survivor serves the rest

    assert "Klaar! Dit is jouw uitslag." in max_.last["plain"]
    outcomes = [(target, outcome) for u, target, outcome in api.webhook_deliveries if u == tap]
    assert outcomes[0][0] == serving and outcomes[0][1] != 200
    assert outcomes[-1][1] == 200
    seen = questions_seen(max_)
    assert len(seen) == len(set(seen)), "no question twice"
    answers = stored_answers(database_url)
    assert len(answers) == len(set(answers)) == WORKER_TAPS
    assert ("rol", "medewerker") in answers
    assert api.rejected == []
    assert api.unanswered_callback_queries() == []
    survivor = next(worker for worker in workers if worker is not victim)
    assert failures_in(survivor) == []


async def test_many_people_at_once_on_two_workers_each_get_every_answer_once(
    api: FakeBotApi, database_url: str, workers: list[Worker]
) -> None:
    people = [api.user(8500 + n, f"Persoon{n}") for n in range(CROWD)]

    async def interview(user: FakeUser, pick: int) -> int:
        taps = 0
        await user.send("/start")
        await user.wait_for(lambda u: bool(u.buttons()), timeout=30)
        while user.last.get("reply_markup") and not shows_summary(user):
            labels = [b for b in user.buttons() if not b.startswith("⬅️")]
            asked = user.last["message_id"]
            await user.tap(labels[min(pick, len(labels) - 2)])
            taps += 1
            await user.wait_for(lambda u, asked=asked: u.last["message_id"] > asked, timeout=30)
        return taps

    taps = await asyncio.gather(*(interview(user, n % 4) for n, user in enumerate(people)))
    await api.settle()

    assert len(stored_answers(database_url)) == sum(taps)
    for user in people:
        assert "Klaar! Dit is jouw uitslag." in user.last["plain"]
        seen = questions_seen(user)
        assert len(seen) == len(set(seen)), "no question twice"
    served = {target for _, target, _ in api.webhook_deliveries}
    assert served == {worker.url for worker in workers}
    assert api.rejected == []
    assert api.unanswered_callback_queries() == []
    assert [line for worker in workers for line in failures_in(worker)] == []
