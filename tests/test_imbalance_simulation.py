"""Imbalance fires for a real gap, not for noise: a simulation of people and teams.

Model (docs/scoring.md): a person's answer for a layer is that layer's true phase plus noise,
rounded and kept within 1-5. With no true difference every layer has the same true phase; with
a planted gap one side (or one layer) is two phases away from the rest. Print the table that
docs/scoring.md shows with `python -m tests.test_imbalance_simulation`.
"""

from __future__ import annotations

import random
from statistics import mean

from dialogues.loader import Dialogue, default_dialogue
from placement.layers import group_imbalance, imbalance

LAYERS = ["individu", "collegas", "leidinggevende", "hr", "directie"]
NOISE = 0.8  # sd of one answer around the true phase: about half of the answers are off by one
TEAM_SIZE = 6
PEOPLE, TEAMS = 3000, 600


def _answer(true: float, rng: random.Random, noise: float) -> int:
    return min(5, max(1, round(true + rng.gauss(0, noise))))


def _truth(plant: str, rng: random.Random) -> dict[str, float]:
    """True phases per layer: equal ('none'), work floor two ahead ('sides'), lead two behind."""
    if plant == "none":
        return dict.fromkeys(LAYERS, float(rng.randint(1, 5)))
    base = float(rng.randint(1, 3))
    if plant == "sides":
        return {layer: base + 2 if layer in LAYERS[:3] else base for layer in LAYERS}
    return {layer: base if layer == "leidinggevende" else base + 2 for layer in LAYERS}


def _person(truth: dict[str, float], rng: random.Random, noise: float) -> dict[str, float | None]:
    own = rng.gauss(0, 0.5)  # how this person rates in general: the same for every layer
    return {layer: float(_answer(t + own, rng, noise)) for layer, t in truth.items()}


def person_rate(dialogue: Dialogue, plant: str, noise: float = NOISE, seed: int = 1) -> float:
    rng = random.Random(seed)
    hits = sum(
        imbalance(dialogue, _person(_truth(plant, rng), rng, noise)) is not None
        for _ in range(PEOPLE)
    )
    return hits / PEOPLE


def team_rate(dialogue: Dialogue, plant: str, noise: float = NOISE, seed: int = 2) -> float:
    rng = random.Random(seed)
    rule = dialogue.scoring.phases.imbalance
    hits = 0
    for _ in range(TEAMS):
        truth = _truth(plant, rng)
        people = [_person(truth, rng, noise) for _ in range(TEAM_SIZE)]
        means = {layer: mean(p[layer] or 0.0 for p in people) for layer in LAYERS}
        hits += group_imbalance(rule, means) is not None
    return hits / TEAMS


def test_without_a_true_difference_imbalance_fires_for_fewer_than_one_in_ten(
    dialogue: Dialogue,
) -> None:
    assert person_rate(dialogue, "none") < 0.10
    assert team_rate(dialogue, "none") < 0.10


def test_a_planted_gap_of_two_phases_fires_for_most(dialogue: Dialogue) -> None:
    assert person_rate(dialogue, "sides") > 0.5
    assert team_rate(dialogue, "sides") > 0.5
    assert team_rate(dialogue, "lead") > 0.5  # one layer behind shows in a team's means


if __name__ == "__main__":  # the table in docs/scoring.md
    content = default_dialogue()
    for sd in (0.6, 0.8, 1.0):
        row = [person_rate(content, p, sd) for p in ("none", "sides", "lead")]
        row += [team_rate(content, p, sd) for p in ("none", "sides", "lead")]
        print(f"noise {sd}: " + " ".join(f"{r:6.1%}" for r in row))
