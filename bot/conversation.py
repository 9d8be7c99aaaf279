"""The conversation service: one call per thing a person does, one transaction per call.

Front ends (Telegram, console) turn input into these calls and render the replies; the
interview machine decides, storage keeps, and nothing here knows about Telegram.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from dialogues.loader import Dialogue, ResolvedQuestion
from dialogues.schema import Option
from placement import Placement, compute_placement, stored_scores
from placement.movement import movement_since
from statemachine import DONE, PAUSED, Interview, InterviewMachine, Reply
from statemachine.interview import DECLINED
from storage import queries, reminder_queries, team_queries
from storage.db import transaction
from storage.identity import pseudonym, stored_key
from storage.models import Scan, Team, as_utc, utcnow
from storage.queries import StoredRespondent, StoredScan

ANSWER_PREFIX = "a"
NAV_PREFIX = "nav"
LANGUAGE_PREFIX = "lang"


def answer_data(question_id: str, value: str) -> str:
    """Callback data for an answer button; ids are short enough to stay under 64 bytes."""
    return f"{ANSWER_PREFIX}:{question_id}:{value}"


def nav_data(action: str) -> str:
    return f"{NAV_PREFIX}:{action}"


def language_data(code: str) -> str:
    return f"{LANGUAGE_PREFIX}:{code}"


@dataclass(frozen=True)
class Person:
    """Who is talking, as the channel knows them; only a keyed hash of this is stored.

    `input_id` is the channel's id for this piece of input (Telegram's update_id), so a
    repeated delivery is recognised and ignored. A channel that cannot send reminders
    (the console) gives no `address`, and is not offered one.
    """

    channel: str
    external_id: str
    language: str | None = None
    input_id: int | None = None
    # Where a reminder can reach them (Telegram's chat id); kept only if they ask for one.
    address: str | None = None


DEFAULT_TIME_ZONE = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class Policy:
    """How long things are kept; the defaults are what the privacy statement promises."""

    idle_expiry: timedelta = timedelta(days=30)
    retention: timedelta = timedelta(days=365)
    # A second tap on an answered question within this time is a double tap: no reply.
    repeat_window: timedelta = timedelta(seconds=10)
    processed_updates_kept: timedelta = timedelta(days=2)
    # Team codes are unguessable; someone trying many anyway is made to wait.
    wrong_codes_allowed: int = 5
    wrong_code_window: timedelta = timedelta(minutes=15)
    # An HR link an admin made works once, within this time.
    hr_invite_valid: timedelta = timedelta(days=7)
    # A reminder asked for when pausing comes this long after.
    reminder_after: timedelta = timedelta(days=1)
    # Times are stored in UTC and shown to people on their organisation's clock.
    time_zone: ZoneInfo = DEFAULT_TIME_ZONE


@dataclass(frozen=True)
class Tidied:
    expired: int
    unlinked: int


@dataclass(frozen=True)
class Notice:
    """A message the bot sends unasked (a reminder): where to, when, and what to say."""

    address: str
    send_at: datetime
    language: str | None
    reply: Reply


@dataclass
class Outcome:
    """What happened: the replies to send, and the answer given (to mark the tapped message)."""

    replies: list[Reply] = field(default_factory=list)
    answered: tuple[ResolvedQuestion, Option] | None = None
    language: str | None = None
    handled_tap: bool = False
    repeat: bool = False


def message(
    key: str,
    *actions: str,
    buttons: list[tuple[str, dict[str, Any], str]] | None = None,
    **params: Any,
) -> Reply:
    """A short text from the locale, its {placeholders} filled from `params`.

    `buttons` are extra choices: (message key of the label, its placeholders, callback data).
    """
    data: dict[str, Any] = {"key": key, "actions": list(actions)}
    if buttons:
        data["buttons"] = buttons
    return Reply("message", {**data, "params": params} if params else data)


class _Repeat(Exception):
    """This input was handled before."""


Method = TypeVar("Method", bound=Callable[..., Outcome])


def once(method: Method) -> Method:
    """Answers a repeated delivery of the same input with silence."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Outcome:
        try:
            return method(*args, **kwargs)
        except _Repeat:
            return Outcome(repeat=True)

    return wrapper  # type: ignore[return-value]


