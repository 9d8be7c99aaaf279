"""The interview as a finite-state machine, built from the dialogue data.

One state per question, plus `paused`, `declined` and `done`. Triggers: answer, skip, back,
pause, resume, restart. The machine does no I/O: a front end loads an `Interview` from storage,
attaches it, fires one trigger, stores the result and asks `prompt()` what to say next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from transitions import Machine, MachineError

from dialogues.loader import Dialogue, ResolvedQuestion

if TYPE_CHECKING:
    from transitions.core import CallbackList, Transition

    # Where a trigger may lead from a question, and the conditions for going there.
    Route = tuple[str, CallbackList]

PAUSED, DECLINED, DONE = "paused", "declined", "done"
FINAL_STATES = (DECLINED, DONE)
# What to say in a state that is not a question: a message key and the buttons it offers.
CLOSING_MESSAGES: dict[str, tuple[str, list[str]]] = {
    DONE: ("already_done", []),
    DECLINED: ("declined", []),
    PAUSED: ("paused", ["resume"]),
}


@dataclass(frozen=True)
class Reply:
    """What to say: a template name and the data it needs. The front end renders and sends it."""

    template: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class Interview:
    """The state of one respondent's interview; transitions adds the trigger methods."""

    dialogue: Dialogue = field(repr=False)
    answers: dict[str, str] = field(default_factory=dict)
    resume_at: str | None = None
    state: str = ""

    def applies(self, question: ResolvedQuestion) -> bool:
        """True when the question is asked, given the answers so far."""
        return _holds(question, self.answers)

    @property
    def current_question(self) -> ResolvedQuestion | None:
        state = self.resume_at if self.state == PAUSED else self.state
        if state is None or not self.dialogue.has_question(state):
            return None
        return self.dialogue.question(state)

    @property
    def counted_questions(self) -> list[ResolvedQuestion]:
        """The questions that count for 'vraag n van m': those likely asked, consent excluded."""
        likely: dict[str, bool] = {}
        for question in self.dialogue.questions:  # a 'when' names earlier questions only
            likely[question.id] = self._likely_applies(question, likely)
        return [q for q in self.dialogue.questions if q.kind != "consent" and likely[q.id]]

    def _likely_applies(self, question: ResolvedQuestion, likely: dict[str, bool]) -> bool:
        """Like `applies`, but an unanswered earlier question counts as its first answer.

        So 'vraag n van m' does not grow when a later answer (such as the role) is given.
        An unanswered question that is itself conditional (an opt-in such as 'a few more
        questions?') counts as declined, so the last question asked is always 'n van n'.
        `likely` holds the verdicts on the earlier questions.
        """
        for ref, values in (question.when or {}).items():
            if not likely[ref]:
                return False
            earlier = self.dialogue.question(ref)
            usual = next(o.value for o in earlier.options if not (o.dont_know or o.ends_interview))
            assumed = None if earlier.when else usual
            if self.answers.get(ref, assumed) not in values:
                return False
        return True

    def position(self) -> tuple[int, int]:
        counted = self.counted_questions
        current = self.current_question
        ids = [q.id for q in counted]
        number = ids.index(current.id) + 1 if current and current.id in ids else 0
        return number, len(counted)

    def can_go_back(self) -> bool:
        current = self.current_question
        return current is not None and self._back_from(self._asked_before(current))

    def _back_from(self, asked_before: list[ResolvedQuestion]) -> bool:
        """'Back' returns to the last question asked before this one, never to the consent."""
        return bool(asked_before) and asked_before[-1] is not self.dialogue.questions[0]

    def _asked_before(self, question: ResolvedQuestion) -> list[ResolvedQuestion]:
        questions = self.dialogue.questions
        return [q for q in questions[: self.dialogue.index(question.id)] if self.applies(q)]

    def applicable_answers(self) -> dict[str, str]:
        """Answers to questions that still apply (a changed role can rule some out).

        In question order, so an answer that only applied because of a dropped one goes too.
        """
        kept: dict[str, str] = {}
        for question in self.dialogue.questions:
            if question.id in self.answers and _holds(question, kept):
                kept[question.id] = self.answers[question.id]
        return kept

    def prompt(self) -> Reply:
        """What to show now: the current question, or the closing message of a final state."""
        if self.state in CLOSING_MESSAGES:
            key, actions = CLOSING_MESSAGES[self.state]
            return Reply("message", {"key": key, "actions": actions})
        question = self.current_question
        assert question is not None, f"state {self.state!r} is not a question"
        number, total = self.position()
        asked_before = self._asked_before(question)
        first_of_block = not asked_before or asked_before[-1].block != question.block
        return Reply(
            "question",
            {
                "question": question,
                "number": number,
                "total": total,
                "block_intro": first_of_block,
                "previous_answer": self.answers.get(question.id),
                "can_go_back": self._back_from(asked_before),
            },
        )


def _holds(question: ResolvedQuestion, answers: dict[str, str]) -> bool:
    return all(answers.get(ref) in values for ref, values in (question.when or {}).items())


class _Event(Protocol):
    """What the callbacks below read of the EventData that transitions passes them.

    Narrower than EventData's own types, and true of this machine: its only models are
    interviews (see `InterviewMachine.fire`), a trigger's arguments are a tuple, and every
    callback here runs during a transition, so `transition` is set.
    """

    model: Interview
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    transition: Transition


