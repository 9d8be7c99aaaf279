"""The targets beyond throughput: memory with many open interviews, restart, HR report time."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from benchmarks.botapi import BotMessage, LeanBotApi
from benchmarks.hr_report import ORGANISATION, generate
from benchmarks.load import Config, wait_until_polling
from benchmarks.process import start_bot
from benchmarks.respondents import Crowd
from dialogues.loader import default_dialogue
from reports.hr import build_report
from storage.db import make_engine, sqlite_url

PATIENCE = 4.0  # seconds of silence after which a person presses again
PRESS_AGAIN_TIMES = 5
PROBE = {"id": 9_999_999, "is_bot": False, "first_name": "Probe", "language_code": "nl"}
FINISHER_ID = 9_000_000  # below the crowd's ids


async def finish_one_scan(api: LeanBotApi, *, first_user_id: int, timeout: float) -> None:
    """One person answers every question and gets the summary (with its chart)."""
    one = Crowd(api, 1, first_user_id=first_user_id)
    one.start()
    deadline = time.monotonic() + timeout
    while not one.finished:
        if time.monotonic() > deadline:
            raise TimeoutError(f"one scan not finished within {timeout:.0f} s")
        await asyncio.sleep(0.1)


@dataclass
class MemoryResult:
    what: str
    stored: int
    open_interviews: int
    start_mb: float
    peak_mb: float
    seconds: float
    note: str = ""


async def memory_with_open_interviews(
    config: Config,
    *,
    open_interviews: int,
    stored: int,
    work_dir: Path,
    max_seconds: float,
    what: str,
    wave: int = 0,
    finished_first: bool = False,
) -> MemoryResult:
    """Peak RSS once `open_interviews` people started (and consented), over `stored` finished.

    With `finished_first`, one person first completes the scan, so the bot has drawn a
    summary chart (and loaded the library that draws it) before the crowd comes.
    """
    data_dir = work_dir / f"memory-{open_interviews}-{stored}-{wave}-{int(finished_first)}"
    data_dir.mkdir(parents=True, exist_ok=True)
    if stored:
        engine = make_engine(sqlite_url(data_dir))
        generate(engine, stored)
        engine.dispose()
    log = data_dir / "bot.log"
    async with LeanBotApi(delay_ms=0) as api:
        bot = await start_bot(config.bot, api.base_url, data_dir, log, **config.env)
        try:
            await wait_until_polling(api, bot, log, timeout=60)
            if finished_first:
                await finish_one_scan(api, first_user_id=FINISHER_ID, timeout=60)
            crowd = Crowd(api, open_interviews, stop_after_taps=1)
            await asyncio.sleep(1.0)
            start_mb = bot.rss_mb()
            everyone = list(crowd.respondents)
            deadline = time.monotonic() + max_seconds
            for first in range(0, len(everyone), wave or len(everyone)):
                crowd.start(everyone[first : first + (wave or len(everyone))])
                while time.monotonic() < deadline and not crowd.all_settled:
                    await asyncio.sleep(0.2)
            opened = sum(1 for r in crowd.respondents.values() if r.tapped_at is None)
            seconds = time.monotonic() - crowd.started_at
            peak = bot.peak_mb()
        finally:
            await bot.stop()
    note = "" if opened == open_interviews else f"only {opened} opened in {max_seconds:.0f} s"
    return MemoryResult(what, stored, opened, start_mb, peak, seconds, note)


@dataclass
class RestartResult:
    open_at_kill: int
    to_first_poll_s: float
    to_first_reply_s: float
    resumed: int
    checked: int
    lost: int
    pressed_again: int
    note: str = ""


def question_of(data: str) -> str:
    return data.split(":", 2)[1]


class FirstQuestionAfter:
    """Notes, per person, where the first question after a restart stands in the dialogue.

    A message without a question (a hint, or the final message) is noted as heard only: a
    hint is followed by the question it points back to, the final message by nothing.
    """

    def __init__(self, seen_before: dict[int, int], crowd: Crowd) -> None:
        self.order = {q.id: n for n, q in enumerate(default_dialogue().questions)}
        self.seen_before = seen_before
        self.crowd = crowd
        self.first: dict[int, int] = {}
        self.first_at: dict[int, float] = {}
        self.heard: set[int] = set()

    def __call__(self, message: BotMessage) -> None:
        chat = message.chat_id
        answers = [d for d in message.buttons if d.startswith("a:")]
        if message.method == "sendmessage":
            if answers and chat not in self.first:
                self.first[chat] = self.order[question_of(answers[0])]
                self.first_at[chat] = time.monotonic()
            if answers or self.seen_before.get(chat, -1) >= 0:  # a welcome precedes a question
                self.heard.add(chat)
        self.crowd.receive(message)

    def resumed(self, user_id: int) -> bool:
        """Went on: a later question than the last one seen, or the end without any question."""
        if user_id in self.first:
            return self.first[user_id] > self.seen_before[user_id]
        return user_id in self.heard and self.crowd.respondents[user_id].done


async def restart(
    config: Config, *, respondents: int, delay_ms: float, run_before_kill: float, work_dir: Path
) -> RestartResult:
    """Kills the bot under load, starts it again and checks every open interview goes on.

    A respondent is resumed when the first question after the restart comes later in the
    dialogue than the one they last saw (nobody is sent back, nobody gets a hint instead).
    """
    order = {q.id: n for n, q in enumerate(default_dialogue().questions)}
    data_dir = work_dir / "restart"
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "bot.log"
    async with LeanBotApi(delay_ms) as api:
        crowd = Crowd(api, respondents)
        bot = await start_bot(config.bot, api.base_url, data_dir, log, **config.env)
        await wait_until_polling(api, bot, log, timeout=60)
        await asyncio.sleep(1.0)
        crowd.start()
        await asyncio.sleep(run_before_kill)
        await bot.kill()
        open_ids = [user_id for user_id, r in crowd.respondents.items() if not r.done]
        seen_before = {
            user_id: order[question_of(r.last_question.buttons[0])] if r.last_question else -1
            for user_id, r in crowd.respondents.items()
        }
        watch = FirstQuestionAfter(seen_before, crowd)
        api.on_message = watch
        api.first_poll.clear()
        api.reset_counts()
        started = time.monotonic()
        bot = await start_bot(config.bot, api.base_url, data_dir, log, **config.env)
        # Someone new writes the moment the bot comes back: serving means answering them.
        api.command(PROBE, "/start")
        try:
            await wait_until_polling(api, bot, log, timeout=60)
            to_poll = time.monotonic() - started
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and PROBE["id"] not in watch.first_at:
                await asyncio.sleep(0.01)
            to_reply = watch.first_at.get(PROBE["id"], float("nan")) - started
            lost = await wait_for_replies(api, watch, open_ids, quiet=PATIENCE)
            lost_at_kill, pressed_again = len(lost), 0
            for _ in range(PRESS_AGAIN_TIMES):  # as people do: press again while nothing comes
                for user_id in lost:
                    crowd.press_again(user_id)
                pressed_again += len(lost)
                lost = await wait_for_replies(api, watch, lost, quiet=PATIENCE)
        finally:
            await bot.stop()
    resumed = sum(1 for user_id in open_ids if watch.resumed(user_id))
    note = f"{len(lost)} never got a reply" if lost else ""
    return RestartResult(
        len(open_ids), to_poll, to_reply, resumed, len(open_ids), lost_at_kill, pressed_again, note
    )


async def wait_for_replies(
    api: LeanBotApi, watch: FirstQuestionAfter, open_ids: list[int], quiet: float
) -> list[int]:
    """Waits until everyone heard from the bot or it sent nothing for `quiet` seconds.

    Returns who heard nothing: their press was lost with the killed process.
    """
    last_count, last_change = -1, time.monotonic()
    while any(i not in watch.heard for i in open_ids):
        count = sum(api.calls.values())
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > quiet:
            break
        await asyncio.sleep(0.1)
    return [i for i in open_ids if i not in watch.heard]


@dataclass
class HrResult:
    respondents: int
    generate_s: float
    report_s: float
    shown: int
    hidden: int


def hr_report_timing(people: int, work_dir: Path, repeat: int = 3) -> HrResult:
    """Generates `people` finished respondents in a fresh SQLite file and times the report.

    The best of `repeat` runs: on a shared machine the slower ones measure the neighbours.
    """
    data_dir = work_dir / f"hr-{people}"
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(sqlite_url(data_dir))
    started = time.perf_counter()
    generate(engine, people)
    generated = time.perf_counter() - started
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        with Session(engine) as session:
            report = build_report(session, min_group=5, organisation=ORGANISATION)
        timings.append(time.perf_counter() - started)
    engine.dispose()
    took = min(timings)
    shown = sum(1 for g in report.groups if g.people is not None)
    hidden = sum(1 for g in report.groups if g.people is None)
    return HrResult(people, generated, took, shown, hidden)