@dataclass
class _Loaded:
    respondent: StoredRespondent | None
    scan: StoredScan | None
    interview: Interview | None
    answers: dict[str, str]
    language: str | None


class Conversation:
    """Runs interviews for any front end, storing every step before replying."""

    def __init__(
        self,
        engine: Engine,
        dialogue: Dialogue,
        key: str | None = None,
        policy: Policy | None = None,
    ) -> None:
        self.engine = engine
        self.dialogue = dialogue
        self.policy = policy or Policy()
        self.machine = InterviewMachine(dialogue)
        if key is None:
            with transaction(engine) as session:
                key = stored_key(session)
        self._key = key

    # -- what people do ---------------------------------------------------------------------

    @once
    def start(self, person: Person, payload: str | None = None) -> Outcome:
        """Starts a scan, or picks up the open one where the person left it.

        A payload is a team code from a team link: the scan then counts for that team.
        """
        with transaction(self.engine) as session:
            loaded = self._load(session, person, create=True)
            team, notes = self._link_of(session, loaded, payload) if payload else (None, [])
            interview, scan = loaded.interview, loaded.scan
            if interview is None or interview.state == DECLINED or _new_wave(scan, team):
                interview = self._new_scan(session, loaded, team)
                return self._outcome(loaded, [*notes, Reply("welcome"), interview.prompt()])
            assert scan is not None
            if team is not None and scan.team_id is None and interview.state != DONE:
                queries.count_scan_for(session, scan=scan, team=team)  # started before the link
            if interview.state == DONE:  # the summary again: its first sending may have been lost
                summary = self._summary(session, loaded)
                return self._outcome(loaded, [*notes, summary, message("already_done")])
            if interview.state == PAUSED:
                self._fire(session, loaded, "resume")
            welcome_back = message("welcome_back", "start_over")
            return self._outcome(loaded, [*notes, welcome_back, interview.prompt()])

    def press(self, person: Person, data: str) -> Outcome:
        """Handles a tapped button (or a numbered choice in the console)."""
        prefix, _, rest = data.partition(":")
        if prefix == ANSWER_PREFIX:
            question_id, _, value = rest.partition(":")
            outcome = self.answer(person, question_id, value)
        elif prefix == NAV_PREFIX and rest in _NAVIGATION:
            outcome = _NAVIGATION[rest](self, person)
        elif prefix == LANGUAGE_PREFIX:
            outcome = self.choose_language(person, rest)
        else:
            outcome = self.current(person, unclear=True)
        outcome.handled_tap = True
        return outcome

    @once
    def answer(self, person: Person, question_id: str, value: str) -> Outcome:
        """Stores the answer and asks the next question."""
        with transaction(self.engine) as session:
            loaded = self._load(session, person)
            interview = loaded.interview
            if interview is not None and interview.state == DONE:
                return self._answer_after_the_end(session, loaded, interview, question_id, value)
            if interview is None or interview.state == DECLINED:
                return self._outcome(loaded, [self._closed_reply(interview)])
            if interview.state == PAUSED and interview.resume_at == question_id:
                self._fire(session, loaded, "resume")  # a tap on the paused question resumes
            outcome = self._apply_answer(session, loaded, interview, question_id, value)
            return outcome

    def _apply_answer(
        self,
        session: Session,
        loaded: _Loaded,
        interview: Interview,
        question_id: str,
        value: str,
    ) -> Outcome:
        if not self.dialogue.has_question(question_id):
            return self._outcome(loaded, [message("not_understood"), interview.prompt()])
        if interview.state != question_id:
            if interview.answers.get(question_id) == value:
                if self._recently_changed(loaded):
                    return self._outcome(loaded, [])  # a double tap: the first one counted
                return self._outcome(loaded, [interview.prompt()])  # the reply may have been lost
            return self._outcome(loaded, [message("stale_button"), interview.prompt()])
        question = self.dialogue.question(question_id)
        option = question.option(value)
        if option is None or not self._fire(session, loaded, "answer", value=value):
            return self._outcome(loaded, [message("not_understood"), interview.prompt()])
        if interview.state == DONE:
            replies = [self._finish(session, loaded)]
        else:
            replies = [interview.prompt()]
        outcome = self._outcome(loaded, replies)
        outcome.answered = (question, option)
        return outcome

    def _answer_after_the_end(
        self, session: Session, loaded: _Loaded, interview: Interview, question_id: str, value: str
    ) -> Outcome:
        if interview.answers.get(question_id) != value:
            return self._outcome(loaded, [message("already_done")])
        if self._recently_changed(loaded):
            return self._outcome(loaded, [])  # a double tap on the last question
        return self._outcome(loaded, [self._summary(session, loaded)])  # it may have been lost

    def back(self, person: Person) -> Outcome:
        """Goes back one question, keeping the answer given there."""
        return self._navigate(person, "back", "first_question")

    @once
    def pause(self, person: Person) -> Outcome:
        """Pauses the scan; the answers so far are already stored."""
        with transaction(self.engine) as session:
            loaded = self._load(session, person)
            if loaded.interview is None or loaded.interview.state in (DONE, DECLINED, PAUSED):
                return self._outcome(loaded, [self._closed_reply(loaded.interview)])
            self._fire(session, loaded, "pause")
            paused = loaded.interview.prompt()
            if person.address is not None:  # the channel can send a reminder
                paused = Reply("message", {**paused.data, "actions": ["resume", "remind"]})
            return self._outcome(loaded, [paused])

    @once
    def remind(self, person: Person) -> Outcome:
        """Keeps a reminder to carry on, for a paused scan of someone the channel can reach."""
        with transaction(self.engine) as session:
            loaded = self._load(session, person)
            interview = loaded.interview
            if interview is None or interview.state in (DONE, DECLINED):
                return self._outcome(loaded, [self._closed_reply(interview)])
            if interview.state != PAUSED or person.address is None:  # carried on meanwhile
                return self._outcome(loaded, [interview.prompt()])
            assert loaded.respondent is not None
            reminder_queries.ask_reminder(
                session,
                respondent_id=loaded.respondent.id,
                address=person.address,
                due_at=utcnow() + self.policy.reminder_after,
            )
            hours = round(self.policy.reminder_after.total_seconds() / 3600)
            return self._outcome(loaded, [message("reminder_set", "resume", hours=hours)])

    def due_reminders(self, *, spacing: timedelta, horizon: timedelta) -> list[Notice]:
        """Takes the reminders due now, each with its moment to go out (see take_due_reminders)."""
        with transaction(self.engine) as session:
            taken = reminder_queries.take_due_reminders(
                session, now=utcnow(), spacing=spacing, horizon=horizon
            )
        return [
            Notice(due.address, due.send_at, due.language, message("reminder", "resume"))
            for due in taken
        ]

    def resume(self, person: Person) -> Outcome:
        """Continues a paused scan at the question where it stopped."""
        return self._navigate(person, "resume", None)

    @once
    def restart(self, person: Person, *, confirmed: bool = False) -> Outcome:
        """Asks to confirm, then starts again: a fresh scan after a finished one."""
        with transaction(self.engine) as session:
            loaded = self._load(session, person)
            interview = loaded.interview
            if interview is None:
                return self._outcome(loaded, [message("not_started")])
            if not confirmed:
                return self._outcome(loaded, [message("restart_confirm", "restart", "keep")])
            if interview.state in (DONE, DECLINED):
                interview = self._new_scan(session, loaded, self._team_of_scan(session, loaded))
                self.machine.fire(interview, "answer", value=self._consent_value())
                self._save(session, loaded, {})
            else:
                self._fire(session, loaded, "restart")
                self._fire(session, loaded, "answer", value=self._consent_value())
            return self._outcome(loaded, [message("restarted"), interview.prompt()])

    def keep_going(self, person: Person) -> Outcome:
        """Closes the restart question without restarting."""
        outcome = self.current(person)
        outcome.replies.insert(0, message("not_restarted"))
        return outcome

    @once
    def current(self, person: Person, *, unclear: bool = False) -> Outcome:
        """Shows where the person is, after a hint when their input was not understood."""
        with transaction(self.engine) as session:
            loaded = self._load(session, person)
            interview = loaded.interview
            if interview is None or interview.state in (DONE, DECLINED):
                return self._outcome(loaded, [self._closed_reply(interview)])
            if interview.state == PAUSED:
                return self._outcome(loaded, [interview.prompt()])
            hint = [message("not_understood")] if unclear else []
            return self._outcome(loaded, [*hint, interview.prompt()])

    def language_of(self, person: Person) -> str | None:
        """The language the person chose with /taal, else their Telegram language if we have it."""
        with Session(self.engine) as session:
            respondent = queries.get_respondent(session, pseudonym=self.pseudonym_of(person))
        return self._language_for(respondent, person)

    @once
    def choose_language(self, person: Person, code: str | None = None) -> Outcome:
        """Offers the languages, or switches to the chosen one and shows the current question."""
        with transaction(self.engine) as session:
            if code is None or code not in self.dialogue.locales:
                loaded = self._load(session, person)
                choices = [
                    ("language_button", {"name": locale.name}, language_data(language))
                    for language, locale in self.dialogue.locales.items()
                ]
                return self._outcome(loaded, [message("language_choice", buttons=choices)])
            loaded = self._load(session, person, create=True)
            assert loaded.respondent is not None
            queries.set_language(session, respondent=loaded.respondent, language=code)
            loaded.language = code  # kept until changed again
            interview = loaded.interview
            still_open = interview is not None and interview.state not in (DONE, DECLINED)
            follow_up = [interview.prompt()] if interview is not None and still_open else []
            return self._outcome(loaded, [message("language_set"), *follow_up])

    @once
    def my_data(self, person: Person) -> Outcome:
        """Shows everything stored about the person."""
        with transaction(self.engine) as session:
            loaded = self._load(session, person)
            if loaded.respondent is None:
                return self._outcome(loaded, [message("no_data")])
            scans = [
                self._scan_view(session, scan)
                for scan in queries.respondent_scans(session, respondent_id=loaded.respondent.id)
            ]
            teams, organisation, hr = team_queries.led_by(
                session, pseudonym=loaded.respondent.pseudonym
            )
            reply = Reply(
                "my_data",
                {
                    "code": loaded.respondent.pseudonym[:8],
                    "scans": scans,
                    "teams": [team.name for team in teams],
                    "organisation": organisation.name if organisation else None,
                    "hr": hr,
                    "reminder": self._day_and_time(
                        reminder_queries.reminder_due(session, respondent_id=loaded.respondent.id)
                    ),
                },
            )
            return self._outcome(loaded, [reply, message("forget_offer", "forget")])

    @once
    def forget(self, person: Person, *, confirmed: bool = False) -> Outcome:
        """Asks to confirm, then deletes everything stored about the person."""
        with transaction(self.engine) as session:
            loaded = self._load(session, person)
            if loaded.respondent is None:
                return self._outcome(loaded, [message("no_data")])
            if not confirmed:
                return self._outcome(loaded, [message("forget_confirm", "forget_yes", "keep_data")])
            queries.delete_respondent(session, respondent=loaded.respondent)
            return self._outcome(loaded, [message("forgotten")])

    def keep_data(self, person: Person) -> Outcome:
        """Closes the delete question without deleting."""
        return Outcome(replies=[message("kept")], language=self.language_of(person))

    def tidy(self) -> Tidied:
        """Expires idle scans, unlinks old finished ones, forgets old update ids and wrong codes."""
        now = utcnow()
        with transaction(self.engine) as session:
            expired = queries.expire_idle_scans(session, idle_since=now - self.policy.idle_expiry)
            unlinked = queries.unlink_finished_scans(
                session, finished_before=now - self.policy.retention
            )
            queries.prune_processed_updates(
                session, seen_before=now - self.policy.processed_updates_kept
            )
            team_queries.forget_wrong_codes(session, before=now - self.policy.wrong_code_window)
            team_queries.forget_unused_hr_invites(session, before=now - self.policy.hr_invite_valid)
        return Tidied(expired=expired, unlinked=unlinked)

    # -- internals --------------------------------------------------------------------------

    @once
    def _navigate(self, person: Person, trigger: str, refused: str | None) -> Outcome:
        with transaction(self.engine) as session:
            loaded = self._load(session, person)
            interview = loaded.interview
            if interview is None or interview.state in (DONE, DECLINED):
                return self._outcome(loaded, [self._closed_reply(interview)])
            changed = self._fire(session, loaded, trigger)
            hint = [message(refused)] if refused and not changed else []
            return self._outcome(loaded, [*hint, interview.prompt()])

    def _load(self, session: Session, person: Person, *, create: bool = False) -> _Loaded:
        """Loads the person's latest open scan; only starting a scan creates a respondent."""
        name = self.pseudonym_of(person)
        if not queries.claim_update(session, update_id=person.input_id, pseudonym=name):
            raise _Repeat
        stored = queries.load_person(session, pseudonym=name)
        if stored.respondent is None and create:
            stored = queries.create_respondent(session, pseudonym=name, language=None)
        respondent, scan, answers = stored.respondent, stored.scan, stored.answers
        language = self._language_for(respondent, person)
        if respondent is None or scan is None:
            return _Loaded(respondent, None, None, {}, language)
        if scan.state not in queries.CLOSED_STATES and self._idle_too_long(scan):
            queries.expire_scan(session, scan_id=scan.id)
            return _Loaded(respondent, None, None, {}, language)
        interview = Interview(
            dialogue=self.dialogue,
            answers=dict(answers),
            resume_at=scan.resume_at,
            state=scan.state,
        )
        return _Loaded(respondent, scan, interview, answers, language)

    def pseudonym_of(self, person: Person) -> str:
        """The keyed hash that stands for this person in storage."""
        return pseudonym(key=self._key, channel=person.channel, external_id=person.external_id)

    def _local(self, moment: datetime) -> datetime:
        return as_utc(moment).astimezone(self.policy.time_zone)

    def _day_and_time(self, moment: datetime | None) -> str | None:
        return self._local(moment).strftime("%d-%m-%Y %H:%M") if moment else None

    def _idle_too_long(self, scan: StoredScan) -> bool:
        return utcnow() - as_utc(scan.updated_at) > self.policy.idle_expiry

    def _recently_changed(self, loaded: _Loaded) -> bool:
        assert loaded.scan is not None
        return utcnow() - as_utc(loaded.scan.updated_at) < self.policy.repeat_window

    def _scan_view(self, session: Session, scan: Scan) -> dict[str, Any]:
        assert scan.id is not None
        answers = []
        for question_id, value in queries.scan_answers(session, scan_id=scan.id).items():
            if self.dialogue.has_question(question_id):
                question = self.dialogue.question(question_id)
                answers.append((question, question.option(value)))
        return {
            "started": self._local(scan.started_at).strftime("%d-%m-%Y"),
            "state": scan.state,
            "team": team.name
            if scan.team_id and (team := session.get(Team, scan.team_id))
            else None,
            "answers": answers,
            "finished": scan.finished_at is not None,
        }

    def _new_scan(self, session: Session, loaded: _Loaded, team: Team | None) -> Interview:
        assert loaded.respondent is not None
        interview = self.machine.new()
        loaded.scan = queries.create_scan(
            session,
            respondent_id=loaded.respondent.id,
            state=interview.state,
            team_id=team.id if team else None,
            wave=team.wave if team else None,
        )
        loaded.interview, loaded.answers = interview, {}
        return interview

    def _link_of(
        self, session: Session, loaded: _Loaded, code: str
    ) -> tuple[Team | None, list[Reply]]:
        """What a link's code means (a team, an organisation's lead link, an HR invite).

        Returns the team the scan counts for, if any, and a word about the link; someone
        guessing codes is slowed down.
        """
        assert loaded.respondent is not None
        name = loaded.respondent.pseudonym
        since = utcnow() - self.policy.wrong_code_window
        if (
            team_queries.wrong_codes_since(session, pseudonym=name, since=since)
            >= self.policy.wrong_codes_allowed
        ):
            return None, [message("code_wait")]
        team = team_queries.team_by_code(session, code=code)
        if team is not None:
            return team, [message("team_joined", team=team.name)]
        organisation = team_queries.organisation_by_code(session, code=code)
        if organisation is not None:  # a lead link: this person makes teams in it
            team_queries.join_organisation(session, pseudonym=name, organisation=organisation)
            return None, [message("organisation_joined", organisation=organisation.name)]
        invites_since = utcnow() - self.policy.hr_invite_valid
        if team_queries.use_hr_invite(session, code=code, pseudonym=name, since=invites_since):
            return None, [message("hr_granted")]
        team_queries.record_wrong_code(session, pseudonym=name)
        return None, [message("code_unknown")]

    def _team_of_scan(self, session: Session, loaded: _Loaded) -> Team | None:
        """The team a fresh scan keeps counting for: the one the last scan counted for."""
        scan = loaded.scan
        return session.get(Team, scan.team_id) if scan and scan.team_id else None

    def _fire(self, session: Session, loaded: _Loaded, trigger: str, **kwargs: str) -> bool:
        assert loaded.interview is not None
        changed = self.machine.fire(loaded.interview, trigger, **kwargs)
        if changed:
            self._save(session, loaded, loaded.answers)
        if changed and trigger in ("resume", "restart") and loaded.respondent is not None:
            # Carrying on makes a reminder pointless; its chat address goes with it.
            reminder_queries.drop_reminder(session, respondent_id=loaded.respondent.id)
        return changed

    def _save(self, session: Session, loaded: _Loaded, before: dict[str, str]) -> None:
        interview, scan = loaded.interview, loaded.scan
        assert interview is not None and scan is not None
        scores = {
            qid: option.score
            for qid, value in interview.answers.items()
            if (option := self.dialogue.question(qid).option(value)) is not None
        }
        queries.save_progress(
            session,
            scan=scan,
            state=interview.state,
            resume_at=interview.resume_at,
            before=before,
            after=interview.answers,
            scores=scores,
        )
        loaded.answers = dict(interview.answers)

    def _finish(self, session: Session, loaded: _Loaded) -> Reply:
        assert loaded.interview is not None and loaded.scan is not None
        summary = self._summary(session, loaded)
        placement: Placement = summary.data["placement"]
        queries.save_result(
            session,
            scan=loaded.scan,
            role=placement.role,
            strongest=placement.strongest,
            weakest=placement.weakest,
            resilience=placement.resilience,
            preference=placement.preference,
            scores=stored_scores(self.dialogue, placement),
        )
        return summary

    def _summary(self, session: Session, loaded: _Loaded) -> Reply:
        """The placement, and how it moved since the person's previous finished scan."""
        assert loaded.interview is not None
        placement = compute_placement(self.dialogue, loaded.interview.applicable_answers())
        movement = None
        respondent, scan = loaded.respondent, loaded.scan
        if respondent and scan:
            earlier = queries.previous_result(
                session, respondent_id=respondent.id, before_scan_id=scan.id
            )
            if earlier is not None:
                before_scan, before = earlier
                movement = movement_since(placement, before, as_utc(before_scan.started_at))
        return Reply("summary", {"placement": placement, "movement": movement})

    def _closed_reply(self, interview: Interview | None) -> Reply:
        if interview is None or interview.state == DECLINED:
            return message("not_started")
        return message("already_done")

    def _consent_value(self) -> str:
        consent = self.dialogue.questions[0]
        return next(o.value for o in consent.options if not o.ends_interview)

    def _language_for(self, respondent: StoredRespondent | None, person: Person) -> str | None:
        """A language chosen with /taal wins over the Telegram app's language."""
        chosen = respondent.language if respondent else None
        return chosen or self._language(person.language)

    def _language(self, code: str | None) -> str | None:
        if not code:
            return None
        base = code.split("-")[0].lower()
        return base if base in self.dialogue.locales else None

    def _outcome(self, loaded: _Loaded, replies: list[Reply]) -> Outcome:
        return Outcome(replies=replies, language=loaded.language)


def _new_wave(scan: StoredScan | None, team: Team | None) -> bool:
    """True when a finished scan counted for an earlier wave of this team: time for a new one."""
    return (
        scan is not None
        and team is not None
        and scan.finished_at is not None
        and (scan.team_id != team.id or (scan.wave or 0) < team.wave)
    )


_NAVIGATION: dict[str, Callable[[Conversation, Person], Outcome]] = {
    "back": Conversation.back,
    "resume": Conversation.resume,
    "remind": Conversation.remind,
    "restart": lambda self, person: self.restart(person, confirmed=True),
    "start_over": lambda self, person: self.restart(person, confirmed=True),
    "keep": Conversation.keep_going,
    "forget": lambda self, person: self.forget(person),
    "forget_yes": lambda self, person: self.forget(person, confirmed=True),
    "keep_data": Conversation.keep_data,
}