def _chosen(event: _Event) -> str | None:
    value = event.kwargs.get("value", event.args[0] if event.args else None)
    return value if isinstance(value, str) else None


def _record_answer(event: _Event) -> None:
    """Keeps a valid answer; runs before the conditions so the route can depend on it."""
    model: Interview = event.model
    question = model.current_question
    value = _chosen(event)
    if question is not None and value is not None and question.option(value) is not None:
        model.answers[question.id] = value


def _record_skip(event: _Event) -> None:
    model: Interview = event.model
    question = model.current_question
    if question is not None and question.skippable and question.skip_option is not None:
        model.answers[question.id] = question.skip_option.value


def _is_valid_answer(event: _Event) -> bool:
    question = event.model.current_question
    value = _chosen(event)
    return question is not None and value is not None and question.option(value) is not None


def _ends_interview(event: _Event) -> bool:
    question = event.model.current_question
    option = question.option(_chosen(event) or "") if question else None
    return option is not None and option.ends_interview


def _can_skip(event: _Event) -> bool:
    question = event.model.current_question
    return question is not None and question.skippable


def _applies(question: ResolvedQuestion) -> Callable[[_Event], bool]:
    return lambda event: event.model.applies(question)


def _resumes_at(question_id: str) -> Callable[[_Event], bool]:
    return lambda event: event.model.resume_at == question_id


def _remember_position(event: _Event) -> None:
    event.model.resume_at = event.transition.source


def _forget_position(event: _Event) -> None:
    event.model.resume_at = None


def _drop_inapplicable(event: _Event) -> None:
    model: Interview = event.model
    model.answers = model.applicable_answers()


def _clear(event: _Event) -> None:
    event.model.answers = {}
    event.model.resume_at = None


def _forward_routes(questions: tuple[ResolvedQuestion, ...], index: int) -> list[Route]:
    """Where to go after question `index`: the first later question that applies, else done.

    transitions takes the first transition whose conditions hold, so the list runs in order and
    stops at the first question that always applies.
    """
    routes: list[Route] = []
    for later in questions[index + 1 :]:
        if later.when:
            routes.append((later.id, [_applies(later)]))
        else:
            routes.append((later.id, []))
            return routes
    routes.append((DONE, []))
    return routes


def _backward_routes(questions: tuple[ResolvedQuestion, ...], index: int) -> list[Route]:
    """Where 'back' goes from question `index`: the nearest earlier question that applies.

    The consent question is never gone back to: once given, consent is not asked again.
    """
    routes: list[Route] = []
    for earlier in reversed(questions[1:index]):
        routes.append((earlier.id, [_applies(earlier)] if earlier.when else []))
        if not earlier.when:
            break
    return routes


def build_machine(dialogue: Dialogue) -> Machine:
    """Builds the one machine that serves every interview of this dialogue."""
    questions = dialogue.questions
    states = [q.id for q in questions] + [PAUSED, DECLINED, DONE]
    machine = Machine(
        model=None,
        states=states,
        initial=questions[0].id,
        send_event=True,
        auto_transitions=False,
        ignore_invalid_triggers=True,
        model_attribute="state",
    )
    for index, question in enumerate(questions):
        if any(o.ends_interview for o in question.options):
            machine.add_transition(
                "answer",
                question.id,
                DECLINED,
                conditions=[_is_valid_answer, _ends_interview],
                after=_clear,
            )
        for dest, conditions in _forward_routes(questions, index):
            machine.add_transition(
                "answer",
                question.id,
                dest,
                prepare=_record_answer,
                conditions=[_is_valid_answer, *conditions],
                after=_drop_inapplicable,
            )
            if question.skippable:
                machine.add_transition(
                    "skip",
                    question.id,
                    dest,
                    prepare=_record_skip,
                    conditions=[_can_skip, *conditions],
                    after=_drop_inapplicable,
                )
        for dest, conditions in _backward_routes(questions, index):
            machine.add_transition("back", question.id, dest, conditions=conditions)
        machine.add_transition("pause", question.id, PAUSED, before=_remember_position)
        machine.add_transition(
            "resume",
            PAUSED,
            question.id,
            conditions=[_resumes_at(question.id)],
            after=_forget_position,
        )
    machine.add_transition("restart", "*", questions[0].id, before=_clear)
    return machine


TRIGGERS = frozenset({"answer", "skip", "back", "pause", "resume", "restart"})


class InterviewMachine:
    """Runs triggers of the shared machine on stored interviews, one interview at a time."""

    def __init__(self, dialogue: Dialogue) -> None:
        self.dialogue = dialogue
        self.machine = build_machine(dialogue)

    def new(self) -> Interview:
        return Interview(dialogue=self.dialogue, state=self.dialogue.questions[0].id)

    def fire(self, interview: Interview, trigger: str, **kwargs: Any) -> bool:
        """Runs one trigger on an interview; returns whether its state or answers changed."""
        if trigger not in TRIGGERS:
            raise ValueError(f"unknown trigger {trigger!r}")
        before = (interview.state, dict(interview.answers), interview.resume_at)
        # The event runs on the interview without add_model: binding every trigger and state
        # helper to each stored interview cost more than the transition itself, and nothing
        # is left behind on the machine (so threads need no lock).
        try:
            self.machine.events[trigger].trigger(interview, **kwargs)
        except MachineError:
            return False
        return before != (interview.state, interview.answers, interview.resume_at)
