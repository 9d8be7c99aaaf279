"""Simulated respondents: each sends /start, then taps an answer when a question arrives.

Without think time a respondent taps the instant the question arrives (the most load a crowd
can make); with it, each reads for a random while first, as people do.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.botapi import BotMessage, LeanBotApi
from dialogues.loader import default_dialogue

ANSWER_PREFIX = "a:"  # callback_data of an answer button: a:<question>:<value>
FIRST_USER_ID = 10_000_000


def consent_choice() -> str:
    """The callback data of 'yes' on the consent question, so nobody declines."""
    dialogue = default_dialogue()
    consent = next(q for q in dialogue.questions if q.kind == "consent")
    return f"{ANSWER_PREFIX}{consent.id}:{consent.options[0].value}"


@dataclass
class Respondent:
    """One person: where they are, and when they tapped last (None: waiting for nothing)."""

    user: dict[str, Any]
    tapped_at: float | None = None
    last_question: BotMessage | None = None
    last_choice: str | None = None
    taps: int = 0
    done: bool = False


@dataclass
class Crowd:
    """All respondents of one run, with the latencies and counts the table reports."""

    api: LeanBotApi
    size: int
    seed: int = 7
    stop_after_taps: int | None = None  # leave interviews open after this many taps
    think: tuple[float, float] | None = None  # seconds each reads before tapping (min, max)
    first_user_id: int = FIRST_USER_ID
    respondents: dict[int, Respondent] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    presses: int = 0
    replies_seen: int = 0
    started_at: float = 0.0
    last_reply_at: float = 0.0
    thinking: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.consent = consent_choice()
        for n in range(self.size):
            user_id = self.first_user_id + n
            user = {"id": user_id, "is_bot": False, "first_name": f"R{n}", "language_code": "nl"}
            self.respondents[user_id] = Respondent(user)
        self.api.on_message = self.receive

    def start(self, only: list[int] | None = None) -> None:
        """Everybody (or the people with these ids) sends /start.

        Without think time all at the same moment. With it, each first reads the invitation
        for a random while up to the longest think time: a paced crowd is then steady from
        the start, not a burst of everyone at once that the first seconds' latency reflects.
        """
        now = time.monotonic()
        self.started_at = self.started_at or now
        for user_id in only or list(self.respondents):
            respondent = self.respondents[user_id]
            if self.think is None:
                self.press_start(respondent)
            else:
                self._after(self.rng.uniform(0, self.think[1]), self.press_start, respondent)

    def _after(self, pause: float, action: Callable[..., None], *args: Any) -> None:
        """Does `action` after `pause` seconds; until then the crowd counts as thinking."""
        self.thinking += 1

        def act() -> None:
            self.thinking -= 1
            action(*args)

        asyncio.get_running_loop().call_later(pause, act)

    def press_start(self, respondent: Respondent) -> None:
        """The respondent sends /start; the clock for its answer starts."""
        respondent.tapped_at = time.monotonic()
        self.api.command(respondent.user, "/start")
        self.presses += 1

    def receive(self, message: BotMessage) -> None:
        """A message reached a chat: a question with answer buttons is tapped at once."""
        respondent = self.respondents.get(message.chat_id)
        if respondent is None or message.method == "sendphoto":
            return
        answers = [d for d in message.buttons if d.startswith(ANSWER_PREFIX)]
        if respondent.done:
            if not answers or message.method != "sendmessage":
                return
            respondent.done = False  # that was a hint, not the end: a question follows
        if message.method.startswith("edit") and not answers:
            return  # the tapped question, now showing its answer
        if not answers and not respondent.taps:
            return  # the welcome before the first question
        now = time.monotonic()
        self.last_reply_at = now
        self.replies_seen += 1
        if not answers:  # after a tap, a message without a question is the summary
            respondent.done = True
            if respondent.tapped_at is not None:
                self.latencies.append(now - respondent.tapped_at)
            respondent.tapped_at = None
            return
        if respondent.tapped_at is not None:
            self.latencies.append(now - respondent.tapped_at)
        respondent.last_question = message
        if self.stop_after_taps is not None and respondent.taps >= self.stop_after_taps:
            respondent.tapped_at = None
            return
        choice = self.consent if self.consent in answers else self.rng.choice(answers)
        respondent.tapped_at = None
        if self.think is None:
            self.tap(respondent, message, choice)
            return
        self._after(self.rng.uniform(*self.think), self.tap, respondent, message, choice)

    def tap(self, respondent: Respondent, message: BotMessage, choice: str) -> None:
        """The respondent taps `choice` under `message`; the clock for its answer starts."""
        respondent.tapped_at = time.monotonic()
        respondent.last_choice = choice
        respondent.taps += 1
        self.presses += 1
        self.api.tap(respondent.user, message, choice)

    def press_again(self, user_id: int) -> None:
        """What a person does when a press got no answer: the same button again, or /start."""
        respondent = self.respondents[user_id]
        if respondent.last_question is not None and respondent.last_choice is not None:
            self.api.tap(respondent.user, respondent.last_question, respondent.last_choice)
        else:
            self.api.command(respondent.user, "/start")

    @property
    def finished(self) -> int:
        return sum(1 for r in self.respondents.values() if r.done)

    def waiting_times(self, now: float) -> list[float]:
        """How long each press still unanswered has waited so far (a lower bound)."""
        return [now - r.tapped_at for r in self.respondents.values() if r.tapped_at is not None]

    @property
    def all_settled(self) -> bool:
        return not self.thinking and all(r.tapped_at is None for r in self.respondents.values())
