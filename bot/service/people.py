"""People as storage knows them: their pseudonym, their language, and their open scan.

Every call of the service is one `turn`: one transaction that first claims the input's id
(a repeated delivery is answered as a repeat, explicitly), then loads the person.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.service.outcome import Outcome, Person, language_data, message
from bot.service.policy import Policy
from dialogues.loader import Dialogue
from placement.pulse import Focus, focus_from_stored, focus_questions
from statemachine import DONE, Interview, InterviewMachine, Reply
from statemachine.interview import DECLINED
from storage import pulses, queries
from storage.db import transaction
from storage.identity import pseudonym
from storage.models import as_utc, utcnow
from storage.queries import StoredRespondent, StoredScan


@dataclass
class Loaded:
    """A person's state for one turn: who they are, their latest scan and its interview."""

    respondent: StoredRespondent | None
    scan: StoredScan | None
    interview: Interview | None
    answers: dict[str, str]
    language: str | None

    def outcome(self, replies: list[Reply]) -> Outcome:
        """The replies, in this person's language."""
        return Outcome(replies=replies, language=self.language)


class People:
    """Pseudonyms, languages and loading; the rest of the service works on `Loaded`."""

    def __init__(self, engine: Engine, dialogue: Dialogue, policy: Policy, key: str) -> None:
        self.engine = engine
        self.dialogue = dialogue
        self.policy = policy
        self._key = key  # from the environment or the key file, never from the database
        # A pulse runs the same machine code on the questionnaire cut down to its items; one
        # per set of items (few: the kit's topics), built on first use.
        self._pulse_forms: dict[tuple[str, ...], InterviewMachine] = {}

    def pulse_machine(self, questions: list[str]) -> InterviewMachine:
        """The interview machine of a pulse asking these items."""
        key = tuple(sorted(questions))  # the same items in any order: the same machine
        machine = self._pulse_forms.get(key)
        if machine is None:
            machine = self._pulse_forms[key] = InterviewMachine(self.dialogue.restricted_to(key))
        return machine

    def pulse_focus(self, session: Session, scan: StoredScan) -> list[Focus]:
        """What the pulse a scan belongs to asks (empty for a full scan)."""
        if scan.pulse_of is None or scan.team_id is None:
            return []
        pulse = pulses.pulse_of_round(session, team_id=scan.team_id, wave=scan.pulse_of)
        return focus_from_stored(pulse.focus) if pulse is not None else []

    def pseudonym_of(self, person: Person) -> str:
        """The keyed hash that stands for this person in storage."""
        return pseudonym(key=self._key, channel=person.channel, external_id=person.external_id)

    def code_guesser_of(self, person: Person) -> str:
        """Who tried a wrong team code, as the attempts table knows them: not the pseudonym.

        A keyed hash of its own (same key, another message), so a stolen database does not
        link wrong codes to respondents; without the key the two cannot be matched.
        """
        message = f"wrong-code:{person.channel}:{person.external_id}".encode()
        return hmac.new(self._key.encode(), message, hashlib.sha256).hexdigest()

    def turn(
        self,
        person: Person,
        act: Callable[[Session, Loaded], Outcome],
        *,
        create: bool = False,
    ) -> Outcome:
        """Runs `act` on the loaded person in one transaction; a repeated input does nothing."""
        with transaction(self.engine) as session:
            loaded = self.load(session, person, create=create)
            if loaded is None:
                return Outcome(repeat=True)
            return act(session, loaded)

    def load(self, session: Session, person: Person, *, create: bool = False) -> Loaded | None:
        """The person's latest scan, or None when this input was handled before.

        Only starting a scan (or choosing a language) creates a respondent.
        """
        name = self.pseudonym_of(person)
        if not queries.claim_update(session, update_id=person.input_id, pseudonym=name):
            return None
        stored = queries.load_person(session, pseudonym=name)
        if stored.respondent is None and create:
            stored = queries.create_respondent(session, pseudonym=name, language=None)
        respondent, scan, answers = stored.respondent, stored.scan, stored.answers
        language = self.language_for(respondent, person)
        if respondent is None or scan is None:
            return Loaded(respondent, None, None, {}, language)
        if scan.state not in queries.CLOSED_STATES and self._idle_too_long(scan):
            queries.expire_scan(session, scan_id=scan.id)
            return Loaded(respondent, None, None, {}, language)
        dialogue = self.dialogue
        if scan.pulse_of is not None:
            questions = focus_questions(self.pulse_focus(session, scan))
            dialogue = self.pulse_machine(questions).dialogue
        interview = Interview(
            dialogue=dialogue,
            answers=dict(answers),
            resume_at=scan.resume_at,
            state=scan.state,
        )
        return Loaded(respondent, scan, interview, answers, language)

    def language_of(self, person: Person) -> str | None:
        """The language the person chose, else their app's language if we have it."""
        with Session(self.engine) as session:
            respondent = queries.get_respondent(session, pseudonym=self.pseudonym_of(person))
        return self.language_for(respondent, person)

    def language_for(self, respondent: StoredRespondent | None, person: Person) -> str | None:
        """A language chosen with /taal wins over the app's language."""
        chosen = respondent.language if respondent else None
        return chosen or self._known(person.language)

    def choose_language(self, person: Person, code: str | None = None) -> Outcome:
        """Offers the languages, or switches to the chosen one and shows the current question."""
        if code is None or code not in self.dialogue.locales:
            return self.turn(person, self._offer_languages)

        def switch(session: Session, loaded: Loaded) -> Outcome:
            assert loaded.respondent is not None
            queries.set_language(session, respondent=loaded.respondent, language=code)
            loaded.language = code  # kept until changed again
            interview = loaded.interview
            still_open = interview is not None and interview.state not in (DONE, DECLINED)
            follow_up = [interview.prompt()] if interview is not None and still_open else []
            return loaded.outcome([message("language_set"), *follow_up])

        return self.turn(person, switch, create=True)

    def _offer_languages(self, _session: Session, loaded: Loaded) -> Outcome:
        choices = [
            ("language_button", {"name": locale.name}, language_data(language))
            for language, locale in self.dialogue.locales.items()
        ]
        return loaded.outcome([message("language_choice", buttons=choices)])

    def local(self, moment: datetime) -> datetime:
        """A stored (UTC) moment on the organisation's clock."""
        return as_utc(moment).astimezone(self.policy.time_zone)

    def _idle_too_long(self, scan: StoredScan) -> bool:
        return utcnow() - as_utc(scan.updated_at) > self.policy.idle_expiry

    def _known(self, code: str | None) -> str | None:
        if not code:
            return None
        base = code.split("-")[0].lower()
        return base if base in self.dialogue.locales else None
