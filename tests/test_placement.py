"""Edge cases of the placement rules that the personas do not reach."""

from __future__ import annotations

from datetime import datetime

from dialogues.loader import Dialogue
from placement import compute_placement
from placement.layers import group_imbalance, imbalance
from placement.llo import llo_moves
from placement.movement import movement_since
from placement.path import process_of, ring_of
from placement.regie import groups


def test_one_clearly_weak_factor_caps_the_ring(dialogue: Dialogue) -> None:
    rules = dialogue.scoring.path
    strong = {"weten": 5.0, "willen": 5.0, "kunnen": 5.0, "mogen": 5.0}
    assert ring_of(rules, {**strong, "durven": 4.0}) == (4.8, "realisatie")
    assert ring_of(rules, {**strong, "durven": 1.0}) == (4.2, "cultivatie")
    assert ring_of(rules, {"weten": 5.0, "willen": 5.0, "kunnen": None}) == (5.0, None)


def test_the_first_stalled_process_counts_and_unknown_ones_are_skipped(dialogue: Dialogue) -> None:
    rules = dialogue.scoring.path
    scores = {"doelen_stellen": 4.0, "programmeren": 2.5, "padvinden": 1.0, "leren": 4.0}
    assert process_of(rules, scores) == "programmeren"
    assert process_of(rules, {**scores, "programmeren": None}) == "padvinden"
    assert process_of(rules, dict.fromkeys(scores, 3.0)) == "leren"
    assert process_of(rules, dict.fromkeys(scores)) is None


def test_one_persons_imbalance_compares_the_work_floor_with_the_organisation(
    dialogue: Dialogue,
) -> None:
    even = {"individu": 3, "collegas": 3, "leidinggevende": 3, "hr": 2, "directie": None}
    assert imbalance(dialogue, even) is None  # one step apart on average: no imbalance
    # One layer far off within the work floor is not a gap between the two sides.
    assert imbalance(dialogue, {**even, "individu": 5, "collegas": 1}) is None
    found = imbalance(dialogue, {**even, "hr": 1})
    assert found is not None
    assert (found.kind, found.ahead, found.behind, found.gap) == (
        "werkvloer_voor",
        ("individu", "collegas", "leidinggevende"),
        ("hr",),
        2,
    )


def test_llo_names_what_moves_from_now_to_the_wish(dialogue: Dialogue) -> None:
    def moves(now: str | None, wish: str | None) -> list[str]:
        return llo_moves(dialogue, {"verleden": None, "heden": now, "gewenst": wish})

    assert moves("defensief", "preventief") == ["timing_up", "focus_people"]
    assert moves("offensief", "defensief") == ["timing_down"]
    assert moves("curatief", "defensief") == ["focus_organisation"]
    assert moves("curatief", "curatief") == ["same"]
    assert moves(None, "curatief") == []


def test_a_groups_imbalance_is_on_its_layer_means(dialogue: Dialogue) -> None:
    rule = dialogue.scoring.phases.imbalance
    # Five of six put their lead at phase 1, the rest of the layers sit near 3.
    means = {"individu": 3.0, "collegas": 3.2, "leidinggevende": 8 / 6, "hr": 2.8, "directie": 3.0}
    found = group_imbalance(rule, means)
    assert found is not None and found.behind == ("leidinggevende",)
    assert found.ahead == ("collegas",) and found.kind == "gemengd"
    assert group_imbalance(rule, {**means, "leidinggevende": 2.5}) is None


def test_about_equal_factors_are_never_split_by_their_order(dialogue: Dialogue) -> None:
    rules = dialogue.scoring.eigen_regie
    five = dict.fromkeys(["weten", "willen", "kunnen", "durven", "mogen"], 4.0)
    assert groups(rules, five) == (True, (), ())
    assert groups(rules, {**five, "mogen": 3.5}) == (True, (), ())  # one answer step
    assert groups(rules, {**five, "weten": 3.0, "mogen": 3.0}) == (
        False,
        ("willen", "kunnen", "durven"),
        ("weten", "mogen"),
    )


def test_all_klopt_is_about_equal_not_unknown(dialogue: Dialogue) -> None:
    answers = {"toestemming": "ja", "rol": "medewerker"}
    answers |= {q.id: "klopt" for q in dialogue.questions if q.scale == "klopt5"}
    placement = compute_placement(dialogue, answers)
    assert [s.key for s in placement.statements][:2] == ["regie_equal", "same_answers"]
    assert placement.same_answers and (placement.strongest, placement.weakest) == (None, None)


def test_a_tie_for_the_weakest_factor_goes_by_low_answers_then_the_documented_priority(
    dialogue: Dialogue,
) -> None:
    answers = {"toestemming": "ja", "rol": "medewerker"}
    answers |= {q.id: "klopt_helemaal" for q in dialogue.questions_of("eigen_regie")}
    # weten and mogen both average 3: weten with a low answer (1 and 5), mogen with two 3s.
    answers |= {"er_weten_1": "klopt_helemaal_niet", "er_mogen_1": "beetje", "er_mogen_2": "beetje"}
    placement = compute_placement(dialogue, answers)
    assert placement.regie is not None and set(placement.regie.weak) == {"weten", "mogen"}
    assert placement.weakest == "weten"  # the one with a low answer
    answers |= {"er_weten_1": "beetje", "er_weten_2": "beetje"}
    assert compute_placement(dialogue, answers).weakest == "mogen"  # tie_priority: mogen first


def test_a_change_of_one_answer_step_is_not_reported(dialogue: Dialogue) -> None:
    answers = {"toestemming": "ja", "rol": "medewerker", "fase_individu": "actie"}
    answers |= {q.id: "klopt" for q in dialogue.questions_of("eigen_regie")}
    now = compute_placement(dialogue, answers)
    rule = dialogue.scoring.movement
    when = datetime(2026, 1, 1)
    before = {("eigen_regie", f): 4.0 for f in now.factors} | {("groeimodel", "individu"): 2.0}
    one_step = {**before, ("eigen_regie", "weten"): 3.5}
    moved = movement_since(now, one_step, when, rule)
    assert (moved.phase, moved.up, moved.down) == (None, [], [])
    two_steps = {**before, ("eigen_regie", "weten"): 3.0, ("groeimodel", "individu"): 1.0}
    moved = movement_since(now, two_steps, when, rule)
    assert (moved.phase, moved.up) == ((1, 3), ["weten"])
