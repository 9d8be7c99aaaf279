"""Chooses three tips from the library, one per slot of the respondent's role."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dialogues.loader import Dialogue
from dialogues.rules import Tip


@dataclass(frozen=True)
class TipContext:
    """What the choice depends on: role layer, phases, weakest factor and preference."""

    role_layer: str
    own_layer: str
    phases: dict[str, int | None]
    weakest: str | None
    preference: str | None


def _phase_fit(tip: Tip, context: TipContext) -> int:
    """2: the tip names the phase that counts; 1: it fits every phase; 0: other phases.

    The phase that counts is the role layer's own phase for tips of that layer, else the
    respondent's own phase.
    """
    layer = context.role_layer if tip.layer == context.role_layer else context.own_layer
    layer_phase = context.phases.get(layer)
    if not tip.phases:
        return 1
    return 2 if layer_phase is not None and layer_phase in tip.phases else 0


def _rank(tip: Tip, context: TipContext) -> int:
    fits_preference = context.preference is not None and context.preference in tip.preferences
    return _phase_fit(tip, context) + int(fits_preference)


def _slot_filter(slot: str, context: TipContext, layers: list[str]) -> Callable[[Tip], bool]:
    """Which tips may fill a slot; see the slots in scoring.yaml and docs/scoring.md."""
    if slot == "factor":
        return lambda t: context.weakest is not None and t.factor == context.weakest
    if slot == "phase":
        return lambda t: (
            t.layer == context.own_layer and t.factor is None and _phase_fit(t, context) > 0
        )
    if slot == "role":
        return lambda t: t.layer == context.role_layer and _phase_fit(t, context) > 0
    if slot == "preference":
        return lambda t: (
            t.layer in layers
            and t.factor is None
            and (context.preference is None or context.preference in t.preferences)
        )
    raise ValueError(f"unknown tip slot {slot!r}")


def choose_tips(dialogue: Dialogue, context: TipContext, slots: Sequence[str]) -> list[str]:
    """One tip per slot, best ranked first; empty slots take the best remaining allowed tip."""
    rules = dialogue.scoring.tips
    layers = list(dict.fromkeys([*rules.preference_layers, context.role_layer]))
    chosen: list[Tip] = []

    def best(allowed: Callable[[Tip], bool]) -> Tip | None:
        candidates = [t for t in dialogue.tips if allowed(t) and t not in chosen]
        return max(candidates, key=lambda t: _rank(t, context), default=None)

    for slot in slots:
        tip = best(_slot_filter(slot, context, layers))
        if tip is not None:
            chosen.append(tip)
    while len(chosen) < rules.count:
        tip = best(lambda t: t.layer in layers and t.factor is None)
        if tip is None:
            break
        chosen.append(tip)
    return [t.id for t in chosen[: rules.count]]
