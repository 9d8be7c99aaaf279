"""The conversation service: one call per thing a person does, one transaction per call.

`Conversation` puts the concerns together (people, interviews, reminders, privacy) and routes
a pressed button to the call it stands for. Channels call it and render what it returns.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.service.interviews import Interviews
from bot.service.outcome import (
    ANSWER_PREFIX,
    LANGUAGE_PREFIX,
    NAV_PREFIX,
    Outcome,
    Person,
    message,
)
from bot.service.people import People
from bot.service.policy import Policy
from bot.service.privacy import Privacy
from bot.service.reminders import Reminders
from dialogues.loader import Dialogue
from statemachine import InterviewMachine
from storage import team_queries

LEAD, HR = "lead", "hr"


class Conversation:
    """Runs interviews for any channel, storing every step before replying."""

    def __init__(
        self,
        engine: Engine,
        dialogue: Dialogue,
        key: str,
        policy: Policy | None = None,
    ) -> None:
        self.engine = engine
        self.dialogue = dialogue
        self.policy = policy or Policy()
        self.machine = InterviewMachine(dialogue)
        self.people = People(engine, dialogue, self.policy, key)
        self.interviews = Interviews(self.people, self.machine)
        self.reminders = Reminders(self.people)
        self.privacy = Privacy(self.people)
        # The calls a channel makes, each owned by its concern.
        self.pseudonym_of = self.people.pseudonym_of
        self.language_of = self.people.language_of
        self.choose_language = self.people.choose_language
        self.start = self.interviews.start
        self.answer = self.interviews.answer
        self.back = self.interviews.back
        self.resume = self.interviews.resume
        self.pause = self.interviews.pause
        self.restart = self.interviews.restart
        self.keep_going = self.interviews.keep_going
        self.current = self.interviews.current
        self.remind = self.reminders.remind
        self.due_reminders = self.reminders.due
        self.my_data = self.privacy.my_data
        self.forget = self.privacy.forget
        self.tidy = self.privacy.tidy
        self._navigation: dict[str, Callable[[Person], Outcome]] = {
            "back": self.back,
            "resume": self.resume,
            "remind": self.remind,
            "restart": lambda person: self.restart(person, confirmed=True),
            "start_over": self.restart,  # wipes the answers: asks first, like /opnieuw
            "keep": self.keep_going,
            "forget": self.forget,
            "forget_yes": lambda person: self.forget(person, confirmed=True),
            "keep_data": self.keep_data,
            "more": self.interviews.more,
        }

    def keep_data(self, person: Person) -> Outcome:
        """Closes the delete question without deleting, and shows the open question again.

        Without the question the person would be left with nothing to answer.
        """
        outcome = self.current(person)
        if outcome.repeat:
            return outcome
        still_open = [
            r for r in outcome.replies if r.template == "question" or r.data.get("key") == "paused"
        ]
        outcome.replies = [message("kept"), *still_open]
        return outcome

    def roles(self, person: Person) -> frozenset[str]:
        """What the person is besides a respondent: a team lead, HR (by an admin's link)."""
        with Session(self.engine) as session:
            teams, organisation, hr = team_queries.led_by(
                session, pseudonym=self.pseudonym_of(person)
            )
        return frozenset({LEAD} if teams or organisation else set()) | ({HR} if hr else set())

    def press(self, person: Person, data: str) -> Outcome:
        """Handles a pressed button (a tap in Telegram, a number in the console)."""
        prefix, _, rest = data.partition(":")
        if prefix == ANSWER_PREFIX:
            question_id, _, value = rest.partition(":")
            outcome = self.answer(person, question_id, value)
        elif prefix == NAV_PREFIX and rest in self._navigation:
            outcome = self._navigation[rest](person)
        elif prefix == LANGUAGE_PREFIX:
            outcome = self.choose_language(person, rest)
        else:
            outcome = self.current(person, unclear=True)
        outcome.handled_tap = True
        return outcome
