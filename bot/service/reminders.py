"""Reminders to carry on with a paused scan: asked for by the person, sent when due."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from bot.service.interviews import closed_reply
from bot.service.outcome import Notice, Outcome, Person, message
from bot.service.people import Loaded, People
from statemachine import DONE, PAUSED
from statemachine.interview import DECLINED
from storage import reminder_queries
from storage.db import transaction
from storage.models import utcnow


class Reminders:
    """Keeps a reminder for a paused scan and hands out the ones that are due."""

    def __init__(self, people: People) -> None:
        self.people = people
        self.policy = people.policy

    def remind(self, person: Person) -> Outcome:
        """Keeps a reminder to carry on, for a paused scan of someone the channel can reach."""

        def keep(session: Session, loaded: Loaded) -> Outcome:
            interview = loaded.interview
            if interview is None or interview.state in (DONE, DECLINED):
                return loaded.outcome([closed_reply(interview)])
            if interview.state != PAUSED or person.address is None:  # carried on meanwhile
                return loaded.outcome([interview.prompt()])
            assert loaded.respondent is not None
            reminder_queries.ask_reminder(
                session,
                respondent_id=loaded.respondent.id,
                address=person.address,
                due_at=utcnow() + self.policy.reminder_after,
            )
            hours = round(self.policy.reminder_after.total_seconds() / 3600)
            return loaded.outcome([message("reminder_set", "resume", hours=hours)])

        return self.people.turn(person, keep)

    def due(self, *, spacing: timedelta, horizon: timedelta) -> list[Notice]:
        """Takes the reminders due now, each with its moment to go out (see take_due_reminders)."""
        with transaction(self.people.engine) as session:
            taken = reminder_queries.take_due_reminders(
                session, now=utcnow(), spacing=spacing, horizon=horizon
            )
        return [
            Notice(due.address, due.send_at, due.language, message("reminder", "resume"))
            for due in taken
        ]
