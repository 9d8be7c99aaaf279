"""The pulse's pure parts: which items it asks, its cut-down questionnaire, and the noise rule."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from dialogues.loader import Dialogue
from dialogues.rules import PulseRules
from placement.pulse import (
    BETTER,
    SAME,
    WORSE,
    Focus,
    compare,
    focus_from_stored,
    focus_questions,
    focus_scores,
    pulse_focus,
    stored_focus,
)
from statemachine import DONE, InterviewMachine
from tests.test_content import assert_error_names
from tests.test_kit import WORKERS, team_means

TEAM = 6
NOISE_SD = 0.8
TEAMS = 2000


def test_a_team_doing_well_gets_a_pulse_on_its_place_on_the_path_only(dialogue: Dialogue) -> None:
    focus = pulse_focus(dialogue, team_means(dialogue), WORKERS)
    assert focus == [Focus("path", "leren", ("le_toepassen", "le_fouten"))]


def test_the_kit_topics_give_their_items_and_an_imbalance_its_layers_behind_then_ahead(
    dialogue: Dialogue,
) -> None:
    means = team_means(
        dialogue,
        leerstructuur__programmeren=2.5,
        randvoorwaarden__werkdruk=2.2,
        groeimodel__leidinggevende=1.5,
    )
    focus = pulse_focus(dialogue, means, WORKERS)
    assert [(f.topic, f.key) for f in focus] == [
        ("path", "programmeren"),
        ("condition", "werkdruk"),
        ("imbalance", "leidinggevende"),  # behind
        ("imbalance", "individu"),  # ahead, the layers in their order
        ("imbalance", "collegas"),
    ]
    # pr_werkdruk serves two measures and is asked once: six items in all, the cap
    assert focus_questions(focus) == [
        "pr_aanbod",
        "pr_werkdruk",
        "er_mogen_1",
        "fase_leiding",
        "fase_individu",
        "fase_collegas",
    ]


def test_a_measure_goes_in_whole_or_not_at_all_within_the_cap(dialogue: Dialogue) -> None:
    means = team_means(
        dialogue,
        leerstructuur__programmeren=2.5,
        randvoorwaarden__gereedheid=2.2,
        groeimodel__leidinggevende=1.0,
        groeimodel__hr=1.0,
        groeimodel__directie=1.0,
    )
    focus = pulse_focus(dialogue, means, WORKERS)
    asked = focus_questions(focus)
    assert len(asked) <= dialogue.scoring.pulse.questions
    for f in focus:
        assert set(f.questions) <= set(asked)
    assert ("imbalance", "directie") in [(f.topic, f.key) for f in focus]
    assert ("imbalance", "collegas") not in [(f.topic, f.key) for f in focus]  # no room left


def test_a_factor_or_core_question_asks_its_own_items(dialogue: Dialogue) -> None:
    means = team_means(dialogue, eigen_regie__durven=3.0, dlo__dlo_sociaal=2.5)
    focus = pulse_focus(dialogue, means, WORKERS)
    assert [(f.topic, f.key, f.questions) for f in focus] == [
        ("path", "leren", ("le_toepassen", "le_fouten")),
        ("factor", "durven", ("er_durven_1", "er_durven_2")),
        ("core", "dlo_sociaal", ("dlo_sociaal",)),
    ]
    assert focus_from_stored(stored_focus(focus)) == focus


def test_the_pulse_runs_on_the_same_machine_code_and_asks_no_role(dialogue: Dialogue) -> None:
    asked = ["er_mogen_1", "fase_hr", "fase_leiding"]
    pulse = dialogue.restricted_to(asked)
    ids = [q.id for q in pulse.questions]
    assert ids == ["toestemming", "er_mogen_1", "fase_leiding", "fase_hr"]  # in scan order
    assert all(q.when is None for q in pulse.questions)  # 'rol' is not asked, so not asked about
    machine = InterviewMachine(pulse)
    interview = machine.new()
    machine.fire(interview, "answer", value="ja")
    seen = []
    while interview.state != DONE:
        question = interview.current_question
        assert question is not None
        seen.append(interview.prompt().data["number"])
        machine.fire(interview, "answer", value=question.options[3].value)
    assert seen == [1, 2, 3] and interview.prompt().data["key"] == "already_done"
    focus = [Focus("factor", "mogen", ("er_mogen_1",)), Focus("imbalance", "hr", ("fase_hr",))]
    scores = focus_scores(dialogue, focus, interview.applicable_answers())
    assert scores == {("eigen_regie", "mogen"): 4.0, ("groeimodel", "hr"): 4.0}


def rules(dialogue: Dialogue) -> PulseRules:
    return dialogue.scoring.pulse


def test_a_clear_step_up_is_better_a_clear_step_down_worse(dialogue: Dialogue) -> None:
    before = {2.0: 3, 3.0: 3}
    assert compare(before, {3.0: 3, 4.0: 3}, rules(dialogue)).verdict == BETTER
    assert compare({3.0: 3, 4.0: 3}, before, rules(dialogue)).verdict == WORSE
    same = compare(before, {2.0: 2, 3.0: 4, None: 1}, rules(dialogue))
    assert same.verdict == SAME and same.before == 2.5 and same.after == pytest.approx(8 / 3)


def test_a_spread_out_team_needs_more_than_a_step_and_a_tiny_shift_is_never_a_change(
    dialogue: Dialogue,
) -> None:
    wide = {1.0: 2, 3.0: 2, 5.0: 2}
    assert compare(wide, {2.0: 2, 4.0: 2, 5.0: 2}, rules(dialogue)).verdict == SAME
    # everyone alike both times: no noise at all, but a quarter step is still no change
    assert compare({3.0: 6}, {3.0: 4, 4.0: 1, 3.5: 1}, rules(dialogue)).verdict == SAME
    assert compare({3.0: 6}, {4.0: 6}, rules(dialogue)).verdict == BETTER


def test_without_two_known_answers_on_each_side_there_is_no_verdict(dialogue: Dialogue) -> None:
    assert compare({2.0: 5}, {5.0: 1, None: 4}, rules(dialogue)).verdict == SAME
    assert compare({}, {4.0: 5}, rules(dialogue)).before is None


def simulated_team(rng: random.Random, level: float, items: int) -> dict[float | None, int]:
    """Six people, each a measure of `items` answers: the true level plus noise, on 1-5."""
    counts: dict[float | None, int] = {}
    for _ in range(TEAM):
        answers = [min(5, max(1, round(level + rng.gauss(0, NOISE_SD)))) for _ in range(items)]
        score = sum(answers) / items
        counts[score] = counts.get(score, 0) + 1
    return counts


def change_rate(dialogue: Dialogue, shift: float, items: int, seed: int = 23) -> float:
    """How often the rule names a change over TEAMS simulated round-and-pulse pairs."""
    rng = random.Random(seed)
    called = 0
    for _ in range(TEAMS):
        level = rng.uniform(2.0, 3.5)
        before = simulated_team(rng, level, items)
        after = simulated_team(rng, level + shift, items)
        called += compare(before, after, rules(dialogue)).verdict != SAME
    return called / TEAMS


@pytest.mark.parametrize(("items", "hit_rate"), [(1, 0.465), (2, 0.7355)])
def test_noise_alone_is_rarely_called_a_change_and_a_true_step_often_is(
    dialogue: Dialogue, items: int, hit_rate: float
) -> None:
    """2,000 teams of six, answer noise sd 0.8: the rates docs/scoring.md states.

    Noise alone: 5.5% (one item) and 5.55% (two items) called a change; a true step up: 46.5%
    and 73.55% found. A single item in a team of six is a weak instrument, and says so.
    """
    false_alarms = change_rate(dialogue, 0.0, items)
    assert false_alarms <= 0.06, false_alarms
    assert change_rate(dialogue, 1.0, items) == pytest.approx(hit_rate, abs=0.005)


@pytest.mark.parametrize(
    ("edit", "item", "fault"),
    [
        ({"      mogen: [er_mogen_1, er_mogen_2]": "      mogen: [er_mogen_1, er_durven_2]"},
         "pulse.focus.factor 'mogen'", "question 'er_durven_2' measures 'durven'"),
        ({"      werkdruk: [pr_werkdruk, er_mogen_1]": "      werkdruk: [pr_werkdruk, dlo_basis]"},
         "pulse.focus.condition 'werkdruk'", "'dlo_basis' is not an item of 'werkdruk'"),
        ({"      hr: [fase_hr]\n": "      hr: [fase_hrr]\n"},
         "pulse.focus.imbalance 'hr'", "names 'fase_hrr'"),
        ({"      dlo_sociaal: [dlo_sociaal]\n": ""},
         "pulse.focus.core 'dlo_sociaal'", "has no items to ask"),
        ({"  after_days: 42": "  after_days: 90"}, "pulse.after_days", "less than until_days"),
    ],
)  # fmt: skip
def test_a_broken_pulse_rule_names_file_and_item(
    tmp_path: Path, edit: dict[str, str], item: str, fault: str
) -> None:
    assert_error_names(tmp_path, "scoring.yaml", edit, item, fault)
