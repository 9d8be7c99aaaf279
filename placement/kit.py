"""The conversation kit for a team's meeting after a closed round, from its means only.

Three discussion questions chosen from what the team's figures call for (the rules' topics in
order, see `kit` in scoring.yaml and docs/scoring.md), a 20-minute agenda, and for a team
that is mostly management the LLO dialogue exercise. Pure: no I/O, no words (the locale's
`kit` section holds them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dialogues.loader import Dialogue
from placement.layers import group_imbalance
from placement.regie import strongest_and_weakest
from placement.team import Means, group_place


@dataclass(frozen=True)
class Kit:
    """What the kit asks: (topic, key) per question, the agenda, and whether LLO is in it."""

    questions: list[tuple[str, str]]
    agenda: list[tuple[str, int]]
    llo: bool

    @property
    def minutes(self) -> int:
        return sum(minutes for _, minutes in self.agenda)


def _lowest_below(values: Mapping[str, float | None], limit: float) -> str | None:
    """The key with the lowest known value below `limit`; equal ones: the first listed."""
    known = [(value, key) for key, value in values.items() if value is not None and value < limit]
    lowest = min((value for value, _ in known), default=None)
    return next((key for value, key in known if value == lowest), None)


def conversation_kit(dialogue: Dialogue, means: Means, roles: Mapping[str, int]) -> Kit:
    """The kit for a team whose closed round has these means and this mix of roles."""
    rules = dialogue.scoring
    kit = rules.kit

    def path() -> list[str]:
        process = group_place(dialogue, means).process
        return [process] if process else []

    def condition() -> list[str]:
        scores = {
            c.condition: means.get(("randvoorwaarden", c.condition))
            for c in rules.preconditions.conditions
        }
        weakest = _lowest_below(scores, rules.preconditions.weak_below)
        return [weakest] if weakest else []

    def imbalance() -> list[str]:
        layers = {r.layer: means.get(("groeimodel", r.layer)) for r in rules.phases.layers}
        found = group_imbalance(rules.phases.imbalance, layers)
        return [found.kind] if found else []

    def factor() -> list[str]:
        factors = {f: means.get(("eigen_regie", f)) for f in rules.eigen_regie.tie_priority}
        _, weakest = strongest_and_weakest(dialogue, factors)
        return [weakest] if weakest else []

    def core() -> list[str]:
        scores = {q: means.get(("dlo", q)) for q in rules.sustainability.core}
        weakest = _lowest_below(scores, rules.sustainability.weak_core_below)
        return [weakest] if weakest else []

    topics: dict[str, Callable[[], list[str]]] = {
        "path": path,
        "condition": condition,
        "imbalance": imbalance,
        "factor": factor,
        "core": core,
        "general": lambda: list(kit.general),
    }
    questions: list[tuple[str, str]] = []
    for topic in kit.topics:
        for key in topics[topic]():
            if len(questions) < kit.questions:
                questions.append((topic, key))
    everyone = sum(roles.values())
    managing = sum(roles.get(role, 0) for role in kit.llo_roles)
    return Kit(
        questions=questions,
        agenda=[(step.step, step.minutes) for step in kit.agenda],
        llo=everyone > 0 and 2 * managing > everyone,
    )
