"""A team's place on the path and the interventions that fit it, from the team's averages only."""

from __future__ import annotations

from dataclasses import dataclass

from dialogues.loader import Dialogue
from placement.path import process_of, ring_of
from placement.regie import strongest_and_weakest
from placement.tips import TipContext, choose_tips

Means = dict[tuple[str, str], float | None]


@dataclass(frozen=True)
class TeamAdvice:
    ring: str | None
    process: str | None
    position: str | None
    tips: list[str]


def team_advice(dialogue: Dialogue, means: Means) -> TeamAdvice:
    """Applies the path rules to the team's means and picks three interventions for the lead."""
    rules = dialogue.scoring
    factors = {f: means.get(("eigen_regie", f)) for f in dialogue.model("eigen_regie").dimensions}
    _, ring = ring_of(rules.path, factors)
    processes = {p.process: means.get(("leerstructuur", p.process)) for p in rules.path.processes}
    process = process_of(rules.path, processes)
    position = next(
        (p.position for p in rules.path.positions if p.ring == ring and p.process == process),
        None,
    )
    phases = {
        layer.layer: int(mean + 0.5)  # half up, as the team result shows it
        if (mean := means.get(("groeimodel", layer.layer))) is not None
        else None
        for layer in rules.phases.layers
    }
    context = TipContext(
        role_layer=rules.team.layer,
        own_layer=rules.phases.own_layer,
        phases=phases,
        weakest=strongest_and_weakest(factors)[1],
        preference=None,
    )
    return TeamAdvice(ring, process, position, choose_tips(dialogue, context, rules.team.tips))
