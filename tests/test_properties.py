"""Property tests of the placement rules: monotone, complete, and fair to 'weet ik niet'."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dialogues.loader import ResolvedQuestion, default_dialogue
from placement import Placement, compute_placement
from statemachine import Interview

DIALOGUE = default_dialogue()
RULES = DIALOGUE.scoring
SCORED = [q for q in DIALOGUE.questions if q.kind in ("scale", "phase")]
CHOICES = [q for q in DIALOGUE.questions if q.kind == "choice" and q.id != RULES.roles.question]
ROLES = [r.value for r in RULES.roles.options]
POSITIONS = {p.position for p in RULES.path.positions}
Answers = dict[str, str]


def _values(question: ResolvedQuestion, dont_know: bool) -> list[str]:
    return [o.value for o in question.options if dont_know or not o.dont_know]


@st.composite
def answer_sets(draw: st.DrawFn, dont_know: bool = True) -> Answers:
    """Answers to every question asked; with dont_know=False a complete set of real answers."""
    answers = {DIALOGUE.questions[0].id: "ja", RULES.roles.question: draw(st.sampled_from(ROLES))}
    for question in [*SCORED, *CHOICES]:
        answers[question.id] = draw(st.sampled_from(_values(question, dont_know)))
    return Interview(dialogue=DIALOGUE, answers=answers).applicable_answers()


def _index(names: list[str], value: str | None) -> int | None:
    return names.index(value) if value is not None else None


def numbers(placement: Placement) -> dict[str, float | None]:
    """Every quantity that should only go up when answers go up."""
    path, rules = placement.path, RULES.path
    values: dict[str, float | None] = {f"phase:{k}": v for k, v in placement.phases.items()}
    values.update({f"factor:{k}": v for k, v in placement.factors.items()})
    values.update({f"process:{k}": v for k, v in path.process_scores.items()})
    values.update({f"condition:{k}": v for k, v in placement.conditions.items()})
    values.update({f"core:{k}": v for k, v in placement.sustainability.core.items()})
    values["level"] = path.level
    values["ring"] = _index([b.ring for b in rules.rings], path.ring)
    values["stalled_at"] = _index([p.process for p in rules.processes], path.process)
    values["sustainability"] = placement.sustainability.score
    verdicts = [v.verdict for v in RULES.sustainability.verdicts]
    values["verdict"] = _index(verdicts, placement.sustainability.verdict)
    return values


def never_lower(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The quantities known in both that went down."""
    return [
        key
        for key, old in before.items()
        if old is not None and after[key] is not None and after[key] < old
    ]


@settings(max_examples=300, deadline=None)
@given(answer_sets(), st.sampled_from(SCORED))
def test_a_higher_answer_never_gives_a_lower_phase_or_score(
    answers: Answers, question: ResolvedQuestion
) -> None:
    if question.id not in answers:
        return
    scale = [o for o in question.options if not o.dont_know]
    current = question.option(answers[question.id])
    assert current is not None
    if current.dont_know or current == scale[-1]:
        return
    higher = {**answers, question.id: scale[scale.index(current) + 1].value}
    before = numbers(compute_placement(DIALOGUE, answers))
    after = numbers(compute_placement(DIALOGUE, higher))
    assert never_lower(before, after) == []
    assert {k for k, v in before.items() if v is None} == {k for k, v in after.items() if v is None}


@settings(max_examples=300, deadline=None)
@given(answer_sets(dont_know=False))
def test_every_complete_answer_set_has_exactly_one_of_the_12_positions(answers: Answers) -> None:
    placement = compute_placement(DIALOGUE, answers)
    assert len(POSITIONS) == 12
    assert placement.path.position in POSITIONS
    matching = [
        p
        for p in RULES.path.positions
        if (p.ring, p.process) == (placement.path.ring, placement.path.process)
    ]
    assert [p.position for p in matching] == [placement.path.position]


@settings(max_examples=300, deadline=None)
@given(answer_sets(), st.sampled_from([q for q in SCORED if q.skippable]))
def test_weet_ik_niet_never_changes_a_score_downwards(
    answers: Answers, question: ResolvedQuestion
) -> None:
    assert question.skip_option is not None
    if question.id not in answers:
        return
    lowest = next(o for o in question.options if not o.dont_know)
    dont_know = numbers(
        compute_placement(DIALOGUE, {**answers, question.id: question.skip_option.value})
    )
    low = numbers(compute_placement(DIALOGUE, {**answers, question.id: lowest.value}))
    unanswered = {k: v for k, v in answers.items() if k != question.id}
    assert never_lower(low, dont_know) == []
    assert numbers(compute_placement(DIALOGUE, unanswered)) == dont_know


@settings(max_examples=200, deadline=None)
@given(answer_sets())
def test_three_different_tips_and_role_respondents_get_one_for_their_layer(
    answers: Answers,
) -> None:
    placement = compute_placement(DIALOGUE, answers)
    assert len(placement.tips) == len(set(placement.tips)) == RULES.tips.count
    layers = {t.id: t.layer for t in DIALOGUE.tips}
    if placement.role_layer != placement.own_layer:
        assert placement.role_layer in {layers[t] for t in placement.tips}
