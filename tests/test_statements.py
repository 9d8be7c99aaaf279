"""Every summary sentence is true of the answers it rests on, and no tie is decided by order."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render import Renderer
from dialogues.loader import Dialogue
from placement import compute_placement
from placement.evidence import Claim, holds, unsupported
from placement.regie import factor_questions
from statemachine import Reply
from tests.test_properties import DIALOGUE, Answers, answer_sets

REGIE = [q.id for q in DIALOGUE.questions_of("eigen_regie")]
KLOPT5 = [q.id for q in DIALOGUE.questions if q.scale == "klopt5"]
# Every key the placement can say something with; each one declares its evidence.
SAID = {
    "regie_unknown",
    "regie_equal",
    "regie_strong",
    "regie_weak",
    "same_answers",
    "source",
    "phase",
    "imbalance_person",
    "ring",
    "process",
    "position",
    "path_unknown",
    "energy",
    "energy_unknown",
    "energy_attention",
    "condition",
    "preference",
}
NO_EVIDENCE = {"position"}  # a guiding question for ring x process: claims nothing new


@st.composite
def lopsided_sets(draw: st.DrawFn) -> Answers:
    """Answer sets that hit the edges: many 'weet ik niet', ties, one option everywhere."""
    answers = draw(answer_sets())
    style = draw(st.sampled_from(["tie", "same", "dont_know", "as_is"]))
    if style == "same":
        value = draw(st.sampled_from(["klopt_helemaal_niet", "beetje", "klopt", "klopt_helemaal"]))
        answers |= {q: value for q in KLOPT5 if q in answers}
    elif style == "dont_know":
        share = draw(st.integers(min_value=3, max_value=len(REGIE)))
        answers |= dict.fromkeys(REGIE[:share], "weet_niet")
    elif style == "tie":  # two factors answered alike
        first, second = draw(st.permutations(list(factor_questions(DIALOGUE).values())))[:2]
        answers |= {q: answers[p] for p, q in zip(first, second, strict=True)}
    return answers


@settings(max_examples=400, deadline=None)
@given(lopsided_sets())
def test_no_summary_sentence_contradicts_the_answers_it_rests_on(answers: Answers) -> None:
    placement = compute_placement(DIALOGUE, answers)
    keys = {s.key for s in placement.statements}
    assert keys <= SAID
    assert all(s.evidence for s in placement.statements if s.key not in NO_EVIDENCE)
    assert unsupported(DIALOGUE, answers, list(placement.statements)) == []
    # Exactly one way of speaking about eigen regie.
    regie = [k for k in keys if k.startswith("regie_")]
    assert regie in (["regie_unknown"], ["regie_equal"]) or set(regie) == {
        "regie_strong",
        "regie_weak",
    }


@settings(max_examples=200, deadline=None)
@given(lopsided_sets())
def test_too_little_known_only_when_most_answers_were_weet_ik_niet(answers: Answers) -> None:
    placement = compute_placement(DIALOGUE, answers)
    mostly_unknown = holds(DIALOGUE, answers, Claim((tuple(REGIE),), "mostly_unknown", 0.5))
    assert bool(placement.said("regie_unknown")) == mostly_unknown


@settings(max_examples=200, deadline=None)
@given(lopsided_sets())
def test_equal_factors_are_treated_alike(answers: Answers) -> None:
    placement = compute_placement(DIALOGUE, answers)
    regie = placement.regie
    assert regie is not None
    for f, score in placement.factors.items():
        for g, other in placement.factors.items():
            if score is not None and score == other:
                assert (f in regie.strong) == (g in regie.strong)
                assert (f in regie.weak) == (g in regie.weak)


def reordered(dialogue: Dialogue) -> Dialogue:
    """The same content with the eigen-regie factors listed the other way round."""
    other = copy.deepcopy(dialogue)
    dimensions = other.model("eigen_regie").dimensions
    dimensions.reverse()
    assert other.model("eigen_regie").dimensions != dialogue.model("eigen_regie").dimensions
    return other


REORDERED = reordered(DIALOGUE)


@settings(max_examples=200, deadline=None)
@given(lopsided_sets())
def test_ties_are_never_decided_by_the_order_of_the_list(answers: Answers) -> None:
    placement = compute_placement(DIALOGUE, answers)
    other = compute_placement(REORDERED, answers)
    assert (placement.strongest, placement.weakest) == (other.strongest, other.weakest)
    assert placement.regie is not None and other.regie is not None
    assert set(placement.regie.strong) == set(other.regie.strong)
    assert set(placement.regie.weak) == set(other.regie.weak)


@settings(max_examples=100, deadline=None)
@given(lopsided_sets())
def test_the_summary_renders_what_the_statements_say(answers: Answers) -> None:
    placement = compute_placement(DIALOGUE, answers)
    renderer = Renderer(DIALOGUE)
    for language in ("nl", "en"):
        words = DIALOGUE.locale(language).messages
        data = {"placement": placement, "movement": None, "detailed": True}
        text = renderer.render(Reply("summary", data), language).text
        if placement.said("regie_equal"):
            assert words["regie_equal"] in text
        if placement.said("regie_unknown"):
            assert words["summary_factors_unknown"].replace("'", "&#39;") in text
        for s in placement.said("regie_strong") + placement.said("regie_weak"):
            assert all(words[f"factor_{f}"] in text for f in s.params["factors"])
        assert (words["same_answers"] in text) == placement.same_answers
