"""A person's own data: see all of it, delete all of it; and what storage forgets by itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.service.outcome import Outcome, Person, Tidied, message
from bot.service.people import Loaded, People
from statemachine import Reply
from storage import lead_queries, queries, reminder_queries, team_queries, web_queries
from storage.db import forget_freed_pages, transaction
from storage.models import Scan, Team, utcnow


class Privacy:
    """/mijngegevens, /verwijder and the nightly tidy."""

    def __init__(self, people: People) -> None:
        self.people = people
        self.dialogue = people.dialogue
        self.policy = people.policy

    def my_data(self, person: Person) -> Outcome:
        """Shows everything stored about the person."""
        name = self.people.pseudonym_of(person)
        return self.people.turn(
            person, lambda session, loaded: self._everything(session, loaded, name)
        )

    def forget(self, person: Person, *, confirmed: bool = False) -> Outcome:
        """Asks to confirm, then deletes everything stored about the person, for good."""
        deleted = False
        name = self.people.pseudonym_of(person)

        def delete(session: Session, loaded: Loaded) -> Outcome:
            nonlocal deleted
            # A lead may have left an address without ever starting a scan.
            address = lead_queries.lead_address(session, pseudonym=name)
            if loaded.respondent is None and address is None:
                return loaded.outcome([message("no_data")])
            if not confirmed:
                return loaded.outcome([message("forget_confirm", "forget_yes", "keep_data")])
            if loaded.respondent is not None:
                queries.delete_respondent(session, respondent=loaded.respondent)
            lead_queries.forget_lead(session, pseudonym=name)
            deleted = True
            return loaded.outcome([message("forgotten")])

        outcome = self.people.turn(person, delete)
        if deleted:  # committed: now out of the write-ahead log too
            forget_freed_pages(self.people.engine)
        return outcome

    def keep_data(self, person: Person) -> Outcome:
        """Closes the delete question without deleting."""
        return Outcome(replies=[message("kept")], language=self.people.language_of(person))

    def tidy(self) -> Tidied:
        """Expires idle scans, unlinks old finished ones, forgets old update ids and wrong codes,
        and the web's resume codes past the retention (whichever channel runs the tidy: the
        Telegram bot's nightly job in webhook mode, the web's own daily one alone)."""
        now = utcnow()
        with transaction(self.people.engine) as session:
            expired = queries.expire_idle_scans(session, idle_since=now - self.policy.idle_expiry)
            unlinked = queries.unlink_finished_scans(
                session, finished_before=now - self.policy.retention
            )
            queries.prune_processed_updates(
                session, seen_before=now - self.policy.processed_updates_kept
            )
            team_queries.forget_wrong_codes(session, before=now - self.policy.wrong_code_window)
            team_queries.forget_unused_hr_invites(session, before=now - self.policy.hr_invite_valid)
            lead_queries.forget_leads_without_team(session)
            # A code older than the retention leads to an unlinked or expired scan anyway.
            codes = web_queries.forget_old_codes(session, before=now - self.policy.retention)
        forget_freed_pages(self.people.engine)
        return Tidied(expired=expired, unlinked=unlinked, resume_codes=codes)

    def _everything(self, session: Session, loaded: Loaded, name: str) -> Outcome:
        respondent = loaded.respondent
        lead_address = lead_queries.lead_address(session, pseudonym=name)
        if respondent is None and lead_address is None:
            return loaded.outcome([message("no_data")])
        scans = [
            self._scan_view(session, scan)
            for scan in (
                queries.respondent_scans(session, respondent_id=respondent.id) if respondent else []
            )
        ]
        teams, organisation, hr = team_queries.led_by(session, pseudonym=name)
        reminder = (
            reminder_queries.reminder_due(session, respondent_id=respondent.id)
            if respondent
            else None
        )
        reply = Reply(
            "my_data",
            {
                "code": name[:8],
                # Kept for messages about the lead's team (their actions' reminders).
                "lead_contact": lead_address is not None,
                "scans": scans,
                "teams": [team.name for team in teams],
                "organisation": organisation.name if organisation else None,
                "hr": hr,
                "reminder": self._day_and_time(reminder),
            },
        )
        return loaded.outcome([reply, message("forget_offer", "forget")])

    def _day_and_time(self, moment: datetime | None) -> str | None:
        return self.people.local(moment).strftime("%d-%m-%Y %H:%M") if moment else None

    def _scan_view(self, session: Session, scan: Scan) -> dict[str, Any]:
        assert scan.id is not None
        answers = []
        for question_id, value in queries.scan_answers(session, scan_id=scan.id).items():
            if self.dialogue.has_question(question_id):
                question = self.dialogue.question(question_id)
                answers.append((question, question.option(value)))
        return {
            "started": self.people.local(scan.started_at).strftime("%d-%m-%Y"),
            "state": scan.state,
            "team": team.name
            if scan.team_id and (team := session.get(Team, scan.team_id))
            else None,
            "answers": answers,
            "finished": scan.finished_at is not None,
        }
