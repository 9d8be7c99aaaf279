"""Edge cases of the placement rules that the personas do not reach."""

from __future__ import annotations

from dialogues.loader import Dialogue
from placement.layers import imbalance
from placement.llo import llo_moves
from placement.path import process_of, ring_of


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


def test_imbalance_starts_at_a_gap_of_two(dialogue: Dialogue) -> None:
    even = {"individu": 3, "collegas": 3, "leidinggevende": 3, "hr": 2, "directie": None}
    assert imbalance(dialogue, even) is None
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
