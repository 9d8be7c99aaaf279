"""The interview machine on its own: no Telegram, no database, only `InterviewMachine`.

The shipped scan.yaml has no `when` conditions (yet), so every test also runs on a copy of it
where some questions are only asked for some roles ("by-role"). Expectations are derived from
the dialogue data: which questions apply, in which order, with which options.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogues.loader import (
    CONTENT_DIR,
    LOCALES_DIR,
    STRUCTURE_FILE,
    Dialogue,
    ResolvedQuestion,
    default_dialogue,
    load_dialogue,
)
from statemachine import DONE, PAUSED, Interview, InterviewMachine, Reply
from statemachine.interview import DECLINED

ROLE = "rol"  # the question whose answer the by-role conditions depend on


def dialogue_with(conditions: dict[str, dict[str, list[str]]]) -> Dialogue:
    """The shipped content with `when` conditions added, loaded through the real loader."""
    data = yaml.safe_load((CONTENT_DIR / STRUCTURE_FILE).read_text(encoding="utf-8"))
    found = set()
    for block in data["blocks"]:
        for question in block["questions"]:
            if question["id"] in conditions:
                question["when"] = conditions[question["id"]]
                found.add(question["id"])
    assert found == set(conditions), f"not in scan.yaml: {set(conditions) - found}"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(CONTENT_DIR / LOCALES_DIR, root / LOCALES_DIR)
        for content in CONTENT_DIR.glob("*.yaml"):  # scoring rules and tips come along
            shutil.copy(content, root / content.name)
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (root / STRUCTURE_FILE).write_text(text, encoding="utf-8")
        return load_dialogue(root)


# Conditions on the role only: soon after it, in the middle of a block, two in a row, and the
# last question.
BY_ROLE = {
    "er_weten_2": {ROLE: ["medewerker", "hr"]},
    "er_mogen_2": {ROLE: ["medewerker", "leidinggevende"]},
    "fase_leiding": {ROLE: ["medewerker", "hr"]},
    "fase_hr": {ROLE: ["medewerker", "leidinggevende", "directie"]},
    "leervoorkeur": {ROLE: ["medewerker"]},
}
DIALOGUES: dict[str, Dialogue] = {"shipped": default_dialogue(), "by-role": dialogue_with(BY_ROLE)}
MACHINES = {name: InterviewMachine(dialogue) for name, dialogue in DIALOGUES.items()}
NAMES = list(DIALOGUES)
CONDITIONAL = [name for name, d in DIALOGUES.items() if any(q.when for q in d.questions)]
ENDS = {DECLINED, DONE}


# -- helpers ---------------------------------------------------------------------------------


Snapshot = tuple[str, dict[str, str], str | None]


def snapshot(interview: Interview) -> Snapshot:
    return interview.state, dict(interview.answers), interview.resume_at


def rebuild(dialogue: Dialogue, interview: Interview) -> Interview:
    """What a restarted process sees: the stored state, answers and resume point, as text."""
    stored = json.loads(
        json.dumps(
            {
                "state": interview.state,
                "answers": interview.answers,
                "resume_at": interview.resume_at,
            }
        )
    )
    return Interview(
        dialogue=dialogue,
        answers=dict(stored["answers"]),
        resume_at=stored["resume_at"],
        state=stored["state"],
    )


def yes(question: ResolvedQuestion) -> str:
    return next(o.value for o in question.options if not o.ends_interview)


def no(question: ResolvedQuestion) -> str:
    return next(o.value for o in question.options if o.ends_interview)


def answers_only(question: ResolvedQuestion) -> list[str]:
    """The options that are a real answer: no 'weet ik niet', no way out."""
    return [o.value for o in question.options if not o.dont_know and not o.ends_interview]


def applies(question: ResolvedQuestion, answers: dict[str, str]) -> bool:
    """The spec of `when`, written out independently of the machine."""
    return all(answers.get(ref) in values for ref, values in (question.when or {}).items())


@dataclass(frozen=True)
class Route:
    """One way through the interview: a dialogue, a role and how every other question is met."""

    dialogue_name: str
    role: str
    strategy: str  # lowest | highest | skip

    @property
    def dialogue(self) -> Dialogue:
        return DIALOGUES[self.dialogue_name]

    @property
    def machine(self) -> InterviewMachine:
        return MACHINES[self.dialogue_name]

    def choose(self, question: ResolvedQuestion) -> str:
        if question.kind == "consent":
            return yes(question)
        if question.id == ROLE:
            return self.role
        if self.strategy == "skip" and question.skip_option is not None:
            return question.skip_option.value
        values = answers_only(question)
        return values[-1] if self.strategy == "highest" else values[0]

    def uses_skip(self, question: ResolvedQuestion) -> bool:
        return self.strategy == "skip" and question.skippable

    def expected(self) -> list[tuple[str, str]]:
        """The questions asked and the answers given, worked out from the dialogue data."""
        answers: dict[str, str] = {}
        for question in self.dialogue.questions:
            if applies(question, answers):
                answers[question.id] = self.choose(question)
        return list(answers.items())

    def __str__(self) -> str:
        return f"{self.dialogue_name}-{self.role}-{self.strategy}"


ROUTES = [
    Route(name, role, strategy)
    for name, dialogue in DIALOGUES.items()
    for role in answers_only(dialogue.question(ROLE))
    for strategy in ("lowest", "highest", "skip")
]


@dataclass(frozen=True)
class Step:
    """What the respondent saw at one question, and what they did."""

    question: str
    value: str
    reply: Reply


def step(route: Route, interview: Interview) -> Step:
    """Answers (or skips) the current question the way the route says."""
    question = interview.current_question
    assert question is not None and interview.state == question.id
    reply = interview.prompt()
    value = route.choose(question)
    if route.uses_skip(question):
        assert route.machine.fire(interview, "skip")
    else:
        assert route.machine.fire(interview, "answer", value=value)
    return Step(question.id, value, reply)


def walk(route: Route, until: str | None = None) -> tuple[Interview, list[Step]]:
    """Goes through the interview along the route, to the end or to question `until`."""
    interview = route.machine.new()
    steps: list[Step] = []
    while interview.state not in ENDS and interview.state != until:
        steps.append(step(route, interview))
        assert len(steps) <= len(route.dialogue.questions), "the interview does not end"
    return interview, steps


def counted(steps: list[Step]) -> list[Step]:
    return [s for s in steps if s.reply.data["question"].kind != "consent"]


# -- every path ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_consent_yes_leads_to_the_first_question(name: str) -> None:
    machine, dialogue = MACHINES[name], DIALOGUES[name]
    interview = machine.new()
    consent = dialogue.questions[0]
    assert interview.state == consent.id
    reply = interview.prompt()
    assert reply.template == "question" and reply.data["question"] == consent
    assert reply.data["number"] == 0, "consent is not counted as 'vraag 1'"
    assert reply.data["can_go_back"] is False
    assert machine.fire(interview, "answer", value=yes(consent))
    first = next(q for q in dialogue.questions[1:] if applies(q, interview.answers))
    assert interview.state == first.id
    assert interview.answers == {consent.id: yes(consent)}
    assert interview.prompt().data["number"] == 1


@pytest.mark.parametrize("name", NAMES)
def test_consent_no_ends_declined_and_keeps_nothing(name: str) -> None:
    machine, dialogue = MACHINES[name], DIALOGUES[name]
    interview = machine.new()
    consent = dialogue.questions[0]
    assert machine.fire(interview, "answer", value=no(consent))
    assert snapshot(interview) == (DECLINED, {}, None)
    assert interview.prompt() == Reply("message", {"key": "declined", "actions": []})
    for trigger, kwargs in [
        ("answer", {"value": yes(consent)}),
        ("answer", {"value": no(consent)}),
        ("back", {}),
        ("skip", {}),
        ("pause", {}),
        ("resume", {}),
    ]:
        assert not machine.fire(interview, trigger, **kwargs), trigger
        assert snapshot(interview) == (DECLINED, {}, None)
    assert machine.fire(interview, "restart")
    assert snapshot(interview) == (consent.id, {}, None)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_answering_every_question_in_order_reaches_done(route: Route) -> None:
    interview, steps = walk(route)
    expected = route.expected()
    assert [s.question for s in steps] == [qid for qid, _ in expected]
    assert interview.state == DONE
    assert interview.answers == dict(expected)
    assert interview.prompt() == Reply("message", {"key": "already_done", "actions": []})


def _condition_cases() -> list[Any]:
    cases = []
    for name in CONDITIONAL:
        dialogue = DIALOGUES[name]
        for question in dialogue.questions:
            for ref, values in (question.when or {}).items():
                if ref != ROLE:  # conditions on later answers: see the LLO test below
                    continue
                for option in dialogue.question(ref).options:
                    if option.ends_interview:
                        continue
                    held = option.value in values
                    case_id = f"{name}-{question.id}-{ref}={option.value}"
                    cases.append(
                        pytest.param(name, question.id, ref, option.value, held, id=case_id)
                    )
    return cases


@pytest.mark.parametrize(("name", "question_id", "ref", "value", "held"), _condition_cases())
def test_a_question_with_a_condition_is_asked_only_when_it_holds(
    name: str, question_id: str, ref: str, value: str, held: bool
) -> None:
    assert ref == ROLE, "this test sets the role; extend it for conditions on other questions"
    route = Route(name, value, "lowest")
    interview, steps = walk(route)
    asked = [s.question for s in steps]
    assert (question_id in asked) is held
    assert (question_id in interview.answers) is held
    assert interview.state == DONE


def test_the_by_role_copy_really_has_conditions() -> None:
    assert "by-role" in CONDITIONAL
    dialogue = DIALOGUES["by-role"]
    added = {q.id for q in dialogue.questions if q.when} - {
        q.id for q in default_dialogue().questions if q.when
    }
    assert added == set(BY_ROLE) - {q.id for q in default_dialogue().questions if q.when}
    assert all(dialogue.question(q).when for q in BY_ROLE)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_the_position_runs_from_one_to_the_total_without_gaps(route: Route) -> None:
    _, steps = walk(route)
    numbers = [s.reply.data["number"] for s in counted(steps)]
    totals = [s.reply.data["total"] for s in counted(steps)]
    assert numbers == list(range(1, len(numbers) + 1))
    assert totals[-1] == len(numbers), "the last question is not 'vraag n van n'"
    assert all(n <= t for n, t in zip(numbers, totals, strict=True))
    # Once every answer a condition looks at is given, the total stays put.
    refs = {ref for q in route.dialogue.questions for ref in (q.when or {})}
    asked = [s.question for s in counted(steps)]
    settled = max((asked.index(r) + 1 for r in refs if r in asked), default=0)
    assert set(totals[settled:]) <= {len(numbers)}


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_the_block_heading_comes_with_the_first_question_of_each_block(route: Route) -> None:
    _, steps = walk(route)
    blocks = [s.reply.data["question"].block for s in steps]
    shown = [s.reply.data["block_intro"] for s in steps]
    first_of_block = [i == 0 or blocks[i - 1] != blocks[i] for i in range(len(blocks))]
    assert shown == first_of_block


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_back_returns_to_the_previous_question_with_its_answer(route: Route) -> None:
    """At every question: back shows the previous asked question with its answer ticked."""
    expected = route.expected()
    asked = [qid for qid, _ in expected][1:]  # consent is never gone back to
    answers = dict(expected)
    interview = route.machine.new()
    step(route, interview)  # consent
    for index, question_id in enumerate(asked):
        assert interview.state == question_id
        before = snapshot(interview)
        can_go_back = interview.can_go_back()
        assert interview.prompt().data["can_go_back"] is can_go_back
        went_back = route.machine.fire(interview, "back")
        assert went_back is can_go_back is (index > 0)
        if went_back:
            previous = asked[index - 1]
            assert interview.state == previous
            assert interview.answers == before[1], "going back lost an answer"
            assert interview.prompt().data["previous_answer"] == answers[previous]
            # Giving the same answer again leads to the same place as before.
            step(route, interview)
        assert snapshot(interview) == before
        step(route, interview)
    assert interview.state == DONE
    assert interview.answers == answers


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_back_walks_every_asked_question_in_reverse(route: Route) -> None:
    asked = [qid for qid, _ in route.expected()]
    interview, _ = walk(route, until=asked[-1])
    answers = dict(interview.answers)
    visited = [interview.state]
    while route.machine.fire(interview, "back"):
        visited.append(interview.state)
        assert interview.answers == answers
        assert interview.prompt().data["previous_answer"] == answers[interview.state]
    assert visited == list(reversed(asked[1:]))
    assert interview.state == asked[1] and not interview.can_go_back()


@pytest.mark.parametrize("name", NAMES)
def test_back_at_the_first_question_is_refused(name: str) -> None:
    machine, dialogue = MACHINES[name], DIALOGUES[name]
    interview = machine.new()
    assert not machine.fire(interview, "back"), "back from the consent question"
    assert snapshot(interview) == (dialogue.questions[0].id, {}, None)
    machine.fire(interview, "answer", value=yes(dialogue.questions[0]))
    before = snapshot(interview)
    assert not interview.can_go_back()
    assert interview.prompt().data["can_go_back"] is False
    assert not machine.fire(interview, "back")
    assert snapshot(interview) == before


@pytest.mark.parametrize("name", NAMES)
def test_back_is_refused_when_paused_or_finished(name: str) -> None:
    route = Route(name, answers_only(DIALOGUES[name].question(ROLE))[0], "lowest")
    interview, _ = walk(route)
    done = snapshot(interview)
    assert not route.machine.fire(interview, "back")
    assert snapshot(interview) == done
    interview, _ = walk(route, until=route.expected()[3][0])
    route.machine.fire(interview, "pause")
    paused = snapshot(interview)
    assert not route.machine.fire(interview, "back")
    assert snapshot(interview) == paused


@pytest.mark.parametrize("route", [r for r in ROUTES if r.strategy == "lowest"], ids=str)
def test_skip_only_where_the_question_allows_it(route: Route) -> None:
    interview = route.machine.new()
    skipped = 0
    while interview.state not in ENDS:
        question = interview.current_question
        assert question is not None
        trial = rebuild(route.dialogue, interview)
        if question.skippable:
            assert question.skip_option is not None
            assert route.machine.fire(trial, "skip")
            # Skipping is the same as tapping 'weet ik niet'.
            tapped = rebuild(route.dialogue, interview)
            route.machine.fire(tapped, "answer", value=question.skip_option.value)
            assert snapshot(trial) == snapshot(tapped)
            assert trial.answers[question.id] == question.skip_option.value
            skipped += 1
        else:
            assert not route.machine.fire(trial, "skip"), f"{question.id} can be skipped"
            assert snapshot(trial) == snapshot(interview)
        step(route, interview)
    assert skipped == sum(route.dialogue.question(qid).skippable for qid, _ in route.expected()), (
        "not every skippable question was tried"
    )


@pytest.mark.parametrize("name", NAMES)
def test_invalid_answers_are_refused_and_change_nothing(name: str) -> None:
    route = Route(name, answers_only(DIALOGUES[name].question(ROLE))[-1], "lowest")
    every_value = {o.value for q in route.dialogue.questions for o in q.options}
    interview = route.machine.new()
    while interview.state not in ENDS:
        question = interview.current_question
        assert question is not None
        own = {o.value for o in question.options}
        # Answers that belong to other questions: one from each, no need for all of them.
        others = sorted(
            {
                next(o.value for o in q.options if o.value not in own)
                for q in route.dialogue.questions
                if any(o.value not in own for o in q.options)
            }
        )
        assert others
        before = snapshot(interview)
        for wrong in ["", "bestaat_niet", question.options[0].value.upper(), *others]:
            assert not route.machine.fire(interview, "answer", value=wrong), wrong
            assert snapshot(interview) == before, wrong
        assert not route.machine.fire(interview, "answer")
        assert snapshot(interview) == before
        step(route, interview)
    done = snapshot(interview)
    for value in sorted(every_value):
        assert not route.machine.fire(interview, "answer", value=value)
    assert snapshot(interview) == done


@pytest.mark.parametrize("route", [r for r in ROUTES if r.strategy != "skip"], ids=str)
def test_pause_then_resume_returns_to_the_same_question(route: Route) -> None:
    interview = route.machine.new()
    while interview.state not in ENDS:
        question = interview.current_question
        assert question is not None
        before, reply, position = snapshot(interview), interview.prompt(), interview.position()
        assert route.machine.fire(interview, "pause")
        assert interview.state == PAUSED and interview.answers == before[1]
        assert interview.prompt() == Reply("message", {"key": "paused", "actions": ["resume"]})
        assert interview.position() == position
        paused = snapshot(interview)
        for trigger, kwargs in [
            ("answer", {"value": route.choose(question)}),
            ("skip", {}),
            ("back", {}),
            ("pause", {}),
        ]:
            assert not route.machine.fire(interview, trigger, **kwargs), trigger
            assert snapshot(interview) == paused, trigger
        assert route.machine.fire(interview, "resume")
        assert snapshot(interview) == before
        assert interview.prompt() == reply
        assert not route.machine.fire(interview, "resume"), "resume when not paused"
        step(route, interview)
    assert not route.machine.fire(interview, "pause"), "pause after the end"


def _reach(route: Route, where: str) -> Interview:
    interview = route.machine.new()
    middle = route.expected()[len(route.expected()) // 2][0]
    if where == "declined":
        route.machine.fire(interview, "answer", value=no(route.dialogue.questions[0]))
    elif where == "middle":
        interview, _ = walk(route, until=middle)
    elif where == "paused":
        interview, _ = walk(route, until=middle)
        route.machine.fire(interview, "pause")
    elif where == "done":
        interview, _ = walk(route)
    assert interview.state == {"middle": middle}.get(where, where)
    return interview


@pytest.mark.parametrize("where", ["middle", "paused", "done", "declined"])
@pytest.mark.parametrize("name", NAMES)
def test_restart_clears_the_answers_and_starts_over(name: str, where: str) -> None:
    dialogue = DIALOGUES[name]
    first_role, other_role = answers_only(dialogue.question(ROLE))[:2]
    interview = _reach(Route(name, first_role, "highest"), where)
    assert MACHINES[name].fire(interview, "restart")
    assert snapshot(interview) == (dialogue.questions[0].id, {}, None)
    assert interview.prompt().data["question"] == dialogue.questions[0]
    # The new round knows nothing of the old one.
    again = Route(name, other_role, "lowest")
    steps: list[Step] = []
    while interview.state not in ENDS:
        steps.append(step(again, interview))
    assert interview.state == DONE
    assert interview.answers == dict(again.expected())
    assert all(s.reply.data["previous_answer"] is None for s in steps)


# -- rebuilding from storage -----------------------------------------------------------------

Event = tuple[str, str | None]  # trigger, value of an answer


def _script(name: str) -> list[Event]:
    """A long, mixed session: answers, wrong answers, skips, back, pauses, a change of role."""
    dialogue, machine = DIALOGUES[name], MACHINES[name]
    roles = answers_only(dialogue.question(ROLE))
    interview = machine.new()
    events: list[Event] = []

    def fire(trigger: str, value: str | None = None) -> None:
        events.append((trigger, value))
        machine.fire(interview, trigger, **({"value": value} if value is not None else {}))

    fire("answer", yes(dialogue.questions[0]))
    fire("answer", roles[0])
    changed_role = False
    count = 0
    while interview.state not in ENDS:
        count += 1
        question = interview.current_question
        assert question is not None and count < 200
        if count == 8 and not changed_role:
            while interview.state != ROLE:
                fire("back")
            fire("answer", roles[-1])  # another role: other questions apply
            changed_role = True
        elif count % 7 == 0:
            fire("pause")
            fire("answer", answers_only(question)[0])  # refused while paused
            fire("resume")
        elif count % 5 == 0:
            fire("answer", "bestaat_niet")
            fire("skip")
        elif count % 6 == 0 and interview.can_go_back():
            fire("back")
            fire("answer", answers_only(interview.current_question or question)[-1])
        else:
            values = answers_only(question)
            fire("answer", values[count % len(values)])
    fire("back")  # refused at the end
    return events


SCRIPTS = {name: _script(name) for name in NAMES}


def _run(name: str, interview: Interview, events: list[Event]) -> list[tuple[bool, Snapshot]]:
    machine = MACHINES[name]
    trace = []
    for trigger, value in events:
        changed = machine.fire(interview, trigger, **({"value": value} if value else {}))
        trace.append((changed, snapshot(interview)))
    return trace


@pytest.mark.parametrize(
    ("name", "cut"),
    [
        pytest.param(name, cut, id=f"{name}-after-{cut}-events")
        for name in NAMES
        for cut in range(len(SCRIPTS[name]) + 1)
    ],
)
def test_a_rebuilt_interview_continues_identically(name: str, cut: int) -> None:
    dialogue, events = DIALOGUES[name], SCRIPTS[name]
    straight = MACHINES[name].new()
    expected = _run(name, straight, events)
    assert straight.state == DONE, "the script does not reach the end"
    interview = MACHINES[name].new()
    head = _run(name, interview, events[:cut])
    stored_reply = interview.prompt()
    # A new process: a new machine and an interview made from what storage holds.
    restarted = InterviewMachine(dialogue)
    interview = rebuild(dialogue, interview)
    assert interview.prompt() == stored_reply
    tail = []
    for trigger, value in events[cut:]:
        changed = restarted.fire(interview, trigger, **({"value": value} if value else {}))
        tail.append((changed, snapshot(interview)))
    assert head + tail == expected
    assert interview.prompt() == straight.prompt()


# -- properties over random sessions ---------------------------------------------------------

# Mostly answers, so that random sessions get deep into the interview and to its end.
OTHER_KINDS = ["wrong", "back", "revise", "skip", "pause", "resume", "decline", "restart"]
KINDS = ["answer"] * 6 + OTHER_KINDS
Random = tuple[str, int]


@st.composite
def sessions(draw: st.DrawFn) -> list[Random]:
    """A run of valid answers (to get somewhere), then a mix of everything.

    'back' comes in runs of 1-30; 'revise' is such a run and then an answer, so that sessions
    also go back to the role and choose another one."""
    lead = draw(st.integers(0, 30))
    events = [("answer", draw(st.integers(0, 29))) for _ in range(lead)]
    for kind, pick in draw(st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 29)))):
        if kind in ("back", "revise"):
            events += [("back", pick)] * (pick + 1)
            events += [("answer", pick + 1)] if kind == "revise" else []
        else:
            events.append((kind, pick))
    return events


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


def resolve(dialogue: Dialogue, interview: Interview, kind: str, pick: int) -> Event:
    """Turns a random event into a trigger with a value chosen for the current question.

    'answer' picks one of the question's options but never the way out, 'decline' the way
    out (or any option), 'wrong' a value the question does not have."""
    question = interview.current_question
    every_value = sorted({o.value for q in dialogue.questions for o in q.options})
    if kind in ("answer", "decline"):
        options = [o.value for o in question.options] if question else every_value
        ends = {o.value for o in question.options if o.ends_interview} if question else set()
        chosen = [v for v in options if (v in ends) == (kind == "decline")] or options
        return "answer", chosen[pick % len(chosen)]
    if kind == "wrong":
        own = {o.value for o in question.options} if question else set()
        wrong = [v for v in every_value if v not in own] + ["", "bestaat_niet"]
        return "answer", wrong[pick % len(wrong)]
    return kind, None


def fire(machine: InterviewMachine, interview: Interview, event: Event) -> bool:
    trigger, value = event
    return machine.fire(interview, trigger, **({"value": value} if value is not None else {}))


def check(
    dialogue: Dialogue, event: Event, before: Snapshot, asked_before: str | None, after: Interview
) -> None:
    """What must hold after every event, whatever came before."""
    state, answers, resume_at = snapshot(after)
    questions = {q.id for q in dialogue.questions}
    assert state in questions | {PAUSED, DECLINED, DONE}, state
    assert (resume_at is not None) == (state == PAUSED)
    if state == PAUSED:
        assert resume_at in questions
    current = after.current_question
    if current is not None:
        assert applies(current, answers), f"{current.id} is asked but does not apply"
        earlier = dialogue.questions[: dialogue.questions.index(current)]
        unasked = [q.id for q in earlier if applies(q, answers) and q.id not in answers]
        assert not unasked, f"skipped over {unasked}"
    if state == DONE:
        unasked = [q.id for q in dialogue.questions if applies(q, answers) and q.id not in answers]
        assert not unasked, f"done without {unasked}"
    for question_id, value in answers.items():
        assert dialogue.has_question(question_id)
        question = dialogue.question(question_id)
        assert question.option(value) is not None, (question_id, value)
        assert applies(question, answers), f"kept an answer to {question_id}, which does not apply"
    # No answer is lost, except by restart, declining, choosing again or no longer applying.
    trigger, _ = event
    for question_id, value in before[1].items():
        if answers.get(question_id) == value or trigger == "restart" or state == DECLINED:
            continue
        if trigger in ("answer", "skip") and question_id == asked_before:
            continue
        assert not applies(dialogue.question(question_id), answers), f"lost {question_id}"
    prompt = after.prompt()
    if prompt.template == "question":
        number, total = prompt.data["number"], prompt.data["total"]
        assert (number == 0) if current and current.kind == "consent" else (1 <= number <= total)


@pytest.mark.parametrize("name", NAMES)
@PROPERTY_SETTINGS
@given(events=sessions())
def test_random_sessions_keep_the_interview_consistent(name: str, events: list[Random]) -> None:
    dialogue, machine = DIALOGUES[name], MACHINES[name]
    interview = machine.new()
    for kind, pick in events:
        event = resolve(dialogue, interview, kind, pick)
        before = snapshot(interview)
        asked = interview.state if dialogue.has_question(interview.state) else None
        changed = fire(machine, interview, event)
        assert changed == (snapshot(interview) != before)
        check(dialogue, event, before, asked, interview)


@PROPERTY_SETTINGS
@given(events=sessions())
def test_random_sessions_replay_identically_on_rebuilt_interviews(events: list[Random]) -> None:
    """One interview lives on; the other is stored and rebuilt by a new machine every event.

    Only on the by-role copy: it has every question of the shipped dialogue and conditional
    routes besides (and the shipped dialogue is rebuilt at every point of a session in
    test_a_rebuilt_interview_continues_identically)."""
    dialogue, machine = DIALOGUES["by-role"], MACHINES["by-role"]
    other_machine = InterviewMachine(dialogue)
    living, stored = machine.new(), machine.new()
    for kind, pick in events:
        event = resolve(dialogue, living, kind, pick)
        assert resolve(dialogue, stored, kind, pick) == event
        stored = rebuild(dialogue, stored)
        assert fire(machine, living, event) == fire(other_machine, stored, event)
        assert snapshot(stored) == snapshot(living)
        assert stored.prompt() == living.prompt()


# -- known bugs ------------------------------------------------------------------------------


def test_skipping_a_question_a_condition_depends_on_drops_what_it_rules_out() -> None:
    dialogue = dialogue_with(
        {"dlo_economisch": {"dlo_basis": answers_only(DIALOGUES["shipped"].question("dlo_basis"))}}
    )
    machine = InterviewMachine(dialogue)
    route = Route("shipped", "medewerker", "lowest")
    interview = machine.new()
    while interview.state != "dlo_sociaal":
        question = interview.current_question
        assert question is not None
        machine.fire(interview, "answer", value=route.choose(question))
    assert "dlo_economisch" in interview.answers
    machine.fire(interview, "back")
    machine.fire(interview, "back")
    assert interview.state == "dlo_basis"
    tapped = rebuild(dialogue, interview)
    machine.fire(tapped, "answer", value="weet_niet")
    assert "dlo_economisch" not in tapped.answers  # tapping 'weet ik niet' drops it
    machine.fire(interview, "skip")
    assert snapshot(interview) == snapshot(tapped)


def test_changing_an_answer_also_drops_answers_that_depended_on_a_dropped_answer() -> None:
    dialogue = dialogue_with(
        {"fase_leiding": {ROLE: ["medewerker"]}, "fase_hr": {"fase_leiding": ["actie"]}}
    )
    machine = InterviewMachine(dialogue)
    interview = machine.new()
    while interview.state != "fase_directie":
        question = interview.current_question
        assert question is not None
        chosen = {ROLE: "medewerker", "fase_leiding": "actie"}
        value = yes(question) if question.kind == "consent" else chosen.get(question.id)
        machine.fire(interview, "answer", value=value or answers_only(question)[0])
    assert {"fase_leiding", "fase_hr"} <= set(interview.answers)
    while interview.state != ROLE:
        assert machine.fire(interview, "back")
    machine.fire(interview, "answer", value="hr")
    assert "fase_leiding" not in interview.answers
    assert "fase_hr" not in interview.answers, "kept an answer to a question that is not asked"


def test_the_block_heading_shows_when_the_first_question_of_the_block_is_not_asked() -> None:
    dialogue = dialogue_with({"fase_individu": {ROLE: ["medewerker"]}})
    machine = InterviewMachine(dialogue)
    interview = machine.new()
    machine.fire(interview, "answer", value=yes(dialogue.questions[0]))
    machine.fire(interview, "answer", value="hr")
    while interview.state != "fase_medewerkers":  # the block's first question asked of HR
        question = interview.current_question
        assert question is not None and question.block != "fasen"
        machine.fire(interview, "answer", value=answers_only(question)[0])
    assert interview.prompt().data["block_intro"] is True


def test_firing_twice_on_one_interview_logs_no_warnings(caplog: pytest.LogCaptureFixture) -> None:
    machine, dialogue = MACHINES["shipped"], DIALOGUES["shipped"]
    interview = machine.new()
    with caplog.at_level(logging.WARNING, logger="transitions"):
        assert machine.fire(interview, "answer", value=yes(dialogue.questions[0]))
        assert machine.fire(interview, "pause")
        assert machine.fire(interview, "resume")
    assert interview.state == dialogue.questions[1].id
    assert [r.getMessage() for r in caplog.records] == []
