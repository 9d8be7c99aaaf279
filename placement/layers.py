"""Groeimodel: the phase of each layer, and imbalance between layers."""

from __future__ import annotations

from dataclasses import dataclass

from dialogues.loader import Dialogue
from placement.answers import Answers, score


@dataclass(frozen=True)
class Imbalance:
    """Layers that are furthest ahead and furthest behind, and who is ahead."""

    kind: str
    ahead: tuple[str, ...]
    behind: tuple[str, ...]
    gap: int


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


def imbalance(dialogue: Dialogue, phases: dict[str, int | None]) -> Imbalance | None:
    """Names an imbalance when the known phases differ by at least the rule's gap."""
    rule = dialogue.scoring.phases.imbalance
    known = {layer: phase for layer, phase in phases.items() if phase is not None}
    if not known:
        return None
    high, low = max(known.values()), min(known.values())
    if high - low < rule.min_gap:
        return None
    ahead = tuple(layer for layer, phase in known.items() if phase == high)
    behind = tuple(layer for layer, phase in known.items() if phase == low)
    workfloor, organisation = set(rule.workfloor), set(rule.organisation)
    if set(ahead) <= workfloor and set(behind) <= organisation:
        kind = "werkvloer_voor"
    elif set(ahead) <= organisation and set(behind) <= workfloor:
        kind = "organisatie_voor"
    else:
        kind = "gemengd"
    return Imbalance(kind=kind, ahead=ahead, behind=behind, gap=high - low)
