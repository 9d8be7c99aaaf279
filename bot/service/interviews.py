"""The interview itself: start, answer, move back and forth, pause, restart, finish."""

from __future__ import annotations

from sqlmodel import Session

from bot.service.links import follow_link
from bot.service.outcome import Outcome, Person, message
from bot.service.people import Loaded, People
from dialogues.loader import Dialogue
from placement import Placement, compute_placement, stored_scores
from placement.movement import movement_since
from placement.pulse import focus_from_stored, focus_questions, focus_scores
from statemachine import DONE, PAUSED, Interview, InterviewMachine, Reply
from statemachine.interview import DECLINED
from storage import pulses, queries, reminder_queries, team_queries
from storage.models import Team, TeamPulse, as_utc, utcnow
from storage.queries import StoredScan


def closed_reply(interview: Interview | None) -> Reply:
    """What to say when there is no open scan to act on."""
    if interview is None or interview.state == DECLINED:
        return message("not_started")
    return message("already_done")


class Interviews:
    """Runs interviews on the shared machine, storing every step before replying."""

    def __init__(self, people: People, machine: InterviewMachine) -> None:
        self.people = people
        self.machine = machine
        self.dialogue: Dialogue = people.dialogue
        self.policy = people.policy

    def start(self, person: Person, payload: str | None = None) -> Outcome:
        """Starts a scan, or picks up the open one where the person left it.

        A payload is a team code from a team link: the scan then counts for that team.
        """

        def begin(session: Session, loaded: Loaded) -> Outcome:
            team: Team | None = None
            notes: list[Reply] = []
            pulse = self._pulse_link(session, person, payload)
            if pulse is not None:
                return self._start_pulse(session, loaded, pulse)
            if payload:
                guesser = self.people.code_guesser_of(person)  # not the pseudonym; see links
                team, notes = follow_link(session, loaded, payload, self.policy, guesser=guesser)
            interview, scan = loaded.interview, loaded.scan
            if interview is None or interview.state == DECLINED or _new_wave(scan, team):
                interview = self._new_scan(session, loaded, team)
                return loaded.outcome([*notes, Reply("welcome"), interview.prompt()])
            assert scan is not None
            if team is not None and scan.team_id is None and interview.state != DONE:
                queries.count_scan_for(session, scan=scan, team=team)  # started before the link
            if interview.state == DONE:  # the summary again: its first sending may have been lost
                summary = self._summary(session, loaded)
                return loaded.outcome([*notes, summary, message("already_done")])
            if interview.state == PAUSED:
                self._fire(session, loaded, "resume")
            welcome_back = message("welcome_back", "start_over")
            return loaded.outcome([*notes, welcome_back, interview.prompt()])

        return self.people.turn(person, begin, create=True)

    def _pulse_link(
        self, session: Session, person: Person, payload: str | None
    ) -> TeamPulse | None:
        """The pulse a link is for, if it is a pulse link (a guesser waiting gets none)."""
        if not payload or not payload.startswith(pulses.PREFIX):
            return None
        since = utcnow() - self.policy.wrong_code_window
        guesser = self.people.code_guesser_of(person)
        tried = team_queries.wrong_codes_since(session, guesser=guesser, since=since)
        if tried >= self.policy.wrong_codes_allowed:
            return None  # the team link path says to wait
        return pulses.pulse_by_code(session, code=payload)

    def _start_pulse(self, session: Session, loaded: Loaded, pulse: TeamPulse) -> Outcome:
        """Starts the team's pulse, or goes on with it; a full scan under way comes first."""
        team = session.get(Team, pulse.team_id)
        name = team.name if team else ""
        if team is None or team.closed_at is not None or pulse.closed_at is not None:
            return loaded.outcome([message("pulse_link_closed", team=name)])
        interview, scan = loaded.interview, loaded.scan
        ours = scan is not None and (scan.team_id, scan.pulse_of) == (pulse.team_id, pulse.wave)
        if interview is not None and ours:
            if interview.state == DONE:
                return loaded.outcome([message("pulse_done_already", team=name)])
            if interview.state == PAUSED:
                self._fire(session, loaded, "resume")
            if interview.state != DECLINED:
                return loaded.outcome([message("welcome_back"), interview.prompt()])
        elif interview is not None and interview.state not in (DONE, DECLINED):
            return loaded.outcome([message("pulse_after_scan"), interview.prompt()])
        assert loaded.respondent is not None
        questions = focus_questions(focus_from_stored(pulse.focus))
        machine = self.people.pulse_machine(questions)
        interview = machine.new()
        loaded.scan = queries.create_scan(
            session,
            respondent_id=loaded.respondent.id,
            state=interview.state,
            team_id=pulse.team_id,
            pulse_of=pulse.wave,
        )
        loaded.interview, loaded.answers = interview, {}
        welcome = message("pulse_welcome", team=name, questions=len(questions))
        return loaded.outcome([welcome, interview.prompt()])

    def answer(self, person: Person, question_id: str, value: str) -> Outcome:
        """Stores the answer and asks the next question."""

        def store(session: Session, loaded: Loaded) -> Outcome:
            interview = loaded.interview
            if interview is not None and interview.state == DONE:
                return self._answer_after_the_end(session, loaded, interview, question_id, value)
            if interview is None or interview.state == DECLINED:
                return loaded.outcome([closed_reply(interview)])
            if interview.state == PAUSED and interview.resume_at == question_id:
                self._fire(session, loaded, "resume")  # a tap on the paused question resumes
            return self._apply_answer(session, loaded, interview, question_id, value)

        return self.people.turn(person, store)

    def back(self, person: Person) -> Outcome:
        """Goes back one question, keeping the answer given there."""
        return self._navigate(person, "back", "first_question")

    def resume(self, person: Person) -> Outcome:
        """Continues a paused scan at the question where it stopped."""
        return self._navigate(person, "resume", None)

    def pause(self, person: Person) -> Outcome:
        """Pauses the scan; the answers so far are already stored."""

        def stop(session: Session, loaded: Loaded) -> Outcome:
            if loaded.interview is None or loaded.interview.state in (DONE, DECLINED, PAUSED):
                return loaded.outcome([closed_reply(loaded.interview)])
            self._fire(session, loaded, "pause")
            paused = loaded.interview.prompt()
            if person.address is not None:  # the channel can send a reminder
                paused = Reply("message", {**paused.data, "actions": ["resume", "remind"]})
            return loaded.outcome([paused])

        return self.people.turn(person, stop)

    def restart(self, person: Person, *, confirmed: bool = False) -> Outcome:
        """Asks to confirm, then starts again: a fresh scan after a finished one."""

        def again(session: Session, loaded: Loaded) -> Outcome:
            interview = loaded.interview
            if interview is None:
                return loaded.outcome([message("not_started")])
            if not confirmed:
                return loaded.outcome([message("restart_confirm", "restart", "keep")])
            if interview.state in (DONE, DECLINED):
                interview = self._new_scan(session, loaded, self._team_of_scan(session, loaded))
                self.machine.fire(interview, "answer", value=self._consent_value())
                self._save(session, loaded, {})
            else:
                self._fire(session, loaded, "restart")
                self._fire(session, loaded, "answer", value=self._consent_value())
            return loaded.outcome([message("restarted"), interview.prompt()])

        return self.people.turn(person, again)

    def keep_going(self, person: Person) -> Outcome:
        """Closes the restart question without restarting."""
        outcome = self.current(person)
        outcome.replies.insert(0, message("not_restarted"))
        return outcome

    def current(self, person: Person, *, unclear: bool = False, summary: bool = False) -> Outcome:
        """Shows where the person is, after a hint when their input was not understood.

        With `summary`, a finished scan shows its summary again (a web page reloaded), as
        starting again does, instead of only saying it is done.
        """

        def show(session: Session, loaded: Loaded) -> Outcome:
            interview = loaded.interview
            if summary and interview is not None and interview.state == DONE:
                return loaded.outcome([self._summary(session, loaded), message("already_done")])
            if interview is None or interview.state in (DONE, DECLINED):
                return loaded.outcome([closed_reply(interview)])
            if interview.state == PAUSED:
                return loaded.outcome([interview.prompt()])
            hint = [message("not_understood")] if unclear else []
            return loaded.outcome([*hint, interview.prompt()])

        return self.people.turn(person, show)

    def _navigate(self, person: Person, trigger: str, refused: str | None) -> Outcome:
        def move(session: Session, loaded: Loaded) -> Outcome:
            interview = loaded.interview
            if interview is None or interview.state in (DONE, DECLINED):
                return loaded.outcome([closed_reply(interview)])
            changed = self._fire(session, loaded, trigger)
            hint = [message(refused)] if refused and not changed else []
            return loaded.outcome([*hint, interview.prompt()])

        return self.people.turn(person, move)

    def _apply_answer(
        self,
        session: Session,
        loaded: Loaded,
        interview: Interview,
        question_id: str,
        value: str,
    ) -> Outcome:
        if not self.dialogue.has_question(question_id):
            return loaded.outcome([message("not_understood"), interview.prompt()])
        if interview.state != question_id:
            if interview.answers.get(question_id) == value:
                if self._recently_changed(loaded):
                    return loaded.outcome([])  # a double tap: the first one counted
                return loaded.outcome([interview.prompt()])  # the reply may have been lost
            return loaded.outcome([message("stale_button"), interview.prompt()])
        question = self.dialogue.question(question_id)
        option = question.option(value)
        if option is None or not self._fire(session, loaded, "answer", value=value):
            return loaded.outcome([message("not_understood"), interview.prompt()])
        if interview.state == DONE:
            replies = [self._finish(session, loaded)]
        else:
            replies = [interview.prompt()]
        outcome = loaded.outcome(replies)
        outcome.answered = (question, option)
        return outcome

    def _answer_after_the_end(
        self, session: Session, loaded: Loaded, interview: Interview, question_id: str, value: str
    ) -> Outcome:
        if interview.answers.get(question_id) != value:
            return loaded.outcome([message("already_done")])
        if self._recently_changed(loaded):
            return loaded.outcome([])  # a double tap on the last question
        return loaded.outcome([self._summary(session, loaded)])  # it may have been lost

    def _recently_changed(self, loaded: Loaded) -> bool:
        assert loaded.scan is not None
        return utcnow() - as_utc(loaded.scan.updated_at) < self.policy.repeat_window

    def _new_scan(self, session: Session, loaded: Loaded, team: Team | None) -> Interview:
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

    def _team_of_scan(self, session: Session, loaded: Loaded) -> Team | None:
        """The team a fresh scan keeps counting for: the one the last scan counted for."""
        scan = loaded.scan
        return session.get(Team, scan.team_id) if scan and scan.team_id else None

    def _machine(self, interview: Interview) -> InterviewMachine:
        """The full scan's machine, or a pulse's (the same code on fewer questions)."""
        if interview.dialogue is self.dialogue:
            return self.machine
        return self.people.pulse_machine([q.id for q in interview.dialogue.questions[1:]])

    def _fire(self, session: Session, loaded: Loaded, trigger: str, **kwargs: str) -> bool:
        assert loaded.interview is not None
        changed = self._machine(loaded.interview).fire(loaded.interview, trigger, **kwargs)
        if changed:
            self._save(session, loaded, loaded.answers)
        if changed and trigger in ("resume", "restart") and loaded.respondent is not None:
            # Carrying on makes a reminder pointless; its chat address goes with it.
            reminder_queries.drop_reminder(session, respondent_id=loaded.respondent.id)
        return changed

    def _save(self, session: Session, loaded: Loaded, before: dict[str, str]) -> None:
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

    def _finish(self, session: Session, loaded: Loaded) -> Reply:
        assert loaded.interview is not None and loaded.scan is not None
        if loaded.scan.pulse_of is not None:  # a pulse: its focus scores, and thanks
            focus = self.people.pulse_focus(session, loaded.scan)
            answers = loaded.interview.applicable_answers()
            scores = focus_scores(self.dialogue, focus, answers)
            pulses.finish_pulse_scan(session, scan_id=loaded.scan.id, scores=scores)
            return message("pulse_thanks")
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

    def _summary(self, session: Session, loaded: Loaded) -> Reply:
        """The placement, and how it moved since the person's previous finished scan."""
        assert loaded.interview is not None
        if loaded.scan is not None and loaded.scan.pulse_of is not None:
            return message("pulse_thanks")  # a pulse has no summary of its own
        placement = compute_placement(self.dialogue, loaded.interview.applicable_answers())
        movement = None
        respondent, scan = loaded.respondent, loaded.scan
        if respondent and scan:
            earlier = queries.previous_result(
                session, respondent_id=respondent.id, before_scan_id=scan.id
            )
            if earlier is not None:
                before_scan, before = earlier
                movement = movement_since(
                    placement,
                    before,
                    as_utc(before_scan.started_at),
                    self.dialogue.scoring.movement,
                )
        # Leads, HR and management get the model part at once; a worker asks for it.
        detailed = placement.role_layer != placement.own_layer
        data = {"placement": placement, "movement": movement, "detailed": detailed}
        return Reply("summary", {**data, "actions": [] if detailed else ["more"]})

    def more(self, person: Person) -> Outcome:
        """'Meer uitleg': the model part of the person's latest summary."""

        def explain(session: Session, loaded: Loaded) -> Outcome:
            interview = loaded.interview
            if interview is None or interview.state == DECLINED:
                return loaded.outcome([closed_reply(interview)])
            if interview.state != DONE:  # a button of an earlier scan, while a new one runs
                return loaded.outcome([message("stale_button"), interview.prompt()])
            summary = self._summary(session, loaded)
            if summary.template != "summary":  # a pulse: thanks, nothing more to explain
                return loaded.outcome([summary])
            return loaded.outcome([Reply("summary_more", summary.data | {"actions": []})])

        return self.people.turn(person, explain)

    def _consent_value(self) -> str:
        consent = self.dialogue.questions[0]
        return next(o.value for o in consent.options if not o.ends_interview)


def _new_wave(scan: StoredScan | None, team: Team | None) -> bool:
    """True when a finished scan counted for an earlier wave of this team: time for a new one."""
    return (
        scan is not None
        and team is not None
        and scan.finished_at is not None
        and (scan.team_id != team.id or (scan.wave or 0) < team.wave)
    )
