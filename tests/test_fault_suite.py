"""Fault suite: the real bot process is SIGKILLed at random moments during many interviews.

One bot process (`python -m bot telegram`) polls the local Bot API server. A group of simulated
people answer the whole scan at the same time, each with a fixed answer per question. A killer
SIGKILLs the process at random moments and starts it again. People behave as real people do
when a bot goes quiet: wait, tap the same button again, then send /start. At the end every
person must have exactly one finished scan holding exactly the answers they gave, with a result;
Telegram must not have refused anything and the bot must not have logged a failure.

Known and accepted: PTB's long polling confirms an update before it is handled, so a kill can
lose a tap in flight. The person taps again; that is no lost answer as long as the stored
answer is the one they meant. The seed can be changed with FAULT_SEED=<n>.

Known bug, counted here as "summaries not shown" and pinned down by the xfail test at the end:
a kill after the last answer is stored but before the summary is sent loses the summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from bot.service.outcome import ANSWER_PREFIX
from dialogues.loader import default_dialogue
from statemachine import Interview
from storage.db import make_engine
from storage.identity import pseudonym
from storage.models import Answer, Respondent, Result, Scan
from storage.secrets import KEY_FILE
from tests.fakebotapi import FakeBotApi, FakeUser, keyboard_of
from tests.harness import start_bot_process

SEED = int(os.environ.get("FAULT_SEED", "20250607"))
PEOPLE = 20
KILLS = 10
KILL_AFTER = (0.2, 2.0)  # seconds from the bot polling again to the next SIGKILL
STARTUP_KILLS = 0.2  # the share of kills that come while the bot starts up
STARTUP_KILL_AFTER = (0.05, 0.7)  # seconds from a (re)start to such a kill
READY_TIMEOUT = 30.0  # seconds a restarted bot may take to poll again
DEAD_FOR = (0.05, 0.8)  # seconds the bot stays dead
THINK = (0.05, 0.5)  # seconds a person reads before tapping
ARRIVE = (0.0, 4.0)  # seconds before a person sends their first /start
PATIENCE = 2.5  # seconds a person waits for the next question before acting
MAX_PATIENCE = 10.0  # after each /start without effect a person waits twice as long
OVERALL_TIMEOUT = 120.0

DIALOGUE = default_dialogue()
TEXTS = DIALOGUE.locale("nl").messages
CONSENT = DIALOGUE.questions[0]
CONSENT_YES = next(o.value for o in CONSENT.options if not o.ends_interview)
SUMMARY = TEXTS["summary_title"]  # "🎉 Klaar! Dit is jouw uitslag."
ALREADY_DONE = TEXTS["already_done"]  # /start after the last answer was stored
FAILURE_MARKS = ("Traceback", " ERROR ", " CRITICAL ")


# -- reading the chat ------------------------------------------------------------------------


def answer_buttons(message: dict[str, Any]) -> dict[str, str]:
    """Label -> callback data of the answer buttons of a message (never ⬅️ Terug or nav)."""
    return {
        button["text"]: button["callback_data"]
        for row in keyboard_of(message)
        for button in row
        if str(button.get("callback_data", "")).startswith(f"{ANSWER_PREFIX}:")
    }


def parse_answer(data: str) -> tuple[str, str]:
    """Question id and value from answer callback data `a:<question>:<value>`."""
    _, question_id, value = data.split(":", 2)
    return question_id, value


def latest_question(user: FakeUser) -> dict[str, Any] | None:
    """The most recent message that asks a question with answer buttons."""
    return next((m for m in reversed(user.messages) if answer_buttons(m)), None)


def ending_of(user: FakeUser) -> str | None:
    for message in user.messages:
        plain = str(message.get("plain", ""))
        if SUMMARY in plain:
            return "summary"
        if ALREADY_DONE in plain:
            return "already_done"
    return None


async def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.02)
    return True


# -- the bot process and its killer ----------------------------------------------------------


@dataclass
class BotProcess:
    """The bot as a child process; every incarnation writes its stderr to its own file."""

    api: FakeBotApi
    data_dir: Path
    database_url: str
    process: asyncio.subprocess.Process | None = None
    stderr_files: list[Path] = field(default_factory=list)
    _calls_at_start: int = 0

    def is_polling(self) -> bool:
        """True once this incarnation asked for updates: it is up and serving."""
        calls = self.api.calls[self._calls_at_start :]
        return any(method.lower() == "getupdates" for method, _ in calls)

    async def polling(self) -> None:
        while not self.is_polling():
            await asyncio.sleep(0.02)

    async def start(self) -> None:
        path = self.data_dir / f"bot-stderr-{len(self.stderr_files)}.log"
        self.stderr_files.append(path)
        self._calls_at_start = len(self.api.calls)
        self.process = await start_bot_process(
            self.api, self.data_dir, log=path, DATABASE_URL=self.database_url
        )

    async def stop(self, sig: signal.Signals, timeout: float = 20) -> int | None:
        process, self.process = self.process, None
        if process is None:
            return None
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        try:
            code = await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            code = await process.wait()
        return code

    def failures(self) -> list[str]:
        """Log lines of every incarnation that show a failure (a SIGKILL leaves none)."""
        found = []
        for path in self.stderr_files:
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if any(mark in line for mark in FAILURE_MARKS):
                    found.append(f"{path.name}:{number}: {line}")
        return found


@dataclass
class Kills:
    """What the killer did: kills in all, and how many hit the bot starting or mid-tap."""

    total: int = 0
    during_startup: int = 0
    with_taps_pending: int = 0


async def killer(bot: BotProcess, rng: random.Random, kills: int, done: asyncio.Event) -> Kills:
    """SIGKILLs the bot at random moments and starts it again, `kills` times at most.

    Most kills come at a random moment after the bot polls again; some while it starts up.
    """
    record = Kills()
    abandoned: set[str] = set()  # taps a previous kill left unanswered for good
    while record.total < kills:
        in_startup = rng.random() < STARTUP_KILLS
        delay = rng.uniform(*(STARTUP_KILL_AFTER if in_startup else KILL_AFTER))
        if not in_startup:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(bot.polling(), READY_TIMEOUT)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), delay)
        if done.is_set():
            break
        starting = not bot.is_polling()
        pending = set(bot.api.unanswered_callback_queries()) - abandoned
        await bot.stop(signal.SIGKILL)
        record.total += 1
        record.during_startup += starting
        record.with_taps_pending += bool(pending)
        abandoned |= pending
        await asyncio.sleep(rng.uniform(*DEAD_FOR))
        await bot.start()
    return record


# -- a simulated person ----------------------------------------------------------------------


@dataclass
class Person:
    """Someone who answers every question with the answer they mean, whatever the bot does."""

    user: FakeUser
    seed: str
    intent: dict[str, str] = field(default_factory=dict)
    taps: int = 0
    retaps: int = 0
    restarts: int = 0  # /start sent because the bot went quiet
    ending: str | None = None

    def choose(self, question_id: str, buttons: dict[str, str]) -> str:
        """The answer this person means for the question, picked once by option label."""
        if question_id not in self.intent:
            if question_id == CONSENT.id:
                value = CONSENT_YES
            else:
                label = random.Random(f"{self.seed}:{question_id}").choice(sorted(buttons))
                value = parse_answer(buttons[label])[1]
            self.intent[question_id] = value
        return self.intent[question_id]

    async def interview(self) -> None:
        rng = random.Random(f"{self.seed}:think")
        user = self.user
        await asyncio.sleep(rng.uniform(*ARRIVE))
        await user.send("/start")
        tapped: dict[str, Any] | None = None
        retapped = False
        patience = PATIENCE

        def moved_on() -> bool:
            if ending_of(user) is not None:
                return True
            question = latest_question(user)
            return question is not None and (
                tapped is None or question["message_id"] > tapped["message_id"]
            )

        while True:
            if await wait_until(moved_on, patience):
                patience = PATIENCE
                if (ending := ending_of(user)) is not None:
                    self.ending = ending
                    return
                question = latest_question(user)
                assert question is not None
                buttons = answer_buttons(question)
                question_id = parse_answer(next(iter(buttons.values())))[0]
                value = self.choose(question_id, buttons)
                label = next(k for k, v in buttons.items() if parse_answer(v)[1] == value)
                await asyncio.sleep(rng.uniform(*THINK))
                if not answer_buttons(question):  # a newer copy took its buttons: read again
                    continue
                await user.tap_on(question["message_id"], label)
                self.taps += 1
                tapped, retapped = question, False
            elif tapped is not None and not retapped and answer_buttons(tapped):
                # The bot went quiet: tap the same button again, as people do.
                question_id = parse_answer(next(iter(answer_buttons(tapped).values())))[0]
                label = next(
                    k
                    for k, v in answer_buttons(tapped).items()
                    if parse_answer(v)[1] == self.intent[question_id]
                )
                await user.tap_on(tapped["message_id"], label)
                self.retaps += 1
                retapped = True
            else:
                await user.send("/start")
                self.restarts += 1
                patience = min(patience * 2, MAX_PATIENCE)  # a busy or dead bot: wait longer


# -- the suite -------------------------------------------------------------------------------


@dataclass
class Stored:
    """What the database holds for one person."""

    scans: int
    finished: bool
    answers: dict[str, str]
    duplicates: int
    has_result: bool


def read_storage(
    database_url: str, data_dir: Path, people: list[Person]
) -> tuple[dict[int, Stored], int]:
    """Per person (by Telegram id) what is stored, and the total number of scans."""
    engine = make_engine(database_url)
    stored: dict[int, Stored] = {}
    with Session(engine) as session:
        key = json.loads((data_dir / KEY_FILE).read_text())["pseudonym_key"]
        total_scans = len(session.exec(select(Scan)).all())
        for person in people:
            name = pseudonym(key=key, channel="telegram", external_id=str(person.user.id))
            mine = select(Respondent).where(Respondent.pseudonym == name)
            respondent = session.exec(mine).first()
            scans = (
                session.exec(select(Scan).where(Scan.respondent_id == respondent.id)).all()
                if respondent is not None
                else []
            )
            rows = [
                row
                for scan in scans
                for row in session.exec(select(Answer).where(Answer.scan_id == scan.id)).all()
            ]
            per_question = Counter((row.scan_id, row.question_id) for row in rows)
            results = [
                session.exec(select(Result).where(Result.scan_id == scan.id)).first()
                for scan in scans
            ]
            stored[person.user.id] = Stored(
                scans=len(scans),
                finished=len(scans) == 1
                and scans[0].state == "done"
                and scans[0].finished_at is not None,
                answers={row.question_id: row.value for row in rows},
                duplicates=sum(count - 1 for count in per_question.values()),
                has_result=any(result is not None for result in results),
            )
    engine.dispose()
    return stored, total_scans


async def test_interviews_survive_random_sigkills(tmp_path: Path, database_url: str) -> None:
    started = time.monotonic()
    master = random.Random(SEED)
    async with FakeBotApi() as api:
        bot = BotProcess(api, tmp_path, database_url)
        people = [
            Person(api.user(710_000 + n, f"Persoon{n}"), seed=f"{SEED}:{n}") for n in range(PEOPLE)
        ]
        done = asyncio.Event()
        await bot.start()
        kill_task = asyncio.create_task(killer(bot, random.Random(master.random()), KILLS, done))
        try:
            interviews = asyncio.gather(*(person.interview() for person in people))
            try:
                await asyncio.wait_for(interviews, OVERALL_TIMEOUT)
            finally:
                done.set()
                kills = await asyncio.wait_for(kill_task, 30)
            await api.settle(quiet=0.5, timeout=20)
        finally:
            done.set()
            kill_task.cancel()
            exit_code = await bot.stop(signal.SIGTERM)
        rejected = list(api.rejected)
        unanswered = api.unanswered_callback_queries()

    stored, total_scans = read_storage(database_url, tmp_path, people)
    expected = sum(len(p.intent) for p in people)
    lost = sum(
        1
        for p in people
        for qid, value in p.intent.items()
        if stored[p.user.id].answers.get(qid) != value
    )
    extra = sum(len(set(stored[p.user.id].answers) - set(p.intent)) for p in people)
    doubled = sum(s.duplicates for s in stored.values()) + extra
    summaries_lost = sum(1 for p in people if p.ending != "summary")
    failures = bot.failures()
    print(
        f"\nfault suite (seed {SEED}): {len(people)} interviews, {kills.total} kills "
        f"({kills.with_taps_pending} with taps pending, {kills.during_startup} in start-up), "
        f"{expected} answers expected, {lost} lost, {doubled} doubled, "
        f"{len(rejected)} rejected, {sum(p.retaps for p in people)} re-taps, "
        f"{sum(p.restarts for p in people)} /start re-sends, "
        f"{len(unanswered)} taps never answered, {summaries_lost} summaries not shown, "
        f"{len(failures)} failure log lines, {time.monotonic() - started:.1f} s"
    )

    for person in people:
        if person.ending != "summary":  # known: the kill came between the last answer and its reply
            tail = [str(m.get("plain", ""))[:70] for m in person.user.messages[-3:]]
            print(f"  no summary shown to {person.user.id}; the chat ends with {tail}")

    assert kills.total == KILLS, f"the interviews ended after only {kills.total} kills"
    assert exit_code == 0, f"the bot did not stop cleanly on SIGTERM: {exit_code}"
    assert rejected == []
    assert failures == [], "\n".join(failures)
    assert total_scans == len(people)
    for person in people:
        mine = stored[person.user.id]
        who = f"person {person.user.id} (seed {person.seed})"
        assert person.ending is not None, who
        assert mine.scans == 1 and mine.finished, f"{who}: {mine}"
        assert mine.has_result, who
        assert mine.duplicates == 0, who
        assert mine.answers == person.intent, who
        asked = Interview(dialogue=DIALOGUE, answers=person.intent)
        assert set(person.intent) == {q.id for q in DIALOGUE.questions if asked.applies(q)}, who


async def test_a_kill_between_the_last_answer_and_the_summary(
    tmp_path: Path, database_url: str
) -> None:
    """The scenario behind 'summaries not shown' above, made exact: the bot dies mid-reply."""
    async with FakeBotApi() as api:
        bot = BotProcess(api, tmp_path, database_url)
        eva = Person(api.user(720_001, "Eva"), seed=f"{SEED}:eva")
        await bot.start()
        try:
            await eva.user.send("/start")
            while True:
                assert await wait_until(lambda: latest_question(eva.user) is not None, 20)
                question = latest_question(eva.user)
                assert question is not None
                buttons = answer_buttons(question)
                question_id = parse_answer(next(iter(buttons.values())))[0]
                value = eva.choose(question_id, buttons)
                label = next(k for k, v in buttons.items() if parse_answer(v)[1] == value)
                after = DIALOGUE.questions[
                    DIALOGUE.questions.index(DIALOGUE.question(question_id)) + 1 :
                ]
                chosen = Interview(dialogue=DIALOGUE, answers={**eva.intent, question_id: value})
                if not any(chosen.applies(q) for q in after):  # this is her last question
                    break
                await eva.user.tap_on(question["message_id"], label)
                assert await wait_until(
                    lambda q=question: (
                        (latest_question(eva.user) or q) is not q
                        and (latest_question(eva.user) or q)["message_id"] > q["message_id"]
                    ),
                    20,
                )

            # The last answer is committed before the tapped question is edited and the summary
            # sent; the bot dies on that edit, as a SIGKILL at that moment would do.
            real_edit = api._api_editmessagetext

            async def edit_and_die(params: dict[str, Any]) -> dict[str, Any]:
                await bot.stop(signal.SIGKILL)
                return {}  # never arrives: the edit is lost with the process

            api._api_editmessagetext = edit_and_die  # type: ignore[method-assign]
            await eva.user.tap_on(question["message_id"], label)
            assert await wait_until(lambda: bot.process is None, 20)
            api._api_editmessagetext = real_edit  # type: ignore[method-assign]
            await bot.start()
            # What a person does when the bot went quiet: tap again, then send /start.
            await eva.user.tap_on(question["message_id"], label)
            await api.settle(quiet=0.5, timeout=20)
            await eva.user.send("/start")
            await api.settle(quiet=0.5, timeout=20)
        finally:
            await bot.stop(signal.SIGTERM)
        chat = [str(m.get("plain", "")) for m in eva.user.messages]
        rejected = list(api.rejected)

    stored, _ = read_storage(database_url, tmp_path, [eva])
    mine = stored[eva.user.id]
    assert mine.finished and mine.has_result and mine.answers == eva.intent  # nothing lost
    assert rejected == []
    assert bot.failures() == []
    assert SUMMARY in chat[-2] and ALREADY_DONE in chat[-1]  # the summary again after /start
