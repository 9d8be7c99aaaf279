"""Groeimodel: the phase of each layer, and imbalance between layers (one person, a group)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dialogues.loader import Dialogue
from dialogues.rules import ImbalanceRule
from placement.answers import Answers, mean_of, score


@dataclass(frozen=True)
class Imbalance:
    """Layers that are ahead and behind, who is ahead, and by how much (in phases)."""

    kind: str
    ahead: tuple[str, ...]
    behind: tuple[str, ...]
    gap: float


@dataclass(frozen=True)
class LayerPhases:
    """The phase per layer, the question that placed it, and the layer seen from inside."""

    phases: dict[str, int | None]
    questions: dict[str, str]
    own_view: str | None


def layer_phases(dialogue: Dialogue, answers: Answers, role_layer: str | None) -> LayerPhases:
    """The phase per layer; a respondent's own layer comes from their own view of it."""
    phases: dict[str, int | None] = {}
    questions: dict[str, str] = {}
    own_view: str | None = None
    for rule in dialogue.scoring.phases.layers:
        if rule.own is not None and rule.layer == role_layer:
            questions[rule.layer] = rule.own
            own_view = rule.layer
        else:
            questions[rule.layer] = next((q for q in rule.seen if q in answers), rule.seen[0])
        phases[rule.layer] = score(dialogue, answers, questions[rule.layer])
    return LayerPhases(phases, questions, own_view)


def imbalance(dialogue: Dialogue, phases: Mapping[str, float | None]) -> Imbalance | None:
    """One person's view: the work floor's mean phase against the organisation's.

    Both sides need a known phase; the gap must reach the rule's person_gap either way.
    """
    rule = dialogue.scoring.phases.imbalance
    floor = {layer: phases.get(layer) for layer in rule.workfloor}
    organisation = {layer: phases.get(layer) for layer in rule.organisation}
    floor_mean, organisation_mean = mean_of(floor.values()), mean_of(organisation.values())
    if floor_mean is None or organisation_mean is None:
        return None
    gap = round(floor_mean - organisation_mean, 6)
    if abs(gap) < rule.person_gap:
        return None
    known_floor = tuple(layer for layer, p in floor.items() if p is not None)
    known_organisation = tuple(layer for layer, p in organisation.items() if p is not None)
    if gap > 0:
        return Imbalance("werkvloer_voor", known_floor, known_organisation, gap)
    return Imbalance("organisatie_voor", known_organisation, known_floor, -gap)


def group_imbalance(rule: ImbalanceRule, means: Mapping[str, float | None]) -> Imbalance | None:
    """A group's layer means: the highest minus the lowest reaches the rule's group_gap."""
    known = {layer: m for layer, m in means.items() if m is not None}
    if not known:
        return None
    high, low = max(known.values()), min(known.values())
    if high - low < rule.group_gap:
        return None
    ahead = tuple(layer for layer, m in known.items() if m == high)
    behind = tuple(layer for layer, m in known.items() if m == low)
    workfloor, organisation = set(rule.workfloor), set(rule.organisation)
    if set(ahead) <= workfloor and set(behind) <= organisation:
        kind = "werkvloer_voor"
    elif set(ahead) <= organisation and set(behind) <= workfloor:
        kind = "organisatie_voor"
    else:
        kind = "gemengd"
    return Imbalance(kind=kind, ahead=ahead, behind=behind, gap=round(high - low, 6))
