"""A group's place on the path, and the interventions that fit a team, from averages only."""

from __future__ import annotations

from dataclasses import dataclass

from dialogues.loader import Dialogue
from placement.path import position_of, process_of, ring_of
from placement.regie import strongest_and_weakest
from placement.tips import TipContext, choose_tips

Means = dict[tuple[str, str], float | None]


@dataclass(frozen=True)
class GroupPlace:
    ring: str | None
    process: str | None
    position: str | None


@dataclass(frozen=True)
class TeamAdvice(GroupPlace):
    tips: list[str]


def group_place(dialogue: Dialogue, means: Means) -> GroupPlace:
    """Applies the path rules to a group's means: its ring, process and position."""
    rules = dialogue.scoring.path
    _, ring = ring_of(rules, _factors(dialogue, means))
    process = process_of(
        rules, {p.process: means.get(("leerstructuur", p.process)) for p in rules.processes}
    )
    return GroupPlace(ring, process, position_of(rules, ring, process))


def team_advice(dialogue: Dialogue, means: Means) -> TeamAdvice:
    """The team's place on the path and three interventions for its lead."""
    rules = dialogue.scoring
    place = group_place(dialogue, means)
    phases = {
        layer.layer: int(mean + 0.5)  # half up, as the team result shows it
        if (mean := means.get(("groeimodel", layer.layer))) is not None
        else None
        for layer in rules.phases.layers
    }
    # The team is the lead's staff: its own phase picks the lead's interventions. What the team
    # sees its lead do counts as done, so no tip repeats it.
    weak_below = rules.preconditions.weak_below
    conditions = [c.condition for c in rules.preconditions.conditions]
    core = {q: means.get(("dlo", q)) for q in rules.sustainability.core}
    known_core = {q: s for q, s in core.items() if s is not None}
    lowest = min(known_core.values(), default=None)
    context = TipContext(
        reader=rules.team.reader,
        role_layer=rules.team.layer,
        own_layer=rules.phases.own_layer,
        phases=phases,
        weakest=strongest_and_weakest(dialogue, _factors(dialogue, means))[1],
        preference=None,
        staff_layer=rules.phases.own_layer,
        factor_layer=rules.team.layer,
        weak_conditions=tuple(
            c
            for c in conditions
            if (m := means.get(("randvoorwaarden", c))) is not None and m < weak_below
        ),
        weak_core=tuple(q for q, s in known_core.items() if s == lowest)
        if lowest is not None and lowest < rules.sustainability.weak_core_below
        else (),
        process=place.process,
    )
    tips = choose_tips(dialogue, context, rules.team.tips)
    return TeamAdvice(place.ring, place.process, place.position, tips)


def _factors(dialogue: Dialogue, means: Means) -> dict[str, float | None]:
    return {f: means.get(("eigen_regie", f)) for f in dialogue.model("eigen_regie").dimensions}
