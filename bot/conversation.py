"""The conversation service: one call per thing a person does, one transaction per call.

Front ends (Telegram, console) turn input into these calls and render the replies; the
interview machine decides, storage keeps, and nothing here knows about Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session

from dialogues.loader import Dialogue, ResolvedQuestion
from dialogues.schema import Option
from placement import Placement, compute_placement
from statemachine import DONE, PAUSED, Interview, InterviewMachine, Reply
from statemachine.interview import DECLINED
from storage import queries
from storage.identity import pseudonym, stored_key
from storage.models import Respondent, Scan

ANSWER_PREFIX = "a"
NAV_PREFIX = "nav"


def answer_data(question_id: str, value: str) -> str:
    """Callback data for an answer button; ids are short enough to stay under 64 bytes."""
    return f"{ANSWER_PREFIX}:{question_id}:{value}"


def nav_data(action: str) -> str:
    return f"{NAV_PREFIX}:{action}"


@dataclass(frozen=True)
class Person:
    """Who is talking, as the channel knows them; only a keyed hash of this is stored."""

    channel: str
    external_id: str
    language: str | None = None


@dataclass
class Outcome:
    """What happened: the replies to send, and the answer given (to mark the tapped message)."""

    replies: list[Reply] = field(default_factory=list)
    answered: tuple[ResolvedQuestion, Option] | None = None
    language: str | None = None
    handled_tap: bool = False


def message(key: str, *actions: str) -> Reply:
    return Reply("message", {"key": key, "actions": list(actions)})


@dataclass
class _Loaded:
    respondent: Respondent | None
    scan: Scan | None
    interview: Interview | None
    answers: dict[str, str]
    language: str | None


class Conversation:
    """Runs interviews for any front end, storing every step before replying."""

    def __init__(self, engine: Engine, dialogue: Dialogue, key: str | None = None) -> None:
        self.engine = engine
        self.dialogue = dialogue
        self.machine = InterviewMachine(dialogue)
        if key is None:
            with Session(engine) as session:
                key = stored_key(session)
        self._key = key

    # -- what people do ---------------------------------------------------------------------

    def start(self, person: Person, payload: str | None = None) -> Outcome:
        """Starts a scan, or picks up the open one where the person left it."""
        with Session(self.engine) as session:
            loaded = self._load(session, person, create=True)
            if loaded.interview is None or loaded.interview.state == DECLINED:
                interview = self._new_scan(session, loaded, payload)
                session.commit()
                return self._outcome(loaded, [Reply("welcome"), interview.prompt()])
            interview = loaded.interview
            if interview.state == DONE:
                return self._outcome(loaded, [message("already_done")])
            if interview.state == PAUSED:
                self._fire(session, loaded, "resume")
            session.commit()
            return self._outcome(loaded, [message("welcome_back"), interview.prompt()])

    def press(self, person: Person, data: str) -> Outcome:
        """Handles a tapped button (or a numbered choice in the console)."""
        prefix, _, rest = data.partition(":")
        if prefix == ANSWER_PREFIX:
            question_id, _, value = rest.partition(":")
            outcome = self.answer(person, question_id, value)
        elif prefix == NAV_PREFIX and rest in _NAVIGATION:
            outcome = _NAVIGATION[rest](self, person)
        else:
            outcome = self.current(person, unclear=True)
        outcome.handled_tap = True
        return outcome

    def answer(self, person: Person, question_id: str, value: str) -> Outcome:
        """Stores the answer and asks the next question."""
        with Session(self.engine) as session:
            loaded = self._load(session, person)
            interview = loaded.interview
            if interview is None or interview.state in (DONE, DECLINED):
                return self._outcome(loaded, [self._closed_reply(interview)])
            if interview.state == PAUSED and interview.resume_at == question_id:
                self._fire(session, loaded, "resume")  # a tap on the paused question resumes
            outcome = self._apply_answer(session, loaded, interview, question_id, value)
            session.commit()
            return outcome

    def _apply_answer(
        self,
        session: Session,
        loaded: _Loaded,
        interview: Interview,
        question_id: str,
        value: str,
    ) -> Outcome:
        if interview.state != question_id:
            if interview.answers.get(question_id) == value:
                return self._outcome(loaded, [])  # the same tap arrived twice
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

    def back(self, person: Person) -> Outcome:
        """Goes back one question, keeping the answer given there."""
        return self._navigate(person, "back", "first_question")

    def pause(self, person: Person) -> Outcome:
        """Pauses the scan; the answers so far are already stored."""
        with Session(self.engine) as session:
            loaded = self._load(session, person)
            if loaded.interview is None or loaded.interview.state in (DONE, DECLINED, PAUSED):
                return self._outcome(loaded, [self._closed_reply(loaded.interview)])
            self._fire(session, loaded, "pause")
            session.commit()
            return self._outcome(loaded, [loaded.interview.prompt()])

    def resume(self, person: Person) -> Outcome:
        """Continues a paused scan at the question where it stopped."""
        return self._navigate(person, "resume", None)

    def restart(self, person: Person, *, confirmed: bool = False) -> Outcome:
        """Asks to confirm, then starts again: a fresh scan after a finished one."""
        with Session(self.engine) as session:
            loaded = self._load(session, person)
            interview = loaded.interview
            if interview is None:
                return self._outcome(loaded, [message("not_started")])
            if not confirmed:
                return self._outcome(loaded, [message("restart_confirm", "restart", "keep")])
            if interview.state in (DONE, DECLINED):
                interview = self._new_scan(session, loaded, None)
                self.machine.fire(interview, "answer", value=self._consent_value())
                self._save(session, loaded, {})
            else:
                self._fire(session, loaded, "restart")
                self._fire(session, loaded, "answer", value=self._consent_value())
            session.commit()
            return self._outcome(loaded, [message("restarted"), interview.prompt()])

    def keep_going(self, person: Person) -> Outcome:
        """Closes the restart question without restarting."""
        outcome = self.current(person)
        outcome.replies.insert(0, message("not_restarted"))
        return outcome

    def current(self, person: Person, *, unclear: bool = False) -> Outcome:
        """Shows where the person is, after a hint when their input was not understood."""
        with Session(self.engine) as session:
            loaded = self._load(session, person)
            interview = loaded.interview
            if interview is None or interview.state in (DONE, DECLINED):
                return self._outcome(loaded, [self._closed_reply(interview)])
            if interview.state == PAUSED:
                return self._outcome(loaded, [interview.prompt()])
            hint = [message("not_understood")] if unclear else []
            return self._outcome(loaded, [*hint, interview.prompt()])

    def language_of(self, person: Person) -> str | None:
        """The person's language as far as the dialogue has it, without touching storage."""
        return self._language(person.language)

    # -- internals --------------------------------------------------------------------------

    def _navigate(self, person: Person, trigger: str, refused: str | None) -> Outcome:
        with Session(self.engine) as session:
            loaded = self._load(session, person)
            interview = loaded.interview
            if interview is None or interview.state in (DONE, DECLINED):
                return self._outcome(loaded, [self._closed_reply(interview)])
            changed = self._fire(session, loaded, trigger)
            session.commit()
            hint = [message(refused)] if refused and not changed else []
            return self._outcome(loaded, [*hint, interview.prompt()])

    def _load(self, session: Session, person: Person, *, create: bool = False) -> _Loaded:
        """Loads the person's latest scan; only starting a scan creates a respondent."""
        name = pseudonym(key=self._key, channel=person.channel, external_id=person.external_id)
        language = self._language(person.language)
        respondent = queries.get_respondent(session, pseudonym=name)
        if respondent is None and create:
            respondent = queries.create_respondent(session, pseudonym=name, language=language)
        elif respondent is not None and language and respondent.language != language:
            respondent.language = language
            session.add(respondent)
        if respondent is None or respondent.id is None:
            return _Loaded(None, None, None, {}, language)
        scan = queries.latest_scan(session, respondent_id=respondent.id)
        if scan is None or scan.id is None:
            return _Loaded(respondent, None, None, {}, respondent.language)
        answers = queries.scan_answers(session, scan_id=scan.id)
        interview = Interview(
            dialogue=self.dialogue,
            answers=dict(answers),
            resume_at=scan.resume_at,
            state=scan.state,
        )
        return _Loaded(respondent, scan, interview, answers, respondent.language)

    def _new_scan(self, session: Session, loaded: _Loaded, payload: str | None) -> Interview:
        assert loaded.respondent is not None and loaded.respondent.id is not None
        interview = self.machine.new()
        loaded.scan = queries.create_scan(
            session,
            respondent_id=loaded.respondent.id,
            state=interview.state,
            start_payload=payload,
        )
        loaded.interview, loaded.answers = interview, {}
        return interview

    def _fire(self, session: Session, loaded: _Loaded, trigger: str, **kwargs: str) -> bool:
        assert loaded.interview is not None
        changed = self.machine.fire(loaded.interview, trigger, **kwargs)
        if changed:
            self._save(session, loaded, loaded.answers)
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
        placement = compute_placement(self.dialogue, loaded.interview.applicable_answers())
        queries.save_result(
            session,
            scan=loaded.scan,
            strongest=placement.strongest,
            weakest=placement.weakest,
            resilience=placement.resilience,
            preference=placement.preference,
            scores=_scores(placement),
        )
        return Reply("summary", {"placement": placement})

    def _closed_reply(self, interview: Interview | None) -> Reply:
        if interview is None or interview.state == DECLINED:
            return message("not_started")
        return message("already_done")

    def _consent_value(self) -> str:
        consent = self.dialogue.questions[0]
        return next(o.value for o in consent.options if not o.ends_interview)

    def _language(self, code: str | None) -> str | None:
        if not code:
            return None
        base = code.split("-")[0].lower()
        return base if base in self.dialogue.locales else None

    def _outcome(self, loaded: _Loaded, replies: list[Reply]) -> Outcome:
        return Outcome(replies=replies, language=loaded.language)


def _scores(placement: Placement) -> dict[tuple[str, str], float | None]:
    scores: dict[tuple[str, str], float | None] = {
        ("groeimodel", layer): phase for layer, phase in placement.phases.items()
    }
    scores.update({("eigen_regie", f): s for f, s in placement.factors.items()})
    return scores


_NAVIGATION = {
    "back": Conversation.back,
    "resume": Conversation.resume,
    "restart": lambda self, person: self.restart(person, confirmed=True),
    "keep": Conversation.keep_going,
}
